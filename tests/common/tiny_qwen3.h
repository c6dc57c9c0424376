// SPDX-License-Identifier: GPL-3.0-or-later
// A tiny Qwen3 checkpoint, written the way transformers 5 saves one (config.json with
// rope_parameters and layer_types, tied embeddings, head_dim apart from hidden / heads, per-head
// q/k RMSNorm weights), with the Qwen2 fixture's tokenizer saved in Qwen3's newer form; and an
// independent reference forward pass in double precision, written from modeling_qwen3.py's
// definition, for the engine to be checked against (no transformers on this machine or in CI).
#pragma once

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "core/common/atomic_file.h"
#include "core/tensor_io/safetensors.h"

namespace lens::test {

// A tokenizer.json in the form tokenizers >= 0.20 saves it (Qwen3's, for one): the BPE model's
// unset strings as "" instead of null, every optional setting written out (null where unset), and
// merges as pairs instead of "a b" strings.
inline nlohmann::json newerTokenizerForm(nlohmann::json t) {
  using json = nlohmann::json;
  json& m = t["model"];
  m["continuing_subword_prefix"] = "";
  m["end_of_word_suffix"] = "";
  m["dropout"] = nullptr;
  if (!m.contains("unk_token")) m["unk_token"] = nullptr;
  for (const char* f : {"fuse_unk", "byte_fallback", "ignore_merges"})
    if (!m.contains(f)) m[f] = false;
  json pairs = json::array();
  bool strings = true;
  for (const auto& mg : m["merges"]) {
    if (!mg.is_string()) {
      strings = false;
      break;
    }
    const std::string s = mg.get<std::string>();
    const size_t sp = s.find(' ');
    pairs.push_back({s.substr(0, sp), s.substr(sp + 1)});
  }
  if (strings) m["merges"] = pairs;
  for (const char* f : {"truncation", "padding", "normalizer", "pre_tokenizer", "post_processor", "decoder"})
    if (!t.contains(f)) t[f] = nullptr;
  for (auto& a : t["added_tokens"])
    for (const char* f : {"single_word", "lstrip", "rstrip", "normalized"})
      if (!a.contains(f)) a[f] = false;
  return t;
}

// Qwen3's tokenizer.json is Qwen2's byte-level BPE (same split pattern) with an NFC normalizer, a
// ByteLevel post-processor and decoder that do not trim offsets, the newer empty-string fields,
// and non-special added tokens (<think> and the like). This is the Qwen2 fixture's vocabulary with
// exactly that header, and "<think>" added (not special) at id `thinkId`.
inline nlohmann::json qwen3Tokenizer(int32_t thinkId) {
  using json = nlohmann::json;
  json t = newerTokenizerForm(json::parse(*readFile(fixture("tok-qwen2/tokenizer.json"))));
  const json byteLevel = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  t["normalizer"] = {{"type", "NFC"}};
  t["pre_tokenizer"]["pretokenizers"][1] = byteLevel;
  t["post_processor"] = byteLevel;
  t["decoder"] = byteLevel;
  t["added_tokens"].push_back({{"id", thinkId}, {"content", "<think>"}, {"single_word", false}, {"lstrip", false},
                               {"rstrip", false}, {"normalized", false}, {"special", false}});
  return t;
}

// Shapes of the tiny Qwen3: q is heads * headDim = 64 wide against hidden 48 (head_dim given apart
// from hidden / heads, as in every real Qwen3), 2 KV heads for 4 query heads.
struct TinyQwen3 {
  static constexpr int64_t vocab = 704, hidden = 48, heads = 4, kvHeads = 2, headDim = 16, ffn = 96, layers = 2;
  static constexpr double theta = 1e6, eps = 1e-6;
  static constexpr int32_t thinkId = 703;  // "<think>", past the BPE vocabulary's 700 ids
  std::map<std::string, std::vector<float>> w;

  explicit TinyQwen3(uint32_t seed = 3) {
    std::mt19937 gen(seed);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    auto rnd = [&](size_t n, float scale, float mean = 0.0f) {
      std::vector<float> v(n);
      for (auto& x : v) x = mean + scale * nd(gen);
      return v;
    };
    const int64_t q = heads * headDim, kv = kvHeads * headDim;
    w["model.embed_tokens.weight"] = rnd(vocab * hidden, 0.5f);
    w["model.norm.weight"] = rnd(hidden, 0.2f, 1.0f);
    for (int64_t l = 0; l < layers; ++l) {
      const std::string p = "model.layers." + std::to_string(l) + ".";
      w[p + "input_layernorm.weight"] = rnd(hidden, 0.2f, 1.0f);
      w[p + "post_attention_layernorm.weight"] = rnd(hidden, 0.2f, 1.0f);
      w[p + "self_attn.q_proj.weight"] = rnd(q * hidden, 0.15f);
      w[p + "self_attn.k_proj.weight"] = rnd(kv * hidden, 0.15f);
      w[p + "self_attn.v_proj.weight"] = rnd(kv * hidden, 0.15f);
      w[p + "self_attn.o_proj.weight"] = rnd(hidden * q, 0.15f);
      w[p + "self_attn.q_norm.weight"] = rnd(headDim, 0.5f, 1.0f);  // far from 1, so a missing norm shows
      w[p + "self_attn.k_norm.weight"] = rnd(headDim, 0.5f, 1.0f);
      w[p + "mlp.gate_proj.weight"] = rnd(ffn * hidden, 0.15f);
      w[p + "mlp.up_proj.weight"] = rnd(ffn * hidden, 0.15f);
      w[p + "mlp.down_proj.weight"] = rnd(hidden * ffn, 0.15f);
    }
  }

  static std::vector<int64_t> shapeOf(const std::string& name) {
    const int64_t q = heads * headDim, kv = kvHeads * headDim;
    auto ends = [&](const char* s) { return name.size() >= std::strlen(s) && name.compare(name.size() - std::strlen(s), std::string::npos, s) == 0; };
    if (name == "model.embed_tokens.weight") return {vocab, hidden};
    if (ends("norm.weight") && (ends("q_norm.weight") || ends("k_norm.weight"))) return {headDim};
    if (ends("layernorm.weight") || name == "model.norm.weight") return {hidden};
    if (ends("q_proj.weight")) return {q, hidden};
    if (ends("k_proj.weight") || ends("v_proj.weight")) return {kv, hidden};
    if (ends("o_proj.weight")) return {hidden, q};
    if (ends("gate_proj.weight") || ends("up_proj.weight")) return {ffn, hidden};
    return {hidden, ffn};  // down_proj
  }

  // config.json as transformers 5.x writes Qwen3Config (null and neutral fields included).
  static nlohmann::json config() {
    return nlohmann::json::parse(R"({
      "architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
      "bos_token_id": null, "dtype": "float32", "eos_token_id": 0, "head_dim": 16, "hidden_act": "silu",
      "hidden_size": 48, "initializer_range": 0.02, "intermediate_size": 96,
      "layer_types": ["full_attention", "full_attention"], "max_position_embeddings": 128,
      "max_window_layers": 28, "model_type": "qwen3", "num_attention_heads": 4, "num_hidden_layers": 2,
      "num_key_value_heads": 2, "pad_token_id": null, "rms_norm_eps": 1e-06,
      "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"}, "sliding_window": null,
      "tie_word_embeddings": true, "transformers_version": "5.17.0", "use_cache": true,
      "use_sliding_window": false, "vocab_size": 704})");
  }

  // Writes config.json, model.safetensors (no lm_head: tied) and tokenizer.json into `dir`.
  void write(const std::string& dir) const {
    std::filesystem::create_directories(dir);
    writeText(dir + "/config.json", config().dump(2));
    writeText(dir + "/tokenizer.json", qwen3Tokenizer(thinkId).dump());
    std::vector<tensor_io::TensorToWrite> out;
    for (const auto& [name, v] : w) out.push_back({name, tensor_io::DType::F32, shapeOf(name), v.data()});
    QVERIFY(tensor_io::writeSafetensors(dir + "/model.safetensors", out).ok());
  }

  // Logits [T][vocab] of `ids`, computed in double precision from the weights, step by step as
  // modeling_qwen3.py defines them: RMSNorm (weight * x / sqrt(mean x^2 + eps)); q, k, v
  // projections; RMSNorm of each query and key head (q_norm / k_norm) *before* RoPE; RoPE by
  // rotate_half with inv_freq = theta^(-2i/D); causal attention with GQA, scale D^-1/2; o_proj;
  // SwiGLU MLP; final norm; the tied embedding as LM head.
  std::vector<std::vector<double>> logits(const std::vector<int32_t>& ids) const {
    const int64_t T = static_cast<int64_t>(ids.size()), q = heads * headDim, kv = kvHeads * headDim, G = heads / kvHeads;
    using Mat = std::vector<std::vector<double>>;
    auto W = [&](const std::string& n) -> const std::vector<float>& { return w.at(n); };
    auto rms = [&](std::vector<double> x, const std::vector<float>& g) {
      double ss = 0;
      for (double v : x) ss += v * v;
      const double r = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + eps);
      for (size_t i = 0; i < x.size(); ++i) x[i] = g[i] * (x[i] * r);
      return x;
    };
    auto linear = [&](const std::vector<double>& x, const std::vector<float>& m, int64_t outDim) {
      std::vector<double> y(outDim, 0.0);
      const int64_t in = static_cast<int64_t>(x.size());
      for (int64_t o = 0; o < outDim; ++o)
        for (int64_t i = 0; i < in; ++i) y[o] += m[o * in + i] * x[i];
      return y;
    };
    auto rope = [&](std::vector<double>& head, int64_t pos) {
      const int64_t half = headDim / 2;
      std::vector<double> out(headDim);
      for (int64_t i = 0; i < headDim; ++i) {
        const double f = std::pow(theta, -2.0 * static_cast<double>(i % half) / static_cast<double>(headDim));
        const double c = std::cos(pos * f), s = std::sin(pos * f);
        const double rot = i < half ? -head[i + half] : head[i - half];
        out[i] = head[i] * c + rot * s;
      }
      head = out;
    };
    Mat x(T);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t i = 0; i < hidden; ++i) x[t].push_back(W("model.embed_tokens.weight")[ids[t] * hidden + i]);
    for (int64_t l = 0; l < layers; ++l) {
      const std::string p = "model.layers." + std::to_string(l) + ".";
      std::vector<Mat> Q(T, Mat(heads)), K(T, Mat(kvHeads)), V(T, Mat(kvHeads));
      for (int64_t t = 0; t < T; ++t) {
        const auto h = rms(x[t], W(p + "input_layernorm.weight"));
        const auto qa = linear(h, W(p + "self_attn.q_proj.weight"), q);
        const auto ka = linear(h, W(p + "self_attn.k_proj.weight"), kv);
        const auto va = linear(h, W(p + "self_attn.v_proj.weight"), kv);
        for (int64_t hd = 0; hd < heads; ++hd) {
          Q[t][hd] = rms(std::vector<double>(qa.begin() + hd * headDim, qa.begin() + (hd + 1) * headDim), W(p + "self_attn.q_norm.weight"));
          rope(Q[t][hd], t);
        }
        for (int64_t hd = 0; hd < kvHeads; ++hd) {
          K[t][hd] = rms(std::vector<double>(ka.begin() + hd * headDim, ka.begin() + (hd + 1) * headDim), W(p + "self_attn.k_norm.weight"));
          rope(K[t][hd], t);
          V[t][hd] = std::vector<double>(va.begin() + hd * headDim, va.begin() + (hd + 1) * headDim);
        }
      }
      for (int64_t t = 0; t < T; ++t) {
        std::vector<double> attn(q, 0.0);
        for (int64_t hd = 0; hd < heads; ++hd) {
          const int64_t g = hd / G;
          std::vector<double> s(t + 1);
          double mx = -1e300;
          for (int64_t j = 0; j <= t; ++j) {
            double d = 0;
            for (int64_t i = 0; i < headDim; ++i) d += Q[t][hd][i] * K[j][g][i];
            s[j] = d / std::sqrt(static_cast<double>(headDim));
            mx = std::max(mx, s[j]);
          }
          double z = 0;
          for (auto& v : s) z += (v = std::exp(v - mx));
          for (int64_t j = 0; j <= t; ++j)
            for (int64_t i = 0; i < headDim; ++i) attn[hd * headDim + i] += s[j] / z * V[j][g][i];
        }
        const auto o = linear(attn, W(p + "self_attn.o_proj.weight"), hidden);
        for (int64_t i = 0; i < hidden; ++i) x[t][i] += o[i];
        const auto h = rms(x[t], W(p + "post_attention_layernorm.weight"));
        const auto gate = linear(h, W(p + "mlp.gate_proj.weight"), ffn);
        auto up = linear(h, W(p + "mlp.up_proj.weight"), ffn);
        for (int64_t i = 0; i < ffn; ++i) up[i] *= gate[i] / (1.0 + std::exp(-gate[i]));
        const auto down = linear(up, W(p + "mlp.down_proj.weight"), hidden);
        for (int64_t i = 0; i < hidden; ++i) x[t][i] += down[i];
      }
    }
    Mat out(T);
    for (int64_t t = 0; t < T; ++t) out[t] = linear(rms(x[t], W("model.norm.weight")), W("model.embed_tokens.weight"), vocab);
    return out;
  }

  // Greedy continuation of `ids` by `n` tokens under the reference (argmax, no EOS stop).
  std::vector<int32_t> greedy(std::vector<int32_t> ids, int n) const {
    std::vector<int32_t> out;
    for (int k = 0; k < n; ++k) {
      const auto last = logits(ids).back();
      const auto best = static_cast<int32_t>(std::max_element(last.begin(), last.end()) - last.begin());
      out.push_back(best);
      ids.push_back(best);
    }
    return out;
  }
};

}  // namespace lens::test
