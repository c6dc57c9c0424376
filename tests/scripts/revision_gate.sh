#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The revision gate end to end (ctest: revision_gate): scripts/revision-gate.py's replay of an
# ungated revise run at a gate gives what the gated run itself gives (revisions made, fixed and
# broken, chains right at their last attempt, accuracy), on the shipped revision model; and the gate
# leaves the first attempts alone (the same attempt 1 in both runs).
# Usage: tests/scripts/revision_gate.sh BUILD_DIR
set -euo pipefail
BUILD_DIR="$(cd "$1" && pwd)"
cd "$(dirname "$0")/../.."
CLI="$BUILD_DIR/app/cli/computelens-cli"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
cat > "$OUT/spec.json" <<'JSON'
{"kind": "search", "dataset": {"path": "builtin:arith", "split": "validation", "limit": 24}}
JSON
common=(search "$OUT/spec.json" --model resources/models/arith-revise --prm resources/models/arith-prm --strategy revise --n 4
        --chain-length 4 --problems 24 --seed 1 --db "$OUT/gate.db" -q)
"$CLI" "${common[@]}" --name ungated > /dev/null
"$CLI" "${common[@]}" --name gated --keep-above -0.01 > /dev/null
"$CLI" export 1 --db "$OUT/gate.db" > "$OUT/1.json"
"$CLI" export 2 --db "$OUT/gate.db" > "$OUT/2.json"
python3 scripts/revision-gate.py "$OUT/gate.db" 1 --gates=-0.01 > "$OUT/replay.md"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
row = [c.strip() for c in open(f"{out}/replay.md").read().splitlines()[-1].strip("|").split("|")]
assert row[0] == "-0.01", row
ungated, gated = (json.load(open(f"{out}/{r}.json")) for r in (1, 2))
total = {}
for u in gated["units"]:
    for m in u["metrics"]: total[m["name"]] = total.get(m["name"], 0.0) + m["value"]
units = len(gated["units"])
kept = sum(1 for u in gated["units"] for s in u["samples"] if s["finish"] == "kept")
assert kept == round(total["revision-kept"]), (kept, total["revision-kept"])
assert 0 < kept < 3 * units, kept  # some chains stopped, some revised: the test says something
want = [str(3 * units - kept), str(round(total["revision-fixed"])), str(round(total["revision-broken"])),
        f"{100 * total['turn-correct-4'] / units:.1f}"]
assert row[2:6] == want, (row, want)
assert row[6].split()[0] == f"{100 * total['correct'] / units:.1f}", (row, total["correct"])
for a, b in zip(ungated["units"], gated["units"]):
    assert a["samples"][0]["text"] == b["samples"][0]["text"]
print(f"revision gate: replay = gated run ({units} problems, {kept} turns kept, row {row})")
PY
