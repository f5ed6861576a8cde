# local-infra component `registry`: an OCI registry (Debian's docker-registry, distribution v2) on 127.0.0.1 over
# plain HTTP, storing under MIRADOR_RUN. Docker treats 127.0.0.0/8 as an insecure registry by default, so no
# daemon setting is needed to push to it.
# shellcheck shell=bash
#
# Port: MIRADOR_REGISTRY_PORT if set; otherwise the port of the last run in this run dir if it is still free (image
# references stay valid across down/up); otherwise a free one.

infra_register registry 20 "OCI registry (docker-registry) on 127.0.0.1"

registry_port() {
  local file
  file="$(infra_dir registry)/port"
  [ -f "$file" ] && cat "$file"
}

registry_endpoint() { printf '127.0.0.1:%s' "$(registry_port)"; }

registry_running() {
  infra_pid "$(infra_dir registry)/registry.pid" docker-registry >/dev/null &&
    curl -fsS --max-time 2 "http://$(registry_endpoint)/v2/" >/dev/null 2>&1
}

registry_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

registry_up() {
  command -v docker-registry >/dev/null || die "docker-registry is not installed: run scripts/bootstrap-tools --apt"
  command -v curl >/dev/null || die "curl is not installed: apt-get install curl"
  local dir port
  dir=$(infra_dir registry)
  mkdir -p "$dir/data"
  port="${MIRADOR_REGISTRY_PORT:-}"
  if [ -z "$port" ]; then
    port=$(registry_port || true)
    if [ -z "$port" ] || ! registry_port_free "$port"; then port=$(infra_free_port); fi
  fi
  printf '%s\n' "$port" >"$dir/port"
  cat >"$dir/config.yml" <<EOF
# Written by scripts/local-infra.
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  infra_start "$dir/registry.pid" "$dir/registry.log" docker-registry serve "$dir/config.yml"
  infra_wait registry 30 "$dir/registry.pid" docker-registry "$dir/registry.log" \
    curl -fsS --max-time 2 "http://127.0.0.1:$port/v2/" || {
    registry_down
    die "registry: docker-registry did not answer on 127.0.0.1:$port; see $dir/registry.log"
  }
  infra_env_write registry "MIRADOR_REGISTRY=127.0.0.1:$port"
}

registry_down() {
  infra_stop registry "$(infra_dir registry)/registry.pid" docker-registry 15
  infra_env_clear registry
}

registry_describe() { printf 'storage %s/data' "$(infra_dir registry)"; }
