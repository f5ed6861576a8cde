// The chart of a production plan: the canary's error ratio and burn rate over its soak, from Prometheus range
// queries of Sloth's recordings, with the gate's thresholds (the SLOs' error budgets, the page factors, the soak
// ceiling) drawn in.
import { GateConfig } from "../gate/config";
import { matchers } from "../gate/metrics";
import { SloSpec } from "../gate/spec";
import { ChartSpec, Panel, Series } from "./svg";

const COLORS = ["#1f77b4", "#9467bd", "#2ca02c", "#8c564b", "#e377c2", "#17becf"];
const THRESHOLD_COLORS = ["#d62728", "#ff7f0e", "#bcbd22", "#7f7f7f"];
/** Points along the soak. */
const POINTS = 120;

/** One series of a range query. */
export interface RangeSeries {
    labels: Record<string, string>;
    points: [number, number][];
}

export type RangeQuery = (expr: string, start: number, end: number, stepSeconds: number) => Promise<RangeSeries[]>;

/** Asks Prometheus's /api/v1/query_range; rejects with what went wrong. */
export function httpRangeQuery(prometheusUrl: string, timeoutMs: number): RangeQuery {
    return async (expr, start, end, step) => {
        const body = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) });
        const res = await fetch(`${prometheusUrl}/api/v1/query_range`, {
            method: "POST",
            body,
            signal: AbortSignal.timeout(timeoutMs),
        });
        const doc = (await res.json()) as {
            status?: string;
            error?: string;
            data?: { result?: { metric: Record<string, string>; values: [number, string][] }[] };
        };
        if (!res.ok || doc.status !== "success") {
            throw new Error(`Prometheus answered HTTP ${res.status}: ${doc.error ?? "no error message"}`);
        }
        return (doc.data?.result ?? []).map((r) => ({
            labels: r.metric,
            points: r.values.map(([t, v]) => [t, Number(v)] as [number, number]),
        }));
    };
}

function series(result: RangeSeries[], slo: string, name: string, color: string): Series {
    const found = result.find((r) => r.labels.sloth_slo === slo);
    return { name, color, points: found?.points ?? [] };
}

/** The two panels of the soak from `from` to `to` (unix seconds), one series an SLO. */
export async function canaryChart(
    query: RangeQuery,
    config: GateConfig,
    spec: SloSpec,
    from: number,
    to: number,
): Promise<ChartSpec> {
    const step = Math.max(15, Math.round((to - from) / POINTS));
    const canary = matchers({ sloth_service: spec.service, [config.trackLabel]: config.canaryTrack });
    const service = matchers({ sloth_service: spec.service });
    const ratio = `slo:sli_error:ratio_rate5m{${canary}}`;
    const burn = `${ratio} / on (sloth_service, sloth_slo) group_left () slo:error_budget:ratio{${service}}`;
    const [ratios, burns] = await Promise.all([query(ratio, from, to, step), query(burn, from, to, step)]);
    const errorPanel: Panel = {
        title: `Canary error ratio (5m), ${config.trackLabel}="${config.canaryTrack}"`,
        series: spec.slos.map((slo, i) => series(ratios, slo.name, slo.name, COLORS[i % COLORS.length])),
        thresholds: spec.slos.map((slo, i) => ({
            label: `${slo.name} budget ${Number((slo.budget * 100).toPrecision(3))}%`,
            value: slo.budget,
            color: COLORS[i % COLORS.length],
        })),
    };
    const burnPanel: Panel = {
        title: "Canary burn rate (5m): error ratio / error budget",
        series: spec.slos.map((slo, i) => series(burns, slo.name, slo.name, COLORS[i % COLORS.length])),
        thresholds: [
            ...config.pageBurnWindows.map((w, i) => ({
                label: `page ${w.short}/${w.long}: ${w.factor}`,
                value: w.factor,
                color: THRESHOLD_COLORS[i % THRESHOLD_COLORS.length],
            })),
            { label: `soak ceiling: ${config.soakBurnCeiling}`, value: config.soakBurnCeiling, color: "#7f7f7f" },
        ],
    };
    return {
        title: `${spec.service} canary over its soak (${Math.round((to - from) / 60)} min)`,
        from,
        to,
        panels: [errorPanel, burnPanel],
    };
}
