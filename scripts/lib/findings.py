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


def pct(v):
    """A share as "12.3 %", or "—" when it was not measured."""
    return f"{100*v:.1f} %" if isnum(v) else "—"


def pci(v, lo=None, hi=None):
    """A share with its interval, "12.3 % [10.0, 14.5]" (the interval left out when it is missing)."""
    return pct(v) + (f" [{100*lo:.1f}, {100*hi:.1f}]" if isnum(lo) and isnum(hi) else "")


def pts(d, lo, hi):
    """A difference of shares in points with its interval, "+1.2 [-0.3, +2.8] points"."""
    return f"{100*d:+.1f} [{100*lo:+.1f}, {100*hi:+.1f}] points"


def paired(a, b, keep=lambda p: True, reps=2000, seed=1):
    """Mean of a − b over the problems both arms ran (and keep(p)), two arms of `compute-optimal --json` with their
    per_problem accuracies, with its 95 % percentile-bootstrap interval and the number of problems; None when none."""
    d = [x - y for p, (x, y) in enumerate(zip(a["per_problem"], b["per_problem"])) if isnum(x) and isnum(y) and keep(p)]
    return paired_mean(d, reps, seed) + (len(d),) if d else None


def verdict(r, higher_holds=True):
    """holds / does not hold when the paired interval r (from paired) lies on one side of 0, else inconclusive."""
    if r is None: return "not measured"
    _, lo, hi, _ = r
    if lo > 0: return "holds" if higher_holds else "does not hold"
    if hi < 0: return "does not hold" if higher_holds else "holds"
    return "inconclusive"
