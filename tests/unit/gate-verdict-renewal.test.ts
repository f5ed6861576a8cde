// When the gate must judge a digest again: its promote verdict expired (or is about to) before production ran the
// digest. The real registry and engine: tests/e2e/attestations.test.ts.
import * as assert from "assert";
import { SETTLED, newestPromoteVerdict, renewalKey, renewing } from "../../components/gate-verdict-renewal";

const digest = `sha256:${"a".repeat(64)}`;
const other = `sha256:${"b".repeat(64)}`;

/** One line of `cosign verify-attestation` output: a DSSE envelope around an in-toto statement. */
function envelope(predicate: object): string {
    const statement = { _type: "https://in-toto.io/Statement/v1", predicate };
    return JSON.stringify({ payloadType: "application/vnd.in-toto+json", payload: btoa(JSON.stringify(statement)) });
}

describe("the gate verdict's renewal", () => {
    it("reads the newest promote verdict of the digest, ignoring denies, other digests and cosign's messages", () => {
        const out = [
            envelope({ decision: "promote", digest, judgedAt: "2026-11-29T01:00:00Z" }),
            envelope({ decision: "promote", digest, judgedAt: "2026-11-29T03:00:00Z" }),
            envelope({ decision: "deny", digest, judgedAt: "2026-11-29T04:00:00Z" }),
            envelope({ decision: "promote", digest: other, judgedAt: "2026-11-29T05:00:00Z" }),
            "Verification for 127.0.0.1:5000/mirador-rca@sha256:… --",
            "",
        ].join("\n");
        assert.strictEqual(newestPromoteVerdict(out, digest), "2026-11-29T03:00:00Z");
        assert.strictEqual(newestPromoteVerdict("", digest), undefined);
        assert.strictEqual(newestPromoteVerdict(envelope({ decision: "promote", digest }), digest), undefined);
    });

    const now = new Date("2026-11-29T12:00:00Z");
    const hour = 3600;
    it("renews an expired verdict of a digest production does not run yet", () => {
        const key = renewalKey({ digest, newestVerdict: "2026-11-29T10:30:00Z", maxAgeSeconds: hour, now });
        assert.ok(renewing(key), key);
        assert.match(key, /judged at 2026-11-29T10:30:00Z is older than 60 min/);
        assert.ok(key.includes(`production does not run ${digest} yet`));
        // another verdict, another key: each renewal runs the gate once
        const later = renewalKey({ digest, newestVerdict: "2026-11-29T10:45:00Z", maxAgeSeconds: hour, now });
        assert.notStrictEqual(later, key);
        // production runs another digest: still renewed
        assert.ok(
            renewing(
                renewalKey({
                    digest,
                    productionDigest: other,
                    newestVerdict: "2026-11-29T10:30:00Z",
                    maxAgeSeconds: hour,
                    now,
                }),
            ),
        );
    });

    it("renews a verdict within five minutes of its maximum age, so that the check after it does not find it expired", () => {
        assert.ok(renewing(renewalKey({ digest, newestVerdict: "2026-11-29T11:04:00Z", maxAgeSeconds: hour, now })));
        assert.strictEqual(
            renewalKey({ digest, newestVerdict: "2026-11-29T11:06:00Z", maxAgeSeconds: hour, now }),
            SETTLED,
        );
        // a short maximum age keeps three quarters of it: 225 s of 5 min
        const short = 300;
        assert.ok(renewing(renewalKey({ digest, newestVerdict: "2026-11-29T11:56:10Z", maxAgeSeconds: short, now })));
        assert.strictEqual(
            renewalKey({ digest, newestVerdict: "2026-11-29T11:56:20Z", maxAgeSeconds: short, now }),
            SETTLED,
        );
    });

    it("leaves a digest production already runs, or one with no readable verdict, to the checks", () => {
        const old = "2026-11-28T00:00:00Z";
        assert.strictEqual(
            renewalKey({ digest, productionDigest: digest, newestVerdict: old, maxAgeSeconds: hour, now }),
            SETTLED,
        );
        assert.strictEqual(renewalKey({ digest, maxAgeSeconds: hour, now }), SETTLED);
        assert.ok(renewing(renewalKey({ digest, newestVerdict: "not a time", maxAgeSeconds: hour, now })));
        assert.ok(!renewing(undefined));
        assert.ok(!renewing(SETTLED));
    });
});
