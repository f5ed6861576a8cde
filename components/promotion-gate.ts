// RELEASE-PROCESS.md 5.3 inside the program: before production changes, the program asks the SLO gate itself
// (gate/cli.ts, the library and policy config the policy pack uses), so that a `pulumi up -s prod` without the
// pack cannot promote a burning canary. The gate runs once per promoted digest: a later update of the same digest
// does not judge the canary again. When it promotes, the verdict is attested on the digest with the release's key
// in the same step (docs/attestations.md#gate-verdict-v1): recorded once per judged digest.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { judgedDescription } from "../gate/judged";
import { GATE_VERDICT_TYPE } from "../gate/verdict-attestation";
import { SETTLED, renewing } from "./gate-verdict-renewal";
import { waitFor } from "./naming";

export interface PromotionGateArgs {
    /** The policy pack config (--policy-pack-config) whose slo-gate section the gate reads, relative to the project. */
    policyConfig: string;
    /** The digest being promoted: the gate judges the canary that runs it. */
    digest: pulumi.Input<string>;
    /**
     * components/gate-verdict-renewal.ts: "settled", or why the gate must judge the same digest again (its verdict
     * expired before production ran the digest). Only a renewal's key is compared with the stored one.
     */
    renewal?: string;
    /** Attest a promote verdict on this image (repo@sha256:…, the same digest) with the release's cosign key. */
    attest?: {
        imageRef: pulumi.Input<string>;
        cosign: { key: string; password: pulumi.Input<string>; tlogUpload: boolean };
    };
}

/** The gate CLI: exit 0 promote, 1 deny, 2 bad config; a non-zero exit fails the update with the gate's table. */
export const GATE_COMMAND =
    'node --require ts-node/register/transpile-only gate/cli.ts --policy-pack-config "$GATE_CONFIG" --canary-digest "$DIGEST"';

/**
 * The gate, then (only when it promoted: a deny exits non-zero first) the attestation of its verdict. The gate's
 * table stays the step's stdout; cosign's output goes to stderr.
 */
export const ATTESTED_GATE_COMMAND = [
    "set -e",
    "verdict_dir=$(mktemp -d); trap 'rm -rf \"$verdict_dir\"' EXIT",
    `${GATE_COMMAND} --verdict-predicate "$verdict_dir/verdict.json"`,
    'KIND=gate PREDICATE="$verdict_dir/verdict.json" bash components/steps/attest-image.sh >&2',
].join("\n");

/** Whether the gate's table ends in its promote verdict. Internal. Exported for testing. */
export function promoted(table: string): boolean {
    return /^PROMOTE: /m.test(table);
}

/**
 * The gate as a step: a deny (or an error) fails the update before anything in production changes. The command
 * runs again only when the digest changes or its verdict must be renewed (its triggers); any other change of its
 * inputs keeps the verdict.
 */
export class PromotionGate extends pulumi.ComponentResource {
    /** The gate's table for the promoted digest. */
    readonly verdict: pulumi.Output<string>;
    /** The Helm description that records the promotion (empty unless the gate said promote). */
    readonly description: pulumi.Output<string>;

    constructor(name: string, args: PromotionGateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:PromotionGate", name, {}, opts);
        const judge = new command.local.Command(
            `${name}-judge`,
            {
                create: args.attest ? ATTESTED_GATE_COMMAND : GATE_COMMAND,
                // Judged once per digest: a change of anything else keeps the verdict instead of judging again.
                update: 'printf "%s" "$PULUMI_COMMAND_STDOUT"',
                environment: {
                    GATE_CONFIG: args.policyConfig,
                    DIGEST: args.digest,
                    ...(args.attest
                        ? {
                              IMAGE: args.attest.imageRef,
                              GATE_VERDICT_TYPE,
                              COSIGN_KEY: args.attest.cosign.key,
                              COSIGN_PASSWORD: pulumi.secret(args.attest.cosign.password),
                              COSIGN_TLOG_UPLOAD: String(args.attest.cosign.tlogUpload),
                          }
                        : {}),
                },
                triggers: [args.digest, args.renewal ?? SETTLED],
            },
            {
                parent: this,
                dependsOn: waitFor(opts),
                additionalSecretOutputs: args.attest ? ["stderr"] : [],
                ignoreChanges: renewing(args.renewal) ? [] : ["triggers[1]"],
            },
        );
        this.verdict = judge.stdout;
        this.description = pulumi
            .all([judge.stdout, args.digest])
            .apply(([table, digest]) => (promoted(table) ? judgedDescription(digest) : ""));
        this.registerOutputs({ verdict: this.verdict, description: this.description });
    }
}
