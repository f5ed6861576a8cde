// Rolling production back through the real engine against the local release world: promote 0.4.0, promote 0.4.1,
// then `mirador-release:rollback: 0.4.0` redeploys 0.4.0's digest and chart from production's own history (no
// rebuild, the signature verified again, no canary gate, the reason in Helm's history), behind the policy pack;
// the tags stay, one rollback message is posted, a second up changes nothing, and 0.4.2 is promoted as usual.
import * as assert from "assert";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { changesOf, ReleaseSandbox } from "../support/release-sandbox";
import { repoRoot } from "../support/tools";

const policyPack = path.join(repoRoot, "policy");

function outputsOf(result: { outputs: Record<string, { value: unknown }> }): Record<string, unknown> {
    return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
}

interface StateResource {
    urn: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

describe("rolling production back to the release it ran before", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    const promoted: Record<string, Record<string, unknown>> = {};
    const tags: Record<string, string> = {};
    const log = (text: string) => process.stdout.write(text);
    const tool = (name: string, args: string[]) => sandbox.tool(name, args);
    const helmHistory = () => sandbox.helmHistory();
    const prodImage = () => sandbox.deploymentImage();
    const routing = () => sandbox.routing("mirador-prod");
    const remoteTag = (tag: string) => tool("git", ["-C", sandbox.infra.MIRADOR_GIT_REMOTE, "rev-parse", tag]);
    const withPack = { policyPacks: [policyPack], policyPackConfigs: [] as string[] };
    const stateOf = async (stack: Stack): Promise<StateResource[]> =>
        ((await stack.exportStack()).deployment as { resources: StateResource[] }).resources;
    const named = (resources: StateResource[], name: string) => resources.find((r) => r.urn.endsWith(`::${name}`));

    /** Ships `version` to staging, soaks it healthily and promotes it with the policy pack. */
    const promote = async (version: string) => {
        if (version !== "0.4.0") {
            sandbox.bumpSource(version);
        }
        await sandbox.configure(sandbox.staging, { version });
        await sandbox.configure(sandbox.prod, { version, rollback: "" });
        const staging = outputsOf(await sandbox.staging.up({ onOutput: log }));
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));
        const prod = outputsOf(await sandbox.prod.up({ onOutput: log, ...withPack }));
        assert.strictEqual(prod.imageDigest, staging.imageDigest);
        assert.strictEqual(prodImage(), staging.imageDigestRef);
        promoted[version] = prod;
        tags[version] = remoteTag(`v${version}`);
        return prod;
    };

    before(async () => {
        await sandbox.start();
        withPack.policyPackConfigs.push(sandbox.gateConfig);
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. promotes 0.4.0, then 0.4.1: production's history lists both", async () => {
        await promote("0.4.0");
        const prod = await promote("0.4.1");
        const releases = prod.releases as { version: string; imageDigest: string }[];
        assert.deepStrictEqual(
            releases.map((r) => [r.version, r.imageDigest]),
            [
                ["0.4.0", promoted["0.4.0"].imageDigest],
                ["0.4.1", promoted["0.4.1"].imageDigest],
            ],
        );
        assert.strictEqual(helmHistory().length, 2);
        assert.strictEqual(sandbox.slackMessages().length, 2);
    });

    it("2. a rollback target that production never ran is refused before anything changes", async () => {
        await sandbox.configure(sandbox.prod, { rollback: "0.3.9" });
        await assert.rejects(
            sandbox.prod.up({ onOutput: log, ...withPack }),
            /mirador-release:rollback '0\.3\.9' is not a release production ran \(its history: 0\.4\.0, 0\.4\.1\)/,
        );
        assert.strictEqual(helmHistory().length, 2);
        assert.strictEqual(prodImage(), promoted["0.4.1"].imageDigestRef);
    });

    it("3. rollback 0.4.1 → 0.4.0: 0.4.0's digest and chart serve again, behind the pack, tags intact, one message", async () => {
        await sandbox.configure(sandbox.prod, { rollback: "0.4.0" });
        const result = await sandbox.prod.up({ onOutput: log, ...withPack });
        const out = outputsOf(result);
        const target = promoted["0.4.0"];
        assert.strictEqual(out.version, "0.4.0");
        assert.strictEqual(out.imageDigest, target.imageDigest);
        assert.strictEqual(out.chartDigest, target.chartDigest);
        assert.strictEqual(out.signatureVerified, true);
        assert.deepStrictEqual(
            { ...(out.rollback as Record<string, unknown>), reason: undefined },
            { from: "0.4.1", to: "0.4.0", reason: undefined },
        );
        assert.strictEqual(prodImage(), target.imageDigestRef);
        assert.strictEqual(routing()["rca.stable.image"], target.imageDigestRef);
        assert.strictEqual(routing()["rca.stable.version"], "0.4.0");
        assert.strictEqual(routing()["rca.stable.weight"], "100");
        // Helm's history: the two promotions and the rollback, which records why no gate ran.
        const history = helmHistory();
        assert.strictEqual(history.length, 3);
        assert.strictEqual(history[0].description, `promoted by the SLO gate: ${String(target.imageDigest)}`);
        assert.strictEqual(
            history[2].description,
            `rollback 0.4.1 → 0.4.0: ${String(target.imageDigest)} already served production (promoted by the SLO gate); the canary gate is skipped`,
        );
        // The signature was verified again for 0.4.0's digest; no gate ran.
        const state = await stateOf(sandbox.prod);
        assert.strictEqual(
            (named(state, "canary-signature-verify")?.inputs?.environment as Record<string, string>).IMAGE,
            target.imageDigestRef,
        );
        assert.strictEqual(named(state, "promotion-gate-judge"), undefined);
        // Both tags where they were; one rollback message besides the two announcements.
        assert.strictEqual(remoteTag("v0.4.0"), tags["0.4.0"]);
        assert.strictEqual(remoteTag("v0.4.1"), tags["0.4.1"]);
        const messages = sandbox.slackMessages();
        assert.strictEqual(messages.length, 3);
        const rollbacks = messages.filter((m) => m.text.includes("rolled back"));
        assert.strictEqual(rollbacks.length, 1);
        assert.match(rollbacks[0].text, /rolled back 0\.4\.1 → 0\.4\.0/);
        assert.ok(rollbacks[0].text.includes(String(target.imageDigestRef)));
    });

    it("4. a second up of the rollback changes nothing and posts nothing", async () => {
        const again = await sandbox.prod.up({ onOutput: log, ...withPack });
        assert.deepStrictEqual(changesOf(again), {});
        assert.strictEqual(helmHistory().length, 3);
        assert.strictEqual(sandbox.slackMessages().length, 3);
    });

    it("5. promoting 0.4.2 afterwards works as usual: gate, tag, announcement", async () => {
        const prod = await promote("0.4.2");
        const history = helmHistory();
        assert.strictEqual(history.length, 4);
        assert.strictEqual(history[3].description, `promoted by the SLO gate: ${String(prod.imageDigest)}`);
        assert.strictEqual(prod.rollback, undefined);
        const releases = prod.releases as { version: string }[];
        assert.deepStrictEqual(
            releases.map((r) => r.version),
            ["0.4.0", "0.4.1", "0.4.2"],
        );
        assert.strictEqual(remoteTag("v0.4.0"), tags["0.4.0"]);
        assert.strictEqual(remoteTag("v0.4.1"), tags["0.4.1"]);
        const messages = sandbox.slackMessages();
        assert.strictEqual(messages.length, 4);
        assert.match(messages[3].text, /v0\.4\.2/);
    });
});
