#!/usr/bin/env bash
# Recovers a Helm release left pending-install/-upgrade/-rollback by a killed run, so the next upgrade is not
# refused with "another operation is in progress". Runs before each change of the release and whenever Helm says
# the release is pending (components/chart-release.ts); does nothing when the release is absent or settled. Needs
# RELEASE and NAMESPACE; KUBECONFIG when not ambient, KUBE_CONTEXT when the stack sets kubernetes.context.
set -euo pipefail
: "${RELEASE:?}" "${NAMESPACE:?}"
target=(-n "$NAMESPACE")
if [ -n "${KUBE_CONTEXT:-}" ]; then
  target+=(--kube-context "$KUBE_CONTEXT")
fi
status=$(helm status "$RELEASE" "${target[@]}" -o json 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).info.status)}catch{}})' || true)
case "$status" in
  pending-install)
    echo "release $NAMESPACE/$RELEASE is pending-install after an interrupted run: uninstalling it" >&2
    helm uninstall "$RELEASE" "${target[@]}" --wait
    ;;
  pending-upgrade|pending-rollback)
    echo "release $NAMESPACE/$RELEASE is $status after an interrupted run: rolling back to the last deployed revision" >&2
    helm rollback "$RELEASE" "${target[@]}" --wait
    ;;
  *)
    echo "release $NAMESPACE/$RELEASE: ${status:-not installed}"
    ;;
esac
