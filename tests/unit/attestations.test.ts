// The attestation pieces that need no registry: the gate's verdict predicate, the plan's attestations section,
// and the release notes' verify commands (the real attest/verify: tests/integration/attestations.test.ts).
import * as assert from "assert";
import { requiredAttestations } from "../../components/attestation-check";
import { announcementPayload } from "../../components/announcement";
import { releaseBody } from "../../components/github-release";
import { GateDecision } from "../../gate/checks";
import { GATE_VERDICT_TYPE, utcSeconds, verdictPredicate } from "../../gate/verdict-attestation";
import { attestationsForPlan, renderAttestations } from "../../plan/attestations-plan";
import { PreviewFacts, ResourceStep } from "../../plan/events";

const digest = `sha256:${"d".repeat(64)}`;
const ref = `127.0.0.1:5000/mirador-rca@${digest}`;

describe("attestations", () => {
    describe("the gate's verdict predicate", () => {
        const decision: GateDecision = {
            decision: "promote",
            checks: [
                {
                    name: "canary-soak",
                    query: "",
                    value: 45.5,
                    threshold: ">= 30 min",
                    result: "pass",
                    reason: "canary started 2026-11-29T00:00:00.000Z (given), 45.5 min ago",
                },
                {
                    name: "error-ratio",
                    query: "sum(rate(x[5m]))",
                    value: NaN,
                    threshold: "<= 0.01",
                    result: "no-data",
                    reason: "no samples",
                },
            ],
        };
        it("records the decision, every check, the soak window, the Prometheus asked and when, to the second", () => {
            const now = new Date("2026-11-29T00:45:30.123Z");
            const p = verdictPredicate(decision, { prometheusUrl: "http://127.0.0.1:9090", digest, now });
            assert.strictEqual(p.decision, "promote");
            assert.strictEqual(p.digest, digest);
            assert.strictEqual(p.judgedAt, "2026-11-29T00:45:30Z");
            assert.deepStrictEqual(p.prometheus, { url: "http://127.0.0.1:9090" });
            assert.deepStrictEqual([p.soak.since, p.soak.seconds], ["2026-11-29T00:00:00.000Z", 2730]);
            assert.deepStrictEqual(
                p.checks.map((c) => [c.name, c.value, c.threshold, c.result]),
                [
                    ["canary-soak", 45.5, ">= 30 min", "pass"],
                    ["error-ratio", null, "<= 0.01", "no-data"],
                ],
            );
        });
        it("writes times in the fixed-width form the policy compares as text", () => {
            assert.strictEqual(utcSeconds(new Date("2026-01-02T03:04:05.999Z")), "2026-01-02T03:04:05Z");
        });
    });

    it("requires all three of a promotion, and only the provenance of a rollback (next to the signature)", () => {
        assert.deepStrictEqual(requiredAttestations({ freshGateVerdict: true }), ["sbom", "provenance", "gate"]);
        assert.deepStrictEqual(requiredAttestations({ freshGateVerdict: false }), ["provenance"]);
    });

    describe("the release plan's attestations section", () => {
        const step = (kind: string): ResourceStep => ({
            urn: `urn:pulumi:prod::mirador-release::command:local:Command::x-${kind}`,
            type: "command:local:Command",
            name: `x-${kind}`,
            action: "create",
            custom: true,
            changedKeys: [],
            replaceKeys: [],
            newInputs: {
                create: "bash components/steps/verify-attestation.sh",
                environment: {
                    KIND: kind,
                    IMAGE: ref,
                    COSIGN_PUBLIC_KEY: "/keys/cosign.pub",
                    COSIGN_FLAGS: "--insecure-ignore-tlog=true --trusted-root=/keys/root.json",
                },
            },
        });
        const facts = (kinds: string[]) => ({ steps: kinds.map(step) }) as unknown as PreviewFacts;

        it("asks cosign for each kind with the steps' key and flags, and shows what prod requires", async () => {
            const asked: string[][] = [];
            const view = await attestationsForPlan(facts(["sbom", "provenance", "gate"]), (args) => {
                asked.push(args);
                return Promise.resolve(
                    args.includes("spdxjson") ? true : args.includes(GATE_VERDICT_TYPE) ? false : "boom",
                );
            });
            assert.deepStrictEqual(asked[0], [
                "--key",
                "/keys/cosign.pub",
                "--insecure-ignore-tlog=true",
                "--trusted-root=/keys/root.json",
                "--type",
                "spdxjson",
                ref,
            ]);
            assert.deepStrictEqual(
                view.rows.map((r) => [r.kind, r.present, r.required]),
                [
                    ["sbom", true, true],
                    ["provenance", "boom", true],
                    ["gate", false, true],
                ],
            );
            const md = renderAttestations(view);
            assert.match(md, /\| SBOM \(syft, SPDX JSON\) \| `spdxjson` \| yes \| yes \|/);
            assert.match(md, /the SLO gate's verdict 'promote' \| `[^`]+gate-verdict-v1` \| \*\*missing\*\* \| yes \|/);
            assert.match(md, /unknown: boom/);
        });

        it("says prod does not require what it has no step for (a rollback: provenance only)", async () => {
            const view = await attestationsForPlan(facts(["provenance"]), () => Promise.resolve(true));
            assert.deepStrictEqual(
                view.rows.map((r) => r.required),
                [false, true, false],
            );
        });
    });

    it("lists the attestations and their verify commands in the GitHub release and the Slack message", () => {
        const body = releaseBody("mirador-rca", "### Fixed\n- x", ref, `sha256:${"c".repeat(64)}`, "abc123");
        assert.match(body, /## Attestations/);
        assert.match(body, new RegExp(`cosign verify-attestation --key mirador-rca.pub --type spdxjson ${ref}`));
        assert.match(body, /SLSA v1 provenance \(commit abc123\)/);
        assert.match(body, new RegExp(`--type ${GATE_VERDICT_TYPE.replace(/[.]/g, "\\.")} `));
        const slack = announcementPayload({
            service: "mirador-rca",
            version: "0.4.0",
            tag: "v0.4.0",
            digestRef: ref,
            chartDigest: "sha256:c",
            links: [],
            commit: "abc123",
        }).text;
        assert.match(slack, /cosign verify-attestation --key mirador-rca.pub --type slsaprovenance1/);
        assert.doesNotMatch(
            releaseBody("mirador-rca", "x", ref, "sha256:c"),
            /Attestations/,
            "without a commit, as before",
        );
    });
});
