// The release plan of one stack as Markdown for a pull request: a headline a reviewer can stop at, then the
// digests, each Helm release's values diff, the side effects, the changing steps, the policy violations, the SLO
// gate's table and chart, and the preview's errors. The options bound each part, for trim.ts.
import { GateDecision } from "../gate/checks";
import { PlanValue, PreviewFacts } from "./events";
import { ABSENT_TEXT, cell, code, plural, table, valueText } from "./format";
import { AttestationsView, renderAttestations } from "./attestations-plan";
import { renderGate } from "./gate-section";
import { OBJECT_CHANGES_HEADING } from "../components/release-object-changes";
import { HELM_RELEASE, HelmReleasePlan, PlanSummary } from "./summary";

function isShownObjectChanges(warning: string, shown: Set<string>): boolean {
    const lines = warning.split("\n").filter((l) => l.startsWith("- "));
    return warning.startsWith(OBJECT_CHANGES_HEADING) && lines.every((l) => shown.has(l.slice(2)));
}

export interface RenderOptions {
    /** Rows of each release's values diff. */
    maxValueRows: number;
    /** Rows of the table of changing steps. */
    maxStepRows: number;
    /** Characters of one value in a table cell. */
    maxCellChars: number;
    /** Characters of one policy violation or error. */
    maxMessageChars: number;
    /** List the unchanged steps by name. */
    listUnchanged: boolean;
    /** Show each gate check's PromQL. */
    gateQueries: boolean;
}

export const FULL: RenderOptions = {
    maxValueRows: Infinity,
    maxStepRows: Infinity,
    maxCellChars: Infinity,
    maxMessageChars: Infinity,
    listUnchanged: true,
    gateQueries: true,
};

/** The gate as the plan shows it: its decision, or why it could not be evaluated; and the chart's image. */
export interface GateView {
    prometheusUrl?: string;
    decision?: GateDecision;
    error?: string;
    /** Where the chart's SVG is, relative to the plan or a URL. */
    chart?: string;
    /** Why there is no chart (Prometheus refused the range queries, say). */
    chartError?: string;
    /** The digest's attestations and which prod requires (docs/attestations.md). */
    attestations?: AttestationsView;
}

export interface Rendered {
    markdown: string;
    /** What the options left out, one line each (for the note at the end). */
    cuts: string[];
}

/** The comment marker the workflow finds its own comment by. */
export function marker(stack: string): string {
    return `<!-- mirador-release-plan:${stack} -->`;
}

function gateWord(s: PlanSummary, gate: GateView | undefined): string {
    if (s.role !== "production") {
        return "gate: judged when prod promotes";
    }
    if (s.operation?.startsWith("rollback") === true) {
        return "gate: **skipped** (a rollback returns to a release that already served production)";
    }
    if (gate?.decision !== undefined) {
        const n = gate.decision.checks.length;
        const failing = gate.decision.checks.filter((c) => c.result !== "pass").length;
        return gate.decision.decision === "promote"
            ? `gate: **PROMOTE** (${n} of ${n} checks pass)`
            : `gate: **DENY** (${failing} of ${n} checks do not pass)`;
    }
    return `gate: **not evaluated** (${gate?.error ?? "no gate config"})`;
}

function version(v: PlanValue | undefined): string {
    return typeof v === "string" || typeof v === "number" ? String(v) : "none";
}

export function headline(s: PlanSummary, gate: GateView | undefined): string {
    const c = s.counts;
    const changing = c.create + c.update + c.replace + c.delete + c.retain;
    const parts = (["create", "update", "replace", "delete", "retain"] as const)
        .filter((a) => c[a] > 0)
        .map((a) => `${c[a]} ${a}`);
    const action =
        changing === 0
            ? `no change (${plural(c.same, "step")} unchanged)`
            : `${changing} of ${plural(s.steps.length, "step")} change (${parts.join(", ")})`;
    const stop = s.blocked === undefined ? "" : ` · **\`pulumi up\` stops: ${s.blocked}**`;
    const what = s.operation ?? `${version(s.versionFrom)} → ${version(s.versionTo)}`;
    return `**${what}** · \`${s.stack}\` (${s.role}): ${action}` + ` · ${gateWord(s, gate)}${stop}`;
}

function digests(s: PlanSummary, max: number): string {
    const row = (what: string, d: { from?: PlanValue; to?: PlanValue }) => [
        what,
        valueText(d.from, max),
        valueText(d.to, max),
    ];
    return table(
        ["", "from", "to"],
        [
            ["version", valueText(s.versionFrom, max), valueText(s.versionTo, max)],
            row("image digest", s.imageDigest),
            row("chart digest", s.chartDigest),
        ],
    );
}

function release(r: HelmReleasePlan, o: RenderOptions, cuts: string[]): string {
    const out = [`### Helm release \`${r.label}\` (${r.action})`, ""];
    if (r.drift !== undefined) {
        out.push(
            `**Drift** (changed outside the program): ${cell(r.drift, o.maxMessageChars)}. ` +
                "`pulumi up` upgrades the release back to what the program declares.",
            "",
        );
    }
    if (r.objectChanges.length > 0) {
        out.push(
            "**Objects this upgrade deletes or renames** (the live release against the chart as rendered; Helm " +
                "deletes each old one as it creates the new):",
            "",
            ...r.objectChanges.map((c) => `- ${cell(c, o.maxMessageChars)}`),
            "",
        );
    }
    if (r.values.length === 0) {
        out.push("No value changes.");
    } else {
        const shown = r.values.slice(0, o.maxValueRows);
        out.push(
            table(
                ["value", "from", "to"],
                shown.map((v) => [
                    code(v.path, o.maxCellChars),
                    valueText(v.from, o.maxCellChars),
                    valueText(v.to, o.maxCellChars),
                ]),
            ),
        );
        if (shown.length < r.values.length) {
            const cut = r.values.length - shown.length;
            out.push("", `… and ${plural(cut, "more value")} (in the full plan).`);
            cuts.push(`${plural(cut, "value row")} of ${r.label}`);
        }
    }
    if (r.otherInputs.length > 0) {
        const rows = r.otherInputs.map((v) => [
            code(v.path),
            valueText(v.from, o.maxCellChars),
            valueText(v.to, o.maxCellChars),
        ]);
        out.push("", table(["other input", "from", "to"], rows));
    }
    return out.join("\n");
}

function sideEffects(s: PlanSummary): string {
    return table(
        ["side effect", "in this run", "why"],
        s.sideEffects.map((e) => [cell(e.what), e.happens ? "**will happen**" : "won't happen", cell(e.why)]),
    );
}

function stepWhy(step: PlanSummary["steps"][number]): string {
    if (step.action === "create") {
        return "new";
    }
    if (step.action === "delete") {
        return "removed from the program";
    }
    if (step.action === "retain") {
        return "removed from the program, kept where it is (retainOnDelete): not deleted";
    }
    const keys = step.changedKeys.map((k) =>
        step.replaceKeys.includes(k) ? `${code(k)} (forces replacement)` : code(k),
    );
    return keys.length > 0 ? keys.join(", ") : "-";
}

function stepsSection(s: PlanSummary, o: RenderOptions, cuts: string[]): string {
    const changing = s.steps.filter((st) => st.action !== "same");
    const unchanged = s.steps.filter((st) => st.action === "same");
    const out = ["### Steps that change", ""];
    if (changing.length === 0) {
        out.push("None.");
    } else {
        const shown = changing.slice(0, o.maxStepRows);
        out.push(
            table(
                ["step", "resource", "action", "what changes"],
                shown.map((st) => [st.component ?? ABSENT_TEXT, code(st.name), st.action, stepWhy(st)]),
            ),
        );
        if (shown.length < changing.length) {
            const cut = changing.length - shown.length;
            out.push("", `… and ${plural(cut, "more step")} (in the full plan).`);
            cuts.push(`${plural(cut, "changing step")}`);
        }
    }
    if (unchanged.length > 0) {
        if (o.listUnchanged) {
            out.push(
                "",
                `<details><summary>${plural(unchanged.length, "unchanged step")}</summary>`,
                "",
                unchanged.map((st) => code(st.name, Infinity, false)).join(", "),
                "",
                "</details>",
            );
        } else {
            cuts.push(`the list of ${plural(unchanged.length, "unchanged step")}`);
        }
    }
    return out.join("\n");
}

function violations(facts: PreviewFacts, o: RenderOptions): string {
    const lines = facts.violations.map((v) => {
        const on = v.resource === undefined ? "" : ` on ${code(v.resource, Infinity, false)}`;
        return `- **${v.policy}** (${v.level})${on}: ${cell(v.message, o.maxMessageChars)}`;
    });
    const out = ["### Policy violations", "", lines.length === 0 ? "None." : lines.join("\n")];
    const releases = facts.steps.filter((st) => st.type === HELM_RELEASE && facts.passed[st.name] !== undefined);
    if (releases.length > 0) {
        out.push(
            "",
            ...releases.map(
                (st) =>
                    `Passed on ${code(st.name, Infinity, false)}: ${facts.passed[st.name].map((p) => `**${p}**`).join(", ")}.`,
            ),
        );
    }
    if (facts.notRun.length > 0) {
        out.push(
            "",
            "Not checked by the preview (a value they read is computed by the update; `pulumi up` checks them " +
                "before the resource changes):",
            "",
            ...facts.notRun.map(
                (v) =>
                    `- **${v.policy}** on ${code(v.resource ?? "the stack", Infinity, false)}: ${cell(v.message, o.maxMessageChars)}`,
            ),
        );
    }
    return out.join("\n");
}

function errors(facts: PreviewFacts, o: RenderOptions): string {
    const text = facts.errors.map((e) => (e.length > o.maxMessageChars ? `${e.slice(0, o.maxMessageChars)}…` : e));
    return ["### Preview errors", "", "```", ...text.map((t) => t.replace(/```/g, "'''")), "```"].join("\n");
}

/** The plan of one stack; the options bound its parts and `cuts` lists what they left out. */
export function renderPlan(
    facts: PreviewFacts,
    s: PlanSummary,
    gate: GateView | undefined,
    o: RenderOptions = FULL,
): Rendered {
    const cuts: string[] = [];
    const parts = [
        marker(s.stack),
        `## Release plan: \`${s.stack}\``,
        headline(s, gate),
        digests(s, o.maxCellChars),
        ...s.releases.map((r) => release(r, o, cuts)),
        "### Side effects\n\n" + sideEffects(s),
        stepsSection(s, o, cuts),
        violations(facts, o),
    ];
    if (s.role === "production") {
        parts.push(renderGate(gate, o.gateQueries, cuts));
        parts.push(renderAttestations(gate?.attestations));
    }
    if (facts.errors.length > 0) {
        parts.push(errors(facts, o));
    }
    // The object changes shown in their release's section are not repeated here.
    const shown = new Set(s.releases.flatMap((r) => r.objectChanges));
    const warnings = facts.warnings.filter((w) => !isShownObjectChanges(w, shown));
    if (warnings.length > 0) {
        parts.push(
            [
                `<details><summary>${plural(warnings.length, "engine warning")}</summary>`,
                "",
                ...warnings.map((w) => `- ${cell(w, o.maxMessageChars)}`),
                "",
                "</details>",
            ].join("\n"),
        );
    }
    return { markdown: parts.join("\n\n") + "\n", cuts };
}
