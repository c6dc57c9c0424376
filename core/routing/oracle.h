// SPDX-License-Identifier: GPL-3.0-or-later
// Routing oracles (Duo-LLM, Alizadeh et al. 2024 §3): for each token of a sequence and each budget,
// the route that minimises that token's cross-entropy on the true next token. The oracle sees the
// label, so it bounds what any router could do; it is not a deployable method.
//
// Scopes:
//  - token: only the scored token's route changes; the context keeps a reference route (all big by
//    default), computed once and shared by every candidate route of every token.
//  - sequence: greedy left to right; each token's chosen route becomes part of the context of the
//    tokens after it (one context per budget).
// Search: exhaustive over all 3^layers routes when that is at most `exhaustiveLimit` (routes go in
// the batch dimension), else a beam search over layers (layer by layer, keeping the `beamWidth`
// best partial routes per token; undecided layers take the small module, or skip under a FLOPs
// budget).
// Baselines on the same tokens: the fixed routes all-skip, all-small and all-big; and R random
// routings per budget (every token an independent random route at that budget), reported as their
// mean and as the best of the R (the routing with the lowest mean loss over the sequence). In token
// scope the baselines use the same shared context as the oracle; in sequence scope they are whole
// forward passes in which every token's route also shapes the context.
#pragma once

#include <cstdint>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/routing/route.h"

namespace lens::model {
class Model;
}

namespace lens::routing {

struct OracleParams {
  std::vector<Budget> budgets;
  enum class Scope { Token, Sequence } scope = Scope::Token;
  enum class Search { Auto, Exhaustive, Beam } search = Search::Auto;
  int beamWidth = 4;
  int64_t exhaustiveLimit = 6561;  // 3^8
  Route reference;                 // token scope's context route; empty = all big
  int randomRoutings = 100;        // R (the paper's best-of-100 random routings)
  uint64_t seed = 1;
  int64_t chunkElements = int64_t{1} << 24;  // bounds the activations of one batched call
  // Positions before this one are context only (e.g. the prompt before a solution): they take the
  // reference route and are not scored.
  int64_t firstPosition = 0;
};

inline constexpr int kFixedRoutes = 3;  // all-skip, all-small, all-big
const char* fixedRouteName(int i);      // "all-skip", "all-small", "all-big"

struct SequenceOracle {
  int layers = 0;
  int budgets = 0;
  int64_t positions = 0;              // scored positions: tokens - 1 - firstPosition
  int64_t firstPosition = 0;          // row i of the arrays is token firstPosition + i predicting the next
  std::vector<uint8_t> routes;        // [positions, budgets, layers] best route per budget
  std::vector<float> loss;            // [positions, budgets] its loss (nats)
  std::vector<float> fixedLoss;       // [positions, kFixedRoutes]
  std::vector<float> randomLoss;      // [positions, budgets] mean over the R random routings
  std::vector<float> bestRandomLoss;  // [positions, budgets] under the best of the R routings
  int64_t tokenRoutesEvaluated = 0;   // (token, route) pairs the search evaluated
  bool exhaustive = false;

  // Token difficulty (the paper's sense): how much the token gains from compute, the loss drop from
  // the cheapest route (all skip) to the oracle's best route within budget b (row i).
  float difficulty(int64_t i, int b) const { return fixedLoss[i * kFixedRoutes + 0] - loss[i * budgets + b]; }
};

Result<SequenceOracle> runOracle(model::Model& model, const std::vector<int32_t>& tokens, const OracleParams& params,
                                 const RunContext* ctx = nullptr);

// The same token-local losses computed the plain way, one forward pass per (route, token): for each
// position the reference context is taken from a KV cache and the token runs alone along each
// route. Returns [routes.size(), tokens - 1] row-major. The reference that the batched oracle is
// tested and benchmarked against.
Result<std::vector<float>> tokenLocalLossesUnbatched(model::Model& model, const std::vector<int32_t>& tokens, const Route& reference,
                                                     const std::vector<Route>& routes);

}  // namespace lens::routing
