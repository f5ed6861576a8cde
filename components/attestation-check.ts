// Issue 13, production: before it deploys, prod verifies the digest's attestations with the release's public key
// and a policy each (components/steps/verify-attestation.sh, docs/attestations.md): the SBOM, the provenance that
// names the commit prod releases, and a gate verdict "promote" younger than the configured age. A missing,
// foreign-key or mismatching attestation fails the update with the reason, before the release changes.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { GATE_VERDICT_TYPE } from "../gate/verdict-attestation";
import { SETTLED, renewing } from "./gate-verdict-renewal";
import { waitFor } from "./naming";

export type AttestationKind = "sbom" | "provenance" | "gate";

/** What each kind proves, for the release plan, the GitHub release and the Slack message. */
export const ATTESTATION_KINDS: Record<AttestationKind, { type: string; what: string }> = {
    sbom: { type: "spdxjson", what: "SBOM (syft, SPDX JSON)" },
    provenance: { type: "slsaprovenance1", what: "SLSA v1 provenance naming the released commit" },
    gate: { type: GATE_VERDICT_TYPE, what: "the SLO gate's verdict 'promote'" },
};

/**
 * The attestations production requires of a digest. A promotion requires all three; a rollback to a digest
 * production ran before (`freshGateVerdict: false`) requires the provenance only, next to the signature: its gate
 * verdict is old by nature.
 */
export function requiredAttestations(opts: { freshGateVerdict: boolean }): AttestationKind[] {
    return opts.freshGateVerdict ? ["sbom", "provenance", "gate"] : ["provenance"];
}

export interface AttestationCheckArgs {
    /** The image by digest: repo@sha256:… */
    imageRef: pulumi.Input<string>;
    /** The commit production releases: the provenance must name it. */
    commit: string;
    kinds: AttestationKind[];
    /** How old the gate's verdict may be (required when kinds has "gate"). */
    gateVerdictMaxAgeSeconds?: number;
    /** The gate verdict's renewal key (components/gate-verdict-renewal.ts): a renewed verdict is verified again. */
    gateVerdictRenewal?: string;
    publicKey: string;
    tlogUpload: boolean;
    trustedRoot?: string;
}

/** `cosign verify-attestation`'s flags: the same key-only, offline trust as the signature check. */
export function verifyFlags(args: { tlogUpload: boolean; trustedRoot?: string }): string {
    return [
        ...(args.tlogUpload ? [] : ["--insecure-ignore-tlog=true"]),
        ...(args.trustedRoot ? [`--trusted-root=${args.trustedRoot}`] : []),
    ].join(" ");
}

/** One `cosign verify-attestation` step per required kind, each re-run exactly when the digest changes. */
export class AttestationCheck extends pulumi.ComponentResource {
    /** One line per verified attestation. */
    readonly verified: pulumi.Output<string[]>;

    constructor(name: string, args: AttestationCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:AttestationCheck", name, {}, opts);
        if (args.kinds.includes("gate") && !(args.gateVerdictMaxAgeSeconds! > 0)) {
            throw new Error(`${name}: a gate verdict check needs gateVerdictMaxAgeSeconds > 0`);
        }
        const steps = args.kinds.map(
            (kind) =>
                new command.local.Command(
                    `${name}-${kind}`,
                    {
                        create: "bash components/steps/verify-attestation.sh",
                        environment: {
                            KIND: kind,
                            IMAGE: args.imageRef,
                            COSIGN_PUBLIC_KEY: args.publicKey,
                            COSIGN_FLAGS: verifyFlags(args),
                            ...(kind === "provenance" ? { COMMIT: args.commit } : {}),
                            ...(kind === "gate"
                                ? {
                                      GATE_VERDICT_TYPE,
                                      MAX_AGE_SECONDS: String(args.gateVerdictMaxAgeSeconds),
                                  }
                                : {}),
                        },
                        triggers:
                            kind === "provenance"
                                ? [args.imageRef, args.commit]
                                : kind === "gate"
                                  ? [args.imageRef, args.gateVerdictRenewal ?? SETTLED]
                                  : [args.imageRef],
                    },
                    {
                        parent: this,
                        dependsOn: waitFor(opts),
                        ignoreChanges: kind === "gate" && !renewing(args.gateVerdictRenewal) ? ["triggers[1]"] : [],
                    },
                ),
        );
        this.verified = pulumi.all(steps.map((s) => s.stdout)).apply((lines) => lines.map((l) => l.trim()));
        this.registerOutputs({ verified: this.verified });
    }
}
