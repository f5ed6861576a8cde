// promote-canaried-digest: production gets the digest the canary ran during its soak.
import * as assert from "assert/strict";
import { DIGEST_FIELDS } from "../../policy/config";
import { PolicyDeps } from "../../policy/deps";
import { promoteCanariedDigestPolicy } from "../../policy/promote-canaried-digest";
import { CANARY_DIGEST, down, FakePrometheus, FakeRule, healthyRules, OTHER_DIGEST } from "../support/fake-prometheus";
import { pinned, releaseProps, validationArgs, violationsOf } from "../support/policy-args";

const now = new Date("2026-11-23T22:00:00Z");
const URL = "http://127.0.0.1:9090";

function run(
    rules: FakeRule[],
    config: Record<string, unknown>,
    digest: string | null = CANARY_DIGEST,
    asked: string[] = [],
) {
    const deps: PolicyDeps = {
        makeClient: () => {
            const fake = new FakePrometheus(rules);
            return { url: fake.url, query: (q: string) => (asked.push(q), fake.query(q)) };
        },
        now: () => now,
    };
    const image = digest === null ? { repository: "r/mirador-rca" } : pinned(digest);
    const args = validationArgs(releaseProps("mirador-prod", "mirador-rca", image), config);
    return violationsOf(promoteCanariedDigestPolicy(deps), args);
}

const UP = 'up{track="canary",image=~".+@sha256:[0-9a-f]{64}"}';
const seen = (...digests: string[]): FakeRule => ({
    match: `max_over_time(${UP}`,
    answer: digests.map((d) => ({ labels: { image_digest: d }, value: 1 })),
});

describe("policy: promote-canaried-digest", () => {
    it("passes when the canary ran the promoted digest through its soak", async () => {
        const asked: string[] = [];
        assert.deepEqual(
            await run(healthyRules(now), { prometheusUrl: URL, canaryDigest: CANARY_DIGEST }, CANARY_DIGEST, asked),
            [],
        );
        // The soak starts at the first up == 1 sample of a canary target running the promoted digest; the
        // rollout's first 5 minutes are not read.
        assert.ok(asked.some((q) => q.includes(`timestamp(up{track="canary",image=~".+@${CANARY_DIGEST}"})`)));
        assert.ok(
            asked.some((q) => q.includes(`max_over_time(${UP}[2400s]) == 1`)),
            asked.join("\n"),
        );
    });

    it("reports a digest other than the configured canaryDigest", async () => {
        const violations = await run(healthyRules(now), { prometheusUrl: URL, canaryDigest: OTHER_DIGEST });
        assert.deepEqual(violations, [
            `mirador-prod/mirador-rca: production would get ${CANARY_DIGEST}, but the policy config's canaryDigest is ${OTHER_DIGEST}`,
        ]);
    });

    it("reports a digest the canary never reported", async () => {
        const violations = await run(
            healthyRules(now, [{ match: "(timestamp(", answer: [] }]),
            { prometheusUrl: URL },
            OTHER_DIGEST,
        );
        assert.equal(violations.length, 1);
        assert.match(
            violations[0],
            new RegExp(`never reported the promoted digest ${OTHER_DIGEST}: .* in the last 7d`),
        );
    });

    it("reports a canary that ran another digest since the given start", async () => {
        const violations = await run(healthyRules(now, [seen(OTHER_DIGEST)]), {
            prometheusUrl: URL,
            canarySince: "2026-11-23T21:00:00Z",
        });
        assert.equal(violations.length, 1);
        assert.match(
            violations[0],
            new RegExp(`the canary ran ${OTHER_DIGEST} since .*, but production would get ${CANARY_DIGEST}`),
        );
    });

    it("reports ambiguous data: two digests during the soak", async () => {
        const violations = await run(healthyRules(now, [seen(CANARY_DIGEST, OTHER_DIGEST)]), { prometheusUrl: URL });
        assert.match(violations[0], /ambiguous: the canary's targets ran 2 digests/);
    });

    it("reports missing data: no canary target with a digest in the window, or no Prometheus", async () => {
        assert.match(
            (await run(healthyRules(now, [seen()]), { prometheusUrl: URL }))[0],
            /missing data: no up\{track="canary"\} target with an image digest answered since /,
        );
        assert.match(
            (await run([{ match: "", answer: down() }], { prometheusUrl: URL }))[0],
            /cannot reach Prometheus/,
        );
        assert.match((await run(healthyRules(now), {}))[0], /prometheusUrl is not set/);
    });

    it("reports a production release without a digest", async () => {
        const violations = await run(healthyRules(now), { prometheusUrl: URL }, null);
        assert.deepEqual(violations, [
            "mirador-prod/mirador-rca: values.image.tag (unset) is not <tag>@sha256:<64 hex>: cannot match it",
        ]);
    });

    it("follows the configured production release and the profile's track label", async () => {
        const asked: string[] = [];
        const profile = "tests/fixtures/profiles/other-labels.yaml";
        const config = { prometheusUrl: URL, productionNamespace: "mirador-prod", profile };
        const other = { app: { image: { name: "r/ledger", sha: CANARY_DIGEST } } };
        const deps: PolicyDeps = {
            makeClient: () => {
                const fake = new FakePrometheus(healthyRules(now));
                return { url: fake.url, query: (q: string) => (asked.push(q), fake.query(q)) };
            },
            now: () => now,
        };
        const props = { ...releaseProps("mirador-prod", "mirador-rca", {}), values: other };
        assert.deepEqual(await violationsOf(promoteCanariedDigestPolicy(deps), validationArgs(props, config)), []);
        assert.ok(asked.length > 0 && asked.every((q) => !q.includes('track="canary"')), asked.join("\n"));
        assert.ok(asked.some((q) => q.includes(`up{release_track="preview",image=~".+@${CANARY_DIGEST}"}`)));
        assert.deepEqual(
            await run([{ match: "", answer: down() }], { prometheusUrl: URL, productionRelease: "other" }),
            [],
        );
    });

    it("declares only the keys it reads, mandatory by default", () => {
        const policy = promoteCanariedDigestPolicy();
        assert.equal(policy.enforcementLevel, "mandatory");
        assert.deepEqual(Object.keys(policy.configSchema?.properties ?? {}).sort(), Object.keys(DIGEST_FIELDS).sort());
        assert.ok(!("minRequests" in (policy.configSchema?.properties ?? {})));
    });
});
