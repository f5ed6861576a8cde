// What a reviewer asks of a preview, derived from its facts: which version, what changes, which Helm values,
// which side effects happen and which do not, and whether the engine would stop.
import { OBJECT_CHANGES_HEADING } from "../components/release-object-changes";
import { Action, PlanValue, PreviewFacts, ResourceStep } from "./events";
import { operation } from "./operation";
import { diffValues, ValueChange } from "./values-diff";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

export interface HelmReleasePlan {
    /** namespace/name */
    label: string;
    resource: string;
    action: Action;
    values: ValueChange[];
    /** Other inputs of the release that change (chart, valueYamlFiles, timeout, ...), from and to. */
    otherInputs: ValueChange[];
    /** What changed behind the program's back (values.releaseDrift, components/release-drift.ts), if anything. */
    drift?: string;
    /**
     * What the upgrade deletes or renames in the cluster (components/release-object-changes.ts: the warning on the
     * release), one line each ("Service a → b (a likely rename: …; outage risk)"); [] when nothing.
     */
    objectChanges: string[];
}

/** The lines of ChartRelease's object-changes warning on this release, if the preview carried one. */
export function objectChanges(facts: PreviewFacts, step: ResourceStep): string[] {
    return (facts.resourceWarnings?.[step.urn] ?? [])
        .filter((m) => m.startsWith(OBJECT_CHANGES_HEADING))
        .flatMap((m) => m.split("\n").filter((l) => l.startsWith("- ")))
        .map((l) => l.slice(2));
}

/** The drift ChartRelease found while the preview ran: a new values.releaseDrift other than "none". */
function releaseDrift(step: ResourceStep): string | undefined {
    const field = (inputs: Record<string, PlanValue> | undefined) => {
        const values = inputs?.values;
        return values && typeof values === "object" && !Array.isArray(values) && "releaseDrift" in values
            ? values.releaseDrift
            : undefined;
    };
    const now = field(step.newInputs);
    return typeof now === "string" && now !== "none" && now !== field(step.oldInputs) ? now : undefined;
}

export interface SideEffect {
    what: string;
    happens: boolean;
    why: string;
}

export interface PlanSummary {
    stack: string;
    role: string;
    /** "abort of the canary 0.4.1" or "rollback 0.4.1 → 0.4.0"; undefined for a release. */
    operation?: string;
    versionFrom?: PlanValue;
    versionTo?: PlanValue;
    imageDigest: { from?: PlanValue; to?: PlanValue };
    chartDigest: { from?: PlanValue; to?: PlanValue };
    /** The release steps (custom resources, no providers or stack references). */
    steps: ResourceStep[];
    counts: Record<Action, number>;
    releases: HelmReleasePlan[];
    sideEffects: SideEffect[];
    /** Why `pulumi up` would stop before it changes anything, if it would. */
    blocked?: string;
}

function isStep(s: ResourceStep): boolean {
    return s.custom && !s.type.startsWith("pulumi:providers:") && s.type !== "pulumi:pulumi:StackReference";
}

function parseJsonConfig(text: string | undefined): Record<string, unknown> {
    try {
        const value = JSON.parse(text ?? "{}") as unknown;
        return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
    } catch {
        return {};
    }
}

function helmRelease(step: ResourceStep, facts: PreviewFacts): HelmReleasePlan {
    const inputs = step.newInputs ?? step.oldInputs ?? {};
    const text = (v: PlanValue | undefined, fallback: string) => (typeof v === "string" ? v : fallback);
    const label = `${text(inputs.namespace, "?")}/${text(inputs.name, step.name)}`;
    const values = diffValues(
        step.action === "create" ? undefined : step.oldInputs?.values,
        step.action === "delete" ? undefined : step.newInputs?.values,
    );
    return {
        label,
        resource: step.name,
        action: step.action,
        values,
        otherInputs: step.changedKeys
            .filter((k) => k !== "values")
            .map((k) => ({ path: k, kind: "changed", from: step.oldInputs?.[k], to: step.newInputs?.[k] })),
        drift: releaseDrift(step),
        objectChanges: objectChanges(facts, step),
    };
}

function blockedBy(facts: PreviewFacts): string | undefined {
    const mandatory = facts.violations.filter((v) => v.level === "mandatory");
    if (mandatory.length > 0) {
        const policies = [...new Set(mandatory.map((v) => v.policy))].join(", ");
        return `denied by the policy pack (${mandatory.length} mandatory violation${mandatory.length === 1 ? "" : "s"}: ${policies})`;
    }
    if (facts.result === "failed") {
        return facts.errors.length > 0 ? "the preview failed (errors below)" : "the preview failed";
    }
    return undefined;
}

/**
 * A side effect done by the step named `suffix` (e.g. tag-git-tag) or of type `type`. `onUpdate` says what an
 * update of the step does instead of the side effect, when it does not repeat it (the announcement's update).
 */
function effect(
    what: string,
    step: ResourceStep | undefined,
    absent: string,
    blocked: string | undefined,
    onUpdate?: string,
): SideEffect {
    if (step === undefined) {
        return { what, happens: false, why: absent };
    }
    switch (step.action) {
        case "create":
        case "replace":
            return blocked === undefined
                ? { what, happens: true, why: step.action === "create" ? "new in this release" : "runs again" }
                : { what, happens: false, why: `would happen, but ${blocked}` };
        case "same":
            return { what, happens: false, why: "already done for this version (unchanged)" };
        case "update":
            if (onUpdate !== undefined) {
                return { what, happens: false, why: `${onUpdate} (${step.changedKeys.join(", ")} changed)` };
            }
            return blocked === undefined
                ? { what, happens: true, why: `updated: ${step.changedKeys.join(", ")}` }
                : { what, happens: false, why: `would be updated, but ${blocked}` };
        default:
            return { what, happens: false, why: step.action };
    }
}

function sideEffects(facts: PreviewFacts, steps: ResourceStep[], blocked: string | undefined): SideEffect[] {
    const cfg = facts.config;
    const version = cfg.version ?? "?";
    const tag = `v${version.replace(/^v/, "")}`;
    const remote = cfg.gitRemote || "origin";
    const github = parseJsonConfig(cfg.github);
    const named = (suffix: string) => steps.find((s) => s.name.endsWith(suffix));
    const what = {
        tag: `git tag ${tag} pushed to ${remote}`,
        release: `GitHub release ${tag}`,
        milestone: `milestone ${tag} closed`,
        announce: "announcement in Slack #mirador-release",
    };
    if (cfg.role !== "production") {
        const why = "staging ships the canary only: production does this after the gate";
        return Object.values(what).map((w) => ({ what: w, happens: false, why }));
    }
    const githubOff = github.enabled === false ? "switched off (github.enabled: false)" : "not declared";
    const rollback = cfg.rollback
        ? [
              effect(
                  "rollback message in Slack #mirador-release",
                  named("rollback-announcement-post"),
                  "no slackWebhookUrl set: no message",
                  blocked,
                  "already posted for this rollback: an update does not post again",
              ),
          ]
        : [];
    const milestoneOff =
        github.enabled === false
            ? githubOff
            : github.closeMilestone === false
              ? "github.closeMilestone: false"
              : "not declared";
    return [
        effect(what.tag, named("-git-tag"), "not declared", blocked),
        effect(
            what.release,
            // Each version's release is its own resource; the previous version's is only retained.
            steps.find((s) => s.type === "github:index/release:Release" && s.action !== "retain"),
            githubOff,
            blocked,
        ),
        effect(what.milestone, named("-close-milestone"), milestoneOff, blocked),
        effect(
            what.announce,
            named("-slack"),
            "no slackWebhookUrl set: no announcement",
            blocked,
            "already posted for this release: an update does not post again",
        ),
        ...rollback,
    ];
}

/** The summary of one preview. */
export function summarize(facts: PreviewFacts): PlanSummary {
    const steps = facts.steps.filter(isStep);
    const counts = { create: 0, update: 0, replace: 0, delete: 0, retain: 0, same: 0, read: 0, import: 0 };
    for (const s of steps) {
        counts[s.action]++;
    }
    const blocked = blockedBy(facts);
    const before = facts.previousOutputs;
    const after = facts.nextOutputs;
    const failedEarly = facts.result === "failed" && Object.keys(after).length === 0;
    const to = (key: string): PlanValue | undefined => (failedEarly ? undefined : (after[key] ?? undefined));
    return {
        stack: facts.stack,
        role: facts.config.role ?? "?",
        operation: operation(facts),
        versionFrom: before.version,
        versionTo: facts.config.version,
        imageDigest: { from: before.imageDigest, to: to("imageDigest") },
        chartDigest: { from: before.chartDigest, to: to("chartDigest") },
        steps,
        counts,
        releases: steps
            .filter((s) => s.type === HELM_RELEASE && s.action !== "same")
            .map((st) => helmRelease(st, facts)),
        sideEffects: sideEffects(facts, steps, blocked),
        blocked,
    };
}
