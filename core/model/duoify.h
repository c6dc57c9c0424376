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
// Or (svd) the small module keeps all the big module's neurons but each of its three matrices W
// becomes its truncated SVD at rank r, stored as two factors B·A (B = U_r·√S_r, A = √S_r·V_rᵀ), so
// a token costs 3·r·(hidden + intermediate) multiply-adds instead of 3·hidden·intermediate; at full
// rank (min(hidden, intermediate)) it is the big module. The rank defaults to the one whose cost is
// `ratio` of the big module's.
// Optionally a short distillation follows: per layer, Adam on the small module's weights to match
// the big module's output on the calibration inputs (mean squared error).
// The output folder holds every tensor of the source unchanged (so all-big is the source model
// exactly), the small_mlp.* tensors, config.json with duo_small_intermediate_size, the tokenizer
// files, and duoify.json (method, kept neurons, relative error per layer before/after distillation).
// A source that is already a Duo model keeps its big modules and gets the new small modules in
// place of its own (duoify.json: replaced_small_intermediate_size), so small FFNs derived from the
// big ones compare with the ones trained jointly with them, at equal size.
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
  int64_t small = 0;        // neurons of the small FFN; 0: ratio × intermediate_size (pruning methods)
  int64_t rank = 0;         // svd: rank of the factors; 0: the rank that costs ratio × the big FFN
  double ratio = 0.25;
  // Dtype the small modules are stored in: "" or "auto" (the one holding most of the source's
  // weights), "float32", "bfloat16" or "float16".
  std::string smallDtype;
  enum class Method { WeightNorm, Activation, Svd } method = Method::Activation;
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
  std::vector<int64_t> kept;  // the big module's neurons the small one keeps, ascending (pruning)
  // svd: the share of each matrix's squared singular values (its squared Frobenius norm) that the
  // kept rank holds: gate, up, down.
  std::vector<double> energyKept;
  // ‖small(x) − big(x)‖ / ‖big(x)‖ over the calibration inputs (NaN without calibration).
  double errorBefore = 0, errorAfter = 0;
};

struct DuoifyReport {
  int64_t small = 0, intermediate = 0, calibrationTokens = 0;
  int64_t rank = 0;  // svd only
  std::vector<DuoifyLayer> layers;
  nlohmann::json toJson() const;
};

const char* duoifyMethodName(DuoifyParams::Method m);  // "weight-norm", "activation", "svd"
// The svd rank whose cost is `ratio` of the big FFN's: ratio·h·f / (h + f), at least 1, at most min(h, f).
int64_t svdRankForRatio(int64_t hidden, int64_t intermediate, double ratio);

Result<DuoifyReport> duoify(const DuoifyParams& params, const RunContext* ctx = nullptr);

}  // namespace lens::model
