// Helm values overlays: the stack's values, with the program's pinned values (image digest, track) on top.
import * as pulumi from "@pulumi/pulumi";

export type Values = { [key: string]: pulumi.Input<unknown> };

function isPlainObject(v: unknown): v is Values {
    return typeof v === "object" && v !== null && !Array.isArray(v) && !pulumi.Output.isInstance(v);
}

/** Deep-merges `top` over `base`: objects merge key by key; anything else (lists, Outputs) is replaced. */
export function mergeValues(base: Values, top: Values): Values {
    const out: Values = { ...base };
    for (const [key, value] of Object.entries(top)) {
        const existing = out[key];
        out[key] = isPlainObject(existing) && isPlainObject(value) ? mergeValues(existing, value) : value;
    }
    return out;
}
