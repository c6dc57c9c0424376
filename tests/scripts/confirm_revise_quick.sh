#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# scripts/confirm-revise.sh --quick end to end (ctest: confirm_revise_quick), on the shipped models:
# a row per arm, the revision counts the arms imply, a single chain's fixes and breaks account for the
# change between its first and last attempt, one verdict line per budget whose overall paired
# difference is the difference of the two arms' accuracies, and a second call reuses the runs.
# Usage: tests/scripts/confirm_revise_quick.sh BUILD_DIR
set -euo pipefail
BUILD_DIR="$(cd "$1" && pwd)"
cd "$(dirname "$0")/../.."
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export LENS_CLI="$BUILD_DIR/app/cli/computelens-cli"
OUT_DIR="$OUT/c" scripts/confirm-revise.sh --quick > /dev/null 2> "$OUT/first.log" || { cat "$OUT/first.log"; exit 1; }
OUT_DIR="$OUT/c" scripts/confirm-revise.sh --quick > /dev/null 2> "$OUT/second.log" || { cat "$OUT/second.log"; exit 1; }
test "$(grep -c 'finished before' "$OUT/second.log")" = 5 || { cat "$OUT/second.log"; exit 1; }
python3 - "$OUT/c" <<'PY'
import json, re, sys
out = sys.argv[1]
text = open(f"{out}/confirm-revise.md").read()
co = json.load(open(f"{out}/compute-optimal.json"))
acc = {(a["strategy"], a["budget"]): a["accuracy"] for a in co["arms"]}
assert "train problems 1,000,000 to 1,000,009" in text, text
rows = [l for l in text.splitlines() if re.match(r"\| (4|16) \| [14] \| [\d.]+ %", l)]
assert [tuple(r.split("|")[1:3]) for r in rows] == [(" 4 ", " 1 "), (" 4 ", " 4 "), (" 16 ", " 1 "), (" 16 ", " 4 ")], rows
counts = [l.split("|")[1:7] for l in text.splitlines() if re.match(r"\| (4|16) \| 4 \| \d+ \| \d+ \| \d+ \|", l)]
assert [int(c[2]) for c in counts] == [10 * 1 * 3, 10 * 4 * 3], counts  # problems × chains × revisions per chain
# N = 4: one chain of 4 per problem, so right at attempt 4 − right at attempt 1 = (fixed − broke) / problems.
fixed, broke = int(counts[0][3]), int(counts[0][4])
turns = [float(t.strip(" %")) for t in counts[0][5].split(",")]
assert abs(turns[-1] - turns[0] - 100 * (fixed - broke) / 10) < 1e-6, (turns, fixed, broke)
verdicts = re.findall(r"- Chains of 4 beat (\d+) parallel attempts on the easiest two bins \(N = \d+\): \*\*(holds|does not hold|inconclusive)\*\* "
                      r"\(chains − parallel .*; on all problems ([+-]\d+\.\d) \[", text)
assert [v[0] for v in verdicts] == ["4", "16"], text
for n, _, overall in verdicts:
    d = 100 * (acc[("revise L=4 weighted", int(n))] - acc[("revise L=1 weighted", int(n))])
    assert abs(float(overall) - d) < 0.05 + 1e-9, (n, overall, d)
print("confirm-revise --quick: arms, counts and verdicts consistent; runs reused")
PY
