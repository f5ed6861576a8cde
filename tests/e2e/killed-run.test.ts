// A `pulumi up` killed with SIGKILL while Helm upgrades the canary, and while it upgrades production, resumes with
// the documented recovery (scripts/resume-release <stack>): the stale lock goes, the engine drops the pending
// operations, the pending guard sees from Helm's own status that the release is pending-upgrade and rolls it back,
// and the upgrade runs again to a deployed release with the declared digest. The killed runs change only Helm
// values, not the digests: the guard must run because Helm says "pending", not because a trigger changed.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { KilledUp } from "../support/killed-up";
import { ReleaseSandbox, digestRefOf } from "../support/release-sandbox";
import { repoRoot, requireTool, toolPath } from "../support/tools";

interface HelmRevision {
    revision: number;
    status: string;
    description: string;
}

interface HelmStatus {
    version: number;
    info: { status: string };
}

describe("a pulumi up killed during a Helm upgrade", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    const log = (text: string) => process.stdout.write(text);
    const env = () => ({
        ...process.env,
        ...sandbox.infra,
        PULUMI_CONFIG_PASSPHRASE: sandbox.passphrase,
        PATH: toolPath(),
    });
    const tool = (name: string, args: string[]) =>
        execFileSync(requireTool(name), args, { encoding: "utf8", env: env() }).trim();
    const helmStatus = (ns: string, release: string) =>
        JSON.parse(tool("helm", ["status", release, "-n", ns, "-o", "json"])) as HelmStatus;
    const deployment = (ns: string, name: string) =>
        JSON.parse(tool("kubectl", ["get", "deployment", name, "-n", ns, "-o", "json"])) as {
            spec: {
                template: {
                    metadata: { annotations?: Record<string, string> };
                    spec: { containers: { image: string }[] };
                };
            };
            status: { readyReplicas?: number };
        };
    let imageDigestRef = "";

    /** Starts `pulumi up` of the stack, kills it once Helm says the release is pending-upgrade; returns the status. */
    async function killDuringUpgrade(stack: string, ns: string, release: string): Promise<HelmStatus> {
        const before = helmStatus(ns, release).version;
        const up = new KilledUp(requireTool("pulumi"), stack, sandbox.projectDir, env());
        let seen: HelmStatus | undefined;
        const pending = () => {
            try {
                const s = helmStatus(ns, release);
                seen = s;
                return s.version > before && s.info.status === "pending-upgrade";
            } catch {
                return false;
            }
        };
        await up.waitUntil(pending, `${ns}/${release} pending-upgrade`, 900_000);
        const killed = await up.kill();
        log(`${up.output}\nkilled ${killed} processes while ${ns}/${release} revision ${seen!.version} was pending\n`);
        // Nothing is left to finish the upgrade: Helm still says pending a while later.
        await new Promise((r) => setTimeout(r, 3000));
        const after = helmStatus(ns, release);
        assert.strictEqual(after.info.status, "pending-upgrade");
        return after;
    }

    /** The documented recovery; returns its output. */
    async function resume(stack: string): Promise<string> {
        const script = path.join(repoRoot, "scripts", "resume-release");
        const { stdout, stderr } = await sandbox.run("bash", [script, stack, "--skip-preview", "--non-interactive"], {
            PULUMI_CONFIG_PASSPHRASE: sandbox.passphrase,
        });
        log(stdout + stderr);
        return stdout + stderr;
    }

    function assertDeployed(ns: string, release: string, deploymentName: string, marker: string, pendingRev: number) {
        // The guard rolled the pending revision back (Helm's own record), then the resumed up upgraded again.
        const history = JSON.parse(tool("helm", ["history", release, "-n", ns, "-o", "json"])) as HelmRevision[];
        log(`${JSON.stringify(history)}\n`);
        const rollback = history.find((h) => h.revision === pendingRev + 1);
        assert.match(rollback?.description ?? "", /^Rollback to \d+/);
        assert.strictEqual(history[history.length - 1].revision, pendingRev + 2);
        assert.strictEqual(history[history.length - 1].status, "deployed");
        assert.strictEqual(helmStatus(ns, release).info.status, "deployed");
        const d = deployment(ns, deploymentName);
        assert.strictEqual(digestRefOf(d.spec.template.spec.containers[0].image), imageDigestRef);
        assert.strictEqual(d.spec.template.metadata.annotations?.["e2e/killed-run"], marker);
        assert.strictEqual(d.status.readyReplicas, 1);
    }

    async function assertNothingChanges(stack: "staging" | "prod") {
        const again = await sandbox[stack].up({ onOutput: log });
        assert.deepStrictEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"]);
    }

    before(async () => {
        await sandbox.start();
        // The stacks name the kube context (kubernetes.context) of a kubeconfig whose current context is another,
        // unreachable cluster (a closed loopback port): every step that ignored the setting would fail.
        const context = tool("kubectl", ["config", "current-context"]);
        const kubeconfig = path.join(sandbox.root, "kubeconfig-two-contexts.yaml");
        fs.copyFileSync(sandbox.infra.KUBECONFIG, kubeconfig);
        const config = (...args: string[]) => tool("kubectl", ["--kubeconfig", kubeconfig, "config", ...args]);
        config("set-cluster", "elsewhere", "--server=https://127.0.0.1:1");
        config("set-context", "elsewhere", "--cluster=elsewhere");
        config("use-context", "elsewhere");
        const kubernetes = { kubeconfig, context };
        await sandbox.configure(sandbox.staging, { kubernetes });
        await sandbox.configure(sandbox.prod, { kubernetes });
        const result = await sandbox.staging.up({ onOutput: log });
        imageDigestRef = String(result.outputs.imageDigestRef.value);
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. staging: killed while Helm upgrades the canary, resume-release ends deployed with the canary's digest", async () => {
        await sandbox.configure(sandbox.staging, {
            helm: sandbox.canaryHelm({ values: { podAnnotations: { "e2e/killed-run": "1" } } }),
        });
        const pending = await killDuringUpgrade("local-staging", "mirador-staging", "mirador-rca-canary");
        const output = await resume("local-staging");
        assert.match(output, /removing its lock/);
        assertDeployed("mirador-staging", "mirador-rca-canary", "mirador-rca-canary", "1", pending.version);
        await assertNothingChanges("staging");
    });

    it("2. prod: killed while Helm upgrades production, resume-release ends deployed with the promoted digest", async () => {
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));
        await sandbox.prod.up({ onOutput: log });
        await sandbox.configure(sandbox.prod, {
            helm: sandbox.prodHelm({ values: { podAnnotations: { "e2e/killed-run": "2" } } }),
        });
        const pending = await killDuringUpgrade("local-prod", "mirador-prod", "mirador-rca");
        const output = await resume("local-prod");
        assert.match(output, /removing its lock/);
        assertDeployed("mirador-prod", "mirador-rca", "mirador-rca", "2", pending.version);
        await assertNothingChanges("prod");
    });
});
