// SPDX-License-Identifier: GPL-3.0-or-later
// Compute-optimal test-time scaling (Snell et al. 2024 §3.2, §5.3): for each difficulty bin and
// budget, pick the strategy that did best on held-out problems, and compare the resulting
// accuracy-vs-budget frontier with best-of-N. Selection uses two-fold cross-validation as in the
// paper: problems are split in two by index parity; each half is scored with the choices made on
// the other half, so no problem helps choose its own strategy. A bin with no problems in the other
// half takes the choice made on all of that half's problems.
// Torch-free; the CLI feeds it stored runs (app/cli), tests feed it hand-made arms.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace lens::search {

// One strategy at one budget: its expected correctness and compute on every problem (indexed like
// the bins; a negative accuracy marks a problem the arm did not run).
struct Arm {
  std::string strategy;  // "best-of-N weighted", "beam M=4", ...
  int budget = 0;        // N: generations per round / samples
  std::vector<double> accuracy;  // per problem, in [0, 1]
  std::vector<double> flops;     // per problem (generator + verifier)
};

struct FrontierPoint {
  int budget = 0;
  double computeOptimal = 0;  // cross-validated accuracy of the per-bin choice
  double baseline = 0;        // the baseline strategy at this budget (NaN if it has none)
  double meanFlops = 0;       // of the chosen arms, per problem
  std::vector<double> byBin;  // cross-validated accuracy per bin 1..5 (NaN for an empty bin)
  // For each bin (1..5), the strategy chosen on each fold: [bin-1][fold].
  std::vector<std::vector<std::string>> chosen;
  // Smallest baseline budget (log-linear between measured budgets) that matches computeOptimal;
  // its ratio to `budget` is the efficiency gain. NaN when no measured baseline budget matches.
  double matchingBaselineBudget = 0;
  double efficiency = 0;
  // When the baseline stays below computeOptimal at every budget it measured: the largest of those
  // budgets over `budget`, a lower bound of the efficiency gain (NaN otherwise).
  double efficiencyAtLeast = std::numeric_limits<double>::quiet_NaN();
  // "1.38×", "> 4.00×" (the lower bound) or `missing`, with `times` after the number.
  std::string efficiencyText(const char* times = "×", const char* missing = "—") const;
  // 95 % bootstrap intervals over problems (stats/bootstrap.h): of computeOptimal, and of its
  // difference from the baseline at this budget on the problems both ran (paired; NaN without a
  // baseline). The efficiency has none: it would need the selection redone on every resample.
  double ciLow = std::numeric_limits<double>::quiet_NaN(), ciHigh = std::numeric_limits<double>::quiet_NaN();
  double minusBaselineLow = std::numeric_limits<double>::quiet_NaN(), minusBaselineHigh = std::numeric_limits<double>::quiet_NaN();
  // Per problem (the report's problem order): the cross-validated choice's accuracy, NaN where
  // the problem has no bin or the chosen arm did not run it.
  std::vector<double> perProblem;
};

struct ComputeOptimalReport {
  std::string baseline;
  std::vector<int> budgets;
  std::vector<FrontierPoint> frontier;
  // Per strategy and budget: accuracy over all problems, and by bin.
  struct ArmSummary {
    std::string strategy;
    int budget = 0;
    double accuracy = 0, meanFlops = 0;
    std::vector<double> byBin;
    int problems = 0;
    double ciLow = std::numeric_limits<double>::quiet_NaN(), ciHigh = std::numeric_limits<double>::quiet_NaN();  // of accuracy
    std::vector<double> byBinLow, byBinHigh;  // the intervals of byBin (NaN for an empty bin)
    // Accuracy on every problem (indexed like `bins`; NaN where the arm did not run or the problem
    // is left out), for paired comparisons of two arms on the same problems.
    std::vector<double> perProblem;
  };
  std::vector<ArmSummary> arms;
  std::vector<int> bins;  // the difficulty bin of every problem (1..5; 0: left out), as given
  // From stored runs (computeOptimalFromRuns): each problem's key, indexed like `bins`, and the
  // baseline's mean generator FLOPs per sample.
  std::vector<std::string> problemKeys;
  double meanSampleFlops = 0;
  nlohmann::json toJson() const;
};

// JSON for report numbers: NaN (nothing measured) becomes null.
nlohmann::json jsonNumber(double v);
nlohmann::json jsonNumbers(const std::vector<double>& v);

// `bins[p]` in 1..5 (0: the problem is left out). `baseline` names the strategy the frontier is
// compared with (best-of-N in the paper).
Result<ComputeOptimalReport> computeOptimal(const std::vector<Arm>& arms, const std::vector<int>& bins, const std::string& baseline);

}  // namespace lens::search
