# The component framework of scripts/local-infra. Source it after common.sh; do not run it.
# shellcheck shell=bash
#
# A component is a file scripts/lib/infra-<name>.sh that calls
#
#   infra_register <name> <rank> "<one-line description>"
#
# and defines four functions (the name must be a shell identifier: git_remote, not git-remote):
#
#   <name>_running   exit 0 when it is up and answering (never starts anything)
#   <name>_up        start it; called only when <name>_running failed; end with infra_env_write if it has an
#                    endpoint that other scripts need
#   <name>_down      stop what <name>_up started, by PID (infra_stop); must be safe when nothing runs
#   <name>_endpoint  print where it answers (one line), for `status`
#   <name>_describe  optional: a few words more for `status` (a storage driver, a data folder)
#
# `up` starts components by rank (low first), `down` stops them in reverse. Each component keeps its files in
# $(infra_dir <name>) under MIRADOR_RUN. Processes are started with infra_start, waited for with infra_wait and
# stopped with infra_stop, which check that a PID still belongs to the program before they signal it.

MIRADOR_RUN="${MIRADOR_RUN:-/tmp/mirador-release}"
export MIRADOR_RUN

declare -A INFRA_RANK=() INFRA_DESC=()

infra_register() {
  local name="$1" rank="$2" desc="$3"
  [[ "$name" =~ ^[a-z][a-z0-9_]*$ ]] || die "infra component name '$name' must be a shell identifier"
  INFRA_RANK[$name]="$rank"
  # shellcheck disable=SC2034 # read by scripts/local-infra list
  INFRA_DESC[$name]="$desc"
}

# Component names, lowest rank first.
infra_components() {
  local n
  for n in "${!INFRA_RANK[@]}"; do printf '%s %s\n' "${INFRA_RANK[$n]}" "$n"; done | sort -n | cut -d' ' -f2
}

infra_known() { [ -n "${INFRA_RANK[$1]:-}" ]; }

infra_dir() { printf '%s/%s' "$MIRADOR_RUN" "$1"; }

# infra_pid <pidfile> <program>: prints the PID when it is alive and still runs <program> (the basename of its
# argv[0]); a reused PID or a zombie does not count.
infra_pid() {
  local pidfile="$1" program="$2" pid argv0
  [ -f "$pidfile" ] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  argv0=$({ tr '\0' '\n' <"/proc/$pid/cmdline"; } 2>/dev/null | head -n 1) || return 1
  [ "$(basename -- "${argv0:-none}")" = "$program" ] || return 1
  printf '%s' "$pid"
}

# infra_alive <pidfile>: whether the recorded process still lives (not a zombie), whatever it runs yet: right after
# infra_start it may still be the forked shell or setsid, on its way to exec the daemon.
infra_alive() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(<"$1")
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/stat" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

# infra_start <pidfile> <logfile> <command…>: starts a daemon in its own session, detached from our stdio (a caller
# that reads our output must not wait for the daemon), and records its PID.
infra_start() {
  local pidfile="$1" logfile="$2"
  shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  # Non-interactive bash: the background child is no process-group leader, so setsid execs in place and $! is
  # the daemon itself.
  setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  printf '%s\n' "$!" >"$pidfile"
}

# infra_wait <what> <seconds> <pidfile> <program> <logfile> <check command…>: polls the check every 0.2s until it
# passes; fails early when the process died, and with the log's tail either way.
infra_wait() {
  local what="$1" seconds="$2" pidfile="$3" program="$4" logfile="$5"
  shift 5
  local tries=$((seconds * 5)) i
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    # Early failure only when the process is gone: a busy machine may not have exec'd <program> yet.
    if ! infra_alive "$pidfile" && ! infra_pid "$pidfile" "$program" >/dev/null; then
      log "$what: the process exited; last lines of $logfile:"
      tail -n 15 "$logfile" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  log "$what: not ready after ${seconds}s; last lines of $logfile:"
  tail -n 15 "$logfile" >&2 || true
  return 1
}

# infra_stop <what> <pidfile> <program> <seconds>: SIGTERM, a bounded wait, then SIGKILL. Safe to call twice.
infra_stop() {
  local what="$1" pidfile="$2" program="$3" seconds="$4" pid i
  if ! pid=$(infra_pid "$pidfile" "$program"); then
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < seconds * 5; i++)); do
    infra_pid "$pidfile" "$program" >/dev/null || break
    sleep 0.2
  done
  if infra_pid "$pidfile" "$program" >/dev/null; then
    log "$what: still running ${seconds}s after SIGTERM; sending SIGKILL to $pid"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 25; i++)); do
      infra_pid "$pidfile" "$program" >/dev/null || break
      sleep 0.2
    done
  fi
  rm -f "$pidfile"
}

# A loopback TCP port that was free a moment ago, below the kernel's ephemeral range (scripts/lib/free-ports.js).
infra_free_port() {
  node "${BASH_SOURCE[0]%/*}/free-ports.js" 1
}

# infra_env_write <name> KEY=VALUE…: the component's lines of $MIRADOR_RUN/infra.env.
infra_env_write() {
  local name="$1"
  shift
  mkdir -p "$(infra_dir "$name")"
  printf '%s\n' "$@" >"$(infra_dir "$name")/env"
  infra_env_render
}

infra_env_clear() {
  rm -f "$(infra_dir "$1")/env"
  infra_env_render
}

# $MIRADOR_RUN/infra.env: the endpoints of every component that is up, for `source` or `set -a; . infra.env`.
infra_env_render() {
  local tmp="$MIRADOR_RUN/.infra.env.$$" n
  {
    printf '# Written by scripts/local-infra: endpoints of the local infrastructure under %s\n' "$MIRADOR_RUN"
    for n in $(infra_components); do
      [ -f "$(infra_dir "$n")/env" ] && cat "$(infra_dir "$n")/env"
    done
  } >"$tmp"
  mv "$tmp" "$MIRADOR_RUN/infra.env"
}
