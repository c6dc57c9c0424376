#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# scripts/findings-routing.sh --quick end to end (ctest: findings_routing_quick): the routers and
# the three oracle runs are made, the report states the two routing findings with their paired
# intervals and gives every policy's loss with its interval; a second call reuses every run.
# Usage: tests/scripts/findings_routing_quick.sh BUILD_DIR
set -euo pipefail
BUILD_DIR="$(cd "$1" && pwd)"
cd "$(dirname "$0")/../.."
export LENS_BUILD_DIR="$BUILD_DIR"
CLI="$BUILD_DIR/app/cli/computelens-cli"
OUT="$BUILD_DIR/findings-routing-quick"
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$OUT"
scripts/findings-routing.sh --quick 2> "$OUT.first.log" || { cat "$OUT.first.log" >&2; fail "first call"; }
python3 - "$OUT" "$CLI" <<'PY'
import json, re, subprocess, sys
out, cli = sys.argv[1:]
runs = json.loads(subprocess.check_output([cli, "list", "--db", f"{out}/routing.db", "--json"]))
names = sorted(r["name"] for r in runs)
assert names == sorted(["router penalty 0.1", "router penalty 0.5", "router penalty 2", "router imitate k=1", "router imitate k=2",
                        "token scope", "sequence scope", "FLOPs budgets"]), names
assert all(r["status"] == "done" for r in runs), runs
md = open(f"{out}/findings-routing.md").read()
tok = json.load(open(f"{out}/token.json"))
d = next(d for d in tok["differences"] if d["a"] == "oracle k=1" and d["b"] == "all-big")
v = "holds" if d["ci_high"] < 0 else "does not hold" if d["ci_low"] > 0 else "inconclusive"
line = f"**Oracle with one big layer vs all-big: {v}**"
assert line in md, line
assert f"[{d['ci_low']:+.4f}, {d['ci_high']:+.4f}]" in md
assert re.search(r"\*\*Trained routers vs the oracle \(sequence scope\): (holds|inconclusive|does not hold)\*\*", md)
rows = [l for l in md.split("## Perplexity vs compute")[1].split("\n\n")[1].splitlines()[2:]]
assert len(rows) >= 8, rows
for l in rows:
    assert re.search(r"\| \d\.\d{4} \[\d\.\d{4}, \d\.\d{4}\] \|", l), l
assert "3 builtin:arith test problems" in md and "CPU cores" in md
print("routing report ok:", len(rows), "policies")
PY
scripts/findings-routing.sh --quick 2> "$OUT.second.log" || { cat "$OUT.second.log" >&2; fail "second call"; }
[ "$(grep -c 'finished before' "$OUT.second.log")" = 8 ] || { cat "$OUT.second.log" >&2; fail "the second call did not reuse all 8 runs"; }
echo "findings_routing_quick: ok"
