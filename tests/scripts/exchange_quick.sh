#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# scripts/exchange.sh --quick end to end (ctest: exchange_quick), on the shipped models: the report
# has a row per R in both tables, its per-level differences average to the overall one (two problems
# per level), it says whether the two models were trained on the same number of examples (the
# family trained alike: yes; arith-micro-long against arith-tiny: twice as many), and a second call
# reuses the finished runs.
# Usage: tests/scripts/exchange_quick.sh BUILD_DIR
set -euo pipefail
BUILD_DIR="$(cd "$1" && pwd)"
cd "$(dirname "$0")/../.."
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export LENS_CLI="$BUILD_DIR/app/cli/computelens-cli"
OUT_DIR="$OUT/alike" scripts/exchange.sh --quick arith-micro-long arith-tiny-long 2> "$OUT/first.log" || { cat "$OUT/first.log"; exit 1; }
OUT_DIR="$OUT/alike" scripts/exchange.sh --quick arith-micro-long arith-tiny-long 2> "$OUT/second.log" || { cat "$OUT/second.log"; exit 1; }
test "$(grep -c 'finished before' "$OUT/second.log")" = 2 || { cat "$OUT/second.log"; exit 1; }
grep -q "Both models were pretrained on the same number of examples (640,000)" "$OUT/alike/exchange.md"
OUT_DIR="$OUT/unequal" scripts/exchange.sh --quick arith-micro-long arith-tiny 2> "$OUT/unequal.log" || { cat "$OUT/unequal.log"; exit 1; }
grep -q "the small one read 640,000 training examples and the large one 320,000 (50 % apart)" "$OUT/unequal/exchange.md"
python3 - "$OUT/alike/exchange.md" "$OUT/unequal/exchange.md" <<'PY'
import sys
for path in sys.argv[1:]:
    text = open(path).read()
    level = text.split("## By level")[1]
    rows = [l.strip("|").split("|") for l in level.splitlines() if l.startswith("| ") and not l.startswith("| R ")]
    assert [r[0].strip() for r in rows] == ["0.1", "1", "10"], rows
    for r in rows:
        overall = float(r[5].split()[0])
        levels = [float(c.split()[0]) for c in r[6:11]]
        assert abs(sum(levels) / 5 - overall) < 0.1 + 1e-9, (path, r)
    assert text.count("\n| 0.1 |") == 2, path
print("exchange --quick: reports consistent, runs reused")
PY
