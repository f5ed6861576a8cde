// The record of one promotion on the production Helm release: the program's gate judged the canary of a digest
// and said "promote". The release's Helm description carries it (`helm history` shows it), and the policy pack
// reads it back, so that a digest production already runs is judged once, not again at every later update.

const PREFIX = "promoted by the SLO gate: ";
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The Helm description of a release whose digest the gate promoted. */
export function judgedDescription(digest: string): string {
    return `${PREFIX}${digest}`;
}

/** The digest a Helm description says the gate promoted; undefined for any other description. */
export function judgedDigest(description: unknown): string | undefined {
    if (typeof description !== "string" || !description.startsWith(PREFIX)) {
        return undefined;
    }
    const digest = description.slice(PREFIX.length);
    return DIGEST.test(digest) ? digest : undefined;
}
