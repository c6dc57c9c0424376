// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/stats/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/common/hash.h"

namespace lens::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The q-quantile of sorted values by linear interpolation between order statistics (type 7).
double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// sum(num(i)) / sum(den(i)) over `resamples` resamples of the n problems (a mean when den is 1);
// resamples whose den sums to 0 are left out. `salt` picks the random stream.
template <typename Num, typename Den>
std::vector<double> resampledRatios(size_t n, const BootstrapParams& p, uint64_t salt, Num num, Den den) {
  SplitMix64 rng(p.seed ^ salt);
  std::vector<double> out;
  out.reserve(static_cast<size_t>(std::max(p.resamples, 1)));
  for (int r = 0; r < std::max(p.resamples, 1); ++r) {
    double a = 0, b = 0;
    for (size_t k = 0; k < n; ++k) {
      const size_t i = rng.below(n);
      a += num(i);
      b += den(i);
    }
    if (b != 0) out.push_back(a / b);
  }
  return out;
}

// Means of `resamples` resamples of the per-problem values value(i), i < n.
template <typename Value>
std::vector<double> resampledMeans(size_t n, const BootstrapParams& p, Value value) {
  return resampledRatios(n, p, 0xb0075a3bULL, value, [](size_t) { return 1.0; });
}

}  // namespace

Interval percentileInterval(std::vector<double> values, double level) {
  if (values.empty()) return {kNaN, kNaN};
  std::sort(values.begin(), values.end());
  const double tail = (1.0 - level) / 2.0;
  return {quantile(values, tail), quantile(values, 1.0 - tail)};
}

Interval bootstrapMean(const std::vector<double>& values, const BootstrapParams& params) {
  if (values.empty()) return {kNaN, kNaN};
  if (values.size() == 1) return {values[0], values[0]};
  return percentileInterval(resampledMeans(values.size(), params, [&](size_t i) { return values[i]; }), params.level);
}

Interval bootstrapPairedDifference(const std::vector<double>& a, const std::vector<double>& b, const BootstrapParams& params) {
  if (a.empty() || a.size() != b.size()) return {kNaN, kNaN};
  if (a.size() == 1) return {a[0] - b[0], a[0] - b[0]};
  return percentileInterval(resampledMeans(a.size(), params, [&](size_t i) { return a[i] - b[i]; }), params.level);
}

Interval bootstrapRatio(const std::vector<double>& num, const std::vector<double>& den, const BootstrapParams& params) {
  if (num.empty() || num.size() != den.size()) return {kNaN, kNaN};
  return percentileInterval(resampledRatios(num.size(), params, 0x2a710b5ULL, [&](size_t i) { return num[i]; }, [&](size_t i) { return den[i]; }),
                            params.level);
}

}  // namespace lens::stats
