# The local cluster's own network namespace (MIRADOR_CLUSTER_NETWORK=pods): the control plane, the node and its pods
# run inside a namespace that `up` creates, with a bridge and a real pod network, and no route out. Source it after
# common.sh; do not run it. It uses CLUSTER_DIR, and start_component/stop_components of scripts/local-cluster.
#
# What the namespace holds, and what it never does:
#   lo                    127.0.0.1: etcd, the API server, the controller manager, the scheduler, the kubelet
#   mbr0                  a bridge at 198.18.0.1/16 (198.18.0.0/15 is reserved for benchmarks: neither private nor
#                         public); the CNI bridge plugin gives each pod an address in 198.18.1.0/24 on it
#   veth…                 one per pod, whose other end is in the pod's own namespace
# no default route, no link to the machine's interfaces, and the machine's own namespace gains no address or link.
# What must cross (the API server for kubectl, helm and Pulumi outside; a registry outside for containerd inside)
# crosses through 127.0.0.1 on each side: a socat in each namespace, joined by a unix socket in the run folder (a
# file, which no network namespace separates). Each side is recorded and stopped by PID like the other processes.
# shellcheck shell=bash

POD_BRIDGE=mbr0
POD_BRIDGE_ADDRESS=198.18.0.1/16
POD_RANGE_START=198.18.1.2
POD_RANGE_END=198.18.1.254
# The processes that join the namespace to 127.0.0.1 outside (names as start_component records them).
CROSSINGS=()

# The namespace of this run folder: one name per folder, so that two clusters never share one.
netns_name() {
  printf 'mirador-%s' "$(printf '%s' "$CLUSTER_DIR" | sha256sum | cut -c1-12)"
}

netns_path() { printf '/run/netns/%s' "$(netns_name)"; }

netns_exists() { [ -e "$(netns_path)" ]; }

# network_use MODE: the cluster's network from now on. CLUSTER_NET is the command prefix that runs a process inside
# the namespace (empty for the host network). nsenter switches the network namespace only: `ip netns exec` would
# also remount /sys, and the kubelet would then find no cgroup mounts.
network_use() {
  NETWORK="$1"
  CLUSTER_NET=()
  if [ "$NETWORK" = pods ]; then
    CLUSTER_NET=(nsenter --net="$(netns_path)")
  fi
}

network_check() {
  case "$1" in
    host) ;;
    pods)
      command -v socat >/dev/null || die "socat is needed for MIRADOR_CLUSTER_NETWORK=pods (run scripts/bootstrap-tools --apt)"
      command -v nsenter >/dev/null || die "nsenter (util-linux) is needed for MIRADOR_CLUSTER_NETWORK=pods"
      [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] ||
        die "/usr/lib/cni/bridge and host-local are missing (Debian's containernetworking-plugins): run scripts/bootstrap-tools --apt"
      [ "$(id -u)" = 0 ] || die "MIRADOR_CLUSTER_NETWORK=pods creates a network namespace: it needs root"
      ;;
    *) die "MIRADOR_CLUSTER_NETWORK is '$1': expected host (pods on the host's loopback) or pods (a pod network in a namespace of its own)" ;;
  esac
}

# netns_create: a fresh namespace with lo and the pod bridge; fails unless it has no default route.
netns_create() {
  local name
  name=$(netns_name)
  netns_delete
  ip netns add "$name"
  ip -n "$name" link set lo up
  ip -n "$name" link add "$POD_BRIDGE" type bridge
  ip -n "$name" addr add "$POD_BRIDGE_ADDRESS" dev "$POD_BRIDGE"
  ip -n "$name" link set "$POD_BRIDGE" up
  if ip -n "$name" route show default | grep -q .; then
    die "network namespace $name has a default route: $(ip -n "$name" route show default)"
  fi
  log "network namespace $name: lo, bridge $POD_BRIDGE $POD_BRIDGE_ADDRESS, no route out"
}

netns_delete() {
  local name
  name=$(netns_name)
  netns_exists || return 0
  ip netns delete "$name" || die "could not delete network namespace $name"
}

# The CNI network of the node: the bridge plugin with host-local addresses on the pod bridge (no masquerade, no
# iptables: nothing leaves the namespace), or for the host network only the loopback plugin (the runtime reports its
# network ready, and nothing gets an address; pods run with hostNetwork on 127.0.0.1).
network_write_cni() {
  local dir="$1"
  if [ "$NETWORK" = pods ]; then
    cat >"$dir/10-mirador-pods.conflist" <<EOF
{ "cniVersion": "1.0.0", "name": "mirador-pods", "plugins": [{
  "type": "bridge", "bridge": "$POD_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
  "ipam": { "type": "host-local", "dataDir": "$dir/ipam",
            "ranges": [[{ "subnet": "198.18.0.0/16", "rangeStart": "$POD_RANGE_START", "rangeEnd": "$POD_RANGE_END",
                          "gateway": "198.18.0.1" }]] } }] }
EOF
  else
    cat >"$dir/10-mirador-loopback.conflist" <<'EOF'
{ "cniVersion": "1.0.0", "name": "mirador-loopback", "plugins": [{ "type": "loopback" }] }
EOF
  fi
}

crossing_socket() {
  local sock="$CLUSTER_DIR/cross/$1.sock"
  # A unix socket path is limited to 107 bytes.
  [ "${#sock}" -le 107 ] || die "MIRADOR_RUN is too long for the crossing's socket ($sock): use a shorter run folder"
  printf '%s' "$sock"
}

# crossing_out NAME PORT: a server inside the namespace on 127.0.0.1:PORT is reached outside at 127.0.0.1:PORT.
crossing_out() {
  local name="$1" port="$2" sock
  sock=$(crossing_socket "$name")
  mkdir -p "$CLUSTER_DIR/cross"
  start_component "$name-inner" nsenter --net="$(netns_path)" socat "UNIX-LISTEN:$sock,fork,unlink-early,mode=600" \
    "TCP:127.0.0.1:$port"
  start_component "$name-outer" socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$sock"
  CROSSINGS+=("$name-inner" "$name-outer")
}

# crossing_in NAME PORT: a server outside on 127.0.0.1:PORT is reached inside the namespace at 127.0.0.1:PORT.
crossing_in() {
  local name="$1" port="$2" sock
  sock=$(crossing_socket "$name")
  mkdir -p "$CLUSTER_DIR/cross"
  start_component "$name-outer" socat "UNIX-LISTEN:$sock,fork,unlink-early,mode=600" "TCP:127.0.0.1:$port"
  start_component "$name-inner" nsenter --net="$(netns_path)" socat \
    "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$sock"
  CROSSINGS+=("$name-outer" "$name-inner")
}
