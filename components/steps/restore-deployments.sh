#!/usr/bin/env bash
# Puts the release's Deployments back as Helm's manifest has them (kubectl replace), after drift: Helm's three-way
# merge resets the fields an edit changed but keeps what it added (an extra env entry, a sidecar). Runs after the
# release's upgrade, only when the program found drift (components/release-drift.ts). Needs RELEASE, NAMESPACE,
# TIMEOUT_SECONDS; KUBECONFIG when not ambient, KUBE_CONTEXT when the stack sets kubernetes.context.
set -euo pipefail
: "${RELEASE:?}" "${NAMESPACE:?}" "${TIMEOUT_SECONDS:?}"
helm_target=(-n "$NAMESPACE")
kube_target=(-n "$NAMESPACE")
if [ -n "${KUBE_CONTEXT:-}" ]; then
  helm_target+=(--kube-context "$KUBE_CONTEXT")
  kube_target+=(--context "$KUBE_CONTEXT")
fi
deployments=$(helm get manifest "$RELEASE" "${helm_target[@]}" | node -e '
  const YAML = require("yaml");
  let s = "";
  process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const docs = YAML.parseAllDocuments(s).map((d) => d.toJSON()).filter((d) => d && d.kind === "Deployment");
    process.stdout.write(docs.map((d) => JSON.stringify(d)).join("\n"));
  });')
if [ -z "$deployments" ]; then
  echo "release $NAMESPACE/$RELEASE has no Deployment"
  exit 0
fi
while IFS= read -r doc; do
  name=$(node -e 'console.log(JSON.parse(process.argv[1]).metadata.name)' "$doc")
  printf '%s' "$doc" | kubectl replace "${kube_target[@]}" -f -
  kubectl rollout status "deployment/$name" "${kube_target[@]}" --timeout="${TIMEOUT_SECONDS}s"
done <<<"$deployments"
