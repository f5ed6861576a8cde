# local-infra component `webhook`: an HTTP receiver on 127.0.0.1 standing in for the Slack incoming webhook of
# #mirador-release (Slack cannot be reached from here). Every POST is appended, as one JSON line, to messages.jsonl.
# shellcheck shell=bash
#
# Port: MIRADOR_WEBHOOK_PORT if set, otherwise a free one.

infra_register webhook 40 "Slack webhook receiver (node) on 127.0.0.1"

webhook_port() { cat "$(infra_dir webhook)/port" 2>/dev/null; }
webhook_endpoint() { printf 'http://127.0.0.1:%s/services/local/mirador-release' "$(webhook_port)"; }

webhook_running() {
  infra_pid "$(infra_dir webhook)/webhook.pid" node >/dev/null &&
    curl -fsS --max-time 2 "http://127.0.0.1:$(webhook_port)/healthz" >/dev/null 2>&1
}

webhook_up() {
  local dir port
  dir=$(infra_dir webhook)
  mkdir -p "$dir"
  port="${MIRADOR_WEBHOOK_PORT:-$(infra_free_port)}"
  printf '%s\n' "$port" >"$dir/port"
  infra_start "$dir/webhook.pid" "$dir/webhook.log" \
    node "$MIRADOR_ROOT/scripts/lib/webhook-receiver.js" "$port" "$dir/messages.jsonl"
  infra_wait webhook 15 "$dir/webhook.pid" node "$dir/webhook.log" \
    curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz"
  infra_env_write webhook "MIRADOR_SLACK_WEBHOOK=$(webhook_endpoint)" "MIRADOR_SLACK_MESSAGES=$dir/messages.jsonl"
}

webhook_down() {
  infra_stop webhook "$(infra_dir webhook)/webhook.pid" node 10
  infra_env_clear webhook
}
