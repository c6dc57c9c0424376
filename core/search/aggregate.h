// SPDX-License-Identifier: GPL-3.0-or-later
// Choosing one answer from N samples, and what that is worth as N grows (Snell et al. 2024, §5):
// majority voting, best-of-N by verifier score, and weighted best-of-N (the summed verifier score
// of all samples that share a final answer). Answers are grouped by mathematical equivalence
// (mathdata::answersEqual), not by string.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace lens::search {

struct Candidate {
  std::optional<std::string> answer;  // extracted final answer; unset when none was found
  double score = 0.0;                 // verifier score (unused by majority voting)
  bool correct = false;               // graded against the reference
};

enum class Aggregation { Majority, BestOfN, WeightedBestOfN };
Result<Aggregation> parseAggregation(const std::string& name);  // majority | best-of-n | weighted
const char* aggregationName(Aggregation a);

// group[i] = the equivalence class of candidate i's answer (-1 when it has none). Classes are
// numbered in order of first appearance.
std::vector<int> groupAnswers(const std::vector<Candidate>& candidates);

// The chosen candidate among `subset` (indices into candidates), or nullopt when none has an
// answer. Majority: the largest class, ties to the larger summed score, then to the class seen
// first. Best-of-N: the highest score, ties to the first. Weighted: the class with the largest
// summed score, ties to the larger class, then the first.
std::optional<size_t> choose(const std::vector<Candidate>& candidates, const std::vector<int>& groups,
                             const std::vector<size_t>& subset, Aggregation how);

struct ProblemSamples {
  std::optional<int> level;
  std::vector<Candidate> samples;  // the pool a budget draws from
  double flopsPerSample = 0.0;     // mean inference FLOPs of one sample
};

struct CurvePoint {
  int n = 0;
  double accuracy = 0.0;        // mean over problems of P(the chosen answer is correct)
  double flopsPerProblem = 0.0; // n × mean FLOPs per sample
  int problems = 0;
  // 95 % percentile-bootstrap interval of `accuracy` over problems (stats::bootstrapMean); NaN
  // when no problem has a pool of n.
  double ciLow = std::numeric_limits<double>::quiet_NaN();
  double ciHigh = std::numeric_limits<double>::quiet_NaN();
};

// Accuracy at each budget N, estimated as in Snell et al. (§4): for each problem, the mean over
// random size-N subsets of its pool, drawn without replacement in random order (the order breaks
// ties); N = 1 is computed exactly.
// Budgets larger than a problem's pool are skipped for that problem. Each point carries the 95 %
// bootstrap interval over the problems it averages (seeded from `seed` and n).
std::vector<CurvePoint> accuracyCurve(const std::vector<ProblemSamples>& problems, Aggregation how,
                                      const std::vector<int>& budgets, int trials = 200, uint64_t seed = 0);

// Oracle difficulty (Snell et al. §3.3): problems sorted by the fraction of correct samples (pass@1)
// and cut into 5 bins of equal size; 1 = easiest, 5 = hardest. Ties keep problem order.
std::vector<int> oracleDifficultyBins(const std::vector<ProblemSamples>& problems);
// Predicted difficulty (Snell et al. §3.3): the same quintiles of the verifier's mean score over the
// samples, which needs no ground truth (deployable); 1 = highest mean score.
std::vector<int> predictedDifficultyBins(const std::vector<ProblemSamples>& problems);

}  // namespace lens::search
