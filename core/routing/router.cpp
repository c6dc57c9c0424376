// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/routing/router.h"

#include <c10/core/InferenceMode.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "core/common/atomic_file.h"
#include "core/common/json_number.h"
#include "core/flops/flops.h"
#include "core/model/internal/engine.h"
#include "core/model/model.h"
#include "core/tensor_io/safetensors.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::routing {

using model::internal::Engine;
using model::internal::ForwardBatch;

namespace {

constexpr const char* kWeightsFile = "router.safetensors";
constexpr const char* kManifestFile = "router.json";

std::string layerName(int l, const char* what) { return "router.layers." + std::to_string(l) + "." + what; }

// The router's torch parameters: W [L, 3, hidden], b [L, 3] in float32 on the model's device.
struct Params {
  torch::Tensor w, b;
};

Params toTorch(const Router& r, torch::Device device) {
  Params p;
  p.w = torch::from_blob(const_cast<float*>(r.weight.data()), {r.layers, 3, r.hidden}, torch::kFloat32).clone().to(device);
  p.b = torch::from_blob(const_cast<float*>(r.bias.data()), {r.layers, 3}, torch::kFloat32).clone().to(device);
  return p;
}

void fromTorch(const Params& p, Router& r) {
  auto w = p.w.detach().to(torch::kCPU).contiguous(), b = p.b.detach().to(torch::kCPU).contiguous();
  r.weight.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
  r.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
}

// Logits [..., 3] of layer l's router for FFN inputs h [..., hidden].
torch::Tensor routerLogits(const Params& p, size_t l, const torch::Tensor& h) {
  const auto li = static_cast<int64_t>(l);
  return torch::linear(h.to(torch::kFloat32), p.w[li], p.b[li]);
}

// A right-padded batch of texts: tokens [B, T], next-token targets [B, T] and the mask of scored
// positions [B, T] (position t scored when firstPosition <= t < length - 1).
struct Batch {
  ForwardBatch fb;
  torch::Tensor targets, mask;
};

Batch makeBatch(const std::vector<const RoutedText*>& texts, torch::Device device) {
  int64_t T = 0;
  for (const auto* t : texts) T = std::max<int64_t>(T, static_cast<int64_t>(t->tokens.size()));
  const int64_t B = static_cast<int64_t>(texts.size());
  auto ids = torch::zeros({B, T}, torch::kInt64), tg = torch::zeros({B, T}, torch::kInt64), mk = torch::zeros({B, T}, torch::kFloat32);
  auto a = ids.accessor<int64_t, 2>(), g = tg.accessor<int64_t, 2>();
  auto m = mk.accessor<float, 2>();
  Batch out;
  for (int64_t b = 0; b < B; ++b) {
    const auto& tok = texts[static_cast<size_t>(b)]->tokens;
    const int64_t n = static_cast<int64_t>(tok.size());
    for (int64_t t = 0; t < n; ++t) a[b][t] = tok[static_cast<size_t>(t)];
    for (int64_t t = texts[static_cast<size_t>(b)]->firstPosition; t + 1 < n; ++t) {
      g[b][t] = tok[static_cast<size_t>(t + 1)];
      m[b][t] = 1.0f;
    }
    out.fb.slots.push_back(b);
    out.fb.startPos.push_back(0);
    out.fb.lengths.push_back(n);
  }
  out.fb.tokens = ids.to(device);
  out.targets = tg.to(device);
  out.mask = mk.to(device);
  return out;
}

Status checkTexts(const model::Model& model, const std::vector<RoutedText>& texts) {
  const int64_t V = model.config().vocabSize, maxPos = model.config().maxPositions;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto& t = texts[i];
    const int64_t n = static_cast<int64_t>(t.tokens.size());
    const std::string where = "text " + std::to_string(i);
    if (n < 2) return makeError(ErrorCode::InvalidInput, where + ": fewer than 2 tokens");
    if (n > maxPos) return makeError(ErrorCode::InvalidInput, where + ": " + std::to_string(n) + " tokens exceed the model's " + std::to_string(maxPos) + " positions");
    if (t.firstPosition < 0 || t.firstPosition >= n - 1)
      return makeError(ErrorCode::InvalidInput, where + ": first scored position " + std::to_string(t.firstPosition) + " leaves nothing to score");
    for (int32_t id : t.tokens)
      if (id < 0 || id >= V) return makeError(ErrorCode::InvalidInput, where + ": token id " + std::to_string(id) + " is outside the vocabulary");
  }
  return Status::success();
}

// Relative FFN cost of skip, small and big at one layer (big = 1).
torch::Tensor moduleCosts(const model::ModelConfig& c, torch::Device device) {
  const double big = flops::ffnFlops(c, 2);
  return torch::tensor({0.0, flops::ffnFlops(c, 1) / big, 1.0}, torch::kFloat32).to(device);
}

Result<Router> trainPenalty(model::Model& model, const std::vector<RoutedText>& texts, const RouterTrainParams& p, Router r,
                            const RunContext* ctx, const std::function<void(const RouterStep&)>& onStep) {
  Engine& inference = model.engine();
  const auto& c = inference.config();
  const int L = r.layers;
  Engine eng(c, Engine::trainableCopy(inference.weights()), inference.device(), inference.dtype());
  Params prm = toTorch(r, eng.device());
  prm.w.set_requires_grad(true);
  prm.b.set_requires_grad(true);
  torch::optim::Adam opt({prm.w, prm.b}, torch::optim::AdamOptions(p.lr));
  auto costs = moduleCosts(c, eng.device());
  auto gen = at::detail::createCPUGenerator(p.seed);
  const int64_t n = static_cast<int64_t>(texts.size());
  RouterStep last;
  for (int64_t s = 0; s < p.steps; ++s) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "router training cancelled at step " + std::to_string(s));
    std::vector<const RoutedText*> pick;
    auto idx = torch::randint(n, {std::min<int64_t>(p.batch, n)}, gen, torch::kInt64);
    for (int64_t i = 0; i < idx.size(0); ++i) pick.push_back(&texts[static_cast<size_t>(idx[i].item<int64_t>())]);
    Batch bt = makeBatch(pick, eng.device());
    const int64_t B = bt.fb.tokens.size(0), T = bt.fb.tokens.size(1);
    torch::Tensor cost = torch::zeros({B, T}, torch::TensorOptions().dtype(torch::kFloat32).device(eng.device()));
    bt.fb.router = [&](size_t l, const torch::Tensor& h) {
      auto logits = routerLogits(prm, l, h);
      auto u = torch::rand(logits.sizes(), gen, torch::kFloat32).to(eng.device()).clamp(1e-9, 1.0 - 1e-9);
      auto soft = torch::softmax((logits - torch::log(-torch::log(u))) / p.temperature, -1);
      auto hard = torch::one_hot(soft.argmax(-1), 3).to(torch::kFloat32);
      auto gates = hard - soft.detach() + soft;  // straight-through
      cost = cost + (gates * costs).sum(-1);
      return gates;
    };
    auto cache = eng.makeCache(B, T);
    auto logits = eng.forward(bt.fb, *cache, /*allLogits=*/true);  // [B, T, V]
    auto nll = -torch::log_softmax(logits, -1).gather(-1, bt.targets.unsqueeze(-1)).squeeze(-1);
    const auto scored = bt.mask.sum();
    auto lm = (nll * bt.mask).sum() / scored;
    auto frac = (cost / L * bt.mask).sum() / scored;
    auto loss = lm + p.lambda * frac;
    opt.zero_grad();
    loss.backward();
    opt.step();
    last = {s + 1, loss.item<double>(), lm.item<double>(), frac.item<double>(), 0.0};
    if (onStep) onStep(last);
  }
  fromTorch(prm, r);
  r.manifest["final"] = {{"loss", last.loss}, {"lm_loss", last.lmLoss}, {"cost_fraction", last.costFraction}};
  return r;
}

Result<Router> trainImitation(model::Model& model, const std::vector<RoutedText>& texts, const RouterTrainParams& p, Router r,
                              const RunContext* ctx, const std::function<void(const RouterStep&)>& onStep) {
  Engine& eng = model.engine();
  const int L = r.layers;
  // Features: the FFN inputs along the oracle's routes; targets: the oracle's choices.
  std::vector<torch::Tensor> feats, targets;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "router training cancelled while running oracles");
    if (ctx) ctx->report(static_cast<int64_t>(i), static_cast<int64_t>(texts.size()), "oracle routes to imitate");
    const auto& t = texts[i];
    OracleParams op;
    op.budgets = {p.budget};
    op.scope = p.scope;
    op.randomRoutings = 0;
    op.seed = p.seed + i;
    op.firstPosition = t.firstPosition;
    auto orc = runOracle(model, t.tokens, op, ctx);
    if (!orc) return makeError(orc.error().code, "text " + std::to_string(i) + ": oracle: " + orc.error().message);
    try {
      c10::InferenceMode guard;
      const int64_t T = static_cast<int64_t>(t.tokens.size()), P = orc->positions;
      auto routes = torch::full({1, T, L}, 2, torch::kInt64);  // context and the last token: all big
      auto src = torch::from_blob(orc->routes.data(), {P, L}, torch::kUInt8).to(torch::kInt64);
      routes[0].narrow(0, t.firstPosition, P).copy_(src);
      routes = routes.to(eng.device());
      std::vector<torch::Tensor> hs(static_cast<size_t>(L));
      ForwardBatch fb;
      fb.tokens = torch::tensor(std::vector<int64_t>(t.tokens.begin(), t.tokens.end()), torch::kInt64).view({1, T}).to(eng.device());
      fb.slots = {0};
      fb.startPos = {0};
      fb.lengths = {T};
      fb.router = [&](size_t l, const torch::Tensor& h) {
        hs[l] = h[0].narrow(0, t.firstPosition, P).to(torch::kFloat32).to(torch::kCPU);
        return routes.select(2, static_cast<int64_t>(l))[0].unsqueeze(0);
      };
      auto cache = eng.makeCache(1, T);
      eng.hidden(fb, *cache, /*allPositions=*/false);
      feats.push_back(torch::stack(hs, 1).clone());  // [P, L, hidden]
      targets.push_back(src.clone());                // [P, L]
    } catch (const std::exception& e) {
      return model::internal::translateTorchError(e, "text " + std::to_string(i));
    }
  }
  auto X = torch::cat(feats, 0).to(eng.device()), Y = torch::cat(targets, 0).to(eng.device());  // [N, L, hidden], [N, L]
  Params prm = toTorch(r, eng.device());
  prm.w.set_requires_grad(true);
  prm.b.set_requires_grad(true);
  torch::optim::Adam opt({prm.w, prm.b}, torch::optim::AdamOptions(p.lr));
  RouterStep last;
  for (int64_t s = 0; s < p.steps; ++s) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "router training cancelled at step " + std::to_string(s));
    // Logits [N, L, 3]: layer l's router on layer l's features.
    auto logits = torch::einsum("nlh,lkh->nlk", {X, prm.w}) + prm.b;
    auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, 3}), Y.reshape({-1}));
    opt.zero_grad();
    loss.backward();
    opt.step();
    const double acc = (logits.argmax(-1) == Y).to(torch::kFloat32).mean().item<double>();
    last = {s + 1, loss.item<double>(), 0.0, 0.0, acc};
    if (onStep) onStep(last);
  }
  fromTorch(prm, r);
  // Per-layer agreement with the oracle on the training positions, after training.
  torch::NoGradGuard ng;
  auto logits = torch::einsum("nlh,lkh->nlk", {X, prm.w}) + prm.b;
  auto agree = (logits.argmax(-1) == Y).to(torch::kFloat32).mean(0).to(torch::kCPU);
  std::vector<double> byLayer;
  for (int l = 0; l < L; ++l) byLayer.push_back(agree[l].item<double>());
  r.manifest["final"] = {{"loss", last.loss}, {"accuracy", last.accuracy}, {"accuracy_by_layer", byLayer}, {"positions", X.size(0)}};
  return r;
}

}  // namespace

Result<Router> Router::load(const std::string& dir) {
  const std::string wp = (fs::path(dir) / kWeightsFile).string(), mp = (fs::path(dir) / kManifestFile).string();
  auto text = readFile(mp);
  if (!text) return makeError(text.error().code, dir + ": not a router folder (" + text.error().message + ")");
  Router r;
  try {
    r.manifest = json::parse(*text);
    const auto layers = jsonInteger(r.manifest.at("layers"), 1, 100'000), hidden = jsonInteger(r.manifest.at("hidden"), 1, 1'000'000);
    if (!layers || !hidden) return makeError(ErrorCode::InvalidInput, mp + ": layers and hidden must be positive integers");
    r.layers = static_cast<int>(*layers);
    r.hidden = *hidden;
  } catch (const json::exception& e) {
    return makeError(ErrorCode::InvalidInput, mp + ": " + e.what());
  }
  auto f = tensor_io::SafetensorsFile::open(wp);
  if (!f) return f.error();
  for (int l = 0; l < r.layers; ++l) {
    for (const auto& [what, shape] : std::vector<std::pair<const char*, std::vector<int64_t>>>{{"weight", {3, r.hidden}}, {"bias", {3}}}) {
      const std::string name = layerName(l, what);
      const auto* t = (*f)->find(name);
      if (!t) return makeError(ErrorCode::InvalidInput, wp + ": no tensor '" + name + "'");
      if (t->shape != shape || t->dtype != tensor_io::DType::F32)
        return makeError(ErrorCode::InvalidInput, wp + ": tensor '" + name + "' must be F32 of shape [" +
                                                      (shape.size() == 2 ? "3, " + std::to_string(r.hidden) : std::string("3")) + "]");
      const auto* d = reinterpret_cast<const float*>(t->data);
      auto& dst = std::string(what) == "weight" ? r.weight : r.bias;
      dst.insert(dst.end(), d, d + t->numel());
    }
  }
  return r;
}

Status Router::save(const std::string& dir) const {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return makeError(ErrorCode::Io, dir + ": cannot create the folder: " + ec.message());
  std::vector<tensor_io::TensorToWrite> out;
  for (int l = 0; l < layers; ++l) {
    out.push_back({layerName(l, "weight"), tensor_io::DType::F32, {3, hidden}, weight.data() + static_cast<size_t>(l) * 3 * hidden});
    out.push_back({layerName(l, "bias"), tensor_io::DType::F32, {3}, bias.data() + static_cast<size_t>(l) * 3});
  }
  LENS_TRY_STATUS(tensor_io::writeSafetensors((fs::path(dir) / kWeightsFile).string(), out, {{"format", "computelens-router"}}));
  json m = manifest;
  m["layers"] = layers;
  m["hidden"] = hidden;
  return writeJsonFile((fs::path(dir) / kManifestFile).string(), m);
}

Status Router::checkFits(const model::Model& model, const std::string& where) const {
  const auto& c = model.config();
  if (c.duoSmallIntermediateSize <= 0) return makeError(ErrorCode::InvalidInput, where + ": the model is not a Duo model; routers need small FFNs");
  if (c.numLayers != layers || c.hiddenSize != hidden)
    return makeError(ErrorCode::InvalidInput, where + ": router is for " + std::to_string(layers) + " layers of hidden size " + std::to_string(hidden) +
                                                  ", the model has " + std::to_string(c.numLayers) + " of " + std::to_string(c.hiddenSize));
  return Status::success();
}

Result<Router> trainRouter(model::Model& model, const std::vector<RoutedText>& texts, const RouterTrainParams& p, const RunContext* ctx,
                           const std::function<void(const RouterStep&)>& onStep) {
  const auto& c = model.config();
  if (c.duoSmallIntermediateSize <= 0) return makeError(ErrorCode::InvalidInput, "router training: the model is not a Duo model (no small FFNs)");
  if (texts.empty()) return makeError(ErrorCode::InvalidInput, "router training: no texts to train on");
  LENS_TRY_STATUS(checkTexts(model, texts));
  if (p.steps < 1 || p.batch < 1 || !(p.lr > 0) || !(p.temperature > 0) || p.lambda < 0)
    return makeError(ErrorCode::InvalidInput, "router training: steps, batch, lr and temperature must be positive and lambda non-negative");
  Router r;
  r.layers = static_cast<int>(c.numLayers);
  r.hidden = c.hiddenSize;
  r.weight.assign(static_cast<size_t>(r.layers * 3 * r.hidden), 0.0f);
  r.bias.assign(static_cast<size_t>(r.layers * 3), 0.0f);
  const bool penalty = p.mode == RouterTrainParams::Mode::Penalty;
  // Penalty training starts from the plain model (big everywhere) and lets the penalty take compute
  // away; imitation starts undecided.
  if (penalty)
    for (int l = 0; l < r.layers; ++l) r.bias[static_cast<size_t>(l * 3 + 2)] = 2.0f;
  r.manifest = {{"format", "computelens-router"}, {"mode", penalty ? "penalty" : "imitate"}, {"steps", p.steps}, {"lr", p.lr},
                {"seed", p.seed}, {"texts", texts.size()}, {"input", "ffn input (post-attention norm)"}, {"choices", {"skip", "small", "big"}}};
  if (penalty) {
    r.manifest["lambda"] = p.lambda;
    r.manifest["temperature"] = p.temperature;
    r.manifest["batch"] = p.batch;
  } else {
    r.manifest["budget"] = p.budget.label();
    r.manifest["oracle_scope"] = p.scope == OracleParams::Scope::Sequence ? "sequence" : "token";
  }
  try {
    torch::manual_seed(p.seed);
    return penalty ? trainPenalty(model, texts, p, std::move(r), ctx, onStep) : trainImitation(model, texts, p, std::move(r), ctx, onStep);
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "router training");
  }
}

Result<RouterRun> applyRouter(model::Model& model, const Router& router, const RoutedText& text) {
  LENS_TRY_STATUS(router.checkFits(model, "router"));
  LENS_TRY_STATUS(checkTexts(model, {text}));
  Engine& eng = model.engine();
  RouterRun out;
  out.layers = router.layers;
  out.firstPosition = text.firstPosition;
  try {
    c10::InferenceMode guard;
    const int64_t T = static_cast<int64_t>(text.tokens.size()), P = T - 1 - text.firstPosition;
    Params prm = toTorch(router, eng.device());
    std::vector<torch::Tensor> codes(static_cast<size_t>(router.layers));
    Batch bt = makeBatch({&text}, eng.device());
    bt.fb.router = [&](size_t l, const torch::Tensor& h) {
      codes[l] = routerLogits(prm, l, h).argmax(-1);  // [1, T]
      return codes[l];
    };
    auto cache = eng.makeCache(1, T);
    auto logits = eng.forward(bt.fb, *cache, /*allLogits=*/true);
    auto nll = -torch::log_softmax(logits, -1).gather(-1, bt.targets.unsqueeze(-1)).squeeze(-1)[0].narrow(0, text.firstPosition, P);
    auto routes = torch::stack(codes, -1)[0].narrow(0, text.firstPosition, P).to(torch::kUInt8).to(torch::kCPU).contiguous();
    nll = nll.to(torch::kCPU).contiguous();
    out.routes.assign(routes.data_ptr<uint8_t>(), routes.data_ptr<uint8_t>() + routes.numel());
    out.loss.assign(nll.data_ptr<float>(), nll.data_ptr<float>() + nll.numel());
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "applying the router");
  }
  return out;
}

}  // namespace lens::routing
