// promote-canaried-digest: production gets exactly the digest the canary ran during its soak in staging.
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { digestsSeen, findCanaryOrigin } from "../gate/canary";
import { canaryTrack } from "../gate/queries";
import { describeTargets } from "../gate/targets";
import { configSchema, DIGEST_FIELDS, PolicyConfig } from "./config";
import { liveDeps, PolicyDeps } from "./deps";
import { alreadyPromoted } from "./judged";
import { productionConfig, reporterFor } from "./production";
import { imageValues, pinnedDigest, pinShape } from "./release";

/**
 * The first minutes after the canary started are not read: the previous canary's pods may still report their
 * digest while the rollout replaces them.
 */
export const ROLLOUT_GRACE_SECONDS = 300;

async function checkAgainstPrometheus(
    deps: PolicyDeps,
    config: PolicyConfig & { prometheusUrl: string },
    digest: string,
    report: (message: string) => void,
): Promise<void> {
    const gate = config.gate;
    const now = deps.now();
    const client = deps.makeClient(config.prometheusUrl, gate.queryTimeoutSeconds * 1000, now);
    const track = canaryTrack(gate);
    const origin = await findCanaryOrigin(client, {
        track,
        digest,
        since: gate.canarySince,
        lookback: gate.canaryLookback,
    });
    if (origin.since === undefined) {
        report(`the canary never reported the promoted digest ${digest}: ${origin.problem?.reason ?? "no data"}`);
        return;
    }
    const windowSeconds = Math.max(60, (now.getTime() - origin.since.getTime()) / 1000 - ROLLOUT_GRACE_SECONDS);
    const window = `since ${new Date(now.getTime() - windowSeconds * 1000).toISOString()}`;
    let seen: string[];
    try {
        seen = await digestsSeen(client, track, windowSeconds);
    } catch (err) {
        report(`cannot read the canary's digest: ${(err as Error).message}`);
        return;
    }
    const series = describeTargets(track);
    if (seen.length === 0) {
        report(
            `missing data: no ${series} target with an image digest answered ${window}, so the canaried digest is unknown`,
        );
    } else if (seen.length > 1) {
        report(`ambiguous: the canary's targets ran ${seen.length} digests ${window} (${seen.join(", ")})`);
    } else if (seen[0] !== digest) {
        report(`the canary ran ${seen[0]} ${window}, but production would get ${digest}`);
    }
}

async function validate(
    deps: PolicyDeps,
    args: ResourceValidationArgs,
    reportViolation: ReportViolation,
): Promise<void> {
    const report = reporterFor(args, reportViolation);
    const config = productionConfig(args, DIGEST_FIELDS, "promote-canaried-digest", report);
    if (config === undefined || alreadyPromoted(args, config.profile)) {
        return;
    }
    const image = imageValues(args, config.profile);
    const digest = pinnedDigest(image);
    if (digest === undefined) {
        report(
            `values.${image.pinPath} ${JSON.stringify(image.pin) ?? "(unset)"} is not ${pinShape(image)}: cannot match it`,
        );
        return;
    }
    if (config.gate.canaryDigest !== undefined && config.gate.canaryDigest !== digest) {
        report(`production would get ${digest}, but the policy config's canaryDigest is ${config.gate.canaryDigest}`);
    }
    const url = config.prometheusUrl;
    if (url === undefined) {
        report("prometheusUrl is not set in the promote-canaried-digest policy config: cannot read the canary");
        return;
    }
    await checkAgainstPrometheus(deps, { ...config, prometheusUrl: url }, digest, report);
}

export function promoteCanariedDigestPolicy(deps: PolicyDeps = liveDeps): ResourceValidationPolicy {
    return {
        name: "promote-canaried-digest",
        description:
            "The production release's values.image.digest is the digest the canary ran during its soak " +
            "(policy config canaryDigest, and the image label of the canary track's `up` series in Prometheus).",
        enforcementLevel: "mandatory",
        configSchema: configSchema(DIGEST_FIELDS),
        validateResource: (args, reportViolation) => validate(deps, args, reportViolation),
    };
}
