// SPDX-License-Identifier: GPL-3.0-or-later
// Exchanging pretraining for test-time compute (Snell et al. 2024 §7): is a small model with more
// test-time compute better than a larger model at the same total FLOPs? With N parameters,
// pretraining on D_pretrain tokens costs 6·N·D_pretrain and inference on D_inference tokens
// 2·N·D_inference. A model M = N_large / N_small times larger, both pretrained on the same tokens,
// serving queries of t tokens, costs as much as the small model when the small model spends, per
// query, F_large + 6·(N_large − N_small)·t / R inference FLOPs, where R = D_inference / D_pretrain
// (t = F_large / (2·N_large) from the large model's measured FLOPs per query). As a multiple of one
// small-model sample that is M + 3·(M − 1) / R, the paper's formula: R ≪ 1 (few queries) leaves
// the small model much test-time compute, R ≫ 1 (heavy use) little more than M.
// The small model's accuracy at that budget is the best point of its compute-optimal frontier whose
// mean FLOPs fit, overall and per difficulty bin. Torch-free.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/search/compute_optimal.h"

namespace lens::search {

struct ExchangeInput {
  int64_t smallParameters = 0, largeParameters = 0;
  double smallSampleFlops = 0;    // one sample of the small model per problem (mean)
  double largeFlops = 0;          // one sample of the large model per problem (mean)
  double largeAccuracy = 0;       // its pass@1
  std::vector<double> largeByBin;  // per bin 1..5 (NaN when empty)
  std::vector<FrontierPoint> smallFrontier;  // budget, accuracy, mean FLOPs and by bin
  // Optional, for paired intervals: per problem (the frontier's perProblem order) the large
  // model's pass@1 (NaN where it did not run the problem) and the problem's bin (1..5, 0: none).
  std::vector<double> largePerProblem;
  std::vector<int> problemBins;
  // Each model's pretraining examples (steps × batch, from its ComputeLens manifest.json; 0: not
  // recorded, e.g. a checkpoint trained elsewhere). The formula assumes equal pretraining tokens.
  int64_t smallExamples = 0, largeExamples = 0;
};

// small − large on the problems both ran, with the 95 % paired-bootstrap interval over problems.
struct PairedDifference {
  double difference = std::numeric_limits<double>::quiet_NaN();
  double low = std::numeric_limits<double>::quiet_NaN(), high = std::numeric_limits<double>::quiet_NaN();
  int problems = 0;
  // In percentage points, "+1.2 [-0.4, +2.9]"; empty when there is no difference.
  std::string pointsText() const;
};

struct ExchangeRow {
  double ratio = 0;           // R = D_inference / D_pretrain
  double allowedFlops = 0;    // the small model's matched inference FLOPs per problem
  double multiplier = 0;      // allowedFlops / smallSampleFlops
  int smallBudget = 0;        // the frontier point used (0: none fits)
  double smallFlops = 0;      // its mean FLOPs per problem
  double smallAccuracy = 0;   // NaN when none fits
  double largeAccuracy = 0;
  std::vector<double> smallByBin, largeByBin;
  // The small model's frontier point minus the large model, paired over problems, overall and per
  // bin 1..5 (empty without largePerProblem).
  PairedDifference smallMinusLarge;
  std::vector<PairedDifference> smallMinusLargeByBin;
};

struct ExchangeReport {
  double sizeRatio = 0;  // M = N_large / N_small
  std::vector<ExchangeRow> rows;
  int64_t smallExamples = 0, largeExamples = 0;  // as ExchangeInput's (0: not recorded)
  // How far apart the two pretrainings are, |large − small| / the larger; NaN when either is not
  // recorded. Under 1 %, the exchange's assumption (equal pretraining tokens) holds.
  double pretrainingGap() const;
  enum class Pretraining { NotRecorded, Same, Apart };
  Pretraining pretraining() const;  // the gap read against that 1 %
  // One sentence on that assumption, for reports: held, not held (with both counts), or unknown.
  std::string pretrainingText() const;
  nlohmann::json toJson() const;
};

// The ratios R shown unless others are asked for: few queries, as many inference tokens as
// pretraining tokens, heavy use (the paper's three regimes).
inline const std::vector<double> kDefaultExchangeRatios{0.1, 1, 10};

Result<ExchangeReport> exchangeAnalysis(const ExchangeInput& in, const std::vector<double>& ratios);

}  // namespace lens::search
