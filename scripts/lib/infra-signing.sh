# local-infra component `signing`: the local stacks' cosign key pair (password MIRADOR_COSIGN_PASSWORD, default
# mirador-local) and a minimal Sigstore trusted root, so that verification with the key and without transparency
# log never looks anything up beyond loopback. Nothing runs; the keys are kept across down/up.
# shellcheck shell=bash

infra_register signing 35 "cosign key pair and trusted root for the local stacks"

signing_endpoint() { printf '%s/cosign.pub' "$(infra_dir signing)"; }

signing_running() {
  local dir
  dir=$(infra_dir signing)
  [ -f "$dir/cosign.key" ] && [ -f "$dir/cosign.pub" ] && [ -f "$dir/trusted-root.json" ]
}

signing_up() {
  command -v cosign >/dev/null || die "cosign is not installed: run scripts/bootstrap-tools cosign"
  local dir
  dir=$(infra_dir signing)
  mkdir -p "$dir"
  rm -f "$dir/cosign.key" "$dir/cosign.pub"
  (cd "$dir" && COSIGN_PASSWORD="${MIRADOR_COSIGN_PASSWORD:-mirador-local}" cosign generate-key-pair \
    --output-key-prefix cosign >/dev/null 2>&1) || die "cosign generate-key-pair failed in $dir"
  chmod 600 "$dir/cosign.key"
  printf '%s\n' '{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}' >"$dir/trusted-root.json"
  infra_env_write signing "MIRADOR_COSIGN_KEY=$dir/cosign.key" "MIRADOR_COSIGN_PUBLIC_KEY=$dir/cosign.pub" \
    "MIRADOR_COSIGN_TRUSTED_ROOT=$dir/trusted-root.json"
}

signing_down() { infra_env_clear signing; }
