#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Exchanging pretraining for test-time compute between two models (Snell et al. 2024 §7): is SMALL
# with PRM-weighted best-of-N better than LARGE at the same total FLOPs (pretraining + inference,
# R = D_inference / D_pretrain = 0.1, 1, 10)? Samples SAMPLES solutions per problem from each model
# on the builtin:arith test problems (scored by the shipped PRM, arith-prm), then
# `computelens-cli compute-optimal SMALL_POOL --large LARGE_POOL` (the exchange, by oracle
# difficulty bin: quintiles of SMALL's own pass@1, as the paper bins by its base model) and, from
# the same numbers, the exchange by the problems' level (a difficulty neither model's samples
# chose), each with paired 95 % bootstrap intervals over problems. The exchange's formula assumes
# both models were pretrained on the same tokens: the report says whether their manifests agree.
# SMALL and LARGE are model folders or names under resources/models. Writes DOC (default
# $OUT_DIR/exchange.md; OUT_DIR: build/exchange/SMALL-vs-LARGE); the runs are resumable jobs in
# $OUT_DIR/exchange.db (scripts/lib/jobs.sh), so a killed call continues where it stopped.
# --quick: 10 problems, 4 samples each (the ctest check).
# Usage: scripts/exchange.sh [--quick] SMALL LARGE [PROBLEMS] [SAMPLES]   (defaults 500 and 64)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${LENS_BUILD_DIR:-build}"
CLI="${LENS_CLI:-$BUILD_DIR/app/cli/computelens-cli}"
PRM=resources/models/arith-prm
QUICK=""
if [ "${1:-}" = "--quick" ]; then QUICK=1; shift; fi
if [ $# -lt 2 ]; then sed -n 's/^# Usage: //p' "$0" >&2; exit 2; fi
model_dir() { if [ -d "$1" ]; then echo "$1"; elif [ -d "resources/models/$1" ]; then echo "resources/models/$1"; else
  echo "exchange: no model folder '$1' (a path, or a name under resources/models)" >&2; exit 2; fi; }
SMALL=$(model_dir "$1"); LARGE=$(model_dir "$2")
if [ -n "$QUICK" ]; then PROBLEMS="${3:-10}"; SAMPLES="${4:-4}"; else PROBLEMS="${3:-500}"; SAMPLES="${4:-64}"; fi
OUT_DIR="${OUT_DIR:-$BUILD_DIR/exchange/$(basename "$SMALL")-vs-$(basename "$LARGE")}"
DB="$OUT_DIR/exchange.db"
DOC="${DOC:-$OUT_DIR/exchange.md}"
ARGS="$(basename "$SMALL") $(basename "$LARGE") $PROBLEMS $SAMPLES"
# shellcheck source=scripts/lib/jobs.sh
source scripts/lib/jobs.sh
jobs_init exchange
BUDGETS=1; b=2; while [ "$b" -le "$SAMPLES" ]; do BUDGETS="$BUDGETS,$b"; b=$((b * 2)); done

pool() {  # label, model folder
  cat > "$OUT_DIR/pool-$(basename "$2").json" <<JSON
{"kind": "generate", "model": "$2", "verifier": {"model": "$PRM"},
 "dataset": {"path": "builtin:arith", "split": "test", "limit": $PROBLEMS},
 "samples": $SAMPLES, "batch": 8, "seed": 1, "sampling": {"temperature": 1.0, "max_new_tokens": 400}}
JSON
  job "$1" "$CLI" run "$OUT_DIR/pool-$(basename "$2").json" -q
}
# Labelled by the model folder, so that an OUT_DIR given for another pair never reuses these runs.
SMALL_LABEL="$SMALL pool of $SAMPLES"; LARGE_LABEL="$LARGE pool of $SAMPLES"
pool "$SMALL_LABEL" "$SMALL"
pool "$LARGE_LABEL" "$LARGE"
SMALL_RUN=$(run_of "$SMALL_LABEL"); LARGE_RUN=$(run_of "$LARGE_LABEL")
"$CLI" compute-optimal "$SMALL_RUN" --budgets "$BUDGETS" --large "$LARGE_RUN" --db "$DB" --json --out "$OUT_DIR/exchange.json"

PYTHONPATH=scripts/lib python3 - "$DB" "$SMALL_RUN" "$LARGE_RUN" "$OUT_DIR/exchange.json" "$SMALL" "$LARGE" "$MACHINE" "$ARGS" \
  > "$DOC.tmp" <<'PY'
import json, sqlite3, sys
from findings import paired_mean
db, small_run, large_run, ex_path, small_dir, large_dir, machine, args = sys.argv[1:]
con = sqlite3.connect(db)


def per_problem(run):
    """problem index -> (level, pass@1 over the run's samples), in problem order."""
    rows = con.execute("SELECT p.idx, p.level, AVG(s.correct) FROM units u JOIN problems p ON p.id = u.problem_id "
                       "JOIN samples s ON s.unit_id = u.id WHERE u.run_id = ? GROUP BY p.idx ORDER BY p.idx", (int(run),))
    return {idx: (level, acc) for idx, level, acc in rows}


def manifest(d):
    try: return json.load(open(f"{d}/manifest.json"))
    except OSError: return {}


small, large = per_problem(small_run), per_problem(large_run)
ex = json.load(open(ex_path))
idx = sorted(small)
frontier = {f["budget"]: f["per_problem"] for f in ex["frontier"]}
# The frontier's per-problem values are in problem order: at N = 1 they are the small model's pass@1.
assert len(frontier[1]) == len(idx) and all(abs(frontier[1][i] - small[k][1]) < 1e-9 for i, k in enumerate(idx)), \
    "compute-optimal's per-problem order is not the problems' order"
name = lambda d: d.rstrip("/").split("/")[-1]
ms, ml = manifest(small_dir), manifest(large_dir)
pct = lambda x: f"{100 * x:.1f} %"
pts = lambda m, lo, hi: f"{100 * m:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]"
print(f"# Exchange: `{name(small_dir)}` with test-time compute against `{name(large_dir)}`\n")
print(f"Written by `scripts/exchange.sh {args}` on {machine}: {len(idx)} builtin:arith test problems, "
      f"{ex['budgets'][-1]} samples per problem from each model (temperature 1, seed 1), scored by `arith-prm`; "
      "the small model's answer is PRM-weighted best-of-N at the largest N whose FLOPs fit the budget. "
      "Intervals: 95 % bootstrap over problems, paired.\n")
print("| model | parameters | training examples (steps × batch) | tokens computed | pass@1 |")
print("|---|---:|---:|---:|---:|")
for d, m, pp in ((small_dir, ms, small), (large_dir, ml, large)):
    print(f"| `{name(d)}` | {m.get('parameters', 0):,} | {m.get('steps_done', 0) * m.get('batch', 0):,} | "
          f"{m.get('tokens', 0) / 1e6:.1f} M | {pct(sum(a for _, a in pp.values()) / len(pp))} |")
# compute-optimal checks the formula's assumption (equal pretraining) from the same manifests.
print("\n" + ex["exchange"]["pretraining"])
print(f"\nSize ratio M = {ex['exchange']['size_ratio']:.2f}.\n")
for title, key in (("By oracle difficulty bin (quintiles of the small model's pass@1; 1 = easiest)", "bin"),
                   ("By level (the problems' own difficulty)", "level")):
    groups = list(range(1, 6))
    print(f"## {title}\n")
    print("| R | budget (× a small sample) | N | small | large | small − large | " +
          " | ".join(f"{key} {g}" for g in groups) + " |")
    print("|---:|---:|---:|---:|---:|---:|" + "---:|" * len(groups))
    for r in ex["exchange"]["rows"]:
        if not r["small_budget"]:
            print(f"| {r['ratio']:g} | {r['multiplier']:.1f}× | — | — | {pct(r['large_accuracy'])} | — |" + " — |" * len(groups))
            continue
        f = frontier[r["small_budget"]]
        d = [f[i] - large[k][1] for i, k in enumerate(idx)]
        assert abs(sum(d) / len(d) - r["small_minus_large"]["difference"]) < 1e-9, r["small_minus_large"]
        if key == "bin":
            cells = [pts(b["difference"], b["ci_low"], b["ci_high"]) if b["problems"] else "—" for b in r["small_minus_large_by_bin"]]
        else:
            cells = []
            for g in groups:
                sel = [i for i, k in enumerate(idx) if small[k][0] == g]
                cells.append(pts(*paired_mean([d[i] for i in sel])) if sel else "—")
        o = r["small_minus_large"]
        print(f"| {r['ratio']:g} | {r['multiplier']:.1f}× | {r['small_budget']} | {pct(r['small_accuracy'])} | "
              f"{pct(r['large_accuracy'])} | {pts(o['difference'], o['ci_low'], o['ci_high'])} | " + " | ".join(cells) + " |")
    print()
print("Per group: small − large in points, paired over its problems; R = D_inference / D_pretrain, the budget the small "
      "model may spend per problem at equal total FLOPs, as a multiple of one of its samples. Overall and by bin: "
      "compute-optimal's intervals; by level: scripts/lib/findings.py's (the same means, another resampling).")
PY
mv "$DOC.tmp" "$DOC"
echo "exchange: $DOC" >&2
