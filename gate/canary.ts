// Which digest the canary runs and since when: read from mirador_rca_build_info{track="canary"} unless given.
import { promRange } from "./duration";
import { BUILD_INFO, selector } from "./metrics";
import { PrometheusError, QueryClient } from "./prometheus";

/** Where the canary's soak starts, or why that is not known. */
export interface CanaryOrigin {
    /** When the canary started; undefined when it could not be found. */
    since?: Date;
    /** The digest whose first sample marks the start, when one was used. */
    digest?: string;
    /** The PromQL that found the start ("" when the start was given). */
    query: string;
    /** Why the start is unknown, and whether Prometheus failed ("error") or had nothing ("no-data"). */
    problem?: { result: "no-data" | "error"; reason: string };
}

export interface CanaryOptions {
    track: string;
    digest?: string;
    since?: Date;
    /** How far back the first sample is looked for, as a Prometheus duration ("7d"). */
    lookback: string;
}

/** The digests the canary reports now, one series a digest. */
export function currentDigestsQuery(track: string): string {
    return `group by (image_digest) (${selector(BUILD_INFO, { track })})`;
}

/** The earliest sample of the canary's build info for a digest within the lookback (1-minute resolution). */
export function firstSeenQuery(track: string, digest: string, lookback: string): string {
    return `min(min_over_time(timestamp(${selector(BUILD_INFO, { track, image_digest: digest })})[${lookback}:1m]))`;
}

/** The digests the canary reported at any time in the window. */
export function digestsSeenQuery(track: string, windowSeconds: number): string {
    return `group by (image_digest) (max_over_time(${selector(BUILD_INFO, { track })}[${promRange(windowSeconds)}]))`;
}

async function digestsOf(client: QueryClient, query: string): Promise<string[]> {
    const samples = await client.query(query);
    return [...new Set(samples.map((s) => s.labels.image_digest).filter((d) => d !== undefined))].sort();
}

/** The distinct digests the canary reported over the window. */
export function digestsSeen(client: QueryClient, track: string, windowSeconds: number): Promise<string[]> {
    return digestsOf(client, digestsSeenQuery(track, windowSeconds));
}

function failure(query: string, err: unknown, digest?: string): CanaryOrigin {
    const result = err instanceof PrometheusError ? "error" : "no-data";
    return { query, digest, problem: { result, reason: (err as Error).message } };
}

/**
 * Finds when the canary started: the given time wins; otherwise the first sample of its build info for the given
 * digest, or for the one digest it reports now. Never rejects: a problem says why the start is unknown.
 */
export async function findCanaryOrigin(client: QueryClient, opts: CanaryOptions): Promise<CanaryOrigin> {
    if (opts.since) {
        return { since: opts.since, digest: opts.digest, query: "" };
    }
    let digest = opts.digest;
    if (digest === undefined) {
        const query = currentDigestsQuery(opts.track);
        try {
            const digests = await digestsOf(client, query);
            if (digests.length !== 1) {
                const found = digests.length === 0 ? "no digest" : `${digests.length} digests (${digests.join(", ")})`;
                const hint = "give --canary-since or --canary-digest";
                throw new Error(`canary start unknown: the ${opts.track} track reports ${found} now; ${hint}`);
            }
            digest = digests[0];
        } catch (err) {
            return failure(query, err);
        }
    }
    const query = firstSeenQuery(opts.track, digest, opts.lookback);
    try {
        const samples = await client.query(query);
        const first = samples.length === 1 ? samples[0].value : NaN;
        if (!Number.isFinite(first)) {
            const what = `no ${BUILD_INFO} sample of ${digest} on track ${opts.track}`;
            throw new Error(`canary start unknown: ${what} in the last ${opts.lookback}`);
        }
        return { since: new Date(first * 1000), digest, query };
    } catch (err) {
        return failure(query, err, digest);
    }
}
