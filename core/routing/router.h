// SPDX-License-Identifier: GPL-3.0-or-later
// Trained routers for Duo models (Alizadeh et al. 2024 §4): one linear router per layer reads the
// FFN input (the post-attention normed hidden state) and picks skip, small or big for each token.
// The model stays frozen; only the routers train, in one of two ways:
//  - penalty: end to end with the LM loss plus λ × the fraction of big-FFN FLOPs the routes use,
//    through straight-through Gumbel-softmax (hard routes forward, soft gradients backward);
//  - imitate: cross-entropy against oracle routes at a budget. The oracle's routes are replayed
//    through the model (teacher forcing) and the routers learn, per layer, the oracle's choice from
//    the hidden state they see. Sequence-scope oracles (the default) make the replayed hidden states
//    exactly the ones the oracle saw.
// At inference a router takes the arg-max module at every layer for every token, the prompt's
// tokens included (a deployable policy: no label is seen). Torch-free interface.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/routing/oracle.h"
#include "core/routing/route.h"

namespace lens::model {
class Model;
}

namespace lens::routing {

struct Router {
  int layers = 0;
  int64_t hidden = 0;
  std::vector<float> weight;  // [layers, 3, hidden]: logits of skip, small, big
  std::vector<float> bias;    // [layers, 3]
  nlohmann::json manifest;    // how it was trained (mode, λ or budget, model, steps, data, metrics)

  // Reads router.safetensors and router.json from a folder; errors name the file and the field.
  static Result<Router> load(const std::string& dir);
  // Writes both files atomically into `dir` (created when missing).
  Status save(const std::string& dir) const;
  // Whether it fits a model: same layer count and hidden size, and the model is a Duo model.
  Status checkFits(const model::Model& model, const std::string& where) const;
};

// A text the routers train or run on: positions >= firstPosition are scored (predict the next
// token); earlier ones are context (a prompt).
struct RoutedText {
  std::vector<int32_t> tokens;
  int64_t firstPosition = 0;
};

struct RouterTrainParams {
  enum class Mode { Penalty, Imitate } mode = Mode::Penalty;
  double lambda = 1.0;       // penalty: weight of the big-FFN FLOPs fraction in the loss
  double temperature = 1.0;  // penalty: Gumbel-softmax temperature
  Budget budget;             // imitate: the oracle budget imitated
  OracleParams::Scope scope = OracleParams::Scope::Sequence;  // imitate: the oracle's scope
  int64_t steps = 200;
  int batch = 8;  // texts per step (penalty); imitation steps are full-batch over all positions
  double lr = 1e-2;
  uint64_t seed = 1;
};

struct RouterStep {
  int64_t step = 0;
  double loss = 0;          // the objective: LM loss + λ·cost (penalty) or route cross-entropy (imitate)
  double lmLoss = 0;        // penalty: the LM loss alone (nats per scored token)
  double costFraction = 0;  // penalty: big-FFN FLOPs fraction of the sampled routes
  double accuracy = 0;      // imitate: fraction of (position, layer) choices that match the oracle
};

// Trains routers for `model` on `texts`. `onStep` sees every step (progress, curves); cancellation
// stops between steps with an error.
Result<Router> trainRouter(model::Model& model, const std::vector<RoutedText>& texts, const RouterTrainParams& params,
                           const RunContext* ctx = nullptr, const std::function<void(const RouterStep&)>& onStep = {});

struct RouterRun {
  int layers = 0;
  int64_t firstPosition = 0;
  std::vector<uint8_t> routes;  // [positions, layers] the routes taken at scored positions
  std::vector<float> loss;      // [positions] cross-entropy on the next token (nats)
};

// Runs the model under the router on one text (every token routed by the router).
Result<RouterRun> applyRouter(model::Model& model, const Router& router, const RoutedText& text);

}  // namespace lens::routing
