// slo-gate on the production Helm release: the gate's evaluation, each failing check a violation.
import * as assert from "assert/strict";
import { ClientFactory } from "../../gate/evaluate";
import { SLO_GATE_FIELDS } from "../../policy/config";
import { PolicyDeps } from "../../policy/deps";
import { sloGatePolicy } from "../../policy/slo-gate";
import * as fake from "../support/fake-prometheus";
import { pinned, releaseProps, validationArgs, violationsOf } from "../support/policy-args";

const now = new Date("2026-11-23T22:00:00Z");
const URL = "http://127.0.0.1:9090";

function deps(rules: fake.FakeRule[], seen: { url?: string; fake?: fake.FakePrometheus } = {}): PolicyDeps {
    const makeClient: ClientFactory = (url) => {
        seen.url = url;
        seen.fake = new fake.FakePrometheus(rules);
        return seen.fake;
    };
    return { makeClient, now: () => now };
}

function prodRelease(config: Record<string, unknown>, digest: string = fake.CANARY_DIGEST) {
    return validationArgs(releaseProps("mirador-prod", "mirador-rca", pinned(digest)), config);
}

describe("policy: slo-gate", () => {
    it("passes the production release while the canary is healthy", async () => {
        const seen: { url?: string } = {};
        const policy = sloGatePolicy(deps(fake.healthyRules(now), seen));
        assert.deepEqual(await violationsOf(policy, prodRelease({ prometheusUrl: URL })), []);
        assert.equal(seen.url, URL);
    });

    describe("denies a Helm release the gate cannot identify", () => {
        const image = pinned(fake.CANARY_DIGEST);
        const policy = () => sloGatePolicy(deps([]));

        it("a production release in a namespace the config does not name", async () => {
            const args = validationArgs(releaseProps("mirador-production", "mirador-rca", image), {
                prometheusUrl: URL,
            });
            assert.deepEqual(await violationsOf(policy(), args), [
                'mirador-production/mirador-rca: a Helm release with track "stable" that the policy config does not name as the production release (productionNamespace/productionRelease: mirador-prod/mirador-rca): the gate cannot tell what it would promote, so it is denied (name this release in the policy config, e.g. policy/prod.json)',
            ]);
        });

        it("a release without a track, and one under another name", async () => {
            const untracked = releaseProps("mirador-prod", "mirador-rca-blue", image);
            delete (untracked.values as Record<string, unknown>).podLabels;
            const [violation] = await violationsOf(policy(), validationArgs(untracked, {}));
            assert.match(
                violation,
                /^mirador-prod\/mirador-rca-blue: a Helm release with track \(none\) that the policy/,
            );
        });

        it("but not the canary's release, nor a release the config names", async () => {
            const canary = validationArgs(releaseProps("mirador-staging", "mirador-rca-canary", image), {});
            assert.deepEqual(await violationsOf(policy(), canary), []);
            const seen: { url?: string } = {};
            const named = validationArgs(releaseProps("mirador-production", "mirador-rca", image), {
                prometheusUrl: URL,
                productionNamespace: "mirador-production",
            });
            assert.deepEqual(await violationsOf(sloGatePolicy(deps(fake.healthyRules(now), seen)), named), []);
            assert.equal(seen.url, URL, "the named release is judged by the gate");
        });
    });

    it("reports every failing check with its query, value and threshold", async () => {
        const burning = [
            { match: "ratio_rate(?:5m|1h)", answer: fake.perSlo(20) },
            { match: "sum(increase(grpc_server_handled_total", answer: fake.value(200) },
        ];
        const violations = await violationsOf(
            sloGatePolicy(deps(fake.healthyRules(now, burning))),
            prodRelease({ prometheusUrl: URL }),
        );
        assert.equal(violations.length, 3);
        assert.match(violations[0], /canary-requests fail: .* is 200, needs >= 1000/);
        assert.match(
            violations[1],
            /^mirador-prod\/mirador-rca: page-burn-5m-1h\/investigation-latency fail: .* is 20, needs <= 14\.4 \(value 20, threshold <= 14\.4; query: \(min without/,
        );
        // The query shown is the SLO's own.
        assert.match(violations[1], /sloth_slo="investigation-latency",track="canary"/);
        assert.match(violations[2], /page-burn-5m-1h\/investigation-success-rate fail/);
    });

    it("judges the canary of the digest being promoted", async () => {
        const seen: { fake?: fake.FakePrometheus } = {};
        const policy = sloGatePolicy(deps(fake.healthyRules(now), seen));
        await violationsOf(policy, prodRelease({ prometheusUrl: URL }, fake.OTHER_DIGEST));
        assert.ok(seen.fake?.asked.some((q) => q.includes(`image=~".+@${fake.OTHER_DIGEST}"`)));
    });

    it("denies when Prometheus cannot be reached (missing data)", async () => {
        const violations = await violationsOf(
            sloGatePolicy(deps([{ match: "", answer: fake.down() }])),
            prodRelease({ prometheusUrl: URL }),
        );
        // Every check of the gate, the canary's reporting now included.
        assert.equal(violations.length, 12);
        for (const v of violations) {
            assert.match(v, / error: cannot reach Prometheus/);
        }
    });

    it("denies when no Prometheus is configured", async () => {
        const violations = await violationsOf(sloGatePolicy(deps(fake.healthyRules(now))), prodRelease({}));
        assert.deepEqual(violations, [
            "mirador-prod/mirador-rca: prometheusUrl is not set in the slo-gate policy config: cannot gate",
        ]);
    });

    it("denies on a config it cannot use, naming the key", async () => {
        const violations = await violationsOf(
            sloGatePolicy(deps(fake.healthyRules(now))),
            prodRelease({ prometheusUrl: URL, minSoak: 3 }),
        );
        assert.equal(violations.length, 1);
        assert.match(violations[0], /policy config cannot be used.*unknown key minSoak/);
    });

    it("applies thresholds from the policy config", async () => {
        const policy = sloGatePolicy(deps(fake.healthyRules(now)));
        const violations = await violationsOf(
            policy,
            prodRelease({ prometheusUrl: URL, minSoakMinutes: 60, minRequests: 9000 }),
        );
        assert.equal(violations.length, 2);
        assert.match(violations[0], /canary-soak fail: .* soak too short \(value 45, threshold >= 60 min/);
        assert.match(violations[1], /canary-requests fail: .* is 5000, needs >= 9000/);
    });

    it("says that a cache-hit floor is no longer read", async () => {
        const violations = await violationsOf(
            sloGatePolicy(deps(fake.healthyRules(now))),
            prodRelease({ prometheusUrl: URL, cacheHitRateFloor: 0.5 }),
        );
        assert.equal(violations.length, 1);
        assert.match(violations[0], /cacheHitRateFloor is no longer read: the cache-hit check is retired/);
    });

    it("leaves the canary alone, and denies a production release outside the configured production", async () => {
        const policy = sloGatePolicy(deps([{ match: "", answer: fake.down() }]));
        const canary = validationArgs(
            releaseProps("mirador-staging", "mirador-rca-canary", pinned(fake.CANARY_DIGEST)),
            { prometheusUrl: URL },
        );
        assert.deepEqual(await violationsOf(policy, canary), []);
        // Before: passed unjudged. The gate cannot tell what it would promote there, so it denies.
        const renamed = prodRelease({ prometheusUrl: URL, productionNamespace: "prod-eu" });
        const violations = await violationsOf(policy, renamed);
        assert.equal(violations.length, 1);
        assert.match(
            violations[0],
            /does not name as the production release \(productionNamespace\/productionRelease: prod-eu\/mirador-rca\)/,
        );
    });

    it("is mandatory by default and declares every config key with its default", () => {
        const policy = sloGatePolicy();
        assert.equal(policy.enforcementLevel, "mandatory");
        const properties = policy.configSchema?.properties ?? {};
        assert.deepEqual(Object.keys(properties).sort(), Object.keys(SLO_GATE_FIELDS).sort());
        assert.equal(properties.minSoakMinutes.default, 30);
        assert.equal(properties.productionNamespace.default, "mirador-prod");
        assert.equal(properties.prometheusUrl.type, "string");
    });
});
