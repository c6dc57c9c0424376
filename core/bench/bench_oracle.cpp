// SPDX-License-Identifier: GPL-3.0-or-later
#include <cmath>

#include "core/bench/bench.h"
#include "core/model/model.h"
#include "core/routing/oracle.h"

namespace lens::bench {

model::ModelConfig duoBenchShape() {
  model::ModelConfig c;
  c.architecture = "LlamaForCausalLM";
  c.modelType = "llama";
  c.vocabSize = 257;
  c.hiddenSize = 160;
  c.intermediateSize = 480;
  c.duoSmallIntermediateSize = 96;
  c.numLayers = 4;
  c.numHeads = 5;
  c.numKvHeads = 1;
  c.headDim = 32;
  c.maxPositions = 512;
  c.rmsNormEps = 1e-5;
  c.tieEmbeddings = true;
  c.dtype = "float32";
  return c;
}

Result<nlohmann::json> benchOracle(const OracleBenchParams& p, const RunContext* ctx) {
  auto dp = model::resolveDevice(p.device);
  if (!dp) return dp.error();
  if (p.shape.duoSmallIntermediateSize <= 0) return makeError(ErrorCode::InvalidInput, "bench oracle: the shape must be a Duo shape");
  auto m = model::Model::random(p.shape, 99, *dp);
  if (!m) return m.error();
  const int L = static_cast<int>(p.shape.numLayers);
  std::vector<int32_t> tokens(static_cast<size_t>(p.tokens));
  for (int i = 0; i < p.tokens; ++i) tokens[static_cast<size_t>(i)] = (i * 7919 + 13) % static_cast<int>(p.shape.vocabSize);
  std::vector<routing::Route> routes;
  for (int64_t i = 0; i < routing::routeCount(L); ++i) routes.push_back(routing::routeAt(i, L));
  routing::OracleParams op;
  op.budgets = {{routing::Budget::Kind::BigModules, static_cast<double>(L)}};
  op.search = routing::OracleParams::Search::Exhaustive;
  op.exhaustiveLimit = routing::routeCount(L);
  op.randomRoutings = 0;

  Error failure;
  bool failed = false;
  std::vector<float> batchedBest, plainAll;
  if (ctx) ctx->report(0, 2, "batched oracle");
  const double tBatched = medianSeconds(p.repeats, [&] {
    auto r = routing::runOracle(**m, tokens, op);
    if (!r) failure = r.error(), failed = true;
    else batchedBest = r->loss;
  });
  if (ctx) ctx->report(1, 2, "one forward pass per route and token");
  const double tPlain = medianSeconds(std::max(1, p.repeats / 2), [&] {
    auto r = routing::tokenLocalLossesUnbatched(**m, tokens, {}, routes);
    if (!r) failure = r.error(), failed = true;
    else plainAll = std::move(*r);
  });
  if (ctx) ctx->report(2, 2, "done");
  if (failed) return failure;
  // The two must agree: the best loss per token from the plain table equals the batched oracle's.
  const int64_t P = p.tokens - 1;
  double maxDiff = 0;
  for (int64_t t = 0; t < P; ++t) {
    float best = INFINITY;
    for (size_t r = 0; r < routes.size(); ++r) best = std::min(best, plainAll[r * static_cast<size_t>(P) + static_cast<size_t>(t)]);
    maxDiff = std::max(maxDiff, static_cast<double>(std::fabs(best - batchedBest[static_cast<size_t>(t)])));
  }
  const double tokenRoutes = static_cast<double>(routes.size()) * static_cast<double>(P);
  return nlohmann::json{{"benchmark", "exhaustive token-local oracle"},
                        {"machine", machineDescription(*dp)},
                        {"parameters", (*m)->parameterCount()},
                        {"layers", L},
                        {"routes", routes.size()},
                        {"tokens", p.tokens},
                        {"token_routes", tokenRoutes},
                        {"seconds_batched", tBatched},
                        {"seconds_one_forward_per_route", tPlain},
                        {"speedup_batched", tPlain / tBatched},
                        {"token_routes_per_second_batched", tokenRoutes / tBatched},
                        {"token_routes_per_second_unbatched", tokenRoutes / tPlain},
                        {"max_abs_difference_of_best_losses", maxDiff}};
}

}  // namespace lens::bench
