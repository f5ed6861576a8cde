// Aborting a burning canary through the real engine against the local release world: one staging up with
// canary.abort takes the canary out (routing weight 0, its Helm release and pods gone), production refuses to
// promote it, and the next fixed version, with abort unset, canaries and is promoted as usual.
import * as assert from "assert";
import { changesOf, ReleaseSandbox, digestRefOf } from "../support/release-sandbox";

function outputsOf(result: { outputs: Record<string, { value: unknown }> }): Record<string, string> {
    return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, String(v.value)]));
}

describe("aborting a burning canary", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    let staging: Record<string, string> = {};
    const log = (text: string) => process.stdout.write(text);
    const tool = (name: string, args: string[]) => sandbox.tool(name, args);
    const routing = () => sandbox.routing("mirador-staging");
    const split = () => [routing()["rca.canary.weight"], routing()["rca.stable.weight"]];
    const canaryPods = () =>
        (
            JSON.parse(
                tool("kubectl", [
                    "get",
                    "pods",
                    "-n",
                    "mirador-staging",
                    "-l",
                    "app.kubernetes.io/instance=mirador-rca-canary",
                    "-o",
                    "json",
                ]),
            ) as { items: { metadata: { name: string } }[] }
        ).items.map((p) => p.metadata.name);
    const canaryConfig = (abort?: boolean) => ({
        canary: {
            replicaCount: 1,
            trafficWeight: 10,
            prometheusLabels: { release_track: "canary" },
            ...(abort === undefined ? {} : { abort }),
        },
    });

    before(async () => {
        await sandbox.start();
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. staging ships 0.4.0, and its canary burns with 10 % of the traffic", async () => {
        staging = outputsOf(await sandbox.staging.up({ onOutput: log }));
        assert.strictEqual(staging.canaryAborted, "false");
        // 5 % of its investigations fail: a canary to abort, whose errors stay under the page factors of every
        // Sloth window pair once the fixed canary's calls join them in the track's windows (test 4).
        await sandbox.degradeCanary(staging.imageDigestRef, { errorRatio: 0.05 });
        const load = await sandbox.load(30, 10);
        assert.ok((load.errors.Unavailable ?? 0) > 0, JSON.stringify(load));
        assert.deepStrictEqual(split(), ["10", "90"]);
        assert.strictEqual(canaryPods().length, 1);
    });

    it("2. one staging up with canary.abort: weight 0, stable takes all, the canary's release and pods are gone", async () => {
        await sandbox.configure(sandbox.staging, canaryConfig(true));
        const result = await sandbox.staging.up({ onOutput: log });
        const out = outputsOf(result);
        assert.strictEqual(out.canaryAborted, "true");
        assert.strictEqual(out.trafficWeight, "0");
        assert.strictEqual(out.imageDigest, staging.imageDigest, "nothing is rebuilt");
        // The routing moves in place; the canary's release, its smoke test and its records are removed.
        const changes = changesOf(result);
        assert.strictEqual(changes.update, 1, JSON.stringify(changes));
        assert.ok((changes.delete ?? 0) >= 2, JSON.stringify(changes));
        assert.strictEqual(changes.create, undefined, JSON.stringify(changes));
        assert.deepStrictEqual(split(), ["0", "100"]);
        assert.strictEqual(routing()["rca.canary.version"], "0.4.0");
        assert.throws(() => tool("helm", ["status", "mirador-rca-canary", "-n", "mirador-staging"]), /not found/);
        // Helm's uninstall does not wait for the pods: they terminate within a bounded time.
        const deadline = Date.now() + 120_000;
        while (canaryPods().length > 0 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 2000));
        }
        assert.deepStrictEqual(canaryPods(), []);
        assert.throws(
            () => tool("kubectl", ["get", "deployment", "mirador-rca-canary", "-n", "mirador-staging"]),
            /not found/i,
        );
    });

    it("3. a second up changes nothing, and prod refuses the aborted canary before anything changes", async () => {
        const again = await sandbox.staging.up({ onOutput: log });
        assert.deepStrictEqual(changesOf(again), {});
        await assert.rejects(sandbox.prod.up({ onOutput: log }), /canary 0\.4\.0 in .*local-staging was aborted/);
        assert.throws(() => tool("helm", ["status", "mirador-rca", "-n", "mirador-prod"]), /not found/);
        assert.strictEqual(sandbox.slackMessages().length, 0);
    });

    it("4. a fixed 0.4.1, with abort unset, canaries normally and is promoted", async () => {
        sandbox.bumpSource("0.4.1");
        await sandbox.configure(sandbox.staging, { version: "0.4.1", ...canaryConfig() });
        await sandbox.configure(sandbox.prod, { version: "0.4.1" });
        const fixed = outputsOf(await sandbox.staging.up({ onOutput: log }));
        assert.strictEqual(fixed.canaryAborted, "false");
        assert.notStrictEqual(fixed.imageDigest, staging.imageDigest);
        assert.deepStrictEqual(split(), ["10", "90"]);
        assert.strictEqual(routing()["rca.canary.image"], fixed.imageDigestRef);
        assert.strictEqual(canaryPods().length, 1);
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));

        // The gate reads the canary *track*: its windows, its Sloth alerts and its 30-day budget still hold the
        // aborted canary's errors (README: When a release goes wrong). Its 5 % errors, diluted by the fixed canary's
        // calls, stay under the page factors (14.4 over 5m/1h, 6 over 30m/6h); the budget and the ticket alerts are
        // not judged here (periodBudgetFloor, alertSeverities): they would deny the fixed canary for days.
        const ownSoak = sandbox.policyConfig({ alertSeverities: ["critical"], periodBudgetFloor: -1e9 });
        await sandbox.configure(sandbox.prod, { gate: ownSoak });
        const prod = outputsOf(await sandbox.prod.up({ onOutput: log }));
        assert.strictEqual(prod.imageDigest, fixed.imageDigest);
        const image = (
            JSON.parse(tool("kubectl", ["get", "deployment", "mirador-rca", "-n", "mirador-prod", "-o", "json"])) as {
                spec: { template: { spec: { containers: { image: string }[] } } };
            }
        ).spec.template.spec.containers[0].image;
        assert.strictEqual(digestRefOf(image), fixed.imageDigestRef);
        assert.strictEqual(sandbox.slackMessages().length, 1);
        assert.match(sandbox.slackMessages()[0].text, /v0\.4\.1/);
    });
});
