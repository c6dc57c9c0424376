#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Makes the README's screenshots under Xvfb from real data: the model summary of the shipped model,
# the trade-off curves of a sampling run, the search inspector on a beam search, the routing view and
# the whole-run heatmap of an oracle run, a comparison with the exchange analysis, the Data dock and
# the Experiments dock with a job running. Needs a build (scripts/build.sh), Xvfb and ImageMagick's
# `import` (Debian: xvfb, imagemagick). About 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="$BUILD_DIR/app/cli/computelens-cli"
GUI="$BUILD_DIR/app/gui/computelens"
OUT=docs/screenshots
DB="$BUILD_DIR/screenshots.db"
command -v Xvfb >/dev/null && command -v import >/dev/null || { echo "needs Xvfb and ImageMagick's import" >&2; exit 1; }
rm -f "$DB" "$DB-wal" "$DB-shm"
RUN=$("$CLI" run resources/jobs/arith-pass1.json --db "$DB" --quiet)
SEARCH=$("$CLI" search --model resources/models/arith-duo-small --prm resources/models/arith-prm-likelihood --strategy beam --n 4 --width 2 \
  --problems 10 --seed 1 --db "$DB" -q --name "beam search N=4")
ORACLE=$("$CLI" oracle --model resources/models/arith-duo-small --problems 40 --budget k=0,1,2,4 --random 20 --seed 1 \
  --db "$DB" -q --name "oracle on 40 problems")
# A comparison with the exchange analysis: 40 problems sampled by the small model and scored by the
# PRM, a beam search on them, and arith-large's samples of the same problems.
SPECS="$BUILD_DIR/screenshot-specs"
mkdir -p "$SPECS"
cat > "$SPECS/small.json" <<JSON
{"kind": "generate", "name": "arith-duo-small, 8 samples", "model": "resources/models/arith-duo-small",
 "verifier": {"model": "resources/models/arith-prm-likelihood"}, "dataset": {"path": "builtin:arith", "split": "test", "limit": 40},
 "samples": 8, "batch": 16, "seed": 1, "sampling": {"temperature": 1.0, "max_new_tokens": 400}}
JSON
cat > "$SPECS/large.json" <<JSON
{"kind": "generate", "name": "arith-large, 2 samples", "model": "resources/models/arith-large",
 "dataset": {"path": "builtin:arith", "split": "test", "limit": 40}, "samples": 2, "batch": 16, "seed": 1,
 "sampling": {"temperature": 1.0, "max_new_tokens": 400}}
JSON
cat > "$SPECS/queued.json" <<JSON
{"kind": "oracle", "name": "oracle on 100 problems (queued from the workbench)", "model": "resources/models/arith-duo-small",
 "dataset": {"path": "builtin:arith", "split": "test", "limit": 100}, "budgets": "k=0,1,2,3,4", "random_routings": 100, "seed": 2}
JSON
SMALL=$("$CLI" run "$SPECS/small.json" --db "$DB" --quiet)
BEAM=$("$CLI" search --model resources/models/arith-duo-small --prm resources/models/arith-prm-likelihood --strategy beam --n 8 --width 2 \
  --problems 40 --seed 1 --db "$DB" -q --name "beam search N=8")
LARGE=$("$CLI" run "$SPECS/large.json" --db "$DB" --quiet)
DISPLAY_NUM=:97
Xvfb "$DISPLAY_NUM" -screen 0 1280x800x24 >/dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null || true' EXIT
sleep 1
shoot() {  # shoot NAME ARGS...: start the workbench at 1200x780, wait for it to draw, grab it
  local name=$1
  shift
  rm -rf "$BUILD_DIR/screenshot-config"  # no saved window state or settings
  DISPLAY=$DISPLAY_NUM XDG_CONFIG_HOME="$BUILD_DIR/screenshot-config" "$GUI" -geometry 1200x780+0+0 "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "${SHOT_WAIT:-6}"
  DISPLAY=$DISPLAY_NUM import -window root -crop 1200x780+0+0 "$OUT/$name.png"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
shoot model-summary resources/models/arith-duo-small --db "$DB"
shoot curves --db "$DB" --run "$RUN"
shoot search --db "$DB" --run "$SEARCH"
shoot routing --db "$DB" --run "$ORACLE" --show usage
shoot whole-run --db "$DB" --run "$ORACLE" --show whole-run
shoot comparison --db "$DB" --compare "$SMALL,$BEAM,$LARGE"
shoot data --db "$DB" --show data
SHOT_WAIT=12 shoot experiments --db "$DB" --show experiments --spec "$SPECS/queued.json"
echo "wrote $OUT/{model-summary,curves,search,routing,whole-run,comparison,data,experiments}.png"
