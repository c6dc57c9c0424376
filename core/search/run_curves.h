// SPDX-License-Identifier: GPL-3.0-or-later
// Accuracy-vs-compute curves of a stored run: the one core call behind `computelens-cli curves`
// and the workbench's trade-off view.
#pragma once

#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/search/aggregate.h"
#include "core/search/compute_optimal.h"
#include "core/search/exchange.h"
#include "core/stats/auroc.h"

namespace lens::store {
class Store;
}

namespace lens::search {

struct CurveSeries {
  std::string name;  // "all", "bin 1".."bin 5" (oracle difficulty), "level 1".."level 5"
  std::vector<CurvePoint> points;
};

struct RunCurves {
  int64_t runId = 0;
  Aggregation aggregation = Aggregation::Majority;
  int problems = 0;  // graded problems used
  std::vector<CurveSeries> series;
};

// Reads the run's graded samples and computes the curves for each budget. Errors when the run has
// no graded samples.
Result<RunCurves> computeRunCurves(store::Store& store, int64_t runId, Aggregation how, const std::vector<int>& budgets,
                                   int trials = 200);

// How well a sampling run's verifier scores (each sample's stored score: the last step's for a
// PRM, unless the run aggregated otherwise) separate right from wrong answers. Pooled over all
// samples, the AUROC also rewards a verifier that only knows which problems are hard; best-of-N
// selection needs the within-problem AUROC: the mean over problems that have both right and wrong
// samples of the AUROC among that problem's samples. Intervals resample problems.
struct VerifierQuality {
  int64_t runId = 0;
  int problems = 0;
  stats::AurocEstimate pooled;
  double withinProblem = 0;
  stats::Interval withinProblemInterval;
  int mixedProblems = 0;  // problems with right and wrong samples
  // The baseline a verifier must beat: the generator's own confidence, each sample's mean
  // log-probability per token (as sampled: at the run's temperature), ranked within the same
  // problems; and the paired difference verifier − likelihood over them.
  double likelihoodWithinProblem = 0;
  stats::Interval likelihoodWithinProblemInterval;
  stats::Interval withinProblemOverLikelihood;
  std::vector<std::pair<int, stats::AurocEstimate>> byLevel;  // pooled within each level
  // Does selection by the verifier beat voting? Weighted best-of-N against majority voting at each
  // budget, on the same random subsets of each problem's samples; the interval is the paired
  // bootstrap of the per-problem difference.
  struct Selection {
    int n = 0, problems = 0;
    double majority = 0, weighted = 0;
    stats::Interval difference;  // of weighted − majority
  };
  std::vector<Selection> selection;
};
// Errors when the run has no graded samples or none carries a verifier score.
Result<VerifierQuality> verifierQualityFromRun(store::Store& store, int64_t runId, const std::vector<int>& budgets = {}, int trials = 200);

// Compute-optimal scaling from stored runs (compute_optimal.h): the baseline is a sampling run
// (generate) whose samples give best-of-N by `how` at each budget, per problem; each search run is
// one strategy at its N (its units' "correct" metric). Problems are matched by key (the report's
// problemKeys); difficulty bins are the baseline's oracle bins (pass@1 of its samples) or, with
// predictedBins, its predicted bins (mean verifier score). FLOPs are the generator's.
// With withVerifier, FLOPs are generator + verifier: the verifier's per problem ("verifier-flops"
// of a search unit; for best-of-N, the pool's verifier FLOPs per sample times N).
// A budget larger than every problem's pool gives no best-of-N arm (it is left out unless a search
// run has it), so the budgets asked for need not know the pool's size.
struct ComputeOptimalOptions {
  Aggregation how = Aggregation::WeightedBestOfN;
  std::vector<int> budgets = {1, 2, 4, 8, 16};
  int trials = 200;
  bool predictedBins = false;
  bool withVerifier = false;
};
Result<ComputeOptimalReport> computeOptimalFromRuns(store::Store& store, int64_t baselineRun, const std::vector<int64_t>& searchRuns,
                                                    const ComputeOptimalOptions& options);

// The exchange analysis (exchange.h) from stored runs: the small model's compute-optimal frontier
// (`smallOptimal`, computeOptimalFromRuns of baselineRun: its bins, problem keys and FLOPs per
// sample) against a larger model's sampling run (pass@1 of its samples, FLOPs per sample), on the
// problems both have. Parameter counts are the runs' recorded policy models.
Result<ExchangeReport> exchangeFromRuns(store::Store& store, int64_t baselineRun, const ComputeOptimalReport& smallOptimal, int64_t largeRun,
                                        const std::vector<double>& ratios);

// How a set of runs is compared (the workbench's comparison and the report): among the sampling
// (generate) runs, the one whose policy has the fewest parameters (a Duo model's all-big route) is
// the best-of-N baseline and the one with the most, when it has more, the larger model of the
// exchange analysis; the search runs are the strategies. Sampling runs of one size keep the given
// order (the first is the baseline); one that records no parameter count counts as smallest.
struct ComparisonRuns {
  int64_t baseline = 0;  // 0: no sampling run among them
  int64_t larger = 0;    // 0: none larger than the baseline
  std::vector<int64_t> searches;
};
Result<ComparisonRuns> comparisonRuns(store::Store& store, const std::vector<int64_t>& runs);

}  // namespace lens::search
