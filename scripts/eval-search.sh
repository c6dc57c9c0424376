#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Search and revisions on the problems of a PRM evaluation pool (scripts/eval-prm.sh), into its
# database, so that the pool is the best-of-N baseline and gives the difficulty bins: PRM-guided
# beam search at N = 4 and 16 (M = 4) from arith-duo-small, and arith-revise at N = 4 as 4 parallel
# attempts (L = 1) and as one chain of 4 (L = 4). Prints (markdown) the compute-optimal table
# against the pool with 95 % intervals per bin, and how many answers the revisions fixed and broke.
# Usage: scripts/eval-search.sh POOL_RUN PROBLEMS   (e.g. 1 500 after scripts/eval-prm.sh 500 64 resources/models/arith-prm)
set -euo pipefail
cd "$(dirname "$0")/.."
POOL="$1"; PROBLEMS="$2"
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="$BUILD_DIR/app/cli/computelens-cli"
OUT_DIR="$BUILD_DIR/eval-prm"
DB="$OUT_DIR/eval-prm.db"
PRM=resources/models/arith-prm
start=$(date +%s)
BEAM=$("$CLI" search --model resources/models/arith-duo-small --prm "$PRM" --strategy beam --n 4 --width 4 --problems "$PROBLEMS" \
  --max-tokens 200 --seed 1 --db "$DB" -q --name "beam N=4 M=4" | tail -1)
BEAM16=$("$CLI" search --model resources/models/arith-duo-small --prm "$PRM" --strategy beam --n 16 --width 4 --problems "$PROBLEMS" \
  --max-tokens 200 --seed 1 --db "$DB" -q --name "beam N=16 M=4" | tail -1)
PAR=$("$CLI" search --model resources/models/arith-revise --prm "$PRM" --strategy revise --n 4 --chain-length 1 --problems "$PROBLEMS" \
  --seed 1 --db "$DB" -q --name "revise N=4 L=1" | tail -1)
SEQ=$("$CLI" search --model resources/models/arith-revise --prm "$PRM" --strategy revise --n 4 --chain-length 4 --problems "$PROBLEMS" \
  --seed 1 --db "$DB" -q --name "revise N=4 L=4" | tail -1)
seconds=$(( $(date +%s) - start ))
"$CLI" compute-optimal "$POOL" "$BEAM" "$BEAM16" "$PAR" "$SEQ" --budgets 1,4,16,64 --db "$DB" --json --out "$OUT_DIR/compute-optimal-search.json"
"$CLI" export "$SEQ" --format csv --table metrics --db "$DB" > "$OUT_DIR/metrics-revise-chain.csv"
PYTHONPATH=scripts/lib python3 - "$OUT_DIR" "$PROBLEMS" "$seconds" "$(nproc)" <<'PY'
import csv, json, sys
from findings import efficiency_text
out, problems, seconds, cores = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
co = json.load(open(f"{out}/compute-optimal-search.json"))
pci = lambda v, lo, hi: "—" if v is None else f"{100*v:.1f} %" + ("" if lo is None else f" [{100*lo:.1f}, {100*hi:.1f}]")
print(f"Searches on the pool's {problems} problems ({seconds} s on {cores} CPU cores); bins are the pool's oracle difficulty "
      "quintiles (bin 1 easiest); 95 % bootstrap intervals over problems.\n")
print("| strategy | N | all | bin 1 | bin 2 | bin 3 | bin 4 | bin 5 |"); print("|---|---:|---:|---:|---:|---:|---:|---:|")
for a in sorted(co["arms"], key=lambda a: (a["budget"], a["strategy"])):
    bins = " | ".join(pci(b, lo, hi) for b, lo, hi in zip(a["by_bin"], a["by_bin_ci_low"], a["by_bin_ci_high"]))
    print(f"| {a['strategy']} | {a['budget']} | {pci(a['accuracy'], a['ci_low'], a['ci_high'])} | {bins} |")
print("\n| N | compute-optimal | best-of-N weighted | compute-optimal − best-of-N (paired) | efficiency |"); print("|---:|---:|---:|---:|---:|")
for f in co["frontier"]:
    d = "—" if f["minus_baseline_ci_low"] is None else f"[{100*f['minus_baseline_ci_low']:+.1f}, {100*f['minus_baseline_ci_high']:+.1f}]"
    print(f"| {f['budget']} | {pci(f['compute_optimal'], f['ci_low'], f['ci_high'])} | {pci(f['baseline'], None, None)} | {d} | {efficiency_text(f)} |")
tot = {}
for row in csv.DictReader(open(f"{out}/metrics-revise-chain.csv")):
    tot[row["name"]] = tot.get(row["name"], 0.0) + float(row["value"])
print(f"\nRevision chains of 4 (one per problem): {tot.get('revision-fixed', 0):.0f} revisions fixed a wrong answer and "
      f"{tot.get('revision-broken', 0):.0f} broke a right one, over {3 * int(problems)} revisions.")
PY
