// The release plan names drift that ChartRelease found (values.releaseDrift) and says what `pulumi up` does about it.
import * as assert from "assert";
import { PreviewFacts, ResourceStep } from "../../plan/events";
import { renderPlan } from "../../plan/markdown";
import { HELM_RELEASE, summarize } from "../../plan/summary";

const drift = 'at revision 5: revision 5 was made outside the program (helm rollback: "Rollback to 3")';

function facts(oldDrift: string, newDrift: string): PreviewFacts {
    const inputs = (releaseDrift: string) => ({
        name: "mirador-rca",
        namespace: "mirador-prod",
        values: { image: { digest: "sha256:bbb" }, releaseDrift },
    });
    const step: ResourceStep = {
        urn: "urn:pulumi:prod::mirador-release::mirador:release:ChartRelease$kubernetes:helm.sh/v3:Release::production-release",
        type: HELM_RELEASE,
        name: "production-release",
        component: "production",
        action: oldDrift === newDrift ? "same" : "update",
        custom: true,
        changedKeys: oldDrift === newDrift ? [] : ["values"],
        replaceKeys: [],
        oldInputs: inputs(oldDrift),
        newInputs: inputs(newDrift),
    };
    return {
        stack: "prod",
        project: "mirador-release",
        config: { role: "production", version: "0.4.1" },
        steps: [step],
        violations: [],
        notRun: [],
        passed: {},
        errors: [],
        warnings: [],
        previousOutputs: { version: "0.4.1", imageDigest: "sha256:bbb" },
        nextOutputs: { version: "0.4.1", imageDigest: "sha256:bbb" },
        result: "succeeded",
    };
}

describe("plan: drift", () => {
    it("names the drift of a Helm release and says that the up restores the declared release", () => {
        const f = facts("none", drift);
        const s = summarize(f);
        assert.strictEqual(s.releases[0].drift, drift);
        const markdown = renderPlan(f, s, undefined).markdown;
        assert.ok(
            markdown.includes(
                `**Drift** (changed outside the program): ${drift}. ` +
                    "`pulumi up` upgrades the release back to what the program declares.",
            ),
            markdown,
        );
        assert.ok(markdown.includes("| `releaseDrift` |"), markdown);
    });

    it("shows no drift when the marker is unchanged or none", () => {
        assert.deepStrictEqual(summarize(facts("none", "none")).releases, []);
        const f = facts(drift, "none");
        assert.strictEqual(summarize(f).releases[0].drift, undefined);
        assert.ok(!renderPlan(f, summarize(f), undefined).markdown.includes("**Drift**"));
    });
});
