// Reading the Helm releases the program declares (kubernetes:helm.sh/v3:Release) from policy arguments.
import type { ResourceValidationArgs } from "@pulumi/policy";
// Re-exported for the tests at the root, where @pulumi/policy (installed in policy/) does not resolve.
export type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { DIGEST_PATTERN, GATE_FIELDS } from "../gate/config";
import { TARGET_FIELDS } from "./config";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** The chart values the release contract fixes for the image. */
export interface ImageValues {
    repository?: unknown;
    digest?: unknown;
    tag?: unknown;
}

export function isHelmRelease(args: ResourceValidationArgs): boolean {
    return args.type === HELM_RELEASE;
}

function configured(raw: Record<string, unknown>, key: string): unknown {
    return typeof raw[key] === "string" ? raw[key] : TARGET_FIELDS[key].default;
}

/**
 * Whether this is the production release: a Helm release with the configured (or default) namespace and name.
 * Read leniently from the raw config, so that a config error is still reported on the production release.
 */
export function isProductionRelease(args: ResourceValidationArgs, raw: Record<string, unknown>): boolean {
    const props = args.props as { name?: unknown; namespace?: unknown };
    return (
        isHelmRelease(args) &&
        props.namespace === configured(raw, "productionNamespace") &&
        props.name === configured(raw, "productionRelease")
    );
}

/** values.track of a release: "canary" or "stable" as the program sets it; undefined when the release sets none. */
export function releaseTrack(args: ResourceValidationArgs): unknown {
    const values = (args.props as { values?: { track?: unknown } }).values;
    return typeof values === "object" && values !== null ? values.track : undefined;
}

/**
 * A Helm release on the production side (any track but the canary's, or none) that the config does not name as
 * the production release: the gate cannot identify what it would judge, so such a release is denied, never passed.
 */
export function isUnnamedProductionRelease(args: ResourceValidationArgs, raw: Record<string, unknown>): boolean {
    const canaryTrack = typeof raw.canaryTrack === "string" ? raw.canaryTrack : GATE_FIELDS.canaryTrack.default;
    return isHelmRelease(args) && !isProductionRelease(args, raw) && releaseTrack(args) !== canaryTrack;
}

/** values.image of a release, or an empty object when the release sets none. */
export function imageValues(args: ResourceValidationArgs): ImageValues {
    const values = (args.props as { values?: { image?: unknown } }).values;
    const image = values?.image;
    return typeof image === "object" && image !== null ? (image as ImageValues) : {};
}

/** values.image.digest when it is a well-formed sha256 digest. */
export function pinnedDigest(image: ImageValues): string | undefined {
    return typeof image.digest === "string" && new RegExp(DIGEST_PATTERN).test(image.digest) ? image.digest : undefined;
}

/** A short name for messages: namespace/name. */
export function releaseLabel(args: ResourceValidationArgs): string {
    const props = args.props as { name?: unknown; namespace?: unknown };
    const text = (value: unknown, fallback: string): string => (typeof value === "string" ? value : fallback);
    return `${text(props.namespace, "?")}/${text(props.name, args.name)}`;
}
