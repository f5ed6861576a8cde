// A promotion the gate judged but production did not finish (an update that failed or was killed after the gate,
// a blocked step fixed an hour later) must not deploy on a verdict older than attestations.gateVerdictMaxAgeMinutes:
// the gate judges the canary again, and its new verdict is verified again. Asked while the program runs, read-only:
// Helm's status of production (does it run the digest already, by the gate's promotion?) and the digest's gate
// verdicts signed by the release's key (`cosign verify-attestation`, the same trust flags as the checks).
import { execFileSync } from "child_process";
import { judgedDigest } from "../gate/judged";
import { GATE_VERDICT_TYPE } from "../gate/verdict-attestation";
import { HelmTarget, helmLiveStatus } from "./helm-live-status";

/** The key of a digest whose judging is done: production runs it, or its newest verdict is still fresh. */
export const SETTLED = "settled";

/** Whether a renewal key asks the gate to judge again. */
export function renewing(key: string | undefined): boolean {
    return key !== undefined && key !== SETTLED;
}

/**
 * A verdict due to expire this soon is renewed too, so that the verification a few steps later does not find it
 * just expired: five minutes, or a quarter of a shorter maximum age.
 */
export function renewalMargin(maxAgeSeconds: number): number {
    return Math.min(300, maxAgeSeconds / 4);
}

/** The judgedAt of the newest "promote" verdict of `digest` among cosign's verified attestations (JSON lines). */
export function newestPromoteVerdict(cosignOutput: string, digest: string): string | undefined {
    let newest: string | undefined;
    for (const line of cosignOutput.split("\n")) {
        try {
            const envelope = JSON.parse(line) as { payload?: string };
            const statement = JSON.parse(Buffer.from(envelope.payload ?? "", "base64").toString("utf8")) as {
                predicate?: { decision?: string; digest?: string; judgedAt?: string };
            };
            const p = statement.predicate;
            if (p?.decision === "promote" && p.digest === digest && typeof p.judgedAt === "string") {
                newest = newest === undefined || p.judgedAt > newest ? p.judgedAt : newest;
            }
        } catch {
            // not an attestation envelope (cosign's own messages): skip it
        }
    }
    return newest;
}

export interface RenewalFacts {
    /** The digest being promoted. */
    digest: string;
    /** The digest production's Helm release says the gate promoted (judgedDigest of its description), if any. */
    productionDigest?: string;
    /** The judgedAt of the digest's newest promote verdict signed by the release's key, if one could be read. */
    newestVerdict?: string;
    maxAgeSeconds: number;
    now: Date;
}

/**
 * "settled", or `renew: <why>` when the gate must judge again: production does not run the digest yet and its
 * newest promote verdict is (about to be) older than the maximum age. No verdict at all is settled: the gate has
 * not judged this digest (it will), or denied it (it judges again anyway); an unreadable registry is settled too,
 * and the verification step then stops production with cosign's reason.
 */
export function renewalKey(f: RenewalFacts): string {
    if (f.productionDigest === f.digest || f.newestVerdict === undefined) {
        return SETTLED;
    }
    const judgedAt = Date.parse(f.newestVerdict);
    const age = (f.now.getTime() - judgedAt) / 1000;
    if (Number.isFinite(age) && age <= f.maxAgeSeconds - renewalMargin(f.maxAgeSeconds)) {
        return SETTLED;
    }
    return `renew: the verdict judged at ${f.newestVerdict} is older than ${Math.round(f.maxAgeSeconds / 60)} min or about to be, and production does not run ${f.digest} yet`;
}

export interface RenewalProbe {
    production: HelmTarget;
    /** The image by digest: repo@sha256:… */
    imageRef: string;
    publicKey: string;
    /** verifyFlags(): the trust flags of the attestation checks. */
    cosignFlags: string;
    maxAgeSeconds: number;
}

/** The digest's gate verdicts signed by the release's key, as cosign prints them; "" when none or unreadable. */
function verifiedVerdicts(p: RenewalProbe): string {
    try {
        return execFileSync(
            "cosign",
            [
                "verify-attestation",
                "--key",
                p.publicKey,
                ...p.cosignFlags.split(" ").filter((f) => f !== ""),
                "--type",
                GATE_VERDICT_TYPE,
                p.imageRef,
            ],
            { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 60_000 },
        );
    } catch {
        return "";
    }
}

/** Asks Helm and the registry now (bounded: 30 s and 60 s); see renewalKey. */
export function askRenewal(p: RenewalProbe): string {
    const digest = p.imageRef.split("@")[1] ?? "";
    const live = helmLiveStatus(p.production);
    const productionDigest = live.status === "deployed" ? judgedDigest(live.description) : undefined;
    if (productionDigest === digest) {
        return SETTLED;
    }
    return renewalKey({
        digest,
        productionDigest,
        newestVerdict: newestPromoteVerdict(verifiedVerdicts(p), digest),
        maxAgeSeconds: p.maxAgeSeconds,
        now: new Date(),
    });
}
