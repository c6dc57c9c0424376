# SPDX-License-Identifier: GPL-3.0-or-later
# Imported by the findings scripts' report code (PYTHONPATH=scripts/lib): what they all compute or
# print the same way.
import csv
import math
import random
import re


def paired_mean(d, reps=2000, seed=1):
    """Mean of the per-problem differences d with its 95 % percentile-bootstrap interval (resampling problems),
    the same resampling as core/stats/bootstrap's percentile interval."""
    rng = random.Random(seed)
    means = sorted(sum(d[rng.randrange(len(d))] for _ in d) / len(d) for _ in range(reps))
    return sum(d) / len(d), means[int(0.025 * reps)], means[int(0.975 * reps) - 1]


def efficiency_text(f):
    """A compute-optimal frontier point's efficiency over best-of-N (compute-optimal --json), as FrontierPoint::efficiencyText
    writes it: "1.38×", "> 4.00×" when best-of-N stays below it at every budget measured (a lower bound), or "—"."""
    if f.get("efficiency") is not None: return f"{f['efficiency']:.2f}×"
    if f.get("efficiency_at_least") is not None: return f"> {f['efficiency_at_least']:.2f}×"
    return "—"


def natural_key(s):
    """Sorts strategy names with their numbers as numbers: "revise L=4" before "revise L=16"."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def isnum(v):
    """A measured value: not None (JSON null) and not NaN (a problem an arm did not run)."""
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def metrics(path):
    """A run's metrics as `computelens-cli export RUN --format csv --table metrics` writes them: name -> {step (the unit): value}."""
    s = {}
    for row in csv.DictReader(open(path)):
        s.setdefault(row["name"], {})[int(row["step"])] = float(row["value"])
    return s
