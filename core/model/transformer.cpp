// SPDX-License-Identifier: GPL-3.0-or-later
// The Llama-family forward pass (Llama, Qwen2, Mistral), written to match Hugging Face
// transformers' modeling_llama.py number for number in float32: RMSNorm in float32, rotate-half
// RoPE with cos/sin computed in float32 (default, linear and llama3 frequency scaling), grouped-query
// attention with a float32 softmax, SwiGLU MLP.
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>

#include "core/model/internal/engine.h"
#include "core/tensor_io/checkpoint.h"

namespace lens::model::internal {

using torch::indexing::Slice;

Error translateTorchError(const std::exception& e, const std::string& where) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e))
    return makeError(ErrorCode::OutOfMemory, where + ": out of device memory: lower the batch size or number of samples, or use --device cpu");
  std::string msg = e.what();
  if (auto nl = msg.find("\nException raised from"); nl != std::string::npos) msg.resize(nl);
  // libtorch's CPU allocator says "DefaultCPUAllocator: not enough memory: you tried to allocate N
  // bytes"; CUDA builds without the typed error say "CUDA out of memory".
  if (msg.find("out of memory") != std::string::npos || msg.find("not enough memory") != std::string::npos ||
      msg.find("can't allocate memory") != std::string::npos || dynamic_cast<const std::bad_alloc*>(&e)) {
    std::string asked;
    if (auto at = msg.find("allocate "); at != std::string::npos) {
      const double bytes = std::strtod(msg.c_str() + at + 9, nullptr);
      if (bytes > 0) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " (an allocation of %.2f GB failed)", bytes / 1e9);
        asked = buf;
      }
    }
    return makeError(ErrorCode::OutOfMemory, where + ": out of memory" + asked + ": lower the batch size or number of samples");
  }
  return makeError(ErrorCode::Internal, where + ": " + msg);
}

torch::Tensor toTorch(const tensor_io::TensorView& t) {
  using tensor_io::DType;
  torch::ScalarType st;
  switch (t.dtype) {
    case DType::F64: st = torch::kFloat64; break;
    case DType::F32: st = torch::kFloat32; break;
    case DType::F16: st = torch::kFloat16; break;
    case DType::BF16: st = torch::kBFloat16; break;
    case DType::I64: st = torch::kInt64; break;
    case DType::I32: st = torch::kInt32; break;
    case DType::I16: st = torch::kInt16; break;
    case DType::I8: st = torch::kInt8; break;
    case DType::U8: st = torch::kUInt8; break;
    case DType::Bool: st = torch::kBool; break;
    default: st = torch::kFloat32;
  }
  // from_blob does not own the mapping and needs no alignment beyond the element's; clone copies.
  return torch::from_blob(const_cast<uint8_t*>(t.data), t.shape, torch::TensorOptions().dtype(st)).clone();
}

torch::ScalarType parseScalarType(const std::string& name) {
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  if (name == "float16" || name == "fp16" || name == "half") return torch::kFloat16;
  return torch::kFloat32;
}

std::string scalarTypeName(torch::ScalarType t) {
  switch (t) {
    case torch::kBFloat16: return "bfloat16";
    case torch::kFloat16: return "float16";
    case torch::kFloat32: return "float32";
    default: return c10::toString(t);
  }
}

torch::Tensor ropeInverseFrequencies(const ModelConfig& c) {
  const int64_t d = c.headDim;
  // As transformers: 1 / base ** (arange(0, d, 2) / d), in float32.
  auto exponent = torch::arange(0, d, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(d);
  auto invFreq = 1.0 / torch::pow(c.rope.theta, exponent);
  if (c.rope.type == "linear") {
    invFreq = invFreq / c.rope.factor;
  } else if (c.rope.type == "llama3") {
    // transformers' _compute_llama3_parameters (Llama 3.1/3.2).
    const double factor = c.rope.factor, lo = c.rope.lowFreqFactor, hi = c.rope.highFreqFactor;
    const double oldCtx = static_cast<double>(c.rope.originalMaxPositions);
    const double lowWavelen = oldCtx / lo, highWavelen = oldCtx / hi;
    auto wavelen = 2 * M_PI / invFreq;
    auto llama = torch::where(wavelen > lowWavelen, invFreq / factor, invFreq);
    auto smooth = (oldCtx / wavelen - lo) / (hi - lo);
    auto smoothed = (1 - smooth) * llama / factor + smooth * llama;
    auto medium = (wavelen >= highWavelen).logical_and(wavelen <= lowWavelen);
    invFreq = torch::where(medium, smoothed, llama);
  }
  // transformers keeps inv_freq in a buffer that is cast with the model: a checkpoint declared as
  // bfloat16/float16 runs with frequencies rounded to that dtype, even when upcast to float32 later.
  // Measured on the tiny-llama fixture (bf16): without this rounding the logits drift from
  // transformers' by up to 1.5e-3 at position 17; with it they agree to 2e-6 at every position.
  if (const auto stored = parseScalarType(c.dtype); stored != torch::kFloat32)
    invFreq = invFreq.to(stored).to(torch::kFloat32);
  return invFreq.contiguous();
}

Engine::Engine(ModelConfig config, Weights weights, torch::Device device, torch::ScalarType dtype)
    : m_config(std::move(config)), m_weights(std::move(weights)), m_device(device), m_dtype(dtype) {
  m_invFreq = ropeInverseFrequencies(m_config).to(m_device);
}

Result<Weights> Engine::loadWeights(const ModelConfig& c, const tensor_io::Checkpoint& ck, torch::Device device,
                                    torch::ScalarType dtype) {
  const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim, f = c.intermediateSize;
  auto get = [&](const std::string& name, std::vector<int64_t> shape) -> Result<torch::Tensor> {
    const tensor_io::TensorView* t = ck.find(name);
    if (!t) return makeError(ErrorCode::InvalidInput, "checkpoint has no tensor '" + name + "' that config.json implies");
    if (t->shape != shape) {
      auto str = [](const std::vector<int64_t>& s) {
        std::string o = "[";
        for (size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
        return o + "]";
      };
      return makeError(ErrorCode::InvalidInput, "tensor '" + name + "' has shape " + str(t->shape) + " but config.json implies " + str(shape));
    }
    if (t->dtype != tensor_io::DType::F32 && t->dtype != tensor_io::DType::F16 && t->dtype != tensor_io::DType::BF16 &&
        t->dtype != tensor_io::DType::F64)
      return makeError(ErrorCode::Unsupported, "tensor '" + name + "' has dtype " + tensor_io::dtypeName(t->dtype) + "; weights must be floating point");
    return toTorch(*t).to(device, dtype);
  };
#define LENS_GET(var, name, ...)          \
  auto var##_r = get(name, __VA_ARGS__);  \
  if (!var##_r) return var##_r.error();   \
  torch::Tensor var = *var##_r;

  Weights w;
  try {
    LENS_GET(embed, "model.embed_tokens.weight", {c.vocabSize, h});
    LENS_GET(norm, "model.norm.weight", {h});
    w.embed = embed;
    w.finalNorm = norm;
    if (c.isRewardModel()) {
      // No LM head: the reward head is loaded by verify::ProcessRewardModel.
    } else if (c.tieEmbeddings) {
      w.lmHead = embed;
    } else {
      LENS_GET(head, "lm_head.weight", {c.vocabSize, h});
      w.lmHead = head;
    }
    for (int64_t i = 0; i < c.numLayers; ++i) {
      const std::string p = "model.layers." + std::to_string(i) + ".";
      LayerWeights L;
      LENS_GET(inNorm, p + "input_layernorm.weight", {h});
      LENS_GET(postNorm, p + "post_attention_layernorm.weight", {h});
      LENS_GET(wq, p + "self_attn.q_proj.weight", {q, h});
      LENS_GET(wk, p + "self_attn.k_proj.weight", {kv, h});
      LENS_GET(wv, p + "self_attn.v_proj.weight", {kv, h});
      LENS_GET(wo, p + "self_attn.o_proj.weight", {h, q});
      LENS_GET(wg, p + "mlp.gate_proj.weight", {f, h});
      LENS_GET(wu, p + "mlp.up_proj.weight", {f, h});
      LENS_GET(wd, p + "mlp.down_proj.weight", {h, f});
      L.inputNorm = inNorm;
      L.postNorm = postNorm;
      L.wqkv = torch::cat({wq, wk, wv}, 0).contiguous();
      L.wo = wo;
      L.wGateUp = torch::cat({wg, wu}, 0).contiguous();
      L.wDown = wd;
      if (c.qkNorm) {
        LENS_GET(qn, p + "self_attn.q_norm.weight", {c.headDim});
        LENS_GET(kn, p + "self_attn.k_norm.weight", {c.headDim});
        L.qNorm = qn;
        L.kNorm = kn;
      }
      if (c.qkvBias) {
        LENS_GET(bq, p + "self_attn.q_proj.bias", {q});
        LENS_GET(bk, p + "self_attn.k_proj.bias", {kv});
        LENS_GET(bv, p + "self_attn.v_proj.bias", {kv});
        L.bqkv = torch::cat({bq, bk, bv}, 0).contiguous();
      }
      if (c.oBias) {
        LENS_GET(bo, p + "self_attn.o_proj.bias", {h});
        L.bo = bo;
      }
      if (c.mlpBias) {
        LENS_GET(bg, p + "mlp.gate_proj.bias", {f});
        LENS_GET(bu, p + "mlp.up_proj.bias", {f});
        LENS_GET(bd, p + "mlp.down_proj.bias", {h});
        L.bGateUp = torch::cat({bg, bu}, 0).contiguous();
        L.bDown = bd;
      }
      if (const int64_t sf = c.duoSmallIntermediateSize, r = c.duoSmallRank; sf > 0 && r > 0) {
        LENS_GET(sga, p + "small_mlp.gate_proj.weight_a", {r, h});
        LENS_GET(sgb, p + "small_mlp.gate_proj.weight_b", {sf, r});
        LENS_GET(sua, p + "small_mlp.up_proj.weight_a", {r, h});
        LENS_GET(sub, p + "small_mlp.up_proj.weight_b", {sf, r});
        LENS_GET(sda, p + "small_mlp.down_proj.weight_a", {r, sf});
        LENS_GET(sdb, p + "small_mlp.down_proj.weight_b", {h, r});
        L.wSmallGateUp = torch::cat({sga, sua}, 0).contiguous();
        L.wSmallGateB = sgb;
        L.wSmallUpB = sub;
        L.wSmallDown = sda;
        L.wSmallDownB = sdb;
      } else if (sf > 0) {
        LENS_GET(sg, p + "small_mlp.gate_proj.weight", {sf, h});
        LENS_GET(su, p + "small_mlp.up_proj.weight", {sf, h});
        LENS_GET(sd, p + "small_mlp.down_proj.weight", {h, sf});
        L.wSmallGateUp = torch::cat({sg, su}, 0).contiguous();
        L.wSmallDown = sd;
      }
      if (const int64_t sf = c.duoSmallIntermediateSize; sf > 0) {
        if (c.mlpBias) {
          LENS_GET(sbg, p + "small_mlp.gate_proj.bias", {sf});
          LENS_GET(sbu, p + "small_mlp.up_proj.bias", {sf});
          LENS_GET(sbd, p + "small_mlp.down_proj.bias", {h});
          L.bSmallGateUp = torch::cat({sbg, sbu}, 0).contiguous();
          L.bSmallDown = sbd;
        }
      }
      w.layers.push_back(std::move(L));
    }
  } catch (const std::exception& e) {
    return translateTorchError(e, "loading weights");
  }
#undef LENS_GET
  return w;
}

Weights Engine::randomWeights(const ModelConfig& c, uint64_t seed, torch::Device device, torch::ScalarType dtype) {
  auto gen = at::detail::createCPUGenerator(seed);
  const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim, f = c.intermediateSize;
  auto rnd = [&](std::vector<int64_t> shape) {
    return (torch::randn(shape, gen, torch::kFloat32) * 0.02).to(device, dtype).contiguous();
  };
  auto ones = [&](int64_t n) { return torch::ones({n}, torch::TensorOptions().device(device).dtype(dtype)); };
  Weights w;
  w.embed = rnd({c.vocabSize, h});
  w.finalNorm = ones(h);
  w.lmHead = c.tieEmbeddings ? w.embed : rnd({c.vocabSize, h});
  for (int64_t i = 0; i < c.numLayers; ++i) {
    LayerWeights L;
    L.inputNorm = ones(h);
    L.postNorm = ones(h);
    L.wqkv = rnd({q + 2 * kv, h});
    L.wo = rnd({h, q});
    L.wGateUp = rnd({2 * f, h});
    L.wDown = rnd({h, f});
    if (c.qkvBias) L.bqkv = rnd({q + 2 * kv});
    if (c.qkNorm) {
      L.qNorm = ones(c.headDim);
      L.kNorm = ones(c.headDim);
    }
    if (c.oBias) L.bo = rnd({h});
    if (c.mlpBias) {
      L.bGateUp = rnd({2 * f});
      L.bDown = rnd({h});
    }
    if (const int64_t sf = c.duoSmallIntermediateSize, r = c.duoSmallRank; sf > 0 && r > 0) {
      L.wSmallGateUp = rnd({2 * r, h});
      L.wSmallGateB = rnd({sf, r});
      L.wSmallUpB = rnd({sf, r});
      L.wSmallDown = rnd({r, sf});
      L.wSmallDownB = rnd({h, r});
    } else if (sf > 0) {
      L.wSmallGateUp = rnd({2 * sf, h});
      L.wSmallDown = rnd({h, sf});
    }
    if (const int64_t sf = c.duoSmallIntermediateSize; sf > 0) {
      if (c.mlpBias) {
        L.bSmallGateUp = rnd({2 * sf});
        L.bSmallDown = rnd({h});
      }
    }
    w.layers.push_back(std::move(L));
  }
  return w;
}

Weights Engine::trainableCopy(const Weights& w) {
  auto c = [](const torch::Tensor& t) { return t.defined() ? t.clone() : t; };
  Weights o;
  o.embed = c(w.embed);
  o.finalNorm = c(w.finalNorm);
  o.lmHead = w.lmHead.defined() && w.lmHead.is_same(w.embed) ? o.embed : c(w.lmHead);
  for (const auto& L : w.layers) {
    LayerWeights n;
    const auto dst = n.slots();
    const auto src = L.slots();
    for (size_t i = 0; i < dst.size(); ++i) *dst[i] = c(*src[i]);
    o.layers.push_back(std::move(n));
  }
  return o;
}

std::vector<torch::Tensor> Engine::parameters(const Weights& w) {
  std::vector<torch::Tensor> out{w.embed, w.finalNorm};
  if (w.lmHead.defined() && !w.lmHead.is_same(w.embed)) out.push_back(w.lmHead);
  for (const auto& L : w.layers)
    for (const auto* t : L.slots())
      if (t->defined()) out.push_back(*t);
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> Engine::exportWeights(const ModelConfig& c, const Weights& w) {
  const int64_t q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
  std::vector<std::pair<std::string, torch::Tensor>> out;
  out.emplace_back("model.embed_tokens.weight", w.embed);
  out.emplace_back("model.norm.weight", w.finalNorm);
  if (!c.tieEmbeddings && w.lmHead.defined()) out.emplace_back("lm_head.weight", w.lmHead);
  auto split = [&](const std::string& prefix, const torch::Tensor& t, std::vector<std::pair<const char*, int64_t>> parts, const char* what) {
    if (!t.defined()) return;
    int64_t at = 0;
    for (auto [name, n] : parts) {
      out.emplace_back(prefix + name + what, t.narrow(0, at, n));
      at += n;
    }
  };
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const auto& L = w.layers[i];
    const std::string p = "model.layers." + std::to_string(i) + ".";
    out.emplace_back(p + "input_layernorm.weight", L.inputNorm);
    out.emplace_back(p + "post_attention_layernorm.weight", L.postNorm);
    split(p + "self_attn.", L.wqkv, {{"q_proj", q}, {"k_proj", kv}, {"v_proj", kv}}, ".weight");
    split(p + "self_attn.", L.bqkv, {{"q_proj", q}, {"k_proj", kv}, {"v_proj", kv}}, ".bias");
    if (L.qNorm.defined()) out.emplace_back(p + "self_attn.q_norm.weight", L.qNorm);
    if (L.kNorm.defined()) out.emplace_back(p + "self_attn.k_norm.weight", L.kNorm);
    out.emplace_back(p + "self_attn.o_proj.weight", L.wo);
    if (L.bo.defined()) out.emplace_back(p + "self_attn.o_proj.bias", L.bo);
    const int64_t f = c.intermediateSize, sf = c.duoSmallIntermediateSize;
    split(p + "mlp.", L.wGateUp, {{"gate_proj", f}, {"up_proj", f}}, ".weight");
    split(p + "mlp.", L.bGateUp, {{"gate_proj", f}, {"up_proj", f}}, ".bias");
    out.emplace_back(p + "mlp.down_proj.weight", L.wDown);
    if (L.bDown.defined()) out.emplace_back(p + "mlp.down_proj.bias", L.bDown);
    if (L.smallIsLowRank()) {
      const int64_t r = c.duoSmallRank;
      split(p + "small_mlp.", L.wSmallGateUp, {{"gate_proj", r}, {"up_proj", r}}, ".weight_a");
      out.emplace_back(p + "small_mlp.gate_proj.weight_b", L.wSmallGateB);
      out.emplace_back(p + "small_mlp.up_proj.weight_b", L.wSmallUpB);
      out.emplace_back(p + "small_mlp.down_proj.weight_a", L.wSmallDown);
      out.emplace_back(p + "small_mlp.down_proj.weight_b", L.wSmallDownB);
    } else {
      split(p + "small_mlp.", L.wSmallGateUp, {{"gate_proj", sf}, {"up_proj", sf}}, ".weight");
      if (L.wSmallDown.defined()) out.emplace_back(p + "small_mlp.down_proj.weight", L.wSmallDown);
    }
    split(p + "small_mlp.", L.bSmallGateUp, {{"gate_proj", sf}, {"up_proj", sf}}, ".bias");
    if (L.bSmallDown.defined()) out.emplace_back(p + "small_mlp.down_proj.bias", L.bSmallDown);
  }
  return out;
}

std::unique_ptr<KvCache> Engine::makeCache(int64_t slots, int64_t capacity) const {
  return std::make_unique<KvCache>(m_config, slots, capacity, options());
}

torch::Tensor Engine::rmsNorm(const torch::Tensor& x, const torch::Tensor& w) const {
  auto xf = x.to(torch::kFloat32);
  auto var = xf.pow(2).mean(-1, /*keepdim=*/true);
  return w * (xf * torch::rsqrt(var + m_config.rmsNormEps)).to(x.scalar_type());
}

torch::Tensor Engine::applyRope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) const {
  const int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  return x * cos + torch::cat({-x2, x1}, -1) * sin;
}

static c10::optional<torch::Tensor> opt(const torch::Tensor& t) {
  return t.defined() ? c10::optional<torch::Tensor>(t) : c10::nullopt;
}

static torch::Tensor swiglu(const torch::Tensor& h, const torch::Tensor& wGateUp, const torch::Tensor& bGateUp,
                            const torch::Tensor& wDown, const torch::Tensor& bDown) {
  const int64_t f = wDown.size(1);
  auto gu = torch::linear(h, wGateUp, opt(bGateUp));
  return torch::linear(torch::silu(gu.narrow(-1, 0, f)) * gu.narrow(-1, f, f), wDown, opt(bDown));
}

// The small FFN of a layer, dense or low-rank (each matrix as two factors: x·Aᵀ·Bᵀ).
static torch::Tensor smallFfn(const torch::Tensor& h, const LayerWeights& L) {
  if (!L.smallIsLowRank()) return swiglu(h, L.wSmallGateUp, L.bSmallGateUp, L.wSmallDown, L.bSmallDown);
  const int64_t r = L.wSmallDown.size(0), sf = L.wSmallGateB.size(0);
  auto low = torch::linear(h, L.wSmallGateUp);  // [.., 2·rank]
  const bool bias = L.bSmallGateUp.defined();
  auto gate = torch::linear(low.narrow(-1, 0, r), L.wSmallGateB, bias ? opt(L.bSmallGateUp.narrow(0, 0, sf)) : c10::nullopt);
  auto up = torch::linear(low.narrow(-1, r, r), L.wSmallUpB, bias ? opt(L.bSmallGateUp.narrow(0, sf, sf)) : c10::nullopt);
  return torch::linear(torch::linear(torch::silu(gate) * up, L.wSmallDown), L.wSmallDownB, opt(L.bSmallDown));
}

torch::Tensor Engine::ffn(size_t l, const torch::Tensor& h, const torch::Tensor& routes) const {
  const LayerWeights& L = m_weights.layers[l];
  if (!routes.defined()) return swiglu(h, L.wGateUp, L.bGateUp, L.wDown, L.bDown);
  TORCH_CHECK(L.hasSmall(), "routes given but the model has no small FFN (not a Duo model)");
  const int64_t hidden = h.size(-1);
  auto flat = h.reshape({-1, hidden});
  auto codes = routes.reshape({-1});
  TORCH_CHECK(codes.size(0) == flat.size(0), "ffn: one route code per token expected");
  auto out = torch::zeros_like(flat);
  auto run = [&](int64_t code, const std::function<torch::Tensor(const torch::Tensor&)>& module) {
    auto idx = (codes == code).nonzero().squeeze(1);
    if (idx.numel() == 0) return;
    out.index_copy_(0, idx, module(flat.index_select(0, idx)));
  };
  run(2, [&](const torch::Tensor& x) { return swiglu(x, L.wGateUp, L.bGateUp, L.wDown, L.bDown); });
  run(1, [&](const torch::Tensor& x) { return smallFfn(x, L); });
  return out.view(h.sizes());
}

torch::Tensor Engine::gatedFfn(size_t l, const torch::Tensor& h, const torch::Tensor& gates) const {
  const LayerWeights& L = m_weights.layers[l];
  TORCH_CHECK(L.hasSmall(), "gates given but the model has no small FFN (not a Duo model)");
  TORCH_CHECK(gates.size(-1) == 3, "gatedFfn: gates must end in a dimension of 3 (skip, small, big)");
  auto big = swiglu(h, L.wGateUp, L.bGateUp, L.wDown, L.bDown);
  auto small = smallFfn(h, L);
  auto g = gates.to(h.scalar_type());
  return small * g.narrow(-1, 1, 1) + big * g.narrow(-1, 2, 1);
}

torch::Tensor Engine::hidden(const ForwardBatch& fb, KvCache& cache, bool allPositions) {
  const ModelConfig& c = m_config;
  const int64_t B = fb.tokens.size(0), T = fb.tokens.size(1);
  const int64_t H = c.numHeads, Hkv = c.numKvHeads, D = c.headDim, G = H / Hkv;
  TORCH_CHECK(static_cast<int64_t>(fb.slots.size()) == B && static_cast<int64_t>(fb.startPos.size()) == B &&
                  static_cast<int64_t>(fb.lengths.size()) == B,
              "forward: slots/startPos/lengths must have one entry per row");

  std::vector<int64_t> posHost(B * T), lastHost(B);
  int64_t keyLen = 0;
  bool contiguous = true;
  for (int64_t b = 0; b < B; ++b) {
    TORCH_CHECK(fb.lengths[b] >= 1 && fb.lengths[b] <= T, "forward: row length out of range");
    TORCH_CHECK(fb.startPos[b] + T <= cache.capacity(), "forward: sequence of ", fb.startPos[b] + T,
                " tokens exceeds the KV cache capacity ", cache.capacity());
    for (int64_t t = 0; t < T; ++t) posHost[b * T + t] = fb.startPos[b] + t;
    keyLen = std::max(keyLen, fb.startPos[b] + fb.lengths[b]);
    lastHost[b] = b * T + fb.lengths[b] - 1;
    contiguous = contiguous && fb.slots[b] == fb.slots[0] + b;
  }
  if (fusedDecodeApplies(fb, T)) {
    auto y = rmsNormRows(decodeLayers(fb, cache, posHost), m_weights.finalNorm, c.rmsNormEps);
    return allPositions ? y.view({B, 1, c.hiddenSize}) : y;
  }
  auto longOpts = torch::TensorOptions().dtype(torch::kInt64);
  auto pos = torch::from_blob(posHost.data(), {B, T}, longOpts).to(m_device, /*non_blocking=*/false, /*copy=*/true);
  auto slotIdx = torch::from_blob(const_cast<int64_t*>(fb.slots.data()), {B}, longOpts).to(m_device, false, true);

  // Rotary tables for exactly these positions, in float32 then cast (as transformers does).
  auto freqs = pos.to(torch::kFloat32).unsqueeze(-1) * m_invFreq;  // [B, T, D/2]
  auto emb = torch::cat({freqs, freqs}, -1);
  auto cos = emb.cos().to(m_dtype).unsqueeze(2);  // [B, T, 1, D]
  auto sin = emb.sin().to(m_dtype).unsqueeze(2);

  // Causal (and sliding-window) mask over cache positions [0, keyLen): [B, 1, 1, T, keyLen].
  auto keyPos = torch::arange(keyLen, longOpts.device(m_device)).view({1, 1, keyLen});
  auto qPos = pos.unsqueeze(-1);
  auto allowed = keyPos <= qPos;
  if (c.slidingWindow) allowed = allowed.logical_and(keyPos > qPos - *c.slidingWindow);
  auto mask = torch::zeros({B, T, keyLen}, torch::TensorOptions().dtype(torch::kFloat32).device(m_device))
                  .masked_fill_(allowed.logical_not(), -std::numeric_limits<float>::infinity())
                  .view({B, 1, 1, T, keyLen});
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));

  if (fb.routes.defined())
    TORCH_CHECK(fb.routes.dim() == 3 && fb.routes.size(0) == B && fb.routes.size(1) == T && fb.routes.size(2) == c.numLayers,
                "forward: routes must be [rows, tokens, layers]");
  auto x = m_weights.embed.index_select(0, fb.tokens.reshape({-1})).view({B, T, c.hiddenSize});
  auto slotCol = slotIdx.view({B, 1});
  for (size_t l = 0; l < m_weights.layers.size(); ++l) {
    const LayerWeights& L = m_weights.layers[l];
    auto h = rmsNorm(x, L.inputNorm);
    auto qkv = torch::linear(h, L.wqkv, opt(L.bqkv));
    auto q = applyRope(headNorm(qkv.narrow(-1, 0, H * D).view({B, T, H, D}), L.qNorm), cos, sin);
    auto k = applyRope(headNorm(qkv.narrow(-1, H * D, Hkv * D).view({B, T, Hkv, D}), L.kNorm), cos, sin);
    auto v = qkv.narrow(-1, (H + Hkv) * D, Hkv * D).view({B, T, Hkv, D});
    // Advanced indices around a slice put the [B, T] index dims first: the target is [B, T, Hkv, D].
    cache.k(l).index_put_({slotCol, Slice(), pos}, k);
    cache.v(l).index_put_({slotCol, Slice(), pos}, v);
    auto keys = contiguous ? cache.k(l).narrow(0, fb.slots[0], B) : cache.k(l).index_select(0, slotIdx);
    auto vals = contiguous ? cache.v(l).narrow(0, fb.slots[0], B) : cache.v(l).index_select(0, slotIdx);
    keys = keys.narrow(2, 0, keyLen);  // [B, Hkv, keyLen, D]
    vals = vals.narrow(2, 0, keyLen);
    // Query heads grouped by the KV head they share: [B, Hkv, G*T, D] (no K/V repetition).
    auto qh = q.permute({0, 2, 1, 3}).reshape({B, Hkv, G * T, D});
    auto scores = torch::matmul(qh, keys.transpose(-1, -2)).mul_(scale).to(torch::kFloat32);
    auto probs = torch::softmax(scores.view({B, Hkv, G, T, keyLen}) + mask, -1).to(m_dtype);
    auto attn = torch::matmul(probs.view({B, Hkv, G * T, keyLen}), vals)  // [B, Hkv, G*T, D]
                    .view({B, H, T, D})
                    .permute({0, 2, 1, 3})
                    .reshape({B, T, H * D});
    x = x + torch::linear(attn, L.wo, opt(L.bo));
    h = rmsNorm(x, L.postNorm);
    if (fb.router) {
      auto r = fb.router(l, h);
      x = x + (r.defined() && r.is_floating_point() ? gatedFfn(l, h, r) : ffn(l, h, r));
    } else {
      x = x + ffn(l, h, fb.routes.defined() ? fb.routes.select(2, static_cast<int64_t>(l)) : torch::Tensor());
    }
  }
  if (!allPositions) {
    auto last = torch::from_blob(lastHost.data(), {B}, longOpts).to(m_device, false, true);
    x = x.reshape({B * T, c.hiddenSize}).index_select(0, last);  // [B, hidden]
  }
  return rmsNorm(x, m_weights.finalNorm);
}

bool Engine::fusedDecodeApplies(const ForwardBatch& fb, int64_t T) const {
  if (T != 1 || !m_decodeKernel || !m_device.is_cpu() || m_dtype != torch::kFloat32) return false;
  if (!torch::GradMode::is_enabled()) return true;
  // With gradients on, only where nothing could want them (the fused operations are not autograd's).
  if (fb.router) return false;
  for (const auto& t : parameters(m_weights))
    if (t.requires_grad()) return false;
  return true;
}

torch::Tensor Engine::decodeLayers(const ForwardBatch& fb, KvCache& cache, const std::vector<int64_t>& positions) {
  const ModelConfig& c = m_config;
  const int64_t B = fb.tokens.size(0), H = c.numHeads, D = c.headDim, hidden = c.hiddenSize;
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  // The residual stream is updated in place (x += attn Wo^T and x += act Wd^T are one product
  // each), and the intermediates live in the cache's scratch matrices: a step allocates only x.
  auto x = m_weights.embed.index_select(0, fb.tokens.reshape({-1}));  // [B, hidden], a fresh tensor
  const int64_t kv = c.numKvHeads * D, f = c.intermediateSize;
  auto h = cache.scratch(0, B, hidden), qkv = cache.scratch(1, B, H * D + 2 * kv), q = cache.scratch(2, B, H * D);
  auto attn = cache.scratch(3, B, H * D), gu = cache.scratch(4, B, 2 * f), act = cache.scratch(5, B, f);
  for (size_t l = 0; l < m_weights.layers.size(); ++l) {
    const LayerWeights& L = m_weights.layers[l];
    rmsNormRows(x, L.inputNorm, c.rmsNormEps, h);
    rowsTimesWeights(h, L.wqkv, L.bqkv, qkv);
    if (L.qNorm.defined()) {  // Qwen3: each query and key head normalised in place before RoPE
      rmsNormRows(qkv.narrow(1, 0, H * D).reshape({B * H, D}), L.qNorm, c.rmsNormEps, q);
      qkv.narrow(1, 0, H * D).copy_(q.view({B, H * D}));
      auto keys = qkv.narrow(1, H * D, kv);
      keys.copy_(rmsNormRows(keys.reshape({B * c.numKvHeads, D}), L.kNorm, c.rmsNormEps).view({B, kv}));
    }
    ropeIntoCache(qkv, fb.slots, positions, m_invFreq, cache.k(l), cache.v(l), H, q);
    decodeAttention(q.view({B, H, D}), cache.k(l), cache.v(l), fb.slots, positions, c.slidingWindow, scale, attn,
                    fb.shared.slot.empty() ? nullptr : &fb.shared);
    rowsTimesWeights(attn, L.wo, L.bo, x, /*accumulate=*/true);
    rmsNormRows(x, L.postNorm, c.rmsNormEps, h);
    torch::Tensor routes = fb.routes.defined() ? fb.routes.select(2, static_cast<int64_t>(l)) : torch::Tensor();
    if (fb.router) {
      auto r = fb.router(l, h.view({B, 1, hidden}));
      x.add_((r.defined() && r.is_floating_point() ? gatedFfn(l, h.view({B, 1, hidden}), r) : ffn(l, h.view({B, 1, hidden}), r)).view({B, hidden}));
    } else if (routes.defined()) {
      x.add_(ffn(l, h, routes.reshape({B})));
    } else {
      rowsTimesWeights(siluMulRows(rowsTimesWeights(h, L.wGateUp, L.bGateUp, gu), act), L.wDown, L.bDown, x, /*accumulate=*/true);
    }
  }
  return x;
}

torch::Tensor Engine::forward(const ForwardBatch& batch, KvCache& cache, bool allLogits, bool logitsInScratch) {
  auto h = hidden(batch, cache, allLogits);
  if (fusedDecodeApplies(batch, batch.tokens.size(1))) {  // [B, hidden] or [B, 1, hidden], float32
    auto sizes = h.sizes().vec();
    const int64_t vocab = m_weights.lmHead.size(0), rows = h.numel() / h.size(-1);
    sizes.back() = vocab;
    const auto out = logitsInScratch ? cache.scratch(KvCache::kLogitsScratch, rows, vocab) : torch::Tensor();
    return rowsTimesWeights(h.reshape({rows, h.size(-1)}), m_weights.lmHead, {}, out).view(sizes);
  }
  return torch::linear(h, m_weights.lmHead).to(torch::kFloat32);
}

}  // namespace lens::model::internal

namespace lens::model::internal {

ContextKv Engine::contextOf(KvCache& cache, int64_t slot, int64_t length) {
  ContextKv out;
  for (size_t l = 0; l < cache.layers(); ++l) {
    out.k.push_back(cache.k(l)[slot].narrow(1, 0, length));  // [kvHeads, length, headDim]
    out.v.push_back(cache.v(l)[slot].narrow(1, 0, length));
  }
  return out;
}

torch::Tensor Engine::routedQueries(const ContextKv& context, const torch::Tensor& queryTokens, const std::vector<int64_t>& queryPos,
                                    const torch::Tensor& candRoutes, bool logits) {
  const ModelConfig& c = m_config;
  const int64_t R = candRoutes.size(0), Q = queryTokens.size(0);
  const int64_t H = c.numHeads, Hkv = c.numKvHeads, D = c.headDim, G = H / Hkv;
  TORCH_CHECK(static_cast<int64_t>(queryPos.size()) == Q, "routedQueries: one position per query token");
  TORCH_CHECK(candRoutes.dim() == 3 && candRoutes.size(1) == Q && candRoutes.size(2) == c.numLayers,
              "routedQueries: routes must be [rows, queries, layers]");
  TORCH_CHECK(static_cast<int64_t>(context.k.size()) == c.numLayers, "routedQueries: context has the wrong number of layers");
  const int64_t ctxLen = context.k[0].size(1);
  auto longOpts = torch::TensorOptions().dtype(torch::kInt64);
  auto pos = torch::from_blob(const_cast<int64_t*>(queryPos.data()), {Q}, longOpts).to(m_device, false, true);

  auto freqs = pos.to(torch::kFloat32).unsqueeze(-1) * m_invFreq;  // [Q, D/2]
  auto emb = torch::cat({freqs, freqs}, -1);
  auto cos = emb.cos().to(m_dtype).view({1, Q, 1, D});
  auto sin = emb.sin().to(m_dtype).view({1, Q, 1, D});
  // A query sees the context strictly before its own position (and its own key, added below).
  auto keyPos = torch::arange(ctxLen, longOpts.device(m_device)).view({1, ctxLen});
  auto qPos = pos.view({Q, 1});
  auto allowed = keyPos < qPos;
  if (c.slidingWindow) allowed = allowed.logical_and(keyPos > qPos - *c.slidingWindow);
  auto mask = torch::zeros({Q, ctxLen}, torch::TensorOptions().dtype(torch::kFloat32).device(m_device))
                  .masked_fill_(allowed.logical_not(), -std::numeric_limits<float>::infinity())
                  .view({1, 1, 1, Q, ctxLen});
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));

  auto x = m_weights.embed.index_select(0, queryTokens).view({1, Q, c.hiddenSize}).expand({R, Q, c.hiddenSize});
  for (size_t l = 0; l < m_weights.layers.size(); ++l) {
    const LayerWeights& L = m_weights.layers[l];
    auto h = rmsNorm(x, L.inputNorm);
    auto qkv = torch::linear(h, L.wqkv, opt(L.bqkv));
    auto q = applyRope(headNorm(qkv.narrow(-1, 0, H * D).view({R, Q, H, D}), L.qNorm), cos, sin);
    auto k = applyRope(headNorm(qkv.narrow(-1, H * D, Hkv * D).view({R, Q, Hkv, D}), L.kNorm), cos, sin);
    auto v = qkv.narrow(-1, (H + Hkv) * D, Hkv * D).view({R, Q, Hkv, D});
    // Heads grouped by their KV head, as in hidden(): head index = kvHead * G + g.
    auto qh = q.view({R, Q, Hkv, G, D}).permute({0, 2, 3, 1, 4});  // [R, Hkv, G, Q, D]
    auto kSelf = k.permute({0, 2, 1, 3}).unsqueeze(2);             // [R, Hkv, 1, Q, D]
    auto vSelf = v.permute({0, 2, 1, 3}).unsqueeze(2);
    auto keys = context.k[l].view({1, Hkv, 1, ctxLen, D});
    auto vals = context.v[l].view({1, Hkv, 1, ctxLen, D});
    auto sCtx = torch::matmul(qh, keys.transpose(-1, -2)).mul_(scale).to(torch::kFloat32) + mask;  // [R, Hkv, G, Q, ctx]
    auto sSelf = (qh * kSelf).sum(-1, /*keepdim=*/true).mul_(scale).to(torch::kFloat32);       // [R, Hkv, G, Q, 1]
    auto probs = torch::softmax(torch::cat({sCtx, sSelf}, -1), -1).to(m_dtype);
    auto attn = torch::matmul(probs.narrow(-1, 0, ctxLen), vals) + probs.narrow(-1, ctxLen, 1) * vSelf;  // [R, Hkv, G, Q, D]
    attn = attn.permute({0, 3, 1, 2, 4}).reshape({R, Q, H * D});
    x = x + torch::linear(attn, L.wo, opt(L.bo));
    h = rmsNorm(x, L.postNorm);
    x = x + ffn(l, h, candRoutes.select(2, static_cast<int64_t>(l)));
  }
  x = rmsNorm(x, m_weights.finalNorm);
  return logits ? torch::linear(x, m_weights.lmHead).to(torch::kFloat32) : x;
}

}  // namespace lens::model::internal
