#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up, builds and runs the main job on the built-in default (the README's first command).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
CLI="${LENS_BUILD_DIR:-build}/app/cli/computelens-cli"
echo
echo "== Generation benchmark on the built-in 'small' shape (random weights) =="
"$CLI" bench generate --shape small --batches 1,16,64 --new-tokens 32 --repeats 3
