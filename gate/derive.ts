// The derived, track-scoped Sloth spec: every SLI of the service's own spec scoped to the track label with the
// PromQL scoper (gate/promql), so that Sloth records every SLO once per track and the gate can read the canary's
// burn apart from production's. Objectives, descriptions, labels and alerting stay the service's.
import { stringify } from "yaml";
import { scopeEvents } from "./promql/events";
import { scopeQuery } from "./promql/scope";
import { WINDOW_PLACEHOLDER } from "./promql/tree";
import { Slo, SloAlert, SloAlerting, SloSpec } from "./spec";

/** The matcher every derived selector carries: any track, so that series without the label are not counted. */
export function anyTrack(label: string): string {
    return `${label}!=""`;
}

/**
 * The spec with every SLI scoped to `label`: `label!=""` on every selector, the label in every grouping, errors
 * that are 0 wherever the total exists and no error series does (the service creates its error series at its first
 * error), and the total guarded by `> 0` (a window without traffic is no sample, not 0/0). A missing total stays no
 * data. Deriving a derived spec gives the same spec. A query the scoper refuses is a ConfigError naming the SLO and
 * the query.
 */
export function deriveSpec(spec: SloSpec, label: string): SloSpec {
    return {
        ...spec,
        slos: spec.slos.map((slo) => ({
            ...slo,
            ...scopeEvents(
                { errorQuery: slo.errorQuery, totalQuery: slo.totalQuery },
                label,
                anyTrack(label),
                slo.where,
            ),
        })),
    };
}

/**
 * One SLI query of a derived SLO for one track value over one window: the `label!=""` matchers replaced by
 * `label="value"` (on the syntax tree), and Sloth's placeholder by the range.
 */
export function trackQuery(query: string, label: string, value: string, range: string, where: string): string {
    const matcher = `${label}=${JSON.stringify(value)}`;
    return scopeQuery(query, label, matcher, where).replace(WINDOW_PLACEHOLDER, range);
}

/** The errors and total of a derived SLO for one track over one window. */
export function trackSli(slo: Slo, label: string, value: string, range: string): { errors: string; total: string } {
    return {
        errors: trackQuery(slo.errorQuery, label, value, range, `${slo.where}: error query`),
        total: trackQuery(slo.totalQuery, label, value, range, `${slo.where}: total query`),
    };
}

type Obj = Record<string, unknown>;

/** Drops undefined members, so that the YAML holds only what the spec says. */
function compact(obj: Obj): Obj {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

function alertV1(alert: SloAlert | undefined): Obj | undefined {
    return alert === undefined
        ? undefined
        : compact({ disable: alert.disable, labels: alert.labels, annotations: alert.annotations });
}

function alertingV1(alerting: SloAlerting | undefined): Obj | undefined {
    if (alerting === undefined) {
        return undefined;
    }
    return compact({
        name: alerting.name,
        labels: alerting.labels,
        annotations: alerting.annotations,
        page_alert: alertV1(alerting.pageAlert),
        ticket_alert: alertV1(alerting.ticketAlert),
    });
}

/** The spec as Sloth's `prometheus/v1` YAML, after a comment header (each line is prefixed with `# `). */
export function specYaml(spec: SloSpec, header: string[]): string {
    const doc = compact({
        version: "prometheus/v1",
        service: spec.service,
        labels: spec.labels,
        slos: spec.slos.map((slo) =>
            compact({
                name: slo.name,
                objective: slo.objective,
                description: slo.description,
                labels: slo.labels,
                sli: { events: { error_query: slo.errorQuery, total_query: slo.totalQuery } },
                alerting: alertingV1(slo.alerting),
            }),
        ),
    });
    const comments = header.map((line) => (line === "" ? "#" : `# ${line}`)).join("\n");
    return `${comments}\n${stringify(doc, { lineWidth: 0 })}`;
}
