// image-pinned-by-digest: every Helm release takes its image by digest, never by a tag alone, at the chart value
// paths of the service profile (chart.values.imageRepository, and imageDigest or imageTag as `<tag>@sha256:…`).
import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { ServiceProfile } from "../config/service-profile";
import { GATE_FIELDS } from "../gate/config";
import { configSchema } from "./config";
import { configProblem } from "./production";
import { ImageValues, imageValues, isHelmRelease, pinnedDigest, pinShape, profileOf, releaseLabel } from "./release";

/** What is wrong with a release's image values, one message a problem; empty when it is pinned. */
export function imagePinProblems(image: ImageValues): string[] {
    const problems: string[] = [];
    const repository = image.repository;
    if (typeof repository !== "string" || repository === "") {
        problems.push(`values.${image.repositoryPath} is not set`);
    } else if (repository.includes("@") || (repository.split("/").pop() ?? "").includes(":")) {
        problems.push(
            `values.${image.repositoryPath} '${repository}' carries a tag or digest; give the repository alone`,
        );
    }
    if (pinnedDigest(image) === undefined) {
        const found = JSON.stringify(image.pin) ?? "(unset)";
        const why = image.kind === "tag" ? ": a tag alone can move, deploy by digest" : "";
        problems.push(`values.${image.pinPath} ${found} is not ${pinShape(image)}${why}`);
    }
    return problems;
}

export const imagePinnedByDigest: ResourceValidationPolicy = {
    name: "image-pinned-by-digest",
    description:
        "Every Helm release the program declares takes its image by @sha256: digest, never by a tag alone " +
        "(at the service profile's chart value paths).",
    enforcementLevel: "mandatory",
    configSchema: configSchema({ profile: GATE_FIELDS.profile }),
    validateResource: (args, reportViolation) => {
        if (!isHelmRelease(args)) {
            return;
        }
        let profile: ServiceProfile;
        try {
            profile = profileOf(args.getConfig<Record<string, unknown>>());
        } catch (err) {
            reportViolation(`${releaseLabel(args)}: ${configProblem(err)}`);
            return;
        }
        for (const problem of imagePinProblems(imageValues(args, profile))) {
            reportViolation(`${releaseLabel(args)}: ${problem}`);
        }
    },
};
