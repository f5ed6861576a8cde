#!/usr/bin/env bash
# Builds the official pulumi-resource-kubernetes. Its cmd embeds schema-embed.json and terraform-mapping-embed.json,
# which upstream's `go generate` makes from the committed schema.json and terraform-mapping.json and which the module
# zip does not hold. So the provider module is copied out of the read-only module cache into a writable folder,
# where it is the main module under THIS wrapper's requirements (go.mod/go.sum, with the module line renamed and
# the self-requirement dropped: the published sdk/v4 instead of upstream's `../sdk`). There the cmd's own
# `go generate` runs and the plugin is built, with the release version stamped in (pkg/version.Version) so that
# `pulumi plugin ls` and the provider's user agent tell the truth.
# scripts/bootstrap-tools runs it with OUT, the path of the plugin binary.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=tool.env
source ./tool.env
: "${OUT:?OUT (the path of pulumi-resource-kubernetes) is not set}"
module=github.com/pulumi/pulumi-kubernetes/provider/v4
version=${VERSION#v}
dest=$(dirname "$OUT")
tmp="$dest/.build.$$"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp"

start=$(date +%s.%N)
# `go list -m` names the module's folder only once it is downloaded: on a fresh machine it is not yet.
go mod download "$module"
src=$(go list -mod=readonly -m -f '{{.Dir}}' "$module")
[ -n "$src" ] && [ -d "$src" ] || { echo "build.sh: $module is not in the module cache" >&2; exit 1; }
cp -r "$src" "$tmp/provider"
chmod -R u+w "$tmp/provider"
cp go.sum "$tmp/wrapper.sum"
go mod edit -module="$module" -droprequire="$module" -print go.mod >"$tmp/wrapper.mod"

cd "$tmp/provider"
export GOFLAGS="-mod=readonly -modfile=$tmp/wrapper.mod"
(cd cmd/pulumi-resource-kubernetes && VERSION="$version" go generate ./main.go)
for f in schema-embed.json terraform-mapping-embed.json; do
  [ -s "cmd/pulumi-resource-kubernetes/$f" ] || { echo "build.sh: go generate did not make $f" >&2; exit 1; }
done
# -v lists each package as it compiles: the progress that scripts/bootstrap-tools shows every minute.
CGO_ENABLED=0 go build -v -trimpath -ldflags "-s -w -X $module/pkg/version.Version=$version" \
  -o "$tmp/$NAME" ./cmd/pulumi-resource-kubernetes
seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
printf 'seconds=%s\ndate=%s\n' "$seconds" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dest/build-time"
mv "$tmp/$NAME" "$OUT"
