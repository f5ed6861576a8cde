// The release plan names what an upgrade deletes or renames, in the release's section: ChartRelease's warning on
// the Helm release (components/release-object-changes.ts), found by the diagnostic's URN.
import * as assert from "assert/strict";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { compareObjects, objectChangesWarning } from "../../components/release-object-changes";
import { RenderedObject } from "../../components/rendered-manifest";
import { PreviewFacts, reduceEvents, ResourceStep } from "../../plan/events";
import { renderPlan } from "../../plan/markdown";
import { HELM_RELEASE, summarize } from "../../plan/summary";

const URN =
    "urn:pulumi:staging::mirador-release::mirador:release:ChartRelease$kubernetes:helm.sh/v3:Release::canary-release";
const NS = "mirador-staging";
const svc = (name: string): RenderedObject => ({ apiVersion: "v1", kind: "Service", metadata: { name } });
const warning = objectChangesWarning(
    `${NS}/mirador-rca-canary`,
    compareObjects([svc("mirador-rca-canary")], [svc("mirador-rca-canary-api")], NS),
);

function facts(warnings: { urn?: string; message: string }[]): PreviewFacts {
    const inputs = (tag: string) => ({ name: "mirador-rca-canary", namespace: NS, values: { image: { tag } } });
    const step: ResourceStep = {
        urn: URN,
        type: HELM_RELEASE,
        name: "canary-release",
        component: "canary",
        action: "update",
        custom: true,
        changedKeys: ["values"],
        replaceKeys: [],
        oldInputs: inputs("v0.4.0"),
        newInputs: inputs("v0.4.1"),
    };
    // The engine's events, so that the URN is taken from the diagnostic as the real engine sends it.
    const events = [
        { sequence: 1, timestamp: 0, preludeEvent: { config: { "mirador-release:role": "canary" } } },
        ...warnings.map((w, i) => ({
            sequence: 2 + i,
            timestamp: 0,
            diagnosticEvent: {
                prefix: "warning: ",
                message: `${w.message}\n`,
                color: "never",
                severity: "warning",
                ...(w.urn ? { urn: w.urn } : {}),
            },
        })),
        { sequence: 99, timestamp: 0, summaryEvent: { result: "succeeded" } },
    ] as unknown as EngineEvent[];
    const reduced = reduceEvents(events);
    return { ...reduced, stack: "staging", project: "mirador-release", steps: [step] };
}

describe("plan: objects an upgrade deletes or renames", () => {
    it("names them in the release's section, not again among the engine warnings", () => {
        const f = facts([{ urn: URN, message: warning }, { message: "another warning" }]);
        assert.deepEqual(f.resourceWarnings, { [URN]: [warning] });
        const s = summarize(f);
        assert.deepEqual(s.releases[0].objectChanges, [
            "Service mirador-rca-canary → mirador-rca-canary-api (a likely rename: the old one is deleted, the new " +
                "one created; outage risk)",
        ]);
        const markdown = renderPlan(f, s, undefined).markdown;
        const section = markdown.slice(markdown.indexOf("### Helm release `mirador-staging/mirador-rca-canary`"));
        assert.ok(
            section.startsWith(
                "### Helm release `mirador-staging/mirador-rca-canary` (update)\n\n" +
                    "**Objects this upgrade deletes or renames** (the live release against the chart as rendered; " +
                    "Helm deletes each old one as it creates the new):\n\n" +
                    "- Service mirador-rca-canary → mirador-rca-canary-api (a likely rename: the old one is deleted, " +
                    "the new one created; outage risk)\n\n",
            ),
            section,
        );
        assert.ok(markdown.includes("<summary>1 engine warning</summary>"), markdown);
        assert.ok(markdown.includes("- another warning"), markdown);
        assert.equal(markdown.split("mirador-rca-canary-api").length - 1, 1, "named once");
    });

    it("says nothing when the preview carried no such warning, or one on another resource", () => {
        for (const f of [facts([]), facts([{ urn: `${URN}-other`, message: warning }])]) {
            const s = summarize(f);
            assert.deepEqual(s.releases[0].objectChanges, []);
            assert.ok(!renderPlan(f, s, undefined).markdown.includes("**Objects this upgrade"));
        }
    });
});
