#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Makes the README's screenshots under Xvfb from real data: the model summary of the shipped model,
# the trade-off curves of the demo's run, and the search inspector on a beam search. Needs a build (scripts/build.sh), Xvfb and
# ImageMagick's `import` (Debian: xvfb, imagemagick).
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
SEARCH=$("$CLI" search --model resources/models/arith-duo-small --prm resources/models/arith-prm --strategy beam --n 4 --width 2 \
  --problems 10 --seed 1 --db "$DB" -q --name "beam search N=4")
DISPLAY_NUM=:97
Xvfb "$DISPLAY_NUM" -screen 0 1280x800x24 >/dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null || true' EXIT
sleep 1
shoot() {  # shoot NAME ARGS...: start the workbench, wait for it to draw, grab 900x600
  local name=$1
  shift
  DISPLAY=$DISPLAY_NUM XDG_CONFIG_HOME="$BUILD_DIR/screenshot-config" "$GUI" "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep 5
  DISPLAY=$DISPLAY_NUM import -window root -crop 900x600+0+0 "$OUT/$name.png"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
shoot model-summary resources/models/arith-duo-small --db "$DB"
shoot curves --db "$DB" --run "$RUN"
shoot search --db "$DB" --run "$SEARCH"
echo "wrote $OUT/model-summary.png, $OUT/curves.png and $OUT/search.png"
