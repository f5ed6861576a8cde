// Running one check: a PromQL query whose single value is compared with a bound, and turned into a verdict with
// a reason a person can act on. A check never rejects: Prometheus failures become "error" verdicts.
import { QueryClient, Sample } from "./prometheus";

export type CheckResult = "pass" | "fail" | "no-data" | "error";

/** One row of the gate's answer (the --json contract). */
export interface Check {
    name: string;
    query: string;
    value: number | null;
    threshold: string;
    result: CheckResult;
    reason: string;
}

/** The gate's answer: promote only when every check passed. */
export interface GateDecision {
    decision: "promote" | "deny";
    checks: Check[];
}

/** The value must be at least (">=") or at most ("<=") the limit. */
export interface Bound {
    op: ">=" | "<=";
    limit: number;
}

/** A check whose query yields one number. */
export interface ThresholdCheck {
    name: string;
    query: string;
    bound: Bound;
    /** What the value measures, as the start of a sentence ("canary requests over its 45 min soak"). */
    subject: string;
    /** What an empty or NaN answer most likely means. */
    noData: string;
}

/** A number for people: at most four significant digits. */
export function formatValue(value: number): string {
    return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

export function formatBound(bound: Bound): string {
    return `${bound.op} ${bound.limit}`;
}

export function decide(checks: Check[]): GateDecision {
    return { decision: checks.every((c) => c.result === "pass") ? "promote" : "deny", checks };
}

/** The verdict on a query's answer. */
export function judge(def: ThresholdCheck, samples: Sample[]): Check {
    const row = { name: def.name, query: def.query, threshold: formatBound(def.bound) };
    if (samples.length === 0) {
        return { ...row, value: null, result: "no-data", reason: `no data: ${def.noData}` };
    }
    if (samples.length > 1) {
        const series = samples.map((s) => JSON.stringify(s.labels)).join(", ");
        const reason = `${samples.length} series where one was expected (${series}): refusing to guess`;
        return { ...row, value: null, result: "error", reason };
    }
    const value = samples[0].value;
    if (Number.isNaN(value)) {
        return { ...row, value: null, result: "no-data", reason: `NaN: ${def.noData}` };
    }
    const shown = `${def.subject} is ${formatValue(value)}`;
    const ok = def.bound.op === ">=" ? value >= def.bound.limit : value <= def.bound.limit;
    return ok
        ? { ...row, value, result: "pass", reason: `${shown}, ${formatBound(def.bound)}` }
        : { ...row, value, result: "fail", reason: `${shown}, needs ${formatBound(def.bound)}` };
}

/** Runs a threshold check; a failing query becomes an "error" row with Prometheus's message. */
export async function runThresholdCheck(client: QueryClient, def: ThresholdCheck): Promise<Check> {
    try {
        return judge(def, await client.query(def.query));
    } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        return {
            name: def.name,
            query: def.query,
            value: null,
            threshold: formatBound(def.bound),
            result: "error",
            reason,
        };
    }
}
