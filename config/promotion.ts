// Production promotes exactly what ran as the canary: the staging stack's outputs, read through a StackReference
// and checked before any production resource is declared.
import * as crypto from "crypto";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { checkStagingStack } from "./staging-stack";
import { ConfigError } from "./validate";

/** What the staging stack exports about its canary. */
export interface CanaryFacts {
    version: string;
    imageDigestRef: string;
    imageDigest: string;
    chartArchive: string;
    chartDigest: string;
    canaryDeployedAt: string;
    commit: string;
}

const keys: (keyof CanaryFacts)[] = [
    "version",
    "imageDigestRef",
    "imageDigest",
    "chartArchive",
    "chartDigest",
    "canaryDeployedAt",
    "commit",
];

/** Every reason why these canary facts cannot be promoted as `version` from `commit`. Internal. Exported for testing. */
export function promotionProblems(
    stagingStack: string,
    facts: Partial<Record<keyof CanaryFacts, unknown>>,
    expected: { version: string; commit: string },
    readArchive: (path: string) => Buffer | undefined,
): string[] {
    const problems: string[] = [];
    const missing = keys.filter((k) => typeof facts[k] !== "string" || facts[k] === "");
    if (missing.length > 0) {
        return [
            `staging stack ${stagingStack} has no ${missing.join(", ")} output: run pulumi up -s staging first (nothing is promoted that did not run as the canary)`,
        ];
    }
    const f = facts as CanaryFacts;
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
    if (f.commit !== expected.commit) {
        problems.push(
            `the canary was built from commit ${f.commit.slice(0, 12)}, but the checkout is at ${expected.commit.slice(0, 12)}: check out the canary's commit to tag it`,
        );
    }
    const archive = readArchive(f.chartArchive);
    if (archive === undefined) {
        problems.push(
            `the canary's chart ${f.chartArchive} is not here: promotion deploys the packaged chart that staging deployed, never a re-package`,
        );
    } else {
        const digest = `sha256:${crypto.createHash("sha256").update(archive).digest("hex")}`;
        if (digest !== f.chartDigest) {
            problems.push(
                `${f.chartArchive} has digest ${digest}, but the canary deployed ${f.chartDigest}: the chart changed since staging`,
            );
        }
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
    const facts: Partial<Record<keyof CanaryFacts, unknown>> = {};
    for (const key of keys) {
        facts[key] = (await ref.getOutputDetails(key)).value;
    }
    const problems = promotionProblems(stagingStack, facts, expected, (p) =>
        fs.existsSync(p) ? fs.readFileSync(p) : undefined,
    );
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return facts as CanaryFacts;
}
