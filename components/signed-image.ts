// RELEASE-PROCESS.md step 3: build the image, push it, sign it by digest with cosign, verify the signature. The
// signed digest's SBOM and provenance are attested beside it (components/attestations.ts, from index.ts), so that
// the canary's release does not wait for them.
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { waitFor } from "./naming";
import { SignatureCheck } from "./signature-check";

export interface SignedImageArgs {
    /** Image repository without tag, e.g. ghcr.io/miradorstack/mirador-rca. */
    repository: string;
    /** The release tag the image is pushed under (vX.Y.Z); deployments use the digest, never this tag. */
    tag: string;
    /** The service checkout, relative to the project directory. */
    sourceDir: string;
    /** Dockerfile and build context, relative to the checkout. */
    dockerfile: string;
    context: string;
    /** A command run in the checkout before the build (e.g. `make build`); empty for none. */
    prebuild: string;
    platform?: string;
    /** Docker build network, e.g. "host" where no bridge network exists. */
    network?: string;
    registry?: { server: string; username: string; password: pulumi.Input<string> };
    /** The commit being built: the prebuild re-runs when it changes. */
    commit: string;
    cosign: {
        key: string;
        publicKey: string;
        password: pulumi.Input<string>;
        tlogUpload: boolean;
        trustedRoot?: string;
    };
}

export class SignedImage extends pulumi.ComponentResource {
    /** The pushed image by digest: repository@sha256:… */
    readonly digestRef: pulumi.Output<string>;
    /** The manifest digest alone: sha256:… */
    readonly digest: pulumi.Output<string>;
    /** True once cosign verified a signature for exactly this digest with the public key. */
    readonly signatureVerified: pulumi.Output<boolean>;
    /** When the build began (ISO-8601 UTC), for the provenance. */
    readonly buildStartedOn: pulumi.Output<string>;

    constructor(name: string, args: SignedImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:SignedImage", name, {}, opts);

        // When the build began, for the provenance: taken again whenever the prebuild runs again, beside it.
        const started = new command.local.Command(
            `${name}-build-started`,
            { create: "date -u +%Y-%m-%dT%H:%M:%SZ", triggers: [args.commit, args.tag] },
            { parent: this, dependsOn: waitFor(opts) },
        );
        this.buildStartedOn = started.stdout.apply((s) => s.trim());
        const prebuild =
            args.prebuild === ""
                ? undefined
                : new command.local.Command(
                      `${name}-prebuild`,
                      {
                          create: `cd "$SOURCE_DIR" && ${args.prebuild}`,
                          environment: { SOURCE_DIR: args.sourceDir },
                          triggers: [args.commit, args.tag],
                      },
                      { parent: this, dependsOn: waitFor(opts) },
                  );

        const image = new docker.Image(
            `${name}-image`,
            {
                imageName: `${args.repository}:${args.tag}`,
                build: {
                    context: path.join(args.sourceDir, args.context),
                    dockerfile: path.join(args.sourceDir, args.dockerfile),
                    platform: args.platform,
                    network: args.network,
                    // The image is a function of the commit and the version: a new one of either rebuilds it.
                    args: { VERSION: args.tag.replace(/^v/, ""), REVISION: args.commit },
                },
                registry: args.registry,
                skipPush: false,
            },
            {
                parent: this,
                dependsOn: prebuild ? [prebuild] : waitFor(opts),
                // The provider's digest of the build context reads the checkout's build output (bin/), which a
                // fresh checkout does not have until the prebuild runs, and the prebuild runs only for a new commit
                // or version: the build args above rebuild the image exactly then, so a fresh clone rebuilds nothing.
                ignoreChanges: ["contextDigest"],
            },
        );
        this.digestRef = image.repoDigest;
        this.digest = image.repoDigest.apply((ref) => ref.split("@")[1] ?? "");

        const sign = new command.local.Command(
            `${name}-sign`,
            {
                create: 'cosign sign --yes --key "$COSIGN_KEY" --tlog-upload="$COSIGN_TLOG_UPLOAD" "$IMAGE"',
                environment: {
                    COSIGN_KEY: args.cosign.key,
                    COSIGN_PASSWORD: pulumi.secret(args.cosign.password),
                    COSIGN_TLOG_UPLOAD: String(args.cosign.tlogUpload),
                    IMAGE: image.repoDigest,
                },
                triggers: [image.repoDigest],
            },
            { parent: this, additionalSecretOutputs: ["stdout", "stderr"] },
        );

        const check = new SignatureCheck(
            `${name}-signature`,
            {
                imageRef: image.repoDigest,
                publicKey: args.cosign.publicKey,
                tlogUpload: args.cosign.tlogUpload,
                trustedRoot: args.cosign.trustedRoot,
            },
            { parent: this, dependsOn: [sign] },
        );
        this.signatureVerified = check.verified;

        this.registerOutputs({
            digestRef: this.digestRef,
            digest: this.digest,
            signatureVerified: this.signatureVerified,
            buildStartedOn: this.buildStartedOn,
        });
    }
}
