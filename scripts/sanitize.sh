#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds everything with clang under AddressSanitizer + UndefinedBehaviorSanitizer (and libFuzzer
# coverage, so the same build gives the fuzz targets of scripts/fuzz.sh) in ./build-asan, then runs
# the quick tests and the slow ones labelled "sanitize" there (LENS_SANITIZE_LABELS, a CTest label
# regex; "." runs the whole suite). Any sanitizer report fails the test that triggered it.
# libtorch, Qt and SQLite are Debian's uninstrumented builds: what is checked is our code.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --sanitizers
BUILD_DIR=${LENS_ASAN_BUILD_DIR:-build-asan}
# -O0 and line tables only: compiling at -O0 takes half the time of -O1 (store.cpp 5.8 s against
# 11.6 s here) and reports keep file:line; the decoding kernels, which every generation runs, and
# the readers the fuzz targets drive are built at -O1 (LENS_HOT_EXTRA_OPTIONS, core/CMakeLists.txt).
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O0 -gline-tables-only" \
  -DLENS_HOT_EXTRA_OPTIONS=-O1 -DCMAKE_CXX_COMPILER=clang++ -DLENS_SANITIZE=address,undefined -DLENS_BUILD_FUZZERS=ON "$@"
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
cd "$BUILD_DIR"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_init_order=1:check_initialization_order=1:detect_stack_use_after_return=1}"
export LSAN_OPTIONS="suppressions=$PWD/../tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
QT_QPA_PLATFORM=offscreen ctest --output-on-failure --timeout 3600 -j "$(nproc)" -L "${LENS_SANITIZE_LABELS:-quick|sanitize}"
