// image-pinned-by-digest: every Helm release takes its image as repository@sha256:<digest>, never by a tag.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ImageValues, imageValues, isHelmRelease, pinnedDigest, releaseLabel } from "./release";

/** What is wrong with a release's values.image, one message a problem; empty when it is pinned. */
export function imagePinProblems(image: ImageValues): string[] {
    const problems: string[] = [];
    if (typeof image.repository !== "string" || image.repository === "") {
        problems.push("values.image.repository is not set");
    } else if (image.repository.includes("@") || (image.repository.split("/").pop() ?? "").includes(":")) {
        problems.push(`values.image.repository '${image.repository}' carries a tag or digest; give the digest alone`);
    }
    if (pinnedDigest(image) === undefined) {
        problems.push(`values.image.digest ${JSON.stringify(image.digest) ?? "(unset)"} is not sha256:<64 hex>`);
    }
    if (image.tag !== undefined && image.tag !== null && image.tag !== "") {
        problems.push(`values.image.tag ${JSON.stringify(image.tag)} is set: a tag can move, deploy by digest`);
    }
    return problems;
}

export const imagePinnedByDigest: ResourceValidationPolicy = {
    name: "image-pinned-by-digest",
    description: "Every Helm release the program declares takes its image by @sha256: digest, never by a tag.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: (args, reportViolation) => {
        if (!isHelmRelease(args)) {
            return;
        }
        for (const problem of imagePinProblems(imageValues(args))) {
            reportViolation(`${releaseLabel(args)}: ${problem}`);
        }
    },
};
