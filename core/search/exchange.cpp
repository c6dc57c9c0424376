// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/search/exchange.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/stats/bootstrap.h"

namespace lens::search {

using json = nlohmann::json;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
json num(double v) { return jsonNumber(v); }
json nums(const std::vector<double>& v) { return jsonNumbers(v); }
json pairedJson(const PairedDifference& d) {
  return {{"difference", num(d.difference)}, {"ci_low", num(d.low)}, {"ci_high", num(d.high)}, {"problems", d.problems}};
}

// small − large over the problems (of bin `bin`, or every binned one when 0) where both are known.
PairedDifference pairedOver(const std::vector<double>& small, const ExchangeInput& in, int bin, uint64_t seed) {
  std::vector<double> a, b;
  for (size_t p = 0; p < small.size() && p < in.largePerProblem.size(); ++p) {
    const int pb = p < in.problemBins.size() ? in.problemBins[p] : 0;
    if (pb == 0 || (bin != 0 && pb != bin) || std::isnan(small[p]) || std::isnan(in.largePerProblem[p])) continue;
    a.push_back(small[p]);
    b.push_back(in.largePerProblem[p]);
  }
  PairedDifference d;
  d.problems = static_cast<int>(a.size());
  if (a.empty()) return d;
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] - b[i];
  d.difference = sum / static_cast<double>(a.size());
  stats::BootstrapParams bp;
  bp.seed = seed;
  const auto ci = stats::bootstrapPairedDifference(a, b, bp);
  d.low = ci.low;
  d.high = ci.high;
  return d;
}
}  // namespace

std::string PairedDifference::pointsText() const {
  if (!std::isfinite(difference)) return {};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.1f [%+.1f, %+.1f]", 100 * difference, 100 * low, 100 * high);
  return buf;
}

double ExchangeReport::pretrainingGap() const {
  if (smallExamples <= 0 || largeExamples <= 0) return kNaN;
  const double a = static_cast<double>(smallExamples), b = static_cast<double>(largeExamples);
  return std::abs(b - a) / std::max(a, b);
}

ExchangeReport::Pretraining ExchangeReport::pretraining() const {
  const double gap = pretrainingGap();
  return std::isnan(gap) ? Pretraining::NotRecorded : gap < 0.01 ? Pretraining::Same : Pretraining::Apart;
}

std::string ExchangeReport::pretrainingText() const {
  const auto count = [](int64_t n) {  // 512000 -> "512,000"
    std::string s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
    return s;
  };
  switch (pretraining()) {
    case Pretraining::NotRecorded:
      return "The exchange assumes both models were pretrained on the same tokens; their training is not recorded (no ComputeLens "
             "manifest), so that is not checked.";
    case Pretraining::Same:
      return "Both models were pretrained on the same number of examples (" + count(smallExamples) + "), as the exchange assumes.";
    case Pretraining::Apart:
      break;
  }
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.0f", 100 * pretrainingGap());
  return "The exchange assumes both models were pretrained on the same tokens; the small one read " + count(smallExamples) +
         " training examples and the large one " + count(largeExamples) + " (" + pct + " % apart), so it compares the models as trained.";
}

json ExchangeReport::toJson() const {
  json rows_ = json::array();
  for (const auto& r : rows) {
    rows_.push_back({{"ratio", r.ratio}, {"allowed_flops", r.allowedFlops}, {"multiplier", r.multiplier}, {"small_budget", r.smallBudget},
                     {"small_flops", num(r.smallFlops)}, {"small_accuracy", num(r.smallAccuracy)}, {"large_accuracy", r.largeAccuracy},
                     {"small_by_bin", nums(r.smallByBin)}, {"large_by_bin", nums(r.largeByBin)}});
    if (!r.smallMinusLargeByBin.empty()) {
      json byBin = json::array();
      for (const auto& d : r.smallMinusLargeByBin) byBin.push_back(pairedJson(d));
      rows_.back()["small_minus_large"] = pairedJson(r.smallMinusLarge);
      rows_.back()["small_minus_large_by_bin"] = byBin;
    }
  }
  const double gap = pretrainingGap();
  return {{"size_ratio", sizeRatio},
          {"rows", rows_},
          {"pretraining_examples", {{"small", smallExamples}, {"large", largeExamples}}},
          {"pretraining_gap", num(gap)},
          {"pretraining", pretrainingText()}};
}

Result<ExchangeReport> exchangeAnalysis(const ExchangeInput& in, const std::vector<double>& ratios) {
  if (in.smallParameters <= 0 || in.largeParameters <= 0)
    return makeError(ErrorCode::InvalidInput, "exchange: both models' parameter counts must be positive");
  if (in.largeParameters <= in.smallParameters)
    return makeError(ErrorCode::InvalidInput, "exchange: the large model (" + std::to_string(in.largeParameters) +
                                                  " parameters) must be larger than the small one (" + std::to_string(in.smallParameters) + ")");
  if (!(in.largeFlops > 0) || !(in.smallSampleFlops > 0)) return makeError(ErrorCode::InvalidInput, "exchange: FLOPs per sample must be positive");
  if (in.smallFrontier.empty()) return makeError(ErrorCode::InvalidInput, "exchange: the small model has no frontier to read");
  ExchangeReport rep;
  rep.sizeRatio = static_cast<double>(in.largeParameters) / static_cast<double>(in.smallParameters);
  rep.smallExamples = in.smallExamples;
  rep.largeExamples = in.largeExamples;
  const double tokensPerQuery = in.largeFlops / (2.0 * static_cast<double>(in.largeParameters));
  for (double R : ratios) {
    if (!(R > 0)) return makeError(ErrorCode::InvalidInput, "exchange: ratios D_inference / D_pretrain must be positive");
    ExchangeRow row;
    row.ratio = R;
    row.allowedFlops = in.largeFlops + 6.0 * static_cast<double>(in.largeParameters - in.smallParameters) * tokensPerQuery / R;
    row.multiplier = row.allowedFlops / in.smallSampleFlops;
    row.smallAccuracy = kNaN;
    row.smallFlops = kNaN;
    row.smallByBin.assign(5, kNaN);
    // The largest frontier budget whose mean FLOPs fit (frontier accuracy grows with compute in
    // expectation, but it is measured: take the best accuracy among the points that fit).
    const FrontierPoint* used = nullptr;
    for (const auto& p : in.smallFrontier) {
      if (std::isnan(p.meanFlops) || p.meanFlops > row.allowedFlops || std::isnan(p.computeOptimal)) continue;
      if (std::isnan(row.smallAccuracy) || p.computeOptimal > row.smallAccuracy) {
        used = &p;
        row.smallAccuracy = p.computeOptimal;
        row.smallBudget = p.budget;
        row.smallFlops = p.meanFlops;
        row.smallByBin = p.byBin;
        row.smallByBin.resize(5, kNaN);
      }
    }
    row.largeAccuracy = in.largeAccuracy;
    row.largeByBin = in.largeByBin;
    row.largeByBin.resize(5, kNaN);
    if (used && !in.largePerProblem.empty()) {
      const auto seed = static_cast<uint64_t>(used->budget);
      row.smallMinusLarge = pairedOver(used->perProblem, in, 0, seed);
      for (int b = 1; b <= 5; ++b) row.smallMinusLargeByBin.push_back(pairedOver(used->perProblem, in, b, seed));
    }
    rep.rows.push_back(std::move(row));
  }
  return rep;
}

}  // namespace lens::search
