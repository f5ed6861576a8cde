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

# unmount_under <dir>: unmounts what is still mounted below dir, deepest first (the network namespace file dockerd
# leaves in its exec root; the local node's container root file systems, volume tmpfs and network namespaces), so
# that the folder can be removed.
unmount_under() {
  local dir mp
  dir=$(realpath -m "$1")
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r mp; do
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || log "could not unmount $mp"
  done
}
