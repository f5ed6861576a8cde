// What a production update cannot do, through the real engine against the local release world: promote a burning
// canary without the policy pack (the program judges the canary itself), judge a promoted digest again, post the
// announcement twice, or destroy production by accident. The scenarios build on each other.
import * as assert from "assert";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { changesOf, ReleaseSandbox, Secret } from "../support/release-sandbox";
import { repoRoot } from "../support/tools";

const policyPack = path.join(repoRoot, "policy");

function outputsOf(result: { outputs: Record<string, { value: unknown }> }): Record<string, string> {
    return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, String(v.value)]));
}

interface StateResource {
    urn: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

describe("a production update that cannot skip the gate or destroy a release", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    let staging: Record<string, string> = {};
    const log = (text: string) => process.stdout.write(text);
    const tool = (name: string, args: string[]) => sandbox.tool(name, args);
    const helmHistory = () => sandbox.helmHistory();
    const prodImage = () => sandbox.deploymentImage();
    const routing = () => sandbox.routing("mirador-prod");
    const tagExists = (tag: string) => {
        try {
            tool("git", ["-C", sandbox.infra.MIRADOR_GIT_REMOTE, "rev-parse", "-q", "--verify", `${tag}^{tag}`]);
            return true;
        } catch {
            return false;
        }
    };
    /** The gate CLI, as an operator runs it: exit 0 promote, 1 deny. */
    const gateCli = async (digest: string) => {
        const args = ["--require", "ts-node/register/transpile-only", path.join("gate", "cli.ts")];
        try {
            const { stdout } = await sandbox.run("node", [
                ...args,
                "--policy-pack-config",
                sandbox.gateConfig,
                "--canary-digest",
                digest,
            ]);
            return { code: 0, table: stdout };
        } catch (e) {
            const err = e as { code: number; stdout: string; stderr: string };
            return { code: err.code, table: err.stdout + err.stderr };
        }
    };
    const stateOf = async (stack: Stack): Promise<StateResource[]> =>
        ((await stack.exportStack()).deployment as { resources: StateResource[] }).resources;
    const resource = (resources: StateResource[], name: string) => {
        const found = resources.find((r) => r.urn.endsWith(`::${name}`));
        assert.ok(found, `${name} is in the state`);
        return found;
    };

    before(async () => {
        await sandbox.start();
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. a plain prod up (no policy pack) promotes a healthy canary after the program's own gate said promote", async () => {
        staging = outputsOf(await sandbox.staging.up({ onOutput: log }));
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));

        const prod = outputsOf(await sandbox.prod.up({ onOutput: log }));
        assert.strictEqual(prod.imageDigest, staging.imageDigest);
        assert.strictEqual(prodImage(), staging.imageDigestRef);
        assert.strictEqual(helmHistory().length, 1);
        // The gate's verdict is the step's output, and the release records the promotion for the policy pack.
        const state = await stateOf(sandbox.prod);
        assert.match(
            String(resource(state, "promotion-gate-judge").outputs?.stdout),
            /^PROMOTE: all \d+ checks passed/m,
        );
        assert.strictEqual(
            resource(state, "production-release").inputs?.description,
            `promoted by the SLO gate: ${staging.imageDigest}`,
        );
        assert.ok(tagExists("v0.4.0"));
        assert.strictEqual(sandbox.slackMessages().length, 1);
    });

    it("2. the canary burns now: a later prod up of the promoted digest, with the pack, passes and changes nothing", async () => {
        await sandbox.degradeCanary(staging.imageDigestRef, { errorRatio: 0.2 });
        const load = await sandbox.load(75, 10);
        assert.ok((load.errors.Unavailable ?? 0) > 0, JSON.stringify(load));
        const verdict = await gateCli(staging.imageDigest);
        log(verdict.table);
        assert.strictEqual(verdict.code, 1, "the gate would deny this canary now");

        const result = await sandbox.prod.up({
            onOutput: log,
            policyPacks: [policyPack],
            policyPackConfigs: [sandbox.gateConfig],
        });
        assert.deepStrictEqual(changesOf(result), {}, "nothing changes, the gate does not run again");
        assert.strictEqual(helmHistory().length, 1);
        assert.strictEqual(sandbox.slackMessages().length, 1);
    });

    it("3. a rotated webhook secret updates the announcement step without posting again", async () => {
        const rotated = `${sandbox.infra.MIRADOR_SLACK_WEBHOOK}?rotated=${Math.random().toString(36).slice(2)}`;
        await sandbox.configure(sandbox.prod, { slackWebhookUrl: new Secret(rotated) });
        const result = await sandbox.prod.up({ onOutput: log });
        assert.deepStrictEqual(changesOf(result), { update: 1 }, "only the announcement step's inputs change");
        assert.strictEqual(sandbox.slackMessages().length, 1, "still exactly one message");
        assert.deepStrictEqual(sandbox.stateFilesContaining(rotated), [], "the new secret is encrypted in the state");
        const again = await sandbox.prod.up({ onOutput: log });
        assert.deepStrictEqual(changesOf(again), {});
    });

    it("4. a burning canary of the next version: a plain prod up fails with the gate's table and changes nothing", async () => {
        sandbox.bumpSource("0.4.1");
        await sandbox.configure(sandbox.staging, { version: "0.4.1" });
        await sandbox.configure(sandbox.prod, { version: "0.4.1" });
        const next = outputsOf(await sandbox.staging.up({ onOutput: log }));
        assert.notStrictEqual(next.imageDigest, staging.imageDigest);
        await sandbox.degradeCanary(next.imageDigestRef, { errorRatio: 0.2 });
        const load = await sandbox.load(75, 10);
        assert.ok((load.errors.Unavailable ?? 0) > 0, JSON.stringify(load));

        const routingBefore = routing();
        const before = await stateOf(sandbox.prod);
        await assert.rejects(sandbox.prod.up({ onOutput: log }), (e: Error) => {
            // The gate's table: its header, failing burn checks, and the verdict.
            assert.match(e.message, /promotion-gate-judge/);
            assert.match(e.message, /CHECK\s+VERDICT\s+VALUE\s+THRESHOLD\s+REASON\n/);
            assert.match(e.message, /(page-burn|soak-burn)\S*\s+FAIL/);
            assert.match(e.message, /DENY: \d+ of \d+ checks did not pass/);
            return true;
        });
        // Nothing in production moved: no Helm revision, the old image, the same routing, no tag, no message.
        assert.strictEqual(helmHistory().length, 1);
        assert.strictEqual(prodImage(), staging.imageDigestRef);
        assert.deepStrictEqual(routing(), routingBefore);
        assert.strictEqual(routing()["rca.stable.version"], "0.4.0");
        assert.ok(!tagExists("v0.4.1"), "no tag v0.4.1");
        assert.strictEqual(sandbox.slackMessages().length, 1);
        // Every production step's record is as it was: the gate's old verdict, the release, the routing, the
        // pending guard (it may roll production back), the tag and the announcement.
        const after = await stateOf(sandbox.prod);
        const urns = (rs: StateResource[]) => rs.map((r) => r.urn.split("::").pop()).sort();
        log(`state before: ${urns(before).join(" ")}\nstate after:  ${urns(after).join(" ")}\n`);
        for (const name of [
            "promotion-gate-judge",
            "production-pending-guard",
            "production-release",
            "traffic-routing",
            "tag-git-tag",
            "announcement-slack",
            "production-lock-protect",
        ]) {
            const record = (rs: StateResource[]) => {
                const r = resource(rs, name);
                return JSON.stringify([r.inputs, r.outputs]);
            };
            assert.strictEqual(record(after), record(before), `${name} unchanged`);
        }
        assert.strictEqual(
            resource(after, "production-release").inputs?.description,
            `promoted by the SLO gate: ${staging.imageDigest}`,
        );
    });

    it("5. pulumi destroy -s local-prod refuses before it changes anything: production is protected", async () => {
        // The steps' records, once each (a replaced step's old copy left by step 4 may be cleaned up). The read of
        // the staging stack is no record: a destroy may drop it, the next run reads it again.
        const urns = async () =>
            [...new Set((await stateOf(sandbox.prod)).map((r) => r.urn))]
                .filter((urn) => !/pulumi:pulumi:StackReference|pulumi:providers:pulumi::/.test(urn))
                .sort();
        const before = await urns();
        await assert.rejects(sandbox.prod.destroy({ onOutput: log }), /production-lock-protect[\s\S]*protect/);
        assert.strictEqual(helmHistory().length, 1);
        assert.strictEqual(routing()["rca.stable.weight"], "100");
        assert.deepStrictEqual(await urns(), before, "no record left the state");
    });

    it("6. retiring production deliberately (README): unprotect, then destroy; the tag and the message stay", async () => {
        await sandbox.run("pulumi", ["state", "unprotect", "--all", "--yes", "--stack", "local-prod"], {
            PULUMI_CONFIG_PASSPHRASE: sandbox.passphrase,
        });
        await sandbox.prod.destroy({ onOutput: log });
        assert.throws(() => helmHistory(), /not found/);
        // The routing is a patch of mirador-core's ConfigMap: retiring production gives up prod's keys, never the
        // ConfigMap itself.
        const left = routing() ?? {};
        for (const key of ["rca.stable.image", "rca.stable.release", "rca.stable.version"]) {
            assert.strictEqual(left[key], undefined, `${key} was prod's only`);
        }
        assert.ok(tagExists("v0.4.0"), "the release tag outlives production");
        assert.strictEqual(sandbox.slackMessages().length, 1);
    });
});
