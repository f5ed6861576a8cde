// Production's attestation settings (docs/attestations.md): how old the gate's verdict on the digest may be when
// prod deploys it.
import { Reader } from "./reader";

/** A week: a verdict older than that judged a canary long gone. */
const MAX_MINUTES = 7 * 24 * 60;

export function readAttestations(r: Reader): { gateVerdictMaxAgeSeconds: number } {
    const minutes = r.number(r.object("attestations"), "attestations", "gateVerdictMaxAgeMinutes", 60, {
        min: 1,
        max: MAX_MINUTES,
        whole: true,
    });
    return { gateVerdictMaxAgeSeconds: minutes * 60 };
}
