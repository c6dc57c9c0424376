#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes docs/findings-routing.md from real oracle runs of the built-in Duo model (arith-duo-small,
# 4 layers, 81 routes): token-scope and sequence-scope oracles over builtin:arith test solutions,
# with the fixed routes and 100 random routings per budget as baselines, and trained routers
# (compute penalty at three λ, imitation of k=1 and k=2 oracles; trained on the train split) evaluated
# on the same texts; losses with 95 % intervals over problems and paired differences. Needs a built
# CLI and python3 (only to format the report).
# Every run (the routers' training too) is a job in $OUT_DIR/routing.db labelled by what it is
# (scripts/lib/jobs.sh): a second call reuses finished runs and resumes a killed one (FRESH=1
# starts over). --quick: 3 problems (their first 80 tokens), 5 random routings, routers trained for a
# few steps, written
# under build/findings-routing-quick (docs/ untouched): the end-to-end check ctest runs.
# Usage: scripts/findings-routing.sh [--quick] [PROBLEMS]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="${LENS_CLI:-$BUILD_DIR/app/cli/computelens-cli}"
MODEL=resources/models/arith-duo-small
if [ "${1:-}" = "--quick" ]; then
  shift
  PROBLEMS="${1:-3}"; SEQ_PROBLEMS=2; RANDOM_ROUTINGS=5; PENALTY_PROBLEMS=40; PENALTY_STEPS=10; IMITATE_PROBLEMS=2; IMITATE_STEPS=20
  BENCH=(--tokens 16 --repeats 1); ORACLE=(--max-tokens 80)
  OUT_DIR="$BUILD_DIR/findings-routing-quick"; DOC="$OUT_DIR/findings-routing.md"
else
  PROBLEMS="${1:-200}"; SEQ_PROBLEMS=$((PROBLEMS / 4)); RANDOM_ROUTINGS=100; PENALTY_PROBLEMS=400; PENALTY_STEPS=300
  IMITATE_PROBLEMS=60; IMITATE_STEPS=500; BENCH=(); ORACLE=()
  OUT_DIR="$BUILD_DIR/findings-routing"; DOC=docs/findings-routing.md
fi
DB="$OUT_DIR/routing.db"
# shellcheck source=scripts/lib/jobs.sh
source scripts/lib/jobs.sh
jobs_init findings-routing
ROUTERS=()
for lambda in 0.1 0.5 2; do
  job "router penalty $lambda" "$CLI" router train --model "$MODEL" --out "$OUT_DIR/router-penalty-$lambda" --mode penalty --lambda "$lambda" \
    --problems "$PENALTY_PROBLEMS" --steps "$PENALTY_STEPS" --train-batch 8
  ROUTERS+=(--router "$OUT_DIR/router-penalty-$lambda")
done
for k in 1 2; do
  job "router imitate k=$k" "$CLI" router train --model "$MODEL" --out "$OUT_DIR/router-imitate-k$k" --mode imitate --budget "k=$k" \
    --scope sequence --problems "$IMITATE_PROBLEMS" --steps "$IMITATE_STEPS" --lr 0.01
  ROUTERS+=(--router "$OUT_DIR/router-imitate-k$k")
done
job "token scope" "$CLI" oracle --model "$MODEL" --problems "$PROBLEMS" --budget k=0,1,2,3,4 --random "$RANDOM_ROUTINGS" --scope token "${ROUTERS[@]}" "${ORACLE[@]}"
job "sequence scope" "$CLI" oracle --model "$MODEL" --problems "$SEQ_PROBLEMS" --budget k=0,1,2,3,4 --random "$RANDOM_ROUTINGS" \
  --scope sequence "${ROUTERS[@]}" "${ORACLE[@]}"
job "FLOPs budgets" "$CLI" oracle --model "$MODEL" --problems "$PROBLEMS" --budget flops=0.3,0.4,0.5,0.6,0.8 --random "$RANDOM_ROUTINGS" "${ORACLE[@]}"
"$CLI" routing "$(run_of "token scope")" --db "$DB" --json --out "$OUT_DIR/token.json" --hardest 15
"$CLI" routing "$(run_of "sequence scope")" --db "$DB" --json --out "$OUT_DIR/sequence.json"
"$CLI" routing "$(run_of "FLOPs budgets")" --db "$DB" --json --out "$OUT_DIR/flops.json"
# The oracle's cost, measured once per database (FRESH=1 measures it again).
[ -n "${FRESH:-}" ] && rm -f "$OUT_DIR/bench.json"
[ -f "$OUT_DIR/bench.json" ] || "$CLI" bench oracle "${BENCH[@]}" --out "$OUT_DIR/bench.json" > /dev/null
# Seconds of computing: every run's wall time (a resumed run's parts add up), the routers' apart.
seconds=$(awk -F'\t' '{s += $2} END {print s + 0}' "$OUT_DIR/times.tsv")
router_seconds=$(awk -F'\t' '$1 ~ /^router / {s += $2} END {print s + 0}' "$OUT_DIR/times.tsv")
python3 - "$OUT_DIR" "$PROBLEMS" "$seconds" "$MACHINE" "$router_seconds" "$PENALTY_PROBLEMS" "$PENALTY_STEPS" "$IMITATE_PROBLEMS" "$IMITATE_STEPS" > "$DOC" <<'PY'
import json, sys, math
out, problems, seconds, machine, router_seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
penalty_problems, penalty_steps, imitate_problems, imitate_steps = sys.argv[6:10]
tok = json.load(open(f"{out}/token.json")); seq = json.load(open(f"{out}/sequence.json"))
fl = json.load(open(f"{out}/flops.json")); bench = json.load(open(f"{out}/bench.json"))
ci = lambda lo, hi: "" if lo is None else f" [{lo:.4f}, {hi:.4f}]"
def table(rep):
    rows = ["| policy | budget | FLOPs/token (of all-big) | loss (nats) [95 % interval] | perplexity |", "|---|---|---:|---:|---:|"]
    for p in rep["points"]:
        rows.append(f"| {p['policy']} | {p['budget'] or '—'} | {100*p['flops_fraction']:.1f} % | {p['mean_loss']:.4f}{ci(p['mean_loss_ci_low'], p['mean_loss_ci_high'])} | {p['perplexity']:.4f} |")
    return "\n".join(rows)
def diff(d):
    return f"{d['difference']:+.4f} [{d['ci_low']:+.4f}, {d['ci_high']:+.4f}]"
def verdict(d, lower_holds=True):
    # holds when the interval of a − b lies below 0 (a lower), does not hold when above 0.
    if d["ci_low"] is None: return "inconclusive"
    return ("holds" if lower_holds else "does not hold") if d["ci_high"] < 0 else ("does not hold" if lower_holds else "holds") if d["ci_low"] > 0 else "inconclusive"
def differences(rep, title):
    print(f"{title}\n")
    print("| a | b | loss a − b (nats/token) [95 % interval over problems] |"); print("|---|---|---:|")
    for d in rep["differences"]:
        print(f"| {d['a']} | {d['b']} | {diff(d)} |")
    print()
def pt(rep, policy, budget=""):
    return next(p for p in rep["points"] if p["policy"] == policy and p["budget"] == budget)
big = pt(tok, "all-big"); o1 = pt(tok, "oracle", "k=1"); o2 = pt(tok, "oracle", "k=2"); o4 = pt(tok, "oracle", "k=4")
r1 = pt(tok, "random", "k=1"); b1 = pt(tok, f"best of {tok['random_routings']} random", "k=1")
L = tok["layers"]
print("# Findings: routing oracles on the built-in Duo model\n")
print(f"Produced by `scripts/findings-routing.sh {problems}` from real runs ({seconds} s on {machine}). "
      f"Model: `arith-duo-small` ({L} layers; big FFN 480, small FFN 96, skip; 3^{L} = {3**L} routes per token). "
      f"Text: {tok['sequences']} builtin:arith test problems, the prompt as context and the reference solution scored "
      f"({tok['positions']} token positions). Every number below is read from the runs' database by `computelens-cli routing`.\n")
print("## Perplexity vs compute (token scope: the context keeps all-big routes)\n")
print(table(tok) + "\n")
d1 = next(d for d in tok["differences"] if d["a"] == "oracle k=1" and d["b"] == "all-big")
print(f"- **Oracle with one big layer vs all-big: {verdict(d1)}** (the oracle's loss lower): the oracle at k = 1 reaches loss "
      f"{o1['mean_loss']:.4f} at {100*o1['flops_fraction']:.0f} % of the all-big FLOPs, against {big['mean_loss']:.4f} for all-big, "
      f"a paired difference of {diff(d1)} nats per token over the {tok['sequences']} problems "
      f"(the paper found the same with its 12-layer model). At k = 2: {o2['mean_loss']:.4f}; unconstrained (k = {L}): {o4['mean_loss']:.4f}, "
      f"and even then the oracle uses big modules in only {100*sum(tok['big_by_layer'][-1])/L:.0f} % of the (token, layer) slots.")
print(f"- **Random routing is far from the oracle**: at k = 1 a random route has loss {r1['mean_loss']:.4f} and the best of "
      f"{tok['random_routings']} random routings {b1['mean_loss']:.4f}, against the oracle's {o1['mean_loss']:.4f}.")
print()
differences(tok, "Paired differences (token scope; the same tokens under both policies, problems resampled together):")
print(f"- Budgets as FLOPs fractions (another run on the same problems):\n\n{table(fl)}\n")
print("## Where the oracle puts compute\n")
hdr = "| budget | " + " | ".join(f"layer {l} big / small / skip" for l in range(L)) + " | mean gain (difficulty) |"
print(hdr); print("|---|" + "---|" * L + "---:|")
for b, name in enumerate(tok["budgets"]):
    cells = " | ".join(f"{100*tok['big_by_layer'][b][l]:.0f} / {100*tok['small_by_layer'][b][l]:.0f} / {100*tok['skip_by_layer'][b][l]:.0f} %" for l in range(L))
    print(f"| {name} | {cells} | {tok['mean_difficulty'][b]:.4f} |")
bins = tok["position_bins"]
print("\nBig modules per token by position in the solution (the paper found early positions use more):\n")
print("| budget | " + " | ".join(f"{b}+" for b in bins) + " |"); print("|---|" + "---:|" * len(bins))
for b, name in enumerate(tok["budgets"]):
    print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in tok["big_by_position"][b]) + " |")
print(f"\n- Skips are not early exit: at the largest budget {100*tok['skip_then_compute_fraction']:.1f} % of tokens skip a layer and then "
      "compute in a later one.")
print(f"- Loss is not difficulty: the Pearson correlation between a token's all-big loss and its gain from compute is "
      f"{tok['loss_difficulty_correlation']:.3f}; of the {tok['high_loss_tokens']} highest-loss tokens (top decile), "
      f"{tok['high_loss_low_gain_tokens']} gain less than the median token: they are unpredictable rather than hard.\n")
print("Hardest tokens (largest gain from compute at the largest budget; token ids are bytes of the byte tokenizer):\n")
print("| unit | position | token → next | gain | loss all-skip | oracle loss | oracle route |"); print("|---:|---:|---|---:|---:|---:|---|")
for h in tok["hardest"]:
    show = lambda i: repr(chr(i)) if 32 <= i < 127 else str(i)
    print(f"| {h['unit']} | {h['position']} | {show(h['token'])} → {show(h['next'])} | {h['difficulty']:.3f} | {h['loss_skip']:.3f} | {h['loss_oracle']:.3f} | `{h['route']}` |")
print("\n## Sequence scope (greedy: each token's chosen route becomes context for later tokens)\n")
print(f"{seq['sequences']} problems, {seq['positions']} positions; the baselines here are whole forward passes.\n")
print(table(seq) + "\n")
def routers(rep, title):
    R = rep["routers"]
    rnd = f"best of {rep['random_routings']} random"
    print(f"{title}\n")
    print("| router | FLOPs (of all-big) | loss | oracle at nearest budget | oracle loss | router − oracle [95 %] | trained router vs oracle | best-of-R random loss | agreement by layer | whole route | by difficulty (low / mid / high) |")
    print("|---|---:|---:|---|---:|---:|---|---:|---|---:|---|")
    for r in R:
        b = r["compared_budget"]
        br = next((p["mean_loss"] for p in rep["points"] if p["policy"] == rnd and p["budget"] == b), float("nan"))
        agree = " / ".join(f"{100*a:.0f}" for a in r["agreement_by_layer"])
        byd = " / ".join(f"{100*a:.0f}" for a in r["agreement_by_difficulty"])
        m = r["minus_oracle"]
        # The finding "trained routers differ from (fall short of) the oracle": holds when the router's loss is above the oracle's.
        print(f"| {r['name']} | {100*r['flops_fraction']:.1f} % | {r['mean_loss']:.4f}{ci(r['mean_loss_ci_low'], r['mean_loss_ci_high'])} | "
              f"{b} ({100*r['oracle_flops_fraction']:.1f} %) | {r['oracle_mean_loss']:.4f} | {diff(m)} | "
              f"{'short of the oracle' if m['ci_low'] is not None and m['ci_low'] > 0 else 'below the oracle' if m['ci_high'] is not None and m['ci_high'] < 0 else 'inconclusive'} | "
              f"{br:.4f} | {agree} % | {100*r['route_agreement']:.1f} % | {byd} % |")
    print()
    return R
print("## Trained routers against the oracle\n")
print(f"Five routers trained on builtin:arith *train* problems ({router_seconds} s for all five): one linear router per layer on the FFN "
      "input, picking skip / small / big. `router-penalty-λ` trained end to end (LM loss + λ × big-FFN FLOPs fraction, straight-through "
      f"Gumbel-softmax, {penalty_steps} steps of 8 texts from {penalty_problems} problems); `router-imitate-k` trained to reproduce sequence-scope oracle "
      f"routes at budget k ({imitate_problems} problems, {imitate_steps} full-batch steps). At inference a router routes every token, the prompt's too; each is compared with "
      "the oracle budget closest to it in FLOPs. Agreement is the fraction of scored tokens where router and oracle pick the same module "
      "(per layer) or the same whole route; 'by difficulty' splits tokens into terciles of the oracle's gain from compute.\n")
routers(seq, "Sequence scope (the fair comparison: the oracle's context follows its own choices, as a router's does):")
R = routers(tok, "Token scope (the oracle's context stays all-big, which a deployed router does not have, so the oracle's lead is larger):")
sr = seq["routers"]
if sr:
    rnd = f"best of {seq['random_routings']} random"
    def gap(r):
        o = r["oracle_mean_loss"]; br = next(p["mean_loss"] for p in seq["points"] if p["policy"] == rnd and p["budget"] == r["compared_budget"])
        return o, br
    near = sum(1 for r in sr if abs(r["mean_loss"] - gap(r)[1]) < abs(r["mean_loss"] - gap(r)[0]))
    short = [r["name"] for r in sr if r["minus_oracle"]["ci_low"] is not None and r["minus_oracle"]["ci_low"] > 0]
    print(f"- **Trained routers vs the oracle (sequence scope): {'holds' if len(short) == len(sr) else 'inconclusive' if short else 'does not hold'}** "
          f"(the paper: routers differ from, and fall short of, the oracle at their cost): {len(short)} of {len(sr)} routers have a loss above the "
          f"oracle's at the nearest budget with the whole 95 % interval of the paired difference above 0 (column 'router − oracle').")
    sbig = pt(seq, "all-big")
    cheaper_better = [r["name"] for r in sr if r["mean_loss"] <= sbig["mean_loss"] and r["flops_fraction"] < 1]
    print(f"- In sequence scope {near} of {len(sr)} routers land closer to the best of {seq['random_routings']} random routings than to the oracle "
          "at their cost (the paper saw trained routers land near best-of-random, well short of the oracle).")
    print(f"- Routers that match or beat all-big ({sbig['mean_loss']:.4f}) with less compute: {', '.join(cheaper_better) if cheaper_better else 'none'}.")
    w = max(sr, key=lambda r: r["route_agreement"])
    print(f"- The closest imitation of the oracle is `{w['name']}`: same whole route on {100*w['route_agreement']:.1f} % of tokens; its agreement on "
          f"the tokens that gain most from compute is {100*w['agreement_by_difficulty'][2]:.0f} % against {100*w['agreement_by_difficulty'][0]:.0f} % on those that gain least.\n")
    print(f"Tokens where `{w['name']}` loses most against the oracle (sequence scope):\n")
    print("| unit | position | token → next | router loss | oracle loss | gain from compute | router route | oracle route |"); print("|---:|---:|---|---:|---:|---:|---|---|")
    show = lambda i: repr(chr(i)) if 32 <= i < 127 else str(i)
    for t in w["worst"][:10]:
        print(f"| {t['unit']} | {t['position']} | {show(t['token'])} → {show(t['next'])} | {t['router_loss']:.3f} | {t['oracle_loss']:.3f} | "
              f"{t['difficulty']:.3f} | `{t['router_route']}` | `{t['oracle_route']}` |")
    print()
print("## Cost of the oracle\n")
print(f"`computelens-cli bench oracle` (same machine, same run): exhaustive search over {bench['routes']} routes for {bench['tokens']} tokens took "
      f"{bench['seconds_batched']:.3f} s batched over routes ({bench['token_routes_per_second_batched']:.0f} token-routes/s) against "
      f"{bench['seconds_one_forward_per_route']:.3f} s with one forward pass per route and token: **{bench['speedup_batched']:.1f}×**; "
      f"the two agree to {bench['max_abs_difference_of_best_losses']:.1e} nats.\n")
print("## Not in this report\n")
print("- Real checkpoints: `computelens-cli duoify` turns a Llama / Qwen2 / Mistral checkpoint into a Duo model (pruned small FFNs, "
      "optional distillation) that the same commands analyse, but no real checkpoint is shipped or downloaded, so every number here "
      "comes from ComputeLens's own 4-layer model. Its truncated-SVD small modules (`--method svd`) are compared with pruning on `arith-large` in `resources/models/README.md`.")
PY
echo "findings-routing: wrote $DOC" >&2
