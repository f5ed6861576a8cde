// A whole release through the real Pulumi engine: local-staging ships the canary, local-prod promotes it behind
// the policy pack, against the real Docker engine and registry, cosign, helm and the local Kubernetes API,
// Prometheus running the Sloth rules, a bare git remote and a Slack receiver. The scenarios build on each other.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { ReleaseSandbox, digestRefOf } from "../support/release-sandbox";
import { repoRoot, requireTool, toolPath } from "../support/tools";

const policyPack = path.join(repoRoot, "policy");

/** A replacement shows as three steps; the plan names it once, as "replace". */
const SUB_STEPS = ["same", "create-replacement", "delete-replaced", "read"];

/** The resources a preview would change, as "op name", without the unchanged ones and the stack itself. */
async function plannedChanges(stack: Stack, opts: { policyPacks?: string[]; policyPackConfigs?: string[] } = {}) {
    const changes: string[] = [];
    const onEvent = (e: EngineEvent) => {
        const m = e.resourcePreEvent?.metadata;
        if (
            m &&
            !SUB_STEPS.includes(m.op) &&
            !m.type.startsWith("pulumi:pulumi:Stack") &&
            !m.type.startsWith("mirador:")
        ) {
            changes.push(`${m.op} ${m.urn.split("::").pop()}`);
        }
    };
    await stack.preview({ onEvent, ...opts });
    return changes.sort();
}

function outputsOf(result: { outputs: Record<string, { value: unknown }> }): Record<string, string> {
    return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, String(v.value)]));
}

describe("a release through the real engine", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    let staging: Record<string, string> = {};
    let policyConfig: string;
    const log = (text: string) => process.stdout.write(text);
    const tool = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
        execFileSync(requireTool(name), args, {
            encoding: "utf8",
            env: { ...process.env, ...sandbox.infra, PATH: toolPath(), ...env },
        }).trim();
    const kubectl = (...args: string[]) => tool("kubectl", args);
    const gate = async () => {
        try {
            const { stdout } = await sandbox.run("npx", [
                "ts-node",
                "--transpile-only",
                path.join(repoRoot, "gate", "cli.ts"),
                "--policy-pack-config",
                policyConfig,
            ]);
            return { code: 0, table: stdout };
        } catch (e) {
            const err = e as { code: number; stdout: string; stderr: string };
            return { code: err.code, table: err.stdout + err.stderr };
        }
    };
    const helmRevision = (ns: string, name: string) =>
        (JSON.parse(tool("helm", ["history", name, "-n", ns, "-o", "json"])) as { revision: number }[]).length;

    before(async () => {
        await sandbox.start();
        policyConfig = sandbox.policyConfig();
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. staging up: builds, pushes, signs, packages, deploys the canary by digest and smoke-tests it", async () => {
        const result = await sandbox.staging.up({ onOutput: log });
        staging = outputsOf(result);
        assert.strictEqual(staging.version, "0.4.0");
        assert.strictEqual(staging.signatureVerified, "true");
        const repo = `${sandbox.infra.MIRADOR_REGISTRY}/mirador-rca`;
        assert.strictEqual(staging.imageDigestRef, `${repo}@${staging.imageDigest}`);
        // The registry holds exactly that digest under the version tag.
        assert.strictEqual(tool("crane", ["digest", `${repo}:v0.4.0`]), staging.imageDigest);
        // cosign verifies it with the public key, and not with another one.
        const keys = sandbox.infra;
        const verify = (pub: string) =>
            tool("cosign", [
                "verify",
                "--key",
                pub,
                "--insecure-ignore-tlog=true",
                `--trusted-root=${keys.MIRADOR_COSIGN_TRUSTED_ROOT}`,
                staging.imageDigestRef,
            ]);
        assert.match(verify(keys.MIRADOR_COSIGN_PUBLIC_KEY), new RegExp(staging.imageDigest));
        assert.throws(() => verify(sandbox.otherPublicKey()), /no matching signatures|invalid signature/);
        // The chart was packaged where the output says, with that digest.
        assert.match(staging.chartDigest, /^sha256:[a-f0-9]{64}$/);
        assert.ok(fs.existsSync(path.join(sandbox.projectDir, staging.chartArchive)));
        // The canary release: deployed, one replica, the canary labels, the image by digest.
        const status = JSON.parse(
            tool("helm", ["status", "mirador-rca-canary", "-n", "mirador-staging", "-o", "json"]),
        ) as { info: { status: string } };
        assert.strictEqual(status.info.status, "deployed");
        const deploy = JSON.parse(
            kubectl("get", "deployment", "mirador-rca-canary", "-n", "mirador-staging", "-o", "json"),
        ) as {
            spec: {
                replicas: number;
                template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } };
            };
            status: { availableReplicas: number };
        };
        assert.strictEqual(deploy.spec.replicas, 1);
        assert.strictEqual(deploy.status.availableReplicas, 1);
        assert.strictEqual(deploy.spec.template.metadata.labels.track, "canary");
        assert.strictEqual(deploy.spec.template.metadata.labels.release_track, "canary");
        assert.strictEqual(digestRefOf(deploy.spec.template.spec.containers[0].image), staging.imageDigestRef);
        // The routing gives the canary its weight.
        const routing = JSON.parse(
            kubectl("get", "configmap", "mirador-core-routing", "-n", "mirador-staging", "-o", "json"),
        ) as { data: Record<string, string> };
        assert.deepStrictEqual([routing.data["rca.canary.weight"], routing.data["rca.stable.weight"]], ["10", "90"]);
        // The signing key's password is nowhere in the state in plaintext.
        assert.deepStrictEqual(sandbox.stateFilesContaining(sandbox.cosignPassword), []);
    });

    it("2. prod up after a healthy soak: the gate promotes, prod runs staging's digest, tags, announces once", async () => {
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));
        const verdict = await gate();
        log(verdict.table);
        assert.strictEqual(verdict.code, 0, "the gate promotes a healthy canary");

        const result = await sandbox.prod.up({
            onOutput: log,
            policyPacks: [policyPack],
            policyPackConfigs: [policyConfig],
        });
        const prod = outputsOf(result);
        assert.strictEqual(prod.imageDigest, staging.imageDigest);
        assert.strictEqual(prod.chartDigest, staging.chartDigest);
        assert.strictEqual(prod.tag, `v0.4.0 ${staging.commit}`);
        const deploy = JSON.parse(kubectl("get", "deployment", "mirador-rca", "-n", "mirador-prod", "-o", "json")) as {
            spec: {
                template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } };
            };
        };
        assert.strictEqual(digestRefOf(deploy.spec.template.spec.containers[0].image), staging.imageDigestRef);
        assert.strictEqual(deploy.spec.template.metadata.labels.track, "stable");
        const routing = JSON.parse(
            kubectl("get", "configmap", "mirador-core-routing", "-n", "mirador-prod", "-o", "json"),
        ) as { data: Record<string, string> };
        assert.deepStrictEqual([routing.data["rca.stable.weight"], routing.data["rca.canary.weight"]], ["100", "0"]);
        // The annotated tag is on the canary's commit in the bare remote.
        const remote = sandbox.infra.MIRADOR_GIT_REMOTE;
        assert.strictEqual(tool("git", ["-C", remote, "cat-file", "-t", "v0.4.0"]), "tag");
        assert.strictEqual(tool("git", ["-C", remote, "rev-parse", "v0.4.0^{commit}"]), staging.commit);
        // Exactly one announcement, with the version and both digests.
        const messages = sandbox.slackMessages();
        assert.strictEqual(messages.length, 1);
        for (const part of ["v0.4.0", staging.imageDigestRef, staging.chartDigest]) {
            assert.ok(messages[0].text.includes(part), `${part} in ${messages[0].text}`);
        }
    });

    it("3. a second up of each stack changes nothing and runs no step again", async () => {
        const runs: [Stack, { policyPacks?: string[]; policyPackConfigs?: string[] }][] = [
            [sandbox.staging, {}],
            [sandbox.prod, { policyPacks: [policyPack], policyPackConfigs: [policyConfig] }],
        ];
        for (const [stack, opts] of runs) {
            const result = await stack.up({ onOutput: log, ...opts });
            const changes = result.summary.resourceChanges ?? {};
            assert.deepStrictEqual(Object.keys(changes), ["same"], `${stack.name}: ${JSON.stringify(changes)}`);
        }
        assert.strictEqual(sandbox.slackMessages().length, 1, "no second announcement");
        assert.strictEqual(helmRevision("mirador-prod", "mirador-rca"), 1);
    });

    it("4. an image whose signature does not verify with the configured key blocks prod", async () => {
        await sandbox.configure(sandbox.prod, {
            cosign: { ...sandbox.cosignSettings(true), publicKey: sandbox.otherPublicKey() },
        });
        await assert.rejects(
            sandbox.prod.up({ onOutput: log, policyPacks: [policyPack], policyPackConfigs: [policyConfig] }),
            /canary-signature-verify[\s\S]*(no matching signatures|invalid signature)/,
        );
        assert.strictEqual(helmRevision("mirador-prod", "mirador-rca"), 1, "the release was not touched");
        assert.strictEqual(sandbox.slackMessages().length, 1);
        await sandbox.configure(sandbox.prod, { cosign: sandbox.cosignSettings(true) });
    });

    it("5. a version bump changes the canary's steps in staging and, in prod, exactly the promotion's steps", async () => {
        sandbox.bumpSource("0.4.1");
        await sandbox.configure(sandbox.staging, { version: "0.4.1" });
        await sandbox.configure(sandbox.prod, { version: "0.4.1" });
        const stagingPlan = await plannedChanges(sandbox.staging);
        log(`staging plan:\n  ${stagingPlan.join("\n  ")}\n`);
        const names = stagingPlan.map((c) => c.split(" ")[1]);
        for (const step of [
            "image-image",
            "image-sign",
            "image-signature-verify",
            "chart-package",
            "canary-release",
            "smoke-investigate",
            "traffic-routing",
        ]) {
            assert.ok(names.includes(step), `${step} changes with the version`);
        }
        const result = await sandbox.staging.up({ onOutput: log });
        staging = outputsOf(result);
        assert.strictEqual(staging.version, "0.4.1");

        const prodPlan = await plannedChanges(sandbox.prod);
        log(`prod plan:\n  ${prodPlan.join("\n  ")}\n`);
        assert.deepStrictEqual(prodPlan, [
            "replace announcement-slack",
            "replace canary-attestations-provenance",
            "replace canary-attestations-sbom",
            "replace canary-signature-verify",
            "replace gate-verdict-gate",
            "replace production-deployed-at",
            "replace production-pending-guard",
            "replace production-rendered-check",
            "replace production-rollout-pods-ready",
            "replace promotion-gate-judge",
            "replace tag-git-tag",
            "update production-release",
            "update traffic-routing",
        ]);
    });

    it("6. prod is denied by the slo-gate while the new canary burns its error budget, and nothing changes", async () => {
        await sandbox.degradeCanary(staging.imageDigestRef, { errorRatio: 0.2 });
        const load = await sandbox.load(75, 10);
        assert.ok((load.errors.Unavailable ?? 0) > 0, JSON.stringify(load));
        const verdict = await gate();
        log(verdict.table);
        assert.strictEqual(verdict.code, 1, "the gate denies");
        await assert.rejects(
            sandbox.prod.preview({ onOutput: log, policyPacks: [policyPack], policyPackConfigs: [policyConfig] }),
            (e: Error) => {
                assert.match(e.message, /slo-gate/);
                assert.match(e.message, /(page-burn|soak-burn)[^\n]*FAIL|burn/i);
                return true;
            },
        );
        assert.strictEqual(helmRevision("mirador-prod", "mirador-rca"), 1);
        assert.throws(() =>
            tool("git", ["-C", sandbox.infra.MIRADOR_GIT_REMOTE, "rev-parse", "-q", "--verify", "v0.4.1"]),
        );
        assert.strictEqual(sandbox.slackMessages().length, 1);
    });

    it("7. a bad config stops prod's up before anything changes, naming the key, the value and the fix", async () => {
        const stackFile = path.join(sandbox.projectDir, "Pulumi.local-prod.yaml");
        const saved = fs.readFileSync(stackFile, "utf8");
        const resourcesBefore = (await sandbox.prod.exportStack()).deployment.resources.length;
        let output = "";
        try {
            await sandbox.configure(sandbox.prod, { version: "0.4" });
            await assert.rejects(
                sandbox.prod.up({ onOutput: (text) => (output += text) }),
                /Pulumi\.local-prod\.yaml: mirador-release:version '0\.4' is not semver \(expected e\.g\. 0\.4\.0 or v0\.4\.0\)/,
            );
        } finally {
            fs.writeFileSync(stackFile, saved);
        }
        log(output);
        // The config error alone: no stack trace, no runtime warning, no resource touched.
        assert.doesNotMatch(output, /PromiseRejectionHandledWarning|unhandled exception|\n\s+at /);
        assert.strictEqual((await sandbox.prod.exportStack()).deployment.resources.length, resourcesBefore);
        assert.strictEqual(helmRevision("mirador-prod", "mirador-rca"), 1);
    });

    it("8. stopping the infrastructure leaves no process of it behind", async () => {
        await sandbox.stop();
        const leftovers = fs
            .readdirSync("/proc")
            .filter((p) => /^\d+$/.test(p))
            .filter((p) => {
                try {
                    return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(sandbox.runDir);
                } catch {
                    return false;
                }
            });
        assert.deepStrictEqual(leftovers, []);
    });
});
