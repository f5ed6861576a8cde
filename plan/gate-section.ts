// The SLO gate's part of a production plan: the verdict, one row a check (as `npm run gate` prints them), the
// PromQL folded away, and the chart of the canary's error ratio and burn rate.
import { formatValue } from "../gate/checks";
import { cell, code, table } from "./format";
import type { GateView } from "./markdown";

const VERDICT: Record<string, string> = {
    pass: "PASS",
    fail: "**FAIL**",
    "no-data": "**NO-DATA**",
    error: "**ERROR**",
};

export function renderGate(gate: GateView | undefined, withQueries: boolean, cuts: string[]): string {
    const out = ["### SLO gate", ""];
    const where = gate?.prometheusUrl === undefined ? "" : ` against ${code(gate.prometheusUrl, Infinity, false)}`;
    if (gate?.decision === undefined) {
        out.push(`Not evaluated${where}: ${cell(gate?.error ?? "no gate config")}.`);
        return out.join("\n");
    }
    const d = gate.decision;
    const failing = d.checks.filter((c) => c.result !== "pass").length;
    out.push(
        d.decision === "promote"
            ? `**PROMOTE**: all ${d.checks.length} checks pass${where} (the policy pack's config).`
            : `**DENY**: ${failing} of ${d.checks.length} checks do not pass${where} (the policy pack's config).`,
        "",
        table(
            ["check", "verdict", "value", "threshold", "reason"],
            d.checks.map((c) => [
                code(c.name),
                VERDICT[c.result] ?? c.result,
                c.value === null ? "-" : formatValue(c.value),
                cell(c.threshold),
                cell(c.reason),
            ]),
        ),
    );
    if (withQueries) {
        out.push(
            "",
            "<details><summary>PromQL of each check</summary>",
            "",
            ...d.checks
                .filter((c) => c.query !== "")
                .map(
                    (c) => `- ${code(c.name, Infinity, false)}: ${code(c.query.replace(/\s+/g, " "), Infinity, false)}`,
                ),
            "",
            "</details>",
        );
    } else {
        cuts.push("the PromQL of the gate's checks");
    }
    if (gate.chartError !== undefined) {
        out.push("", `No chart: ${cell(gate.chartError)}.`);
    }
    if (gate.chart !== undefined) {
        out.push(
            "",
            `![The canary's error ratio and burn rate over its soak, with the gate's thresholds](${gate.chart})`,
        );
    }
    return out.join("\n");
}
