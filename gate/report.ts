// The gate's answer for people (a table, one row a check) and for programs (the --json contract).
import { Check, formatValue, GateDecision } from "./checks";

const COLUMNS: { title: string; cell: (c: Check) => string }[] = [
    { title: "CHECK", cell: (c) => c.name },
    { title: "VERDICT", cell: (c) => c.result.toUpperCase() },
    { title: "VALUE", cell: (c) => (c.value === null ? "-" : formatValue(c.value)) },
    { title: "THRESHOLD", cell: (c) => c.threshold },
    { title: "REASON", cell: (c) => c.reason },
    { title: "QUERY", cell: (c) => (c.query === "" ? "-" : c.query.replace(/\s+/g, " ")) },
];

/** A plain-text table; the last column (the PromQL) is left unpadded so that it can be copied whole. */
export function renderTable(decision: GateDecision): string {
    const rows = decision.checks.map((check) => COLUMNS.map((col) => col.cell(check)));
    const widths = COLUMNS.map((col, i) => Math.max(col.title.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]): string =>
        cells
            .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
            .join("  ")
            .trimEnd();
    const failing = decision.checks.filter((c) => c.result !== "pass").length;
    const verdict =
        decision.decision === "promote"
            ? `PROMOTE: all ${decision.checks.length} checks passed`
            : `DENY: ${failing} of ${decision.checks.length} checks did not pass`;
    return [line(COLUMNS.map((c) => c.title)), ...rows.map(line), "", verdict, ""].join("\n");
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
