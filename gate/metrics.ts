// The service's metric contract as the gate queries it (names and labels shared with the example service).

/** The gRPC service whose calls the SLOs cover. */
export const GRPC_SERVICE = "mirador.rca.v1.RCAService";
export const HANDLED_TOTAL = "grpc_server_handled_total";
export const CACHE_HITS = "mirador_rca_cache_hits_total";
export const CACHE_MISSES = "mirador_rca_cache_misses_total";
/** Gauge = 1 with {track, version, image_digest}: which digest each pod runs. */
export const BUILD_INFO = "mirador_rca_build_info";

/** A PromQL string literal (double-quoted, escaped). */
export function promString(value: string): string {
    return JSON.stringify(value);
}

/** Equality matchers for exact label values: `a="x",b="y"`. */
export function matchers(labels: Record<string, string>): string {
    return Object.entries(labels)
        .map(([key, value]) => `${key}=${promString(value)}`)
        .join(",");
}

/** A PromQL vector selector from a metric name and exact label values. */
export function selector(metric: string, labels: Record<string, string>): string {
    return `${metric}{${matchers(labels)}}`;
}
