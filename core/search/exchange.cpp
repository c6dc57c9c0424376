// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/search/exchange.h"

#include <cmath>
#include <limits>

namespace lens::search {

using json = nlohmann::json;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
json num(double v) { return jsonNumber(v); }
json nums(const std::vector<double>& v) { return jsonNumbers(v); }
}  // namespace

json ExchangeReport::toJson() const {
  json rows_ = json::array();
  for (const auto& r : rows)
    rows_.push_back({{"ratio", r.ratio}, {"allowed_flops", r.allowedFlops}, {"multiplier", r.multiplier}, {"small_budget", r.smallBudget},
                     {"small_flops", num(r.smallFlops)}, {"small_accuracy", num(r.smallAccuracy)}, {"large_accuracy", r.largeAccuracy},
                     {"small_by_bin", nums(r.smallByBin)}, {"large_by_bin", nums(r.largeByBin)}});
  return {{"size_ratio", sizeRatio}, {"rows", rows_}};
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
    for (const auto& p : in.smallFrontier) {
      if (std::isnan(p.meanFlops) || p.meanFlops > row.allowedFlops || std::isnan(p.computeOptimal)) continue;
      if (std::isnan(row.smallAccuracy) || p.computeOptimal > row.smallAccuracy) {
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
    rep.rows.push_back(std::move(row));
  }
  return rep;
}

}  // namespace lens::search
