#!/usr/bin/env bash
# Builds the local cluster's binaries (tool.env BINARIES) from this wrapper module in one `go build`, so that the
# packages they share compile once, with the Kubernetes version stamped in so that `--version` tells the truth.
# scripts/bootstrap-tools runs it with OUT, the path of kube-apiserver; the others land beside it. kube-apiserver
# is moved into place last: its presence means the whole set is there.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=tool.env
source ./tool.env
: "${OUT:?OUT (the path of kube-apiserver) is not set}"
dest=$(dirname "$OUT")
tmp="$dest/.build.$$"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"

minor=${VERSION#v1.}
minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done

# Static binaries, as upstream releases them (and no C compile step). -v lists each package as it compiles: the
# progress that scripts/bootstrap-tools shows every minute.
start=$(date +%s.%N)
CGO_ENABLED=0 go build -v -mod=readonly -trimpath -ldflags "$ldflags" -o "$tmp/" \
  go.etcd.io/etcd/server/v3 \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl \
  k8s.io/kubernetes/cmd/kubelet \
  ./pause
seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')

# go names the binary of go.etcd.io/etcd/server/v3 after the element before the major version.
mv "$tmp/server" "$tmp/etcd"
for bin in $BINARIES; do
  [ -x "$tmp/$bin" ] || { echo "build.sh: go build did not produce $bin" >&2; exit 1; }
done
for bin in $BINARIES; do
  [ "$bin" = kube-apiserver ] || mv "$tmp/$bin" "$dest/$bin"
done
# For bench/cluster.ts: how long this set took to build (download and compile), and when.
printf 'seconds=%s\ndate=%s\n' "$seconds" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dest/build-time"
mv "$tmp/kube-apiserver" "$OUT"
