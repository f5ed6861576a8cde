// The canary situations the gate must tell apart, as synthetic traffic: two days of stable history and a canary
// that started 45 minutes ago, each scenario changing one thing.
import { fakeDigest, Scenario, Segment } from "./synthetic";

export const STABLE_DIGEST = fakeDigest("mirador-rca v0.3.0");
export const CANARY_DIGEST = fakeDigest("mirador-rca v0.4.0");

const HISTORY_MINUTES = 2880;

/** Production: 20 req/s, well within both SLOs (burn 0.2), 1% client errors that do not count. */
export const STABLE: Segment = {
    track: "stable",
    fromMinutesAgo: HISTORY_MINUTES,
    toMinutesAgo: 0,
    rps: 20,
    errorRatio: 0.0002,
    clientErrorRatio: 0.01,
    slowRatio: 0.002,
    cacheHitRatio: 0.8,
    digest: STABLE_DIGEST,
};

/** The canary: 5 req/s for 45 minutes, healthy, with 2% client errors (20× the budget if they counted). */
export const CANARY: Segment = {
    track: "canary",
    fromMinutesAgo: 45,
    toMinutesAgo: 0,
    rps: 5,
    errorRatio: 0.0002,
    clientErrorRatio: 0.02,
    slowRatio: 0.003,
    cacheHitRatio: 0.75,
    digest: CANARY_DIGEST,
};

/** The segment as it is until `minutesAgo`, then with `changes` up to the end. */
export function changedAt(seg: Segment, minutesAgo: number, changes: Partial<Segment>): Segment[] {
    return [
        { ...seg, toMinutesAgo: minutesAgo },
        { ...seg, ...changes, fromMinutesAgo: minutesAgo, toMinutesAgo: 0 },
    ];
}

export function scenario(...segments: Segment[]): Scenario {
    return { historyMinutes: HISTORY_MINUTES, stepSeconds: 120, segments };
}

export interface GateScenario {
    title: string;
    scenario: Scenario;
    /** The checks that must not pass, each with a pattern its reason must match; every other check passes. */
    denied: Record<string, RegExp>;
    /** The gate's config, from the time of the last synthetic sample (default: the defaults). */
    config?: (end: Date) => Record<string, unknown>;
}

const pageBurnNoData = /^no data: no Sloth recording of .* over both 5m and 1h \(a window without a sample is no data/;

export const SCENARIOS: GateScenario[] = [
    { title: "a healthy canary is promoted", scenario: scenario(STABLE, CANARY), denied: {} },
    {
        title: "fast burn: 5% errors for the last 15 minutes",
        scenario: scenario(STABLE, ...changedAt(CANARY, 15, { errorRatio: 0.05 })),
        denied: {
            "page-burn-5m-1h/requests-availability": /over both 5m and 1h .* needs <= 14\.4/,
            "page-burn-30m-6h/requests-availability": /over both 30m and 6h .* needs <= 6/,
            "soak-burn/requests-availability": /over its \d+(\.\d+)? min soak is \d+(\.\d+)?, needs <= 1/,
            "sloth-alerts": /MiradorRCAHighErrorRate \(requests-availability, page, track=canary\)/,
        },
    },
    {
        title: "slow burn: 0.8% errors, under the 5m/1h factor but over the 30m/6h one",
        scenario: scenario(STABLE, { ...CANARY, errorRatio: 0.008 }),
        denied: {
            "page-burn-30m-6h/requests-availability": /over both 30m and 6h .* needs <= 6/,
            "soak-burn/requests-availability": /needs <= 1/,
            "sloth-alerts": /MiradorRCAHighErrorRate \(requests-availability, page, track=canary\)/,
        },
    },
    {
        title: "a canary burning 3× over its soak: under both page factors, over the ceiling",
        scenario: scenario(STABLE, { ...CANARY, slowRatio: 0.03 }),
        denied: {
            "soak-burn/requests-latency":
                /canary burn rate of requests-latency over its .* soak is \d(\.\d+)?, needs <= 1/,
            "sloth-alerts": /MiradorRCAHighLatency \(requests-latency, ticket, track=canary\)/,
        },
    },
    {
        title: "a Sloth page alert firing on stable (2% errors for 65 minutes)",
        scenario: scenario(...changedAt(STABLE, 65, { errorRatio: 0.02 }), CANARY),
        denied: { "sloth-alerts": /^1 firing: MiradorRCAHighErrorRate \(requests-availability, page, track=stable\)$/ },
    },
    {
        title: "the period error budget exhausted by an incident 30 hours ago",
        scenario: scenario(
            { ...STABLE, toMinutesAgo: 1920 },
            { ...STABLE, fromMinutesAgo: 1920, toMinutesAgo: 1800, errorRatio: 0.05 },
            { ...STABLE, fromMinutesAgo: 1800 },
            CANARY,
        ),
        denied: {
            "period-budget/requests-availability":
                /remaining 30-day error budget .* on track stable is -\d+(\.\d+)?, needs >= 0\.1/,
        },
    },
    {
        // The SLIs' total queries keep only windows with traffic (> 0), so an idle canary has no SLI samples at all
        // rather than NaN ones: every ratio check denies for want of data.
        title: "zero canary traffic: counters at zero, no SLI sample",
        scenario: scenario(STABLE, { ...CANARY, rps: 0 }),
        denied: {
            "canary-requests": /canary requests over its .* soak is 0, needs >= 1000/,
            "page-burn-5m-1h/requests-availability": /^no data: /,
            "page-burn-30m-6h/requests-availability": /^no data: /,
            "soak-burn/requests-availability": /^no data: the canary handled no requests/,
            "page-burn-5m-1h/requests-latency": /^no data: /,
            "page-burn-30m-6h/requests-latency": /^no data: /,
            "soak-burn/requests-latency": /^no data: /,
            "canary-cache-hit-rate": /^NaN: the canary made no cache lookups/,
        },
    },
    {
        title: "too few canary requests to judge (0.3 req/s)",
        scenario: scenario(STABLE, { ...CANARY, rps: 0.3 }),
        denied: { "canary-requests": /canary requests over its .* soak is \d+(\.\d+)?, needs >= 1000/ },
    },
    {
        title: "a soak shorter than 30 minutes",
        scenario: scenario(STABLE, { ...CANARY, fromMinutesAgo: 12 }),
        denied: {
            "canary-soak":
                /canary started .* \(first sample of sha256:[0-9a-f]{64}\), 1\d(\.\d+)? min ago: soak too short/,
        },
    },
    {
        title: "a low canary cache hit rate",
        scenario: scenario(STABLE, { ...CANARY, cacheHitRatio: 0.2 }),
        denied: { "canary-cache-hit-rate": /canary cache hit rate over its .* soak is 0\.2, needs >= 0\.5/ },
    },
    {
        title: "a canary without build info and no --canary-since: start unknown",
        scenario: scenario(STABLE, { ...CANARY, buildInfo: false }),
        denied: {
            "canary-soak": /canary start unknown: the canary track reports no mirador_rca_build_info now/,
            "canary-reporting": /^no data: the canary does not report now/,
        },
    },
    {
        // Its start is given, so nothing else asks whether it still runs: the newest build-info sample must be fresh.
        title: "a canary that stopped 10 minutes ago, its start given (--canary-since)",
        scenario: scenario(STABLE, { ...CANARY, toMinutesAgo: 10 }),
        config: (end) => ({ canarySince: new Date(end.getTime() - 45 * 60000).toISOString() }),
        denied: {
            "canary-reporting":
                /^no data: the canary does not report now: no mirador_rca_build_info\{track="canary"\} sample at the evaluation time/,
            "page-burn-5m-1h/requests-availability": pageBurnNoData,
            "page-burn-5m-1h/requests-latency": pageBurnNoData,
        },
    },
    {
        // Sloth records no 5m SLI without traffic in it, but the 1h one still has the canary's earlier requests: the
        // pair is no data, not the 1h burn alone.
        title: "a canary idle for its last 10 minutes: the 5m window has no sample, the 1h one has",
        scenario: scenario(STABLE, ...changedAt(CANARY, 10, { rps: 0 })),
        denied: {
            "page-burn-5m-1h/requests-availability": pageBurnNoData,
            "page-burn-5m-1h/requests-latency": pageBurnNoData,
        },
    },
];
