#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# How much any selection among a sampling run's samples could gain over majority voting, and how
# much the generator's own confidence gains: per budget N, on the same random subsets of each
# problem's samples, the accuracy of majority voting, of weighted best-of-N by the run's verifier
# scores, of best-of-N by each sample's mean log-probability per token (the generator's
# confidence), and coverage (pass@N: some sample of the subset is right, what a perfect verifier
# would reach). Differences against majority carry a 95 % paired bootstrap interval over problems.
# Reads the run's database directly (samples table); nothing is written.
# Usage: scripts/selection-ceiling.py DB [RUN] [--budgets 4,16,64] [--trials 20]
import argparse
import collections
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from findings import paired_mean  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("db")
    ap.add_argument("run", nargs="?", type=int, default=1)
    ap.add_argument("--budgets", default="4,16,64")
    ap.add_argument("--trials", type=int, default=20)
    a = ap.parse_args()
    db = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    rows = db.execute("select u.idx, s.answer, s.correct, s.logprob, s.token_count, s.score from samples s "
                      "join units u on u.id = s.unit_id where u.run_id = ? and s.correct is not null order by u.idx, s.idx",
                      (a.run,)).fetchall()
    if not rows:
        sys.exit(f"{a.db}: run {a.run} has no graded samples")
    problems = collections.defaultdict(list)
    for unit, answer, correct, logprob, tokens, score in rows:
        problems[unit].append((answer, bool(correct), logprob / max(tokens, 1), score if score is not None else 0.0))

    def vote(sub, weight):
        total, count = collections.defaultdict(float), collections.Counter()
        for s in sub:
            if s[0] is not None:
                total[s[0]] += weight(s)
                count[s[0]] += 1
        if not total: return 0.0
        best = max(total, key=lambda x: (total[x], count[x]))
        return float(next(s[1] for s in sub if s[0] == best))

    rules = {"majority": lambda sub: vote(sub, lambda s: 1.0),
             "weighted by the verifier": lambda sub: vote(sub, lambda s: s[3]),
             "best-of-N by likelihood": lambda sub: float(max(sub, key=lambda s: s[2])[1]),
             "coverage (pass@N)": lambda sub: float(any(s[1] for s in sub))}
    rng = random.Random(1)
    print(f"{a.db} run {a.run}: {len(problems)} problems; accuracy in %, mean over {a.trials} random subsets per problem "
          "(the whole pool where N equals it); in brackets the paired difference with majority voting")
    print("| N | " + " | ".join(rules) + " |")
    print("|---:|" + "---:|" * len(rules))
    for n in (int(x) for x in a.budgets.split(",")):
        per = {r: [] for r in rules}
        for samples in problems.values():
            if len(samples) < n: continue
            trials = 1 if len(samples) == n else a.trials
            subs = [rng.sample(samples, n) for _ in range(trials)]
            for r, f in rules.items(): per[r].append(sum(f(s) for s in subs) / trials)
        cells = []
        for r in rules:
            acc = 100 * sum(per[r]) / len(per[r])
            if r == "majority":
                cells.append(f"{acc:.1f}")
            else:
                _, lo, hi = paired_mean([x - y for x, y in zip(per[r], per["majority"])])
                cells.append(f"{acc:.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]")
        print(f"| {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
