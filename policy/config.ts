// The policy pack's config (--policy-pack-config): the gate's keys with their defaults, plus where Prometheus is and
// which Helm release is production. The JSON schema the engine validates is built from the same tables.
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { loadServiceProfile, ServiceProfile } from "../config/service-profile";
import { checkFields, FieldSpec, GATE_FIELDS, GateConfig, parseGateConfig, REPO_ROOT } from "../gate/config";

/** Keys of the pack beyond the gate's own. */
export const TARGET_FIELDS: Record<string, FieldSpec> = {
    prometheusUrl: {
        type: "string",
        description: "Prometheus that scrapes the canary and evaluates the Sloth rules (required for the gate)",
        pattern: "^https?://",
    },
    productionNamespace: {
        type: "string",
        description: "namespace of the production Helm release",
        default: "mirador-prod",
    },
    productionRelease: { type: "string", description: "name of the production Helm release", default: "mirador-rca" },
};

/** The keys promote-canaried-digest reads. */
const DIGEST_KEYS = ["profile", "canaryDigest", "canarySince", "canaryLookback", "queryTimeoutSeconds"];

export const SLO_GATE_FIELDS: Record<string, FieldSpec> = { ...TARGET_FIELDS, ...GATE_FIELDS };
export const DIGEST_FIELDS: Record<string, FieldSpec> = {
    ...TARGET_FIELDS,
    ...Object.fromEntries(DIGEST_KEYS.map((key) => [key, GATE_FIELDS[key]])),
};

/** A parsed policy config. */
export interface PolicyConfig {
    prometheusUrl?: string;
    productionNamespace: string;
    productionRelease: string;
    gate: GateConfig;
    /** The service profile the gate config names. */
    profile: ServiceProfile;
}

function schemaOf(spec: FieldSpec): PolicyConfigJSONSchema {
    const common = { description: spec.description, default: spec.default as PolicyConfigJSONSchema["default"] };
    switch (spec.type) {
        case "number":
            return { ...common, type: "number", minimum: spec.minimum, maximum: spec.maximum };
        case "string":
            return { ...common, type: "string", pattern: spec.pattern };
        case "string[]":
            return { ...common, type: "array", items: { type: "string" }, minItems: 1 };
    }
}

/** The engine-facing schema of a field table (undefined members dropped). */
export function configSchema(fields: Record<string, FieldSpec>): PolicyConfigSchema {
    const properties = Object.fromEntries(
        Object.entries(fields).map(([key, spec]) => [key, JSON.parse(JSON.stringify(schemaOf(spec))) as object]),
    );
    return { properties };
}

/** Validates a policy's config (what args.getConfig() returns) against its table; relative paths start at the repo. */
export function parsePolicyConfig(
    fields: Record<string, FieldSpec>,
    raw: Record<string, unknown>,
    policy: string,
): PolicyConfig {
    const source = `policy config of ${policy}`;
    const v = checkFields(fields, raw, source);
    const gateRaw = Object.fromEntries(Object.entries(raw).filter(([key]) => key in GATE_FIELDS));
    const gate = parseGateConfig(gateRaw, source, REPO_ROOT);
    return {
        prometheusUrl: v.prometheusUrl as string | undefined,
        productionNamespace: v.productionNamespace as string,
        productionRelease: v.productionRelease as string,
        gate,
        profile: loadServiceProfile(gate.profile),
    };
}
