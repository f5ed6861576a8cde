// What the two policies on the production release share: finding it, reading their config, reporting on it.
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import type { ServiceProfile } from "../config/service-profile";
import type { FieldSpec } from "../gate/config";
import { parsePolicyConfig, PolicyConfig } from "./config";
import { isProductionRelease, releaseLabel, releaseTrack } from "./release";

/** The violation for a config that cannot be used: it denies instead of passing silently. */
export function configProblem(err: unknown): string {
    return `the policy config cannot be used, so the promotion is denied: ${(err as Error).message}`;
}

/** A violation reporter whose messages start with the release (namespace/name). */
export function reporterFor(args: ResourceValidationArgs, reportViolation: ReportViolation): (message: string) => void {
    const release = releaseLabel(args);
    return (message) => reportViolation(`${release}: ${message}`);
}

/** Why a production-side Helm release that the config does not name is denied. */
export function unnamedReleaseProblem(
    args: ResourceValidationArgs,
    raw: Record<string, unknown>,
    profile: ServiceProfile,
): string {
    const track = releaseTrack(args, profile);
    const named = (key: string, fallback: string) => (typeof raw[key] === "string" ? raw[key] : fallback);
    return (
        `a Helm release with ${profile.track.label} ${track === undefined ? "(none)" : JSON.stringify(track)} that the policy config does not name as the production release ` +
        `(productionNamespace/productionRelease: ${named("productionNamespace", "mirador-prod")}/${named("productionRelease", "mirador-rca")}): ` +
        "the gate cannot tell what it would promote, so it is denied (name this release in the policy config, e.g. policy/prod.json)"
    );
}

/**
 * The policy's config when `args` is the production release; undefined when it is not, or when the config
 * cannot be used (then reported: a broken config denies instead of passing silently).
 */
export function productionConfig(
    args: ResourceValidationArgs,
    fields: Record<string, FieldSpec>,
    policy: string,
    report: (message: string) => void,
): PolicyConfig | undefined {
    const raw = args.getConfig<Record<string, unknown>>();
    if (!isProductionRelease(args, raw)) {
        return undefined;
    }
    try {
        return parsePolicyConfig(fields, raw, policy);
    } catch (err) {
        report(configProblem(err));
        return undefined;
    }
}
