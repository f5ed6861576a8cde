// Prometheus durations ("5m", "1h", "30d") as seconds, and back.

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds in a single-unit Prometheus duration such as "30m"; undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
    const match = /^([1-9][0-9]*)([smhdw])$/.exec(text);
    if (!match) {
        return undefined;
    }
    return Number(match[1]) * UNIT_SECONDS[match[2]];
}

/** A whole number of seconds as a PromQL range ("2700s"); at least one second. */
export function promRange(seconds: number): string {
    return `${Math.max(1, Math.floor(seconds))}s`;
}
