#!/usr/bin/env bash
# Builds containerd, containerd-shim-runc-v2 and ctr (tool.env BINARIES) as containerd's own Makefile does for a
# static release: CGO_ENABLED=0, tags osusergo netgo static_build urfave_cli_no_docs, plus no_btrfs no_devmapper
# (no snapshotter the local node uses; btrfs needs cgo and headers that are not installed); the shim with no_grpc.
# The version is stamped in so that `containerd --version` tells the truth. scripts/bootstrap-tools runs it with OUT,
# the path of containerd; the others land beside it, containerd last.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=tool.env
source ./tool.env
: "${OUT:?OUT (the path of containerd) is not set}"
dest=$(dirname "$OUT")
tmp="$dest/.build.$$"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
pkg=github.com/containerd/containerd/v2
ldflags="-s -w -X $pkg/version.Version=$VERSION -X $pkg/version.Revision=module-$VERSION"
tags="osusergo netgo static_build urfave_cli_no_docs no_btrfs no_devmapper"
export CGO_ENABLED=0
go build -v -mod=readonly -trimpath -tags "$tags" -ldflags "$ldflags" -o "$tmp/" "$pkg/cmd/containerd" "$pkg/cmd/ctr"
go build -v -mod=readonly -trimpath -tags "$tags no_grpc" -ldflags "$ldflags" -o "$tmp/" "$pkg/cmd/containerd-shim-runc-v2"
for bin in $BINARIES; do
  [ -x "$tmp/$bin" ] || { echo "build.sh: go build did not produce $bin" >&2; exit 1; }
done
for bin in $BINARIES; do
  [ "$bin" = containerd ] || mv "$tmp/$bin" "$dest/$bin"
done
mv "$tmp/containerd" "$OUT"
