#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# How well revision models revise, on the problems of a PRM evaluation pool (scripts/eval-prm.sh),
# into its database, so that the pool is the best-of-N baseline and gives the difficulty bins. For
# each revision model and each arm N:L (ARMS, default "4:1 4:4": N attempts in all, chains of L,
# weighted selection by the PRM, $PRM from the environment, default arith-prm; N:L:G adds the revision gate G, `keep_above`: a chain stops at an
# attempt whose mean log-prob per token is at least G) it prints (markdown):
#  - accuracy overall and per oracle difficulty bin with 95 % bootstrap intervals over problems
#    (computelens-cli compute-optimal against the pool);
#  - for chains (L > 1): how many revisions fixed a wrong answer and how many broke a right one,
#    and the share of chains right at each attempt;
#  - chains against parallel attempts (L = 1) of the same model at the same N on the easiest two
#    bins (Snell et al. §6: revisions beat parallel sampling on easy problems), with the paired
#    95 % bootstrap interval of the difference over problems.
# Usage: scripts/eval-revise.sh POOL_RUN PROBLEMS REVISION_MODEL...
#   e.g. scripts/eval-revise.sh 1 500 resources/models/arith-revise   (after scripts/eval-prm.sh 500 64 resources/models/arith-prm)
set -euo pipefail
cd "$(dirname "$0")/.."
POOL="$1"; PROBLEMS="$2"; shift 2
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="$BUILD_DIR/app/cli/computelens-cli"
OUT_DIR="$BUILD_DIR/eval-prm"
DB="$OUT_DIR/eval-prm.db"
PRM="${PRM:-resources/models/arith-prm}"
ARMS="${ARMS:-4:1 4:4}"
"$CLI" export "$POOL" --format csv --table samples --db "$DB" > "$OUT_DIR/pool-$POOL-samples.csv"
SUMMARY=()
for model in "$@"; do
  RUNS=()
  for arm in $ARMS; do
    IFS=: read -r n l gate <<< "$arm"
    gated=(); [ -n "$gate" ] && gated=(--keep-above "$gate")
    start=$(date +%s)
    run=$("$CLI" search --model "$model" --prm "$PRM" --strategy revise --n "$n" --chain-length "$l" "${gated[@]}" \
      --problems "$PROBLEMS" --seed 1 --db "$DB" -q --name "revise $model N=$n L=$l${gate:+ gate $gate}" | tail -1)
    echo "$model N=$n L=$l${gate:+ gate $gate}: run $run ($(( $(date +%s) - start )) s)" >&2
    "$CLI" export "$run" --format csv --table metrics --db "$DB" > "$OUT_DIR/metrics-$run.csv"
    RUNS+=("$run")
    SUMMARY+=("$model|$n|$l|$run|$gate")
  done
  tag=$(echo "$model" | tr '/' '_')
  "$CLI" compute-optimal "$POOL" "${RUNS[@]}" --budgets "$(echo "$ARMS" | tr ' ' '\n' | cut -d: -f1 | sort -nu | paste -sd,)" \
    --db "$DB" --json --out "$OUT_DIR/compute-optimal-revise-$tag.json" > /dev/null
done
PYTHONPATH=scripts/lib python3 - "$OUT_DIR" "$POOL" "$(nproc)" "$(basename "$PRM")" "${SUMMARY[@]}" <<'PY'
import csv, json, sys
from findings import metrics, paired_mean
out, pool, cores, prm, arms = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], [a.split("|") for a in sys.argv[5:]]
# Oracle difficulty bins of the pool, as core/search/aggregate.cpp cuts them: pass rate, stable sort, 5 equal bins.
right, count = {}, {}
for r in csv.DictReader(open(f"{out}/pool-{pool}-samples.csv")):
    p = int(r["problem_index"]); count[p] = count.get(p, 0) + 1; right[p] = right.get(p, 0) + (r["correct"] == "1")
problems = sorted(count)
order = sorted(problems, key=lambda p: -right[p] / count[p])
bin_of = {p: r * 5 // len(order) + 1 for r, p in enumerate(order)}
pci = lambda v, lo, hi: "—" if v is None else f"{100*v:.1f} %" + ("" if lo is None else f" [{100*lo:.1f}, {100*hi:.1f}]")
def paired(a, b, keys):
    return paired_mean([a[k] - b[k] for k in keys])
print(f"Revision models on the pool's problems ({cores} CPU cores); bins are the pool's oracle difficulty quintiles (bin 1 easiest); "
      f"weighted selection by {prm}; 95 % bootstrap intervals over problems.\n")
print("| model | N | L | all | bin 1 | bin 2 | bin 3 | bin 4 | bin 5 |"); print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for model in dict.fromkeys(a[0] for a in arms):
    co = json.load(open(f"{out}/compute-optimal-revise-{model.replace('/', '_')}.json"))
    for a in sorted((a for a in co["arms"] if a["strategy"].startswith("revise")), key=lambda a: (a["budget"], a["strategy"])):
        bins = " | ".join(pci(b, lo, hi) for b, lo, hi in zip(a["by_bin"], a["by_bin_ci_low"], a["by_bin_ci_high"]))
        l = a["strategy"].split()[1][2:] + (", gate " + a["strategy"].split(" gate ")[1] if " gate " in a["strategy"] else "")
        print(f"| {model} | {a['budget']} | {l} | {pci(a['accuracy'], a['ci_low'], a['ci_high'])} | {bins} |")
print("\n| model | N | L | revisions | fixed a wrong answer | broke a right one | right at attempt 1, 2, … |"); print("|---|---:|---:|---:|---:|---:|---|")
for model, n, l, run, gate in arms:
    if int(l) == 1: continue
    m = metrics(f"{out}/metrics-{run}.csv"); units = len(m["correct"])
    turns = ", ".join(f"{100 * sum(m[f'turn-correct-{t}'].values()) / units:.1f} %" for t in range(1, int(l) + 1))
    made = units * int(n) // int(l) * (int(l) - 1) - round(sum(m.get("revision-kept", {}).values()))  # kept turns made none
    print(f"| {model} | {n} | {l}{', gate ' + gate if gate else ''} | {made} | {sum(m['revision-fixed'].values()):.0f} | "
          f"{sum(m['revision-broken'].values()):.0f} | {turns} |")
print("\n| model | N | chains of L | parallel (L = 1) | chains − parallel, bins 1–2 (paired) | verdict |"); print("|---|---:|---|---:|---:|---|")
for model, n, l, run, gate in arms:
    par = [a for a in arms if a[0] == model and a[1] == n and a[2] == "1"]
    if int(l) == 1 or not par: continue
    seq, one = metrics(f"{out}/metrics-{run}.csv")["correct"], metrics(f"{out}/metrics-{par[0][3]}.csv")["correct"]
    easy = [p for p in problems if bin_of[p] <= 2 and p in seq and p in one]
    d, lo, hi = paired(seq, one, easy)
    verdict = "holds" if lo > 0 else "does not hold" if hi < 0 else "inconclusive"
    print(f"| {model} | {n} | L = {l}{', gate ' + gate if gate else ''}: {100 * sum(seq[p] for p in easy) / len(easy):.1f} % | {100 * sum(one[p] for p in easy) / len(easy):.1f} % | "
          f"{100 * d:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}] points ({len(easy)} problems) | {verdict} |")
PY
