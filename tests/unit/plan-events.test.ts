// Engine events to plan facts: steps folded per resource, values as markers where unknown or secret, violations
// apart from the policies the preview could not run, and no secret ever reaching the Markdown.
import * as assert from "assert/strict";
import { buildPlan } from "../../plan/build";
import { Marker, planValue, reduceEvents } from "../../plan/events";
import { summarize } from "../../plan/summary";
import { diffValues } from "../../plan/values-diff";
import { fakeGateDeps, fixture, policyConfigFile, SECRET, UNKNOWN } from "./plan-support";

function changing(name: string): string[] {
    return summarize(reduceEvents(fixture(name)))
        .steps.filter((s) => s.action !== "same")
        .map((s) => `${s.action} ${s.name}`)
        .sort();
}

describe("plan: preview events", () => {
    it("counts the release steps of a first staging preview, without providers, components or the stack", () => {
        const s = summarize(reduceEvents(fixture("staging-create")));
        assert.equal(s.stack, "local-staging");
        assert.equal(s.role, "canary");
        assert.equal(s.steps.length, 18);
        assert.deepEqual(s.counts, {
            create: 18,
            update: 0,
            replace: 0,
            delete: 0,
            retain: 0,
            same: 0,
            read: 0,
            import: 0,
        });
        assert.equal(s.versionFrom, undefined);
        assert.equal(s.imageDigest.to, Marker.unknown);
    });

    it("finds nothing to do on an unchanged stack", () => {
        assert.deepEqual(changing("staging-unchanged"), []);
    });

    it("lists exactly the steps a version bump re-runs, and the canary overlay's values", () => {
        assert.deepEqual(changing("staging-bump"), [
            "replace canary-deployed-at",
            "replace canary-pending-guard",
            "replace canary-rollout-pods-ready",
            "replace chart-dependency-update",
            "replace chart-lint",
            "replace chart-package",
            "replace image-image",
            "replace image-prebuild",
            "replace image-sign",
            "replace image-signature-verify",
            "replace preflight-make-verify",
            "replace smoke-cache-hit-rate",
            "replace smoke-get-patterns",
            "replace smoke-investigate",
            "replace smoke-investigate-cached",
            "replace smoke-list-correlations",
            "update canary-release",
            "update traffic-routing",
        ]);
        const [release] = summarize(reduceEvents(fixture("staging-bump"))).releases;
        assert.equal(release.label, "mirador-staging/mirador-rca-canary");
        assert.deepEqual(
            release.values.map((v) => [v.path, v.kind]),
            [
                ["image.digest", "changed"],
                ['podAnnotations["mirador.release/rollout"]', "changed"],
                ["prometheus.labels.team", "added"],
                ["replicaCount", "changed"],
            ],
        );
    });

    it("separates mandatory violations from policies the preview cannot run, and keeps what passed", () => {
        const deny = reduceEvents(fixture("prod-deny"));
        assert.equal(deny.result, "failed");
        assert.deepEqual(
            deny.violations.map((v) => [v.policy, v.level, v.resource]),
            Array(5).fill(["slo-gate", "mandatory", "production-release"]),
        );
        assert.match(deny.violations[0].message, /^mirador-prod\/mirador-rca: soak-burn\/requests-availability fail/);
        assert.deepEqual(deny.passed["production-release"], ["image-pinned-by-digest", "promote-canaried-digest"]);
        assert.deepEqual(deny.errors, [], "the bare 'preview failed' is left to the violations");
        assert.match(summarize(deny).blocked ?? "", /denied by the policy pack \(5 mandatory violations: slo-gate\)/);

        const create = reduceEvents(fixture("staging-create"));
        assert.deepEqual(create.violations, []);
        assert.deepEqual(
            create.notRun.map((v) => [v.policy, v.resource, v.message]),
            [
                [
                    "image-pinned-by-digest",
                    "canary-release",
                    "string value at .values.image.digest can't be known during preview",
                ],
            ],
        );
    });

    it("tells which side effects a blocked promotion would have had, and which are off", () => {
        const effects = summarize(reduceEvents(fixture("prod-deny"))).sideEffects;
        assert.deepEqual(
            effects.map((e) => [e.what, e.happens, e.why]),
            [
                [
                    "git tag v0.4.0 pushed to origin",
                    false,
                    "would happen, but denied by the policy pack (5 mandatory violations: slo-gate)",
                ],
                ["GitHub release v0.4.0", false, "switched off (github.enabled: false)"],
                ["milestone v0.4.0 closed", false, "switched off (github.enabled: false)"],
                [
                    "announcement in Slack #mirador-release",
                    false,
                    "would happen, but denied by the policy pack (5 mandatory violations: slo-gate)",
                ],
            ],
        );
    });

    it("turns unknowns and secrets into markers, plaintext secrets included", () => {
        assert.equal(planValue(UNKNOWN), Marker.unknown);
        assert.equal(planValue(SECRET), Marker.secret);
        assert.equal(planValue({ ...SECRET, ciphertext: undefined, plaintext: '"hunter2"' }), Marker.secret);
        assert.deepEqual(planValue({ a: [UNKNOWN, 1], b: { c: SECRET } }), {
            a: [Marker.unknown, 1],
            b: { c: Marker.secret },
        });
        assert.deepEqual(diffValues({ token: Marker.secret }, { token: Marker.secret }), [], "a secret on both sides");
        assert.deepEqual(diffValues({ d: "x" }, { d: Marker.unknown }), [
            { path: "d", kind: "changed", from: "x", to: Marker.unknown },
        ]);
    });

    it("never writes a secret into the plan, even when the events carry its plaintext", async () => {
        const plaintext = "s3cr3t-webhook-and-password";
        const events = fixture("prod-deny").map((e) => {
            const text = JSON.stringify(e).split('"ciphertext":"[secret]"').join(`"plaintext":"\\"${plaintext}\\""`);
            return JSON.parse(text) as typeof e;
        });
        // The release's values carry a secret too, as a chart value would (e.g. an API token).
        for (const e of events) {
            const meta = (e.resourcePreEvent ?? e.resOutputsEvent)?.metadata;
            if (meta?.urn.endsWith("production-release") && meta.new) {
                const values = meta.new.inputs.values as Record<string, unknown>;
                values.apiToken = { ...SECRET, ciphertext: undefined, plaintext: JSON.stringify(plaintext) };
            }
        }
        assert.ok(JSON.stringify(events).includes(plaintext), "the events do carry it");
        const plan = await buildPlan(
            { events, policyConfigs: [policyConfigFile()], chartRef: "c.svg", fullPlanRef: "p.md" },
            fakeGateDeps(),
        );
        for (const text of [plan.full, plan.comment, plan.svg ?? ""]) {
            assert.ok(!text.includes(plaintext), "the plaintext is nowhere");
        }
        assert.match(plan.full, /\| `apiToken` \| — \| `\[secret\]` \|/);
    });
});
