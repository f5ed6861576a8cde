# local-infra component `cluster`: the Kubernetes API of scripts/local-cluster (etcd, kube-apiserver, controller
# manager, scheduler, kwok's fake node) on loopback; docs/local-cluster.md has the details.
# shellcheck shell=bash

infra_register cluster 25 "Kubernetes API with a kwok node (scripts/local-cluster)"

cluster_endpoint() { printf '%s/cluster/kubeconfig' "$MIRADOR_RUN"; }

cluster_running() { "$MIRADOR_ROOT/scripts/local-cluster" status >/dev/null 2>&1; }

cluster_up() {
  "$MIRADOR_ROOT/scripts/local-cluster" up
  infra_env_write cluster "KUBECONFIG=$(cluster_endpoint)"
}

cluster_down() {
  "$MIRADOR_ROOT/scripts/local-cluster" down
  infra_env_clear cluster
}
