// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/model/duoify.h"

#include <c10/core/InferenceMode.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "core/common/atomic_file.h"
#include "core/model/config.h"
#include "core/model/internal/engine.h"
#include "core/model/model.h"
#include "core/tensor_io/checkpoint.h"
#include "core/tensor_io/safetensors.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::model {

using internal::toTorch;

json DuoifyReport::toJson() const {
  json layersJson = json::array();
  for (const auto& l : layers) {
    auto num = [](double v) { return std::isnan(v) ? json(nullptr) : json(v); };
    layersJson.push_back({{"kept", l.kept}, {"relative_error_before", num(l.errorBefore)}, {"relative_error_after", num(l.errorAfter)}});
  }
  return {{"small_intermediate_size", small}, {"intermediate_size", intermediate}, {"calibration_tokens", calibrationTokens}, {"layers", layersJson}};
}

namespace {

torch::Tensor swiglu(const torch::Tensor& x, const torch::Tensor& g, const torch::Tensor& u, const torch::Tensor& d, const torch::Tensor& bg,
                     const torch::Tensor& bu, const torch::Tensor& bd) {
  auto opt = [](const torch::Tensor& t) { return t.defined() ? c10::optional<torch::Tensor>(t) : c10::nullopt; };
  return torch::linear(torch::silu(torch::linear(x, g, opt(bg))) * torch::linear(x, u, opt(bu)), d, opt(bd));
}

double relativeError(const torch::Tensor& small, const torch::Tensor& big) {
  return ((small - big).norm() / big.norm().clamp_min(1e-30)).item<double>();
}

tensor_io::DType toDType(torch::ScalarType t) {
  return t == torch::kBFloat16 ? tensor_io::DType::BF16 : t == torch::kFloat16 ? tensor_io::DType::F16 : tensor_io::DType::F32;
}

Status copyIfPresent(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (!fs::exists(from, ec)) return Status::success();
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return makeError(ErrorCode::Io, to.string() + ": cannot copy " + from.string() + ": " + ec.message());
  return Status::success();
}

}  // namespace

Result<DuoifyReport> duoify(const DuoifyParams& p, const RunContext* ctx) {
  std::error_code ec;
  if (p.out.empty()) return makeError(ErrorCode::InvalidInput, "duoify: no output folder given");
  if (fs::exists(p.out, ec) && fs::exists(p.source, ec) && fs::equivalent(p.out, p.source, ec))
    return makeError(ErrorCode::InvalidInput, "duoify: the output folder is the source folder; choose another");
  auto cfgJsonText = readFile((fs::path(p.source) / "config.json").string());
  if (!cfgJsonText) return cfgJsonText.error();
  json cfgJson = json::parse(*cfgJsonText, nullptr, false);
  if (cfgJson.is_discarded()) return makeError(ErrorCode::InvalidInput, p.source + "/config.json: not valid JSON");
  auto cfg = ModelConfig::fromJson(cfgJson, p.source + "/config.json");
  if (!cfg) return cfg.error();
  const ModelConfig& c = *cfg;
  if (c.duoSmallIntermediateSize > 0) return makeError(ErrorCode::InvalidInput, p.source + ": already a Duo model (duo_small_intermediate_size is set)");
  if (c.isRewardModel()) return makeError(ErrorCode::InvalidInput, p.source + ": a reward model has no LM to route");
  const int64_t f = c.intermediateSize;
  const int64_t s = p.small > 0 ? p.small : static_cast<int64_t>(std::llround(p.ratio * static_cast<double>(f)));
  if (s < 1 || s > f)
    return makeError(ErrorCode::InvalidInput, "duoify: the small FFN must have 1.." + std::to_string(f) + " neurons (intermediate_size), not " + std::to_string(s));
  const bool needCalibration = p.method == DuoifyParams::Method::Activation || p.distillSteps > 0;
  if (needCalibration && p.calibration.empty())
    return makeError(ErrorCode::InvalidInput, "duoify: the activation score and distillation need calibration text");
  auto ck = tensor_io::Checkpoint::open(p.source);
  if (!ck) return ck.error();

  DuoifyReport rep;
  rep.small = s;
  rep.intermediate = f;
  std::vector<torch::Tensor> keepAlive;
  std::vector<tensor_io::TensorToWrite> out;
  for (const auto* t : ck->tensors()) out.push_back({t->name, t->dtype, t->shape, t->data});
  // The small modules are stored in the dtype holding most of the source's weights.
  const auto sourceType = tensor_io::parseDType(ck->dominantDtype());
  const auto outType = sourceType == tensor_io::DType::BF16 ? torch::kBFloat16 : sourceType == tensor_io::DType::F16 ? torch::kFloat16 : torch::kFloat32;

  try {
    // FFN inputs of every layer along the plain model, over the calibration text.
    std::vector<torch::Tensor> inputs(static_cast<size_t>(c.numLayers));
    if (!p.calibration.empty()) {
      DeviceParams dp = p.device;
      dp.dtype = "float32";
      auto m = Model::load(p.source, dp);
      if (!m) return m.error();
      c10::InferenceMode guard;
      auto& eng = (*m)->engine();
      std::vector<std::vector<torch::Tensor>> chunks(static_cast<size_t>(c.numLayers));
      int64_t tokens = 0;
      for (size_t i = 0; i < p.calibration.size() && tokens < p.maxCalibrationTokens; ++i) {
        if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "duoify cancelled");
        const auto& ids = p.calibration[i];
        const int64_t T = std::min<int64_t>(static_cast<int64_t>(ids.size()), c.maxPositions);
        if (T < 1) continue;
        for (int64_t j = 0; j < T; ++j)
          if (ids[static_cast<size_t>(j)] < 0 || ids[static_cast<size_t>(j)] >= c.vocabSize)
            return makeError(ErrorCode::InvalidInput, "calibration text " + std::to_string(i) + ": token id " + std::to_string(ids[static_cast<size_t>(j)]) + " is outside the vocabulary");
        internal::ForwardBatch fb;
        fb.tokens = torch::tensor(std::vector<int64_t>(ids.begin(), ids.begin() + T), torch::kInt64).view({1, T}).to(eng.device());
        fb.slots = {0};
        fb.startPos = {0};
        fb.lengths = {T};
        fb.router = [&](size_t l, const torch::Tensor& h) {
          chunks[l].push_back(h[0].to(torch::kFloat32).to(torch::kCPU));
          return torch::Tensor();  // big
        };
        auto cache = eng.makeCache(1, T);
        eng.hidden(fb, *cache, /*allPositions=*/false);
        tokens += T;
        if (ctx) ctx->report(tokens, p.maxCalibrationTokens, "calibration");
      }
      for (size_t l = 0; l < chunks.size(); ++l) {
        auto all = torch::cat(chunks[l], 0);
        inputs[l] = all.narrow(0, 0, std::min<int64_t>(all.size(0), p.maxCalibrationTokens));
      }
      rep.calibrationTokens = inputs.empty() ? 0 : inputs[0].size(0);
    }

    auto gen = at::detail::createCPUGenerator(p.seed);
    for (int64_t l = 0; l < c.numLayers; ++l) {
      if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "duoify cancelled");
      if (ctx) ctx->report(l, c.numLayers, "pruning layer " + std::to_string(l));
      const std::string pre = "model.layers." + std::to_string(l) + ".mlp.";
      auto get = [&](const std::string& name) -> torch::Tensor {
        const auto* t = ck->find(pre + name);
        return t ? toTorch(*t).to(torch::kFloat32) : torch::Tensor();
      };
      auto g = get("gate_proj.weight"), u = get("up_proj.weight"), d = get("down_proj.weight");
      if (!g.defined() || !u.defined() || !d.defined())
        return makeError(ErrorCode::InvalidInput, p.source + ": layer " + std::to_string(l) + " lacks mlp.gate_proj/up_proj/down_proj weights");
      torch::Tensor bg, bu, bd;
      if (c.mlpBias) {
        bg = get("gate_proj.bias");
        bu = get("up_proj.bias");
        bd = get("down_proj.bias");
      }
      const auto& x = inputs[static_cast<size_t>(l)];
      torch::Tensor score;
      if (p.method == DuoifyParams::Method::WeightNorm) {
        score = g.norm(2, 1) * u.norm(2, 1) * d.norm(2, 0);
      } else {
        auto opt = [](const torch::Tensor& t) { return t.defined() ? c10::optional<torch::Tensor>(t) : c10::nullopt; };
        auto act = torch::silu(torch::linear(x, g, opt(bg))) * torch::linear(x, u, opt(bu));  // [N, f]
        score = act.abs().mean(0) * d.norm(2, 0);
      }
      auto idx = std::get<0>(std::get<1>(score.topk(s)).sort()).contiguous();  // ascending neuron order
      DuoifyLayer L;
      L.kept.assign(idx.data_ptr<int64_t>(), idx.data_ptr<int64_t>() + idx.numel());
      auto sg = g.index_select(0, idx).clone(), su = u.index_select(0, idx).clone(), sd = d.index_select(1, idx).clone();
      torch::Tensor sbg = bg.defined() ? bg.index_select(0, idx).clone() : bg, sbu = bu.defined() ? bu.index_select(0, idx).clone() : bu;
      torch::Tensor sbd = bd.defined() ? bd.clone() : bd;
      L.errorBefore = L.errorAfter = std::numeric_limits<double>::quiet_NaN();
      torch::Tensor target;
      if (x.defined()) {
        target = swiglu(x, g, u, d, bg, bu, bd);
        L.errorBefore = L.errorAfter = relativeError(swiglu(x, sg, su, sd, sbg, sbu, sbd), target);
      }
      if (p.distillSteps > 0 && x.defined()) {
        std::vector<torch::Tensor> params{sg, su, sd};
        for (auto* b : {&sbg, &sbu, &sbd})
          if (b->defined()) params.push_back(*b);
        for (auto& t : params) t.set_requires_grad(true);
        torch::optim::Adam opt(params, torch::optim::AdamOptions(p.distillLr));
        const int64_t N = x.size(0), B = std::min<int64_t>(p.distillBatch, N);
        const double scale = target.pow(2).mean().item<double>();
        for (int64_t step = 0; step < p.distillSteps; ++step) {
          auto rows = torch::randint(N, {B}, gen, torch::kInt64);
          auto loss = (swiglu(x.index_select(0, rows), sg, su, sd, sbg, sbu, sbd) - target.index_select(0, rows)).pow(2).mean() / scale;
          opt.zero_grad();
          loss.backward();
          opt.step();
        }
        torch::NoGradGuard ng;
        for (auto& t : params) t.set_requires_grad(false);
        L.errorAfter = relativeError(swiglu(x, sg, su, sd, sbg, sbu, sbd), target);
      }
      rep.layers.push_back(std::move(L));
      const std::string spre = "model.layers." + std::to_string(l) + ".small_mlp.";
      auto add = [&](const std::string& name, const torch::Tensor& t) {
        if (!t.defined()) return;
        auto cast = t.detach().to(outType).contiguous();
        keepAlive.push_back(cast);
        std::vector<int64_t> shape(cast.sizes().begin(), cast.sizes().end());
        out.push_back({spre + name, toDType(outType), shape, cast.data_ptr()});
      };
      add("gate_proj.weight", sg);
      add("up_proj.weight", su);
      add("down_proj.weight", sd);
      add("gate_proj.bias", sbg);
      add("up_proj.bias", sbu);
      add("down_proj.bias", sbd);
    }
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "duoify");
  }

  fs::create_directories(p.out, ec);
  if (ec) return makeError(ErrorCode::Io, p.out + ": cannot create the folder: " + ec.message());
  LENS_TRY_STATUS(tensor_io::writeSafetensors((fs::path(p.out) / "model.safetensors").string(), out, {{"format", "pt"}}));
  cfgJson["duo_small_intermediate_size"] = s;
  LENS_TRY_STATUS(writeJsonFile((fs::path(p.out) / "config.json").string(), cfgJson));
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"})
    LENS_TRY_STATUS(copyIfPresent(fs::path(p.source) / name, fs::path(p.out) / name));
  json report = rep.toJson();
  report["source"] = p.source;
  report["method"] = p.method == DuoifyParams::Method::WeightNorm ? "weight-norm" : "activation";
  report["distill_steps"] = p.distillSteps;
  report["distill_lr"] = p.distillLr;
  report["seed"] = p.seed;
  LENS_TRY_STATUS(writeJsonFile((fs::path(p.out) / "duoify.json").string(), report));
  return rep;
}

}  // namespace lens::model
