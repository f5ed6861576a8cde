// Helm's wait is real: on the local node a canary that crashes at start, or never becomes Ready, makes
// `pulumi up` of local-staging fail within helm.timeoutSeconds, naming the pod and why it is not Ready; atomic rolls
// the release back; the smoke tests and the traffic switch never run. The example service's start-up fault hook
// (faultInjection.startup: crash | hang) makes the bad canary. The scenarios build on each other.
import * as assert from "assert";
import { ReleaseSandbox, digestRefOf } from "../support/release-sandbox";

const namespace = "mirador-staging";
const release = "mirador-rca-canary";
/**
 * helm.timeoutSeconds for the failing runs (the smallest the config accepts is 30). The chart's Recreate strategy
 * (hostNetwork ports) starts the new pod only once the old one has stopped, and with other test files running beside
 * this one that took up to 30 s: 60 s leaves the failing pod time to show why it is not Ready.
 */
const timeoutSeconds = 60;
/**
 * What a failing up may take beyond helm.timeoutSeconds: the engine's start, Helm's atomic rollback (which waits for
 * the old pod to be Ready again) and the engine's end. Measured on this machine kind: 20 to 35 s.
 */
const slackSeconds = 75;

interface HelmRevision {
    revision: number;
    status: string;
    description: string;
}

interface ConfigMap {
    metadata: { resourceVersion: string };
    data: Record<string, string>;
}

describe("a canary that does not become Ready", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    const log = (text: string) => process.stdout.write(text);
    const tool = (name: string, args: string[]) => sandbox.tool(name, args);
    const history = () =>
        JSON.parse(tool("helm", ["history", release, "-n", namespace, "-o", "json"])) as HelmRevision[];
    const routing = () =>
        JSON.parse(
            tool("kubectl", ["-n", namespace, "get", "configmap", "mirador-core-routing", "-o", "json"]),
        ) as ConfigMap;
    const canaryTemplate = () =>
        JSON.parse(tool("kubectl", ["-n", namespace, "get", "deployment", release, "-o", "json"])) as {
            spec: { template: { spec: { containers: { image: string; env?: { name: string }[] }[] } } };
            status: { readyReplicas?: number };
        };
    let healthyImage: string;
    let routingBefore: ConfigMap;

    /** Sets the canary's start-up fault (or none) and a short Helm timeout, as a stack file would. */
    async function configureCanary(startup: "" | "crash" | "hang"): Promise<void> {
        await sandbox.configure(sandbox.staging, {
            helm: sandbox.canaryHelm({ timeoutSeconds, values: { faultInjection: { startup } } }),
        });
    }

    /** Runs `pulumi up` of local-staging, which must fail; returns its error text and how long it took. */
    async function failingUp(): Promise<{ message: string; seconds: number }> {
        const start = Date.now();
        let output = "";
        const error = await sandbox.staging.up({ onOutput: (t) => (output += t) }).then(
            () => undefined,
            (e: Error) => e,
        );
        const seconds = (Date.now() - start) / 1000;
        log(output);
        assert.ok(error, "pulumi up succeeded with a canary that is not Ready");
        log(`\nfailed after ${seconds.toFixed(1)} s (helm.timeoutSeconds ${timeoutSeconds})\n`);
        return { message: `${error.message}\n${output}`, seconds };
    }

    /** The release is back on the healthy canary: rolled back by atomic, its pod Ready, the routing untouched. */
    function assertRolledBack(expected: [number, string][]): void {
        const revisions = history();
        assert.deepStrictEqual(
            revisions.map((h) => [h.revision, h.status]),
            expected,
        );
        assert.match(revisions[revisions.length - 1].description, /^Rollback to \d+/);
        const deployment = canaryTemplate();
        const container = deployment.spec.template.spec.containers[0];
        assert.strictEqual(digestRefOf(container.image), healthyImage);
        assert.ok(!(container.env ?? []).some((e) => e.name === "MIRADOR_FAULT_STARTUP"), "the fault is rolled back");
        assert.strictEqual(deployment.status.readyReplicas, 1);
        assert.deepStrictEqual(routing(), routingBefore, "the traffic switch did not run");
    }

    before(async () => {
        await sandbox.start();
        const result = await sandbox.staging.up({ onOutput: log });
        healthyImage = String(result.outputs.imageDigestRef.value);
        routingBefore = routing();
        assert.deepStrictEqual(
            history().map((h) => [h.revision, h.status]),
            [[1, "deployed"]],
        );
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. a canary that crashes at start fails the up, naming the pod, its exit code and last log line", async () => {
        await configureCanary("crash");
        const { message, seconds } = await failingUp();
        assert.match(
            message,
            new RegExp(
                `pod ${release}-[a-z0-9]+-[a-z0-9]+: container mirador-rca is waiting \\(CrashLoopBackOff\\); ` +
                    "its last run exited with code 1 \\(Error\\)",
            ),
        );
        assert.match(message, /last log line: .*start-up fault injected: exiting before listening/);
        assert.ok(seconds < timeoutSeconds + slackSeconds, `took ${seconds} s`);
        assertRolledBack([
            [1, "superseded"],
            [2, "failed"],
            [3, "deployed"],
        ]);
    });

    it("2. a canary that never listens fails the up, naming the pod and its failing probe", async () => {
        await configureCanary("hang");
        const { message, seconds } = await failingUp();
        assert.match(
            message,
            new RegExp(
                `not Ready within ${timeoutSeconds}s \\(helm.timeoutSeconds\\): pod ${release}-[a-z0-9]+-[a-z0-9]+: ` +
                    "container mirador-rca is running but not Ready \\(Unhealthy: " +
                    "(spec\\.containers\\{mirador-rca\\}: )?(Startup|Readiness) probe failed: " +
                    `dial tcp 127\\.0\\.0\\.1:${sandbox.ports.canaryGrpc}: connect: connection refused\\)`,
            ),
        );
        assert.ok(seconds < timeoutSeconds + slackSeconds, `took ${seconds} s`);
        assertRolledBack([
            [1, "superseded"],
            [2, "failed"],
            [3, "superseded"],
            [4, "failed"],
            [5, "deployed"],
        ]);
    });

    it("3. without the fault, the next up succeeds and a second one changes nothing", async () => {
        await configureCanary("");
        await sandbox.staging.up({ onOutput: log });
        const deployment = canaryTemplate();
        assert.strictEqual(digestRefOf(deployment.spec.template.spec.containers[0].image), healthyImage);
        assert.strictEqual(deployment.status.readyReplicas, 1);
        assert.strictEqual(history().pop()?.status, "deployed");
        const again = await sandbox.staging.up({ onOutput: log });
        assert.deepStrictEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"]);
    });
});
