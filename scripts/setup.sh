#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what ComputeLens needs to build and test on Debian 12 / Ubuntu 24.04 (idempotent:
# only missing packages are installed). Needs root or sudo.
# libopenblas0-openmp matters: without it libtorch's matmuls run on the reference BLAS, ~15x slower.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  qt6-base-dev qt6-svg-dev qt6-l10n-tools libqcustomplot-dev
  libtorch-dev libopenblas0-openmp libsqlite3-dev nlohmann-json3-dev libpcre2-dev libcli11-dev
  xvfb xauth
  python3  # scripts/translations.py (CI checks the translations); the findings scripts (CTest runs their --quick variants)
)

# --sanitizers: also clang, its sanitizer and libFuzzer runtimes and llvm-symbolizer
# (scripts/sanitize.sh, scripts/fuzz.sh).
if [ "${1:-}" = "--sanitizers" ]; then
  PACKAGES+=(clang libclang-rt-14-dev llvm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
