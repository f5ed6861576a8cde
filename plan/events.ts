// The engine events of one `pulumi preview` reduced to what a release plan shows: each resource's step with its old
// and new inputs, the policy violations, the errors, and the stack's outputs before and after. Unknown values
// (computed during the update) and secrets become markers here, so that no later stage can print a secret.
import type { EngineEvent, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";

/** A value the engine will only know during the update, or a secret: never printed as it is. */
export class Marker {
    private constructor(readonly kind: "unknown" | "secret") {}
    static readonly unknown = new Marker("unknown");
    static readonly secret = new Marker("secret");
}

export type PlanValue = string | number | boolean | null | Marker | PlanValue[] | { [key: string]: PlanValue };

/**
 * What a step does to one resource, with the replacement steps of the engine folded into one. "retain" is a delete
 * of a resource kept on delete (retainOnDelete): it leaves the program and the state, and stays where it is.
 */
export type Action = "create" | "update" | "replace" | "delete" | "retain" | "same" | "read" | "import";

export interface ResourceStep {
    urn: string;
    type: string;
    /** The resource's own name (the last part of its URN). */
    name: string;
    /** The name of the component it belongs to, if any. */
    component?: string;
    action: Action;
    /** A custom resource (a real step of the release) rather than a component or the stack. */
    custom: boolean;
    /** The top-level inputs that differ (engine's diff). */
    changedKeys: string[];
    /** The inputs whose change forces the replacement. */
    replaceKeys: string[];
    oldInputs?: Record<string, PlanValue>;
    newInputs?: Record<string, PlanValue>;
}

export interface PolicyViolation {
    policy: string;
    pack: string;
    /** mandatory stops the update; advisory (warning) does not. */
    level: string;
    message: string;
    /** The resource's own name, when the violation is on one resource. */
    resource?: string;
}

export interface PreviewFacts {
    stack: string;
    project: string;
    /** The stack's config as the engine reports it (secrets already "[secret]"), keys without the project. */
    config: Record<string, string>;
    steps: ResourceStep[];
    violations: PolicyViolation[];
    /** Policies the engine could not run during the preview (a value they read is computed by the update). */
    notRun: PolicyViolation[];
    /** The policies that passed on each resource (by its name), from the engine's policy summaries. */
    passed: Record<string, string[]>;
    /** Error diagnostics (a failed preview says why here). */
    errors: string[];
    /** Warning diagnostics. */
    warnings: string[];
    /** The warnings on one resource, by its URN (ChartRelease names what an upgrade deletes or renames there). */
    resourceWarnings?: Record<string, string[]>;
    /** The stack's outputs in its current state (empty before the first update). */
    previousOutputs: Record<string, PlanValue>;
    /** The stack's outputs as this preview declares them (unknown where the update computes them). */
    nextOutputs: Record<string, PlanValue>;
    /** "succeeded" or "failed", from the engine's summary; "failed" when none came. */
    result: "succeeded" | "failed";
}

/** The engine's notice for a policy that reads a value the preview does not know yet. */
const NOT_RUN = /^can't run policy '[^']*' from policy pack '[^']*' during preview: ([\s\S]*)$/;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";

/** Engine JSON to plan values: unknowns and secrets become markers, assets their path or "<asset>". */
export function planValue(raw: unknown): PlanValue {
    if (raw === UNKNOWN) {
        return Marker.unknown;
    }
    if (raw === null || raw === undefined) {
        return null;
    }
    if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") {
        return raw;
    }
    if (Array.isArray(raw)) {
        return raw.map(planValue);
    }
    const obj = raw as Record<string, unknown>;
    if (SECRET_SIG in obj) {
        return Marker.secret;
    }
    if (ASSET_SIG in obj || ARCHIVE_SIG in obj) {
        const where = obj.path ?? obj.uri;
        return typeof where === "string" ? where : "<asset>";
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, planValue(v)]));
}

function record(raw: unknown): Record<string, PlanValue> | undefined {
    const value = raw === null || raw === undefined ? undefined : planValue(raw);
    return value !== undefined && typeof value === "object" && value !== null && !(value instanceof Marker)
        ? (value as Record<string, PlanValue>)
        : undefined;
}

/** urn:pulumi:<stack>::<project>::<parent types$>type::<name> */
export function parseUrn(urn: string): { stack: string; project: string; type: string; name: string } {
    const parts = urn.split("::");
    const types = (parts[2] ?? "").split("$");
    return {
        stack: (parts[0] ?? "").replace(/^urn:pulumi:/, ""),
        project: parts[1] ?? "",
        type: types[types.length - 1],
        name: parts.slice(3).join("::"),
    };
}

const FOLD: Partial<Record<OpType, Action>> = {
    same: "same",
    create: "create",
    update: "update",
    delete: "delete",
    replace: "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
    read: "read",
    "read-replacement": "read",
    import: "import",
    "import-replacement": "import",
};

/** When several steps touch one resource, the strongest one names the action. */
const STRENGTH: Action[] = ["same", "read", "import", "update", "create", "retain", "delete", "replace"];

function stronger(a: Action, b: Action): Action {
    return STRENGTH.indexOf(a) >= STRENGTH.indexOf(b) ? a : b;
}

function changedKeys(meta: StepEventMetadata): { changed: string[]; replace: string[] } {
    const detailed = meta.detailedDiff ?? {};
    const fromDetail = Object.keys(detailed).map((path) => path.split(/[.[]/)[0]);
    const changed = [...new Set([...(meta.diffs ?? []), ...fromDetail])].sort();
    const replaceDetail = Object.entries(detailed)
        .filter(([, d]) => d.diffKind.endsWith("-replace"))
        .map(([path]) => path.split(/[.[]/)[0]);
    const replace = [...new Set([...(meta.keys ?? []), ...replaceDetail])].sort();
    return { changed, replace };
}

function stepOf(meta: StepEventMetadata, components: Map<string, string>): ResourceStep | undefined {
    const folded = FOLD[meta.op];
    const action = folded === "delete" && meta.old?.retainOnDelete === true ? "retain" : folded;
    if (action === undefined) {
        return undefined;
    }
    const { name, type } = parseUrn(meta.urn);
    const state = meta.new ?? meta.old;
    const parentUrn = state?.parent ?? "";
    const { changed, replace } = changedKeys(meta);
    const step: ResourceStep = {
        urn: meta.urn,
        type,
        name,
        action,
        custom: state?.custom === true,
        changedKeys: changed,
        replaceKeys: action === "replace" ? replace : [],
        oldInputs: record(meta.old?.inputs),
        newInputs: record(meta.new?.inputs),
    };
    const component = components.get(parentUrn);
    if (component !== undefined) {
        step.component = component;
    }
    return step;
}

function configWithoutProject(config: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.slice(k.indexOf(":") + 1), v]));
}

/** Reduces the events of one preview (in any order of arrival) to the facts of its plan. */
export function reduceEvents(events: EngineEvent[]): PreviewFacts {
    const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
    const components = new Map<string, string>();
    const steps = new Map<string, ResourceStep>();
    const facts: PreviewFacts = {
        stack: "",
        project: "",
        config: {},
        steps: [],
        violations: [],
        notRun: [],
        passed: {},
        errors: [],
        warnings: [],
        previousOutputs: {},
        nextOutputs: {},
        result: "failed",
    };
    for (const e of sorted) {
        const meta = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
        if (meta !== undefined) {
            const { stack, project, name } = parseUrn(meta.urn);
            if (meta.type === "pulumi:pulumi:Stack") {
                facts.stack = stack;
                facts.project = project;
                facts.previousOutputs = record(meta.old?.outputs) ?? facts.previousOutputs;
                if (e.resOutputsEvent !== undefined) {
                    facts.nextOutputs = record(meta.new?.outputs) ?? facts.nextOutputs;
                }
                continue;
            }
            if (meta.new?.custom !== true && meta.old?.custom !== true) {
                components.set(meta.urn, name);
            }
            const step = stepOf(meta, components);
            if (step !== undefined) {
                const seen = steps.get(step.urn);
                steps.set(
                    step.urn,
                    seen === undefined
                        ? step
                        : {
                              ...seen,
                              action: stronger(seen.action, step.action),
                              changedKeys: [...new Set([...seen.changedKeys, ...step.changedKeys])].sort(),
                              replaceKeys: [...new Set([...seen.replaceKeys, ...step.replaceKeys])].sort(),
                              oldInputs: seen.oldInputs ?? step.oldInputs,
                              newInputs: step.newInputs ?? seen.newInputs,
                          },
                );
            }
        } else if (e.preludeEvent !== undefined) {
            facts.config = configWithoutProject(e.preludeEvent.config);
        } else if (e.policyEvent !== undefined) {
            const p = e.policyEvent;
            // The engine prefixes what the policy reported with the policy's description and a newline.
            const text = p.message.trim();
            const reported = text.includes("\n") ? text.slice(text.indexOf("\n") + 1).trim() : text;
            const notRun = NOT_RUN.exec(text);
            (notRun ? facts.notRun : facts.violations).push({
                policy: p.policyName,
                pack: p.policyPackName,
                level: p.enforcementLevel,
                message: notRun ? notRun[1] : reported,
                ...(p.resourceUrn ? { resource: parseUrn(p.resourceUrn).name } : {}),
            });
        } else if ("policyAnalyzeSummaryEvent" in e) {
            // Newer engines than this SDK's types send which policies passed on each resource.
            const p = (e as { policyAnalyzeSummaryEvent: { resourceUrn?: string; passed?: string[] } })
                .policyAnalyzeSummaryEvent;
            if (p.resourceUrn && p.passed && p.passed.length > 0) {
                const name = parseUrn(p.resourceUrn).name;
                facts.passed[name] = [...new Set([...(facts.passed[name] ?? []), ...p.passed])].sort();
            }
        } else if (e.diagnosticEvent?.severity === "error") {
            facts.errors.push(e.diagnosticEvent.message.trim());
        } else if (e.diagnosticEvent?.severity === "warning") {
            const message = e.diagnosticEvent.message.trim();
            facts.warnings.push(message);
            const urn = e.diagnosticEvent.urn;
            if (urn) {
                facts.resourceWarnings = facts.resourceWarnings ?? {};
                facts.resourceWarnings[urn] = [...(facts.resourceWarnings[urn] ?? []), message];
            }
        } else if (e.summaryEvent !== undefined) {
            const summary = e.summaryEvent as { result?: string };
            facts.result = summary.result === "failed" ? "failed" : "succeeded";
        }
    }
    facts.steps = [...steps.values()];
    // The engine's closing "preview failed" says nothing the violations do not say better.
    if (facts.violations.some((v) => v.level === "mandatory")) {
        facts.errors = facts.errors.filter((m) => m !== "preview failed");
    }
    return facts;
}
