// A promotion is judged once: the production release records the gate's promotion in its Helm description, and the
// policies that judge the canary pass a release whose digest the gate already promoted, whatever the canary does now.
import * as assert from "assert/strict";
import { promoted } from "../../components/promotion-gate";
import { judgedDescription, judgedDigest } from "../../gate/judged";
import { PolicyDeps } from "../../policy/deps";
import { promoteCanariedDigestPolicy } from "../../policy/promote-canaried-digest";
import { ResourceValidationPolicy } from "../../policy/release";
import { sloGatePolicy } from "../../policy/slo-gate";
import * as fake from "../support/fake-prometheus";
import { pinned, releaseProps, validationArgs, violationsOf } from "../support/policy-args";

const now = new Date("2026-11-23T22:00:00Z");
const URL = "http://127.0.0.1:9090";
/** A canary that burns its error budget and reports nothing since: the gate would deny it. */
const burning = fake.healthyRules(now, [
    { match: "ratio_rate(?:5m|1h)", answer: fake.perSlo(20) },
    { match: "", answer: fake.down() },
]);

function deps(asked: string[]): PolicyDeps {
    return {
        makeClient: () => {
            const prometheus = new fake.FakePrometheus(burning);
            return { url: prometheus.url, query: (q: string) => (asked.push(q), prometheus.query(q)) };
        },
        now: () => now,
    };
}

/** The production release promoting `digest`, with a Helm description (or a getter, as the SDK's unknowns). */
function release(digest: string, description?: string | (() => never)) {
    const props = releaseProps("mirador-prod", "mirador-rca", pinned(digest));
    if (typeof description === "function") {
        Object.defineProperty(props, "description", { get: description, enumerable: true });
    } else if (description !== undefined) {
        props.description = description;
    }
    return validationArgs(props, { prometheusUrl: URL });
}

const unknownDuringPreview = (): never => {
    throw new Error("string value at .description can't be known during preview");
};

const policies: [string, (d: PolicyDeps) => ResourceValidationPolicy][] = [
    ["slo-gate", sloGatePolicy],
    ["promote-canaried-digest", promoteCanariedDigestPolicy],
];

describe("a promotion is judged once", () => {
    describe("the record in the Helm description", () => {
        it("names the promoted digest and reads it back", () => {
            assert.equal(judgedDescription(fake.CANARY_DIGEST), `promoted by the SLO gate: ${fake.CANARY_DIGEST}`);
            assert.equal(judgedDigest(judgedDescription(fake.CANARY_DIGEST)), fake.CANARY_DIGEST);
        });

        it("reads nothing from any other description", () => {
            for (const other of [
                undefined,
                "",
                "Upgrade complete",
                `promoted by the SLO gate: sha256:${"c".repeat(63)}`,
                `promoted by the SLO gate: ${fake.CANARY_DIGEST} and more`,
                `Promoted by the SLO gate: ${fake.CANARY_DIGEST}`,
                42,
            ]) {
                assert.equal(judgedDigest(other), undefined, JSON.stringify(other));
            }
        });

        it("is written only when the gate's table says promote", () => {
            assert.equal(promoted("CHECK  VERDICT\ncanary-soak  PASS\n\nPROMOTE: all 1 checks passed\n"), true);
            assert.equal(promoted("CHECK  VERDICT\ncanary-soak  FAIL\n\nDENY: 1 of 1 checks did not pass\n"), false);
            assert.equal(promoted(""), false);
        });
    });

    for (const [name, policy] of policies) {
        describe(`policy: ${name}`, () => {
            it("passes a release whose digest the gate already promoted, asking Prometheus nothing", async () => {
                const asked: string[] = [];
                const args = release(fake.CANARY_DIGEST, judgedDescription(fake.CANARY_DIGEST));
                assert.deepEqual(await violationsOf(policy(deps(asked)), args), []);
                assert.deepEqual(asked, []);
            });

            it("judges the canary when the record names another digest", async () => {
                const asked: string[] = [];
                const args = release(fake.CANARY_DIGEST, judgedDescription(fake.OTHER_DIGEST));
                assert.ok((await violationsOf(policy(deps(asked)), args)).length > 0);
                assert.ok(asked.length > 0);
            });

            it("judges the canary when the release has no record", async () => {
                assert.ok((await violationsOf(policy(deps([])), release(fake.CANARY_DIGEST))).length > 0);
            });

            it("judges the canary in a preview, where the gate's record is not known yet", async () => {
                const args = release(fake.CANARY_DIGEST, unknownDuringPreview);
                assert.ok((await violationsOf(policy(deps([])), args)).length > 0);
            });
        });
    }
});
