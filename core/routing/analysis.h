// SPDX-License-Identifier: GPL-3.0-or-later
// What an oracle run shows, computed from the store (Duo-LLM's analyses): perplexity vs compute for
// the oracle, random routings, the best of R random routings and the fixed routes; big/small/skip
// usage by layer and big usage by token position per budget; token difficulty and how it relates
// to loss; the hardest tokens. Shared by the CLI (`routing`), the workbench and the findings script.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/model/config.h"
#include "core/store/records.h"

namespace lens::store {
class Store;
}

namespace lens::routing {

struct PolicyPoint {
  std::string policy;       // "oracle", "random", "best-of-R random", "all-big", ...
  std::string budget;       // "k=2", "flops=0.50" or "" for fixed routes
  double flopsPerToken = 0;  // mean matmul FLOPs per token of the routes taken (tokenMatmulFlops)
  double flopsFraction = 0;  // of the all-big route
  double meanLoss = 0;       // nats per token
  double perplexity = 0;     // exp(meanLoss)
  // 95 % percentile-bootstrap interval of meanLoss over the run's sequences (problems): tokens are
  // resampled with their sequence (stats::bootstrapRatio). NaN with fewer than two sequences.
  double lossCiLow = std::numeric_limits<double>::quiet_NaN();
  double lossCiHigh = std::numeric_limits<double>::quiet_NaN();
  // Perplexity is exp(mean loss), so its interval is exp of the loss's (NaN when there is none).
  double perplexityCiLow() const { return std::exp(lossCiLow); }
  double perplexityCiHigh() const { return std::exp(lossCiHigh); }
};

// A paired comparison of two policies on the same tokens: mean loss of `a` − mean loss of `b`, in
// nats per token, with its 95 % bootstrap interval over sequences (both policies resampled
// together, so what the sequences share cancels). Negative: `a` predicts better.
struct LossDifference {
  std::string a, b;  // "oracle k=1", "all-big", "best of 100 random k=1", "router NAME"
  double difference = 0;
  double ciLow = std::numeric_limits<double>::quiet_NaN();
  double ciHigh = std::numeric_limits<double>::quiet_NaN();
};

struct HardToken {
  int64_t unit = 0;
  int64_t position = 0;
  int32_t token = 0, next = 0;
  float difficulty = 0, lossSkip = 0, lossBig = 0, lossOracle = 0;
  std::string route;  // the oracle's route at the largest budget
};

// A token where a trained router and the oracle part ways.
struct RouterToken {
  int64_t unit = 0;
  int64_t position = 0;
  int32_t token = 0, next = 0;
  float routerLoss = 0, oracleLoss = 0, difficulty = 0;
  std::string routerRoute, oracleRoute;
};

// A trained router evaluated on the oracle run's texts, compared with the oracle at the budget whose
// mean cost is nearest to the router's.
struct RouterComparison {
  std::string name;
  PolicyPoint point;
  std::vector<double> bigByLayer, smallByLayer, skipByLayer;
  std::string comparedBudget;
  double oracleFlopsFraction = 0, oracleMeanLoss = 0;
  LossDifference minusOracle;  // router − oracle at comparedBudget, on the same tokens
  std::vector<double> agreementByLayer;  // fraction of positions with the oracle's module at a layer
  double routeAgreement = 0;             // fraction of positions with the oracle's whole route
  // Route agreement for the tokens of low, middle and high oracle difficulty (terciles).
  std::vector<double> agreementByDifficulty;
  std::vector<RouterToken> worst;  // the largest router loss − oracle loss
};

struct RoutingReport {
  int layers = 0;
  std::vector<std::string> budgets;  // labels
  int64_t sequences = 0, positions = 0;
  int randomRoutings = 0;
  std::vector<PolicyPoint> points;
  // [budget][layer]: fraction of positions whose oracle route takes big / small / skip at a layer.
  std::vector<std::vector<double>> bigByLayer, smallByLayer, skipByLayer;
  // [budget][bin]: mean number of big modules per token for scored positions t (counted from the
  // first scored token, i.e. the start of the solution) in [binStart, next binStart).
  std::vector<int64_t> positionBins;
  std::vector<std::vector<double>> bigByPosition;
  std::vector<double> meanDifficulty;  // per budget
  // Loss and difficulty (largest budget): their Pearson correlation, and how many tokens have a
  // high loss (top decile of all-big loss) but a low difficulty (below the median): tokens that are
  // unpredictable rather than hard.
  double lossDifficultyCorrelation = 0;
  int64_t highLossLowGain = 0, highLoss = 0;
  // Routes of the largest budget that skip a layer and then use a later one (not early exit).
  double skipThenComputeFraction = 0;
  std::vector<HardToken> hardest;
  std::vector<RouterComparison> routers;  // the trained routers of the run's spec ("routers")
  // Paired differences with intervals: each oracle budget against all-big and against the best of
  // R random routings at that budget (the routers' come with them).
  std::vector<LossDifference> differences;

  nlohmann::json toJson() const;
};

// The cost model of a run's routes, from the model summary the store keeps for the run.
Result<model::ModelConfig> configFromSummary(const nlohmann::json& summary);

// Reads every routing sequence of the run. `hardest` tokens are kept (by difficulty at the largest
// budget).
Result<RoutingReport> routingReport(store::Store& store, const store::RunRecord& run, int hardest = 20);

// The routes of every scored token of an oracle run for one route set, in run order (sequences
// by unit, tokens by position): what the workbench's whole-run heatmap shows. One byte per token
// and layer, so a million tokens of a 32-layer model take 32 MB.
struct RunRoutes {
  int layers = 0;
  int budgets = 0, routers = 0;      // the run's route sets: oracle budgets, then trained routers
  std::vector<uint8_t> routes;        // [row * layers + layer]: 0 skip, 1 small, 2 big
  std::vector<float> gain;            // [row]: all-skip loss − the route set's loss
  std::vector<int32_t> tokens;        // [row]: the token predicted from (its input)
  std::vector<int64_t> units;         // per sequence: its unit index
  std::vector<int64_t> firstRow;      // per sequence: its first row
  std::vector<int32_t> firstPosition; // per sequence: the token position of its first row
  int64_t rows() const { return static_cast<int64_t>(gain.size()); }
  // The sequence (index into `units`) holding a row; rows must be in [0, rows()).
  size_t sequenceOf(int64_t row) const;
};

// Reads route set `routeSet` (a budget index, or budgets + router index) of every sequence of the
// run; reports progress per sequence and stops with a Cancelled error when asked.
Result<RunRoutes> runRoutes(store::Store& store, int64_t runId, int routeSet, const RunContext* ctx = nullptr);

}  // namespace lens::routing
