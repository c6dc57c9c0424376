// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/model/config.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "core/common/atomic_file.h"
#include "core/common/json_field.h"
#include "core/common/json_number.h"

namespace lens::model {
namespace {

using json = nlohmann::json;

Error field(const std::string& where, const std::string& name, const std::string& what, ErrorCode code = ErrorCode::InvalidInput) {
  return makeError(code, where + ": field '" + name + "' " + what);
}

// Reads an integer field within [lo, hi]; `fallback` when it is absent or null, and an error
// naming the field when it is absent without a fallback or is not such an integer.
Result<int64_t> integerField(const json& j, const std::string& where, const char* name, std::optional<int64_t> fallback,
                             int64_t lo, int64_t hi, const std::string& must) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (fallback) return *fallback;
    return field(where, name, "is missing");
  }
  if (auto v = jsonInteger(*it, lo, hi)) return *v;
  return field(where, name, must);
}

// Sizes past these describe no model anyone can load (the largest real ones are far below), and
// bounding them keeps every count derived from them (parameters, cache bytes) inside int64_t.
constexpr int64_t kMaxWidth = int64_t{1} << 20;     // hidden, intermediate, head_dim
constexpr int64_t kMaxCount = 4096;                 // layers, heads
constexpr int64_t kMaxVocab = int64_t{1} << 24;
constexpr int64_t kMaxPositions = int64_t{1} << 27;

Result<int64_t> positive(const json& j, const std::string& where, const char* name, std::optional<int64_t> fallback,
                         int64_t max = kMaxPositions) {
  return integerField(j, where, name, fallback, 1, max,
                      "must be a positive integer no larger than " + std::to_string(max));
}

constexpr int64_t kMaxTokenId = std::numeric_limits<int32_t>::max();


std::vector<int32_t> idList(const json& v) {
  std::vector<int32_t> out;
  if (auto id = jsonInteger(v, 0, kMaxTokenId)) out.push_back(static_cast<int32_t>(*id));
  if (v.is_array())
    for (const auto& x : v)
      if (auto id = jsonInteger(x, 0, kMaxTokenId)) out.push_back(static_cast<int32_t>(*id));
  return out;
}

}  // namespace

Result<ModelConfig> ModelConfig::fromJson(const json& j, const std::string& where) {
  if (!j.is_object()) return makeError(ErrorCode::InvalidInput, where + ": not a JSON object");
  ModelConfig c;
  try {
    std::string arch;
    if (j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty())
      arch = j["architectures"][0].get<std::string>();
    c.modelType = j.value("model_type", "");
    if (arch.empty()) {
      if (c.modelType == "llama") arch = "LlamaForCausalLM";
      else if (c.modelType == "qwen2") arch = "Qwen2ForCausalLM";
      else if (c.modelType == "qwen3") arch = "Qwen3ForCausalLM";
      else if (c.modelType == "mistral") arch = "MistralForCausalLM";
    }
    // Qwen2ForProcessRewardModel (Qwen2.5-Math-PRM) is the Qwen2 trunk with a reward head instead
    // of the LM head; verify::ProcessRewardModel runs it.
    if (arch != "LlamaForCausalLM" && arch != "Qwen2ForCausalLM" && arch != "Qwen3ForCausalLM" && arch != "MistralForCausalLM" &&
        arch != "Qwen2ForProcessRewardModel")
      return field(where, "architectures", "names '" + arch +
                       "', which ComputeLens does not run (supported: LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, "
                       "MistralForCausalLM, Qwen2ForProcessRewardModel)",
                   ErrorCode::Unsupported);
    c.architecture = arch;
    if (c.modelType.empty())
      c.modelType = arch == "LlamaForCausalLM"   ? "llama"
                    : arch == "Qwen3ForCausalLM" ? "qwen3"
                    : arch.rfind("Qwen2", 0) == 0 ? "qwen2"
                                                  : "mistral";

    auto get = [&](const char* name, std::optional<int64_t> fb, int64_t& out, int64_t max) -> Status {
      auto r = positive(j, where, name, fb, max);
      if (!r) return r.error();
      out = *r;
      return Status::success();
    };
    LENS_TRY_STATUS(get("vocab_size", std::nullopt, c.vocabSize, kMaxVocab));
    LENS_TRY_STATUS(get("hidden_size", std::nullopt, c.hiddenSize, kMaxWidth));
    LENS_TRY_STATUS(get("intermediate_size", std::nullopt, c.intermediateSize, kMaxWidth));
    LENS_TRY_STATUS(get("num_hidden_layers", std::nullopt, c.numLayers, kMaxCount));
    LENS_TRY_STATUS(get("num_attention_heads", std::nullopt, c.numHeads, kMaxCount));
    LENS_TRY_STATUS(get("num_key_value_heads", c.numHeads, c.numKvHeads, kMaxCount));
    LENS_TRY_STATUS(get("max_position_embeddings", 2048, c.maxPositions, kMaxPositions));
    if (c.hiddenSize % c.numHeads != 0 && !j.contains("head_dim"))
      return field(where, "hidden_size", "is not divisible by num_attention_heads and no head_dim is given");
    LENS_TRY_STATUS(get("head_dim", c.hiddenSize / c.numHeads, c.headDim, kMaxWidth));
    if (c.numHeads % c.numKvHeads != 0)
      return field(where, "num_key_value_heads", "must divide num_attention_heads");
    if (c.headDim % 2 != 0) return field(where, "head_dim", "must be even for rotary embeddings");

    c.rmsNormEps = jsonValueOr(j, "rms_norm_eps", 1e-6);
    if (!(c.rmsNormEps > 0)) return field(where, "rms_norm_eps", "must be positive");
    std::string act = jsonValueOr(j, "hidden_act", "silu");
    if (act != "silu") return field(where, "hidden_act", "is '" + act + "'; only 'silu' (SwiGLU) is supported", ErrorCode::Unsupported);

    // RoPE: transformers 4 puts rope_theta / rope_scaling at top level; transformers 5 nests them
    // in rope_parameters.
    json rope = json::object();
    if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) rope = j["rope_scaling"];
    if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) rope.update(j["rope_parameters"]);
    c.rope.theta = rope.contains("rope_theta") ? rope["rope_theta"].get<double>() : jsonValueOr(j, "rope_theta", 10000.0);
    if (!(c.rope.theta > 0)) return field(where, "rope_theta", "must be positive");
    c.rope.type = rope.value("rope_type", rope.value("type", std::string("default")));
    if (c.rope.type == "linear") {
      c.rope.factor = rope.value("factor", 1.0);
    } else if (c.rope.type == "llama3") {
      c.rope.factor = rope.value("factor", 8.0);
      c.rope.lowFreqFactor = rope.value("low_freq_factor", 1.0);
      c.rope.highFreqFactor = rope.value("high_freq_factor", 4.0);
      auto original = positive(rope, where + ": rope_scaling", "original_max_position_embeddings", 8192);
      if (!original) return original.error();
      c.rope.originalMaxPositions = *original;
      if (!(c.rope.highFreqFactor > c.rope.lowFreqFactor))
        return field(where, "rope_scaling.high_freq_factor", "must exceed low_freq_factor");
    } else if (c.rope.type != "default") {
      return field(where, "rope_scaling.rope_type", "is '" + c.rope.type + "'; supported: default, linear, llama3", ErrorCode::Unsupported);
    }
    if (!(c.rope.factor > 0)) return field(where, "rope_scaling.factor", "must be positive");

    c.tieEmbeddings = jsonValueOr(j, "tie_word_embeddings", false);
    const bool qwen = c.modelType == "qwen2" || c.modelType == "qwen3";
    if (c.modelType == "qwen2") {
      c.qkvBias = true;
    } else if (c.modelType == "qwen3") {
      // Qwen3: no q/k/v bias unless attention_bias (which also biases o_proj), and an RMSNorm over
      // each head of the queries and keys before RoPE (self_attn.q_norm / k_norm, [head_dim]).
      c.qkvBias = c.oBias = jsonValueOr(j, "attention_bias", false);
      c.qkNorm = true;
    } else {
      c.qkvBias = c.oBias = jsonValueOr(j, "attention_bias", false);
      c.mlpBias = jsonValueOr(j, "mlp_bias", false);
    }
    if (qwen && jsonValueOr(j, "use_sliding_window", false))
      return field(where, "use_sliding_window", "is true; Qwen sliding-window attention is not supported", ErrorCode::Unsupported);
    // transformers 5 lists each layer's attention; all "full_attention" is what we run.
    if (j.contains("layer_types") && j["layer_types"].is_array())
      for (size_t i = 0; i < j["layer_types"].size(); ++i)
        if (const auto& t = j["layer_types"][i]; !t.is_string() || t.get<std::string>() != "full_attention")
          return field(where, "layer_types[" + std::to_string(i) + "]", "is " + t.dump() + "; only \"full_attention\" layers are supported",
                       ErrorCode::Unsupported);
    if (c.modelType == "mistral" && j.contains("sliding_window") && !j["sliding_window"].is_null()) {
      auto window = positive(j, where, "sliding_window", std::nullopt);
      if (!window) return window.error();
      c.slidingWindow = *window;
    }
    if (j.contains("bos_token_id"))
      if (auto id = jsonInteger(j["bos_token_id"], 0, kMaxTokenId)) c.bosTokenId = static_cast<int32_t>(*id);
    if (j.contains("eos_token_id")) c.eosTokenIds = idList(j["eos_token_id"]);
    c.dtype = jsonValueOr(j, "torch_dtype", jsonValueOr(j, "dtype", "float32"));
    if (j.contains("duo_small_intermediate_size")) {
      auto small = integerField(j, where, "duo_small_intermediate_size", std::nullopt, 0, kMaxWidth,
                                "must be a non-negative integer no larger than " + std::to_string(kMaxWidth));
      if (!small) return small.error();
      c.duoSmallIntermediateSize = *small;
    }
    if (j.contains("duo_small_rank") && !j["duo_small_rank"].is_null()) {
      auto rank = integerField(j, where, "duo_small_rank", std::nullopt, 0, kMaxWidth,
                               "must be a non-negative integer no larger than " + std::to_string(kMaxWidth));
      if (!rank) return rank.error();
      if (*rank > 0 && c.duoSmallIntermediateSize <= 0)
        return field(where, "duo_small_rank", "is set but duo_small_intermediate_size is not (a low-rank small FFN needs its width)");
      if (*rank > std::min(c.hiddenSize, c.duoSmallIntermediateSize))
        return field(where, "duo_small_rank", "is " + std::to_string(*rank) + ", more than min(hidden_size, duo_small_intermediate_size) = " +
                                                  std::to_string(std::min(c.hiddenSize, c.duoSmallIntermediateSize)));
      c.duoSmallRank = *rank;
    }
    // Present but neutral (null): accepted; a quantised checkpoint's tensors are not plain floats.
    if (j.contains("quantization_config") && !j["quantization_config"].is_null())
      return field(where, "quantization_config", "is set; quantised checkpoints are not supported (load the unquantised weights)",
                   ErrorCode::Unsupported);
    if (j.contains("pretraining_tp") && !j["pretraining_tp"].is_null() && jsonInteger(j["pretraining_tp"]) != 1)
      return field(where, "pretraining_tp", "is not 1; tensor-parallel checkpoints are not supported", ErrorCode::Unsupported);
  } catch (const json::exception& e) {
    return makeError(ErrorCode::InvalidInput, where + ": a field has the wrong type (" + e.what() + ")");
  }
  return c;
}

Result<ModelConfig> ModelConfig::load(const std::string& path) {
  auto text = readFile(path);
  if (!text) return text.error();
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return makeError(ErrorCode::InvalidInput, path + ": not well-formed JSON");
  return fromJson(j, path);
}

json ModelConfig::toJson() const {
  json j = {{"architectures", {architecture}},
            {"model_type", modelType},
            {"vocab_size", vocabSize},
            {"hidden_size", hiddenSize},
            {"intermediate_size", intermediateSize},
            {"num_hidden_layers", numLayers},
            {"num_attention_heads", numHeads},
            {"num_key_value_heads", numKvHeads},
            {"head_dim", headDim},
            {"max_position_embeddings", maxPositions},
            {"rms_norm_eps", rmsNormEps},
            {"rope_theta", rope.theta},
            {"hidden_act", "silu"},
            {"tie_word_embeddings", tieEmbeddings},
            {"torch_dtype", dtype}};
  if (rope.type != "default") {
    json rs = {{"rope_type", rope.type}, {"factor", rope.factor}};
    if (rope.type == "llama3") {
      rs["low_freq_factor"] = rope.lowFreqFactor;
      rs["high_freq_factor"] = rope.highFreqFactor;
      rs["original_max_position_embeddings"] = rope.originalMaxPositions;
    }
    j["rope_scaling"] = rs;
  }
  if (modelType == "qwen3") {
    j["attention_bias"] = qkvBias;
  } else if (modelType != "qwen2") {
    j["attention_bias"] = qkvBias;
    j["mlp_bias"] = mlpBias;
  }
  if (slidingWindow) j["sliding_window"] = *slidingWindow;
  if (duoSmallIntermediateSize > 0) j["duo_small_intermediate_size"] = duoSmallIntermediateSize;
  if (duoSmallRank > 0) j["duo_small_rank"] = duoSmallRank;
  if (bosTokenId) j["bos_token_id"] = *bosTokenId;
  if (!eosTokenIds.empty()) j["eos_token_id"] = eosTokenIds.size() == 1 ? json(eosTokenIds[0]) : json(eosTokenIds);
  return j;
}

int64_t ModelConfig::parameterCount() const {
  const int64_t h = hiddenSize, q = numHeads * headDim, kv = numKvHeads * headDim, f = intermediateSize;
  int64_t attn = h * q + 2 * h * kv + q * h + (qkvBias ? q + 2 * kv : 0) + (oBias ? h : 0);
  int64_t mlp = 3 * h * f + (mlpBias ? 2 * f + h : 0) + smallFfnMacs();
  int64_t layer = attn + mlp + 2 * h + (qkNorm ? 2 * headDim : 0);
  return numLayers * layer + vocabSize * h * (tieEmbeddings ? 1 : 2) + h;
}

nlohmann::json configSection(const std::string& dir, const std::string& name) {
  auto text = readFile(dir + "/config.json");
  if (!text) return nullptr;
  const auto cfg = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!cfg.is_object() || !cfg.contains(name) || !cfg[name].is_object()) return nullptr;
  return cfg[name];
}

}  // namespace lens::model
