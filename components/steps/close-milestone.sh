#!/usr/bin/env bash
# Closes the GitHub milestone named MILESTONE (vX.Y.Z, or X.Y.Z) of OWNER/REPO. An already closed milestone is
# left as it is; a missing one is reported and not an error (not every release has a milestone).
# Env: GITHUB_TOKEN GITHUB_API_URL OWNER REPO MILESTONE.
set -euo pipefail
: "${GITHUB_TOKEN:?}" "${GITHUB_API_URL:?}" "${OWNER:?}" "${REPO:?}" "${MILESTONE:?}"
api() {
  curl -fsS --max-time 20 -H "Authorization: Bearer $GITHUB_TOKEN" -H "Accept: application/vnd.github+json" "$@"
}
milestones=$(api "$GITHUB_API_URL/repos/$OWNER/$REPO/milestones?state=all&per_page=100")
found=$(printf '%s' "$milestones" | MILESTONE="$MILESTONE" node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const want = [process.env.MILESTONE, process.env.MILESTONE.replace(/^v/, "")];
    const m = JSON.parse(s).find((m) => want.includes(m.title));
    if (m) console.log(`${m.number} ${m.state}`);
  });')
if [ -z "$found" ]; then
  echo "no milestone named $MILESTONE in $OWNER/$REPO: nothing to close"
  exit 0
fi
read -r number state <<<"$found"
if [ "$state" = "closed" ]; then
  echo "milestone $MILESTONE (#$number) is already closed"
  exit 0
fi
api -X PATCH -d '{"state":"closed"}' "$GITHUB_API_URL/repos/$OWNER/$REPO/milestones/$number" >/dev/null
echo "closed milestone $MILESTONE (#$number)"
