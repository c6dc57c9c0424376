// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/train/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "core/common/atomic_file.h"
#include "core/common/hash.h"
#include "core/common/version.h"
#include "core/flops/flops.h"
#include "core/mathdata/arith.h"
#include "core/mathdata/prompt.h"
#include "core/model/config.h"
#include "core/model/device.h"
#include "core/model/internal/engine.h"
#include "core/tensor_io/safetensors.h"
#include "core/train/byte_tokenizer.h"
#include "core/train/internal/finetune.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::train {

double warmupCosineLr(double lr, int64_t s, int64_t steps, int64_t warmup, double minLrRatio) {
  if (s < warmup) return lr * static_cast<double>(s + 1) / static_cast<double>(warmup);
  const double progress = static_cast<double>(s - warmup) / std::max<double>(1.0, static_cast<double>(steps - warmup));
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
  return lr * (minLrRatio + (1.0 - minLrRatio) * cosine);
}

namespace {

// A training example: token ids (bytes, then EOS) and where the solution starts.
struct Example {
  std::vector<uint8_t> prompt, solution;
};

Example makeExample(const std::string& problem, const std::string& solution) {
  // The raw prompt format of ComputeLens's own models (mathdata/prompt.h).
  const std::string p = mathdata::formatPrompt(problem, mathdata::PromptFormat::Raw, {});
  return {std::vector<uint8_t>(p.begin(), p.end()), std::vector<uint8_t>(solution.begin(), solution.end())};
}

model::ModelConfig modelConfig(const TrainParams& p) {
  model::ModelConfig c;
  c.architecture = "LlamaForCausalLM";
  c.modelType = "llama";
  c.vocabSize = kVocabSize;
  c.hiddenSize = p.shape.hidden;
  c.intermediateSize = p.shape.intermediate;
  c.numLayers = p.shape.layers;
  c.numHeads = p.shape.heads;
  c.numKvHeads = p.shape.kvHeads;
  c.headDim = p.shape.hidden / p.shape.heads;
  c.maxPositions = p.shape.maxPositions;
  c.rmsNormEps = 1e-5;
  c.rope.theta = p.shape.ropeTheta;
  c.tieEmbeddings = true;
  c.eosTokenIds = {kEosId};
  c.dtype = p.saveDtype;
  c.duoSmallIntermediateSize = p.shape.smallIntermediate;
  return c;
}

}  // namespace

struct Trainer::Impl {
  TrainParams params;
  model::ModelConfig config;
  torch::Device device = torch::kCPU;
  std::vector<std::pair<std::string, torch::Tensor>> weights;  // fp32 master copies, HF names
  std::vector<torch::Tensor> adamM, adamV;
  std::vector<bool> decay;
  int64_t step = 0, savedStep = 0;
  double tokens = 0;
  std::vector<store::MetricPoint> history;
  std::vector<Example> train, validation;
  torch::Tensor invFreq;

  torch::Tensor& w(const std::string& name) {
    for (auto& [n, t] : weights)
      if (n == name) return t;
    throw std::runtime_error("no weight " + name);
  }

  void initWeights() {
    const auto& c = config;
    const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
    torch::manual_seed(params.seed);
    const double std0 = 0.02, stdOut = 0.02 / std::sqrt(2.0 * c.numLayers);
    auto normal = [&](std::vector<int64_t> shape, double s) { return torch::randn(shape, torch::kFloat32) * s; };
    auto ones = [&](int64_t n) { return torch::ones({n}, torch::kFloat32); };
    weights.clear();
    weights.emplace_back("model.embed_tokens.weight", normal({c.vocabSize, h}, std0));
    for (int64_t l = 0; l < c.numLayers; ++l) {
      const std::string p = "model.layers." + std::to_string(l) + ".";
      weights.emplace_back(p + "input_layernorm.weight", ones(h));
      weights.emplace_back(p + "self_attn.q_proj.weight", normal({q, h}, std0));
      weights.emplace_back(p + "self_attn.k_proj.weight", normal({kv, h}, std0));
      weights.emplace_back(p + "self_attn.v_proj.weight", normal({kv, h}, std0));
      weights.emplace_back(p + "self_attn.o_proj.weight", normal({h, q}, stdOut));
      weights.emplace_back(p + "post_attention_layernorm.weight", ones(h));
      weights.emplace_back(p + "mlp.gate_proj.weight", normal({c.intermediateSize, h}, std0));
      weights.emplace_back(p + "mlp.up_proj.weight", normal({c.intermediateSize, h}, std0));
      weights.emplace_back(p + "mlp.down_proj.weight", normal({h, c.intermediateSize}, stdOut));
      if (c.duoSmallIntermediateSize > 0) {
        const int64_t s = c.duoSmallIntermediateSize;
        weights.emplace_back(p + "small_mlp.gate_proj.weight", normal({s, h}, std0));
        weights.emplace_back(p + "small_mlp.up_proj.weight", normal({s, h}, std0));
        weights.emplace_back(p + "small_mlp.down_proj.weight", normal({h, s}, stdOut));
      }
    }
    weights.emplace_back("model.norm.weight", ones(h));
  }

  void toDeviceAndOptimizer() {
    adamM.clear();
    adamV.clear();
    decay.clear();
    for (auto& [n, t] : weights) {
      t = t.to(device).set_requires_grad(true);
      adamM.push_back(torch::zeros_like(t).set_requires_grad(false));
      adamV.push_back(torch::zeros_like(t).set_requires_grad(false));
      decay.push_back(t.dim() == 2);
    }
  }

  static torch::Tensor rmsNorm(const torch::Tensor& x, const torch::Tensor& g, double eps) {
    return x * torch::rsqrt(x.pow(2).mean(-1, true) + eps) * g;
  }

  // x: [B, T, heads, hd]; HF rotate_half convention (matches the inference engine).
  torch::Tensor rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) const {
    const int64_t half = x.size(-1) / 2;
    auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
    auto rotated = torch::cat({-x2, x1}, -1);
    return x * cos + rotated * sin;
  }

  // tokens [B, T] int64; routes [B, T, L] int64 (0 skip, 1 small, 2 big) or undefined (all big).
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& routes) {
    const auto& c = config;
    const int64_t B = tokens.size(0), T = tokens.size(1), hd = c.headDim;
    auto x = torch::embedding(w("model.embed_tokens.weight"), tokens);
    auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kFloat32).device(device));
    auto freqs = torch::outer(pos, invFreq);
    auto emb = torch::cat({freqs, freqs}, -1);
    auto cos = emb.cos().view({1, T, 1, hd}), sin = emb.sin().view({1, T, 1, hd});
    auto causal = torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(device)).triu(1);
    for (int64_t l = 0; l < c.numLayers; ++l) {
      const std::string p = "model.layers." + std::to_string(l) + ".";
      auto h = rmsNorm(x, w(p + "input_layernorm.weight"), c.rmsNormEps);
      auto q = torch::matmul(h, w(p + "self_attn.q_proj.weight").t()).view({B, T, c.numHeads, hd});
      auto k = torch::matmul(h, w(p + "self_attn.k_proj.weight").t()).view({B, T, c.numKvHeads, hd});
      auto v = torch::matmul(h, w(p + "self_attn.v_proj.weight").t()).view({B, T, c.numKvHeads, hd});
      q = rope(q, cos, sin).transpose(1, 2);
      k = rope(k, cos, sin).transpose(1, 2);
      v = v.transpose(1, 2);
      const int64_t groups = c.numHeads / c.numKvHeads;
      if (groups > 1) {
        k = k.repeat_interleave(groups, 1);
        v = v.repeat_interleave(groups, 1);
      }
      auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(hd));
      scores = scores.masked_fill(causal, -std::numeric_limits<float>::infinity());
      auto attn = torch::matmul(torch::softmax(scores, -1), v).transpose(1, 2).reshape({B, T, c.numHeads * hd});
      x = x + torch::matmul(attn, w(p + "self_attn.o_proj.weight").t());
      auto h2 = rmsNorm(x, w(p + "post_attention_layernorm.weight"), c.rmsNormEps);
      auto ffn = [&](const std::string& m) {
        auto g = torch::matmul(h2, w(p + m + ".gate_proj.weight").t());
        auto u = torch::matmul(h2, w(p + m + ".up_proj.weight").t());
        return torch::matmul(torch::silu(g) * u, w(p + m + ".down_proj.weight").t());
      };
      auto big = ffn("mlp");
      if (routes.defined() && c.duoSmallIntermediateSize > 0) {
        auto r = routes.select(2, l).unsqueeze(-1);
        auto small = ffn("small_mlp");
        x = x + big * (r == 2).to(big.dtype()) + small * (r == 1).to(small.dtype());
      } else {
        x = x + big;
      }
    }
    x = rmsNorm(x, w("model.norm.weight"), c.rmsNormEps);
    return torch::matmul(x, w("model.embed_tokens.weight").t());
  }

  // Pads a batch; returns tokens [B, T], targets [B, T] and the loss mask over solution tokens.
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> collate(const std::vector<const Example*>& batch) {
    int64_t T = 0;
    for (const auto* e : batch)
      T = std::max<int64_t>(T, static_cast<int64_t>(e->prompt.size() + e->solution.size() + 1));
    T = std::min<int64_t>(T, config.maxPositions + 1);
    const int64_t B = static_cast<int64_t>(batch.size());
    auto ids = torch::full({B, T}, kEosId, torch::kInt64);
    auto mask = torch::zeros({B, T}, torch::kFloat32);
    auto a = ids.accessor<int64_t, 2>();
    auto m = mask.accessor<float, 2>();
    for (int64_t b = 0; b < B; ++b) {
      const auto& e = *batch[static_cast<size_t>(b)];
      int64_t t = 0;
      for (uint8_t c : e.prompt)
        if (t < T) a[b][t++] = c;
      const int64_t solStart = t;
      for (uint8_t c : e.solution)
        if (t < T) a[b][t++] = c;
      if (t < T) a[b][t++] = kEosId;
      // Position t predicts token t+1: the loss covers predictions of solution tokens and EOS.
      for (int64_t k = std::max<int64_t>(solStart - 1, 0); k < t - 1; ++k) m[b][k] = 1.0f;
    }
    auto inputs = ids.narrow(1, 0, T - 1), targets = ids.narrow(1, 1, T - 1);
    return {inputs.to(device), targets.to(device), mask.narrow(1, 0, T - 1).to(device)};
  }

  torch::Tensor sampleRoutes(int64_t B, int64_t T, uint64_t stepSeed) const {
    return internal::sampleRouteCodes(B, T, config.numLayers, params.routes, stepSeed, device);
  }

  // Summed negative log-likelihood of the targets where mask is 1.
  static torch::Tensor maskedNll(const torch::Tensor& logits, const torch::Tensor& targets, const torch::Tensor& mask) {
    auto lp = torch::log_softmax(logits.to(torch::kFloat32), -1);
    return (-lp.gather(-1, targets.unsqueeze(-1)).squeeze(-1) * mask).sum();
  }
  static torch::Tensor maskedLoss(const torch::Tensor& logits, const torch::Tensor& targets, const torch::Tensor& mask) {
    return maskedNll(logits, targets, mask) / mask.sum().clamp_min(1.0);
  }

  // Examples per forward pass: the spec's, else 8 on a CPU (small passes stay in cache: several
  // times faster than one padded pass of 128) and the whole batch on a GPU.
  int64_t microBatch() const {
    if (params.microBatch > 0) return params.microBatch;
    return device.is_cuda() ? params.batch : 8;
  }

  double lrAt(int64_t s) const { return warmupCosineLr(params.lr, s, params.steps, params.warmup, params.minLrRatio); }

  double validationLoss() {
    torch::NoGradGuard ng;
    double sum = 0, n = 0;
    // The examples are sorted by length at open, so a chunk pads little.
    const size_t chunk = static_cast<size_t>(microBatch());
    for (size_t i = 0; i < validation.size(); i += chunk) {
      std::vector<const Example*> batch;
      for (size_t k = i; k < std::min(validation.size(), i + chunk); ++k) batch.push_back(&validation[k]);
      auto [x, y, m] = collate(batch);
      auto loss = maskedLoss(forward(x, torch::Tensor()), y, m);
      const double count = m.sum().item<double>();
      sum += loss.item<double>() * count;
      n += count;
    }
    return n > 0 ? sum / n : 0.0;
  }

  // One optimiser step: AdamW (decoupled weight decay), bias-corrected, after global-norm clipping.
  // The batch's examples are sorted by length and run in micro-batches (microBatch()), each
  // padded only to its own longest example; their gradients add up to the whole batch's (the loss
  // is normalised by the whole batch's solution tokens, and each example keeps the routes it has in
  // one pass), so the step is the same up to rounding, with less padding computed.
  double trainStep() {
    const uint64_t stepSeed = splitmix64(params.seed * 0x100000001b3ULL + static_cast<uint64_t>(step));
    std::vector<const Example*> batch;
    uint64_t s = stepSeed;
    for (int i = 0; i < params.batch; ++i) {
      s = splitmix64(s);
      batch.push_back(&train[s % train.size()]);
    }
    const int64_t B = static_cast<int64_t>(batch.size());
    const int64_t micro = std::min<int64_t>(microBatch(), B);
    std::vector<int64_t> order(static_cast<size_t>(B));
    for (int64_t i = 0; i < B; ++i) order[static_cast<size_t>(i)] = i;
    auto length = [&](int64_t i) { return batch[static_cast<size_t>(i)]->prompt.size() + batch[static_cast<size_t>(i)]->solution.size(); };
    if (micro < B) std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return length(a) < length(b); });
    struct Micro {
      torch::Tensor x, y, m, rows;
    };
    std::vector<Micro> micros;
    int64_t fullT = 0;
    double solutionTokens = 0;
    for (int64_t i = 0; i < B; i += micro) {
      std::vector<const Example*> part;
      std::vector<int64_t> rows;
      for (int64_t k = i; k < std::min(B, i + micro); ++k) {
        part.push_back(batch[static_cast<size_t>(order[static_cast<size_t>(k)])]);
        rows.push_back(order[static_cast<size_t>(k)]);
      }
      auto [x, y, m] = collate(part);
      fullT = std::max<int64_t>(fullT, x.size(1));
      solutionTokens += m.sum().item<double>();
      micros.push_back({x, y, m, torch::tensor(rows, torch::kInt64).to(device)});
    }
    // Routes are drawn for the whole batch (row = the example's place in it), as in one pass.
    auto routes = config.duoSmallIntermediateSize > 0 ? sampleRoutes(B, fullT, splitmix64(stepSeed)) : torch::Tensor();
    for (auto& [n, t] : weights)
      if (t.grad().defined()) t.mutable_grad().zero_();
    double lossSum = 0;
    for (const auto& mb : micros) {
      auto r = routes.defined() ? routes.index_select(0, mb.rows).narrow(1, 0, mb.x.size(1)) : torch::Tensor();
      auto part = maskedNll(forward(mb.x, r), mb.y, mb.m) / std::max(1.0, solutionTokens);
      part.backward();
      lossSum += part.item<double>();
      tokens += static_cast<double>(mb.x.size(0) * mb.x.size(1));  // positions computed (padding included)
    }
    std::vector<torch::Tensor> params_;
    for (auto& [n, t] : weights) params_.push_back(t);
    torch::nn::utils::clip_grad_norm_(params_, params.clip);
    const double lr = lrAt(step), b1 = 0.9, b2 = 0.95, eps = 1e-8;
    const double t1 = static_cast<double>(step + 1);
    const double c1 = 1.0 - std::pow(b1, t1), c2 = 1.0 - std::pow(b2, t1);
    {
      torch::NoGradGuard ng;
      for (size_t i = 0; i < weights.size(); ++i) {
        auto& p = weights[i].second;
        if (!p.grad().defined()) continue;
        const auto& g = p.grad();
        adamM[i].mul_(b1).add_(g, 1 - b1);
        adamV[i].mul_(b2).addcmul_(g, g, 1 - b2);
        if (decay[i]) p.mul_(1.0 - lr * params.weightDecay);
        auto denom = (adamV[i] / c2).sqrt_().add_(eps);
        p.addcdiv_(adamM[i], denom, -lr / c1);
      }
    }
    ++step;
    const double l = lossSum;
    history.push_back({"loss", "train", step, l});
    history.push_back({"lr", "train", step, lr});
    return l;
  }

  Status save() {
    std::error_code ec;
    fs::create_directories(params.outDir, ec);
    if (ec) return makeError(ErrorCode::Io, params.outDir + ": " + ec.message());
    const fs::path dir(params.outDir);
    // 1. The model as every command loads it.
    const auto saveType = model::internal::parseScalarType(params.saveDtype);
    std::vector<torch::Tensor> keep;
    std::vector<tensor_io::TensorToWrite> out;
    auto add = [&](const std::string& name, const torch::Tensor& t, tensor_io::DType dt, torch::ScalarType st) {
      keep.push_back(t.detach().to(torch::kCPU, st).contiguous());
      out.push_back({name, dt, keep.back().sizes().vec(), keep.back().data_ptr()});
    };
    const auto dt = saveType == torch::kBFloat16 ? tensor_io::DType::BF16 : saveType == torch::kFloat16 ? tensor_io::DType::F16 : tensor_io::DType::F32;
    for (auto& [n, t] : weights) add(n, t, dt, saveType);
    LENS_TRY_STATUS(tensor_io::writeSafetensors((dir / "model.safetensors").string(), out, {{"format", "pt"}}));
    auto writeJson = [&](const std::string& name, const json& j) { return writeJsonFile((dir / name).string(), j); };
    LENS_TRY_STATUS(writeJson("config.json", config.toJson()));
    LENS_TRY_STATUS(writeJson("tokenizer.json", byteTokenizerJson()));
    // 2. Everything needed to continue exactly: fp32 weights, Adam moments, step, history.
    keep.clear();
    out.clear();
    for (size_t i = 0; i < weights.size(); ++i) {
      add("param/" + weights[i].first, weights[i].second, tensor_io::DType::F32, torch::kFloat32);
      add("adam_m/" + weights[i].first, adamM[i], tensor_io::DType::F32, torch::kFloat32);
      add("adam_v/" + weights[i].first, adamV[i], tensor_io::DType::F32, torch::kFloat32);
    }
    json hist = json::array();
    for (const auto& h : history) hist.push_back({h.step, h.name, h.split, h.value});
    LENS_TRY_STATUS(tensor_io::writeSafetensors((dir / "training_state.safetensors").string(), out,
                                                {{"step", std::to_string(step)},
                                                 {"tokens", json(tokens).dump()},
                                                 {"shape", shapeJson().dump()},
                                                 {"seed", std::to_string(params.seed)},
                                                 {"history", hist.dump()}}));
    // 3. The manifest people read.
    json finalMetrics = json::object();
    double recent = 0;
    int n = 0;
    for (auto it = history.rbegin(); it != history.rend() && n < 50; ++it)
      if (it->name == "loss" && it->split == "train") recent += it->value, ++n;
    if (n) finalMetrics["train_loss_last_50"] = recent / n;
    for (auto it = history.rbegin(); it != history.rend(); ++it)
      if (it->split == "validation") {
        finalMetrics["validation_loss"] = it->value;
        break;
      }
    const int64_t params_ = parameterCount();
    json manifest = {{"format", "computelens-training"},
                     {"code_version", versionString()},
                     {"command", params.command},
                     {"seed", params.seed},
                     {"data", {{"source", "builtin:arith"}, {"split", "train"}, {"problems", params.trainProblems},
                               {"prompt_format", "raw"}}},
                     {"shape", shapeJson()},
                     {"parameters", params_},
                     {"steps_done", step},
                     {"steps_total", params.steps},
                     {"batch", params.batch},
                     {"micro_batch", microBatch()},
                     {"tokens", tokens},
                     {"training_flops", flops::trainingFlops(params_, tokens)},
                     {"optimizer", {{"name", "AdamW"}, {"lr", params.lr}, {"betas", {0.9, 0.95}}, {"weight_decay", params.weightDecay},
                                    {"warmup", params.warmup}, {"schedule", "cosine"}, {"min_lr_ratio", params.minLrRatio},
                                    {"clip", params.clip}}},
                     {"routes", {{"big", params.routes.big}, {"small", params.routes.small}, {"skip", params.routes.skip}}},
                     {"device", device.str()},
                     {"final_metrics", finalMetrics}};
    LENS_TRY_STATUS(writeJson("manifest.json", manifest));
    savedStep = step;
    return Status::success();
  }

  json shapeJson() const {
    const auto& s = params.shape;
    return {{"layers", s.layers}, {"hidden", s.hidden}, {"heads", s.heads}, {"kv_heads", s.kvHeads},
            {"intermediate", s.intermediate}, {"small_intermediate", s.smallIntermediate}, {"max_positions", s.maxPositions},
            {"rope_theta", s.ropeTheta}};
  }

  int64_t parameterCount() const {
    int64_t n = 0;
    for (const auto& [name, t] : weights) n += t.numel();
    return n;
  }

  Status resume(const std::string& path) {
    auto f = tensor_io::SafetensorsFile::open(path);
    if (!f) return f.error();
    const auto& meta = (*f)->metadata();
    auto get = [&](const char* k) -> std::string {
      auto it = meta.find(k);
      return it == meta.end() ? std::string() : it->second;
    };
    if (json::parse(get("shape"), nullptr, false) != shapeJson())
      return makeError(ErrorCode::InvalidInput, path + ": the checkpoint's model shape " + get("shape") +
                                                    " differs from the requested " + shapeJson().dump() +
                                                    "; use another output folder or the same shape");
    for (size_t i = 0; i < weights.size(); ++i) {
      for (auto [prefix, target] : {std::pair<const char*, torch::Tensor*>{"param/", &weights[i].second},
                                    {"adam_m/", &adamM[i]}, {"adam_v/", &adamV[i]}}) {
        const auto* t = (*f)->find(prefix + weights[i].first);
        if (!t) return makeError(ErrorCode::InvalidInput, path + ": no tensor " + prefix + weights[i].first);
        torch::NoGradGuard ng;
        target->copy_(model::internal::toTorch(*t).to(device, torch::kFloat32).view(target->sizes()));
      }
    }
    step = savedStep = std::stoll(get("step"));
    tokens = json::parse(get("tokens")).get<double>();
    history.clear();
    for (const auto& h : json::parse(get("history")))
      history.push_back({h[1].get<std::string>(), h[2].get<std::string>(), h[0].get<int64_t>(), h[3].get<double>()});
    return Status::success();
  }
};

Trainer::Trainer() : m(std::make_unique<Impl>()) {}
Trainer::~Trainer() = default;

Result<std::unique_ptr<Trainer>> Trainer::open(const TrainParams& p) {
  const auto& s = p.shape;
  if (s.hidden % s.heads != 0 || s.heads % s.kvHeads != 0 || (s.hidden / s.heads) % 2 != 0)
    return makeError(ErrorCode::InvalidInput, "model shape: hidden must divide into heads of even size, and heads into kv_heads");
  if (p.outDir.empty()) return makeError(ErrorCode::InvalidInput, "training needs an output folder");
  std::unique_ptr<Trainer> t(new Trainer());
  Impl& m = *t->m;
  m.params = p;
  m.config = modelConfig(p);
  try {
    auto dev = model::resolveDevice(p.device);
    if (!dev) return dev.error();
    m.device = torch::Device(dev->device);
    // TF32 tensor cores for the float32 matmuls on Ampere and later (about 10 bits of mantissa in
    // the products, float32 accumulation): several times faster, and training is robust to it.
    if (m.device.is_cuda()) at::globalContext().setAllowTF32CuBLAS(true);
    model::setTorchThreads(p.device.threads);
    m.invFreq = model::internal::ropeInverseFrequencies(m.config).to(m.device);
    auto train = mathdata::arithProblemSet(mathdata::ArithSplit::Train, p.trainProblems);
    if (!train) return train.error();
    for (const auto& q : train->problems) m.train.push_back(makeExample(q.problem, q.solution));
    auto val = mathdata::arithProblemSet(mathdata::ArithSplit::Validation, p.validationProblems);
    if (!val) return val.error();
    for (const auto& q : val->problems) m.validation.push_back(makeExample(q.problem, q.solution));
    std::stable_sort(m.validation.begin(), m.validation.end(), [](const Example& a, const Example& b) {
      return a.prompt.size() + a.solution.size() < b.prompt.size() + b.solution.size();
    });
    m.initWeights();
    m.toDeviceAndOptimizer();
    const fs::path state = fs::path(p.outDir) / "training_state.safetensors";
    if (fs::exists(state)) LENS_TRY_STATUS(m.resume(state.string()));
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "preparing training");
  }
  return t;
}

int64_t Trainer::step() const { return m->step; }
int64_t Trainer::parameterCount() const { return m->parameterCount(); }
double Trainer::trainingFlops() const { return flops::trainingFlops(m->parameterCount(), m->tokens); }
std::string Trainer::device() const { return m->device.str(); }

Result<std::vector<store::MetricPoint>> Trainer::trainUntil(int64_t untilStep, const RunContext& ctx) {
  untilStep = std::min(untilStep, m->params.steps);
  const size_t firstNew = m->history.size();
  try {
    while (m->step < untilStep) {
      if (ctx.cancelled()) {
        // Keep what was trained since the last checkpoint: resuming continues from here.
        if (m->step > m->savedStep) LENS_TRY_STATUS(m->save());
        return makeError(ErrorCode::Cancelled, "training cancelled at step " + std::to_string(m->step));
      }
      const double loss = m->trainStep();
      if (!std::isfinite(loss))
        return makeError(ErrorCode::InvalidInput, "training diverged at step " + std::to_string(m->step) +
                                                      " (loss " + std::to_string(loss) + "); lower lr");
      const bool checkpoint = m->step % m->params.checkpointEvery == 0 || m->step == untilStep;
      if (checkpoint) {
        m->history.push_back({"loss", "validation", m->step, m->validationLoss()});
        LENS_TRY_STATUS(m->save());
      }
      ctx.report(m->step, m->params.steps,
                 "step " + std::to_string(m->step) + "/" + std::to_string(m->params.steps) + ", loss " + std::to_string(loss).substr(0, 6));
    }
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "training step " + std::to_string(m->step));
  }
  return std::vector<store::MetricPoint>(m->history.begin() + static_cast<std::ptrdiff_t>(firstNew), m->history.end());
}

std::vector<store::MetricPoint> Trainer::history(int64_t from, int64_t to) const {
  std::vector<store::MetricPoint> out;
  for (const auto& h : m->history)
    if (h.step > from && h.step <= to) out.push_back(h);
  return out;
}

}  // namespace lens::train
