// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/stats/auroc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/common/hash.h"

namespace lens::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Flat {
  double score;
  bool positive;
  size_t problem;
};

// Weighted AUROC over samples sorted by score: sample i counts weight[problem(i)] times. One pass:
// each run of tied scores adds its positives × (negatives below + half its own negatives).
double weightedAuroc(const std::vector<Flat>& sorted, const std::vector<double>& weight) {
  double u = 0, negBelow = 0, pos = 0;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    double wPos = 0, wNeg = 0;
    for (; j < sorted.size() && sorted[j].score == sorted[i].score; ++j)
      (sorted[j].positive ? wPos : wNeg) += weight[sorted[j].problem];
    u += wPos * (negBelow + 0.5 * wNeg);
    negBelow += wNeg;
    pos += wPos;
    i = j;
  }
  return pos > 0 && negBelow > 0 ? u / (pos * negBelow) : kNaN;
}

std::vector<Flat> flatten(const std::vector<std::vector<ScoredSample>>& problems) {
  std::vector<Flat> all;
  for (size_t p = 0; p < problems.size(); ++p)
    for (const auto& s : problems[p]) all.push_back({s.score, s.positive, p});
  std::sort(all.begin(), all.end(), [](const Flat& a, const Flat& b) { return a.score < b.score; });
  return all;
}

}  // namespace

double auroc(const std::vector<ScoredSample>& samples) {
  return weightedAuroc(flatten({samples}), {1.0});
}

std::vector<double> aurocWithinGroups(const std::vector<std::vector<ScoredSample>>& groups) {
  std::vector<double> out;
  for (const auto& g : groups)
    if (const double a = auroc(g); !std::isnan(a)) out.push_back(a);
  return out;
}

AurocEstimate aurocOverProblems(const std::vector<std::vector<ScoredSample>>& problems, const BootstrapParams& params) {
  AurocEstimate e;
  e.problems = static_cast<int64_t>(problems.size());
  for (const auto& p : problems)
    for (const auto& s : p) (s.positive ? e.positives : e.negatives) += 1;
  const auto sorted = flatten(problems);
  const size_t n = problems.size();
  e.value = weightedAuroc(sorted, std::vector<double>(n, 1.0));
  e.interval = {kNaN, kNaN};
  if (std::isnan(e.value) || n < 2) return e;
  SplitMix64 rng(params.seed ^ 0xa0c0a0c0ULL);
  std::vector<double> values;
  std::vector<double> weight(n);
  for (int r = 0; r < std::max(params.resamples, 1); ++r) {
    std::fill(weight.begin(), weight.end(), 0.0);
    for (size_t k = 0; k < n; ++k) weight[rng.below(n)] += 1.0;
    const double v = weightedAuroc(sorted, weight);
    if (!std::isnan(v)) values.push_back(v);
  }
  // A resample with one class only has no AUROC; with fewer than 95 % of resamples defined the
  // interval would be biased, so it is not given.
  if (values.size() < static_cast<size_t>(0.95 * std::max(params.resamples, 1))) return e;
  e.interval = percentileInterval(std::move(values), params.level);
  return e;
}

}  // namespace lens::stats
