# Shared shell helpers for the scripts under scripts/. Source it; do not run it.
# shellcheck shell=bash

MIRADOR_ROOT="${MIRADOR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# Versioned tool cache outside the repository: a second bootstrap reuses what is there.
MIRADOR_CACHE="${MIRADOR_CACHE:-$HOME/.cache/mirador-release}"
MIRADOR_BIN="$MIRADOR_CACHE/bin"
export MIRADOR_ROOT MIRADOR_CACHE MIRADOR_BIN

case ":$PATH:" in
  *":$MIRADOR_BIN:"*) ;;
  *) export PATH="$MIRADOR_BIN:$PATH" ;;
esac

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch with millisecond precision, for step timings.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
