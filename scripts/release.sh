#!/usr/bin/env bash
# Prints a release's changelog section, in Markdown, from the commits since the previous version tag:
#   scripts/release.sh v1.2.0 > notes.md
# The tag need not exist yet: then the section covers what HEAD would release. Merge commits are
# left out (their branches' commits are listed), newest first. The release workflow uses it as the release's text.
set -euo pipefail
tag="${1:-}"
if [[ ! "$tag" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "usage: scripts/release.sh vMAJOR.MINOR.PATCH (got '${tag}')" >&2
  exit 2
fi
cd "$(dirname "$0")/.."

if git rev-parse -q --verify "refs/tags/$tag" >/dev/null; then end="$tag"; else end=HEAD; fi
# The newest version tag before this release (none for the first one: every commit is listed).
previous="$(git describe --tags --abbrev=0 --match 'v[0-9]*' "$end^" 2>/dev/null || true)"
range="${previous:+$previous..}$end"

echo "## $tag ($(git log -1 --format=%cs "$end"))"
echo
if [ -n "$previous" ]; then
  echo "Changes since $previous:"
else
  echo "First release:"
fi
echo
git log --no-merges --format='- %s (%h)' "$range"
