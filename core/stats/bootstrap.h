// SPDX-License-Identifier: GPL-3.0-or-later
// Confidence intervals over problems: the percentile bootstrap (Efron and Tibshirani 1993, §13.3).
// An accuracy in ComputeLens is a mean over problems of a per-problem score in [0, 1] (a sample's
// correctness, or the probability that best-of-N picks a correct answer); its interval says how much
// that mean would move on another draw of problems of the same kind, which is what decides whether
// two strategies differ. Resampling is deterministic for a given seed.
#pragma once

#include <cstdint>
#include <vector>

namespace lens::stats {

struct Interval {
  double low = 0.0;
  double high = 0.0;
};

struct BootstrapParams {
  int resamples = 2000;  // B
  double level = 0.95;   // coverage
  uint64_t seed = 0;
};

// The (1-level)/2 and (1+level)/2 quantiles of `values` (statistics of resamples), by linear
// interpolation between order statistics; {NaN, NaN} when empty.
Interval percentileInterval(std::vector<double> values, double level);

// The percentile interval of the mean of `values` (one per problem): the (1-level)/2 and
// (1+level)/2 quantiles of the means of `resamples` resamples of the same size, drawn with
// replacement. Empty input gives {NaN, NaN}; one value gives a zero-width interval at it.
Interval bootstrapMean(const std::vector<double>& values, const BootstrapParams& params = {});

// The interval of mean(a) - mean(b) for paired values (the same problems under two strategies):
// problems are resampled together, so what they share cancels. Sizes must match (else {NaN, NaN}).
Interval bootstrapPairedDifference(const std::vector<double>& a, const std::vector<double>& b, const BootstrapParams& params = {});

// The percentile interval of a ratio of sums, sum(num) / sum(den), with problems resampled: a mean
// per token over problems of different lengths (a loss in nats per token: num = the problem's
// summed loss, den = its token count). For paired policies on the same tokens, pass the difference
// of their sums as num. Sizes must match (else {NaN, NaN}); a resample whose den sums to 0 is left
// out.
Interval bootstrapRatio(const std::vector<double>& num, const std::vector<double>& den, const BootstrapParams& params = {});

}  // namespace lens::stats
