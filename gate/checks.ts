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
    /** What a value outside the bound means, appended to the failing reason. */
    failHint?: string;
    /**
     * Checks of one group run as a single query: `query` when given (an equivalent over all SLOs), else their
     * queries joined with `or`. Each takes the series whose sloth_slo label is its key, which its own query, run
     * alone, gives too.
     */
    batch?: { group: string; key: string; query?: string };
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
        : {
              ...row,
              value,
              result: "fail",
              reason: `${shown}, needs ${formatBound(def.bound)}${def.failHint ? `: ${def.failHint}` : ""}`,
          };
}

function errorRow(def: ThresholdCheck, err: unknown): Check {
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

/** Most SLO queries joined with `or` into one query. */
const OR_CHUNK = 5;

/** Runs one query for a group of checks and judges each on its own series; a failing query errs them all. */
async function runGroup(client: QueryClient, defs: ThresholdCheck[]): Promise<Check[]> {
    const joined = defs.length === 1 ? defs[0].query : defs.map((d) => `(${d.query})`).join("\nor\n");
    const query = defs[0].batch?.query ?? joined;
    try {
        const samples = await client.query(query);
        return defs.map((def) =>
            judge(def, def.batch ? samples.filter((s) => s.labels.sloth_slo === def.batch?.key) : samples),
        );
    } catch (err) {
        return defs.map((def) => errorRow(def, err));
    }
}

/**
 * Runs every check concurrently, one query a batch group (or a check without one), so that the number of queries
 * does not grow with the number of SLOs. Results keep the order of `defs`; never rejects.
 */
export async function runThresholdChecks(client: QueryClient, defs: ThresholdCheck[]): Promise<Check[]> {
    const groups = new Map<string, ThresholdCheck[]>();
    const seen = new Map<string, number>();
    defs.forEach((def, i) => {
        let group = `single:${i}`;
        if (def.batch) {
            // An `or` of many SLO queries runs on one Prometheus core: split it so that the cores share it.
            const n = seen.get(def.batch.group) ?? 0;
            seen.set(def.batch.group, n + 1);
            group = def.batch.query
                ? `batch:${def.batch.group}`
                : `batch:${def.batch.group}#${Math.floor(n / OR_CHUNK)}`;
        }
        groups.set(group, [...(groups.get(group) ?? []), def]);
    });
    const rows = (await Promise.all([...groups.values()].map((group) => runGroup(client, group)))).flat();
    return defs.map((def) => rows.find((row) => row.name === def.name) ?? errorRow(def, "not evaluated"));
}
