// SPDX-License-Identifier: GPL-3.0-or-later
// Duo-ify a real checkpoint (Llama / Qwen2 / Mistral): derive a small FFN for every layer from its
// big one, so any Hugging Face model becomes a Duo model whose routes (big, small, skip per token
// and layer) the oracles and routers can explore.
//
// The small module keeps the SwiGLU form with `small` of the big module's intermediate neurons
// (structured pruning): the rows of gate/up and the columns of down for the neurons with the
// highest score, where the score is
//  - weight-norm: ‖gate_i‖·‖up_i‖·‖down_:,i‖ (no data needed), or
//  - activation: mean |silu(gate_i·x)·(up_i·x)| over the FFN inputs x of a calibration text, times
//    ‖down_:,i‖ (the neuron's average contribution to the output).
// Optionally a short distillation follows: per layer, Adam on the small module's weights to match
// the big module's output on the calibration inputs (mean squared error).
// The output folder holds every tensor of the source unchanged (so all-big is the source model
// exactly), the small_mlp.* tensors, config.json with duo_small_intermediate_size, the tokenizer
// files, and duoify.json (method, kept neurons, relative error per layer before/after distillation).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/model/device.h"

namespace lens::model {

struct DuoifyParams {
  std::string source, out;  // model folders
  int64_t small = 0;        // neurons of the small FFN; 0: ratio × intermediate_size
  double ratio = 0.25;
  enum class Method { WeightNorm, Activation } method = Method::Activation;
  // Token sequences whose FFN inputs calibrate the activation score, the error report and the
  // distillation (required unless weight-norm without distillation).
  std::vector<std::vector<int32_t>> calibration;
  int64_t maxCalibrationTokens = 8192;  // per layer
  int64_t distillSteps = 0;
  double distillLr = 1e-3;
  int distillBatch = 512;  // calibration tokens per step
  uint64_t seed = 1;
  DeviceParams device;
};

struct DuoifyLayer {
  std::vector<int64_t> kept;  // the big module's neurons the small one keeps, ascending
  // ‖small(x) − big(x)‖ / ‖big(x)‖ over the calibration inputs (NaN without calibration).
  double errorBefore = 0, errorAfter = 0;
};

struct DuoifyReport {
  int64_t small = 0, intermediate = 0, calibrationTokens = 0;
  std::vector<DuoifyLayer> layers;
  nlohmann::json toJson() const;
};

Result<DuoifyReport> duoify(const DuoifyParams& params, const RunContext* ctx = nullptr);

}  // namespace lens::model
