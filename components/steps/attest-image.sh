#!/usr/bin/env bash
# Attests one predicate on an image by digest with the release's cosign key, stored in the registry next to the
# signature (docs/attestations.md). KIND says which:
#   sbom        syft's SPDX JSON SBOM of the image            (cosign --type spdxjson)
#   provenance  the SLSA v1 provenance of staging's build      (--type slsaprovenance1; components/steps/provenance.js)
#   gate        the gate's verdict, the file PREDICATE         (--type "$GATE_VERDICT_TYPE")
# Env: KIND IMAGE (repo@sha256:…) COSIGN_KEY COSIGN_PASSWORD COSIGN_TLOG_UPLOAD; provenance.js's env for provenance;
# PREDICATE and GATE_VERDICT_TYPE for gate. An earlier attestation of the same type on the digest is replaced, so a
# digest carries one of each. Prints one summary line on stdout; cosign's and syft's output go to stderr.
set -euo pipefail
: "${KIND:?}" "${IMAGE:?}" "${COSIGN_KEY:?}" "${COSIGN_TLOG_UPLOAD:?}"
case "$IMAGE" in *@sha256:*) ;; *) echo "attest: IMAGE must be an image by digest (repo@sha256:…), got '$IMAGE'" >&2; exit 2 ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
predicate="$tmp/predicate.json"
case "$KIND" in
  sbom)
    type=spdxjson
    # Offline: no update check; the image is read from the registry by digest, never from a local engine.
    SYFT_CHECK_FOR_APP_UPDATE=false syft scan "registry:$IMAGE" --quiet --output "spdx-json=$predicate" >&2
    ;;
  provenance)
    type=slsaprovenance1
    node "$(dirname "$0")/provenance.js" >"$predicate"
    ;;
  gate)
    : "${PREDICATE:?}" "${GATE_VERDICT_TYPE:?}"
    type="$GATE_VERDICT_TYPE"
    cp "$PREDICATE" "$predicate"
    ;;
  *)
    echo "attest: KIND must be sbom, provenance or gate, got '$KIND'" >&2
    exit 2
    ;;
esac

cosign attest --yes --key "$COSIGN_KEY" --tlog-upload="$COSIGN_TLOG_UPLOAD" --replace \
  --type "$type" --predicate "$predicate" "$IMAGE" >&2
echo "attested $KIND ($type) on ${IMAGE#*@}: predicate sha256:$(sha256sum "$predicate" | cut -d' ' -f1)"
