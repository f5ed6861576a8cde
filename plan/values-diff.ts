// A Helm release's values, before and after, as a key-by-key diff: what a reviewer reads instead of a rendered
// manifest. Nested maps become dotted paths; lists of scalars stay one value; lists of maps are indexed.
import { Marker, PlanValue } from "./events";

export interface ValueChange {
    /** e.g. image.digest, podLabels["app.kubernetes.io/name"], env[0].value */
    path: string;
    kind: "added" | "removed" | "changed";
    /** Absent (undefined) when the key is new. */
    from?: PlanValue;
    /** Absent (undefined) when the key goes away. */
    to?: PlanValue;
}

function isMap(v: PlanValue | undefined): v is { [key: string]: PlanValue } {
    return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Marker);
}

function keyPath(prefix: string, key: string): string {
    if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) {
        return prefix === "" ? key : `${prefix}.${key}`;
    }
    return `${prefix}[${JSON.stringify(key)}]`;
}

/** Every leaf of a values tree by its path; empty maps and lists of scalars are leaves. */
export function flatten(value: PlanValue, prefix = "", out = new Map<string, PlanValue>()): Map<string, PlanValue> {
    if (isMap(value) && Object.keys(value).length > 0) {
        for (const key of Object.keys(value).sort()) {
            flatten(value[key], keyPath(prefix, key), out);
        }
    } else if (Array.isArray(value) && value.some((v) => isMap(v) || Array.isArray(v))) {
        value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
    } else {
        out.set(prefix, value);
    }
    return out;
}

/** Equality of leaves; an unknown value is never equal to anything (the update decides it). */
function same(a: PlanValue, b: PlanValue): boolean {
    if (a instanceof Marker || b instanceof Marker) {
        return a === Marker.secret && b === Marker.secret;
    }
    return JSON.stringify(a) === JSON.stringify(b);
}

/** The changes from `before` to `after`, sorted by path. A secret on both sides counts as unchanged. */
export function diffValues(before: PlanValue | undefined, after: PlanValue | undefined): ValueChange[] {
    const from = before === undefined ? new Map<string, PlanValue>() : flatten(before);
    const to = after === undefined ? new Map<string, PlanValue>() : flatten(after);
    // A map replaced by an empty one (or the reverse) shows as its leaves going away, not as "{}" changing.
    for (const [side, other] of [
        [from, to],
        [to, from],
    ]) {
        for (const [path, value] of side) {
            if (isMap(value) && [...other.keys()].some((p) => p.startsWith(`${path}.`) || p.startsWith(`${path}[`))) {
                side.delete(path);
            }
        }
    }
    const paths = [...new Set([...from.keys(), ...to.keys()])].sort();
    const changes: ValueChange[] = [];
    for (const path of paths) {
        const has = { from: from.has(path), to: to.has(path) };
        if (has.from && has.to) {
            if (!same(from.get(path)!, to.get(path)!)) {
                changes.push({ path, kind: "changed", from: from.get(path), to: to.get(path) });
            }
        } else if (has.to) {
            changes.push({ path, kind: "added", to: to.get(path) });
        } else {
            changes.push({ path, kind: "removed", from: from.get(path) });
        }
    }
    return changes;
}
