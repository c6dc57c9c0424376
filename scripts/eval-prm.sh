#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# How good a process reward model is as a verifier, on held-out builtin:arith test problems: the
# generator (arith-duo-small, all big) samples SAMPLES solutions per problem, once per PRM with the
# same seed (so every PRM scores the same samples), and each pool is read back with
#   computelens-cli verifier RUN   (AUROC of the last step's score against correctness: pooled, within
#                                   problems, by level; 95 % intervals over problems)
#                                   and weighted best-of-N against majority voting at N = 1, 4, 16, ...
#                                   SAMPLES on the same subsets, with the paired difference's interval)
# and printed as markdown (the PRM section of resources/models/README.md). Runs are jobs: a killed
# script resumes where it stopped when run again (KEEP=1 keeps the database).
# Usage: scripts/eval-prm.sh PROBLEMS SAMPLES PRM_DIR...   e.g. scripts/eval-prm.sh 500 64 resources/models/arith-prm
set -euo pipefail
cd "$(dirname "$0")/.."
PROBLEMS="$1"; SAMPLES="$2"; shift 2
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="$BUILD_DIR/app/cli/computelens-cli"
MODEL=resources/models/arith-duo-small
OUT_DIR="$BUILD_DIR/eval-prm"
mkdir -p "$OUT_DIR"
DB="$OUT_DIR/eval-prm.db"
[ -n "${KEEP:-}" ] || rm -f "$DB" "$DB-wal" "$DB-shm"
BUDGETS=1
n=4; while [ "$n" -le "$SAMPLES" ]; do BUDGETS="$BUDGETS,$n"; n=$((n * 4)); done
RUNS=()
for prm in "$@"; do
  tag=$(echo "$prm" | tr '/' '_')
  cat > "$OUT_DIR/pool-$tag.json" <<JSON
{"kind": "generate", "name": "PRM evaluation pool: $prm", "model": "$MODEL", "verifier": {"model": "$prm"},
 "dataset": {"path": "builtin:arith", "split": "test", "limit": $PROBLEMS},
 "samples": $SAMPLES, "batch": 8, "seed": 1, "sampling": {"temperature": 1.0, "max_new_tokens": 400}}
JSON
  start=$(date +%s)
  run=$("$CLI" run "$OUT_DIR/pool-$tag.json" --db "$DB" -q | tail -1)
  echo "$prm: run $run ($(( $(date +%s) - start )) s)" >&2
  "$CLI" verifier "$run" --db "$DB" --budgets "$BUDGETS" --json > "$OUT_DIR/verifier-$run.json"
  RUNS+=("$prm=$run")
done
python3 - "$OUT_DIR" "$PROBLEMS" "$SAMPLES" "$(nproc)" "${RUNS[@]}" <<'PY'
import json, sys
out, problems, samples, cores, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], [r.split("=") for r in sys.argv[5:]]
f = lambda e: f"{e['auroc']:.3f} [{e['ci_low']:.3f}, {e['ci_high']:.3f}]" if e.get("auroc") is not None else "—"
print(f"Produced by `scripts/eval-prm.sh {problems} {samples} {' '.join(p for p, _ in runs)}` ({cores} CPU cores): "
      f"`arith-duo-small` samples {samples} solutions to each of the first {problems} builtin:arith test problems "
      "(temperature 1, seed 1, the same samples for every PRM); each PRM scores every step, a sample's score is its last step's. "
      "In brackets: 95 % bootstrap intervals over problems.\n")
print("| PRM | AUROC pooled | AUROC within problem | " + " | ".join(f"level {l}" for l in range(1, 6)) + " |")
print("|---|---|---|" + "---|" * 5)
for prm, run in runs:
    v = json.load(open(f"{out}/verifier-{run}.json"))
    lv = [f(v["by_level"][str(l)]) if str(l) in v["by_level"] else "—" for l in range(1, 6)]
    print(f"| `{prm}` | {f(v['pooled'])} | {f(v['within_problem'])} ({v['within_problem']['problems']} problems) | " + " | ".join(lv) + " |")
print()
def verdict(lo, hi):
    if lo is None or hi is None: return "inconclusive"
    return "weighted better" if lo > 0 else "majority better" if hi < 0 else "inconclusive"
print("Weighted best-of-N (the PRM's last-step scores summed per answer) against majority voting, on the same random "
      "subsets of each problem's samples; the interval is the paired bootstrap of the per-problem difference.\n")
print("| PRM | N | majority | weighted | weighted − majority | verdict |")
print("|---|---:|---:|---:|---:|---|")
for prm, run in runs:
    v = json.load(open(f"{out}/verifier-{run}.json"))
    for s in v["weighted_vs_majority"]:
        if s["n"] == 1: continue
        lo, hi = s["ci_low"], s["ci_high"]
        ci = f" [{100*lo:+.1f}, {100*hi:+.1f}]" if lo is not None else ""
        print(f"| `{prm}` | {s['n']} | {100*s['majority']:.1f} % | {100*s['weighted']:.1f} % | {100*s['difference']:+.1f}{ci} | {verdict(lo, hi)} |")
print()
PY
