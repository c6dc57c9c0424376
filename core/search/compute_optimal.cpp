// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/search/compute_optimal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "core/stats/bootstrap.h"

namespace lens::search {

using json = nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

json num(double v) { return jsonNumber(v); }
json binsJson(const std::vector<double>& v) { return jsonNumbers(v); }

bool has(const Arm& a, size_t p) { return a.accuracy[p] >= 0; }

// The mean of v summed in order (NaN when empty).
double meanOrNaN(const std::vector<double>& v) {
  if (v.empty()) return kNaN;
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

stats::BootstrapParams bootFor(int budget) {
  stats::BootstrapParams b;
  b.seed = static_cast<uint64_t>(budget);
  return b;
}

}  // namespace

json jsonNumber(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

json jsonNumbers(const std::vector<double>& v) {
  json out = json::array();
  for (double x : v) out.push_back(jsonNumber(x));
  return out;
}

std::string FrontierPoint::efficiencyText(const char* times, const char* missing) const {
  char buf[64];
  if (!std::isnan(efficiency)) std::snprintf(buf, sizeof buf, "%.2f%s", efficiency, times);
  else if (!std::isnan(efficiencyAtLeast)) std::snprintf(buf, sizeof buf, "> %.2f%s", efficiencyAtLeast, times);
  else return missing;
  return buf;
}

json ComputeOptimalReport::toJson() const {
  json f = json::array();
  for (const auto& p : frontier)
    f.push_back({{"budget", p.budget}, {"compute_optimal", p.computeOptimal}, {"baseline", num(p.baseline)}, {"mean_flops", p.meanFlops},
                 {"by_bin", binsJson(p.byBin)}, {"chosen", p.chosen}, {"matching_baseline_budget", num(p.matchingBaselineBudget)}, {"efficiency", num(p.efficiency)},
                 {"efficiency_at_least", num(p.efficiencyAtLeast)},
                 {"ci_low", num(p.ciLow)}, {"ci_high", num(p.ciHigh)}, {"minus_baseline_ci_low", num(p.minusBaselineLow)},
                 {"minus_baseline_ci_high", num(p.minusBaselineHigh)}, {"per_problem", jsonNumbers(p.perProblem)}});
  json a = json::array();
  for (const auto& s : arms)
    a.push_back({{"strategy", s.strategy}, {"budget", s.budget}, {"accuracy", s.accuracy}, {"mean_flops", s.meanFlops}, {"by_bin", binsJson(s.byBin)},
                 {"problems", s.problems}, {"ci_low", num(s.ciLow)}, {"ci_high", num(s.ciHigh)},
                 {"by_bin_ci_low", binsJson(s.byBinLow)}, {"by_bin_ci_high", binsJson(s.byBinHigh)},
                 {"per_problem", jsonNumbers(s.perProblem)}});
  return {{"baseline", baseline}, {"budgets", budgets}, {"bins", bins}, {"frontier", f}, {"arms", a}};
}

Result<ComputeOptimalReport> computeOptimal(const std::vector<Arm>& arms, const std::vector<int>& bins, const std::string& baseline) {
  const size_t P = bins.size();
  if (arms.empty()) return makeError(ErrorCode::InvalidInput, "compute-optimal: no strategies to choose from");
  for (const auto& a : arms) {
    if (a.accuracy.size() != P || (!a.flops.empty() && a.flops.size() != P))
      return makeError(ErrorCode::InvalidInput, "compute-optimal: '" + a.strategy + "' at N=" + std::to_string(a.budget) + " covers " +
                                                    std::to_string(a.accuracy.size()) + " problems, the bins " + std::to_string(P));
    if (a.budget < 1) return makeError(ErrorCode::InvalidInput, "compute-optimal: '" + a.strategy + "' has budget < 1");
  }
  for (int b : bins)
    if (b < 0 || b > 5) return makeError(ErrorCode::InvalidInput, "compute-optimal: difficulty bins must be 1..5 (0: left out)");
  auto flopsOf = [](const Arm& a, size_t p) { return a.flops.empty() ? 0.0 : a.flops[p]; };

  ComputeOptimalReport rep;
  rep.baseline = baseline;
  rep.bins = bins;
  std::set<int> budgetSet;
  for (const auto& a : arms) budgetSet.insert(a.budget);
  rep.budgets.assign(budgetSet.begin(), budgetSet.end());

  for (const auto& a : arms) {
    ComputeOptimalReport::ArmSummary s;
    s.strategy = a.strategy;
    s.budget = a.budget;
    double fl = 0;
    std::vector<double> perProblem;
    std::vector<std::vector<double>> perBin(5);
    s.perProblem.assign(P, kNaN);
    for (size_t p = 0; p < P; ++p) {
      if (bins[p] == 0 || !has(a, p)) continue;
      s.perProblem[p] = a.accuracy[p];
      perProblem.push_back(a.accuracy[p]);
      perBin[static_cast<size_t>(bins[p] - 1)].push_back(a.accuracy[p]);
      fl += flopsOf(a, p);
    }
    s.problems = static_cast<int>(perProblem.size());
    s.accuracy = meanOrNaN(perProblem);
    s.meanFlops = s.problems ? fl / s.problems : kNaN;
    for (const auto& values : perBin) s.byBin.push_back(meanOrNaN(values));
    const auto ci = stats::bootstrapMean(perProblem, bootFor(a.budget));
    s.ciLow = ci.low, s.ciHigh = ci.high;
    for (const auto& values : perBin) {
      const auto b = stats::bootstrapMean(values, bootFor(a.budget));
      s.byBinLow.push_back(b.low), s.byBinHigh.push_back(b.high);
    }
    rep.arms.push_back(std::move(s));
  }

  // The baseline's accuracy by budget, for the efficiency ratio.
  std::vector<std::pair<int, double>> base;
  for (const auto& s : rep.arms)
    if (s.strategy == baseline && !std::isnan(s.accuracy)) base.emplace_back(s.budget, s.accuracy);
  std::sort(base.begin(), base.end());

  for (int B : rep.budgets) {
    FrontierPoint fp;
    fp.budget = B;
    fp.baseline = kNaN;
    for (const auto& [b, acc] : base)
      if (b == B) fp.baseline = acc;
    fp.chosen.assign(5, std::vector<std::string>(2));
    double correct = 0, count = 0, fl = 0;
    std::vector<double> binSum(5, 0.0), binCount(5, 0.0);
    std::vector<double> chosenAcc(P, kNaN);  // per problem: the cross-validated choice's accuracy
    for (int fold = 0; fold < 2; ++fold) {
      for (int bin = 1; bin <= 5; ++bin) {
        // Choose on the other fold's problems of this bin (of every bin when this one has none there).
        auto choose = [&](bool anyBin) {
          const Arm* best = nullptr;
          double bestAcc = -1;
          for (const auto& a : arms) {
            if (a.budget != B) continue;
            double s = 0, n = 0;
            for (size_t p = 0; p < P; ++p)
              if ((anyBin ? bins[p] != 0 : bins[p] == bin) && static_cast<int>(p % 2) != fold && has(a, p)) {
                s += a.accuracy[p];
                n += 1;
              }
            if (n > 0 && s / n > bestAcc + 1e-12) {
              bestAcc = s / n;
              best = &a;
            }
          }
          return best;
        };
        const Arm* best = choose(false);
        if (!best) best = choose(true);
        if (!best) continue;
        fp.chosen[static_cast<size_t>(bin - 1)][static_cast<size_t>(fold)] = best->strategy;
        for (size_t p = 0; p < P; ++p)
          if (bins[p] == bin && static_cast<int>(p % 2) == fold && has(*best, p)) {
            correct += best->accuracy[p];
            chosenAcc[p] = best->accuracy[p];
            fl += flopsOf(*best, p);
            count += 1;
            binSum[static_cast<size_t>(bin - 1)] += best->accuracy[p];
            binCount[static_cast<size_t>(bin - 1)] += 1;
          }
      }
    }
    fp.computeOptimal = count ? correct / count : kNaN;
    fp.meanFlops = count ? fl / count : kNaN;
    for (size_t b = 0; b < 5; ++b) fp.byBin.push_back(binCount[b] ? binSum[b] / binCount[b] : kNaN);
    {
      const Arm* baseArm = nullptr;
      for (const auto& a : arms)
        if (a.strategy == baseline && a.budget == B) baseArm = &a;
      std::vector<double> co, paired, baseValues;
      for (size_t p = 0; p < P; ++p) {
        if (std::isnan(chosenAcc[p])) continue;
        co.push_back(chosenAcc[p]);
        if (baseArm && has(*baseArm, p)) paired.push_back(chosenAcc[p]), baseValues.push_back(baseArm->accuracy[p]);
      }
      const auto ci = stats::bootstrapMean(co, bootFor(B));
      fp.ciLow = ci.low, fp.ciHigh = ci.high;
      if (!paired.empty()) {
        const auto d = stats::bootstrapPairedDifference(paired, baseValues, bootFor(B));
        fp.minusBaselineLow = d.low, fp.minusBaselineHigh = d.high;
      }
    }
    // The baseline budget that reaches the same accuracy (log-linear between measured budgets).
    fp.matchingBaselineBudget = kNaN;
    for (size_t i = 0; i < base.size() && !std::isnan(fp.computeOptimal); ++i) {
      if (base[i].second + 1e-12 < fp.computeOptimal) continue;
      if (i == 0 || base[i].second <= base[i - 1].second) {
        fp.matchingBaselineBudget = base[i].first;
      } else {
        const double t = (fp.computeOptimal - base[i - 1].second) / (base[i].second - base[i - 1].second);
        fp.matchingBaselineBudget = std::exp2(std::log2(base[i - 1].first) + t * (std::log2(base[i].first) - std::log2(base[i - 1].first)));
      }
      break;
    }
    fp.efficiency = std::isnan(fp.matchingBaselineBudget) ? kNaN : fp.matchingBaselineBudget / B;
    if (std::isnan(fp.efficiency) && !std::isnan(fp.computeOptimal) && !base.empty()) fp.efficiencyAtLeast = static_cast<double>(base.back().first) / B;
    fp.perProblem = chosenAcc;
    rep.frontier.push_back(std::move(fp));
  }
  return rep;
}

}  // namespace lens::search
