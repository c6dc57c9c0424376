#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up, builds and runs the main job on the built-in default (the README's first command):
# the model ComputeLens trained itself samples 4 solutions to each of the 500 builtin:arith test
# problems; every sample is graded and stored in a SQLite database, then summarised by level.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="$BUILD_DIR/app/cli/computelens-cli"
DB="$BUILD_DIR/demo.db"
rm -f "$DB" "$DB-wal" "$DB-shm"
echo
echo "== arith-duo-small (1.4 M parameters) solves builtin:arith: 500 problems x 4 samples =="
RUN=$("$CLI" run resources/jobs/arith-pass1.json --db "$DB")
"$CLI" show "$RUN" --db "$DB"
echo
echo "Results: $DB  (computelens-cli export $RUN --db $DB --format csv)"
