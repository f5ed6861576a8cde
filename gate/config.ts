// The gate's configuration: every key with its default and meaning in one table (FIELDS), read from the CLI's
// --config file or from the policy pack's config, validated once, with messages that name the key.
import * as path from "path";
import { loadServiceProfile } from "../config/service-profile";
import { BurnWindow, pageWindows } from "./sloth-windows";

export type { BurnWindow } from "./sloth-windows";

/** The validated gate configuration. */
export interface GateConfig {
    /** Absolute path of the service profile: the track label and values, the request metric, the default spec. */
    profile: string;
    /** Absolute path of the Sloth spec whose SLOs the gate checks (scoped to the track label when read). */
    sloSpec: string;
    /** The label that tells canary from stable (the profile's track.label). */
    trackLabel: string;
    /** Its value on the canary's series (the profile's track.canary). */
    canaryTrack: string;
    /** The track value whose 30-day budget is checked (the profile's track.stable, or track.canary). */
    budgetTrack: string;
    /** The calls the canary handled: the profile's metrics.requests and grpc.service. */
    requests: { metric: string; serviceLabel: string; service: string };
    minSoakMinutes: number;
    minRequests: number;
    /** Sloth's page alert windows and factors for the SLO period (not a setting). */
    pageBurnWindows: BurnWindow[];
    soakBurnCeiling: number;
    periodBudgetFloor: number;
    alertSeverities: string[];
    queryTimeoutSeconds: number;
    /** How often Prometheus scrapes the canary, seconds. */
    scrapeIntervalSeconds: number;
    /** Scrapes the canary's newest sample may be behind the evaluation time before it counts as not reporting. */
    maxMissedScrapes: number;
    canaryLookback: string;
    canaryDigest?: string;
    canarySince?: Date;
}

/** A bad key or value in a config file, a policy config or a flag: exit code 2 in the CLI. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

type FieldType = "number" | "string" | "string[]";

/** One configuration key: its type, default and meaning (the policy pack's config schema is built from it). */
export interface FieldSpec {
    type: FieldType;
    description: string;
    default?: number | string | string[];
    minimum?: number;
    maximum?: number;
    pattern?: string;
}

export const DIGEST_PATTERN = "^sha256:[0-9a-f]{64}$";
const ISO_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$";

/** The service profile the gate reads when none is given. */
export const DEFAULT_PROFILE = "profiles/mirador-rca.yaml";

/** Every gate key, its default and what it means (docs/gate.md repeats this table for readers). */
export const GATE_FIELDS: Record<string, FieldSpec> = {
    profile: {
        type: "string",
        description:
            "service profile (profiles/<service>.yaml): the track label and its values, the request metric and the service; relative paths start at the config file (repo root for the default)",
        default: DEFAULT_PROFILE,
    },
    sloSpec: {
        type: "string",
        description:
            "Sloth spec with the SLOs to check (prometheus/v1 or sloth.slok.dev/v1), scoped to the profile's track label when read; default: the profile's derived spec slos/<profile name>.derived.yaml (npm run slos); relative paths start at the config file",
    },
    budgetTrack: {
        type: "string",
        description:
            "track whose 30-day error budget must stay above periodBudgetFloor: stable (the profile's track.stable, production) or canary (its track.canary, for the very first release)",
        default: "stable",
        pattern: "^(stable|canary)$",
    },
    minSoakMinutes: { type: "number", description: "minimum canary soak time, minutes", default: 30, minimum: 0 },
    minRequests: {
        type: "number",
        description: "minimum calls of the profile's gRPC service the canary handled over its soak window",
        default: 1000,
        minimum: 0,
    },
    soakBurnCeiling: {
        type: "number",
        description: "highest burn rate of the canary over its whole soak window",
        default: 1,
        minimum: 0,
    },
    periodBudgetFloor: {
        type: "number",
        description: "lowest remaining ratio of the 30-day error budget of budgetTrack (1 = untouched)",
        default: 0.1,
        maximum: 1,
    },
    alertSeverities: {
        type: "string[]",
        description: "sloth_severity values of the service's alerts that deny while firing",
        default: ["page", "ticket"],
    },
    queryTimeoutSeconds: {
        type: "number",
        description: "longest time one Prometheus query may take",
        default: 10,
        minimum: 0.001,
    },
    scrapeIntervalSeconds: {
        type: "number",
        description: "how often Prometheus scrapes the canary, seconds (Prometheus's default: 60)",
        default: 60,
        minimum: 1,
    },
    maxMissedScrapes: {
        type: "number",
        description:
            "scrape intervals the newest `up == 1` sample of the canary's targets may be old at evaluation time; older is a canary that does not report now, and denies",
        default: 3,
        minimum: 1,
    },
    canaryLookback: {
        type: "string",
        description: "how far back to look for the first `up == 1` sample of the canary's targets",
        default: "7d",
        pattern: "^[1-9][0-9]*[smhdw]$",
    },
    canaryDigest: {
        type: "string",
        description: "digest the canary runs (sha256:<64 hex>); default: the one its targets' image label carries now",
        pattern: DIGEST_PATTERN,
    },
    canarySince: {
        type: "string",
        description: "ISO-8601 time the canary started; default: the first `up == 1` sample of its digest",
        pattern: ISO_PATTERN,
    },
};

/** Keys the gate read before and reads no more: setting one is an error that says what became of it. */
export const RETIRED_FIELDS: Record<string, string> = {
    cacheHitRateFloor:
        "is no longer read: the cache-hit check is retired (the service exports no cache hit/miss counters; docs/gate.md); remove it",
    canaryTrack:
        "is no longer read: the track label and its canary value come from the service profile (track.label, track.canary); remove it, or set profile",
    pageBurnWindows:
        "is no longer read: the page windows and factors are Sloth's for the SLO period (30d: 5m/1h 14.4, 30m/6h 6), as in the rules Sloth generates; remove it",
};

/** The repository root, where the default Sloth spec lives. */
export const REPO_ROOT = path.resolve(__dirname, "..");

function describe(value: unknown): string {
    return JSON.stringify(value) ?? String(value);
}

function checkNumber(where: string, spec: FieldSpec, value: unknown): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new ConfigError(`${where}: ${describe(value)} is not a number`);
    }
    if (spec.minimum !== undefined && value < spec.minimum) {
        throw new ConfigError(`${where}: ${value} is below the minimum ${spec.minimum}`);
    }
    if (spec.maximum !== undefined && value > spec.maximum) {
        throw new ConfigError(`${where}: ${value} is above the maximum ${spec.maximum}`);
    }
    return value;
}

function checkString(where: string, spec: FieldSpec, value: unknown): string {
    if (typeof value !== "string" || value === "") {
        throw new ConfigError(`${where}: ${describe(value)} is not a non-empty string`);
    }
    if (spec.pattern !== undefined && !new RegExp(spec.pattern).test(value)) {
        throw new ConfigError(`${where}: '${value}' does not match ${spec.pattern}`);
    }
    return value;
}

/** Validates one value against its field spec; the message names `where`. */
export function checkField(where: string, spec: FieldSpec, value: unknown): unknown {
    switch (spec.type) {
        case "number":
            return checkNumber(where, spec, value);
        case "string":
            return checkString(where, spec, value);
        case "string[]":
            if (!Array.isArray(value) || value.length === 0) {
                throw new ConfigError(`${where}: expected a non-empty list of strings`);
            }
            return value.map((item, i) => checkString(`${where}[${i}]`, spec, item));
    }
}

/**
 * Validates raw key/values against a field table and fills in defaults. Unknown keys are errors, so that a typo
 * never silently falls back to a default.
 */
export function checkFields(
    fields: Record<string, FieldSpec>,
    input: Record<string, unknown>,
    source: string,
): Record<string, unknown> {
    const retired = Object.keys(input).filter((key) => key in RETIRED_FIELDS && !(key in fields));
    if (retired.length > 0) {
        throw new ConfigError(retired.map((key) => `${source}: ${key} ${RETIRED_FIELDS[key]}`).join("; "));
    }
    const unknownKeys = Object.keys(input).filter((key) => !(key in fields));
    if (unknownKeys.length > 0) {
        throw new ConfigError(
            `${source}: unknown key ${unknownKeys.join(", ")} (known: ${Object.keys(fields).join(", ")})`,
        );
    }
    const out: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(fields)) {
        const value = input[key];
        out[key] = value === undefined || value === null ? spec.default : checkField(`${source}: ${key}`, spec, value);
    }
    return out;
}

/** Parses an ISO-8601 time with a zone, as given to --canary-since or canarySince. */
export function parseCanarySince(text: string, where: string): Date {
    checkString(where, GATE_FIELDS.canarySince, text);
    const time = new Date(text);
    if (Number.isNaN(time.getTime())) {
        throw new ConfigError(`${where}: '${text}' is not a valid time (expected e.g. 2026-11-23T21:00:00Z)`);
    }
    return time;
}

/** Reads the profile for the gate: a problem with it is a ConfigError naming the `profile` key. */
function readProfile(file: string, where: string) {
    try {
        return loadServiceProfile(file);
    } catch (err) {
        throw new ConfigError(`${where}: ${(err as Error).message}`);
    }
}

/**
 * Builds the gate configuration from raw key/values (a config file or a policy config).
 * @param baseDir where a relative profile or sloSpec given in the input starts
 */
export function parseGateConfig(input: Record<string, unknown>, source: string, baseDir: string): GateConfig {
    const v = checkFields(GATE_FIELDS, input, source);
    const from = (key: string): string => (typeof input[key] === "string" ? baseDir : REPO_ROOT);
    const profileFile = path.resolve(from("profile"), v.profile as string);
    const profile = readProfile(profileFile, `${source}: profile`);
    const sloSpec =
        v.sloSpec === undefined
            ? path.join(REPO_ROOT, "slos", `${profile.name}.derived.yaml`)
            : path.resolve(baseDir, v.sloSpec as string);
    return {
        profile: profileFile,
        sloSpec,
        trackLabel: profile.track.label,
        canaryTrack: profile.track.canary,
        budgetTrack: v.budgetTrack === "canary" ? profile.track.canary : profile.track.stable,
        requests: {
            metric: profile.metrics.requests.name,
            serviceLabel: profile.metrics.requests.serviceLabel,
            service: profile.grpc.service,
        },
        minSoakMinutes: v.minSoakMinutes as number,
        minRequests: v.minRequests as number,
        pageBurnWindows: pageWindows(),
        soakBurnCeiling: v.soakBurnCeiling as number,
        periodBudgetFloor: v.periodBudgetFloor as number,
        alertSeverities: v.alertSeverities as string[],
        queryTimeoutSeconds: v.queryTimeoutSeconds as number,
        scrapeIntervalSeconds: v.scrapeIntervalSeconds as number,
        maxMissedScrapes: v.maxMissedScrapes as number,
        canaryLookback: v.canaryLookback as string,
        canaryDigest: v.canaryDigest as string | undefined,
        canarySince:
            v.canarySince === undefined
                ? undefined
                : parseCanarySince(v.canarySince as string, `${source}: canarySince`),
    };
}
