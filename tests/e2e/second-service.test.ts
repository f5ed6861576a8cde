// Proof that nothing is fitted to mirador-rca (issue 17, point 7): a second service, made from the example by
// mechanical renames (tests/support/second-service.ts), is released through the real engine with no program change:
// only its checkout, its profile, its SLO rules and the stack config differ. local-staging ships the canary, the gate
// promotes it after a soak with load, local-prod promotes the same digest, and a second up of each changes nothing.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { derivedText, slothArgs, slothBinary } from "../../scripts/slos";
import { ReleaseSandbox, changesOf, digestRefOf } from "../support/release-sandbox";
import { generateSecondService, LEDGER } from "../support/second-service";
import { repoRoot } from "../support/tools";

const policyPack = path.join(repoRoot, "policy");

function outputsOf(result: { outputs: Record<string, { value: unknown }> }): Record<string, string> {
    return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, String(v.value)]));
}

interface PodTemplate {
    spec: {
        template: {
            metadata: { labels: Record<string, string> };
            spec: { containers: { image: string }[] };
        };
    };
}

/** The second service, its SLOs derived and their rules generated as `npm run slos` does, into `dir`. */
function secondService(dir: string) {
    const { checkout, profile } = generateSecondService(dir);
    const spec = path.join(checkout, LEDGER.sloSpec);
    const derived = path.join(dir, `${LEDGER.name}.derived.yaml`);
    const rules = path.join(dir, `${LEDGER.name}.rules.yml`);
    fs.writeFileSync(derived, derivedText(spec, profile).text);
    execFileSync(slothBinary(), slothArgs(derived, rules), { stdio: "pipe" });
    return { checkout, profile, derived, rules };
}

describe("a second service, released with no program change", function () {
    this.timeout(3_600_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "second-service-"));
    let sandbox: ReleaseSandbox;
    let staging: Record<string, string> = {};
    let policyConfig: string;
    const log = (text: string) => process.stdout.write(text);
    const kubectlJson = <T>(...args: string[]) => JSON.parse(sandbox.tool("kubectl", [...args, "-o", "json"])) as T;
    const gate = async () => {
        try {
            const args = ["ts-node", "--transpile-only", path.join(repoRoot, "gate", "cli.ts")];
            const { stdout } = await sandbox.run("npx", [...args, "--policy-pack-config", policyConfig]);
            return { code: 0, table: stdout };
        } catch (e) {
            const err = e as { code: number; stdout: string; stderr: string };
            return { code: err.code, table: err.stdout + err.stderr };
        }
    };
    const prodOpts = () => ({ onOutput: log, policyPacks: [policyPack], policyPackConfigs: [policyConfig] });

    before(async () => {
        const service = secondService(dir);
        sandbox = new ReleaseSandbox({
            source: service.checkout,
            profile: service.profile,
            rules: service.rules,
            sloSpec: service.derived,
            imageName: LEDGER.name,
            preflight: ["make test"],
            prometheusLabels: { rollout: "canary" },
        });
        await sandbox.start();
        policyConfig = sandbox.policyConfig();
    });
    after(async () => {
        await sandbox?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("1. staging up deploys the canary with the profile's track label, pinned at the digest value, and runs its smoke calls", async () => {
        const result = await sandbox.staging.up({ onOutput: log });
        staging = outputsOf(result);
        const repo = sandbox.imageRepository();
        assert.strictEqual(repo, `${sandbox.infra.MIRADOR_REGISTRY}/${LEDGER.name}`);
        assert.strictEqual(staging.imageDigestRef, `${repo}@${staging.imageDigest}`);
        const deploy = kubectlJson<PodTemplate>("get", "deployment", "mirador-rca-canary", "-n", "mirador-staging");
        const labels = deploy.spec.template.metadata.labels;
        assert.strictEqual(labels[LEDGER.track.label], LEDGER.track.canary);
        assert.strictEqual(labels.track, undefined, "mirador-rca's track label is not this service's");
        assert.strictEqual(labels.rollout, "canary");
        // The chart renders repository@digest from image.digest: no tag at all.
        assert.strictEqual(deploy.spec.template.spec.containers[0].image, staging.imageDigestRef);
        const values = JSON.parse(
            sandbox.tool("helm", ["get", "values", "mirador-rca-canary", "-n", "mirador-staging", "-o", "json"]),
        ) as { image: { digest?: string; tag?: string } };
        assert.strictEqual(values.image.digest, staging.imageDigest);
        assert.strictEqual(values.image.tag, undefined);
        // The smoke calls are the profile's, on its gRPC service, in its order.
        const state = await sandbox.staging.exportStack();
        const smoke = (state.deployment.resources as { urn: string; type: string; inputs?: Record<string, unknown> }[])
            .filter((r) => r.type === "command:local:Command" && /::smoke-[^:]+$/.test(r.urn))
            .map((r) => [r.urn.split("::").pop(), (r.inputs?.environment as Record<string, string>).METHOD]);
        assert.deepStrictEqual(smoke, [
            ["smoke-health", "grpc.health.v1.Health/Check"],
            ["smoke-reconcile", `${LEDGER.grpcService}/${LEDGER.mainMethod}`],
            ["smoke-patterns", `${LEDGER.grpcService}/GetPatterns`],
            ["smoke-entries", `${LEDGER.grpcService}/ListEntries`],
        ]);
    });

    it("2. after a soak with load the gate promotes on the second service's SLOs, and prod runs the same digest", async () => {
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));
        const verdict = await gate();
        log(verdict.table);
        assert.strictEqual(verdict.code, 0, "the gate promotes a healthy canary");
        assert.match(verdict.table, /PROMOTE/);
        for (const slo of [LEDGER.slos.latency, LEDGER.slos.success]) {
            assert.ok(verdict.table.includes(slo), `${slo} in the gate's table`);
        }
        assert.doesNotMatch(verdict.table, /investigation-(latency|success-rate)/);

        const prod = outputsOf(await sandbox.prod.up(prodOpts()));
        assert.strictEqual(prod.imageDigest, staging.imageDigest);
        assert.strictEqual(prod.chartDigest, staging.chartDigest);
        const deploy = kubectlJson<PodTemplate>("get", "deployment", "mirador-rca", "-n", "mirador-prod");
        assert.strictEqual(deploy.spec.template.spec.containers[0].image, staging.imageDigestRef);
        assert.strictEqual(digestRefOf(deploy.spec.template.spec.containers[0].image), staging.imageDigestRef);
        assert.strictEqual(deploy.spec.template.metadata.labels[LEDGER.track.label], LEDGER.track.stable);
        // The release tag on the canary's commit in the service's remote, and one announcement with the digest.
        const remote = sandbox.infra.MIRADOR_GIT_REMOTE;
        assert.strictEqual(sandbox.tool("git", ["-C", remote, "rev-parse", "v0.4.0^{commit}"]), staging.commit);
        const messages = sandbox.slackMessages();
        assert.strictEqual(messages.length, 1);
        assert.ok(messages[0].text.includes(staging.imageDigestRef), messages[0].text);
        assert.match(messages[0].text, new RegExp(`^:rocket: \\*${LEDGER.name} v0\\.4\\.0\\* is in production`));
        assert.strictEqual(
            sandbox.tool("git", ["-C", remote, "for-each-ref", "--format=%(contents:subject)", "refs/tags/v0.4.0"]),
            `${LEDGER.name} v0.4.0`,
        );
        log(`announcement: ${messages[0].text}\n`);
    });

    it("3. a second up of each stack changes nothing", async () => {
        assert.deepStrictEqual(changesOf(await sandbox.staging.up({ onOutput: log })), {}, "local-staging");
        assert.deepStrictEqual(changesOf(await sandbox.prod.up(prodOpts())), {}, "local-prod");
        assert.strictEqual(sandbox.slackMessages().length, 1, "no second announcement");
    });
});
