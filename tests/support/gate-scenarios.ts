// The canary situations the gate must tell apart, as synthetic traffic: two days of stable history and a canary
// that started 45 minutes ago, each scenario changing one thing.
import { fakeDigest, Scenario, Segment } from "./synthetic";

export const STABLE_DIGEST = fakeDigest("mirador-rca v0.3.0");
export const CANARY_DIGEST = fakeDigest("mirador-rca v0.4.0");

const HISTORY_MINUTES = 2880;

/** Production: 20 calls/s, well within both SLOs (burn 0.04 and 0.05); it has failed before, so its error series exists. */
export const STABLE: Segment = {
    track: "stable",
    fromMinutesAgo: HISTORY_MINUTES,
    toMinutesAgo: 0,
    rps: 20,
    errorRatio: 0.0002,
    slowRatio: 0.002,
    digest: STABLE_DIGEST,
};

/**
 * The canary: 5 calls/s for 45 minutes, healthy, and without a single failed investigation: the service has not
 * created its outcome="error" series, which must count as zero errors, not as no data.
 */
export const CANARY: Segment = {
    track: "canary",
    fromMinutesAgo: 45,
    toMinutesAgo: 0,
    rps: 5,
    errorRatio: 0,
    slowRatio: 0.003,
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
    { title: "a healthy canary without any error series is promoted", scenario: scenario(STABLE, CANARY), denied: {} },
    {
        title: "fast burn: 30% failed investigations for the last 15 minutes",
        scenario: scenario(STABLE, ...changedAt(CANARY, 15, { errorRatio: 0.3 })),
        denied: {
            "page-burn-5m-1h/investigation-success-rate": /over both 5m and 1h .* needs <= 14\.4/,
            "page-burn-30m-6h/investigation-success-rate": /over both 30m and 6h .* needs <= 6/,
            "soak-burn/investigation-success-rate": /over its \d+(\.\d+)? min soak is \d+(\.\d+)?, needs <= 1/,
            "sloth-alerts": /investigation-success-rate \(investigation-success-rate, page, track=canary\)/,
        },
    },
    {
        title: "slow burn: 5% failed, under the 5m/1h factor but over the 30m/6h one",
        scenario: scenario(STABLE, { ...CANARY, errorRatio: 0.05 }),
        denied: {
            "page-burn-30m-6h/investigation-success-rate": /over both 30m and 6h .* needs <= 6/,
            "soak-burn/investigation-success-rate": /needs <= 1/,
            "sloth-alerts": /investigation-success-rate \(investigation-success-rate, page, track=canary\)/,
        },
    },
    {
        title: "a canary burning 2.5× over its soak: under both page factors, over the ceiling",
        scenario: scenario(STABLE, { ...CANARY, slowRatio: 0.1 }),
        denied: {
            "soak-burn/investigation-latency":
                /canary burn rate of investigation-latency over its .* soak is \d(\.\d+)?, needs <= 1/,
            "sloth-alerts": /investigation-latency \(investigation-latency, ticket, track=canary\)/,
        },
    },
    {
        title: "a Sloth page alert firing on stable (10% failed for 65 minutes)",
        scenario: scenario(...changedAt(STABLE, 65, { errorRatio: 0.1 }), CANARY),
        denied: {
            "sloth-alerts": /^1 firing: investigation-success-rate \(investigation-success-rate, page, track=stable\)$/,
        },
    },
    {
        title: "the period error budget exhausted by an incident 30 hours ago",
        scenario: scenario(
            { ...STABLE, toMinutesAgo: 1920 },
            { ...STABLE, fromMinutesAgo: 1920, toMinutesAgo: 1800, errorRatio: 0.3 },
            { ...STABLE, fromMinutesAgo: 1800 },
            CANARY,
        ),
        denied: {
            "period-budget/investigation-success-rate":
                /remaining 30-day error budget .* on track stable is -\d+(\.\d+)?, needs >= 0\.1/,
        },
    },
    {
        // The SLIs' total queries keep only windows with traffic (> 0), so an idle canary has no SLI samples at all
        // rather than NaN ones: every ratio check denies for want of data.
        title: "zero canary traffic: no investigation, no SLI sample",
        scenario: scenario(STABLE, { ...CANARY, rps: 0 }),
        denied: {
            "canary-requests": /canary requests over its .* soak is 0, needs >= 1000/,
            "page-burn-5m-1h/investigation-success-rate": /^no data: /,
            "page-burn-30m-6h/investigation-success-rate": /^no data: /,
            "soak-burn/investigation-success-rate": /^no data: the canary handled no requests/,
            "page-burn-5m-1h/investigation-latency": /^no data: /,
            "page-burn-30m-6h/investigation-latency": /^no data: /,
            "soak-burn/investigation-latency": /^no data: /,
        },
    },
    {
        title: "too few canary requests to judge (0.3 calls/s)",
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
        title: "a canary deployed by tag (no digest in its image label) and no --canary-since: start unknown",
        scenario: scenario(STABLE, { ...CANARY, image: "127.0.0.1:5000/mirador-rca:v0.4.0" }),
        denied: {
            "canary-soak":
                /canary start unknown: no up\{track="canary"\} target with an image digest answers now \(up == 1\)/,
            "canary-reporting": /^no data: the canary does not report now/,
        },
    },
    {
        // Its start is given, so nothing else asks whether it still runs: its newest up == 1 sample must be fresh.
        title: "a canary that stopped 10 minutes ago, its start given (--canary-since)",
        scenario: scenario(STABLE, { ...CANARY, toMinutesAgo: 10 }),
        config: (end) => ({ canarySince: new Date(end.getTime() - 45 * 60000).toISOString() }),
        denied: {
            "canary-reporting":
                /^no data: the canary does not report now: no up\{track="canary"\} target answered a scrape \(up == 1\) at the evaluation time/,
            "page-burn-5m-1h/investigation-latency": pageBurnNoData,
            "page-burn-5m-1h/investigation-success-rate": pageBurnNoData,
        },
    },
    {
        // Prometheus still discovers the pod, but its scrapes fail: up is 0, fresh, and the canary does not report.
        title: "a canary whose scrapes fail (up 0) for its last 10 minutes",
        scenario: scenario(STABLE, ...changedAt(CANARY, 10, { up: 0 })),
        denied: {
            "canary-soak": /canary start unknown: no up\{track="canary"\} target with an image digest answers now/,
            "canary-reporting": /^no data: the canary does not report now/,
            "page-burn-5m-1h/investigation-latency": pageBurnNoData,
            "page-burn-5m-1h/investigation-success-rate": pageBurnNoData,
        },
    },
    {
        // Sloth records no 5m SLI without traffic in it, but the 1h one still has the canary's earlier requests: the
        // pair is no data, not the 1h burn alone.
        title: "a canary idle for its last 10 minutes: the 5m window has no sample, the 1h one has",
        scenario: scenario(STABLE, ...changedAt(CANARY, 10, { rps: 0 })),
        denied: {
            "page-burn-5m-1h/investigation-latency": pageBurnNoData,
            "page-burn-5m-1h/investigation-success-rate": pageBurnNoData,
        },
    },
];
