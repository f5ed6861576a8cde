# local-infra component `prometheus`: Prometheus 3 on 127.0.0.1 with the committed Sloth rules
# (slos/mirador-rca.rules.yml), discovering the release's pods through the cluster component's API server
# (kubernetes_sd_configs, role pod) and scraping their container ports named for metrics every 5s, with the pods'
# track, namespace, pod, pod_template_hash, container and image as labels of every series (docs/prometheus.md). Its
# data stays in the run dir across down/up, like a real Prometheus keeps its history.
# shellcheck shell=bash
#
# The binary is the one scripts/bootstrap-tools builds with Kubernetes discovery (tools/go/prometheus), linked in
# ~/.cache/mirador-release/prometheus/ and not on PATH: Debian's prometheus on PATH has no Kubernetes discovery and
# stays the one the gate's tests run. MIRADOR_PROMETHEUS_BIN points at another build (promtool beside it).
#
# Settings (environment): MIRADOR_PROMETHEUS_PORT (default: a free one); MIRADOR_SERVICE_PROFILE (default
# profiles/mirador-rca.yaml), whose track.label names the pod label copied into the track label and whose
# chart.ports.metrics names the container port scraped; MIRADOR_TRACK_LABEL and MIRADOR_METRICS_PORT_NAME override
# them; MIRADOR_SLO_RULES, the Sloth rules file to load (default slos/mirador-rca.rules.yml). The config is written by scripts/lib/prometheus-config.js.

infra_register prometheus 45 "Prometheus on 127.0.0.1 with the Sloth rules, discovering the release's pods"

prometheus_port() { cat "$(infra_dir prometheus)/port" 2>/dev/null; }
prometheus_endpoint() { printf 'http://127.0.0.1:%s' "$(prometheus_port)"; }
prometheus_bin() { printf '%s' "${MIRADOR_PROMETHEUS_BIN:-$MIRADOR_CACHE/prometheus/prometheus}"; }

# The kubeconfig's checksum: every `up` of the cluster writes new certificates and a new API port into it.
prometheus_kubeconfig_sum() { sha256sum "$(cluster_endpoint)" 2>/dev/null | cut -d' ' -f1; }

# Running means answering, and with the cluster it was started for: a Prometheus of a cluster that has since been
# restarted would watch an API server that is gone, so `up` replaces it.
prometheus_running() {
  local dir
  dir=$(infra_dir prometheus)
  infra_pid "$dir/prometheus.pid" prometheus >/dev/null &&
    curl -fsS --max-time 2 "$(prometheus_endpoint)/-/ready" >/dev/null 2>&1 &&
    [ "$(cat "$dir/kubeconfig.sha256" 2>/dev/null)" = "$(prometheus_kubeconfig_sum)" ]
}

prometheus_up() {
  local bin promtool dir port rules kubeconfig profile
  bin=$(prometheus_bin)
  promtool="$(dirname "$bin")/promtool"
  [ -x "$bin" ] && [ -x "$promtool" ] ||
    die "$bin (with promtool beside it) is not built: the local Prometheus needs Kubernetes discovery, which" \
      "Debian's prometheus lacks; run scripts/bootstrap-tools prometheus (or set MIRADOR_PROMETHEUS_BIN)"
  # The PID checks (infra_pid) know the process by the basename of its binary.
  [ "$(basename "$bin")" = prometheus ] || die "MIRADOR_PROMETHEUS_BIN=$bin: the binary must be named prometheus"
  kubeconfig=$(cluster_endpoint)
  [ -f "$kubeconfig" ] && cluster_running ||
    die "the prometheus component discovers the release's pods through the cluster component, which is not" \
      "running (no API server behind $kubeconfig): run scripts/local-infra up cluster prometheus"
  dir=$(infra_dir prometheus)
  # One of an earlier cluster may still run (see prometheus_running).
  infra_stop prometheus "$dir/prometheus.pid" prometheus 30
  rules="${MIRADOR_SLO_RULES:-$MIRADOR_ROOT/slos/mirador-rca.rules.yml}"
  [ -f "$rules" ] || die "$rules is missing (MIRADOR_SLO_RULES names the Sloth rules file to load)"
  profile="${MIRADOR_SERVICE_PROFILE:-$MIRADOR_ROOT/profiles/mirador-rca.yaml}"
  mkdir -p "$dir/data"
  port="${MIRADOR_PROMETHEUS_PORT:-$(infra_free_port)}"
  printf '%s\n' "$port" >"$dir/port"
  node "$MIRADOR_ROOT/scripts/lib/prometheus-config.js" --kubeconfig "$kubeconfig" --rules "$rules" \
    --profile "$profile" ${MIRADOR_TRACK_LABEL:+--track-label "$MIRADOR_TRACK_LABEL"} \
    ${MIRADOR_METRICS_PORT_NAME:+--metrics-port "$MIRADOR_METRICS_PORT_NAME"} >"$dir/prometheus.yml.new" ||
    die "could not write $dir/prometheus.yml (the error above names the setting)"
  mv "$dir/prometheus.yml.new" "$dir/prometheus.yml"
  "$promtool" check config "$dir/prometheus.yml" >"$dir/promtool.log" 2>&1 ||
    die "promtool refused $dir/prometheus.yml: $(tail -n 5 "$dir/promtool.log")"
  prometheus_kubeconfig_sum >"$dir/kubeconfig.sha256"
  infra_start "$dir/prometheus.pid" "$dir/prometheus.log" "$bin" \
    --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" --web.enable-lifecycle
  infra_wait prometheus 60 "$dir/prometheus.pid" prometheus "$dir/prometheus.log" \
    curl -fsS --max-time 2 "http://127.0.0.1:$port/-/ready"
  infra_env_write prometheus "MIRADOR_PROMETHEUS_URL=http://127.0.0.1:$port"
}

prometheus_down() {
  infra_stop prometheus "$(infra_dir prometheus)/prometheus.pid" prometheus 30
  infra_env_clear prometheus
}

prometheus_describe() { printf '%s' "$(prometheus_bin)"; }
