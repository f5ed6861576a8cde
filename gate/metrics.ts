// PromQL text from label values: string literals, exact matchers and selectors. Which metrics and labels the gate
// reads is the service profile's (gate/config.ts), never a name written here.

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
