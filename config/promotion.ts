// Production promotes exactly what ran as the canary: the staging stack's outputs, read through a StackReference
// and checked before any production resource is declared. The chart is fetched by digest from where staging
// published it (chartRef), never taken from a dist/ directory: prod runs from any clone.
import * as pulumi from "@pulumi/pulumi";
import { fetchChart } from "../components/chart-fetch";
import { checkStagingStack } from "./staging-stack";
import { ConfigError } from "./validate";

/** What the staging stack exports about its canary. */
export interface StagingOutputs {
    version: string;
    imageDigestRef: string;
    imageDigest: string;
    /** Where staging published the chart: oci://host/path/name (its chartRegistry and the chart's name). */
    chartRef: string;
    chartDigest: string;
    canaryDeployedAt: string;
    commit: string;
}

/** The staging stack's outputs and the canary's chart, fetched by digest and verified. */
export interface CanaryFacts extends StagingOutputs {
    /** The verified local archive of chartDigest (components/chart-fetch.ts), what the prod release loads. */
    chartArchive: string;
}

const keys: (keyof StagingOutputs)[] = [
    "version",
    "imageDigestRef",
    "imageDigest",
    "chartRef",
    "chartDigest",
    "canaryDeployedAt",
    "commit",
];

/** Every reason why these canary facts cannot be promoted as `version` from `commit`. Internal. Exported for testing. */
export function promotionProblems(
    stagingStack: string,
    facts: Partial<Record<keyof StagingOutputs, unknown>>,
    expected: { version: string; commit: string },
): string[] {
    const problems: string[] = [];
    const missing = keys.filter((k) => typeof facts[k] !== "string" || facts[k] === "");
    if (missing.length === 1 && missing[0] === "chartRef") {
        return [
            `staging stack ${stagingStack} publishes its chart nowhere (no chartRef output): set mirador-release:chartRegistry in its stack file (e.g. oci://ghcr.io/miradorstack/charts) and run pulumi up -s staging; prod fetches the canary's chart from there by digest, never from dist/`,
        ];
    }
    if (missing.length > 0) {
        return [
            `staging stack ${stagingStack} has no ${missing.join(", ")} output: run pulumi up -s staging first (nothing is promoted that did not run as the canary)`,
        ];
    }
    const f = facts as StagingOutputs;
    if (f.version !== expected.version) {
        problems.push(
            `the canary in ${stagingStack} is version ${f.version}, but mirador-release:version is ${expected.version}: promote the version that ran as the canary, or ship ${expected.version} to staging first`,
        );
    }
    if (!/^[^@\s]+@sha256:[a-f0-9]{64}$/.test(f.imageDigestRef) || !f.imageDigestRef.endsWith(f.imageDigest)) {
        problems.push(
            `staging stack ${stagingStack} exports imageDigestRef '${f.imageDigestRef}', which is not repo@sha256:<64 hex>`,
        );
    }
    if (!/^sha256:[a-f0-9]{64}$/.test(f.chartDigest)) {
        problems.push(
            `staging stack ${stagingStack} exports chartDigest '${f.chartDigest}', which is not sha256:<64 hex>`,
        );
    }
    if (f.commit !== expected.commit) {
        problems.push(
            `the canary was built from commit ${f.commit.slice(0, 12)}, but the checkout is at ${expected.commit.slice(0, 12)}: check out the canary's commit to tag it`,
        );
    }
    return problems;
}

/** Reads the staging stack's canary and throws one error with every problem, or returns the facts. */
export async function readCanary(
    stagingStack: string,
    expected: { version: string; commit: string },
    opts?: pulumi.CustomResourceOptions,
): Promise<CanaryFacts> {
    await checkStagingStack(stagingStack, `Pulumi.${pulumi.getStack()}.yaml`);
    const ref = new pulumi.StackReference("staging", { name: stagingStack }, opts);
    const facts: Partial<Record<keyof StagingOutputs, unknown>> = {};
    for (const key of keys) {
        facts[key] = (await ref.getOutputDetails(key)).value;
    }
    const problems = promotionProblems(stagingStack, facts, expected);
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    const outputs = facts as StagingOutputs;
    // Before any production resource: the release's check loads the chart from this path.
    const chartArchive = await fetchChart(outputs.chartRef, outputs.chartDigest);
    return { ...outputs, chartArchive };
}
