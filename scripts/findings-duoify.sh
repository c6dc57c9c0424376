#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes docs/findings-duoify.md: a shipped generator (SOURCE, default arith-large: 8 layers, plain)
# made a Duo model four ways by `computelens-cli duoify` at the same small-module cost (RATIO of the
# big FFN's multiply-adds, default 0.2 as arith-duo-small's 96 of 480 neurons): pruned neurons
# (activation score) and truncated SVD, each with and without distillation. For each, a token-scope
# routing oracle on builtin:arith test solutions gives the loss (with its 95 % interval over
# problems) and perplexity of all-small, all-big and the oracle at 1, 2 and 4 big layers.
# A SOURCE that is already a Duo model (arith-duo-small, trained with its small FFNs from scratch)
# gets the derived small FFNs in place of its own, and a fifth row: the source itself, so derived
# and jointly trained small FFNs compare at equal size on the same big modules; that report is
# docs/findings-duoify-NAME.md. Runs are in one database; python3 formats the report.
# Usage: scripts/findings-duoify.sh [PROBLEMS] [RATIO] [SOURCE]
set -euo pipefail
cd "$(dirname "$0")/.."
PROBLEMS="${1:-20}"
RATIO="${2:-0.2}"
SOURCE="${3:-resources/models/arith-large}"
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="${LENS_CLI:-$BUILD_DIR/app/cli/computelens-cli}"
NAME=$(basename "$SOURCE")
if [ "$NAME" = arith-large ]; then OUT_DIR="$BUILD_DIR/findings-duoify"; DOC=docs/findings-duoify.md
else OUT_DIR="$BUILD_DIR/findings-duoify-$NAME"; DOC="docs/findings-duoify-$NAME.md"; fi
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
# A Duo source: its own small FFNs (trained with the big ones from scratch) on the same problems.
if python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1])).get("duo_small_intermediate_size") else 1)' "$SOURCE/config.json"; then
  run=$("$CLI" oracle --model "$SOURCE" --problems "$PROBLEMS" --budget k=1,2,4 --random 0 --scope token --db "$DB" -q --name jointly | tail -1)
  "$CLI" routing "$run" --db "$DB" --json --out "$OUT_DIR/jointly.json" --hardest 0
  VARIANTS+=(jointly)
fi
seconds=$(( $(date +%s) - start ))
python3 - "$OUT_DIR" "$PROBLEMS" "$RATIO" "$seconds" "$(nproc)" "$SOURCE" "${VARIANTS[@]}" > "$DOC" <<'PY'
import json, os, sys
out, problems, ratio, seconds, cores, source, variants = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7:]
name = os.path.basename(source.rstrip("/"))
cfg = json.load(open(f"{source}/config.json"))
layers, hidden, ffn = cfg["num_hidden_layers"], cfg["hidden_size"], cfg["intermediate_size"]
duo = cfg.get("duo_small_intermediate_size")
args = f"{problems} {ratio:g}" + ("" if name == "arith-large" else f" {source}")
label = {"activation-d0": "pruned (activation score)", "activation-d200": "pruned + 200 distillation steps",
         "svd-d0": "truncated SVD", "svd-d200": "truncated SVD + 200 distillation steps",
         "jointly": f"trained with the big FFNs from scratch ({name} as shipped, {duo} neurons)"}
if duo:
    print(f"# Findings: derived against jointly trained small FFNs ({name})\n")
    what = (f"`{name}` ({layers} layers, hidden {hidden}, big FFN {ffn}), a Duo model trained from scratch with small FFNs of {duo} "
            f"neurons. `computelens-cli duoify` replaces its small FFNs with ones derived from its big FFNs at the same cost "
            f"({ratio:g} of the big one's multiply-adds), so the derived and the jointly trained small FFNs compare at equal size "
            "on the same big modules (the last row is the model as shipped)")
else:
    print("# Findings: Duo-ifying the largest shipped generator\n")
    what = (f"`{name}` ({layers} layers, hidden {hidden}, FFN {ffn}, trained as a plain model). `computelens-cli duoify` adds a "
            f"small FFN to every layer costing {ratio:g} of the big one's multiply-adds")
rows = {v: json.load(open(f"{out}/{v}.json")) for v in variants}  # each variant's `routing --json`
intervals = all(p.get("mean_loss_ci_low") is not None for r in rows.values() for p in r["points"])
print(f"Produced by `scripts/findings-duoify.sh {args}` from real runs ({seconds} s on {cores} CPU cores). Source: {what}: pruning "
      f"keeps the {round(ratio * ffn)} neurons with the highest activation score; truncated SVD keeps every neuron and factors each "
      "matrix at the rank of equal cost. Calibration, error and distillation use 128 builtin:arith train problems (prompt + reference "
      f"solution). The oracle scores the reference solutions of the first {problems} builtin:arith test problems with the prompt as "
      "context (token scope: the context keeps all-big routes); loss is nats per solution token" +
      (", in brackets its 95 % bootstrap interval over problems" if intervals else "") +
      ". Every number is read back from the runs by `computelens-cli routing`.\n")
print("| small FFN | rel. error per layer (min–max) | all-small | all-big | oracle k=1 | oracle k=2 | oracle k=4 | oracle k=1 FLOPs |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
def pt(rep, policy, budget=""):
    return next((p for p in rep["points"] if p["policy"] == policy and p["budget"] == budget), None)
def loss(p):
    if p is None: return "—"
    ci = f" [{p['mean_loss_ci_low']:.4f}, {p['mean_loss_ci_high']:.4f}]" if p.get("mean_loss_ci_low") is not None else ""
    return f"{p['mean_loss']:.4f}{ci} (ppl {p['perplexity']:.4f})"
for v in variants:
    rep = rows[v]
    meta = json.load(open(f"{out}/{v}/duoify.json")) if v != "jointly" else None
    errs = [l["relative_error_after"] for l in meta["layers"]] if meta else []
    cells = [loss(pt(rep, policy, budget)) for policy, budget in
             (("all-small", ""), ("all-big", ""), ("oracle", "k=1"), ("oracle", "k=2"), ("oracle", "k=4"))]
    o1 = pt(rep, "oracle", "k=1")
    rank = f", rank {meta['rank']}" if meta and meta.get("rank") else ""
    print(f"| {label.get(v, v)}{rank} | {f'{min(errs):.3f}–{max(errs):.3f}' if errs else '—'} | " + " | ".join(cells) +
          f" | {'—' if o1 is None else format(100*o1['flops_fraction'], '.1f') + ' %'} |")
if duo:
    small = {v: pt(r, "all-small") for v, r in rows.items()}
    best = min((v for v in variants if v != "jointly"), key=lambda v: small[v]["mean_loss"])
    j, b = small["jointly"], small[best]
    sep = b["mean_loss_ci_low"] > j["mean_loss_ci_high"] or j["mean_loss_ci_low"] > b["mean_loss_ci_high"]
    word = "lower" if j["mean_loss"] < b["mean_loss"] else "higher"
    print(f"\n- **All-small: the jointly trained small FFNs' loss is {word}** ({j['mean_loss']:.4f} against {b['mean_loss']:.4f} for the "
          f"best derived ones, {label[best]}; the intervals {'do not overlap' if sep else 'overlap'}).")
    o = {v: pt(r, "oracle", "k=1") for v, r in rows.items()}
    print("- Oracle with one big layer: " + ", ".join(f"{label[v].split(' (')[0]} {o[v]['mean_loss']:.4f}" for v in variants) +
          f"; all-big {pt(rows['jointly'], 'all-big')['mean_loss']:.4f}.")
print("\nAll-big is the source model in every row (duoify leaves its big FFNs and every other tensor unchanged), so that column is "
      "the same up to the order of summation.", end="")
if not duo:
    print(" Not compared here: a Duo model of arith-large's shape trained from scratch (the issue's third arm); training it needs a "
          "GPU session; the comparison at `arith-duo-small`'s size, where a Duo model trained from scratch exists, is "
          "docs/findings-duoify-arith-duo-small.md.", end="")
print()
PY
echo "wrote $DOC"
