// The record of one rollback on the production Helm release: production returned to a release it ran before,
// whose digest the SLO gate promoted then. The Helm description carries it (`helm history` shows it) with the
// reason the canary gate did not run; the policy pack reads it back as it reads the gate's own record (judged.ts).

const RECORD =
    /^rollback (\S+) → (\S+): (sha256:[0-9a-f]{64}) already served production \(promoted by the SLO gate\); the canary gate is skipped$/;

export interface RollbackRecord {
    from: string;
    to: string;
    digest: string;
}

/** The Helm description of a rollback from version `from` to version `to`, which runs `digest`. */
export function rollbackDescription(r: RollbackRecord): string {
    return `rollback ${r.from} → ${r.to}: ${r.digest} already served production (promoted by the SLO gate); the canary gate is skipped`;
}

/** The rollback a Helm description records; undefined for any other description. */
export function rollbackRecord(description: unknown): RollbackRecord | undefined {
    const m = typeof description === "string" ? RECORD.exec(description) : null;
    return m === null ? undefined : { from: m[1], to: m[2], digest: m[3] };
}
