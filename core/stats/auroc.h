// SPDX-License-Identifier: GPL-3.0-or-later
// How well a verifier's scores separate right from wrong answers: the area under the ROC curve,
// the probability that a random right sample scores above a random wrong one (ties count half;
// Hanley and McNeil 1982, the Mann-Whitney U over n_pos·n_neg). 0.5 is chance, 1 perfect. Its
// interval resamples problems, not samples (a problem's samples share its difficulty), with the
// percentile bootstrap of bootstrap.h.
#pragma once

#include <cstdint>
#include <vector>

#include "core/stats/bootstrap.h"

namespace lens::stats {

struct ScoredSample {
  double score = 0;
  bool positive = false;
};

// AUROC of the samples; NaN when there are no positives or no negatives.
double auroc(const std::vector<ScoredSample>& samples);

struct AurocEstimate {
  double value = 0;    // over all samples
  Interval interval;   // percentile bootstrap over problems (NaN where a resample lacks a class)
  int64_t positives = 0, negatives = 0, problems = 0;
};

// The AUROC among each group's own samples (one group per problem), for the groups that have
// both positives and negatives, in order: what ranking within a problem achieves.
std::vector<double> aurocWithinGroups(const std::vector<std::vector<ScoredSample>>& groups);

// AUROC over the samples of every problem, with its interval over problems.
AurocEstimate aurocOverProblems(const std::vector<std::vector<ScoredSample>>& problems, const BootstrapParams& params = {});

}  // namespace lens::stats
