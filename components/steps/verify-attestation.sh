#!/usr/bin/env bash
# Verifies one attestation of an image by digest with the release's public key and a CUE policy, and stops with the
# reason when it is missing, signed by another key, or says something else (docs/attestations.md). KIND:
#   sbom        an SPDX JSON SBOM of this digest
#   provenance  SLSA v1 provenance of this digest whose source commit is COMMIT
#   gate        a gate verdict "promote" of this digest, judged at most MAX_AGE_SECONDS ago
# Env: KIND IMAGE COSIGN_PUBLIC_KEY COSIGN_FLAGS (e.g. --insecure-ignore-tlog=true --trusted-root=f); COMMIT for
# provenance; GATE_VERDICT_TYPE and MAX_AGE_SECONDS for gate. Prints one line on stdout when it verified.
set -euo pipefail
: "${KIND:?}" "${IMAGE:?}" "${COSIGN_PUBLIC_KEY:?}"
digest="${IMAGE#*@}"
case "$digest" in sha256:*) ;; *) echo "verify-attestation: IMAGE must be repo@sha256:…, got '$IMAGE'" >&2; exit 2 ;; esac
hex="${digest#sha256:}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
policy="$tmp/$KIND.cue"
subject="subject: [{digest: {sha256: \"$hex\"}}]"
case "$KIND" in
  sbom)
    type=spdxjson
    what="SBOM (SPDX JSON)"
    printf '%s\n%s\n%s\n' 'predicateType: "https://spdx.dev/Document"' "$subject" \
      'predicate: spdxVersion: =~"^SPDX-2\\."' >"$policy"
    ;;
  provenance)
    : "${COMMIT:?}"
    type=slsaprovenance1
    what="SLSA provenance naming commit $COMMIT"
    printf '%s\n%s\n%s\n' 'predicateType: "https://slsa.dev/provenance/v1"' "$subject" \
      "predicate: buildDefinition: externalParameters: source: commit: \"$COMMIT\"" >"$policy"
    ;;
  gate)
    : "${GATE_VERDICT_TYPE:?}" "${MAX_AGE_SECONDS:?}"
    type="$GATE_VERDICT_TYPE"
    cutoff=$(date -u -d "@$(($(date +%s) - MAX_AGE_SECONDS))" +%Y-%m-%dT%H:%M:%SZ)
    what="gate verdict 'promote' judged since $cutoff (at most ${MAX_AGE_SECONDS}s ago)"
    printf '%s\n%s\n%s\n' "predicateType: \"$GATE_VERDICT_TYPE\"" "$subject" \
      "predicate: {decision: \"promote\", digest: \"$digest\", judgedAt: =~\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\$\" & >=\"$cutoff\"}" >"$policy"
    ;;
  *)
    echo "verify-attestation: KIND must be sbom, provenance or gate, got '$KIND'" >&2
    exit 2
    ;;
esac

# shellcheck disable=SC2086 # COSIGN_FLAGS holds several flags
if cosign verify-attestation --key "$COSIGN_PUBLIC_KEY" ${COSIGN_FLAGS:-} --type "$type" --policy "$policy" \
  "$IMAGE" >"$tmp/out" 2>"$tmp/err"; then
  echo "verified $KIND attestation of $digest: $what"
  exit 0
fi

err=$(grep -v '^WARNING: Skipping tlog' "$tmp/err" || true)
if grep -q 'accepted signatures do not match threshold' "$tmp/err"; then
  reason="no attestation on it is signed by the release's key ($COSIGN_PUBLIC_KEY): those found are signed by another key"
elif grep -q 'none of the attestations matched the predicate type' "$tmp/err"; then
  reason="no $KIND attestation ($type) on it: it carries only $(sed -n 's/.*found: //p' "$tmp/err" | head -n1)"
elif grep -q 'no matching attestations' "$tmp/err"; then
  reason="it carries no attestations at all (staging attests the digest it signs: pulumi up -s staging)"
elif grep -q 'validation errors occurred' "$tmp/err"; then
  reason="its $KIND attestation does not match: expected $what; $(grep '^- ' "$tmp/err" | tr '\n' ' ')"
else
  reason="cosign verify-attestation failed"
fi
echo "production stops before it changes: $digest: $reason" >&2
echo "cosign said: $err" >&2
exit 1
