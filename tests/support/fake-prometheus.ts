// An in-memory stand-in for Prometheus in unit tests: answers each query by the first rule whose pattern it
// contains, records what was asked, and throws on a query no rule expects.
import { PrometheusError, QueryClient, Sample } from "../../gate/prometheus";

export interface FakeRule {
    /** A substring of the PromQL (or a regular expression) that selects this answer. */
    match: string | RegExp;
    /** The series to answer, or an error to throw (a PrometheusError means "Prometheus failed"). */
    answer: Sample[] | Error;
}

export class FakePrometheus implements QueryClient {
    readonly url = "http://127.0.0.1:9";
    readonly asked: string[] = [];

    constructor(private readonly rules: FakeRule[]) {}

    query(expr: string): Promise<Sample[]> {
        this.asked.push(expr);
        const rule = this.rules.find((r) =>
            typeof r.match === "string" ? expr.includes(r.match) : r.match.test(expr),
        );
        if (rule === undefined) {
            return Promise.reject(new Error(`the fake Prometheus has no answer for: ${expr}`));
        }
        return rule.answer instanceof Error ? Promise.reject(rule.answer) : Promise.resolve(rule.answer);
    }
}

/** One series with no labels. */
export function value(v: number): Sample[] {
    return [{ labels: {}, value: v }];
}

export const SLOS = ["investigation-latency", "investigation-success-rate"];

/** One series per SLO of the committed spec (what a batched per-SLO query answers), the values in SLO order. */
export function perSlo(...values: number[]): Sample[] {
    return SLOS.map((slo, i) => ({ labels: { sloth_slo: slo, track: "canary" }, value: values[i] ?? values[0] }));
}

export const CANARY_DIGEST = `sha256:${"c".repeat(64)}`;
export const OTHER_DIGEST = `sha256:${"d".repeat(64)}`;

/** A Prometheus error such as an unreachable server. */
export function down(): PrometheusError {
    return new PrometheusError("cannot reach Prometheus at http://127.0.0.1:9: connect ECONNREFUSED");
}

/**
 * Answers of a healthy canary that started `soakMinutes` before `now`; `overrides` go first, so a test replaces
 * one answer by matching its query.
 */
export function healthyRules(now: Date, overrides: FakeRule[] = [], soakMinutes = 45): FakeRule[] {
    const since = now.getTime() / 1000 - soakMinutes * 60;
    return [
        ...overrides,
        {
            match: "group by (image_digest) (label_replace(max_over_time(",
            answer: [{ labels: { image_digest: CANARY_DIGEST }, value: 1 }],
        },
        { match: "and on (image_digest)", answer: [{ labels: { image_digest: CANARY_DIGEST }, value: since }] },
        { match: "min(min_over_time((timestamp(", answer: value(since) },
        { match: "time() - max(timestamp(", answer: value(20) },
        { match: "sum(increase(grpc_server_handled_total", answer: value(5000) },
        { match: "ratio_rate(?:5m|1h)", answer: perSlo(0.4) },
        { match: "ratio_rate(?:30m|6h)", answer: perSlo(0.3) },
        { match: "slo:period_error_budget_remaining:ratio", answer: perSlo(0.8) },
        { match: "ALERTS{", answer: [] },
        { match: "label_replace(", answer: perSlo(0.5) },
    ];
}
