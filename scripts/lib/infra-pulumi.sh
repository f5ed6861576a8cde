# local-infra component `pulumi`: the local stacks' own Pulumi home and file backend under MIRADOR_RUN, with the
# stand-in resource plugins installed at the versions package-lock.json pins (tools/go/providers/README.md says
# why). Never ~/.pulumi: a machine's own stacks and plugins are left alone. Nothing runs.
# shellcheck shell=bash

infra_register pulumi 50 "Pulumi home and file backend with the stand-in plugins"

pulumi_home() { printf '%s/home' "$(infra_dir pulumi)"; }
pulumi_backend() { printf 'file://%s/state' "$(infra_dir pulumi)"; }
pulumi_endpoint() { pulumi_backend; }

# The plugin name and the npm package whose pinned version the SDK asks the engine for.
PULUMI_STANDINS=(command:@pulumi/command docker:@pulumi/docker kubernetes:@pulumi/kubernetes)

pulumi_package_version() {
  (cd "$MIRADOR_ROOT" && node -p "require('$1/package.json').version") 2>/dev/null ||
    die "$1 is not installed in $MIRADOR_ROOT/node_modules: run npm ci"
}

pulumi_running() {
  local entry name version
  for entry in "${PULUMI_STANDINS[@]}"; do
    name=${entry%%:*}
    version=$(pulumi_package_version "${entry#*:}")
    [ -d "$(pulumi_home)/plugins/resource-$name-v$version" ] || return 1
    # A rebuilt stand-in must be installed again.
    cmp -s "$MIRADOR_CACHE/plugins/pulumi-resource-$name" \
      "$(pulumi_home)/plugins/resource-$name-v$version/pulumi-resource-$name" || return 1
  done
  [ -d "$(infra_dir pulumi)/state" ]
}

pulumi_up() {
  command -v pulumi >/dev/null || die "pulumi is not installed: run scripts/bootstrap-tools pulumi"
  local entry name version binary
  mkdir -p "$(pulumi_home)" "$(infra_dir pulumi)/state"
  for entry in "${PULUMI_STANDINS[@]}"; do
    name=${entry%%:*}
    version=$(pulumi_package_version "${entry#*:}")
    binary="$MIRADOR_CACHE/plugins/pulumi-resource-$name"
    [ -x "$binary" ] || die "$binary is missing: run scripts/bootstrap-tools providers"
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
