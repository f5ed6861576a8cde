# local-infra component `git`: the service's own repository for the local stacks. A checkout of the example
# service (examples/mirador-rca, committed with an earlier release tag v0.3.0) and a bare repository as its
# `origin`, the remote that receives the release tags. Nothing runs: `up` creates them once and keeps them.
# shellcheck shell=bash
#
# Settings (environment): MIRADOR_SERVICE_SOURCE, the folder whose files seed the checkout (default:
# examples/mirador-rca; tests/e2e/second-service.test.ts gives another service's).

infra_register git 30 "service checkout and bare tag remote (git)"

git_checkout() { printf '%s/mirador-rca' "$(infra_dir git)"; }
git_remote() { printf '%s/mirador-rca.git' "$(infra_dir git)"; }

git_endpoint() { printf '%s (origin %s)' "$(git_checkout)" "$(git_remote)"; }

git_running() {
  [ -d "$(git_remote)/refs" ] && git -C "$(git_checkout)" rev-parse --verify -q HEAD >/dev/null 2>&1
}

git_up() {
  local checkout remote seed
  checkout=$(git_checkout)
  remote=$(git_remote)
  seed="${MIRADOR_SERVICE_SOURCE:-$MIRADOR_ROOT/examples/mirador-rca}"
  [ -d "$seed" ] || die "MIRADOR_SERVICE_SOURCE=$seed is not a folder (expected the service's sources)"
  rm -rf "$checkout" "$remote"
  mkdir -p "$checkout"
  git init -q --bare "$remote"
  # The service's sources as they are, without build output.
  tar -C "$seed" --exclude=./bin --exclude=./dist -cf - . | tar -C "$checkout" -xf -
  (
    cd "$checkout"
    export GIT_AUTHOR_NAME=mirador-dev GIT_AUTHOR_EMAIL=dev@localhost GIT_COMMITTER_NAME=mirador-dev \
      GIT_COMMITTER_EMAIL=dev@localhost
    git init -q -b main
    printf 'bin/\ndist/\n' >.gitignore
    git add -A
    git commit -q -m "mirador-rca sources"
    # The previous release, so that the version check has a tag to compare with.
    git tag -a v0.3.0 -m "mirador-rca v0.3.0"
    git remote add origin "$remote"
    git push -q origin main v0.3.0
  )
  infra_env_write git "MIRADOR_SOURCE_DIR=$checkout" "MIRADOR_GIT_REMOTE=$remote"
}

# Keeps the checkout and the remote (and their tags) across down/up; `scripts/local-infra clean` removes them.
git_down() { infra_env_clear git; }
