# local-infra component `cluster`: the Kubernetes API of scripts/local-cluster (etcd, kube-apiserver, controller
# manager, scheduler) and its node (containerd, kubelet) on loopback; docs/local-cluster.md has the details. It comes
# after the registry: containerd pulls the canary's digest from it over plain HTTP.
# shellcheck shell=bash

infra_register cluster 25 "Kubernetes API and a node that runs containers (scripts/local-cluster)"

cluster_endpoint() { printf '%s/cluster/kubeconfig' "$MIRADOR_RUN"; }

cluster_running() { "$MIRADOR_ROOT/scripts/local-cluster" status >/dev/null 2>&1; }

cluster_up() {
  local registry=""
  if registry_running; then registry=$(registry_endpoint); fi
  MIRADOR_CLUSTER_REGISTRY="$registry" "$MIRADOR_ROOT/scripts/local-cluster" up
  infra_env_write cluster "KUBECONFIG=$(cluster_endpoint)"
}

cluster_down() {
  "$MIRADOR_ROOT/scripts/local-cluster" down
  infra_env_clear cluster
}
