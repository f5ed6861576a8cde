// The string values of a Helm values tree, each at its dotted value path: where recorded values pin an image digest
// (config/helm-recorded-render.ts, and the policy pack's reading of a rollback, policy/release.ts). No imports: the
// policy pack loads it too.

/** Every string leaf of a values tree, at its dotted path (keys with a dot cannot be a value path: left out). */
export function stringLeaves(values: unknown, at = ""): [string, string][] {
    if (typeof values === "string") {
        return at === "" ? [] : [[at, values]];
    }
    if (typeof values !== "object" || values === null || Array.isArray(values)) {
        return [];
    }
    return Object.entries(values as Record<string, unknown>)
        .filter(([k]) => !k.includes("."))
        .flatMap(([k, v]) => stringLeaves(v, at === "" ? k : `${at}.${k}`));
}

/** The leaves that pin `digest`: the digest alone, or `<tag>@<digest>`. */
export function digestPins(values: unknown, digest: string): [string, string][] {
    return stringLeaves(values).filter(([, v]) => v === digest || v.endsWith(`@${digest}`));
}
