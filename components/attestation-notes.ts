// The attestations of a released digest and how to verify them by hand, for the GitHub release body, the Slack
// message and the README (docs/attestations.md).
import { ATTESTATION_KINDS, AttestationKind } from "./attestation-check";

const KINDS: AttestationKind[] = ["sbom", "provenance", "gate"];

/** The `cosign verify-attestation` command of one kind (add the local stacks' offline flags as the README says). */
export function verifyAttestationCommand(kind: AttestationKind, digestRef: string): string {
    return `cosign verify-attestation --key mirador-rca.pub --type ${ATTESTATION_KINDS[kind].type} ${digestRef}`;
}

/** Markdown list items: each attestation on the digest, with the command that verifies it. */
export function attestationLines(digestRef: string, commit: string): string[] {
    return KINDS.map((kind) => {
        const what = kind === "provenance" ? `SLSA v1 provenance (commit ${commit})` : ATTESTATION_KINDS[kind].what;
        return `- ${what}: \`${verifyAttestationCommand(kind, digestRef)}\``;
    });
}
