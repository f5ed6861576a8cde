// The gate's answer for people (a table, one row a check) and for programs (the --json contract).
import { Check, formatValue, GateDecision } from "./checks";

const COLUMNS: { title: string; cell: (c: Check) => string; wideOnly?: boolean }[] = [
    { title: "CHECK", cell: (c) => c.name },
    { title: "VERDICT", cell: (c) => c.result.toUpperCase() },
    { title: "VALUE", cell: (c) => (c.value === null ? "-" : formatValue(c.value)) },
    { title: "THRESHOLD", cell: (c) => c.threshold },
    { title: "REASON", cell: (c) => c.reason },
    { title: "QUERY", cell: (c) => (c.query === "" ? "-" : c.query.replace(/\s+/g, " ")), wideOnly: true },
];

/** A digest in a reason, short enough for a terminal (the full one is in --wide and --json). */
function shortDigests(text: string): string {
    return text.replace(/sha256:([0-9a-f]{12})[0-9a-f]{52}/g, "sha256:$1…");
}

/**
 * A plain-text table. By default it fits a terminal: no queries, digests shortened, and a last line that says where
 * the queries are. `wide` adds the PromQL as the last column, unpadded so that it can be copied whole.
 */
export function renderTable(decision: GateDecision, opts: { wide?: boolean } = {}): string {
    const columns = COLUMNS.filter((col) => opts.wide === true || col.wideOnly !== true);
    const cell = (col: (typeof COLUMNS)[number], check: Check) =>
        opts.wide === true ? col.cell(check) : shortDigests(col.cell(check));
    const rows = decision.checks.map((check) => columns.map((col) => cell(col, check)));
    const widths = columns.map((col, i) => Math.max(col.title.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]): string =>
        cells
            .map((text, i) => (i === cells.length - 1 ? text : text.padEnd(widths[i])))
            .join("  ")
            .trimEnd();
    const failing = decision.checks.filter((c) => c.result !== "pass").length;
    const verdict =
        decision.decision === "promote"
            ? `PROMOTE: all ${decision.checks.length} checks passed`
            : `DENY: ${failing} of ${decision.checks.length} checks did not pass`;
    const where = opts.wide === true ? [] : ["(the queries and full digests: npm run gate -- --wide, or --json)"];
    return [line(columns.map((c) => c.title)), ...rows.map(line), "", verdict, ...where, ""].join("\n");
}

/** The --json document: {"decision", "checks": [{name, query, value, threshold, result, reason}]}. */
export function renderJson(decision: GateDecision): string {
    const checks = decision.checks.map((c) => ({
        name: c.name,
        query: c.query,
        value: c.value !== null && Number.isFinite(c.value) ? c.value : null,
        threshold: c.threshold,
        result: c.result,
        reason: c.reason,
    }));
    return JSON.stringify({ decision: decision.decision, checks }, null, 2) + "\n";
}
