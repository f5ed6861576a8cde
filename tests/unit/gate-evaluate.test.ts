// The gate's decision from Prometheus answers (an in-memory fake): every check, its verdict and its reason.
import * as assert from "assert/strict";
import * as path from "path";
import { Check } from "../../gate/checks";
import { parseGateConfig } from "../../gate/config";
import { evaluateGate, loadGateSpec } from "../../gate/evaluate";
import { PrometheusError } from "../../gate/prometheus";
import {
    CANARY_DIGEST,
    down,
    value,
    FakePrometheus,
    FakeRule,
    healthyRules,
    OTHER_DIGEST,
    perSlo,
} from "../support/fake-prometheus";

const now = new Date("2026-11-23T22:00:00Z");
const config = parseGateConfig({}, "config", "/");
const spec = loadGateSpec(config);
const UP = 'up{track="canary",image=~".+@sha256:[0-9a-f]{64}"}';
const upOf = (digest: string) => `up{track="canary",image=~".+@${digest}"}`;

async function evaluate(overrides: FakeRule[] = [], extra: Record<string, unknown> = {}, soakMinutes = 45) {
    const fake = new FakePrometheus(healthyRules(now, overrides, soakMinutes));
    const decision = await evaluateGate(fake, parseGateConfig(extra, "config", "/"), spec, now);
    const byName = new Map(decision.checks.map((c) => [c.name, c]));
    const get = (name: string): Check => {
        const check = byName.get(name);
        assert.ok(check, `no check named ${name} in ${[...byName.keys()].join(", ")}`);
        return check;
    };
    const notPassing = decision.checks.filter((c) => c.result !== "pass").map((c) => c.name);
    return { decision, fake, get, notPassing };
}

describe("gate: evaluation", () => {
    it("promotes a healthy canary, with one row per check and SLO", async () => {
        const { decision, fake, notPassing } = await evaluate();
        assert.deepEqual(notPassing, []);
        assert.equal(decision.decision, "promote");
        assert.deepEqual(
            decision.checks.map((c) => c.name),
            [
                "canary-soak",
                "canary-reporting",
                "canary-requests",
                "soak-burn/investigation-latency",
                "soak-burn/investigation-success-rate",
                "page-burn-5m-1h/investigation-latency",
                "page-burn-5m-1h/investigation-success-rate",
                "page-burn-30m-6h/investigation-latency",
                "page-burn-30m-6h/investigation-success-rate",
                "period-budget/investigation-latency",
                "period-budget/investigation-success-rate",
                "sloth-alerts",
            ],
        );
        // The canary's start came from the first up == 1 sample of its targets with the digest they run now.
        assert.ok(
            fake.asked.includes(
                `min by (image_digest) (label_replace(min_over_time((timestamp(${UP}) and ${UP} == 1)[7d:1m]), "image_digest", "sha256:$1", "image", ".+@sha256:([0-9a-f]{64})"))` +
                    ` and on (image_digest) group by (image_digest) (label_replace(${UP} == 1, "image_digest", "sha256:$1", "image", ".+@sha256:([0-9a-f]{64})"))`,
            ),
            fake.asked.join("\n"),
        );
        assert.match(decision.checks[0].reason, new RegExp(`first sample of ${CANARY_DIGEST}\\), 45 min ago`));
        // Every canary window is the 45-minute soak.
        assert.equal(fake.asked.filter((q) => q.includes("[2700s]")).length, 2);
        // Per-SLO checks of one kind run as one query, so the number of queries does not grow with the SLOs
        // (two find the canary's start, seven are checks).
        assert.equal(fake.asked.length, 2 + 7);
        // The canary's targets of its digest answer now.
        const up = upOf(CANARY_DIGEST);
        assert.ok(fake.asked.includes(`time() - max(timestamp(${up}) and ${up} == 1)`), fake.asked.join("\n"));
        // The requests are the profile's metric of the profile's service, on the canary track.
        assert.ok(
            fake.asked.includes(
                'sum(increase(grpc_server_handled_total{grpc_service="rca.v1.RCAEngine",track="canary"}[2700s]))',
            ),
        );
    });

    it("measures the soak from the canary's real first sample, which the 1-minute steps can miss by up to a minute", async () => {
        const coarse = now.getTime() / 1000 - 45 * 60;
        const refine = (answer: FakeRule["answer"]): FakeRule => ({ match: "[61s:1s] @ ", answer });
        const exact = await evaluate([refine([{ labels: {}, value: coarse - 40 }])]);
        const soak = exact.get("canary-soak");
        assert.equal(soak.value, 45 + 40 / 60);
        assert.ok(
            exact.fake.asked.includes(
                `min(min_over_time((timestamp(${upOf(CANARY_DIGEST)}) and ${upOf(CANARY_DIGEST)} == 1)[61s:1s] @ ${coarse.toFixed(3)}))`,
            ),
            exact.fake.asked.join("\n"),
        );
        // Without an answer, or with one later than the coarse start, the coarse start stands: never a longer soak.
        for (const answer of [down(), [], [{ labels: {}, value: coarse + 5 }]]) {
            assert.equal((await evaluate([refine(answer)])).get("canary-soak").value, 45);
        }
    });

    it("denies a canary whose burn over 5m and 1h is above 14.4, naming SLO, value and factor", async () => {
        const { decision, get, notPassing } = await evaluate([
            { match: "ratio_rate(?:5m|1h)", answer: perSlo(16.7, 20) },
        ]);
        assert.equal(decision.decision, "deny");
        assert.deepEqual(notPassing, [
            "page-burn-5m-1h/investigation-latency",
            "page-burn-5m-1h/investigation-success-rate",
        ]);
        const check = get("page-burn-5m-1h/investigation-latency");
        assert.equal(check.result, "fail");
        assert.equal(check.value, 16.7);
        assert.equal(check.threshold, "<= 14.4");
        assert.match(check.reason, /investigation-latency over both 5m and 1h .* is 16\.7, needs <= 14\.4/);
    });

    it("denies a soak shorter than the minimum", async () => {
        const { get, notPassing } = await evaluate([], {}, 12);
        assert.deepEqual(notPassing, ["canary-soak"]);
        assert.match(get("canary-soak").reason, /12 min ago: soak too short/);
    });

    it("uses an explicit --canary-since without asking Prometheus for the start", async () => {
        const since = new Date(now.getTime() - 90 * 60000);
        const { fake, get } = await evaluate([], { canarySince: since.toISOString() });
        assert.equal(get("canary-soak").value, 90);
        assert.match(get("canary-soak").reason, /\(given\)/);
        assert.ok(!fake.asked.some((q) => q.includes("min_over_time((timestamp(")));
        assert.ok(fake.asked.some((q) => q.includes("[5400s]")));
    });

    describe("denies a canary that does not report now, although its start is given", () => {
        const canarySince = new Date(now.getTime() - 90 * 60000).toISOString();
        const reporting = (answer: FakeRule["answer"]): FakeRule => ({ match: "time() - max(timestamp(", answer });

        it("no target answering at the evaluation time: no data, and why", async () => {
            const { fake, get, notPassing } = await evaluate([reporting([])], { canarySince });
            assert.deepEqual(notPassing, ["canary-reporting"]);
            const check = get("canary-reporting");
            assert.equal(check.result, "no-data");
            assert.equal(
                check.reason,
                'no data: the canary does not report now: no up{track="canary"} target answered a scrape (up == 1) at the evaluation time (it stopped, or Prometheus no longer scrapes it)',
            );
            // Without a digest, the newest sample of any of the track's targets with a digest counts.
            assert.ok(fake.asked.includes(`time() - max(timestamp(${UP}) and ${UP} == 1)`));
        });

        it("a newest sample older than the allowed scrapes: fail, naming them", async () => {
            const { get, notPassing } = await evaluate([reporting(value(400))], { canarySince });
            assert.deepEqual(notPassing, ["canary-reporting"]);
            assert.equal(get("canary-reporting").threshold, "<= 180");
            assert.equal(
                get("canary-reporting").reason,
                'seconds since the newest up == 1 sample of up{track="canary"} is 400, needs <= 180: the canary has not answered for more than 3 scrapes of 60 s (it stopped, or Prometheus no longer scrapes it)',
            );
            const tighter = await evaluate([reporting(value(40))], {
                canarySince,
                scrapeIntervalSeconds: 15,
                maxMissedScrapes: 2,
            });
            assert.equal(tighter.get("canary-reporting").threshold, "<= 30");
            assert.equal(tighter.get("canary-reporting").result, "fail");
        });
    });

    it("counts a page window pair with one window missing as no data, never the other window alone", async () => {
        const { get, notPassing } = await evaluate([{ match: "ratio_rate(?:5m|1h)", answer: [] }]);
        assert.deepEqual(notPassing, [
            "page-burn-5m-1h/investigation-latency",
            "page-burn-5m-1h/investigation-success-rate",
        ]);
        const check = get("page-burn-5m-1h/investigation-latency");
        assert.equal(check.result, "no-data");
        assert.equal(
            check.reason,
            "no data: no Sloth recording of investigation-latency for track canary over both 5m and 1h (a window without a sample is no data, never judged on the other window alone: rules not loaded, or no canary requests in it)",
        );
        // The query keeps an SLO only where both windows have a sample.
        assert.match(
            check.query,
            /^\(min without \(sloth_window\) .*\) and on \(sloth_service, sloth_slo\) \(count by \(sloth_service, sloth_slo\) \(count by \(sloth_service, sloth_slo, sloth_window\) \(.*ratio_rate\(\?:5m\|1h\).*\)\) == 2\)$/,
        );
    });

    it("denies when the canary reports two digests and none was given", async () => {
        const two = [CANARY_DIGEST, OTHER_DIGEST].map((d) => ({ labels: { image_digest: d }, value: 1.7e9 }));
        const { get, notPassing } = await evaluate([{ match: "and on (image_digest)", answer: two }]);
        assert.deepEqual(notPassing, ["canary-soak"]);
        assert.equal(get("canary-soak").result, "no-data");
        assert.match(
            get("canary-soak").reason,
            /canary start unknown: the up\{track="canary"\} targets run 2 digests now .*give --canary-since or --canary-digest/,
        );
    });

    it("denies when the canary start is unknown, and still judges the minimum soak window", async () => {
        const { fake, get, notPassing } = await evaluate([{ match: "and on (image_digest)", answer: [] }]);
        assert.deepEqual(notPassing, ["canary-soak"]);
        assert.match(
            get("canary-soak").reason,
            /no up\{track="canary"\} target with an image digest answers now \(up == 1\)/,
        );
        assert.match(get("canary-requests").reason, /the last 30 min \(canary start unknown\)/);
        assert.ok(fake.asked.some((q) => q.includes("[1800s]")));
    });

    it("treats NaN and empty answers as no data, never as a pass", async () => {
        const { decision, get } = await evaluate([
            { match: "label_replace((", answer: perSlo(NaN, 0.5) },
            { match: "sum(increase(grpc_server_handled_total", answer: [] },
        ]);
        assert.equal(decision.decision, "deny");
        assert.equal(get("soak-burn/investigation-latency").result, "no-data");
        assert.match(get("soak-burn/investigation-latency").reason, /^NaN: the canary handled no requests/);
        assert.equal(get("canary-requests").result, "no-data");
        assert.match(
            get("canary-requests").reason,
            /^no data: no grpc_server_handled_total series of rca\.v1\.RCAEngine on track canary/,
        );
    });

    it("judges the soak burn on the derived SLI scoped to the canary: errors or zero, the total guarded", async () => {
        const { get } = await evaluate();
        assert.equal(
            get("soak-burn/investigation-success-rate").query,
            'label_replace(((sum by (track) (rate(mirador_rca_investigations_total{outcome="error",track="canary"}[2700s]))) or on (track) (0 * (sum by (track) (rate(mirador_rca_investigations_total{track="canary"}[2700s]))))) / (sum by (track) (rate(mirador_rca_investigations_total{track="canary"}[2700s])) > 0) / 0.005, "sloth_slo", "investigation-success-rate", "", "")',
        );
    });

    it("refuses to guess when a query answers several series", async () => {
        const two = [
            { labels: { sloth_slo: "investigation-latency", track: "canary" }, value: 0.1 },
            { labels: { sloth_slo: "investigation-latency", track: "other" }, value: 9 },
        ];
        const { get } = await evaluate([{ match: "slo:period_error_budget_remaining:ratio", answer: two }]);
        assert.equal(get("period-budget/investigation-latency").result, "error");
        assert.match(get("period-budget/investigation-latency").reason, /2 series where one was expected/);
    });

    it("denies on a firing Sloth alert and names it", async () => {
        const alert = {
            labels: {
                alertname: "investigation-success-rate",
                sloth_slo: "investigation-success-rate",
                sloth_severity: "page",
                track: "stable",
            },
            value: 1,
        };
        const { get, notPassing } = await evaluate([{ match: "ALERTS{", answer: [alert] }]);
        assert.deepEqual(notPassing, ["sloth-alerts"]);
        assert.equal(get("sloth-alerts").value, 1);
        assert.match(
            get("sloth-alerts").reason,
            /investigation-success-rate \(investigation-success-rate, page, track=stable\)/,
        );
    });

    it("applies overridden thresholds", async () => {
        const { get, notPassing } = await evaluate([], {
            periodBudgetFloor: 0.9,
            minRequests: 10000,
            budgetTrack: "canary",
        });
        assert.deepEqual(notPassing, [
            "canary-requests",
            "period-budget/investigation-latency",
            "period-budget/investigation-success-rate",
        ]);
        assert.equal(get("canary-requests").threshold, ">= 10000");
        assert.match(get("period-budget/investigation-latency").query, /track="canary"/);
    });

    it("denies every check with the reason when Prometheus cannot be reached", async () => {
        const fake = new FakePrometheus([{ match: "", answer: down() }]);
        const decision = await evaluateGate(fake, config, spec, now);
        assert.equal(decision.decision, "deny");
        for (const check of decision.checks) {
            assert.equal(check.result, "error", check.name);
            assert.match(check.reason, /cannot reach Prometheus/);
        }
    });

    it("reports a query Prometheus rejects as an error with its message", async () => {
        const bad = new PrometheusError("Prometheus at http://x answered HTTP 400 bad_data: parse error");
        const { get } = await evaluate([{ match: "sum(increase(grpc_server_handled_total", answer: bad }]);
        assert.equal(get("canary-requests").result, "error");
        assert.match(get("canary-requests").reason, /400 bad_data: parse error/);
    });

    it("asks only what another profile names: its track label and values, its request metric, its SLIs", async () => {
        const other = parseGateConfig(
            {
                profile: "tests/fixtures/profiles/other-labels.yaml",
                sloSpec: "tests/fixtures/slo/ledger-api-sloth.yaml",
            },
            "config",
            path.resolve(__dirname, "..", ".."),
        );
        const fake = new FakePrometheus([{ match: "", answer: [] }]);
        const decision = await evaluateGate(fake, other, loadGateSpec(other), now);
        assert.equal(decision.decision, "deny");
        const asked = fake.asked.join("\n");
        assert.match(asked, /up\{release_track="preview",image=~/);
        assert.match(
            asked,
            /ledger_rpc_served_total\{rpc_service="books\.v2\.LedgerService",release_track="preview"\}/,
        );
        assert.match(asked, /ledger_entries_total\{result="failed",release_track="preview"\}/);
        assert.match(asked, /release_track="main"/, "the period budget of the stable track");
        assert.doesNotMatch(asked, /[{,(]track[=!,)]|mirador|grpc_/);
    });
});
