#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Debian packages (computelens-cli and computelens) with CPack from the build in
# ./build, and checks them and their desktop files: desktop-file-validate, appstreamcli validate
# and lintian (errors and warnings fail; the info tags that remain are explained in
# packaging/README.md). Needs scripts/setup.sh's packages plus desktop-file-utils, appstream and
# lintian (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${LENS_BUILD_DIR:-build}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
need=()
for p in desktop-file-utils appstream lintian dpkg-dev xz-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "package: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
desktop-file-validate packaging/linux/io.github.computelens.ComputeLens.desktop
appstreamcli validate --no-net packaging/linux/io.github.computelens.ComputeLens.metainfo.xml
rm -f "$BUILD_DIR"/computelens*_*.deb
(cd "$BUILD_DIR" && cpack -G DEB)
DEBS=("$BUILD_DIR"/computelens-cli_*.deb "$BUILD_DIR"/computelens_*.deb)
# --fail-on error,warning: only info-level tags may remain.
rc=0
lintian --fail-on error,warning --display-info "${DEBS[@]}" > "$BUILD_DIR/lintian.log" 2>&1 || rc=$?
grep -v -e "^N:" -e "running with root privileges" "$BUILD_DIR/lintian.log" || true
if [ "$rc" -ne 0 ]; then echo "package: lintian reports errors or warnings (exit $rc)" >&2; exit 1; fi
for d in "${DEBS[@]}"; do echo "package: $d ($(du -h "$d" | cut -f1))"; done
