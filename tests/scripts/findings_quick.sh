#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# scripts/findings-test-time.sh --quick end to end (ctest: findings_test_time_quick): every run is
# made, the report has a verdict line per finding with paired intervals and the accuracy table
# with intervals; a second call reuses every finished run (no new run, nothing computed again);
# a run stopped half-way is resumed, not restarted.
# Usage: tests/scripts/findings_quick.sh BUILD_DIR
set -euo pipefail
BUILD_DIR="$(cd "$1" && pwd)"
cd "$(dirname "$0")/../.."
export LENS_BUILD_DIR="$BUILD_DIR"
CLI="$BUILD_DIR/app/cli/computelens-cli"
OUT="$BUILD_DIR/findings-test-time-quick"
DB="$OUT/test-time.db"
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$OUT"
# A pool stopped after 3 of the 10 problems, as a kill would leave it: the script must resume it.
mkdir -p "$OUT"
cat > "$OUT/stopped.json" <<JSON
{"kind": "generate", "model": "resources/models/arith-duo-small", "verifier": {"model": "resources/models/arith-prm-likelihood"},
 "dataset": {"path": "builtin:arith", "split": "test", "limit": 10},
 "samples": 8, "batch": 8, "seed": 1, "sampling": {"temperature": 1.0, "max_new_tokens": 400}}
JSON
"$CLI" run "$OUT/stopped.json" --name "best-of-N pool of 8" --max-units 3 --db "$DB" -q > /dev/null || true
echo 10 > "$OUT/problems"  # what the script records before its first run
[ "$("$CLI" list --db "$DB" --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r), r[0]["done_units"])')" = "1 3" ] \
  || fail "the stopped pool was not set up"
scripts/findings-test-time.sh --quick 2> "$OUT/first.log" || { cat "$OUT/first.log" >&2; fail "first call"; }
grep -q "best-of-N pool of 8: resuming run 1" "$OUT/first.log" || fail "the stopped pool was not resumed"
python3 - "$OUT" "$CLI" "$DB" <<'PY'
import json, re, subprocess, sys
out, cli, db = sys.argv[1:]
runs = json.loads(subprocess.check_output([cli, "list", "--db", db, "--json"]))
names = sorted(r["name"] for r in runs)
want = sorted(["best-of-N pool of 8", "arith-tiny pool of 8", "arith-mini pool of 8", "beam N=4 M=4", "dvts N=4 M=2", "lookahead N=4 M=4 k=2",
               "revise N=4 L=1", "revise N=4 L=4", "revise N=4 L=4 gate -0.01"])
assert names == want, names
assert all(r["status"] == "done" and r["done_units"] == 10 for r in runs), runs
pool = next(r for r in runs if r["name"] == "best-of-N pool of 8")
assert pool["id"] == 1, pool  # resumed, not made again
md = open(f"{out}/findings-test-time.md").read()
assert "Verifier: `arith-prm-likelihood`" in md, "the default verifier is not the shipped likelihood PRM"
verdicts = re.findall(r"^- (.+?): \*\*(holds|does not hold|inconclusive|cannot be read)\*\*", md, re.M)
claims = [c for c, _ in verdicts]
for c in ("Beam search beats best-of-N at a low budget", "Sequential revisions beat parallel sampling",
          "The compute-optimal choice", "The small model with test-time compute",
          "Oracle with one big layer", "Trained routers"):  # the routing ones quoted from its page (no routing runs here)
    assert any(x.startswith(c) for x in claims), (c, claims)
# Every accuracy cell of the main table has a 95 % interval.
table = md.split("## Accuracy by strategy and budget")[1].split("![")[0]
rows = [l for l in table.splitlines() if l.startswith("| ") and not l.startswith("| strategy")]
assert len(rows) >= 6, rows
for l in rows:
    assert re.search(r"\| \d+\.\d % \[\d+\.\d, \d+\.\d\] \|", l), l
assert "Machine: " in md and "CPU cores" in md
# The beam line's paired difference is the mean of beam − best-of-N over the problems.
co = json.load(open(f"{out}/compute-optimal.json"))
arm = {(a["strategy"], a["budget"]): a for a in co["arms"]}
d = sum(x - y for x, y in zip(arm[("beam M=4", 4)]["per_problem"], arm[("best-of-N weighted", 4)]["per_problem"])) / 10
m = re.search(r"beam − best-of-N ([+-]\d+\.\d) \[", md)
assert m and abs(float(m.group(1)) - 100 * d) < 0.051, (m and m.group(1), d)
# The exchange: each smaller generator against arith-duo-small, the paired difference over the 10
# problems equal to the difference of the two accuracies (every problem is in both), in the report.
for m in ("arith-tiny", "arith-mini"):
    ex = json.load(open(f"{out}/exchange-{m}.json"))["exchange"]
    assert ex["size_ratio"] > 2, ex["size_ratio"]
    row = next(r for r in ex["rows"] if r["ratio"] == 1)
    d = row["small_minus_large"]
    assert d["problems"] == 10 and abs(d["difference"] - (row["small_accuracy"] - row["large_accuracy"])) < 1e-9, row
    assert d["ci_low"] <= d["difference"] <= d["ci_high"], d
    assert len(row["small_minus_large_by_bin"]) == 5
    assert f"(`{m}`, " in md, m
    html = open(f"{out}/exchange-{m}.html").read()  # the same analysis in the HTML report, the same paired difference
    cell = "<td>%+.1f [%+.1f, %+.1f]</td>" % (100 * d["difference"], 100 * d["ci_low"], 100 * d["ci_high"])
    assert "Exchange: test-time compute against a larger model" in html and cell in html, (m, cell)
assert "## Exchanging pretraining for test-time compute" in md
# The gated revision arm: its own row (revisions made: the ungated count less the kept turns) and its
# own chains-against-parallel row, as the metrics say.
gated = next(r for r in runs if r["name"] == "revise N=4 L=4 gate -0.01")
units = json.loads(subprocess.check_output([cli, "export", str(gated["id"]), "--db", db]))["units"]
kept = sum(m["value"] for u in units for m in u["metrics"] if m["name"] == "revision-kept")
assert kept == sum(1 for u in units for s in u["samples"] if s["finish"] == "kept"), kept
assert re.search(r"^\| revise N=4 L=4 gate -0\.01 \|(.*?\|){3} %d \|" % (30 - kept), md, re.M), (kept, md.split("## Sequential revisions")[1][:1500])
assert re.search(r"^\| 4 \| L=4 gate -0\.01 \| ", md, re.M), "no chains-against-parallel row for the gated arm"
# The gated procedure has its own verdict line; the model's own chains' line names no gated arm.
gate_line = next(l for l in md.splitlines() if l.startswith("- The same with the revision gate"))
assert "N = 4, L=4 gate -0.01: chains − parallel" in gate_line, gate_line
own_line = next(l for l in md.splitlines() if l.startswith("- Sequential revisions beat parallel sampling"))
assert "N = 4, L=4: chains − parallel" in own_line and "gate" not in own_line, own_line
print("report ok:", len(verdicts), "verdicts,", len(rows), "rows")
PY
n_before=$("$CLI" list --db "$DB" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
scripts/findings-test-time.sh --quick 2> "$OUT/second.log" || { cat "$OUT/second.log" >&2; fail "second call"; }
n_after=$("$CLI" list --db "$DB" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n_before" = "$n_after" ] || fail "the second call made new runs ($n_before -> $n_after)"
[ "$(grep -c 'finished before' "$OUT/second.log")" = 9 ] || { cat "$OUT/second.log" >&2; fail "the second call did not reuse all 9 runs"; }
# Another problem count on the same database is refused, nothing lost.
if scripts/findings-test-time.sh --quick 12 2> "$OUT/third.log"; then fail "12 problems over a 10-problem database was accepted"; fi
grep -q "holds runs on 10 problems, not 12" "$OUT/third.log" || fail "no clear message for a mismatched problem count"
[ "$("$CLI" list --db "$DB" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$n_after" ] || fail "runs lost"
echo "findings_quick: ok"
