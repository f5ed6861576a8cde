# local-infra component `docker`: a private Docker engine (Debian's docker.io dockerd) on a unix socket under
# MIRADOR_RUN, with no bridge and no iptables rules: builds use the host network (docker build --network host).
# shellcheck shell=bash
#
# Storage driver: MIRADOR_DOCKER_STORAGE_DRIVER if set; otherwise the one that worked last time in this run dir;
# otherwise overlay2, then vfs if overlay2 does not come up. Images stay in the data root across down/up.

infra_register docker 10 "Docker engine (dockerd) on a private unix socket"

docker_socket() { printf '%s/docker.sock' "$(infra_dir docker)"; }

docker_endpoint() { printf 'unix://%s' "$(docker_socket)"; }

docker_running() {
  infra_pid "$(infra_dir docker)/dockerd.pid" dockerd >/dev/null &&
    DOCKER_HOST="$(docker_endpoint)" docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# docker_start_with <driver>: starts dockerd and waits for its API; fails (and stops it) when it does not answer.
docker_start_with() {
  local driver="$1" dir
  dir=$(infra_dir docker)
  mkdir -p "$dir/data" "$dir/exec"
  # An empty config file of our own: the machine's /etc/docker/daemon.json must not change this engine.
  [ -f "$dir/daemon.json" ] || printf '{}\n' >"$dir/daemon.json"
  printf '\n--- %s: dockerd --storage-driver %s\n' "$(date -u +%FT%TZ)" "$driver" >>"$dir/dockerd.log"
  infra_start "$dir/dockerd.pid" "$dir/dockerd.log" \
    dockerd \
    --config-file "$dir/daemon.json" \
    --host "$(docker_endpoint)" \
    --data-root "$dir/data" \
    --exec-root "$dir/exec" \
    --pidfile "$dir/exec/dockerd.pid" \
    --storage-driver "$driver" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false --userland-proxy=false
  if infra_wait "docker ($driver)" 60 "$dir/dockerd.pid" dockerd "$dir/dockerd.log" \
    env DOCKER_HOST="$(docker_endpoint)" docker version --format '{{.Server.Version}}'; then
    printf '%s\n' "$driver" >"$dir/storage-driver"
    return 0
  fi
  docker_down
  return 1
}

docker_up() {
  command -v dockerd >/dev/null || die "dockerd is not installed: run scripts/bootstrap-tools --apt"
  command -v docker >/dev/null || die "the docker client is not installed: run scripts/bootstrap-tools --apt"
  local dir drivers d
  dir=$(infra_dir docker)
  if [ -n "${MIRADOR_DOCKER_STORAGE_DRIVER:-}" ]; then
    drivers=("$MIRADOR_DOCKER_STORAGE_DRIVER")
  elif [ -f "$dir/storage-driver" ]; then
    drivers=("$(<"$dir/storage-driver")")
  else
    drivers=(overlay2 vfs)
  fi
  for d in "${drivers[@]}"; do
    if docker_start_with "$d"; then
      infra_env_write docker "DOCKER_HOST=$(docker_endpoint)"
      return 0
    fi
    log "docker: storage driver $d did not work"
  done
  die "docker: dockerd did not start with storage driver(s) ${drivers[*]}; see $dir/dockerd.log"
}

docker_down() {
  local dir pid
  dir=$(infra_dir docker)
  infra_stop docker "$dir/dockerd.pid" dockerd 30
  # dockerd stops its containerd on a clean exit; after a SIGKILL the child may remain.
  if pid=$(infra_pid "$dir/exec/containerd/containerd.pid" containerd); then
    log "docker: stopping the containerd dockerd left behind (pid $pid)"
    infra_stop docker "$dir/exec/containerd/containerd.pid" containerd 10
  fi
  unmount_under "$dir"
  infra_env_clear docker
}

docker_describe() {
  local dir
  dir=$(infra_dir docker)
  [ -f "$dir/storage-driver" ] && printf 'storage driver %s' "$(<"$dir/storage-driver")"
}
