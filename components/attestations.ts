// Issue 13, staging: the digest staging signed is attested with the same cosign key, as cosign attestations stored
// in the registry next to the signature: syft's SPDX JSON SBOM and a SLSA v1 provenance statement of the build
// (docs/attestations.md). Each step re-runs exactly when the digest changes, like the signature.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "./naming";

/** The SLSA buildType of staging's build (docs/attestations.md#provenance). */
export const BUILD_TYPE = "https://github.com/miradorstack/mirador-release/blob/main/docs/attestations.md#build-v1";

/** The attestations staging makes, by the cosign `--type` each is stored under. */
export const STAGING_ATTESTATIONS = [
    { kind: "sbom", type: "spdxjson", what: "SBOM of the image (syft, SPDX JSON)" },
    { kind: "provenance", type: "slsaprovenance1", what: "SLSA v1 provenance of staging's build" },
] as const;

export interface ImageAttestationsArgs {
    /** The signed image by digest: repo@sha256:… */
    imageRef: pulumi.Input<string>;
    /** The build's inputs, as SignedImage got them (paths relative to the project; Dockerfile, context to the checkout). */
    sourceDir: string;
    commit: string;
    dockerfile: string;
    context: string;
    prebuild: string;
    platform?: string;
    /** When the build began (ISO-8601 UTC). */
    startedOn: pulumi.Input<string>;
    /** The release tag: it names the invocation, with the stack. */
    tag: string;
    cosign: { key: string; password: pulumi.Input<string>; tlogUpload: boolean };
}

/** The environment every attest step shares: the digest and the signing key (its password a secret). */
function signingEnv(args: ImageAttestationsArgs): Record<string, pulumi.Input<string>> {
    return {
        IMAGE: args.imageRef,
        COSIGN_KEY: args.cosign.key,
        COSIGN_PASSWORD: pulumi.secret(args.cosign.password),
        COSIGN_TLOG_UPLOAD: String(args.cosign.tlogUpload),
    };
}

/** The SBOM and provenance attestations of one signed digest. */
export class ImageAttestations extends pulumi.ComponentResource {
    /** One line per attestation made: "attested sbom (spdxjson) on sha256:…: predicate sha256:…". */
    readonly summaries: pulumi.Output<string[]>;

    constructor(name: string, args: ImageAttestationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:ImageAttestations", name, {}, opts);
        const stack = pulumi.getStack();
        const provenanceEnv: Record<string, pulumi.Input<string>> = {
            SOURCE_DIR: args.sourceDir,
            COMMIT: args.commit,
            DOCKERFILE: args.dockerfile,
            CONTEXT: args.context,
            PREBUILD: args.prebuild,
            PLATFORM: args.platform ?? "",
            STARTED_ON: args.startedOn,
            BUILDER_ID: `https://github.com/miradorstack/mirador-release/stacks/${stack}`,
            BUILD_TYPE,
            INVOCATION_ID: `${stack}/${args.tag}`,
        };
        const steps = STAGING_ATTESTATIONS.map(
            ({ kind }) =>
                new command.local.Command(
                    `${name}-${kind}`,
                    {
                        create: "bash components/steps/attest-image.sh",
                        environment: {
                            KIND: kind,
                            ...signingEnv(args),
                            ...(kind === "provenance" ? provenanceEnv : {}),
                        },
                        // Exactly when the digest changes, like the signature.
                        triggers: [args.imageRef],
                    },
                    { parent: this, dependsOn: waitFor(opts), additionalSecretOutputs: ["stderr"] },
                ),
        );
        this.summaries = pulumi.all(steps.map((s) => s.stdout)).apply((lines) => lines.map((l) => l.trim()));
        this.registerOutputs({ summaries: this.summaries });
    }
}
