// Synthetic raw series of mirador-rca, as the service exports them (the metric contract of docs/gate.md), written
// as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`.

/** A stretch of time during which one track serves traffic of one kind. */
export interface Segment {
    track: string;
    /** Minutes before the end of the data when the segment starts, and when it stops (0: up to the end). */
    fromMinutesAgo: number;
    toMinutesAgo: number;
    /** Requests a second to the RCAService, spread evenly over its three methods. */
    rps: number;
    /** Share of requests that end with a server-caused code (Internal). */
    errorRatio?: number;
    /** Share that ends with a client-caused code (InvalidArgument): not an error for the SLO. */
    clientErrorRatio?: number;
    /** Share handled in more than 2.5 s (slower than the 1 s latency objective). */
    slowRatio?: number;
    /** Share of cache lookups (one a request) that hit. */
    cacheHitRatio?: number;
    /** The image digest the track's pods run. */
    digest: string;
    /** Whether the pods export mirador_rca_build_info (default true). */
    buildInfo?: boolean;
}

export interface Scenario {
    /** How much history the data holds, minutes. */
    historyMinutes: number;
    /** Scrape interval of the synthetic samples, seconds. */
    stepSeconds: number;
    segments: Segment[];
}

export const RCA_METHODS = ["Investigate", "GetPatterns", "ListCorrelations"];
const GRPC = { grpc_service: "mirador.rca.v1.RCAService", grpc_type: "unary" };

/** A digest made from a word, for readable fixtures. */
export function fakeDigest(word: string): string {
    const hex = Buffer.from(word).toString("hex");
    return `sha256:${hex.padEnd(64, "0").slice(0, 64)}`;
}

type Labels = Record<string, string>;

/** A segment covers (to, from] minutes ago, and the last sample too when it runs up to the end. */
function active(seg: Segment, minutesAgo: number): boolean {
    return minutesAgo <= seg.fromMinutesAgo && (minutesAgo > seg.toMinutesAgo || seg.toMinutesAgo === 0);
}

/** Increments of every counter of one track during one step. */
function stepIncrements(seg: Segment, seconds: number, method: string): Map<string, number> {
    const requests = (seg.rps * seconds) / RCA_METHODS.length;
    const errors = requests * (seg.errorRatio ?? 0);
    const clientErrors = requests * (seg.clientErrorRatio ?? 0);
    const slow = requests * (seg.slowRatio ?? 0);
    const fast = requests - slow;
    const hits = requests * (seg.cacheHitRatio ?? 0.8);
    const inc = new Map<string, number>([
        [`handled|OK`, requests - errors - clientErrors],
        [`handled|Internal`, errors],
        [`handled|InvalidArgument`, clientErrors],
        [`bucket|0.1`, fast * 0.8],
        [`bucket|0.5`, fast],
        [`bucket|1`, fast],
        [`bucket|2.5`, fast],
        [`bucket|5`, requests],
        [`bucket|+Inf`, requests],
        [`sum|`, fast * 0.12 + slow * 3.5],
        [`count|`, requests],
    ]);
    if (method === RCA_METHODS[0]) {
        // The cache is per pod, not per method: count its lookups once.
        inc.set("hits|", hits * RCA_METHODS.length);
        inc.set("misses|", (requests - hits) * RCA_METHODS.length);
    }
    return inc;
}

function seriesKey(kind: string, track: string, method: string, detail: string): string {
    return [kind, track, method, detail].join("|");
}

function seriesOf(key: string): { name: string; labels: Labels } {
    const [kind, track, method, detail] = key.split("|");
    const grpc = { ...GRPC, grpc_method: method };
    switch (kind) {
        case "handled":
            return { name: "grpc_server_handled_total", labels: { ...grpc, grpc_code: detail, track } };
        case "bucket":
            return { name: "grpc_server_handling_seconds_bucket", labels: { ...grpc, le: detail, track } };
        case "sum":
            return { name: "grpc_server_handling_seconds_sum", labels: { ...grpc, track } };
        case "count":
            return { name: "grpc_server_handling_seconds_count", labels: { ...grpc, track } };
        case "hits":
            return { name: "mirador_rca_cache_hits_total", labels: { track } };
        case "misses":
            return { name: "mirador_rca_cache_misses_total", labels: { track } };
        default:
            return { name: "mirador_rca_build_info", labels: { track, version: "v0.4.0", image_digest: detail } };
    }
}

const FAMILIES: [string, string][] = [
    ["grpc_server_handled", "counter"],
    ["grpc_server_handling_seconds", "histogram"],
    ["mirador_rca_cache_hits", "counter"],
    ["mirador_rca_cache_misses", "counter"],
    ["mirador_rca_build_info", "gauge"],
];

function familyOf(name: string): string | undefined {
    return FAMILIES.map(([f]) => f).find((f) => name === f || /^_(total|bucket|sum|count)$/.test(name.slice(f.length)));
}

function renderLabels(labels: Labels): string {
    return Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
}

/**
 * The scenario's samples up to `end` as OpenMetrics text: counters accumulate from the first step a track is
 * active (pre-initialised at zero like grpc-prometheus does), and a track with no active segment exports nothing.
 */
export function renderOpenMetrics(scenario: Scenario, end: Date): string {
    const endSec = Math.floor(end.getTime() / 1000);
    const steps = Math.floor((scenario.historyMinutes * 60) / scenario.stepSeconds);
    const totals = new Map<string, number>();
    const samples = new Map<string, string[]>();
    const add = (key: string, value: number, ts: number): void => {
        const list = samples.get(key) ?? [];
        list.push(`${Math.floor(value)} ${ts}`);
        samples.set(key, list);
    };
    for (let i = steps; i >= 0; i--) {
        const ts = endSec - i * scenario.stepSeconds;
        const minutesAgo = (endSec - ts) / 60;
        for (const seg of scenario.segments) {
            if (!active(seg, minutesAgo)) {
                continue;
            }
            for (const method of RCA_METHODS) {
                for (const [detail, inc] of stepIncrements(seg, scenario.stepSeconds, method)) {
                    const [kind, rest] = detail.split("|");
                    const key = seriesKey(kind, seg.track, kind === "hits" || kind === "misses" ? "" : method, rest);
                    const previous = totals.get(key);
                    const total = previous === undefined ? 0 : previous + inc;
                    totals.set(key, total);
                    add(key, total, ts);
                }
            }
            if (seg.buildInfo !== false) {
                add(seriesKey("info", seg.track, "", seg.digest), 1, ts);
            }
        }
    }
    const lines: string[] = [];
    for (const [family, type] of FAMILIES) {
        lines.push(`# TYPE ${family} ${type}`);
        for (const [key, values] of samples) {
            const { name, labels } = seriesOf(key);
            if (familyOf(name) !== family) {
                continue;
            }
            for (const value of values) {
                lines.push(`${name}{${renderLabels(labels)}} ${value}`);
            }
        }
    }
    lines.push("# EOF", "");
    return lines.join("\n");
}
