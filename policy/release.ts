// Reading the Helm releases the program declares (kubernetes:helm.sh/v3:Release) from policy arguments, through
// the service profile: where the chart takes the image (chart.values.imageRepository, and imageTag or imageDigest)
// and the pod labels that carry the track (chart.values.podLabels, track.label).
import type { ResourceValidationArgs } from "@pulumi/policy";
// Re-exported for the tests at the root, where @pulumi/policy (installed in policy/) does not resolve.
export type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import * as path from "path";
import { loadServiceProfile, ServiceProfile } from "../config/service-profile";
import { digestPins } from "../config/value-leaves";
import { DEFAULT_PROFILE, REPO_ROOT } from "../gate/config";
import { rollbackRecord } from "../gate/rollback-record";
import { TARGET_FIELDS } from "./config";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG_WITH_DIGEST = /^[^@]*@(sha256:[0-9a-f]{64})$/;

/** The image of a release as its values hold it, with the value paths the profile names. */
export interface ImageValues {
    repositoryPath: string;
    repository: unknown;
    /** The value that pins the image: the chart's digest value, or its tag (`<tag>@sha256:…`). */
    pinPath: string;
    pin: unknown;
    /** "digest": the chart has a value for the digest alone; "tag": it renders repository:tag. */
    kind: "digest" | "tag";
}

export function isHelmRelease(args: ResourceValidationArgs): boolean {
    return args.type === HELM_RELEASE;
}

/** The profile a policy config names (profile, relative to the repository), or the default; throws when unusable. */
export function profileOf(raw: Record<string, unknown>): ServiceProfile {
    const file = typeof raw.profile === "string" ? raw.profile : DEFAULT_PROFILE;
    try {
        return loadServiceProfile(path.resolve(REPO_ROOT, file));
    } catch (err) {
        throw new Error(`profile: ${(err as Error).message}`);
    }
}

function configured(raw: Record<string, unknown>, key: string): unknown {
    return typeof raw[key] === "string" ? raw[key] : TARGET_FIELDS[key].default;
}

/** The value at a dotted path of a release's values; undefined when any step is missing. */
export function valueAt(values: unknown, dotted: string): unknown {
    let at = values;
    for (const key of dotted.split(".")) {
        if (typeof at !== "object" || at === null || Array.isArray(at)) {
            return undefined;
        }
        at = (at as Record<string, unknown>)[key];
    }
    return at;
}

function valuesOf(args: ResourceValidationArgs): unknown {
    return (args.props as { values?: unknown }).values;
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

/** The track of a release: its pod label of the profile's track label; undefined when the release sets none. */
export function releaseTrack(args: ResourceValidationArgs, profile: ServiceProfile): unknown {
    const labels = valueAt(valuesOf(args), profile.chart.values.podLabels);
    return typeof labels === "object" && labels !== null
        ? (labels as Record<string, unknown>)[profile.track.label]
        : undefined;
}

/**
 * A Helm release on the production side (any track but the canary's, or none) that the config does not name as
 * the production release: the gate cannot identify what it would judge, so such a release is denied, never passed.
 */
export function isUnnamedProductionRelease(
    args: ResourceValidationArgs,
    raw: Record<string, unknown>,
    profile: ServiceProfile,
): boolean {
    return (
        isHelmRelease(args) && !isProductionRelease(args, raw) && releaseTrack(args, profile) !== profile.track.canary
    );
}

/** The release's description; undefined when the preview cannot know it (the policy SDK throws on unknowns). */
export function descriptionOf(args: ResourceValidationArgs): unknown {
    try {
        return (args.props as { description?: unknown }).description;
    } catch {
        return undefined;
    }
}

/**
 * The image values of a release at the profile's value paths. A rollback (its Helm description records one) renders
 * the release with the value paths it ran with (production's history, config/rollback-render.ts), which may not be
 * today's profile's: when the profile's pin path pins nothing, its pin is the one value that pins the recorded
 * digest, wherever it is (the rendered check still demands that every container runs it).
 */
export function imageValues(args: ResourceValidationArgs, profile: ServiceProfile): ImageValues {
    const paths = profile.chart.values;
    const values = valuesOf(args);
    const kind = paths.imageDigest !== undefined ? "digest" : "tag";
    const pinPath = (paths.imageDigest ?? paths.imageTag) as string;
    const image: ImageValues = {
        repositoryPath: paths.imageRepository,
        repository: valueAt(values, paths.imageRepository),
        pinPath,
        pin: valueAt(values, pinPath),
        kind,
    };
    const rollback = rollbackRecord(descriptionOf(args));
    if (pinnedDigest(image) !== undefined || rollback === undefined) {
        return image;
    }
    const pins = digestPins(values, rollback.digest);
    if (pins.length !== 1) {
        return image;
    }
    const [[at, pin]] = pins;
    return { ...image, pinPath: at, pin, kind: pin === rollback.digest ? "digest" : "tag" };
}

/** The digest a release pins: its digest value, or the `@sha256:…` of its tag; undefined when it pins none. */
export function pinnedDigest(image: ImageValues): string | undefined {
    if (typeof image.pin !== "string") {
        return undefined;
    }
    if (image.kind === "digest") {
        return DIGEST.test(image.pin) ? image.pin : undefined;
    }
    return TAG_WITH_DIGEST.exec(image.pin)?.[1];
}

/** What a release's pin must look like, for messages. */
export function pinShape(image: ImageValues): string {
    return image.kind === "digest" ? "sha256:<64 hex>" : "<tag>@sha256:<64 hex>";
}

/** A short name for messages: namespace/name. */
export function releaseLabel(args: ResourceValidationArgs): string {
    const props = args.props as { name?: unknown; namespace?: unknown };
    const text = (value: unknown, fallback: string): string => (typeof value === "string" ? value : fallback);
    return `${text(props.namespace, "?")}/${text(props.name, args.name)}`;
}
