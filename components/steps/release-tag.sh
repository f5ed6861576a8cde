#!/usr/bin/env bash
# Creates the annotated release tag on COMMIT and pushes it to REMOTE, idempotently: a tag that already exists
# on COMMIT (locally or on the remote) is left as it is; one on another commit is an error, never moved.
# Env: SOURCE_DIR TAG MESSAGE COMMIT REMOTE.
set -euo pipefail
: "${SOURCE_DIR:?}" "${TAG:?}" "${MESSAGE:?}" "${COMMIT:?}" "${REMOTE:?}"
cd "$SOURCE_DIR"
export GIT_COMMITTER_NAME="${GIT_COMMITTER_NAME:-mirador-release}"
export GIT_COMMITTER_EMAIL="${GIT_COMMITTER_EMAIL:-mirador-release@localhost}"

local_commit=$(git rev-parse -q --verify "refs/tags/$TAG^{commit}" || true)
if [ -z "$local_commit" ]; then
  git tag -a "$TAG" -m "$MESSAGE" "$COMMIT"
  echo "created annotated tag $TAG on $COMMIT" >&2
elif [ "$local_commit" != "$COMMIT" ]; then
  echo "tag $TAG already exists on $local_commit, not on $COMMIT: a release tag never moves (bump the version)" >&2
  exit 1
elif [ "$(git cat-file -t "refs/tags/$TAG")" != "tag" ]; then
  echo "tag $TAG exists on $COMMIT but is a lightweight tag, not an annotated one: delete it and re-run" >&2
  exit 1
fi

remote_commit=$(git ls-remote --tags "$REMOTE" "refs/tags/$TAG^{}" | cut -f1)
if [ -z "$remote_commit" ]; then
  if [ -n "$(git ls-remote --tags "$REMOTE" "refs/tags/$TAG")" ]; then
    echo "$REMOTE has a lightweight tag $TAG: it is not the annotated release tag; resolve it by hand" >&2
    exit 1
  fi
  git push -q "$REMOTE" "refs/tags/$TAG"
  echo "pushed $TAG to $REMOTE" >&2
elif [ "$remote_commit" != "$COMMIT" ]; then
  echo "$REMOTE already has $TAG on $remote_commit, not on $COMMIT: a release tag never moves" >&2
  exit 1
fi
echo "$TAG $COMMIT"
