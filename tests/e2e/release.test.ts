// A whole release through the real Pulumi engine: local-staging ships the canary, local-prod promotes it behind
// the policy pack, against the real Docker engine and registry, cosign, helm and the local Kubernetes API,
// Prometheus running the Sloth rules, a bare git remote and a Slack receiver.
import * as assert from "assert";
import { ReleaseSandbox } from "../support/release-sandbox";

describe("a release through the real engine", function () {
    this.timeout(1_800_000);
    const sandbox = new ReleaseSandbox();
    const outputs: Record<string, Record<string, unknown>> = {};

    before(async () => {
        await sandbox.start();
    });
    after(async () => {
        await sandbox.stop();
    });

    it("staging up: builds, pushes, signs and verifies the image, packages the chart, deploys and smoke-tests the canary", async () => {
        const result = await sandbox.staging.up({ onOutput: (o) => process.stdout.write(o) });
        assert.strictEqual(result.summary.result, "succeeded");
        outputs.staging = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
        console.log(outputs.staging);
    });
});
