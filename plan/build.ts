// From a preview's events to the plan's files: the full Markdown, the comment-sized Markdown and, for production,
// the chart of the canary's soak.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { attestationsForPlan, cosignProbe } from "./attestations-plan";
import { reduceEvents } from "./events";
import { GateDeps, gateForPlan } from "./gate-plan";
import { FULL, GateView, renderPlan } from "./markdown";
import { summarize } from "./summary";
import { COMMENT_LIMIT, fitComment } from "./trim";

export interface PlanInput {
    events: EngineEvent[];
    /** The preview's own failure, if it failed (shown when the events carry no error). */
    error?: string;
    /** The policy pack's config files: the gate of a production plan is evaluated with them. */
    policyConfigs: string[];
    /** Where the chart will be, as the Markdown links it (a file name beside the plan, or a URL). */
    chartRef: string;
    /** Where the full plan will be, for the note of a trimmed comment. */
    fullPlanRef: string;
    commentLimit?: number;
}

export interface PlanOutput {
    stack: string;
    full: string;
    comment: string;
    trimmed: boolean;
    svg?: string;
    gate?: GateView;
}

export async function buildPlan(input: PlanInput, deps: GateDeps): Promise<PlanOutput> {
    const facts = reduceEvents(input.events);
    if (facts.errors.length === 0 && facts.result === "failed" && input.error !== undefined) {
        facts.errors.push(input.error.trim());
    }
    const summary = summarize(facts);
    let gate: GateView | undefined;
    let svg: string | undefined;
    if (summary.operation?.startsWith("rollback") === true) {
        // A rollback runs no canary gate: judging today's canary would say nothing about the release it returns to.
        gate = { error: "skipped: a rollback returns to a release that already served production" };
    } else if (summary.role === "production") {
        const outcome = await gateForPlan(facts, input.policyConfigs, deps);
        gate = outcome.svg === undefined ? outcome.view : { ...outcome.view, chart: input.chartRef };
        gate.attestations = await attestationsForPlan(facts, deps.probeAttestation ?? cosignProbe);
        svg = outcome.svg;
    }
    const full = renderPlan(facts, summary, gate, FULL).markdown;
    const fitted = fitComment(
        (options) => renderPlan(facts, summary, gate, options),
        input.fullPlanRef,
        input.commentLimit ?? COMMENT_LIMIT,
    );
    return { stack: facts.stack, full, comment: fitted.text, trimmed: fitted.trimmed, svg, gate };
}
