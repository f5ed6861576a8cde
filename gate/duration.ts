// Prometheus range durations for windows measured in seconds.

/** A whole number of seconds as a PromQL range ("2700s"); at least one second. */
export function promRange(seconds: number): string {
    return `${Math.max(1, Math.floor(seconds))}s`;
}
