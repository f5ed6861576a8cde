// The gate's verdict as an in-toto predicate (docs/attestations.md): what production attests on the digest it
// promotes with the release's cosign key, and verifies before it deploys. One document per judged digest.
import { GateDecision } from "./checks";
import { renderJson } from "./report";

/** The predicate type of the gate's verdict (`cosign attest --type`, `cosign verify-attestation --type`). */
export const GATE_VERDICT_TYPE =
    "https://github.com/miradorstack/mirador-release/blob/main/docs/attestations.md#gate-verdict-v1";

export interface GateVerdictPredicate {
    /** "promote" or "deny" (only a promote verdict is attested). */
    decision: "promote" | "deny";
    /** The digest the gate judged the canary of. */
    digest: string | null;
    /** When the gate asked Prometheus, UTC, to the second: 2026-11-29T01:02:03Z (compared as text by the policy). */
    judgedAt: string;
    prometheus: { url: string };
    /** The canary's soak window the checks read; since is null when the canary's start was unknown. */
    soak: { since: string | null; seconds: number | null; label: string };
    /** Every check with its value, threshold, result and reason, as `gate --json` prints them. */
    checks: { name: string; query: string; value: number | null; threshold: string; result: string; reason: string }[];
}

/** An ISO-8601 UTC time to the second, the fixed-width form the verification policy compares as text. */
export function utcSeconds(time: Date): string {
    return time.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The predicate of a decision the gate reached at `now` against `prometheusUrl`. */
export function verdictPredicate(
    decision: GateDecision,
    facts: { prometheusUrl: string; digest?: string; now: Date },
): GateVerdictPredicate {
    const soak = decision.checks.find((c) => c.name === "canary-soak");
    const minutes = soak?.value ?? null;
    const started = soak === undefined ? undefined : /canary started (\S+)/.exec(soak.reason)?.[1];
    return {
        decision: decision.decision,
        digest: facts.digest ?? null,
        judgedAt: utcSeconds(facts.now),
        prometheus: { url: facts.prometheusUrl },
        soak: {
            since: started ?? null,
            seconds: minutes === null || !Number.isFinite(minutes) ? null : Math.round(minutes * 60),
            label: soak?.reason ?? "no soak check",
        },
        checks: (JSON.parse(renderJson(decision)) as { checks: GateVerdictPredicate["checks"] }).checks,
    };
}
