// The release checked as rendered, twice (components/rendered-check.ts says what is checked):
//  - while the program loads (preview included), with a placeholder digest: the structure (every container takes
//    the pinned image, the canary's replicas, the rendered endpoint), before anything is built;
//  - as a step right before the Helm release changes, with the real digest and the kinds the cluster serves, by
//    `helm template` of the same chart, values files, values and post-renderer as the install
//    (components/steps/check-rendered.ts). It re-runs exactly when what Helm gets changes.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "./naming";
import { checkRendered, RenderedContract, RenderedVerdict } from "./rendered-check";
import { RenderedObject, renderChart, RenderInput } from "./rendered-manifest";
import { Values } from "./values";

/** The digest the structure check pins: no image has it, so a container that runs it took the program's pin. */
export const PLACEHOLDER_DIGEST = `sha256:${"0".repeat(64)}`;

/** What is checked of a release, but the digest (the placeholder at load time, the signed one in the step). */
export type ReleaseContract = Omit<RenderedContract, "servedKinds" | "image"> & { imageRepository: string };

/** Renders with the placeholder digest and throws naming every problem; returns what would run, and the objects. */
export function checkStructure(
    input: RenderInput,
    contract: ReleaseContract,
    what: string,
): RenderedVerdict & { objects: RenderedObject[] } {
    const objects = renderChart(input);
    const verdict = checkRendered(objects, {
        ...contract,
        image: { repository: contract.imageRepository, digest: PLACEHOLDER_DIGEST },
    });
    if (verdict.problems.length > 0) {
        throw new Error(
            `${what}, as the chart renders it, is not the release to check:\n- ${verdict.problems.join("\n- ")}`,
        );
    }
    return { ...verdict, objects };
}

export interface RenderedCheckArgs {
    release: string;
    namespace: string;
    /** The chart the Helm release installs (the packaged archive). */
    chart: pulumi.Input<string>;
    /** The chart's digest: the check re-runs when the chart changes at the same path. */
    chartDigest: pulumi.Input<string>;
    valuesFiles: string[];
    /** Exactly the values the Helm release gets. */
    values: Values;
    postRenderer?: string;
    contract: ReleaseContract;
    digest: pulumi.Input<string>;
    kubeconfig?: string;
    kubeContext?: string;
}

/** The step before the Helm release: the rendered release with the signed digest, against the cluster's kinds. */
export function renderedCheckStep(
    name: string,
    args: RenderedCheckArgs,
    opts: pulumi.CustomResourceOptions,
): command.local.Command {
    const values = pulumi.output(args.values).apply((v) => JSON.stringify(v));
    const contract = pulumi
        .output(args.digest)
        .apply((digest) =>
            JSON.stringify({ ...args.contract, image: { repository: args.contract.imageRepository, digest } }),
        );
    return new command.local.Command(
        name,
        {
            create: "node --require ts-node/register/transpile-only components/steps/check-rendered.ts",
            environment: {
                CHART: args.chart,
                RELEASE: args.release,
                NAMESPACE: args.namespace,
                VALUES: values,
                VALUES_FILES: JSON.stringify(args.valuesFiles),
                CONTRACT: contract,
                ...(args.postRenderer ? { POST_RENDERER: args.postRenderer } : {}),
                ...(args.kubeconfig ? { KUBECONFIG: args.kubeconfig } : {}),
                ...(args.kubeContext ? { KUBE_CONTEXT: args.kubeContext } : {}),
            },
            triggers: [args.chart, args.chartDigest, values, contract],
        },
        { ...opts, dependsOn: waitFor(opts) },
    );
}
