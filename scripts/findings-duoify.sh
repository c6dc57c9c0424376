#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes docs/findings-duoify.md: the largest shipped generator (arith-large, 8 layers, plain) made a
# Duo model four ways by `computelens-cli duoify` at the same small-module cost (RATIO of the big
# FFN's multiply-adds, default 0.2 as arith-duo-small's 96 of 480 neurons): pruned neurons
# (activation score) and truncated SVD, each with and without distillation. For each, a token-scope
# routing oracle on builtin:arith test solutions gives the loss and perplexity of all-small, all-big
# and the oracle at 1, 2 and 4 big layers. Runs are jobs in one database; python3 formats the report.
# Usage: scripts/findings-duoify.sh [PROBLEMS] [RATIO]
set -euo pipefail
cd "$(dirname "$0")/.."
PROBLEMS="${1:-20}"
RATIO="${2:-0.2}"
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="$BUILD_DIR/app/cli/computelens-cli"
SOURCE=resources/models/arith-large
OUT_DIR="$BUILD_DIR/findings-duoify"
mkdir -p "$OUT_DIR"
DB="$OUT_DIR/duoify.db"
rm -f "$DB" "$DB-wal" "$DB-shm"
start=$(date +%s)
VARIANTS=()
for method in activation svd; do
  for distill in 0 200; do
    name="$method-d$distill"
    "$CLI" duoify --model "$SOURCE" --out "$OUT_DIR/$name" --method "$method" --ratio "$RATIO" --distill-steps "$distill" \
      --calibration-problems 128 --calibration-tokens 16384 > "$OUT_DIR/$name.txt"
    run=$("$CLI" oracle --model "$OUT_DIR/$name" --problems "$PROBLEMS" --budget k=1,2,4 --random 0 --scope token \
      --db "$DB" -q --name "$name" | tail -1)
    "$CLI" routing "$run" --db "$DB" --json --out "$OUT_DIR/$name.json" --hardest 0
    VARIANTS+=("$name")
  done
done
seconds=$(( $(date +%s) - start ))
python3 - "$OUT_DIR" "$PROBLEMS" "$RATIO" "$seconds" "$(nproc)" "${VARIANTS[@]}" > docs/findings-duoify.md <<'PY'
import json, sys
out, problems, ratio, seconds, cores, variants = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6:]
label = {"activation-d0": "pruned (activation score)", "activation-d200": "pruned + 200 distillation steps",
         "svd-d0": "truncated SVD", "svd-d200": "truncated SVD + 200 distillation steps"}
print("# Findings: Duo-ifying the largest shipped generator\n")
print(f"Produced by `scripts/findings-duoify.sh {problems} {ratio:g}` from real runs ({seconds} s on {cores} CPU cores). Source: "
      "`arith-large` (8 layers, hidden 256, FFN 768, trained as a plain model). `computelens-cli duoify` adds a small FFN to every "
      f"layer costing {ratio:g} of the big one's multiply-adds: pruning keeps the {round(ratio*768)} neurons with the highest "
      "activation score; truncated SVD keeps every neuron and factors each matrix at the rank of equal cost. Calibration, error and "
      "distillation use 128 builtin:arith train problems (prompt + reference solution). The oracle scores the reference solutions of "
      f"the first {problems} builtin:arith test problems with the prompt as context (token scope: the context keeps all-big routes); "
      "loss is nats per solution token. Every number is read back from the runs by `computelens-cli routing`.\n")
print("| small FFN | rel. error per layer (min–max) | all-small | all-big | oracle k=1 | oracle k=2 | oracle k=4 | oracle k=1 FLOPs |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
def pt(rep, policy, budget=""):
    return next((p for p in rep["points"] if p["policy"] == policy and p["budget"] == budget), None)
for v in variants:
    rep = json.load(open(f"{out}/{v}.json"))
    meta = json.load(open(f"{out}/{v}/duoify.json"))
    errs = [l["relative_error_after"] for l in meta["layers"]]
    cells = []
    for policy, budget in (("all-small", ""), ("all-big", ""), ("oracle", "k=1"), ("oracle", "k=2"), ("oracle", "k=4")):
        p = pt(rep, policy, budget)
        cells.append("—" if p is None else f"{p['mean_loss']:.4f} (ppl {p['perplexity']:.4f})")
    o1 = pt(rep, "oracle", "k=1")
    rank = f", rank {meta['rank']}" if meta.get("rank") else ""
    print(f"| {label.get(v, v)}{rank} | {min(errs):.3f}–{max(errs):.3f} | " + " | ".join(cells) +
          f" | {'—' if o1 is None else format(100*o1['flops_fraction'], '.1f') + ' %'} |")
print("\nAll-big is the source model in every row (duoify leaves its tensors unchanged), so that column is the same up to the "
      "order of summation. Not compared here: a Duo model of arith-large's shape trained from scratch (the issue's third arm); "
      "training it needs a GPU session (resources/models/README.md).")
PY
echo "wrote docs/findings-duoify.md"
