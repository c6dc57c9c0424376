// SPDX-License-Identifier: GPL-3.0-or-later
// config.json of the decoder-only families ComputeLens runs (Llama, Qwen2, Mistral) and of its own
// Duo models. Unknown architectures and features are refused, naming the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"

namespace lens::model {

struct RopeParams {
  double theta = 10000.0;
  std::string type = "default";  // default | linear | llama3
  double factor = 1.0;
  double lowFreqFactor = 1.0;    // llama3
  double highFreqFactor = 4.0;   // llama3
  int64_t originalMaxPositions = 8192;  // llama3
};

struct ModelConfig {
  std::string architecture;  // "LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM", "MistralForCausalLM"
  std::string modelType;     // "llama", "qwen2", "qwen3", "mistral"
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  int64_t maxPositions = 2048;
  double rmsNormEps = 1e-6;
  RopeParams rope;
  bool tieEmbeddings = false;
  bool qkvBias = false;   // Qwen2: always; Llama: attention_bias
  bool oBias = false;     // Llama attention_bias also biases o_proj
  bool mlpBias = false;   // Llama mlp_bias
  bool qkNorm = false;    // Qwen3: RMSNorm of each query and key head before RoPE
  std::optional<int64_t> slidingWindow;  // Mistral
  std::optional<int32_t> bosTokenId;
  std::vector<int32_t> eosTokenIds;
  std::string dtype;  // as stored: "bfloat16", "float32", ...
  // Duo-LLM (Alizadeh et al. 2024): each layer also has a small FFN ("small_mlp.*" tensors) of this
  // width; 0 for plain models. The big route is exactly the plain architecture, so transformers
  // loads a Duo checkpoint as the all-big model.
  int64_t duoSmallIntermediateSize = 0;
  // A low-rank small FFN (duoify's truncated-SVD method): each of its three matrices W is stored as
  // two factors B·A of this rank ("small_mlp.X_proj.weight_a" [rank, in], "weight_b" [out, rank]);
  // 0: dense small FFN ("small_mlp.X_proj.weight").
  int64_t duoSmallRank = 0;
  // Multiply-adds per token of the small FFN's three matmuls (0 for plain models).
  int64_t smallFfnMacs() const {
    return duoSmallRank > 0 ? 3 * duoSmallRank * (hiddenSize + duoSmallIntermediateSize) : 3 * hiddenSize * duoSmallIntermediateSize;
  }

  // A reward model (Qwen2ForProcessRewardModel): no LM head, a score head instead.
  bool isRewardModel() const { return architecture == "Qwen2ForProcessRewardModel"; }

  // Parses a config.json object. `where` names the file in error messages.
  static Result<ModelConfig> fromJson(const nlohmann::json& j, const std::string& where);
  static Result<ModelConfig> load(const std::string& path);
  // transformers-4 style config.json that fromJson() reads back.
  nlohmann::json toJson() const;

  int64_t parameterCount() const;  // from the shapes the config implies
};

// The object `name` of the config.json in model folder `dir` ("prm", "revision": what ComputeLens's
// own trainers record there), or null when the file, its JSON or the object is missing.
nlohmann::json configSection(const std::string& dir, const std::string& name);

}  // namespace lens::model
