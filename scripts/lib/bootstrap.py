# SPDX-License-Identifier: GPL-3.0-or-later
# Imported by the findings scripts' report code (PYTHONPATH=scripts/lib): the paired bootstrap over
# problems, the same resampling as core/stats/bootstrap's percentile interval.
import random


def paired_mean(d, reps=2000, seed=1):
    """Mean of the per-problem differences d with its 95 % percentile-bootstrap interval (resampling problems)."""
    rng = random.Random(seed)
    means = sorted(sum(d[rng.randrange(len(d))] for _ in d) / len(d) for _ in range(reps))
    return sum(d) / len(d), means[int(0.025 * reps)], means[int(0.975 * reps) - 1]
