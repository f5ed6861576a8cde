// RELEASE-PROCESS.md step 3 `cosign verify`, and production's second verification of the canary's digest
// before it deploys anything.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "./naming";

export interface SignatureCheckArgs {
    /** The image by digest: repo@sha256:… */
    imageRef: pulumi.Input<string>;
    /** Public key reference for `cosign verify --key`. */
    publicKey: string;
    /** Whether signatures went to the transparency log; without it, verification skips the tlog check. */
    tlogUpload: boolean;
    /**
     * A Sigstore trusted-root file. Without one, cosign fetches the public root over TUF; a key-only setup with no
     * transparency log (the local stacks) gives a minimal one, so verification never leaves the machine.
     */
    trustedRoot?: string;
}

/**
 * Whether `cosign verify --output json` printed a verified signature payload for exactly this digest.
 * Internal. Exported for testing.
 */
export function verifiedDigest(stdout: string, imageRef: string): boolean {
    const digest = imageRef.split("@")[1];
    if (!digest) {
        return false;
    }
    try {
        const payloads = JSON.parse(stdout) as { critical?: { image?: { "docker-manifest-digest"?: string } } }[];
        return (
            Array.isArray(payloads) &&
            payloads.length > 0 &&
            payloads.every((p) => p.critical?.image?.["docker-manifest-digest"] === digest)
        );
    } catch {
        return false;
    }
}

/**
 * `cosign verify` of a digest as a command that re-runs exactly when the digest changes. It exits non-zero,
 * failing the update with cosign's reason, when no signature verifies with the public key.
 */
export class SignatureCheck extends pulumi.ComponentResource {
    /** True once cosign verified a signature for exactly this digest with the public key. */
    readonly verified: pulumi.Output<boolean>;

    constructor(name: string, args: SignatureCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:SignatureCheck", name, {}, opts);
        const verify = new command.local.Command(
            `${name}-verify`,
            {
                create: 'cosign verify --key "$COSIGN_PUBLIC_KEY" $COSIGN_FLAGS --output json "$IMAGE"',
                environment: {
                    COSIGN_PUBLIC_KEY: args.publicKey,
                    COSIGN_FLAGS: [
                        ...(args.tlogUpload ? [] : ["--insecure-ignore-tlog=true"]),
                        ...(args.trustedRoot ? [`--trusted-root=${args.trustedRoot}`] : []),
                    ].join(" "),
                    IMAGE: args.imageRef,
                },
                triggers: [args.imageRef],
            },
            { parent: this, dependsOn: waitFor(opts) },
        );
        this.verified = pulumi.all([verify.stdout, args.imageRef]).apply(([out, ref]) => verifiedDigest(out, ref));
        this.registerOutputs({ verified: this.verified });
    }
}
