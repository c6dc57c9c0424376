#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes docs/findings-test-time.md (and its chart, docs/findings-test-time.svg) from real runs of the
# built-in models on builtin:arith test problems: best-of-N from a pool of POOL samples per problem
# scored by the shipped PRM (arith-prm-likelihood), PRM-guided beam search, DVTS and lookahead search, beam
# search under a fixed all-small route and under a trained router, sequential revisions with the
# shipped revision model (arith-revise) at several sequential/parallel ratios, and pools of the
# smaller generators of the family (arith-tiny, arith-mini) for the exchange analysis against
# arith-duo-small; by oracle difficulty bin with 95 % bootstrap intervals over problems; the
# compute-optimal choice per bin (2-fold cross-validated) with its efficiency over best-of-N; the
# exchange with paired intervals; and one verdict line per finding of the papers. Needs a built
# CLI and python3 (to format).
#
# The verifier: PRM (environment; default resources/models/arith-prm-likelihood, the shipped verifier
# whose weighted best-of-N beats majority voting), e.g. PRM=resources/models/arith-prm (the step-tag
# PRM); another PRM's runs, and its report, go to a folder of their own (docs/ is the default's).
#
# Budgets (environment; the defaults are issue 24's): POOL samples per problem (256), SEARCH_NS for
# beam and DVTS ("4 16 64"), LOOKAHEAD_NS ("4 16 64"), REVISE_ARMS as N:L, N attempts in chains of L,
# or N:L:G, the same with the revision gate G (keep_above: a chain stops at a confident attempt)
# ("4:1 4:4 4:4:-0.01 16:1 16:4 16:4:-0.01 64:1 64:4 64:4:-0.01 64:16"), FAMILY (the smaller generators, "arith-tiny arith-mini")
# and FAMILY_POOL samples per problem from each (64). Runs go cheapest first, so a run cut short
# still has the low budgets; the report says which of the default arms it lacks.
#
# Every run is a job in $OUT_DIR/test-time.db labelled by what it is (scripts/lib/jobs.sh): a second
# call reuses the runs that finished, resumes one a kill stopped (only its missing problems are
# computed) and starts the missing ones, so a smaller budget now and a larger one later share their
# runs (FRESH=1 starts over; a different PROBLEMS needs it). Progress: a line per run on stderr, and
# the CLI's own.
# REPORT_ONLY=1 writes the report from the finished runs without running anything. $OUT_DIR/provenance.md,
# when present, is printed under the machine line: what the database's history needs said (a run
# brought in from another database, say), kept with the database so that a rewrite keeps it.
#
# --quick: 10 problems, pools of 8, N = 4, revisions 4:1 and 4:4, no router, written under
# build/findings-test-time-quick (docs/ untouched): the end-to-end check ctest runs.
# Usage: scripts/findings-test-time.sh [--quick] [PROBLEMS]   (default 500: 100 per level)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="${LENS_CLI:-$BUILD_DIR/app/cli/computelens-cli}"
MODEL=resources/models/arith-duo-small
DEFAULT_PRM=resources/models/arith-prm-likelihood
PRM="${PRM:-$DEFAULT_PRM}"
REVISE=resources/models/arith-revise
if [ "${1:-}" = "--quick" ]; then
  shift
  PROBLEMS="${1:-10}"; POOL=8; SEARCH_NS=4; LOOKAHEAD_NS=4; REVISE_ARMS="4:1 4:4 4:4:-0.01"; EXTRAS=""; FAMILY_POOL=8
  DEFAULT_ARMS="$SEARCH_NS|$LOOKAHEAD_NS|$REVISE_ARMS"
  OUT_DIR="$BUILD_DIR/findings-test-time-quick"; DOC="$OUT_DIR/findings-test-time.md"; SVG="$OUT_DIR/findings-test-time.svg"
else
  PROBLEMS="${1:-500}"
  DEFAULT_ARMS="4 16 64|4 16 64|4:1 4:4 4:4:-0.01 16:1 16:4 16:4:-0.01 64:1 64:4 64:4:-0.01 64:16"
  POOL="${POOL:-256}"; SEARCH_NS="${SEARCH_NS:-4 16 64}"; LOOKAHEAD_NS="${LOOKAHEAD_NS:-4 16 64}"
  REVISE_ARMS="${REVISE_ARMS:-${DEFAULT_ARMS##*|}}"; EXTRAS="${EXTRAS-all-small router}"
  FAMILY_POOL="${FAMILY_POOL:-64}"
  OUT_DIR="$BUILD_DIR/findings-test-time"; DOC=docs/findings-test-time.md; SVG=docs/findings-test-time.svg
fi
# Runs are reused by label, so another verifier's runs must not meet the default one's (a quick
# report goes with its runs).
if [ "$(basename "$PRM")" != "$(basename "$DEFAULT_PRM")" ]; then
  case "$DOC" in "$OUT_DIR"/*) DOC="$OUT_DIR-$(basename "$PRM")/${DOC##*/}"; SVG="$OUT_DIR-$(basename "$PRM")/${SVG##*/}" ;; esac
  OUT_DIR="$OUT_DIR-$(basename "$PRM")"
fi
FAMILY="${FAMILY-arith-tiny arith-mini}"
ROUTER="${ROUTER:-$BUILD_DIR/findings-routing/router-penalty-0.1}"
DB="$OUT_DIR/test-time.db"
# shellcheck source=scripts/lib/jobs.sh
source scripts/lib/jobs.sh
jobs_init findings-test-time
# Best-of-N budgets: powers of 4 up to a pool (N = 1, 4, 16, 64, 256).
budgets_to() { local out=1 b=4; while [ "$b" -le "$1" ]; do out="$out,$b"; b=$((b * 4)); done; echo "$out"; }
BUDGETS=$(budgets_to "$POOL")
search() {  # label, then the search flags
  local label="$1"; shift
  job "$label" "$CLI" search --prm "$PRM" "$@" --problems "$PROBLEMS" --seed 1
}
beam() { search "beam N=$1 M=4" --model "$MODEL" --strategy beam --n "$1" --width 4 --max-tokens 200; }
dvts() { local m=4; [ "$1" -le 4 ] && m=2; search "dvts N=$1 M=$m" --model "$MODEL" --strategy dvts --n "$1" --width "$m" --max-tokens 200; }
lookahead() { search "lookahead N=$1 M=4 k=2" --model "$MODEL" --strategy lookahead --n "$1" --width 4 --lookahead 2 --max-tokens 200; }
arm_n() { echo "${1%%:*}"; }        # N of an arm N:L or N:L:G
arm_l() { local x="${1#*:}"; echo "${x%%:*}"; }  # its L
revise() {  # N:L, or N:L:G with the revision gate G (keep_above)
  local n l g; IFS=: read -r n l g <<< "$1"
  if [ -n "$g" ]; then search "revise N=$n L=$l gate $g" --model "$REVISE" --strategy revise --n "$n" --chain-length "$l" --keep-above "$g"
  else search "revise N=$n L=$l" --model "$REVISE" --strategy revise --n "$n" --chain-length "$l"; fi
}
in_list() { [[ " $2 " == *" $1 "* ]]; }

if [ -z "${REPORT_ONLY:-}" ]; then
  start=$(date +%s)
  cat > "$OUT_DIR/pool.json" <<JSON
{"kind": "generate", "model": "$MODEL", "verifier": {"model": "$PRM"},
 "dataset": {"path": "builtin:arith", "split": "test", "limit": $PROBLEMS},
 "samples": $POOL, "batch": 8, "seed": 1, "sampling": {"temperature": 1.0, "max_new_tokens": 400}}
JSON
  job "best-of-N pool of $POOL" "$CLI" run "$OUT_DIR/pool.json"
  # The smaller generators' pools, for the exchange against arith-duo-small (the same PRM scores them).
  for m in $FAMILY; do
    sed -e "s#\"model\": \"$MODEL\"#\"model\": \"resources/models/$m\"#" -e "s#\"samples\": $POOL,#\"samples\": $FAMILY_POOL,#" \
      "$OUT_DIR/pool.json" > "$OUT_DIR/pool-$m.json"
    job "$m pool of $FAMILY_POOL" "$CLI" run "$OUT_DIR/pool-$m.json"
  done
  # Cheapest first: every kind at N <= 16, then the extras at N = 16, then the larger budgets.
  ALL_NS=$(for x in $SEARCH_NS $LOOKAHEAD_NS $REVISE_ARMS; do arm_n "$x"; done | sort -nu)
  arms_at() {  # every arm at budget N: beam and DVTS, revisions with chains of at most 4, lookahead
    if in_list "$1" "$SEARCH_NS"; then beam "$1"; dvts "$1"; fi
    for arm in $REVISE_ARMS; do if [ "$(arm_n "$arm")" = "$1" ] && [ "$(arm_l "$arm")" -le 4 ]; then revise "$arm"; fi; done
    if in_list "$1" "$LOOKAHEAD_NS"; then lookahead "$1"; fi
  }
  for n in $ALL_NS; do if [ "$n" -le 16 ]; then arms_at "$n"; fi; done
  if in_list all-small "$EXTRAS"; then
    search "beam N=16 M=4 all-small" --model "$MODEL" --strategy beam --n 16 --width 4 --max-tokens 200 --route all-small
  fi
  if in_list router "$EXTRAS"; then
    if [ ! -f "$ROUTER/router.json" ]; then
      "$CLI" router train --model "$MODEL" --out "$ROUTER" --mode penalty --lambda 0.1 --problems 400 --steps 300 --train-batch 8 \
        --db "$OUT_DIR/router.db" -q --name "router penalty 0.1" > /dev/null
    fi
    search "beam N=16 M=4 router" --model "$MODEL" --strategy beam --n 16 --width 4 --max-tokens 200 --router "$ROUTER"
  fi
  for n in $ALL_NS; do if [ "$n" -gt 16 ]; then arms_at "$n"; fi; done
  # Long chains last (an attempt of a chain waits for the one before it).
  for arm in $REVISE_ARMS; do if [ "$(arm_l "$arm")" -gt 4 ]; then revise "$arm"; fi; done
  echo "findings-test-time: all runs done in $(( $(date +%s) - start )) s" >&2
fi

# The report, from every finished run in the database.
finished_runs > "$OUT_DIR/labels.tsv"
POOL_RUN=$(run_of "best-of-N pool of $POOL")
if [ -z "$POOL_RUN" ]; then echo "findings-test-time: no finished best-of-N pool of $POOL in $DB: run the script first" >&2; exit 1; fi
SEARCH_RUNS=()
while IFS=$'\t' read -r label id; do
  case "$label" in beam*|dvts*|lookahead*|revise*) SEARCH_RUNS+=("$id"); "$CLI" export "$id" --format csv --table metrics --db "$DB" > "$OUT_DIR/metrics-$id.csv";; esac
done < "$OUT_DIR/labels.tsv"
"$CLI" compute-optimal "$POOL_RUN" "${SEARCH_RUNS[@]}" --budgets "$BUDGETS" --db "$DB" --json --out "$OUT_DIR/compute-optimal.json"
# The exchange: each smaller generator's compute-optimal frontier (best-of-N from its pool) against
# arith-duo-small's pass@1 (its pool's mean over 256 samples), paired over the problems.
: > "$OUT_DIR/family.tsv"
for m in $FAMILY; do
  run=$(run_of "$m pool of $FAMILY_POOL")
  [ -n "$run" ] || continue
  "$CLI" compute-optimal "$run" --budgets "$(budgets_to "$FAMILY_POOL")" --large "$POOL_RUN" --db "$DB" --json \
    --out "$OUT_DIR/exchange-$m.json"
  "$CLI" report "$run" "$POOL_RUN" --budgets "$(budgets_to "$FAMILY_POOL")" --title "Exchange: $m with test-time compute against $MODEL" \
    --db "$DB" -o "$OUT_DIR/exchange-$m.html"
  printf '%s\t%s\n' "$m" "$run" >> "$OUT_DIR/family.tsv"
  "$CLI" export "$run" --format csv --table metrics --db "$DB" > "$OUT_DIR/metrics-pool-$m.csv"
done
"$CLI" export "$POOL_RUN" --format csv --table metrics --db "$DB" > "$OUT_DIR/metrics-pool.csv"
"$CLI" compute-optimal "$POOL_RUN" "${SEARCH_RUNS[@]}" --budgets "$BUDGETS" --bins predicted --db "$DB" --json --out "$OUT_DIR/compute-optimal-predicted.json"
"$CLI" verifier "$POOL_RUN" --budgets "$BUDGETS" --db "$DB" --json > "$OUT_DIR/verifier.json"
for agg in majority best-of-n weighted; do
  "$CLI" curves "$POOL_RUN" --aggregation "$agg" --budgets "$BUDGETS" --db "$DB" --json > "$OUT_DIR/curves-$agg.json"
done
# The HTML report of every run (parameters, tables, charts), and its accuracy-vs-FLOPs chart for the markdown.
"$CLI" report "$POOL_RUN" "${SEARCH_RUNS[@]}" --budgets "$BUDGETS" --title "Findings: test-time compute" --db "$DB" \
  -o "$OUT_DIR/report.html"
python3 - "$OUT_DIR/report.html" "$SVG" <<'PY'
import base64, re, sys
charts = re.findall(r'data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)', open(sys.argv[1]).read())
open(sys.argv[2], "wb").write(base64.b64decode(charts[-1]))
PY
PYTHONPATH=scripts/lib python3 - "$OUT_DIR" "$PROBLEMS" "$POOL" "$DEFAULT_ARMS" "$(basename "$SVG")" "$BUILD_DIR" "$(basename "$PRM")" > "$DOC" <<'PY'
import json, os, re, sys
from findings import efficiency_text, isnum, metrics, natural_key, paired, pci, pct, pts, verdict
out, problems, pool, default_arms, svg, build, prm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
prm_what = ("a step-tag PRM fine-tuned from it on Monte Carlo step labels" if prm == "arith-prm" else
            "a likelihood head on `arith-mini-long`'s token log-probabilities, fitted to Monte Carlo step labels" if prm == "arith-prm-likelihood" else
            "a process reward model")
runs = {}  # label -> run id (the newest finished run of that label)
for line in open(f"{out}/labels.tsv"):
    label, rid = line.rstrip("\n").split("\t"); runs[label] = rid
times, machines = {}, {}
if os.path.exists(f"{out}/times.tsv"):
    for line in open(f"{out}/times.tsv"):
        label, sec, machine = line.rstrip("\n").split("\t")
        times[label] = times.get(label, 0) + int(sec); machines.setdefault(machine, []).append(label)
co = json.load(open(f"{out}/compute-optimal.json"))
pred = json.load(open(f"{out}/compute-optimal-predicted.json"))
curves = {a: json.load(open(f"{out}/curves-{a}.json")) for a in ("majority", "best-of-n", "weighted")}
bins = co["bins"]
arm = {(a["strategy"], a["budget"]): a for a in co["arms"]}
search_labels = [l for l in runs if l.split()[0] in ("beam", "dvts", "lookahead", "revise")]

easy = lambda p: bins[p] in (1, 2)
totals = lambda label: metrics(f"{out}/metrics-{runs[label]}.csv")
mean = lambda d: sum(d.values()) / len(d) if d else None

# --- provenance
total = sum(times.values())
print("# Findings: test-time compute on the built-in models\n")
print(f"Produced by `scripts/findings-test-time.sh {problems}` from real runs: the first {problems} builtin:arith test problems "
      f"({problems // 5} per level), a best-of-N pool of {pool} samples per problem. Generator: `arith-duo-small` (1.4 M parameters, "
      f"all big modules). Verifier: `{prm}` ({prm_what}). Revision model: "
      "`arith-revise` (fine-tuned from it on chains of its own samples, right ones included). Smaller generators for the "
      "exchange: `arith-tiny` and `arith-mini`, trained by the same code on the same task (the generator family). "
      "resources/models/README.md says how each was trained and how good it is. Every number is read from the runs' "
      "database by `computelens-cli`.\n")
for m, labels in machines.items():
    sec = sum(times[l] for l in set(labels))
    print(f"Machine: {m}, {sec / 60:.0f} min of runs ({len(set(labels))} runs).")
if os.path.exists(f"{out}/provenance.md"):  # what the database's history needs said (runs brought in from elsewhere)
    print("\n" + open(f"{out}/provenance.md").read().strip())
print("\nIn brackets: 95 % percentile-bootstrap intervals over problems (2000 resamples). Bins are oracle difficulty quintiles: "
      "the problems sorted by the pool's pass@1, bin 1 easiest.\n")

# --- verdicts
print("## The papers' findings, one line each\n")
print("*Holds* / *does not hold*: the 95 % interval of the paired difference (the same problems under both arms, resampled "
      "together) lies above / below zero; *inconclusive*: it contains zero.\n")
def line(claim, v, evidence): print(f"- {claim}: **{v}** ({evidence}).")
bw = lambda n: arm.get(("best-of-N weighted", n))
ver = json.load(open(f"{out}/verifier.json"))
wm = [w for w in ver["weighted_vs_majority"] if w["n"] >= 16]
if wm:
    def wv(w): return "holds" if w["ci_low"] > 0 else "does not hold" if w["ci_high"] < 0 else "inconclusive"
    vs = {wv(w) for w in wm}
    line("A PRM's weighted best-of-N beats majority voting (N = " + ", ".join(str(w["n"]) for w in wm) + ")",
         vs.pop() if len(vs) == 1 else "inconclusive",
         "; ".join(f"N = {w['n']}: weighted {pct(w['weighted'])}, majority {pct(w['majority'])}, weighted − majority "
                   f"{pts(w['difference'], w['ci_low'], w['ci_high'])}" for w in wm) +
         f"; the PRM's last-step score separates right from wrong samples with AUROC {ver['pooled']['auroc']:.3f} "
         f"[{ver['pooled']['ci_low']:.3f}, {ver['pooled']['ci_high']:.3f}] pooled over problems and "
         f"{ver['within_problem']['auroc']:.3f} [{ver['within_problem']['ci_low']:.3f}, {ver['within_problem']['ci_high']:.3f}] within a problem")
beam = lambda n: arm.get(("beam M=4", n))
if beam(4) and bw(4):
    r = paired(beam(4), bw(4))
    line("Beam search beats best-of-N at a low budget (N = 4)", verdict(r),
         f"beam {pci(beam(4)['accuracy'], beam(4)['ci_low'], beam(4)['ci_high'])} against weighted best-of-N "
         f"{pci(bw(4)['accuracy'], bw(4)['ci_low'], bw(4)['ci_high'])}; beam − best-of-N {pts(*r[:3])}")
high = max((n for (s, n) in arm if s == "beam M=4" and bw(n)), default=None)
if high and high > 4:
    r = paired(bw(high), beam(high), easy)
    line(f"Beam search is worse than best-of-N on easy problems at a high budget (N = {high}, bins 1–2)", verdict(r),
         f"best-of-N {pct(mean({p: v for p, v in enumerate(bw(high)['per_problem']) if isnum(v) and easy(p)}))} against beam "
         f"{pct(mean({p: v for p, v in enumerate(beam(high)['per_problem']) if isnum(v) and easy(p)}))}; best-of-N − beam "
         f"{pts(*r[:3])} over {r[3]} problems; on all problems best-of-N − beam {pts(*paired(bw(high), beam(high))[:3])}")
# Chains (weighted selection) and the parallel attempts of the same model at the same N, by N and chain length.
chain_length = lambda s: int(s.split()[1][2:]) if s.startswith("revise L=") else 0
# "revise L=4 weighted gate -0.01" -> "L=4 gate -0.01" (gated arms after the ungated one of the same L)
arm_label = lambda s: " ".join([s.split()[1]] + s.split()[3:])
rev_arms = [(n, s, a, arm[("revise L=1 weighted", n)]) for (s, n), a in sorted(arm.items(), key=lambda kv: (kv[0][1], chain_length(kv[0][0]), kv[0][0]))
            if s.startswith("revise L=") and s.split()[2] == "weighted" and chain_length(s) > 1 and ("revise L=1 weighted", n) in arm]
gated = lambda s: " gate " in s
rev_pairs = [(f"N = {n}, {arm_label(s)}", paired(a, par, easy), gated(s)) for n, s, a, par in rev_arms]
# One line for the model's own chains, one for the gated procedure (a chain stops at a confident attempt).
for with_gate, claim in ((False, "Sequential revisions beat parallel sampling on easy problems (chains against as many "
                                 "parallel attempts of the revision model, bins 1–2)"),
                         (True, "The same with the revision gate (chains that stop at a confident attempt; a procedure "
                                "around the model, not in the paper)")):
    group = [(k, r) for k, r, g in rev_pairs if g == with_gate]
    if not group: continue
    vs = [verdict(r) for _, r in group]
    # Arms that disagree: inconclusive overall, with the verdict of each arm said first.
    v = vs[0] if len(set(vs)) == 1 else "inconclusive"
    by = "" if len(set(vs)) == 1 else "; ".join(
        f"{w} at {' and '.join(k for (k, _), x in zip(group, vs) if x == w)}" for w in dict.fromkeys(vs)) + ". "
    line(claim, v, by + "; ".join(f"{k}: chains − parallel {pts(*r[:3])}" for k, r in group))
better = [f for f in co["frontier"] if isnum(f["minus_baseline_ci_low"]) and f["minus_baseline_ci_low"] > 0]
worse = [f for f in co["frontier"] if isnum(f["minus_baseline_ci_high"]) and f["minus_baseline_ci_high"] < 0]
line("The compute-optimal choice per bin needs fewer FLOPs than best-of-N for the same accuracy (the paper: about 4×)",
     "holds" if better and not worse else "does not hold" if worse and not better else "inconclusive",
     "efficiency " + ", ".join(f"N = {f['budget']}: {efficiency_text(f)}" for f in co["frontier"]) +
     "; compute-optimal − best-of-N " + ", ".join(f"N = {f['budget']}: [{100*f['minus_baseline_ci_low']:+.1f}, {100*f['minus_baseline_ci_high']:+.1f}]"
                                                for f in co["frontier"] if isnum(f["minus_baseline_ci_low"])) +
     " points; the efficiency ratio itself has no interval")
family = [l.rstrip("\n").split("\t") for l in open(f"{out}/family.tsv")] if os.path.exists(f"{out}/family.tsv") else []
exchanges = {m: json.load(open(f"{out}/exchange-{m}.json")) for m, _ in family}
def dpts(d): return "—" if not isnum(d["difference"]) else pts(d["difference"], d["ci_low"], d["ci_high"])
def dverdict(d):
    if not isnum(d["difference"]) or not isnum(d["ci_low"]): return "not measured"
    return "holds" if d["ci_low"] > 0 else "does not hold" if d["ci_high"] < 0 else "inconclusive"
for m, ex in exchanges.items():
    e = ex["exchange"]; row = next((r for r in e["rows"] if r["ratio"] == 1), e["rows"][0])
    d = row.get("small_minus_large")
    if not d or not row["small_budget"]: continue
    by = [dverdict(b) for b in row["small_minus_large_by_bin"]]
    line(f"The small model with test-time compute beats a larger one at equal FLOPs (`{m}`, {e['size_ratio']:.1f}× smaller than "
         f"`arith-duo-small`, R = {row['ratio']:g})", dverdict(d),
         f"N = {row['small_budget']} ({row['multiplier']:.1f} samples' worth): `{m}` {pct(row['small_accuracy'])} against pass@1 "
         f"{pct(row['large_accuracy'])}, small − large {dpts(d)}; per bin (1 easiest, the small model's own bins): " +
         ", ".join(f"{i + 1}: {v}" for i, v in enumerate(by)))
rt = os.path.join(build, "findings-routing")
if os.path.exists(f"{rt}/token.json") and os.path.exists(f"{rt}/sequence.json"):
    tok, seq = json.load(open(f"{rt}/token.json")), json.load(open(f"{rt}/sequence.json"))
    d = next((d for d in tok["differences"] if d["a"].startswith("oracle") and "k=1" in d["a"] and d["b"] == "all-big"), None)
    if d:
        v = "holds" if d["ci_high"] < 0 else "does not hold" if d["ci_low"] > 0 else "inconclusive"
        line("Oracle with one big layer against all-big (arith-duo-small)", v,
             f"loss oracle − all-big {d['difference']:+.4f} [{d['ci_low']:+.4f}, {d['ci_high']:+.4f}] nats per token "
             "([findings-routing.md](findings-routing.md))")
    rs = [r for r in seq.get("routers", []) if r.get("minus_oracle")]
    if rs:
        above = sum(1 for r in rs if r["minus_oracle"]["ci_low"] > 0)
        line("Trained routers fall short of the oracle at their cost (sequence scope)",
             "holds" if above == len(rs) else "does not hold" if all(r["minus_oracle"]["ci_high"] < 0 for r in rs) else "inconclusive",
             f"{above} of {len(rs)} routers above the oracle at the nearest budget, every paired interval of router − oracle above 0"
             if above == len(rs) else f"{above} of {len(rs)} routers have router − oracle above 0")
else:
    # That script's runs are not in this build: its page's verdict lines (written the same way), quoted.
    doc = "docs/findings-routing.md"
    verdict_re = re.compile(r"^- \*\*(.*): (holds|does not hold|inconclusive)\*\*(.*)$")
    quoted = [verdict_re.match(l.strip()) for l in open(doc)] if os.path.exists(doc) else []
    quoted = [m for m in quoted if m]
    for m in quoted:
        print(f"- {m.group(1)}: **{m.group(2)}** (quoted from [findings-routing.md](findings-routing.md), made by "
              f"scripts/findings-routing.sh){m.group(3)}")
    if not quoted:
        print("- The routing findings are in [findings-routing.md](findings-routing.md).")

# --- accuracy tables
print("\n## Accuracy by strategy and budget\n")
print("Budget N: generations per round (search), attempts (revisions) or samples (best-of-N). Best-of-N draws N of the pool's "
      f"{pool} samples per problem at random (200 draws per problem); each search runs once per problem. FLOPs are the generator's per "
      "problem: 2 × its all-big parameters per token (scaled by the matmul cost of the modules a Duo route or router takes) plus the "
      "attention over each token's context; a prompt shared by several samples counts once.\n")
print("| strategy | N | accuracy | generator FLOPs / problem | bin 1 | bin 2 | bin 3 | bin 4 | bin 5 |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for a in sorted(co["arms"], key=lambda a: (a["budget"], natural_key(a["strategy"]))):
    cells = " | ".join(pci(b, lo, hi) for b, lo, hi in zip(a["by_bin"], a["by_bin_ci_low"], a["by_bin_ci_high"]))
    print(f"| {a['strategy']} | {a['budget']} | {pci(a['accuracy'], a['ci_low'], a['ci_high'])} | {a['mean_flops']:.3g} | {cells} |")
print(f"\n![Accuracy against generator FLOPs per problem for every strategy, with the compute-optimal frontier]({svg})\n")
print("The same runs as one HTML report (parameters, every table and chart): the script writes it to "
      "`build/findings-test-time/report.html` (`computelens-cli report`).\n")
print("Paired differences against weighted best-of-N at the same N, all problems and the easiest two bins:\n")
print("| strategy | N | − best-of-N, all | − best-of-N, bins 1–2 | − best-of-N, bins 4–5 |"); print("|---|---:|---:|---:|---:|")
hard = lambda p: bins[p] in (4, 5)
for a in sorted(co["arms"], key=lambda a: (a["budget"], natural_key(a["strategy"]))):
    if a["strategy"] == co["baseline"] or not bw(a["budget"]): continue
    cells = [paired(a, bw(a["budget"]), k) for k in (lambda p: True, easy, hard)]
    print(f"| {a['strategy']} | {a['budget']} | " + " | ".join("—" if c is None else pts(*c[:3]) for c in cells) + " |")

print("\nBest-of-N by aggregation (all problems):\n")
def curve_points(c):
    s = next(x for x in c if x["series"] == "all")
    return {p["n"]: p for p in s["points"]}
cpts = {a: curve_points(c) for a, c in curves.items()}
print("| N | " + " | ".join(curves) + " |"); print("|---:|" + "---:|" * len(curves))
for n in sorted(cpts["weighted"]):
    print(f"| {n} | " + " | ".join(pci(p["accuracy"], p.get("ci_low"), p.get("ci_high")) if p else "—"
                                    for p in (cpts[a].get(n) for a in curves)) + " |")

print("\n## Compute-optimal scaling\n")
print("For each oracle difficulty bin and budget, the strategy with the best accuracy on one half of the problems is scored on the "
      "other half (two-fold cross-validation, as in the paper). Efficiency: the weighted best-of-N budget that reaches the same "
      "accuracy (log-linear between measured budgets), over N; \"> x\" where best-of-N stays below the compute-optimal accuracy at "
      "every budget the pool has (x: the largest over N, a lower bound).\n")
print("| N | compute-optimal | best-of-N weighted | compute-optimal − best-of-N (paired) | best-of-N budget matching it | efficiency | choice per bin (fold 0 / fold 1) |")
print("|---:|---:|---:|---:|---:|---:|---|")
for f in co["frontier"]:
    m = f["matching_baseline_budget"]
    choice = "; ".join(f"{i+1}: {c[0] or '—'} / {c[1] or '—'}" for i, c in enumerate(f["chosen"]))
    d = f"[{100*f['minus_baseline_ci_low']:+.1f}, {100*f['minus_baseline_ci_high']:+.1f}] points" if isnum(f["minus_baseline_ci_low"]) else "—"
    print(f"| {f['budget']} | {pci(f['compute_optimal'], f['ci_low'], f['ci_high'])} | {pct(f['baseline'])} | {d} | "
          f"{f'{m:.1f}' if isnum(m) else '—'} | {efficiency_text(f)} | {choice} |")
print("\nWith predicted difficulty instead (bins from the PRM's mean score over the pool's samples, no ground truth; the choice "
      "still uses the other half's correctness, as in the paper):\n")
print("| N | compute-optimal (predicted bins) | best-of-N weighted | efficiency |"); print("|---:|---:|---:|---:|")
for f in pred["frontier"]:
    print(f"| {f['budget']} | {pci(f['compute_optimal'], f['ci_low'], f['ci_high'])} | {pct(f['baseline'])} | {efficiency_text(f)} |")

# --- revisions
rev = sorted((l for l in search_labels if l.startswith("revise")), key=lambda l: (int(l.split("N=")[1].split()[0]), int(l.split("L=")[1].split()[0]), l))
if rev:
    print("\n## Sequential revisions\n")
    print("`arith-revise` answers, then answers again seeing its chain's most recent earlier attempt (its config says it was trained "
          "with one). N attempts run as N/L chains of L; L = 1 is parallel sampling from the revision model. The answer is chosen "
          "over all N attempts by majority, weighted best-of-N (PRM scores summed per answer) or hierarchically (the PRM's best "
          "attempt of each chain, then weighted across chains). A revision *fixes* an answer when the attempt before it was wrong "
          "and it is right, and *breaks* one the other way round. A gated run (gate G) stops a chain at an attempt whose mean "
          "log-probability per token reaches G: its later turns repeat that attempt at no cost and are no revisions "
          "(resources/models/README.md).\n")
    print("| run | majority | weighted | hierarchical | revisions | fixed | broke | chains right at attempt 1, 2, … L | generator FLOPs / problem |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for label in rev:
        t = totals(label); L = int(label.split("L=")[1].split()[0])
        turns = [mean(t.get(f"turn-correct-{k}", {})) for k in range(1, L + 1)]
        shown = ", ".join(pct(x) for x in turns) if L <= 4 else ", ".join(pct(turns[k - 1]) for k in sorted({1, 2, 4, 8, L}) if k <= L) + \
            " (attempts " + ", ".join(str(k) for k in sorted({1, 2, 4, 8, L}) if k <= L) + ")"
        n = int(label.split("N=")[1].split()[0]); units = len(t.get("correct", {}))
        revs = units * (n // L) * (L - 1) - round(sum(t.get("revision-kept", {}).values()))  # kept turns made none
        fixed = sum(t.get("revision-fixed", {}).values()); broke = sum(t.get("revision-broken", {}).values())
        print(f"| {label} | {pct(mean(t.get('correct-majority', {})))} | {pct(mean(t.get('correct-weighted', {})))} | "
              f"{pct(mean(t.get('correct-hierarchical', {})))} | {revs if L > 1 else '—'} | {f'{fixed:.0f}' if L > 1 else '—'} | "
              f"{f'{broke:.0f}' if L > 1 else '—'} | {shown} | {mean(t.get('generator-flops', {})):.3g} |")
    print("\nChains against parallel attempts of the same model at the same N (weighted selection), paired over problems:\n")
    print("| N | chains of L | − parallel, all | − parallel, bins 1–2 | − parallel, bins 4–5 |"); print("|---:|---|---:|---:|---:|")
    for n, s, a, par in rev_arms:
        cells = [paired(a, par, k) for k in (lambda p: True, easy, hard)]
        print(f"| {n} | {arm_label(s)} | " + " | ".join("—" if c is None else pts(*c[:3]) for c in cells) + " |")

if exchanges:
    print("\n## Exchanging pretraining for test-time compute\n")
    print("A smaller generator of the family against `arith-duo-small` at equal total FLOPs. With M = the parameter ratio, both "
          "pretrained on equal tokens (pretraining 6·N·D_pretrain, inference 2·N·D_inference), the smaller model may spend per "
          "problem what one `arith-duo-small` sample costs plus the extra pretraining spread over the queries: M + 3(M − 1)/R samples' "
          "worth, R = D_inference / D_pretrain. Its accuracy there is the best point of its compute-optimal frontier that fits "
          f"(`{prm}`-weighted best-of-N from its pool, at budgets 1, 4, 16, … up to its pool). `arith-duo-small`'s pass@1 is "
          f"the mean over its {pool}-sample pool. Bins are the smaller model's own oracle difficulty quintiles. Differences are "
          "paired over problems, in points, with 95 % bootstrap intervals. The same analysis with each pool's curves, as HTML: "
          "`build/findings-test-time/exchange-MODEL.html` (`computelens-cli report SMALL_POOL LARGE_POOL`).\n")
    print("| smaller model | M | R | FLOPs allowed / problem | × one sample | N used | smaller + test-time | arith-duo-small pass@1 | "
          "smaller − larger | bin 1 | bin 2 | bin 3 | bin 4 | bin 5 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for m, ex in exchanges.items():
        e = ex["exchange"]; fr = {f["budget"]: f for f in ex["frontier"]}
        for r in e["rows"]:
            f = fr.get(r["small_budget"])
            small = pci(r["small_accuracy"], f["ci_low"], f["ci_high"]) if f else "—"
            cells = " | ".join(dpts(b) for b in r.get("small_minus_large_by_bin", [])) or " | ".join("—" for _ in range(5))
            print(f"| `{m}` | {e['size_ratio']:.1f} | {r['ratio']:g} | {r['allowed_flops']:.3g} | {r['multiplier']:.1f} | "
                  f"{r['small_budget'] or '—'} | {small} | {pct(r['large_accuracy'])} | {dpts(r['small_minus_large']) if 'small_minus_large' in r else '—'} | {cells} |")
    print("\nThe smaller models' weighted best-of-N (all problems; N = 1 is pass@1), against `arith-duo-small`'s at the same N:\n")
    print("| N | " + " | ".join(f"`{m}`" for m in exchanges) + " | `arith-duo-small` |"); print("|---:|" + "---:|" * (len(exchanges) + 1))
    for n in sorted({a["budget"] for ex in exchanges.values() for a in ex["arms"]}):
        cells = [next((pci(a["accuracy"], a["ci_low"], a["ci_high"]) for a in ex["arms"] if a["budget"] == n), "—") for ex in exchanges.values()]
        print(f"| {n} | " + " | ".join(cells) + f" | {(lambda a: pci(a['accuracy'], a['ci_low'], a['ci_high']) if a else '—')(bw(n))} |")

print("\n## Compute and time of each run\n")
print("| run | generator tokens / problem (prefill + decode) | rollout tokens | verifier tokens | rounds | wall time |")
print("|---|---:|---:|---:|---:|---:|")
for label in search_labels:
    t = totals(label)
    g = lambda k: mean(t.get(k, {})) or 0
    print(f"| {label} | {g('generator-prefill-tokens'):.0f} + {g('generator-decode-tokens'):.0f} | {g('rollout-tokens'):.0f} | "
          f"{g('verifier-tokens'):.0f} | {g('rounds'):.1f} | {f'{times[label]} s' if label in times else '—'} |")
for label in [f"best-of-N pool of {pool}"] + [l for l in runs if " pool of " in l and not l.startswith("best-of-N")]:
    if label in times: print(f"| {label} | | | | | {times[label]} s |")
print("\nThe verifier re-reads every candidate's whole path each round (no cache is kept for the PRM), so its token count grows "
      "with depth; the generator computes the prompt once and forks the KV cache for every child.\n")

print("## Not in this report\n")
search_ns, look_ns, rev_arms = (x.split() for x in default_arms.split("|"))
missing = [f"{k} at N = {n}" for n in search_ns for k in ("beam", "DVTS") if not any(l.startswith(f"{k.lower()} N={n} ") for l in search_labels)]
missing += [f"lookahead at N = {n}" for n in look_ns if not any(l.startswith(f"lookahead N={n} ") for l in search_labels)]
rev_label = lambda a: f"revise N={a.split(':')[0]} L={a.split(':')[1]}" + (f" gate {a.split(':')[2]}" if a.count(":") == 2 else "")
missing += [f"revisions N = {a.split(':')[0]} in chains of {a.split(':')[1]}" + (f" with the gate {a.split(':')[2]}" if a.count(":") == 2 else "")
            for a in rev_arms if rev_label(a) not in runs]
if missing:
    print("- Arms of the script's default budgets that did not run (CPU time; the script resumes and adds them): " + "; ".join(missing) + ".")
def verifier_share(csv_path, samples, generator_flops_per_sample):
    """The verifier's FLOPs per scored sample over the generator's per sample (None without the pool's metrics)."""
    if not os.path.exists(csv_path) or not generator_flops_per_sample: return None
    v = metrics(csv_path).get("verifier-flops")
    return sum(v.values()) / (len(v) * samples) / generator_flops_per_sample if v else None
shares = [("`arith-duo-small`", verifier_share(f"{out}/metrics-pool.csv", pool, (bw(1) or {}).get("mean_flops")))]
shares += [(f"`{m}`", verifier_share(f"{out}/metrics-pool-{m}.csv", ex["budgets"][-1],
                                     next((a["mean_flops"] for a in ex["arms"] if a["budget"] == 1), None)))
           for m, ex in exchanges.items()]
shares = [(m, x) for m, x in shares if x is not None]
cost = ""
if shares:
    each = [f"{x:.2f}× the FLOPs of generating it for {m}" if i == 0 else f"{x:.2f}× for {m}" for i, (m, x) in enumerate(shares)]
    cost = (f". Scoring a sample with `{prm}` costs " + ", ".join(each) +
            "; leaving the verifier out of the exchange favours the smaller generator where the verifier costs more than it")
print("- Verifier FLOPs on the x-axes: the FLOPs columns and the exchange are the generator's (the runs store the verifier's "
      "separately, `verifier-flops`)" + cost + ".\n"
      "- The exchange uses the smaller models' best-of-N only (no beam search or revisions with them), and its largest model is "
      "`arith-duo-small` (1.4 M parameters): a family reaching 15 M parameters needs a GPU (resources/models/README.md).")
if family:
    # Each model's training examples (steps x batch), as compute-optimal read them from the manifests.
    pre = {m: ex["exchange"]["pretraining_examples"] for m, ex in exchanges.items()}
    print("- The exchange assumes equal pretraining tokens; the family was neither trained on equal tokens nor to convergence ("
          + ", ".join(f"`{m}` {p['small']:,} examples" for m, p in pre.items()) + f", `arith-duo-small` {next(iter(pre.values()))['large']:,}). "
          "`arith-mini`'s recipe run twice as long (`arith-mini-long`) beats `arith-duo-small` at pass@1 (resources/models/README.md): "
          "the exchange here is of the models as trained, not of converged ones. The exchange at equal pretraining tokens, "
          "within a family trained alike (`arith-tiny-long` against `arith-mini-long`), is docs/findings-exchange.md "
          "(`scripts/exchange.sh`).")
PY
echo "findings-test-time: wrote $DOC" >&2
