// SPDX-License-Identifier: GPL-3.0-or-later
// What the fine-tuning trainers (the PRM, the revision model) share: the optimiser loop over random
// batches, Duo route sampling, and writing the result as a model folder next to its base's files.
// Include only from lens_core .cpp files.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/model/internal/engine.h"
#include "core/train/trainer.h"

namespace lens::train::internal {

// p.steps AdamW steps, each on p.batch examples drawn with replacement from [0, examples) by a CPU
// generator seeded with p.seed (so a run is reproducible), at p.lr under warmupCosineLr(p.warmup,
// p.minLrRatio) with p.weightDecay; gradients clipped to global norm 1. Cancellation stops between
// steps with an error saying at which.
Status adamWLoop(const std::vector<torch::Tensor>& params, size_t examples, const FineTuneParams& p, const RunContext* ctx, const std::string& what,
                 const std::function<torch::Tensor(const std::vector<size_t>& batch)>& loss,
                 const std::function<void(int64_t step, double loss)>& onStep);

// Route codes [B, T, layers] (0 skip, 1 small, 2 big) drawn per token and layer from `mix`: training
// a Duo model this way keeps every route working. Deterministic given the seed.
torch::Tensor sampleRouteCodes(int64_t B, int64_t T, int64_t layers, const RouteMix& mix, uint64_t seed, torch::Device device);

// Writes `weights` (the base's architecture) to outDir as model.safetensors in `saveDtype`, the
// base's config.json after `patchConfig`, and the base's tokenizer.json.
Status saveFineTuned(const model::ModelConfig& config, const model::internal::Weights& weights, const std::string& baseDir,
                     const std::string& outDir, const std::string& saveDtype, const std::function<void(nlohmann::json&)>& patchConfig);

}  // namespace lens::train::internal
