#!/usr/bin/env bash
# Builds keepalived 2.4.3 (the second oracle, issue 13 §1) from its source tarball once and caches the
# binary outside the clone, keyed by the tarball's checksum:
#   ${HAVIPD_ORACLE_CACHE:-/var/cache/havipd/oracles}/keepalived-2.4.3-<first 16 hex of sha256>/keepalived
# The tarball is $HAVIPD_KEEPALIVED_TARBALL, or <repo>/../shared/oracles/keepalived-2.4.3.tar.gz, or
# <cache>/keepalived-2.4.3.tar.gz (where a fresh clone, which has no ../shared, puts the one it fetched:
# keepalived's v2.4.3 tag, https://github.com/acassen/keepalived/archive/refs/tags/v2.4.3.tar.gz). With no
# tarball anywhere, a binary built earlier into the cache that reports v2.4.3 is used.
# A cached binary that runs `-v` is reused; otherwise the Debian build dependencies are installed when
# missing (needs root and apt), the tree is built in a temporary directory
# (./autogen.sh && ./configure --disable-lvs --enable-json && make) and the binary is moved into the
# cache atomically (rename of a complete directory), so concurrent runs never see half a binary.
# Prints the binary's path on stdout (and nothing else); progress goes to stderr.
# With --cached: only look; print the path of a runnable cached binary, or exit 3 when it is not built.
# Exit codes: 0 built or reused; 2 no tarball and no cached build; 3 not built (--cached); 1 build failed.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
default_tarball() {
  # <repo>/../shared; from a linked git worktree, beside the main checkout (its common .git dir).
  local t="$repo/../shared/oracles/keepalived-2.4.3.tar.gz" common
  if [ ! -f "$t" ] && common="$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)"; then
    [ -f "$(dirname "$common")/../shared/oracles/keepalived-2.4.3.tar.gz" ] && t="$(dirname "$common")/../shared/oracles/keepalived-2.4.3.tar.gz"
  fi
  [ -f "$t" ] || t="$cache/keepalived-2.4.3.tar.gz"
  echo "$t"
}
cache="${HAVIPD_ORACLE_CACHE:-/var/cache/havipd/oracles}"
tarball="${HAVIPD_KEEPALIVED_TARBALL:-$(default_tarball)}"
say() { echo "oracle keepalived-2.4.3: $*" >&2; }
runs() { [ -x "$1" ] && "$1" -v >/dev/null 2>&1; }

if [ ! -f "$tarball" ]; then
  # No source: a build from an earlier tarball still serves, if it says it is 2.4.3.
  for b in "$cache"/keepalived-2.4.3-*/keepalived; do
    # The whole output is read (sed, not head): under pipefail, keepalived killed by SIGPIPE would fail the test.
    # A binary that does not run (or an unmatched glob) fails the pipeline too.
    if "$b" -v 2>&1 | sed -n 1p | grep -q 'v2\.4\.3\b'; then
      say "no tarball; using the cached build $b"
      echo "$b"
      exit 0
    fi
  done
  say "no source tarball (looked for ${HAVIPD_KEEPALIVED_TARBALL:-../shared/oracles/keepalived-2.4.3.tar.gz and $cache/keepalived-2.4.3.tar.gz}) and no cached build: fetch https://github.com/acassen/keepalived/archive/refs/tags/v2.4.3.tar.gz to $cache/keepalived-2.4.3.tar.gz or set HAVIPD_KEEPALIVED_TARBALL"
  exit 2
fi
sha16="$(sha256sum "$tarball" | cut -c1-16)"
dest="$cache/keepalived-2.4.3-$sha16"
bin="$dest/keepalived"

if runs "$bin"; then
  echo "$bin"
  exit 0
fi
if [ "${1:-}" = "--cached" ]; then
  say "not built yet: $bin (run $0)"
  exit 3
fi

deps=(autoconf automake libtool pkg-config libssl-dev libnl-3-dev libnl-genl-3-dev libmnl-dev libnftnl-dev make gcc)
missing=()
for p in "${deps[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing build dependencies: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/.build-2.4.3-$sha16.XXXXXX")"
trap 'rm -rf "$work"' EXIT
say "building from $tarball (sha256 $sha16…) in $work"
tar -xzf "$tarball" -C "$work"
src="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n1)"
(
  cd "$src"
  ./autogen.sh
  ./configure --disable-lvs --enable-json
  make -j"$(nproc)"
) >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; say "build failed"; exit 1; }

stage="$work/keepalived-2.4.3-$sha16"
mkdir -p "$stage"
cp "$src/keepalived/keepalived" "$stage/keepalived"
chmod 0755 "$stage" "$stage/keepalived"
cp "$work/build.log" "$stage/build.log"
runs "$stage/keepalived" || { say "the built binary does not run -v"; exit 1; }

# Atomic publish: rename a complete directory. If another run published first, keep theirs.
if ! mv -T "$stage" "$dest" 2>/dev/null; then
  runs "$bin" || { rm -rf "$dest"; mv -T "$stage" "$dest"; }
fi
runs "$bin" || { say "no runnable binary at $bin"; exit 1; }
echo "$bin"
