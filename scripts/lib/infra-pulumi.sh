# local-infra component `pulumi`: the local stacks' own Pulumi home and file backend under MIRADOR_RUN, with the
# resource plugins installed at the versions package-lock.json pins: the official kubernetes plugin
# (tools/go/pulumi-kubernetes) and the command and docker stand-ins (tools/go/providers/README.md says why). Never
# ~/.pulumi: a machine's own stacks and plugins are left alone. Nothing runs.
# shellcheck shell=bash

infra_register pulumi 50 "Pulumi home and file backend with the resource plugins"

pulumi_home() { printf '%s/home' "$(infra_dir pulumi)"; }
pulumi_backend() { printf 'file://%s/state' "$(infra_dir pulumi)"; }
pulumi_endpoint() { pulumi_backend; }

# The plugin name, the npm package whose pinned version the SDK asks the engine for, and the tool that builds it.
PULUMI_PLUGINS=(command:@pulumi/command:providers docker:@pulumi/docker:providers
  kubernetes:@pulumi/kubernetes:pulumi-kubernetes)

# The binary that tool <tool> links for plugin <name>: under the cache folder its tool.env names (LINK_DIR). The
# official plugins link into plugins/official/, apart from the stand-ins, so that a stand-in build can never pass
# for an official plugin of the same name.
pulumi_plugin_binary() {
  local tool="$1" name="$2"
  # shellcheck disable=SC1090
  (source "$MIRADOR_ROOT/tools/go/$tool/tool.env" &&
    printf '%s/%s/pulumi-resource-%s' "$MIRADOR_CACHE" "$LINK_DIR" "$name")
}

pulumi_package_version() {
  (cd "$MIRADOR_ROOT" && node -p "require('$1/package.json').version") 2>/dev/null ||
    die "$1 is not installed in $MIRADOR_ROOT/node_modules: run npm ci"
}

pulumi_running() {
  local entry name package tool version
  for entry in "${PULUMI_PLUGINS[@]}"; do
    IFS=: read -r name package tool <<<"$entry"
    version=$(pulumi_package_version "$package")
    [ -d "$(pulumi_home)/plugins/resource-$name-v$version" ] || return 1
    # A rebuilt plugin must be installed again.
    cmp -s "$(pulumi_plugin_binary "$tool" "$name")" \
      "$(pulumi_home)/plugins/resource-$name-v$version/pulumi-resource-$name" || return 1
  done
  [ -d "$(infra_dir pulumi)/state" ]
}

pulumi_up() {
  command -v pulumi >/dev/null || die "pulumi is not installed: run scripts/bootstrap-tools pulumi"
  local entry name package tool version binary
  mkdir -p "$(pulumi_home)" "$(infra_dir pulumi)/state"
  for entry in "${PULUMI_PLUGINS[@]}"; do
    IFS=: read -r name package tool <<<"$entry"
    version=$(pulumi_package_version "$package")
    binary=$(pulumi_plugin_binary "$tool" "$name")
    [ -x "$binary" ] || die "$binary is missing: run scripts/bootstrap-tools $tool"
    PULUMI_HOME="$(pulumi_home)" PULUMI_SKIP_UPDATE_CHECK=true \
      pulumi plugin install resource "$name" "$version" --file "$binary" --reinstall >/dev/null ||
      die "pulumi plugin install resource $name $version failed"
  done
  infra_env_write pulumi \
    "PULUMI_HOME=$(pulumi_home)" \
    "PULUMI_BACKEND_URL=$(pulumi_backend)" \
    "PULUMI_SKIP_UPDATE_CHECK=true" \
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true" \
    "PULUMI_IGNORE_AMBIENT_PLUGINS=true"
}

pulumi_down() { infra_env_clear pulumi; }
