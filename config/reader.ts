// Typed access to the stack's config keys that records problems instead of throwing on the first one.
import * as pulumi from "@pulumi/pulumi";
import { Problems } from "./validate";

/** What the loader reads config through; `pulumiConfigSource` for programs, a map-backed one in tests. */
export interface ConfigSource {
    /** Every key set in the project's namespace, without the "mirador-release:" prefix. */
    keys(): string[];
    get(key: string): string | undefined;
    getObject<T>(key: string): T | undefined;
    /** Whether the stored value is encrypted (set with --secret). */
    isSecret(key: string): boolean;
}

// @pulumi/pulumi knows which config keys were set with --secret, but marks that function internal.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(fullKey: string): boolean };

/** The stack's config as the Pulumi engine hands it to the program. */
export function pulumiConfigSource(): ConfigSource {
    const config = new pulumi.Config();
    const prefix = `${pulumi.getProject()}:`;
    return {
        keys: () =>
            Object.keys(pulumi.runtime.allConfig())
                .filter((k) => k.startsWith(prefix))
                .map((k) => k.slice(prefix.length)),
        get: (key) => config.get(key),
        getObject: <T>(key: string) => config.getObject<T>(key),
        isSecret: (key) => runtimeConfig.isConfigSecret(`${pulumi.getProject()}:${key}`),
    };
}

type Obj = Record<string, unknown>;

export class Reader {
    constructor(
        private readonly source: ConfigSource,
        readonly problems: Problems,
    ) {}

    /** A string key, or its default. */
    string(key: string, fallback: string): string;
    string(key: string): string | undefined;
    string(key: string, fallback?: string): string | undefined {
        const v = this.source.get(key);
        return v === undefined || v === "" ? fallback : v;
    }

    /** A string key that must be set; records a problem naming how to set it. */
    requireString(key: string, example: string): string {
        const v = this.string(key);
        if (v === undefined) {
            this.problems.add(key, `is not set (set it with: pulumi config set ${key} ${example})`);
            return "";
        }
        return v;
    }

    /** Whether a key is stored encrypted (a structured key is, when any of its fields was set with --secret). */
    isSecret(key: string): boolean {
        return this.source.isSecret(key);
    }

    /** A structured key (pulumi config set --path key.field value); undefined when unset. */
    object(key: string): Obj {
        let v: unknown;
        try {
            v = this.source.getObject<unknown>(key);
        } catch {
            this.problems.add(key, "is not valid JSON/YAML (expected an object)");
            return {};
        }
        if (v === undefined || v === null) {
            return {};
        }
        if (typeof v !== "object" || Array.isArray(v)) {
            this.problems.add(key, `must be an object, found ${JSON.stringify(v)}`);
            return {};
        }
        return v as Obj;
    }

    /**
     * A secret key, as a secret Output. Records a problem when it is required and missing, and when it is stored
     * in plaintext (it would then sit unencrypted in the stack file).
     */
    secret(key: string, required: boolean, what: string): pulumi.Output<string> | undefined {
        const v = this.source.get(key);
        if (v === undefined || v === "") {
            if (required) {
                this.problems.add(key, `is not set: ${what} (set it with: pulumi config set --secret ${key} <value>)`);
            }
            return undefined;
        }
        if (!this.source.isSecret(key)) {
            this.problems.add(
                key,
                `is stored in plaintext: ${what} must be encrypted (run: pulumi config set --secret ${key} <value>)`,
            );
        }
        return pulumi.secret(v);
    }

    /** A field of an object key, as a string. */
    field(obj: Obj, key: string, field: string, fallback: string): string;
    field(obj: Obj, key: string, field: string): string | undefined;
    field(obj: Obj, key: string, field: string, fallback?: string): string | undefined {
        const v = obj[field];
        if (v === undefined || v === null || v === "") {
            return fallback;
        }
        if (typeof v !== "string" && typeof v !== "number") {
            this.problems.add(`${key}.${field}`, `must be a string, found ${JSON.stringify(v)}`);
            return fallback;
        }
        return String(v);
    }

    /** A boolean field; accepts true/false and their string forms. */
    flag(obj: Obj, key: string, field: string, fallback: boolean): boolean {
        const v = obj[field];
        if (v === undefined || v === null) {
            return fallback;
        }
        if (v === true || v === "true") {
            return true;
        }
        if (v === false || v === "false") {
            return false;
        }
        this.problems.add(`${key}.${field}`, `must be true or false, found ${JSON.stringify(v)}`);
        return fallback;
    }

    /** A numeric field within [min, max]; `whole` demands an integer. */
    number(
        obj: Obj,
        key: string,
        field: string,
        fallback: number,
        range: { min: number; max: number; whole?: boolean },
    ) {
        const v = obj[field];
        if (v === undefined || v === null || v === "") {
            return fallback;
        }
        const n = typeof v === "number" ? v : Number(v);
        const wholeOk = !range.whole || Number.isInteger(n);
        if (typeof v === "boolean" || !Number.isFinite(n) || !wholeOk || n < range.min || n > range.max) {
            const kind = range.whole ? "a whole number" : "a number";
            this.problems.add(
                `${key}.${field}`,
                `is ${JSON.stringify(v)}, expected ${kind} from ${range.min} to ${range.max} (default ${fallback})`,
            );
            return fallback;
        }
        return n;
    }

    /** A map of string to string (labels). */
    stringMap(obj: Obj, key: string, field: string): Record<string, string> {
        const v = obj[field];
        if (v === undefined || v === null) {
            return {};
        }
        if (typeof v !== "object" || Array.isArray(v)) {
            this.problems.add(`${key}.${field}`, `must be a map of strings, found ${JSON.stringify(v)}`);
            return {};
        }
        const out: Record<string, string> = {};
        for (const [k, val] of Object.entries(v as Obj)) {
            if (typeof val !== "string") {
                this.problems.add(`${key}.${field}.${k}`, `must be a string, found ${JSON.stringify(val)}`);
                continue;
            }
            out[k] = val;
        }
        return out;
    }

    /** A list of strings. */
    stringList(obj: Obj, key: string, field: string, fallback: string[]): string[] {
        const v = obj[field];
        if (v === undefined || v === null) {
            return fallback;
        }
        if (!Array.isArray(v) || v.some((s) => typeof s !== "string" || s.trim() === "")) {
            this.problems.add(`${key}.${field}`, `must be a list of non-empty strings, found ${JSON.stringify(v)}`);
            return fallback;
        }
        return v as string[];
    }
}
