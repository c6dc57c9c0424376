#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Qt-free part (lens_core + computelens-cli) on the GPU server described in
# ../shared/device/README.md. Needs the carried Debian -dev packages in .device/debs
# (fetch them on a Debian machine with ../shared/device/fetch-debs.sh .device/debs, plus
# `apt-get download libcli11-dev` into the same folder).
set -euo pipefail
cd "$(dirname "$0")/.."
DEBS=${LENS_DEVICE_DEBS:-.device/debs}
# shellcheck disable=SC1091
source "$DEBS/use-debs.sh" "$DEBS" >/dev/null
BUILD_DIR=${LENS_BUILD_DIR:-build-device}
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
# shellcheck disable=SC2086
cmake -S . -B "$BUILD_DIR" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DLENS_BUILD_GUI=OFF -DLENS_BUILD_TESTS=OFF \
  -DCLI11_DIR=/opt/lens-deps/usr/share/cmake/CLI11 $LENS_DEVICE_CMAKE_FLAGS "$@"
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
