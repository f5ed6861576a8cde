// The gate's evaluation, shared by the CLI and the policy pack: find the canary's soak window, then run every
// check concurrently against Prometheus and decide. Never rejects; takes at most two query timeouts (the
// canary's start, then the soak-window checks; the others run meanwhile).
import { runAlertCheck } from "./alerts";
import { CanaryOrigin, findCanaryOrigin } from "./canary";
import { Check, decide, formatValue, GateDecision, runThresholdChecks } from "./checks";
import { GateConfig } from "./config";
import { PrometheusClient, QueryClient } from "./prometheus";
import { deriveSpec } from "./derive";
import { canaryTrack, recordingChecks, reportingCheck, SoakWindow, soakChecks } from "./queries";
import { loadSloSpec, SloSpec } from "./spec";

/** Shortest window a check looks at, even for a canary that has just started. */
const MIN_WINDOW_SECONDS = 60;

function minutes(seconds: number): string {
    return `${formatValue(seconds / 60)} min`;
}

/** The soak check: how long the canary has run, or why that is unknown. */
export function soakCheck(origin: CanaryOrigin, config: GateConfig, now: Date): Check {
    const row = { name: "canary-soak", query: origin.query, threshold: `>= ${config.minSoakMinutes} min` };
    if (origin.since === undefined) {
        const problem = origin.problem ?? { result: "no-data" as const, reason: "canary start unknown" };
        return { ...row, value: null, result: problem.result, reason: problem.reason };
    }
    const soakMinutes = (now.getTime() - origin.since.getTime()) / 60000;
    const from = origin.query === "" ? "given" : `first sample of ${origin.digest ?? "its digest"}`;
    const started = `canary started ${origin.since.toISOString()} (${from}), ${minutes(soakMinutes * 60)} ago`;
    if (soakMinutes < config.minSoakMinutes) {
        return { ...row, value: soakMinutes, result: "fail", reason: `${started}: soak too short` };
    }
    return { ...row, value: soakMinutes, result: "pass", reason: started };
}

/** The window every canary check reads: the soak when known, else the minimum soak. */
export function soakWindow(origin: CanaryOrigin, config: GateConfig, now: Date): SoakWindow {
    if (origin.since === undefined) {
        const seconds = Math.max(MIN_WINDOW_SECONDS, config.minSoakMinutes * 60);
        return { seconds, label: `the last ${minutes(seconds)} (canary start unknown)` };
    }
    const seconds = Math.max(MIN_WINDOW_SECONDS, (now.getTime() - origin.since.getTime()) / 1000);
    return { seconds, label: `its ${minutes(seconds)} soak` };
}

/**
 * Evaluates every check of a derived spec (loadGateSpec) with a client whose queries all run at `now`. Checks of Sloth's recordings and alerts
 * start at once; the checks of the soak window, and whether the canary (its digest) reports now, start as soon as
 * the canary's start is known.
 */
export async function evaluateGate(
    client: QueryClient,
    config: GateConfig,
    spec: SloSpec,
    now: Date,
): Promise<GateDecision> {
    const steady = Promise.all([
        runThresholdChecks(client, recordingChecks(config, spec)),
        runAlertCheck(client, spec.service, config.alertSeverities, config.trackLabel),
    ]);
    const origin = await findCanaryOrigin(client, {
        track: canaryTrack(config),
        digest: config.canaryDigest,
        since: config.canarySince,
        lookback: config.canaryLookback,
    });
    const soak = soakWindow(origin, config, now);
    const [windowed, [recorded, alerts]] = await Promise.all([
        runThresholdChecks(client, [reportingCheck(config, origin.digest), ...soakChecks(config, spec, soak)]),
        steady,
    ]);
    return decide([soakCheck(origin, config, now), ...windowed, ...recorded, alerts]);
}

/** Makes the client of one evaluation: every query at `now`, each bounded by the timeout. */
export type ClientFactory = (url: string, timeoutMs: number, now: Date) => QueryClient;

export const httpClient: ClientFactory = (url, timeoutMs, now) => new PrometheusClient(url, timeoutMs, now);

/**
 * The Sloth spec of the config, scoped to the profile's track label: the derived spec as it is (deriving it again
 * changes nothing), or the service's own spec derived now. A ConfigError when it cannot be read or scoped.
 */
export function loadGateSpec(config: GateConfig): SloSpec {
    return deriveSpec(loadSloSpec(config.sloSpec), config.trackLabel);
}

/** Loads the Sloth spec of the config (a ConfigError when it is unusable) and evaluates against a Prometheus URL. */
export async function runGate(
    prometheusUrl: string,
    config: GateConfig,
    now = new Date(),
    makeClient: ClientFactory = httpClient,
): Promise<GateDecision> {
    const spec = loadGateSpec(config);
    const client = makeClient(prometheusUrl, config.queryTimeoutSeconds * 1000, now);
    try {
        return await evaluateGate(client, config, spec, now);
    } finally {
        client.close?.();
    }
}
