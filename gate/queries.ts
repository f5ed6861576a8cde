// The PromQL of every check, built from the config (the profile's track label, values and request metric), the
// derived Sloth spec and the canary's soak window.
import { ThresholdCheck } from "./checks";
import { BurnWindow, GateConfig } from "./config";
import { trackSli } from "./derive";
import { promRange } from "./duration";
import { matchers, promString, selector } from "./metrics";
import { Slo, SloSpec } from "./spec";
import { describeTargets, Track, upSampleTimes } from "./targets";

/** The window the canary is judged over, and how reasons describe it. */
export interface SoakWindow {
    seconds: number;
    /** e.g. "its 45.2 min soak" or "the last 30 min (canary start unknown)" */
    label: string;
}

function pageBurnQuery(config: GateConfig, service: string, pair: BurnWindow, slo?: Slo): string {
    const names = `slo:sli_error:ratio_rate(?:${pair.short}|${pair.long})`;
    const which: Record<string, string> = slo
        ? { sloth_service: service, sloth_slo: slo.name }
        : { sloth_service: service };
    const recordings = `{__name__=~${promString(names)},${matchers({ ...which, [config.trackLabel]: config.canaryTrack })}}`;
    const burn =
        `min without (sloth_window) (${recordings})` +
        ` / on (sloth_service, sloth_slo) group_left () ${selector("slo:error_budget:ratio", which)}`;
    // Both windows must have a sample: with one missing, the min would silently be the other window alone.
    const windows = `count by (sloth_service, sloth_slo, sloth_window) (${recordings})`;
    return `(${burn}) and on (sloth_service, sloth_slo) (count by (sloth_service, sloth_slo) (${windows}) == 2)`;
}

/**
 * Canary burn over two of Sloth's recorded windows: the lower of the two, so above the factor means both are; a
 * pair with a window that has no sample is no data, never judged on the other window alone.
 * The row shows the SLO's own query; all SLOs are read at once by the same query without the sloth_slo matcher.
 */
export function pageBurnCheck(config: GateConfig, service: string, slo: Slo, pair: BurnWindow): ThresholdCheck {
    const group = `page-burn-${pair.short}-${pair.long}`;
    return {
        name: `${group}/${slo.name}`,
        query: pageBurnQuery(config, service, pair, slo),
        bound: { op: "<=", limit: pair.factor },
        batch: { group, key: slo.name, query: pageBurnQuery(config, service, pair) },
        subject: `canary burn rate of ${slo.name} over both ${pair.short} and ${pair.long} (Sloth page factor)`,
        noData:
            `no Sloth recording of ${slo.name} for ${config.trackLabel} ${config.canaryTrack} over both ${pair.short} and ${pair.long}` +
            " (a window without a sample is no data, never judged on the other window alone: rules not loaded, or no canary requests in it)",
    };
}

/** The canary's track (the profile's label and canary value). */
export function canaryTrack(config: GateConfig): Track {
    return { label: config.trackLabel, value: config.canaryTrack };
}

/**
 * Whether the canary reports now: the age of the newest `up == 1` sample of its targets (of its digest when known)
 * at the evaluation time, at most maxMissedScrapes scrape intervals. However its start is known (given or found),
 * a canary that stopped, or that Prometheus no longer scrapes, is not promoted.
 */
export function reportingCheck(config: GateConfig, digest?: string): ThresholdCheck {
    const track = canaryTrack(config);
    const targets = describeTargets(track, digest);
    const maxAge = config.scrapeIntervalSeconds * config.maxMissedScrapes;
    return {
        name: "canary-reporting",
        query: `time() - max(${upSampleTimes(track, digest)})`,
        bound: { op: "<=", limit: maxAge },
        subject: `seconds since the newest up == 1 sample of ${targets}`,
        noData: `the canary does not report now: no ${targets} target answered a scrape (up == 1) at the evaluation time (it stopped, or Prometheus no longer scrapes it)`,
        failHint: `the canary has not answered for more than ${config.maxMissedScrapes} scrapes of ${config.scrapeIntervalSeconds} s (it stopped, or Prometheus no longer scrapes it)`,
    };
}

/**
 * Canary burn over its whole soak, from the raw series: the derived SLI scoped to the canary's track on the
 * syntax tree (errors that are 0 wherever the total exists, the total guarded by `> 0`).
 */
export function soakBurnCheck(config: GateConfig, slo: Slo, soak: SoakWindow): ThresholdCheck {
    const { errors, total } = trackSli(slo, config.trackLabel, config.canaryTrack, promRange(soak.seconds));
    // label_replace names the SLO on the result, so that the soak burns of all SLOs run as one query.
    const burn = `(${errors}) / (${total}) / ${slo.budget}`;
    return {
        name: `soak-burn/${slo.name}`,
        query: `label_replace(${burn}, "sloth_slo", ${promString(slo.name)}, "", "")`,
        bound: { op: "<=", limit: config.soakBurnCeiling },
        batch: { group: "soak-burn", key: slo.name },
        subject: `canary burn rate of ${slo.name} over ${soak.label}`,
        noData: `the canary handled no requests counted by ${slo.name} over ${soak.label}`,
    };
}

/** What is left of the 30-day error budget (Sloth's period recording) of the production track. */
export function periodBudgetCheck(config: GateConfig, service: string, slo: Slo): ThresholdCheck {
    const remaining = "slo:period_error_budget_remaining:ratio";
    return {
        name: `period-budget/${slo.name}`,
        query: selector(remaining, {
            sloth_service: service,
            sloth_slo: slo.name,
            [config.trackLabel]: config.budgetTrack,
        }),
        bound: { op: ">=", limit: config.periodBudgetFloor },
        batch: {
            group: "period-budget",
            key: slo.name,
            query: selector(remaining, { sloth_service: service, [config.trackLabel]: config.budgetTrack }),
        },
        subject: `remaining 30-day error budget of ${slo.name} on ${config.trackLabel} ${config.budgetTrack}`,
        noData: `no Sloth period recording of ${slo.name} for ${config.trackLabel} ${config.budgetTrack}`,
    };
}

/** The calls of the profile's gRPC service the canary handled over its soak (the profile's request metric). */
export function requestsCheck(config: GateConfig, soak: SoakWindow): ThresholdCheck {
    const { metric, serviceLabel, service } = config.requests;
    const handled = selector(metric, { [serviceLabel]: service, [config.trackLabel]: config.canaryTrack });
    return {
        name: "canary-requests",
        query: `sum(increase(${handled}[${promRange(soak.seconds)}]))`,
        bound: { op: ">=", limit: config.minRequests },
        subject: `canary requests over ${soak.label}`,
        noData: `no ${metric} series of ${service} on ${config.trackLabel} ${config.canaryTrack}`,
    };
}

/** The checks that read the canary's soak window: they wait until the canary's start is known. */
export function soakChecks(config: GateConfig, spec: SloSpec, soak: SoakWindow): ThresholdCheck[] {
    return [requestsCheck(config, soak), ...spec.slos.map((slo) => soakBurnCheck(config, slo, soak))];
}

/** The checks of Sloth's own recordings, independent of the soak window: they start at once. */
export function recordingChecks(config: GateConfig, spec: SloSpec): ThresholdCheck[] {
    return [
        ...config.pageBurnWindows.flatMap((pair) =>
            spec.slos.map((slo) => pageBurnCheck(config, spec.service, slo, pair)),
        ),
        ...spec.slos.map((slo) => periodBudgetCheck(config, spec.service, slo)),
    ];
}
