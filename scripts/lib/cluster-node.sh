# The node of the local cluster (scripts/local-cluster): containerd 2.x with runc, and the kubelet. Source it after
# common.sh; do not run it. It uses CLUSTER_DIR, NODE_NAME, BIN_DIR, CONTAINERD_DIR and the ports of local-cluster.
#
# Everything of the node is under $CLUSTER_DIR/node, so that two run folders never share a file, socket or port:
#   containerd/{root,state,tmp}  containerd's own folders;  containerd.sock (+ .ttrpc) its API
#   runc/                        runc's state of the containers (the shim's --root)
#   certs.d/<host:port>/         hosts.toml of the local registry (plain HTTP)
#   cni/                         the loopback-only CNI network (the runtime's network is "ready"; no address is made)
#   kubelet/                     the kubelet's root folder (pods, volumes, plugins, checkpoints) and pod-logs/
# What stays shared with other nodes on this machine (all keyed by random container IDs, so they cannot collide):
# the container cgroups /k8s.io/<id> (cgroupfs driver, no QoS cgroups), the shims' sockets /run/containerd/s/<hash
# of our socket path>, the kubelet's log links /var/log/containers/*_<id>.log and its device-plugin folder
# /var/lib/kubelet/device-plugins (no device plugin ever registers here).
# shellcheck shell=bash

NODE_DIR="$CLUSTER_DIR/node"
CONTAINERD_SOCKET="$NODE_DIR/containerd.sock"
# The sandbox ("pause") image: tools/go/cluster/pause packed into one layer and imported into containerd, never pulled.
PAUSE_IMAGE=localhost/mirador-pause:1.0

ctr_node() {
  "$CONTAINERD_DIR/ctr" --address "$CONTAINERD_SOCKET" --namespace k8s.io "$@"
}

# --- configuration -------------------------------------------------------------------------------------------------

# node_write_config REGISTRY...: containerd's config (v3), the registry hosts, the CNI network and the kubelet's config.
node_write_config() {
  local pki="$CLUSTER_DIR/pki" registry runc snapshotter="${MIRADOR_CLUSTER_SNAPSHOTTER:-overlayfs}"
  runc=$(command -v runc) || die "runc is not installed: run scripts/bootstrap-tools --apt"
  [ -x /usr/lib/cni/loopback ] ||
    die "/usr/lib/cni/loopback is missing (Debian's containernetworking-plugins): run scripts/bootstrap-tools --apt"
  # containerd 2.4 always reads the machine's drop-in folder (version 4's default imports): it must be empty.
  if compgen -G "/etc/containerd/conf.d/*.toml" >/dev/null; then
    die "/etc/containerd/conf.d holds $(ls /etc/containerd/conf.d/*.toml | tr '\n' ' ')which containerd would merge into the local node's config: move them away"
  fi
  # A unix socket path is limited to 107 bytes; containerd adds ".ttrpc" to its own.
  [ "${#CONTAINERD_SOCKET}" -le 100 ] ||
    die "MIRADOR_RUN is too long for containerd's socket ($CONTAINERD_SOCKET): use a shorter run folder"
  mkdir -p "$NODE_DIR"/{containerd/root,containerd/state,containerd/tmp,runc,certs.d,cni,kubelet/root,kubelet/pod-logs,kubelet/volume-plugins}
  cat >"$NODE_DIR/containerd.toml" <<EOF
# Written by scripts/local-cluster: containerd for the local node, everything under $NODE_DIR.
version = 4
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
temp = "$NODE_DIR/containerd/tmp"
# NRI and opt would use fixed paths shared by every containerd on the machine; the others are snapshotters not used.
disabled_plugins = [
  "io.containerd.nri.v1.nri",
  "io.containerd.internal.v1.opt",
  "io.containerd.snapshotter.v1.blockfile",
  "io.containerd.snapshotter.v1.erofs",
  "io.containerd.snapshotter.v1.zfs",
]

# Version 4: the API servers are plugins (a top-level [grpc] is ignored, and the socket would be the machine's
# /run/containerd/containerd.sock). Debug and metrics servers stay off (no address).
[plugins.'io.containerd.server.v1.grpc']
  address = "$CONTAINERD_SOCKET"

[plugins.'io.containerd.server.v1.ttrpc']
  address = "$CONTAINERD_SOCKET.ttrpc"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "$snapshotter"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$PAUSE_IMAGE"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "$NODE_DIR/certs.d"

[plugins.'io.containerd.cri.v1.runtime']
  # A process here may not lower its OOM score: without this, runc fails every sandbox with "can't get final
  # child's PID from pipe: EOF" (it asks for the kubelet's -998 for the pause container).
  restrict_oom_score_adj = true
  # Network namespaces (pods without hostNetwork) are mounted under the state folder, not /var/run/netns.
  netns_mounts_under_state_dir = true
  cdi_spec_dirs = []
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$runc"
        Root = "$NODE_DIR/runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$NODE_DIR/cni"
    max_conf_num = 1

[plugins.'io.containerd.grpc.v1.cri']
  # exec, attach and port-forward streams: loopback, a port the kernel picks.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
EOF
  # The host network: only the loopback plugin (pods run with hostNetwork on 127.0.0.1; a pod without it would get
  # a namespace with lo only, and no pod IP). The pod network: the bridge plugin in the cluster's namespace.
  network_write_cni "$NODE_DIR/cni"
  # The local registry serves plain HTTP on loopback. containerd would fall back to HTTP for a loopback host after a
  # failed TLS handshake anyway; saying it here is explicit and spares the handshake.
  for registry in "$@"; do
    [[ "$registry" =~ ^127\.0\.0\.1:[0-9]+$|^localhost:[0-9]+$ ]] ||
      die "MIRADOR_CLUSTER_REGISTRY '$registry' is not a loopback host:port (e.g. 127.0.0.1:5000)"
    mkdir -p "$NODE_DIR/certs.d/$registry"
    printf 'server = "http://%s"\n\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' \
      "$registry" "$registry" >"$NODE_DIR/certs.d/$registry/hosts.toml"
  done
  # The kubelet: serves on 127.0.0.1 with the cluster's serving certificate (valid for 127.0.0.1; the API server
  # checks it against the cluster CA), trusts client certificates of the cluster CA and asks the API server whether
  # a client may do what it asks. Settings this machine needs: cgroup v1 (hybrid) and a process that may not lower
  # its OOM score; no iptables rules (the machine is shared); no eviction or image GC on a shared disk.
  cat >"$NODE_DIR/kubelet/config.yaml" <<EOF
# Written by scripts/local-cluster.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $pki/serving.crt
tlsPrivateKeyFile: $pki/serving.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $pki/ca.crt }
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$CONTAINERD_SOCKET
imageServiceEndpoint: unix://$CONTAINERD_SOCKET
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failCgroupV1: false
failSwapOn: false
makeIPTablesUtilChains: false
oomScoreAdj: 0
podLogsDir: $NODE_DIR/kubelet/pod-logs
volumePluginDir: $NODE_DIR/kubelet/volume-plugins
registerNode: true
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: "0%", nodefs.available: "0%", nodefs.inodesFree: "0%", imagefs.available: "0%" }
maxPods: 110
EOF
}

# node_import_pause: the sandbox image, an OCI archive built here (one uncompressed layer holding the static pause
# binary, reproducible: fixed times and owners), imported into containerd's k8s.io namespace.
node_import_pause() {
  local work="$NODE_DIR/pause-image" layer config manifest layer_size config_size manifest_size
  rm -rf "$work"
  mkdir -p "$work/rootfs" "$work/oci/blobs/sha256"
  cp "$BIN_DIR/pause" "$work/rootfs/pause"
  chmod 755 "$work/rootfs/pause"
  tar -C "$work/rootfs" --mtime=@0 --owner=0 --group=0 --numeric-owner --sort=name -cf "$work/layer.tar" pause
  layer=$(sha256sum "$work/layer.tar" | cut -c1-64)
  layer_size=$(stat -c %s "$work/layer.tar")
  mv "$work/layer.tar" "$work/oci/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$layer" >"$work/config.json"
  config=$(sha256sum "$work/config.json" | cut -c1-64)
  config_size=$(stat -c %s "$work/config.json")
  mv "$work/config.json" "$work/oci/blobs/sha256/$config"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config" "$config_size" "$layer" "$layer_size" >"$work/manifest.json"
  manifest=$(sha256sum "$work/manifest.json" | cut -c1-64)
  manifest_size=$(stat -c %s "$work/manifest.json")
  mv "$work/manifest.json" "$work/oci/blobs/sha256/$manifest"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s"}}]}' \
    "$manifest" "$manifest_size" "$PAUSE_IMAGE" >"$work/oci/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci/oci-layout"
  tar -C "$work/oci" -cf "$work/pause.tar" .
  # ctr repeats containerd's cgroup v1 deprecation warning on stderr: keep it out of `up`'s output unless it fails.
  ctr_node images import --snapshotter "${MIRADOR_CLUSTER_SNAPSHOTTER:-overlayfs}" "$work/pause.tar" \
    >/dev/null 2>"$work/import.log" || { cat "$work/import.log" >&2; return 1; }
}

# --- the node as Kubernetes sees it --------------------------------------------------------------------------------

# The kubelet runs with --cloud-provider=external and no --node-ip: it refuses a loopback node IP of its own
# ("nodeIP can't be loopback address"), and without one it would pick the machine's real interface. So this script
# plays the cloud controller for its one node: it sets the addresses (InternalIP 127.0.0.1, the API server's only
# preferred type) and lifts the "uninitialized" taint; the kubelet then keeps the addresses it finds.
node_initialize() {
  kubectl patch node "$NODE_NAME" --subresource=status --type=merge -p "{\"status\":{\"addresses\":[
    {\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"},{\"type\":\"Hostname\",\"address\":\"$NODE_NAME\"}]}}" \
    >/dev/null && kubectl taint node "$NODE_NAME" node.cloudprovider.kubernetes.io/uninitialized- >/dev/null
}

node_registered() { kubectl get node "$NODE_NAME" >/dev/null; }

# --- stopping ------------------------------------------------------------------------------------------------------

# The containers' tasks as "ID PID STATUS" lines (containerd must answer).
node_tasks() { ctr_node tasks ls 2>/dev/null | awk 'NR > 1 { print $1, $2, $3 }'; }

# node_stop_containers: every container of the node gets SIGTERM, up to 10 s to exit, then SIGKILL; then its task and
# container (and snapshot) are deleted through containerd, which unmounts its root file system and ends its shim.
# Called after the kubelet has stopped (it would restart them) and while containerd still runs.
node_stop_containers() {
  local id pid status i left
  [ -S "$CONTAINERD_SOCKET" ] || return 0
  while read -r id pid status; do
    [ "$status" = RUNNING ] && ctr_node tasks kill --signal SIGTERM "$id" >/dev/null 2>&1 || true
  done < <(node_tasks)
  for ((i = 0; i < 100; i++)); do
    left=$(node_tasks | awk '$3 == "RUNNING"' | wc -l)
    [ "$left" -eq 0 ] && break
    sleep 0.1
  done
  while read -r id pid status; do
    if [ "$status" = RUNNING ]; then
      log "container $id (pid $pid): still running 10s after TERM, sending KILL"
      ctr_node tasks kill --signal SIGKILL "$id" >/dev/null 2>&1 || true
    fi
  done < <(node_tasks)
  for ((i = 0; i < 50; i++)); do
    [ "$(node_tasks | awk '$3 == "RUNNING"' | wc -l)" -eq 0 ] && break
    sleep 0.1
  done
  while read -r id _ _; do
    ctr_node tasks delete "$id" >/dev/null 2>&1 || ctr_node tasks delete --force "$id" >/dev/null 2>&1 || true
  done < <(node_tasks)
  ctr_node containers ls -q 2>/dev/null | while read -r id; do
    ctr_node containers delete "$id" >/dev/null 2>&1 || true
  done
}

# Whether PID is the process of container ID (its cgroup path names the container): only those may be signalled.
node_owns_pid() {
  grep -q "/k8s.io/$2\$" "/proc/$1/cgroup" 2>/dev/null
}

# The PIDs of the shims of our containerd: containerd-shim-runc-v2 processes whose command line names our socket.
node_shim_pids() {
  local f pid
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    tr '\0' ' ' 2>/dev/null <"$f" | grep -q "^[^ ]*containerd-shim-runc-v2 .*-address $CONTAINERD_SOCKET " &&
      printf '%s\n' "$pid"
  done
  return 0
}

# node_reap_leftovers: after containerd stopped, any container process still recorded in the state folder and any
# shim of ours (the containerd before was killed, or a task would not delete) is killed by PID, after checking that
# it is ours. Prints how many were found.
node_reap_leftovers() {
  local bundle id pid n=0
  for pid in $(node_shim_pids); do
    log "shim (pid $pid) of $CONTAINERD_SOCKET still running after containerd stopped, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    n=$((n + 1))
  done
  for bundle in "$NODE_DIR"/containerd/state/io.containerd.runtime.v2.task/*/*/; do
    [ -d "$bundle" ] || continue
    id=$(basename "$bundle")
    if [ -f "$bundle/init.pid" ]; then
      pid=$(<"$bundle/init.pid")
      if [[ "$pid" =~ ^[0-9]+$ ]] && node_owns_pid "$pid" "$id"; then
        log "container $id: its process (pid $pid) still running after containerd stopped, sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
        n=$((n + 1))
      fi
    fi
    # The container's own cgroups (runc would have removed them): empty once its processes are gone.
    sleep 0.2
    rmdir /sys/fs/cgroup/*/k8s.io/"$id" /sys/fs/cgroup/k8s.io/"$id" 2>/dev/null || true
  done
  printf '%s' "$n"
}

