// Markdown pieces that stay readable inside GitHub tables: code spans, escaped pipes, one line a cell, long values
// shortened with the count of what was left out.
import { Marker, PlanValue } from "./events";

export const UNKNOWN_TEXT = "_computed by the update_";
export const ABSENT_TEXT = "—";

/** At most `max` characters; the rest replaced by a count. */
export function shorten(text: string, max: number): string {
    if (text.length <= max) {
        return text;
    }
    const kept = Math.max(1, max - 20);
    return `${text.slice(0, kept)}… (+${text.length - kept} chars)`;
}

/**
 * A code span on one line, backticks fenced. In a table cell (the default) pipes are escaped, which GitHub
 * undoes inside the cell; elsewhere a backslash in a code span would show, so `inTable` false leaves them.
 */
export function code(text: string, max = Infinity, inTable = true): string {
    const one = shorten(text.replace(/\r?\n/g, "⏎"), max);
    const line = inTable ? one.replace(/\|/g, "\\|") : one;
    const fence = line.includes("`") ? "``" : "`";
    const pad = fence === "``" || line.startsWith("`") || line.endsWith("`") ? " " : "";
    return `${fence}${pad}${line}${pad}${fence}`;
}

/** Plain text on one line, Markdown's own characters escaped (a PromQL __name__ must not turn bold). */
export function cell(text: string, max = Infinity): string {
    return shorten(text.replace(/\r?\n/g, " "), max).replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`);
}

/** A value as a reviewer reads it: secrets masked, unknowns named, strings bare, the rest as JSON. */
export function valueText(value: PlanValue | undefined, max = Infinity): string {
    if (value === undefined) {
        return ABSENT_TEXT;
    }
    if (value === Marker.unknown) {
        return UNKNOWN_TEXT;
    }
    if (value === Marker.secret) {
        return "`[secret]`";
    }
    if (typeof value === "string") {
        return code(value === "" || value.trim() !== value ? JSON.stringify(value) : value, max);
    }
    return code(
        JSON.stringify(value, (_k, v: unknown) => (v instanceof Marker ? `[${v.kind}]` : v)),
        max,
    );
}

/** A Markdown table; every cell already formatted. */
export function table(headers: string[], rows: string[][]): string {
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

/** "1 step" / "3 steps" */
export function plural(n: number, word: string, many = `${word}s`): string {
    return `${n} ${n === 1 ? word : many}`;
}
