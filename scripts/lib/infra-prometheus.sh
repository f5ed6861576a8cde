# local-infra component `prometheus`: Debian's Prometheus on 127.0.0.1 with the committed Sloth rules
# (slos/mirador-rca.rules.yml), scraping the local canary's /metrics on loopback every 5s. Its data stays in the run
# dir across down/up, like a real Prometheus keeps its history.
# shellcheck shell=bash
#
# Ports: MIRADOR_PROMETHEUS_PORT (default: a free one); the canary's metrics port MIRADOR_CANARY_METRICS_PORT
# (default 9464, local-staging's helm.values.service.metricsPort: the canary pod runs on the node's loopback).

infra_register prometheus 45 "Prometheus on 127.0.0.1 with the Sloth rules, scraping the local canary"

prometheus_port() { cat "$(infra_dir prometheus)/port" 2>/dev/null; }
prometheus_endpoint() { printf 'http://127.0.0.1:%s' "$(prometheus_port)"; }

prometheus_running() {
  infra_pid "$(infra_dir prometheus)/prometheus.pid" prometheus >/dev/null &&
    curl -fsS --max-time 2 "$(prometheus_endpoint)/-/ready" >/dev/null 2>&1
}

prometheus_up() {
  command -v prometheus >/dev/null || die "prometheus is not installed: run scripts/bootstrap-tools --apt"
  local dir port rules
  dir=$(infra_dir prometheus)
  rules="$MIRADOR_ROOT/slos/mirador-rca.rules.yml"
  [ -f "$rules" ] || die "$rules is missing"
  mkdir -p "$dir/data"
  port="${MIRADOR_PROMETHEUS_PORT:-$(infra_free_port)}"
  printf '%s\n' "$port" >"$dir/port"
  {
    printf '# Written by scripts/local-infra.\n'
    printf 'global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n'
    printf 'rule_files:\n  - %s\n' "$rules"
    printf 'scrape_configs:\n  - job_name: mirador-rca-canary\n    static_configs:\n'
    printf '      - targets: ["127.0.0.1:%s"]\n' "${MIRADOR_CANARY_METRICS_PORT:-9464}"
  } >"$dir/prometheus.yml"
  promtool check config "$dir/prometheus.yml" >/dev/null || die "promtool refused $dir/prometheus.yml"
  infra_start "$dir/prometheus.pid" "$dir/prometheus.log" prometheus \
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
