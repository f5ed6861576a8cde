// Which digest the canary runs and since when, unless given: read from the `up` series of the canary track's
// targets, whose image label Prometheus attaches from the pod (gate/targets.ts).
import { promRange } from "./duration";
import { PrometheusError, QueryClient, Sample } from "./prometheus";
import { describeTargets, DIGEST_LABEL, Track, upSampleTimes, upNow, upSelector, withDigest } from "./targets";

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
    track: Track;
    digest?: string;
    since?: Date;
    /** How far back the first sample is looked for, as a Prometheus duration ("7d"). */
    lookback: string;
}

/**
 * The earliest `up == 1` sample of the track's targets that run a digest, within the lookback. At the subquery's
 * 1-minute steps each step sees the newest sample before it, so this can be up to a minute after the real first
 * sample: refineQuery narrows it down.
 */
export function firstSeenQuery(track: Track, digest: string, lookback: string): string {
    return `min(min_over_time((${upSampleTimes(track, digest)})[${lookback}:1m]))`;
}

/**
 * The earliest sample in the minute before a coarse first-seen time, at 1-second steps (`@` pins the evaluation
 * to that time): the real first sample, to within a second.
 */
export function refineQuery(track: Track, digest: string, coarse: Date): string {
    const at = (coarse.getTime() / 1000).toFixed(3);
    return `min(min_over_time((${upSampleTimes(track, digest)})[61s:1s] @ ${at}))`;
}

/**
 * In one round trip: for each digest the track's targets run now, the earliest `up == 1` sample of a target with
 * that digest within the lookback (one series a digest, labelled image_digest).
 */
export function currentFirstSeenQuery(track: Track, lookback: string): string {
    const first = withDigest(`min_over_time((${upSampleTimes(track)})[${lookback}:1m])`);
    return (
        `min by (${DIGEST_LABEL}) (${first})` + ` and on (${DIGEST_LABEL}) group by (${DIGEST_LABEL}) (${upNow(track)})`
    );
}

/** The digests the track's targets ran (answered a scrape with) at any time in the window. */
export function digestsSeenQuery(track: Track, windowSeconds: number): string {
    const answered = `max_over_time(${upSelector(track)}[${promRange(windowSeconds)}]) == 1`;
    return `group by (${DIGEST_LABEL}) (${withDigest(answered)})`;
}

/** The distinct digests the track's targets ran over the window. */
export async function digestsSeen(client: QueryClient, track: Track, windowSeconds: number): Promise<string[]> {
    const samples = await client.query(digestsSeenQuery(track, windowSeconds));
    return [...new Set(samples.map((s) => s.labels[DIGEST_LABEL]).filter((d) => d !== undefined))].sort();
}

function failure(query: string, err: unknown, digest?: string): CanaryOrigin {
    const result = err instanceof PrometheusError ? "error" : "no-data";
    return { query, digest, problem: { result, reason: (err as Error).message } };
}

/** The start from the answer of the first-seen query: exactly one finite timestamp, else why not. */
function startFrom(samples: Sample[], opts: CanaryOptions, given?: string): { since: Date; digest?: string } {
    const hint = "give --canary-since or --canary-digest";
    const targets = describeTargets(opts.track);
    if (given === undefined && samples.length > 1) {
        const digests = samples.map((s) => s.labels[DIGEST_LABEL]).sort();
        throw new Error(
            `canary start unknown: the ${targets} targets run ${digests.length} digests now (${digests.join(", ")}); ${hint}`,
        );
    }
    const first = samples.length === 1 ? samples[0].value : NaN;
    if (!Number.isFinite(first)) {
        const what = given
            ? `no up == 1 sample of a ${targets} target running ${given} in the last ${opts.lookback}`
            : `no ${targets} target with an image digest answers now (up == 1); ${hint}`;
        throw new Error(`canary start unknown: ${what}`);
    }
    return { since: new Date(first * 1000), digest: given ?? samples[0].labels[DIGEST_LABEL] };
}

/**
 * Finds when the canary started: the given time wins; otherwise the first `up == 1` sample of its targets for the
 * given digest, or for the one digest they run now. Never rejects: a problem says why the start is unknown.
 */
export async function findCanaryOrigin(client: QueryClient, opts: CanaryOptions): Promise<CanaryOrigin> {
    if (opts.since) {
        return { since: opts.since, digest: opts.digest, query: "" };
    }
    const query =
        opts.digest === undefined
            ? currentFirstSeenQuery(opts.track, opts.lookback)
            : firstSeenQuery(opts.track, opts.digest, opts.lookback);
    let coarse: { since: Date; digest?: string };
    try {
        coarse = startFrom(await client.query(query), opts, opts.digest);
    } catch (err) {
        return failure(query, err, opts.digest);
    }
    return { ...coarse, since: await refine(client, opts.track, coarse), query };
}

/**
 * The exact first sample in the minute before a coarse start. Without an answer, or with one after the coarse
 * start, the coarse start stands: the soak may come out shorter, never longer.
 */
async function refine(client: QueryClient, track: Track, coarse: { since: Date; digest?: string }): Promise<Date> {
    if (coarse.digest === undefined) {
        return coarse.since;
    }
    try {
        const [sample] = await client.query(refineQuery(track, coarse.digest, coarse.since));
        const exact = sample?.value;
        return Number.isFinite(exact) && exact * 1000 <= coarse.since.getTime() ? new Date(exact * 1000) : coarse.since;
    } catch {
        return coarse.since;
    }
}
