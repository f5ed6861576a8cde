// What Prometheus knows of a track's targets: their `up` series, with the labels Prometheus attaches from the pod
// (the track label, namespace, pod, pod_template_hash, container, and `image`, e.g.
// "registry/app:v1.2.3@sha256:<64 hex>"). Which digest a track runs, since when, and whether it reports now are
// read from them, not from a series the service would have to export.
import { matchers, promString } from "./metrics";

/** One track: the profile's track label and one of its values. */
export interface Track {
    label: string;
    value: string;
}

/** The label the gate gives the digest it reads from a target's image label. */
export const DIGEST_LABEL = "image_digest";

/** The image label of a target that runs a digest, as a regular expression (the digest alone when given). */
function imagePattern(digest?: string): string {
    return digest === undefined ? ".+@sha256:[0-9a-f]{64}" : `.+@${digest}`;
}

/** The `up` series of the track's targets whose image carries a digest (that digest, when given). */
export function upSelector(track: Track, digest?: string): string {
    return `up{${matchers({ [track.label]: track.value })},image=~${promString(imagePattern(digest))}}`;
}

/** The times of the track's `up == 1` samples (the targets answered their scrape), one series a target. */
export function upSampleTimes(track: Track, digest?: string): string {
    const up = upSelector(track, digest);
    return `timestamp(${up}) and ${up} == 1`;
}

/** An expression over targets with the digest of their image label as `image_digest`. */
export function withDigest(expr: string): string {
    return `label_replace(${expr}, ${promString(DIGEST_LABEL)}, "sha256:$1", "image", ".+@sha256:([0-9a-f]{64})")`;
}

/** The targets of the track that answer now (`up == 1`), with their digest. */
export function upNow(track: Track): string {
    return withDigest(`${upSelector(track)} == 1`);
}

/** How the gate names a track's targets in reasons: up{track="canary"}. */
export function describeTargets(track: Track, digest?: string): string {
    const labels = matchers({ [track.label]: track.value });
    return digest === undefined ? `up{${labels}}` : `up{${labels}} of ${digest}`;
}
