#!/bin/sh
# The installed `havipd` command (package.json "bin"; issue 12 §2). Node alone takes 110–130 ms to start on a
# small VM, so `havipd --version` is answered here from package.json without starting it. Everything else execs
# Node on bin/havipd with the V8 flags of its `#!` line (kept equal by test/unit/cli/launcher.test.ts): the
# process keeps this pid, so systemd, signals and the exit code see Node directly.
self=$(readlink -f -- "$0") || exit 1
root=${self%/bin/*}
if [ $# -eq 1 ] && { [ "$1" = --version ] || [ "$1" = -v ]; }; then
  version=$(sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' "$root/package.json")
  if [ -n "$version" ]; then
    printf '%s\n' "$version"
    exit 0
  fi
fi
exec node --max-semi-space-size=1 --optimize-for-size --max-opt=1 "$root/bin/havipd" "$@"
