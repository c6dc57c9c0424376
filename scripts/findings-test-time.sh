#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes docs/findings-test-time.md from real runs of the built-in models on builtin:arith test
# problems: best-of-N (16 samples per problem scored by the shipped PRM, arith-prm) against
# PRM-guided beam search, DVTS and lookahead search at N = 4 and 16, sequential revisions with the
# shipped revision model (arith-revise) at several sequential/parallel ratios, beam search under a
# fixed all-small route and under a trained router, by oracle difficulty bin; the compute-optimal
# choice per bin (2-fold cross-validated) with its efficiency ratio over best-of-N; and the exchange
# analysis against arith-large. Needs a built CLI and python3 (only to format the report).
# The router is build/findings-routing/router-penalty-0.1 (scripts/findings-routing.sh), trained
# here the same way when missing.
# Usage: scripts/findings-test-time.sh [PROBLEMS]; REPORT_ONLY=1 rewrites the report from the last runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PROBLEMS="${1:-100}"
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="$BUILD_DIR/app/cli/computelens-cli"
MODEL=resources/models/arith-duo-small
PRM=resources/models/arith-prm
REVISE=resources/models/arith-revise
LARGE=resources/models/arith-large
ROUTER="${ROUTER:-$BUILD_DIR/findings-routing/router-penalty-0.1}"
OUT_DIR="$BUILD_DIR/findings-test-time"
mkdir -p "$OUT_DIR"
DB="$OUT_DIR/test-time.db"
if [ -z "${REPORT_ONLY:-}" ]; then
rm -f "$DB" "$DB-wal" "$DB-shm"
start=$(date +%s)
cat > "$OUT_DIR/best-of-n.json" <<JSON
{"kind": "generate", "name": "best-of-N pool", "model": "$MODEL", "verifier": {"model": "$PRM"},
 "dataset": {"path": "builtin:arith", "split": "test", "limit": $PROBLEMS},
 "samples": 16, "batch": 16, "seed": 1, "sampling": {"temperature": 1.0, "max_new_tokens": 400}}
JSON
BASE=$("$CLI" run "$OUT_DIR/best-of-n.json" --db "$DB" -q)
RUNS=()
search() {  # name, then the search flags
  local name="$1"; shift
  RUNS+=("$("$CLI" search --prm "$PRM" "$@" --problems "$PROBLEMS" --max-tokens 200 --seed 1 --db "$DB" -q --name "$name")")
}
search "beam N=4 M=4" --model "$MODEL" --strategy beam --n 4 --width 4
search "beam N=16 M=4" --model "$MODEL" --strategy beam --n 16 --width 4
search "dvts N=4 M=2" --model "$MODEL" --strategy dvts --n 4 --width 2
search "dvts N=16 M=4" --model "$MODEL" --strategy dvts --n 16 --width 4
search "lookahead N=4 M=4 k=2" --model "$MODEL" --strategy lookahead --n 4 --width 4 --lookahead 2
search "lookahead N=16 M=4 k=2" --model "$MODEL" --strategy lookahead --n 16 --width 4 --lookahead 2
search "beam N=16 M=4 all-small" --model "$MODEL" --strategy beam --n 16 --width 4 --route all-small
if [ ! -f "$ROUTER/router.json" ]; then
  "$CLI" router train --model "$MODEL" --out "$ROUTER" --mode penalty --lambda 0.1 --problems 400 --steps 300 --train-batch 8 \
    --db "$OUT_DIR/router.db" -q --name "router penalty 0.1" > /dev/null
fi
search "beam N=16 M=4 router" --model "$MODEL" --strategy beam --n 16 --width 4 --router "$ROUTER"
# Sequential revisions (N attempts as N/L chains of L; attempts are whole solutions of up to 400 tokens).
for nl in 4:1 4:4 16:1 16:4 16:16; do
  n=${nl%:*}; l=${nl#*:}
  RUNS+=("$("$CLI" search --prm "$PRM" --model "$REVISE" --strategy revise --n "$n" --chain-length "$l" --problems "$PROBLEMS" \
    --seed 1 --db "$DB" -q --name "revise N=$n L=$l")")
done
cat > "$OUT_DIR/large.json" <<JSON
{"kind": "generate", "name": "arith-large pass@1", "model": "$LARGE",
 "dataset": {"path": "builtin:arith", "split": "test", "limit": $PROBLEMS},
 "samples": 4, "batch": 16, "seed": 1, "sampling": {"temperature": 1.0, "max_new_tokens": 400}}
JSON
LARGE_RUN=$("$CLI" run "$OUT_DIR/large.json" --db "$DB" -q)
"$CLI" compute-optimal "$BASE" "${RUNS[@]}" --budgets 1,2,4,8,16 --large "$LARGE_RUN" --ratios 0.1,1,10 --db "$DB" --json \
  --out "$OUT_DIR/compute-optimal.json"
for agg in majority best-of-n weighted; do
  "$CLI" curves "$BASE" --aggregation "$agg" --budgets 1,2,4,8,16 --db "$DB" --json > "$OUT_DIR/curves-$agg.json"
done
for r in "${RUNS[@]}"; do "$CLI" export "$r" --format csv --table metrics --db "$DB" > "$OUT_DIR/metrics-$r.csv"; done
"$CLI" show "$BASE" --db "$DB" --json > "$OUT_DIR/base.json"
echo "$PROBLEMS $(( $(date +%s) - start )) $(nproc) $LARGE_RUN ${RUNS[*]}" > "$OUT_DIR/runs.txt"
fi
read -r -a FIELDS < "$OUT_DIR/runs.txt"
"$CLI" compute-optimal 1 "${FIELDS[@]:4}" --budgets 1,2,4,8,16 --bins predicted --db "$DB" --json --out "$OUT_DIR/compute-optimal-predicted.json"
# The HTML report of every run (parameters, tables, charts), and its accuracy-vs-FLOPs chart of every
# strategy for the markdown below.
"$CLI" report 1 "${FIELDS[@]:4}" "${FIELDS[3]}" --budgets 1,2,4,8,16 --title "Findings: test-time compute" --db "$DB" -o "$OUT_DIR/report.html"
python3 - "$OUT_DIR/report.html" docs/findings-test-time.svg <<'PY'
import base64, re, sys
charts = re.findall(r'data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)', open(sys.argv[1]).read())
open(sys.argv[2], "wb").write(base64.b64decode(charts[-1]))
PY
python3 - "$OUT_DIR" > docs/findings-test-time.md <<'PY'
import csv, json, math, sys
out = sys.argv[1]
fields = open(f"{out}/runs.txt").read().split()
problems, seconds, cores, large_run, runs = int(fields[0]), int(fields[1]), fields[2], fields[3], fields[4:]
labels = ["beam N=4 M=4", "beam N=16 M=4", "dvts N=4 M=2", "dvts N=16 M=4", "lookahead N=4 M=4 k=2", "lookahead N=16 M=4 k=2",
          "beam N=16 M=4, all-small route", "beam N=16 M=4, trained router (penalty λ=0.1)",
          "revise N=4 L=1", "revise N=4 L=4", "revise N=16 L=1", "revise N=16 L=4", "revise N=16 L=16"]
co = json.load(open(f"{out}/compute-optimal.json"))
curves = {a: json.load(open(f"{out}/curves-{a}.json")) for a in ("majority", "best-of-n", "weighted")}
pct = lambda v: "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100*v:.1f} %"
def ci(lo, hi):  # a 95 % interval in percent, "" when there is none
    return "" if lo is None or hi is None else f" [{100*lo:.1f}, {100*hi:.1f}]"
def pci(v, lo, hi): return pct(v) + ci(lo, hi)
def compare(a_lo, a_hi, b_lo, b_hi):
    """'holds' when a's interval lies above b's, 'does not hold' when below, else 'inconclusive' (they overlap)."""
    if None in (a_lo, a_hi, b_lo, b_hi): return "inconclusive"
    if a_lo > b_hi: return "holds"
    if a_hi < b_lo: return "does not hold"
    return "inconclusive"
def totals(run):
    s = {}
    for row in csv.DictReader(open(f"{out}/metrics-{run}.csv")):
        s.setdefault(row["name"], []).append(float(row["value"]))
    return {k: sum(v) / len(v) for k, v in s.items()}
print("# Findings: test-time compute on the built-in models\n")
print(f"Produced by `scripts/findings-test-time.sh {problems}` from real runs ({seconds} s on {cores} CPU cores). Generator: "
      "`arith-duo-small` (1.4 M parameters, all big modules). Verifier: `arith-prm`, a step-tag PRM fine-tuned from it by ComputeLens on "
      "Monte Carlo step labels (`resources/models/arith-prm.train.json`). Problems: the first "
      f"{problems} builtin:arith test problems (levels 1–5). Revision model: `arith-revise`, fine-tuned from the generator by ComputeLens "
      "on chains of its own samples, right ones included (`resources/models/arith-revise.train.json`). Every number is read from the runs' "
      "database by `computelens-cli`.\n")
print("## Accuracy by strategy and budget\n")
print("Budget N = generations per round (search) or samples (best-of-N). Best-of-N draws N of 16 samples per problem at random "
      "(200 draws); search runs once per problem. FLOPs are the generator's per problem: 2 × its all-big parameters per token "
      "(scaled by the matmul cost of the modules a Duo route or router takes) plus the attention over each token's context; a prompt "
      "shared by several samples counts once.\n")
print("In brackets: the 95 % percentile-bootstrap interval over problems (2000 resamples), overall and per bin.\n")
print("| strategy | N | accuracy | generator FLOPs / problem | bin 1 | bin 2 | bin 3 | bin 4 | bin 5 |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for a in sorted(co["arms"], key=lambda a: (a["strategy"], a["budget"])):
    bins = " | ".join(pci(b, lo, hi) for b, lo, hi in zip(a["by_bin"], a["by_bin_ci_low"], a["by_bin_ci_high"]))
    print(f"| {a['strategy']} | {a['budget']} | {pci(a['accuracy'], a['ci_low'], a['ci_high'])} | {a['mean_flops']:.3g} | {bins} |")
print("\n![Accuracy against generator FLOPs per problem for every strategy, with the compute-optimal frontier]"
      "(findings-test-time.svg)\n")
print("The same runs as a full report (parameters, every table and chart): `computelens-cli report` over them; the script writes it "
      "to `build/findings-test-time/report.html`.\n")
print("\nBest-of-N by aggregation (all problems):\n")
print("| N | " + " | ".join(curves) + " |"); print("|---:|" + "---:|" * len(curves))
def curve_points(c):  # the "all" series of `curves --json`
    s = next(x for x in c if x["series"] == "all")
    return {p["n"]: p for p in s["points"]}
cpts = {a: curve_points(c) for a, c in curves.items()}
cps = {a: {n: p["accuracy"] for n, p in pts.items()} for a, pts in cpts.items()}
def cell(p): return "—" if p is None else pci(p["accuracy"], p.get("ci_low"), p.get("ci_high"))
for n in sorted(cps["weighted"]):
    print(f"| {n} | " + " | ".join(cell(cpts[a].get(n)) for a in curves) + " |")
print("\n## Compute-optimal scaling\n")
print("For each oracle difficulty bin (quintiles of the best-of-N pool's pass@1; bin 1 easiest) and budget, the strategy with the "
      "best accuracy on one half of the problems is scored on the other half (two-fold cross-validation, as in the paper). "
      "The ratio is the best-of-N (weighted) budget that reaches the same accuracy, over N (log-linear between measured budgets).\n")
print("| N | compute-optimal | best-of-N weighted | compute-optimal − best-of-N (paired) | best-of-N budget matching it | efficiency | choice per bin (fold 0 / fold 1) |")
print("|---:|---:|---:|---:|---:|---:|---|")
def diff(lo, hi): return "—" if lo is None or hi is None else f"[{100*lo:+.1f}, {100*hi:+.1f}] points"
for f in co["frontier"]:
    m = f["matching_baseline_budget"]; e = f["efficiency"]
    choice = "; ".join(f"{i+1}: {c[0] or '—'} / {c[1] or '—'}" for i, c in enumerate(f["chosen"]))
    print(f"| {f['budget']} | {pci(f['compute_optimal'], f['ci_low'], f['ci_high'])} | {pct(f['baseline'])} | "
          f"{diff(f['minus_baseline_ci_low'], f['minus_baseline_ci_high'])} | {'—' if m is None else f'{m:.1f}'} | "
          f"{'—' if e is None else f'{e:.2f}×'} | {choice} |")
pred = json.load(open(f"{out}/compute-optimal-predicted.json"))
print("\nWith predicted difficulty instead (bins from the PRM's mean score over the pool's samples, no ground truth; the choice "
      "still uses the other half's correctness, as in the paper):\n")
print("| N | compute-optimal (predicted bins) | best-of-N weighted | efficiency |"); print("|---:|---:|---:|---:|")
for f in pred["frontier"]:
    e = f["efficiency"]
    print(f"| {f['budget']} | {pct(f['compute_optimal'])} | {pct(f['baseline'])} | {'—' if e is None else f'{e:.2f}×'} |")
arm = {(a["strategy"], a["budget"]): a for a in co["arms"]}
bw = arm.get(("best-of-N weighted", 4)); beam4 = arm.get(("beam M=4", 4)); beam16 = arm.get(("beam M=4", 16)); bw16 = arm.get(("best-of-N weighted", 16))
print("\n## The papers' findings, one line each\n")
print("*Holds* / *does not hold*: the two 95 % intervals (over problems) do not overlap, one way or the other; *inconclusive*: they "
      "overlap, so these problems cannot tell (a conservative test: unpaired intervals). The compute-optimal line uses the paired "
      "interval of its difference from best-of-N.\n")
def line(claim, verdict, evidence): print(f"- {claim}: **{verdict}** ({evidence}).")
def arm_ci(a, b=None):
    if b is None: return a["ci_low"], a["ci_high"]
    return a["by_bin_ci_low"][b], a["by_bin_ci_high"][b]
if bw and beam4:
    line("Beam search beats best-of-N at a low budget (N = 4)", compare(*arm_ci(beam4), *arm_ci(bw)),
         f"beam {pci(beam4['accuracy'], *arm_ci(beam4))} against weighted best-of-N {pci(bw['accuracy'], *arm_ci(bw))}")
if bw16 and beam16:
    vs = [compare(*arm_ci(bw16, b), *arm_ci(beam16, b)) for b in (0, 1)]
    v = "holds" if all(x == "holds" for x in vs) else "does not hold" if "does not hold" in vs else "inconclusive"
    line("Beam search is worse than best-of-N on easy problems at a high budget (N = 16, bins 1–2)", v,
         "; ".join(f"bin {b+1}: beam {pci(beam16['by_bin'][b], *arm_ci(beam16, b))}, best-of-N {pci(bw16['by_bin'][b], *arm_ci(bw16, b))}" for b in (0, 1)))
seq, par = arm.get(("revise L=4 weighted", 16)), arm.get(("revise L=1 weighted", 16))
if seq and par:
    vs = [compare(*arm_ci(seq, b), *arm_ci(par, b)) for b in (0, 1)]
    v = "holds" if all(x == "holds" for x in vs) else "does not hold" if "does not hold" in vs else "inconclusive"
    line("Sequential revisions beat parallel sampling on easy problems (N = 16: 4 chains of 4 against 16 of 1, bins 1–2)", v,
         "; ".join(f"bin {b+1}: sequential {pci(seq['by_bin'][b], *arm_ci(seq, b))}, parallel {pci(par['by_bin'][b], *arm_ci(par, b))}" for b in (0, 1)))
better = [f for f in co["frontier"] if f["minus_baseline_ci_low"] is not None and f["minus_baseline_ci_low"] > 0]
worse = [f for f in co["frontier"] if f["minus_baseline_ci_high"] is not None and f["minus_baseline_ci_high"] < 0]
line("The compute-optimal choice per bin needs fewer FLOPs than best-of-N for the same accuracy (the paper: about 4×)",
     "holds" if better and not worse else "does not hold" if worse and not better else "inconclusive",
     "efficiency " + ", ".join(f"N={f['budget']}: {'—' if f['efficiency'] is None else format(f['efficiency'], '.2f') + '×'}" for f in co["frontier"]) +
     "; compute-optimal − best-of-N " + ", ".join(f"N={f['budget']}: {diff(f['minus_baseline_ci_low'], f['minus_baseline_ci_high'])}" for f in co["frontier"]) +
     "; the efficiency ratio itself has no interval")
if co.get("exchange"):
    line("The small model with test-time compute beats a larger one at equal FLOPs, per bin", "inconclusive",
         "no interval is computed for the exchange yet, and `arith-large` is worse per sample than the small model, so the comparison "
         "the paper makes cannot be made with these models")
print("\nThe routing findings (oracle with one big layer against all-big; trained routers against the oracle) are in "
      "[findings-routing.md](findings-routing.md), without intervals so far.")
print("\n## What the runs show\n")
if bw and beam4:
    verdict = "beats" if beam4["accuracy"] > bw["accuracy"] else "does not beat"
    print(f"- At N = 4, PRM-guided beam search {verdict} weighted best-of-N: {pct(beam4['accuracy'])} against {pct(bw['accuracy'])} "
          "(the paper found beam search ahead at small budgets).")
if bw16 and beam16:
    verdict = "ahead of" if beam16["accuracy"] > bw16["accuracy"] else "behind"
    print(f"- At N = 16, beam search is {verdict} best-of-N: {pct(beam16['accuracy'])} against {pct(bw16['accuracy'])}.")
base_max = max((a["accuracy"], a["budget"]) for a in co["arms"] if a["strategy"] == co["baseline"])
def eff(f):
    if f["efficiency"] is not None: return f"{f['efficiency']:.2f}×"
    if f["compute_optimal"] is not None and f["compute_optimal"] > base_max[0]:
        return f"more than {max(a['budget'] for a in co['arms'] if a['strategy'] == co['baseline']) / f['budget']:.0f}× (best-of-N never reaches it)"
    return "—"
print("- Efficiency of the compute-optimal choice over weighted best-of-N (the paper reports about 4× on MATH with PaLM 2): " +
      ", ".join(f"N={f['budget']}: {eff(f)}" for f in co["frontier"]) + ". The choice differs from best-of-N only where a search "
      "strategy won on the other half of the problems; with one search run per strategy and budget and about "
      f"{problems // 5} problems per bin, a few problems decide each choice, so these ratios are noisy.")
beats = [f["budget"] for f in pred["frontier"] if f["baseline"] is not None and f["compute_optimal"] > f["baseline"] + 1e-9]
print(f"- With predicted bins (the PRM's mean score) the cross-validated choice beats best-of-N at "
      f"{'N = ' + ', '.join(map(str, beats)) if beats else 'no budget'}: a weak verifier is also a weak difficulty predictor.")
small = arm.get(("beam M=4 all-small", 16))
if small and beam16:
    print(f"- Per-token vs per-problem compute: beam search at N = 16 with every token on the small FFNs (all-small route) reaches "
          f"{pct(small['accuracy'])} for {small['mean_flops']:.3g} generator FLOPs per problem, against {pct(beam16['accuracy'])} "
          f"for {beam16['mean_flops']:.3g} with big FFNs, and {pct(beam4['accuracy'])} for {beam4['mean_flops']:.3g} at N = 4 with "
          "big FFNs.")
b5 = {a["strategy"] + f" N={a['budget']}": a["by_bin"][4] for a in co["arms"]}
print(f"- On the hardest bin, weighted best-of-N falls as N grows ({pct(arm[('best-of-N weighted', 1)]['by_bin'][4])} at N=1, "
      f"{pct(arm[('best-of-N weighted', 16)]['by_bin'][4])} at N=16): the PRM's votes favour a wrong answer there, while beam and "
      "lookahead search keep some right ones. Bins are quintiles of the pool's pass@1, so bin 5 is by construction where sampling "
      "fails most.")
print(f"- Majority voting and weighted best-of-N track each other; naive best-of-N (the single highest-scored sample) falls from "
      f"{pct(cps['best-of-n'].get(1))} to {pct(cps['best-of-n'].get(16))} as N grows: the PRM ranks problems by difficulty but not the "
      "samples of one problem (its within-problem AUROC, `computelens-cli verifier`, is measured in resources/models/README.md), so "
      "picking by its score alone picks its errors.")
small = arm.get(("beam M=4 router", 16))
if small and beam16:
    print(f"- Under a trained router (penalty λ = 0.1, from `scripts/findings-routing.sh`), beam search at N = 16 reaches "
          f"{pct(small['accuracy'])} for {small['mean_flops']:.3g} generator FLOPs per problem (router included).")

print("\n## Sequential revisions\n")
print("`arith-revise` answers, then answers again seeing its chain's most recent earlier attempt (the model's config says how many it was "
      "trained with: 1). N attempts run as N/L chains of "
      "L; L = 1 is parallel sampling from the revision model. The answer is chosen over all N attempts by majority, weighted "
      "best-of-N (PRM scores summed per answer) or hierarchically (the PRM's best attempt of each chain, then weighted across "
      "chains). Generator FLOPs include every attempt's prompt, which holds the earlier attempts.\n")
print("| run | majority | weighted | hierarchical | chains right at attempt 1, 2, … L | generator FLOPs / problem |")
print("|---|---:|---:|---:|---|---:|")
rev = []
for r, label in zip(runs, labels):
    if not label.startswith("revise"): continue
    t = totals(r)
    L = int(label.split("L=")[1])
    turns = [t.get(f"turn-correct-{k}") for k in range(1, L + 1)]
    shown = ", ".join(pct(x) for x in turns) if L <= 4 else ", ".join(pct(turns[k]) for k in (0, 1, 3, 7, L - 1)) + " (attempts 1, 2, 4, 8, 16)"
    rev.append((label, t, turns))
    print(f"| {label} | {pct(t.get('correct-majority'))} | {pct(t.get('correct-weighted'))} | {pct(t.get('correct-hierarchical'))} | "
          f"{shown} | {t.get('generator-flops', 0):.3g} |")
print("\nBy difficulty bin (weighted selection), against weighted best-of-N from the generator at the same N:\n")
print("| strategy | N | bin 1 | bin 2 | bin 3 | bin 4 | bin 5 | all |"); print("|---|---:|---:|---:|---:|---:|---:|---:|")
for a in sorted(co["arms"], key=lambda a: (a["budget"], a["strategy"])):
    if a["budget"] in (4, 16) and (a["strategy"].startswith("revise") or a["strategy"] == "best-of-N weighted"):
        print(f"| {a['strategy']} | {a['budget']} | " + " | ".join(pct(b) for b in a["by_bin"]) + f" | {pct(a['accuracy'])} |")
def first_last(turns):
    return turns[0], turns[-1]
for label, t, turns in rev:
    if len(turns) > 1:
        f, l = first_last(turns)
        print(f"\n- {label}: {pct(f)} of chains are right at the first attempt and {pct(l)} at the last"
              f" ({'revisions help' if l > f + 1e-9 else 'revisions do not help'} on average).", end="")
print("\n\nThe revision model was trained only on wrong attempts followed by a right one (as in the paper), so it has never seen "
      "a right answer among the earlier attempts; a plausible reading of the falling accuracy by attempt (not measured apart here) "
      "is that it changes right answers as readily as wrong ones. Its first attempts are also worse than the generator's own "
      "samples (see L = 1 against best-of-N at N = 1): 300 fine-tuning steps left it less fluent than its base.\n")

ex = co.get("exchange")
if ex:
    print("## Exchanging pretraining for test-time compute\n")
    print(f"`arith-large` has {ex['size_ratio']:.2f}× the generator's parameters. At equal total FLOPs (pretraining 6·N·D_pretrain "
          "on equal tokens plus inference 2·N·D_inference), the generator may spend per problem what one `arith-large` sample costs "
          "plus the extra pretraining spread over the queries: M + 3(M − 1)/R samples' worth for R = D_inference / D_pretrain. Its "
          "accuracy there is the compute-optimal frontier's best point that fits (cross-validated per bin, as above). "
          "arith-large's accuracy is pass@1 from 4 samples per problem.\n")
    print("| R | FLOPs allowed / problem | × one sample | frontier N used | generator + test-time | arith-large | bins 1–5 (test-time / large) |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    for r in ex["rows"]:
        bins = ", ".join(f"{pct(a)} / {pct(b)}" for a, b in zip(r["small_by_bin"], r["large_by_bin"]))
        print(f"| {r['ratio']:g} | {r['allowed_flops']:.3g} | {r['multiplier']:.1f} | {r['small_budget'] or '—'} | "
              f"{pct(r['small_accuracy'])} | {pct(r['large_accuracy'])} | {bins} |")
    wins = [r["ratio"] for r in ex["rows"] if r["small_accuracy"] is not None and r["small_accuracy"] > r["large_accuracy"]]
    loses = [r["ratio"] for r in ex["rows"] if r["small_accuracy"] is None or r["small_accuracy"] <= r["large_accuracy"]]
    print(f"\nTest-time compute on the small model wins at R = {', '.join(f'{x:g}' for x in wins) or 'none'}; the larger model at "
          f"R = {', '.join(f'{x:g}' for x in loses) or 'none'}. `arith-large` is undertrained (`resources/models/README.md`: its "
          "pass@1 is below the small model's), so this is not yet the paper's comparison, which needs a larger model that is better "
          "per sample.\n")

print("\nCompute of the search runs, per problem:\n")
print("| run | generator tokens (prefill + decode) | rollout tokens | verifier tokens | rounds |")
print("|---|---:|---:|---:|---:|")
for r, label in zip(runs, labels):
    t = totals(r)
    print(f"| {label} | {t.get('generator-prefill-tokens', 0):.0f} + {t.get('generator-decode-tokens', 0):.0f} | {t.get('rollout-tokens', 0):.0f} | "
          f"{t.get('verifier-tokens', 0):.0f} | {t.get('rounds', 0):.1f} |")
print("\nThe verifier re-reads every candidate's whole path each round (no cache is kept for the PRM), so its token count grows "
      "with depth; the generator computes the prompt once and forks the KV cache for every child.\n")
print("## Not in this report\n")
print("- Verifier FLOPs on the x-axes: the FLOPs columns and the exchange are the generator's (the runs store the verifier's "
      "separately, `verifier-flops`).\n"
      "- Budgets above 16, lookahead beyond k = 2 and revision chains longer than 16: CPU time.\n"
      "- The exchange against a larger model that is actually better per sample: `arith-large` needs retraining on a GPU.")
PY
echo "wrote docs/findings-test-time.md"
