// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/model/duoify.h"

#include <c10/core/InferenceMode.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <tuple>

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
    json lj = {{"relative_error_before", num(l.errorBefore)}, {"relative_error_after", num(l.errorAfter)}};
    if (rank > 0) lj["energy_kept"] = {{"gate", l.energyKept.at(0)}, {"up", l.energyKept.at(1)}, {"down", l.energyKept.at(2)}};
    else lj["kept"] = l.kept;
    layersJson.push_back(std::move(lj));
  }
  json j = {{"small_intermediate_size", small}, {"intermediate_size", intermediate}, {"calibration_tokens", calibrationTokens}, {"layers", layersJson}};
  if (rank > 0) j["rank"] = rank;
  return j;
}

const char* duoifyMethodName(DuoifyParams::Method m) {
  switch (m) {
    case DuoifyParams::Method::WeightNorm: return "weight-norm";
    case DuoifyParams::Method::Svd: return "svd";
    default: return "activation";
  }
}

int64_t svdRankForRatio(int64_t hidden, int64_t intermediate, double ratio) {
  const double r = ratio * static_cast<double>(hidden) * static_cast<double>(intermediate) / static_cast<double>(hidden + intermediate);
  return std::clamp<int64_t>(std::llround(r), 1, std::min(hidden, intermediate));
}

namespace {

c10::optional<torch::Tensor> opt(const torch::Tensor& t) { return t.defined() ? c10::optional<torch::Tensor>(t) : c10::nullopt; }

// An FFN module in float32: dense SwiGLU (g, u, d as gate/up/down weights) or, when lowRank, each
// matrix as two factors (g, u, d the first [rank, in], gb, ub, db the second [out, rank]).
struct FfnModule {
  bool lowRank = false;
  torch::Tensor g, u, d, gb, ub, db, bg, bu, bd;
  torch::Tensor forward(const torch::Tensor& x) const {
    auto lin = [&](const torch::Tensor& in, const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& bias) {
      return lowRank ? torch::linear(torch::linear(in, a), b, opt(bias)) : torch::linear(in, a, opt(bias));
    };
    return lin(torch::silu(lin(x, g, gb, bg)) * lin(x, u, ub, bu), d, db, bd);
  }
  std::vector<torch::Tensor*> tensors() {  // the defined ones
    std::vector<torch::Tensor*> out;
    for (auto* t : {&g, &u, &d, &gb, &ub, &db, &bg, &bu, &bd})
      if (t->defined()) out.push_back(t);
    return out;
  }
  // The module as it computes once stored in `type`.
  FfnModule roundedTo(torch::ScalarType type) const {
    FfnModule r = *this;
    for (auto* t : r.tensors()) *t = t->detach().to(type).to(torch::kFloat32);
    return r;
  }
};

struct Factors {
  torch::Tensor a, b;  // W ≈ b·a: a [rank, in], b [out, rank]
  double energyKept = 0;
};

// Truncated SVD W = U S Vᵀ at `rank` (computed in double precision), split evenly: b = U_r·√S_r,
// a = √S_r·V_rᵀ, so both factors have the same scale (distillation steps them alike).
Factors truncatedSvd(const torch::Tensor& w, int64_t rank) {
  auto [U, S, Vh] = torch::linalg_svd(w.to(torch::kFloat64), /*full_matrices=*/false);
  auto root = S.narrow(0, 0, rank).sqrt();
  Factors f;
  f.b = (U.narrow(1, 0, rank) * root.unsqueeze(0)).to(torch::kFloat32).contiguous();
  f.a = (root.unsqueeze(1) * Vh.narrow(0, 0, rank)).to(torch::kFloat32).contiguous();
  auto energy = S.pow(2);
  f.energyKept = (energy.narrow(0, 0, rank).sum() / energy.sum().clamp_min(1e-300)).item<double>();
  return f;
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
  // A Duo source gets new small modules in place of its own (those trained with it), derived from
  // the same big ones: the comparison of derived against jointly trained small FFNs at equal size.
  const int64_t replacedSmall = c.duoSmallIntermediateSize;
  if (c.isRewardModel()) return makeError(ErrorCode::InvalidInput, p.source + ": a reward model has no LM to route");
  const int64_t f = c.intermediateSize;
  const bool lowRank = p.method == DuoifyParams::Method::Svd;
  if (lowRank && p.small > 0 && p.small != f)
    return makeError(ErrorCode::InvalidInput, "duoify: the svd method keeps every neuron (" + std::to_string(f) + "); set --rank, not --small");
  const int64_t s = lowRank ? f : p.small > 0 ? p.small : static_cast<int64_t>(std::llround(p.ratio * static_cast<double>(f)));
  if (s < 1 || s > f)
    return makeError(ErrorCode::InvalidInput, "duoify: the small FFN must have 1.." + std::to_string(f) + " neurons (intermediate_size), not " + std::to_string(s));
  const int64_t fullRank = std::min(c.hiddenSize, f);
  const int64_t rank = !lowRank ? 0 : p.rank > 0 ? p.rank : svdRankForRatio(c.hiddenSize, f, p.ratio);
  if (lowRank && rank > fullRank)
    return makeError(ErrorCode::InvalidInput, "duoify: --rank " + std::to_string(rank) + " is more than the full rank min(hidden_size, intermediate_size) = " +
                                                  std::to_string(fullRank));
  const bool needCalibration = p.method == DuoifyParams::Method::Activation || p.distillSteps > 0;
  if (needCalibration && p.calibration.empty())
    return makeError(ErrorCode::InvalidInput, "duoify: the activation score and distillation need calibration text");
  auto ck = tensor_io::Checkpoint::open(p.source);
  if (!ck) return ck.error();

  DuoifyReport rep;
  rep.small = s;
  rep.intermediate = f;
  rep.rank = rank;
  std::vector<torch::Tensor> keepAlive;
  std::vector<tensor_io::TensorToWrite> out;
  for (const auto* t : ck->tensors())
    if (!replacedSmall || t->name.find(".small_mlp.") == std::string::npos) out.push_back({t->name, t->dtype, t->shape, t->data});
  // The small modules are stored in the dtype holding most of the source's weights.
  const auto sourceType = tensor_io::parseDType(ck->dominantDtype());
  torch::ScalarType outType = sourceType == tensor_io::DType::BF16 ? torch::kBFloat16 : sourceType == tensor_io::DType::F16 ? torch::kFloat16 : torch::kFloat32;
  if (!p.smallDtype.empty() && p.smallDtype != "auto") {
    if (p.smallDtype != "float32" && p.smallDtype != "bfloat16" && p.smallDtype != "float16")
      return makeError(ErrorCode::InvalidInput, "duoify: small dtype '" + p.smallDtype + "' is not auto, float32, bfloat16 or float16");
    outType = internal::parseScalarType(p.smallDtype);
  }

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
      if (ctx) ctx->report(l, c.numLayers, std::string(lowRank ? "factoring" : "pruning") + " layer " + std::to_string(l));
      const std::string pre = "model.layers." + std::to_string(l) + ".mlp.";
      auto get = [&](const std::string& name) -> torch::Tensor {
        const auto* t = ck->find(pre + name);
        return t ? toTorch(*t).to(torch::kFloat32) : torch::Tensor();
      };
      FfnModule big;
      big.g = get("gate_proj.weight");
      big.u = get("up_proj.weight");
      big.d = get("down_proj.weight");
      if (!big.g.defined() || !big.u.defined() || !big.d.defined())
        return makeError(ErrorCode::InvalidInput, p.source + ": layer " + std::to_string(l) + " lacks mlp.gate_proj/up_proj/down_proj weights");
      if (c.mlpBias) {
        big.bg = get("gate_proj.bias");
        big.bu = get("up_proj.bias");
        big.bd = get("down_proj.bias");
      }
      const auto& x = inputs[static_cast<size_t>(l)];
      DuoifyLayer L;
      FfnModule small;
      if (lowRank) {
        small.lowRank = true;
        small.bg = big.bg.defined() ? big.bg.clone() : big.bg;
        small.bu = big.bu.defined() ? big.bu.clone() : big.bu;
        small.bd = big.bd.defined() ? big.bd.clone() : big.bd;
        for (auto [w, a, b] : {std::tuple{&big.g, &small.g, &small.gb}, std::tuple{&big.u, &small.u, &small.ub}, std::tuple{&big.d, &small.d, &small.db}}) {
          auto f = truncatedSvd(*w, rank);
          *a = f.a;
          *b = f.b;
          L.energyKept.push_back(f.energyKept);
        }
      } else {
        torch::Tensor score;
        if (p.method == DuoifyParams::Method::WeightNorm) {
          score = big.g.norm(2, 1) * big.u.norm(2, 1) * big.d.norm(2, 0);
        } else {
          auto act = torch::silu(torch::linear(x, big.g, opt(big.bg))) * torch::linear(x, big.u, opt(big.bu));  // [N, f]
          score = act.abs().mean(0) * big.d.norm(2, 0);
        }
        auto idx = std::get<0>(std::get<1>(score.topk(s)).sort()).contiguous();  // ascending neuron order
        L.kept.assign(idx.data_ptr<int64_t>(), idx.data_ptr<int64_t>() + idx.numel());
        small.g = big.g.index_select(0, idx).clone();
        small.u = big.u.index_select(0, idx).clone();
        small.d = big.d.index_select(1, idx).clone();
        small.bg = big.bg.defined() ? big.bg.index_select(0, idx).clone() : big.bg;
        small.bu = big.bu.defined() ? big.bu.index_select(0, idx).clone() : big.bu;
        small.bd = big.bd.defined() ? big.bd.clone() : big.bd;
      }
      L.errorBefore = L.errorAfter = std::numeric_limits<double>::quiet_NaN();
      torch::Tensor target;
      // Errors are those of the module as stored (cast to its dtype and back).
      if (x.defined()) {
        target = big.forward(x);
        L.errorBefore = L.errorAfter = relativeError(small.roundedTo(outType).forward(x), target);
      }
      if (p.distillSteps > 0 && x.defined()) {
        auto params = small.tensors();
        for (auto* t : params) t->set_requires_grad(true);
        std::vector<torch::Tensor> list;
        for (auto* t : params) list.push_back(*t);
        torch::optim::Adam opt(list, torch::optim::AdamOptions(p.distillLr));
        const int64_t N = x.size(0), B = std::min<int64_t>(p.distillBatch, N);
        const double scale = target.pow(2).mean().item<double>();
        for (int64_t step = 0; step < p.distillSteps; ++step) {
          auto rows = torch::randint(N, {B}, gen, torch::kInt64);
          auto loss = (small.forward(x.index_select(0, rows)) - target.index_select(0, rows)).pow(2).mean() / scale;
          opt.zero_grad();
          loss.backward();
          opt.step();
        }
        torch::NoGradGuard ng;
        for (auto* t : params) t->set_requires_grad(false);
        L.errorAfter = relativeError(small.roundedTo(outType).forward(x), target);
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
      const std::tuple<const char*, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&> parts[] = {
          {"gate_proj", small.g, small.gb, small.bg}, {"up_proj", small.u, small.ub, small.bu}, {"down_proj", small.d, small.db, small.bd}};
      for (const auto& [name, first, second, bias] : parts) {
        const std::string n = name;
        if (lowRank) {
          add(n + ".weight_a", first);
          add(n + ".weight_b", second);
        } else {
          add(n + ".weight", first);
        }
        add(n + ".bias", bias);
      }
    }
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "duoify");
  }

  fs::create_directories(p.out, ec);
  if (ec) return makeError(ErrorCode::Io, p.out + ": cannot create the folder: " + ec.message());
  LENS_TRY_STATUS(tensor_io::writeSafetensors((fs::path(p.out) / "model.safetensors").string(), out, {{"format", "pt"}}));
  cfgJson["duo_small_intermediate_size"] = s;
  if (lowRank) cfgJson["duo_small_rank"] = rank;
  else cfgJson.erase("duo_small_rank");
  LENS_TRY_STATUS(writeJsonFile((fs::path(p.out) / "config.json").string(), cfgJson));
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"})
    LENS_TRY_STATUS(copyIfPresent(fs::path(p.source) / name, fs::path(p.out) / name));
  json report = rep.toJson();
  report["source"] = p.source;
  report["method"] = duoifyMethodName(p.method);
  report["small_dtype"] = internal::scalarTypeName(outType);
  report["distill_steps"] = p.distillSteps;
  report["distill_lr"] = p.distillLr;
  report["seed"] = p.seed;
  if (replacedSmall) report["replaced_small_intermediate_size"] = replacedSmall;  // the source's own small FFNs, dropped
  LENS_TRY_STATUS(writeJsonFile((fs::path(p.out) / "duoify.json").string(), report));
  return rep;
}

}  // namespace lens::model
