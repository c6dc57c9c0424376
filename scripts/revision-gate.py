#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Where to set the revision gate (`"keep_above"` of a revise search, core/search/revisions.h), read
# off one ungated run: a gated chain is the ungated chain cut at its first attempt whose mean
# log-probability per token reaches the gate, that attempt repeated for the turns left (the
# attempts before the cut are the same: every attempt has its own random stream and sees only the
# chain's earlier attempts). So each threshold's chains can be replayed from the ungated run's
# samples without sampling again. Per threshold: the revisions made (attempts generated after the
# first), how many fixed a wrong answer and broke a right one, the chains right at their last
# attempt, the answer by weighted selection (verifier scores summed per answer, as the run selects)
# and by majority, and the generated attempts as a share of the ungated run's. The first row is
# the ungated run itself. Choose the gate on problems other than the ones you report (e.g. the
# validation split), then run the gated search on the test problems.
# Reads the run's database directly; nothing is written.
# Usage: scripts/revision-gate.py DB RUN [--gates -0.02,-0.05,...] [--quantiles 10]
import argparse
import collections
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from findings import paired_mean  # noqa: E402


def select(attempts, majority):
    """Whether the answer chosen over a problem's attempts is right: weighted (the highest summed
    verifier score, then the most votes) or majority (the most votes, then the highest summed score),
    then the first seen, as core/search/aggregate.cpp chooses (answers compared as written)."""
    total, count = collections.defaultdict(float), collections.Counter()
    for a in attempts:
        if a["answer"] is not None:
            total[a["answer"]] += a["score"]
            count[a["answer"]] += 1
    if not total: return False
    best = max(total, key=lambda x: (count[x], total[x]) if majority else (total[x], count[x]))
    return next(a["correct"] for a in attempts if a["answer"] == best)


def replay(problems, gate):
    """Totals and per-problem outcomes of the chains cut at the gate (None: ungated)."""
    out = collections.Counter()
    weighted, majority = [], []
    for chains in problems.values():
        every = []
        for chain in chains:
            cut = len(chain) - 1
            if gate is not None:
                cut = next((t for t, a in enumerate(chain[:-1]) if a["mean"] >= gate), len(chain) - 1)
            made = chain[:cut + 1]
            gated = made + [made[-1]] * (len(chain) - len(made))
            out["attempts"] += len(made)
            out["revisions"] += len(made) - 1
            out["fixed"] += sum(1 for x, y in zip(made, made[1:]) if not x["correct"] and y["correct"])
            out["broken"] += sum(1 for x, y in zip(made, made[1:]) if x["correct"] and not y["correct"])
            out["last right"] += gated[-1]["correct"]
            out["chains"] += 1
            every += gated
        weighted.append(float(select(every, majority=False)))
        majority.append(float(select(every, majority=True)))
    return out, weighted, majority


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("db")
    ap.add_argument("run", type=int)
    ap.add_argument("--gates", default="", help="comma-separated mean log-probs per token; default: quantiles of the attempts'")
    ap.add_argument("--quantiles", type=int, default=10)
    a = ap.parse_args()
    db = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    spec = db.execute("select spec_json from runs where id = ?", (a.run,)).fetchone()
    if not spec:
        sys.exit(f"{a.db}: no run {a.run}")
    spec = json.loads(spec[0])
    if spec.get("strategy") != "revise" or "keep_above" in spec:
        sys.exit(f"{a.db}: run {a.run} is not an ungated revise search")
    L = int(spec.get("chain_length", 4))
    rows = db.execute("select u.idx, s.idx, s.answer, s.correct, s.logprob, s.token_count, s.score from samples s "
                      "join units u on u.id = s.unit_id where u.run_id = ? and s.correct is not null order by u.idx, s.idx",
                      (a.run,)).fetchall()
    if not rows:
        sys.exit(f"{a.db}: run {a.run} has no graded samples")
    problems = collections.defaultdict(lambda: collections.defaultdict(list))
    for unit, idx, answer, correct, logprob, tokens, score in rows:
        problems[unit][idx // L].append({"answer": answer, "correct": bool(correct), "mean": logprob / max(tokens, 1),
                                         "score": score if score is not None else 0.0})
    problems = {u: [chains[c] for c in sorted(chains)] for u, chains in problems.items()}
    if a.gates:
        gates = [float(x) for x in a.gates.split(",")]
    else:
        means = sorted(x["mean"] for chains in problems.values() for chain in chains for x in chain[:-1])
        gates = sorted({round(means[int(len(means) * q / a.quantiles)], 4) for q in range(1, a.quantiles)}, reverse=True)
    base, base_w, base_m = replay(problems, None)
    print(f"{a.db} run {a.run}: {len(problems)} problems, {base['chains']} chains of {L}; accuracy in %, in brackets the paired "
          "difference with the ungated run (95 % bootstrap over problems)")
    print("| keep above | attempts generated | revisions | fixed | broken | chains right at the last attempt | weighted | majority |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for gate in [None] + gates:
        t, w, m = replay(problems, gate)
        cells = [f"{100 * t['attempts'] / base['attempts']:.0f} %", str(t["revisions"]), str(t["fixed"]), str(t["broken"]),
                 f"{100 * t['last right'] / t['chains']:.1f}"]
        for mine, ref in ((w, base_w), (m, base_m)):
            acc = 100 * sum(mine) / len(mine)
            if gate is None:
                cells.append(f"{acc:.1f}")
            else:
                _, lo, hi = paired_mean([x - y for x, y in zip(mine, ref)])
                cells.append(f"{acc:.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]")
        print(f"| {'none' if gate is None else gate} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
