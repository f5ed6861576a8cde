#!/usr/bin/env bash
# RELEASE-PROCESS.md steps 1 and 3-5 (with the attestations of docs/attestations.md) as a release engineer types them, for bench/e2e.ts to time against
# `pulumi up -s local-staging` on the same infrastructure. Not used by the program.
# Env: SOURCE_DIR, REGISTRY, TAG, COSIGN_KEY, COSIGN_PUBLIC_KEY, COSIGN_PASSWORD, TRUSTED_ROOT, KUBECONFIG,
# NAMESPACE, RELEASE, DIST, GRPC_PORT, METRICS_PORT, PROMETHEUS_URL, PROJECT_DIR (for the cache-hit-rate check).
set -euo pipefail
image="$REGISTRY/mirador-rca:$TAG"

# 1. pre-release checks
make -C "$SOURCE_DIR" --no-print-directory verify >/dev/null

# 3. build, push, sign, verify
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
make -C "$SOURCE_DIR" --no-print-directory build >/dev/null
docker build --network host -q -t "$image" "$SOURCE_DIR" >/dev/null
docker push -q "$image" >/dev/null
digest=$(crane digest "$image")
ref="$REGISTRY/mirador-rca@$digest"
cosign sign --yes --key "$COSIGN_KEY" --tlog-upload=false "$ref" >/dev/null 2>&1
cosign verify --key "$COSIGN_PUBLIC_KEY" --insecure-ignore-tlog=true --trusted-root="$TRUSTED_ROOT" "$ref" >/dev/null 2>&1

# 3b. attest the signed digest with the same key: its SBOM (syft, SPDX JSON) and the build's SLSA provenance
predicates=$(mktemp -d)
trap 'rm -rf "$predicates"' EXIT
SYFT_CHECK_FOR_APP_UPDATE=false syft scan "registry:$ref" --quiet --output "spdx-json=$predicates/sbom.json"
cosign attest --yes --key "$COSIGN_KEY" --tlog-upload=false --type spdxjson --predicate "$predicates/sbom.json" \
  "$ref" >/dev/null 2>&1
IMAGE="$ref" SOURCE_DIR="$SOURCE_DIR" COMMIT="$(git -C "$SOURCE_DIR" rev-parse HEAD)" DOCKERFILE=Dockerfile CONTEXT=. \
  PREBUILD="make build" STARTED_ON="$started" BUILDER_ID=https://github.com/miradorstack/mirador-release/bench \
  BUILD_TYPE=https://github.com/miradorstack/mirador-release/blob/main/docs/attestations.md#build-v1 \
  node "$PROJECT_DIR/components/steps/provenance.js" >"$predicates/provenance.json"
cosign attest --yes --key "$COSIGN_KEY" --tlog-upload=false --type slsaprovenance1 \
  --predicate "$predicates/provenance.json" "$ref" >/dev/null 2>&1

# 4. chart
chart="$SOURCE_DIR/charts/mirador-rca"
helm dependency update "$chart" >/dev/null
helm lint --strict "$chart" --set-string image.tag="v0.4.0@$digest" >/dev/null
helm package "$chart" --destination "$DIST" >/dev/null
sha256sum "$DIST"/mirador-rca-*.tgz >/dev/null

# 5. canary: deploy (the local node runs the pod on its loopback, at the ports the smoke tests call), smoke tests,
# routing
helm upgrade --install "$RELEASE" "$DIST"/mirador-rca-*.tgz -n "$NAMESPACE" --create-namespace --atomic --wait \
  --post-renderer "$PROJECT_DIR/scripts/local-node-postrender" \
  --set image.repository="$REGISTRY/mirador-rca" --set-string image.tag="v0.4.0@$digest" --set podLabels.track=canary \
  --set replicaCount=1 --set autoscaling.enabled=false --set alerts.enabled=false --set fullnameOverride="$RELEASE" \
  --set service.port="$GRPC_PORT" --set metrics.port="$METRICS_PORT" \
  --set config.server.address="127.0.0.1:$GRPC_PORT" --set config.server.metricsAddress="127.0.0.1:$METRICS_PORT" \
  >/dev/null
grpcurl -plaintext -d '{"service":"rca.v1.RCAEngine"}' "127.0.0.1:$GRPC_PORT" grpc.health.v1.Health/Check >/dev/null
req='{"incident_id":"INC-SMOKE","symptoms":["checkout p99 latency above 2s"],"time_range":{"start":"2026-01-01T00:00:00Z","end":"2026-01-01T01:00:00Z"},"affected_services":["checkout"],"tenant_id":"smoke"}'
grpcurl -plaintext -d "$req" "127.0.0.1:$GRPC_PORT" rca.v1.RCAEngine/InvestigateIncident | grep -q '"rootCause"'
grpcurl -plaintext -d '{"tenant_id":"smoke","service":"checkout"}' "127.0.0.1:$GRPC_PORT" rca.v1.RCAEngine/GetPatterns >/dev/null
grpcurl -plaintext -d '{"tenant_id":"smoke","service":"checkout","page_size":5}' "127.0.0.1:$GRPC_PORT" \
  rca.v1.RCAEngine/ListCorrelations >/dev/null
kubectl create configmap mirador-core-routing -n "$NAMESPACE" --from-literal=rca.canary.weight=10 \
  --from-literal=rca.stable.weight=90 --dry-run=client -o yaml | kubectl apply -f - >/dev/null
