// Complete validation arguments for policy unit tests, and a recorder for the violations a policy reports.
import { HELM_RELEASE, ResourceValidationArgs, ResourceValidationPolicy } from "../../policy/release";

/** Image values in the chart's shape (profiles/mirador-rca.yaml: image.repository, image.tag `<tag>@sha256:…`). */
export function pinned(digest: string, repository = "r/mirador-rca"): Record<string, unknown> {
    return { repository, tag: `v0.4.0@${digest}` };
}

/** The props of a kubernetes:helm.sh/v3:Release as the program declares it, its track in the chart's pod labels. */
export function releaseProps(namespace: string, name: string, image: Record<string, unknown>): Record<string, unknown> {
    return {
        name,
        namespace,
        chart: "examples/mirador-rca/charts/mirador-rca",
        values: { image, podLabels: { track: namespace === "mirador-staging" ? "canary" : "stable" } },
        atomic: true,
        timeout: 300,
    };
}

/** Validation args of one resource, with the policy config `getConfig` returns. */
export function validationArgs(
    props: Record<string, unknown>,
    config: Record<string, unknown> = {},
    type = HELM_RELEASE,
): ResourceValidationArgs {
    const name = typeof props.name === "string" ? props.name : "resource";
    return {
        type,
        props,
        urn: `urn:pulumi:prod::mirador-release::${type}::${name}`,
        name,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map<string, string>(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new Error(`notApplicable: ${reason ?? ""}`);
        },
    };
}

/** Runs a policy's validateResource and returns every violation it reported. */
export async function violationsOf(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<string[]> {
    const validate = policy.validateResource;
    if (validate === undefined || Array.isArray(validate)) {
        throw new Error(`${policy.name} has no single validateResource function`);
    }
    const violations: string[] = [];
    await validate(args, (message) => violations.push(message));
    return violations;
}
