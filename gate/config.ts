// The gate's configuration: every key with its default and meaning in one table (FIELDS), read from the CLI's
// --config file or from the policy pack's config, validated once, with messages that name the key.
import * as path from "path";

/** A pair of windows whose burn rates must both stay at or under a factor (Sloth's page alert windows). */
export interface BurnWindow {
    short: string;
    long: string;
    factor: number;
}

/** The validated gate configuration. */
export interface GateConfig {
    /** Absolute path of the Sloth spec whose SLOs the gate checks. */
    sloSpec: string;
    canaryTrack: string;
    budgetTrack: string;
    minSoakMinutes: number;
    minRequests: number;
    pageBurnWindows: BurnWindow[];
    soakBurnCeiling: number;
    periodBudgetFloor: number;
    cacheHitRateFloor: number;
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

type FieldType = "number" | "string" | "string[]" | "burn-windows";

/** One configuration key: its type, default and meaning (the policy pack's config schema is built from it). */
export interface FieldSpec {
    type: FieldType;
    description: string;
    default?: number | string | string[] | BurnWindow[];
    minimum?: number;
    maximum?: number;
    pattern?: string;
}

/** The windows Sloth records (slo:sli_error:ratio_rate<window>), the only ones a burn check can read. */
export const SLOTH_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"];

export const DIGEST_PATTERN = "^sha256:[0-9a-f]{64}$";
const ISO_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$";

/** Every gate key, its default and what it means (docs/gate.md repeats this table for readers). */
export const GATE_FIELDS: Record<string, FieldSpec> = {
    sloSpec: {
        type: "string",
        description:
            "Sloth spec with the SLOs to check; relative paths start at the config file (repo root for the default)",
        default: "slos/mirador-rca.yaml",
    },
    canaryTrack: {
        type: "string",
        description: "value of the `track` label on the canary's series",
        default: "canary",
    },
    budgetTrack: {
        type: "string",
        description: "track whose 30-day error budget must stay above periodBudgetFloor (production)",
        default: "stable",
    },
    minSoakMinutes: { type: "number", description: "minimum canary soak time, minutes", default: 30, minimum: 0 },
    minRequests: {
        type: "number",
        description: "minimum RCAService requests the canary handled over its soak window",
        default: 1000,
        minimum: 0,
    },
    pageBurnWindows: {
        type: "burn-windows",
        description: "canary burn-rate window pairs; both windows over the factor deny (Sloth's page alerts)",
        default: [
            { short: "5m", long: "1h", factor: 14.4 },
            { short: "30m", long: "6h", factor: 6 },
        ],
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
    cacheHitRateFloor: {
        type: "number",
        description: "lowest canary cache hit rate over its soak window",
        default: 0.5,
        minimum: 0,
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
            "scrape intervals the canary's newest mirador_rca_build_info sample may be old at evaluation time; older is a canary that does not report now, and denies",
        default: 3,
        minimum: 1,
    },
    canaryLookback: {
        type: "string",
        description: "how far back to look for the canary's first mirador_rca_build_info sample",
        default: "7d",
        pattern: "^[1-9][0-9]*[smhdw]$",
    },
    canaryDigest: {
        type: "string",
        description: "digest the canary runs (sha256:<64 hex>); default: the one it reports now",
        pattern: DIGEST_PATTERN,
    },
    canarySince: {
        type: "string",
        description: "ISO-8601 time the canary started; default: its first mirador_rca_build_info sample",
        pattern: ISO_PATTERN,
    },
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

function checkBurnWindows(where: string, value: unknown): BurnWindow[] {
    if (!Array.isArray(value) || value.length === 0) {
        throw new ConfigError(`${where}: expected a non-empty list of {short, long, factor}`);
    }
    return value.map((item: unknown, i) => {
        const entry = (item ?? {}) as Record<string, unknown>;
        const at = `${where}[${i}]`;
        for (const key of ["short", "long"]) {
            if (typeof entry[key] !== "string" || !SLOTH_WINDOWS.includes(entry[key])) {
                throw new ConfigError(
                    `${at}.${key}: ${describe(entry[key])} is not one of ${SLOTH_WINDOWS.join(", ")}`,
                );
            }
        }
        const factor = checkNumber(`${at}.factor`, { type: "number", description: "", minimum: 0 }, entry.factor);
        return { short: entry.short as string, long: entry.long as string, factor };
    });
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
        case "burn-windows":
            return checkBurnWindows(where, value);
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

/**
 * Builds the gate configuration from raw key/values (a config file or a policy config).
 * @param baseDir where a relative sloSpec given in the input starts
 */
export function parseGateConfig(input: Record<string, unknown>, source: string, baseDir: string): GateConfig {
    const given = typeof input.sloSpec === "string";
    const v = checkFields(GATE_FIELDS, input, source);
    return {
        sloSpec: path.resolve(given ? baseDir : REPO_ROOT, v.sloSpec as string),
        canaryTrack: v.canaryTrack as string,
        budgetTrack: v.budgetTrack as string,
        minSoakMinutes: v.minSoakMinutes as number,
        minRequests: v.minRequests as number,
        pageBurnWindows: v.pageBurnWindows as BurnWindow[],
        soakBurnCeiling: v.soakBurnCeiling as number,
        periodBudgetFloor: v.periodBudgetFloor as number,
        cacheHitRateFloor: v.cacheHitRateFloor as number,
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
