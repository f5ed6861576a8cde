// image-pinned-by-digest: every Helm release takes its image by digest, never by a tag alone, at the chart value
// paths of the service profile (chart.values.imageRepository, and imageDigest or imageTag as `<tag>@sha256:…`),
// and runs it as rendered: every container of every pod template (policy/rendered-image.ts).
import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { ServiceProfile } from "../config/service-profile";
import * as path from "path";
import { FieldSpec, GATE_FIELDS, REPO_ROOT } from "../gate/config";
import { configSchema } from "./config";
import { configProblem } from "./production";
import { ImageValues, imageValues, isHelmRelease, pinnedDigest, pinShape, profileOf, releaseLabel } from "./release";
import { renderedImageProblems } from "./rendered-image";

/** The keys of this policy's config. */
export const PIN_FIELDS: Record<string, FieldSpec> = {
    profile: GATE_FIELDS.profile,
    programDir: {
        type: "string",
        description:
            "the program's project directory, where a release's relative chart, values files and post-renderer " +
            "start (the pack renders the release there); relative paths start at the repository; default: the repository",
    },
};

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
        "(at the service profile's chart value paths), and every container of the rendered release runs it.",
    enforcementLevel: "mandatory",
    configSchema: configSchema(PIN_FIELDS),
    validateResource: async (args, reportViolation) => {
        if (!isHelmRelease(args)) {
            return;
        }
        const raw = args.getConfig<Record<string, unknown>>();
        let profile: ServiceProfile;
        try {
            profile = profileOf(raw);
        } catch (err) {
            reportViolation(`${releaseLabel(args)}: ${configProblem(err)}`);
            return;
        }
        const image = imageValues(args, profile);
        const problems = imagePinProblems(image);
        const digest = pinnedDigest(image);
        if (problems.length === 0 && digest !== undefined) {
            const programDir = path.resolve(REPO_ROOT, typeof raw.programDir === "string" ? raw.programDir : ".");
            const pin = { repository: image.repository as string, digest, valuePath: image.pinPath };
            problems.push(...(await renderedImageProblems(args, pin, programDir)));
        }
        for (const problem of problems) {
            reportViolation(`${releaseLabel(args)}: ${problem}`);
        }
    },
};
