// Every key of the stack's config must be one the program reads, for the stack's role: a misspelt key or field
// (canry, canary.replicaCont) or a setting of the other role (canary on prod) is an error, never silently ignored.
import { CONFIG_KEYS, MOVED_KEYS, ROLE_STACKS, Scope } from "./keys";
import { ConfigSource } from "./reader";
import { DEFAULT_PROFILE } from "./profile-setting";
import { Role } from "./settings";
import { closest } from "./suggest";
import { Problems } from "./validate";

/** A value for a message; a secret is never shown. */
function shown(value: unknown, secret: boolean): string {
    return secret ? "[secret]" : JSON.stringify(value);
}

/** An empty value ("" or {}) is what Pulumi.yaml declares as the default of an unset key: it is not a setting. */
function isUnset(value: unknown): boolean {
    return (
        value === undefined ||
        value === null ||
        value === "" ||
        (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0)
    );
}

function unknownProblem(name: string, value: string, known: string[], prefix = ""): string {
    const guess = closest(name, known);
    const hint = guess ? `did you mean ${prefix}${guess}?` : "the settings are listed in README.md's config table";
    return `is not a setting of mirador-release (value ${value}): ${hint}`;
}

function otherRoleProblem(scope: Scope, role: Role, key: string, path: boolean): string {
    const rm = path ? `pulumi config rm --path ${key}` : `pulumi config rm ${key}`;
    return `is a setting of ${ROLE_STACKS[scope as Role]}, but this stack's role is ${role}: it would be ignored (remove it: ${rm})`;
}

/** A setting that moved or went (MOVED_KEYS): where, and how to remove it from the stack. */
function movedProblem(moved: string, value: string, key: string, path: boolean, profile: string): string {
    const rm = path ? `pulumi config rm --path ${key}` : `pulumi config rm ${key}`;
    return `(value ${value}) ${moved.replace("<profile>", profile)} (${rm})`;
}

/** A key's value: parsed when it is JSON (an object setting), else the text. */
function rawValue(config: ConfigSource, key: string): unknown {
    try {
        return config.getObject<unknown>(key) ?? config.get(key);
    } catch {
        return config.get(key);
    }
}

function readObject(config: ConfigSource, key: string): Record<string, unknown> | undefined {
    const v = rawValue(config, key);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The fields of one object key: each must be known, and read by this role. */
function checkFields(
    config: ConfigSource,
    key: string,
    fields: Record<string, Scope>,
    role: Role | undefined,
    p: Problems,
    profile: string,
) {
    const value = readObject(config, key);
    const secret = config.isSecret(key);
    for (const [field, fieldValue] of Object.entries(value ?? {})) {
        const scope = fields[field];
        const moved = MOVED_KEYS[`${key}.${field}`];
        if (moved !== undefined) {
            p.add(`${key}.${field}`, movedProblem(moved, shown(fieldValue, secret), `${key}.${field}`, true, profile));
        } else if (scope === undefined) {
            p.add(`${key}.${field}`, unknownProblem(field, shown(fieldValue, secret), Object.keys(fields), `${key}.`));
        } else if (role !== undefined && scope !== "all" && scope !== role && !isUnset(fieldValue)) {
            p.add(`${key}.${field}`, otherRoleProblem(scope, role, `${key}.${field}`, true));
        }
    }
}

/**
 * Records a problem for every key of the project's config that the program does not read for this role.
 * `role` is undefined when the role itself is wrong: then only the spelling is checked. `profile` is the stack's
 * service profile as the stack names it, for the message of a setting that moved there.
 */
export function checkKnownKeys(
    config: ConfigSource,
    role: Role | undefined,
    p: Problems,
    profile = DEFAULT_PROFILE,
): void {
    for (const key of config.keys()) {
        const spec = CONFIG_KEYS[key];
        const moved = MOVED_KEYS[key];
        if (moved !== undefined) {
            p.add(key, movedProblem(moved, shown(rawValue(config, key), config.isSecret(key)), key, false, profile));
            continue;
        }
        if (spec === undefined) {
            const value = shown(rawValue(config, key), config.isSecret(key));
            p.add(key, unknownProblem(key, value, Object.keys(CONFIG_KEYS)));
            continue;
        }
        if (role !== undefined && spec.scope !== "all" && spec.scope !== role) {
            if (!isUnset(rawValue(config, key))) {
                p.add(key, otherRoleProblem(spec.scope, role, key, false));
            }
            continue;
        }
        if (spec.fields !== undefined) {
            checkFields(config, key, spec.fields, role, p, profile);
        }
    }
}
