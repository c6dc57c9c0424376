#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The packages, end to end (CI runs it after the tests): builds and checks them (scripts/package.sh),
# installs them with apt (their dependencies come from Debian), runs the installed CLI's demo and
# the installed workbench's demo under Xvfb from an empty home (the first run, timed), then removes
# them and checks that none of their files is left. Changes the system: needs root or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${LENS_BUILD_DIR:-build}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
scripts/package.sh
CLI_DEB=$(ls "$BUILD_DIR"/computelens-cli_*.deb)
GUI_DEB=$(ls "$BUILD_DIR"/computelens_*.deb)
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "./$CLI_DEB" "./$GUI_DEB" > /dev/null
FILES=$(dpkg -L computelens-cli computelens | sort -u)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "package-test: $*" >&2; exit 1; }

# Installed where a desktop and man expect them.
for f in /usr/bin/computelens /usr/bin/computelens-cli /usr/share/man/man1/computelens-cli.1.gz /usr/share/man/man1/computelens.1.gz \
         /usr/share/applications/io.github.computelens.ComputeLens.desktop /usr/share/metainfo/io.github.computelens.ComputeLens.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/io.github.computelens.ComputeLens.svg /usr/share/icons/hicolor/48x48/apps/io.github.computelens.ComputeLens.png \
         /usr/share/computelens/resources/models/arith-duo-small/model.safetensors; do
  [ -f "$f" ] || fail "$f is not installed"
done

# The CLI's demo from an empty folder: the built-in models come from /usr/share.
(cd "$WORK" && HOME="$WORK" computelens-cli demo --db "$WORK/cli.db" > "$WORK/cli.out" 2> "$WORK/cli.err") || { cat "$WORK/cli.err" >&2; fail "computelens-cli demo failed"; }
grep -q "/usr/share/computelens/resources" "$WORK/cli.err" || fail "the CLI did not use the installed models: $(head -1 "$WORK/cli.err")"
DONE=$(computelens-cli list --db "$WORK/cli.db" | grep -c " done ") || true
[ "$DONE" -eq 3 ] || fail "computelens-cli demo: $DONE of 3 runs done"
echo "package-test: computelens-cli demo: 3 runs done"

# The workbench's first run: its demo under Xvfb, from an empty home, until every job has finished.
START=$(date +%s%N)
(cd "$WORK" && HOME="$WORK" XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" \
   timeout 600 xvfb-run -a computelens --demo --quit-when-done --db "$WORK/gui.db" > "$WORK/gui.out" 2>&1) \
  || { cat "$WORK/gui.out" >&2; fail "the workbench's demo failed"; }
ELAPSED=$(awk -v a="$START" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
DONE=$(computelens-cli list --db "$WORK/gui.db" | grep -c " done ") || true
[ "$DONE" -eq 3 ] || fail "workbench demo: $DONE of 3 runs done"
echo "package-test: the workbench's demo (first run, $(nproc) cores): 3 runs done, $(grep -o '[0-9.]* s' "$WORK/gui.out" | tail -1) of jobs, ${ELAPSED} s from start to exit"

# Removed cleanly: no file of the packages remains.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove --purge -y -qq computelens computelens-cli > /dev/null
left=0
while IFS= read -r f; do
  if [ -f "$f" ]; then echo "package-test: left behind: $f" >&2; left=1; fi
done <<< "$FILES"
[ "$left" -eq 0 ] || fail "files were left after removal"
! dpkg -s computelens-cli > /dev/null 2>&1 || fail "computelens-cli is still installed"
echo "package-test: installed, ran and removed cleanly"
