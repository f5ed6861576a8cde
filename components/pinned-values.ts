// The values the program pins in the chart, each at the value path the service profile names for it
// (chart.values.*, dotted paths into the chart's values): the image repository, the signed digest (as
// `<tag>@sha256:…` when the chart renders repository:tag, alone when it has a digest value), the pod labels that
// carry the track, and for the canary its replica count with the chart's autoscaler off.
import * as pulumi from "@pulumi/pulumi";
import { ChartValuePaths } from "../config/service-profile";
import { mergeValues, Values } from "./values";

/** `values` with `value` at the dotted path (objects on the way created or merged into, never mutated). */
export function setValueAt(values: Values, dotted: string, value: pulumi.Input<unknown>): Values {
    const [head, ...rest] = dotted.split(".");
    if (head === undefined || head === "") {
        throw new Error(`'${dotted}' is not a dotted value path (expected e.g. image.tag)`);
    }
    if (rest.length === 0) {
        return { ...values, [head]: value };
    }
    const existing = values[head];
    const inner =
        typeof existing === "object" &&
        existing !== null &&
        !Array.isArray(existing) &&
        !pulumi.Output.isInstance(existing)
            ? (existing as Values)
            : {};
    return { ...values, [head]: setValueAt(inner, rest.join("."), value) };
}

export interface PinnedValueArgs {
    /** The profile's chart value paths. */
    paths: ChartValuePaths;
    imageRepository: string;
    /** The release tag the image was pushed under (vX.Y.Z): the chart's tag value gets `<tag>@<digest>`. */
    imageTag: string;
    /** sha256:… of the signed image. */
    imageDigest: pulumi.Input<string>;
    /** The release's pod labels: the track label, and the canary's extra labels. */
    podLabels: Record<string, string>;
    /** The canary's replica count; with it, the chart's autoscaler is switched off (when the profile has one). */
    replicaCount?: number;
}

/**
 * Where the signed digest goes and what is written there: the digest alone at imageDigest, or `<tag>@<digest>` at
 * imageTag (the service profile has exactly one of them).
 */
export function pinnedImageValue(
    paths: ChartValuePaths,
    imageTag: string,
    imageDigest: pulumi.Input<string>,
): { path: string; value: pulumi.Input<string> } {
    if (paths.imageDigest !== undefined) {
        return { path: paths.imageDigest, value: imageDigest };
    }
    if (paths.imageTag === undefined) {
        throw new Error("the service profile's chart.values has neither imageDigest nor imageTag");
    }
    // A plain digest (the rendered structure's placeholder) stays plain: the load-time render needs no Output.
    const value =
        typeof imageDigest === "string"
            ? `${imageTag}@${imageDigest}`
            : pulumi.output(imageDigest).apply((digest) => `${imageTag}@${digest}`);
    return { path: paths.imageTag, value };
}

/** The pinned values, as one overlay that goes over the stack's values. */
export function pinnedValues(args: PinnedValueArgs): Values {
    const { paths } = args;
    const image = pinnedImageValue(paths, args.imageTag, args.imageDigest);
    let pinned: Values = setValueAt({}, paths.imageRepository, args.imageRepository);
    pinned = mergeValues(pinned, setValueAt({}, image.path, image.value));
    // None: the values pin them already (a rollback rendered from Helm's own record, config/rollback-render.ts).
    if (Object.keys(args.podLabels).length > 0) {
        pinned = mergeValues(pinned, setValueAt({}, paths.podLabels, args.podLabels));
    }
    if (args.replicaCount !== undefined) {
        pinned = mergeValues(pinned, setValueAt({}, paths.replicas, args.replicaCount));
        if (paths.autoscaling !== undefined) {
            pinned = mergeValues(pinned, setValueAt({}, paths.autoscaling, false));
        }
    }
    return pinned;
}
