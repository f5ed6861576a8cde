// The PromQL of every check, built from the config, the Sloth spec and the canary's soak window.
import { ThresholdCheck } from "./checks";
import { BurnWindow, GateConfig } from "./config";
import { promRange } from "./duration";
import { CACHE_HITS, CACHE_MISSES, GRPC_SERVICE, HANDLED_TOTAL, matchers, promString, selector } from "./metrics";
import { narrowQuery, Slo, SloSpec } from "./spec";

/** The window the canary is judged over, and how reasons describe it. */
export interface SoakWindow {
    seconds: number;
    /** e.g. "its 45.2 min soak" or "the last 30 min (canary start unknown)" */
    label: string;
}

function sloSelector(service: string, slo: Slo, extra: Record<string, string> = {}): Record<string, string> {
    return { sloth_service: service, sloth_slo: slo.name, ...extra };
}

/** Canary burn over two of Sloth's recorded windows: the lower of the two, so above the factor means both are. */
export function pageBurnCheck(config: GateConfig, service: string, slo: Slo, pair: BurnWindow): ThresholdCheck {
    const names = `slo:sli_error:ratio_rate(?:${pair.short}|${pair.long})`;
    const canary = matchers(sloSelector(service, slo, { track: config.canaryTrack }));
    const budget = selector("slo:error_budget:ratio", sloSelector(service, slo));
    return {
        name: `page-burn-${pair.short}-${pair.long}/${slo.name}`,
        query:
            `min without (sloth_window) ({__name__=~${promString(names)},${canary}})` +
            ` / on (sloth_service, sloth_slo) group_left () ${budget}`,
        bound: { op: "<=", limit: pair.factor },
        subject: `canary burn rate of ${slo.name} over both ${pair.short} and ${pair.long} (Sloth page factor)`,
        noData: `no Sloth recording of ${slo.name} for track ${config.canaryTrack} (rules not loaded, or no canary requests)`,
    };
}

/** Canary burn over its whole soak, from the raw series (the SLI narrowed to the canary track). */
export function soakBurnCheck(config: GateConfig, slo: Slo, soak: SoakWindow): ThresholdCheck {
    const range = promRange(soak.seconds);
    const errors = narrowQuery(slo.errorQuery, config.canaryTrack, range);
    const total = narrowQuery(slo.totalQuery, config.canaryTrack, range);
    return {
        name: `soak-burn/${slo.name}`,
        query: `(${errors}) / (${total}) / ${slo.budget}`,
        bound: { op: "<=", limit: config.soakBurnCeiling },
        subject: `canary burn rate of ${slo.name} over ${soak.label}`,
        noData: `the canary handled no requests counted by ${slo.name} over ${soak.label}`,
    };
}

/** What is left of the 30-day error budget (Sloth's period recording) of the production track. */
export function periodBudgetCheck(config: GateConfig, service: string, slo: Slo): ThresholdCheck {
    return {
        name: `period-budget/${slo.name}`,
        query: selector(
            "slo:period_error_budget_remaining:ratio",
            sloSelector(service, slo, { track: config.budgetTrack }),
        ),
        bound: { op: ">=", limit: config.periodBudgetFloor },
        subject: `remaining 30-day error budget of ${slo.name} on track ${config.budgetTrack}`,
        noData: `no Sloth period recording of ${slo.name} for track ${config.budgetTrack}`,
    };
}

export function requestsCheck(config: GateConfig, soak: SoakWindow): ThresholdCheck {
    const handled = selector(HANDLED_TOTAL, { grpc_service: GRPC_SERVICE, track: config.canaryTrack });
    return {
        name: "canary-requests",
        query: `sum(increase(${handled}[${promRange(soak.seconds)}]))`,
        bound: { op: ">=", limit: config.minRequests },
        subject: `canary requests over ${soak.label}`,
        noData: `no ${HANDLED_TOTAL} series of ${GRPC_SERVICE} on track ${config.canaryTrack}`,
    };
}

export function cacheHitRateCheck(config: GateConfig, soak: SoakWindow): ThresholdCheck {
    const range = promRange(soak.seconds);
    const hits = `sum(increase(${selector(CACHE_HITS, { track: config.canaryTrack })}[${range}]))`;
    const misses = `sum(increase(${selector(CACHE_MISSES, { track: config.canaryTrack })}[${range}]))`;
    return {
        name: "canary-cache-hit-rate",
        query: `${hits} / (${hits} + ${misses})`,
        bound: { op: ">=", limit: config.cacheHitRateFloor },
        subject: `canary cache hit rate over ${soak.label}`,
        noData: `the canary made no cache lookups over ${soak.label}`,
    };
}

/** Every threshold check of a run, in the order they are reported. */
export function thresholdChecks(config: GateConfig, spec: SloSpec, soak: SoakWindow): ThresholdCheck[] {
    const perSlo = spec.slos.flatMap((slo) => [
        ...config.pageBurnWindows.map((pair) => pageBurnCheck(config, spec.service, slo, pair)),
        soakBurnCheck(config, slo, soak),
        periodBudgetCheck(config, spec.service, slo),
    ]);
    return [requestsCheck(config, soak), ...perSlo, cacheHitRateCheck(config, soak)];
}
