// SPDX-License-Identifier: GPL-3.0-or-later
#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>
#include <filesystem>

#include "core/common/atomic_file.h"
#include "core/common/hash.h"
#include "core/tensor_io/safetensors.h"
#include "core/train/internal/finetune.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::train::internal {

namespace {

std::string formatLoss(double loss) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", loss);
  return buf;
}

}  // namespace

Status adamWLoop(const std::vector<torch::Tensor>& params, size_t examples, const FineTuneParams& p, const RunContext* ctx, const std::string& what,
                 const std::function<torch::Tensor(const std::vector<size_t>& batch)>& loss,
                 const std::function<void(int64_t step, double loss)>& onStep) {
  const int64_t steps = p.steps;
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(p.lr).weight_decay(p.weightDecay));
  auto gen = at::detail::createCPUGenerator(p.seed);
  const int64_t count = std::min<int64_t>(p.batch, static_cast<int64_t>(examples));
  for (int64_t s = 0; s < steps; ++s) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, what + " cancelled at step " + std::to_string(s));
    const double lr = warmupCosineLr(p.lr, s, steps, p.warmup, p.minLrRatio);
    for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    auto idx = torch::randint(static_cast<int64_t>(examples), {count}, gen, torch::kInt64);
    std::vector<size_t> part;
    for (int64_t i = 0; i < idx.size(0); ++i) part.push_back(static_cast<size_t>(idx[i].item<int64_t>()));
    auto l = loss(part);
    opt.zero_grad();
    l.backward();
    torch::nn::utils::clip_grad_norm_(params, 1.0);
    opt.step();
    const double value = l.item<double>();
    if (onStep) onStep(s + 1, value);
    if (ctx) ctx->report(s + 1, steps, what + ": step " + std::to_string(s + 1) + "/" + std::to_string(steps) + ", loss " + formatLoss(value));
  }
  return Status::success();
}

torch::Tensor sampleRouteCodes(int64_t B, int64_t T, int64_t layers, const RouteMix& mix, uint64_t seed, torch::Device device) {
  auto r = torch::empty({B, T, layers}, torch::kInt64);
  auto a = r.accessor<int64_t, 3>();
  const double total = mix.big + mix.small + mix.skip;
  uint64_t s = seed;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t l = 0; l < layers; ++l) {
        s = splitmix64(s);
        const double u = static_cast<double>(s >> 11) / 9007199254740992.0 * total;
        a[b][t][l] = u < mix.big ? 2 : (u < mix.big + mix.small ? 1 : 0);
      }
  return r.to(device);
}

Status saveFineTuned(const model::ModelConfig& config, const model::internal::Weights& weights, const std::string& baseDir,
                     const std::string& outDir, const std::string& saveDtype, const std::function<void(json&)>& patchConfig) {
  std::error_code ec;
  fs::create_directories(outDir, ec);
  if (ec) return makeError(ErrorCode::Io, outDir + ": cannot create the folder: " + ec.message());
  try {
    const auto saveType = model::internal::parseScalarType(saveDtype);
    const auto dtype = saveType == torch::kBFloat16 ? tensor_io::DType::BF16 : saveType == torch::kFloat16 ? tensor_io::DType::F16 : tensor_io::DType::F32;
    std::vector<torch::Tensor> keep;
    std::vector<tensor_io::TensorToWrite> out;
    torch::NoGradGuard ng;
    for (auto& [name, t] : model::internal::Engine::exportWeights(config, weights)) {
      auto c = t.detach().to(torch::kCPU, saveType).contiguous();
      keep.push_back(c);
      out.push_back({name, dtype, std::vector<int64_t>(c.sizes().begin(), c.sizes().end()), c.data_ptr()});
    }
    LENS_TRY_STATUS(tensor_io::writeSafetensors((fs::path(outDir) / "model.safetensors").string(), out, {{"format", "pt"}}));
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "saving " + outDir);
  }
  auto cfgText = readFile((fs::path(baseDir) / "config.json").string());
  if (!cfgText) return cfgText.error();
  json cj = json::parse(*cfgText, nullptr, false);
  if (cj.is_discarded()) return makeError(ErrorCode::InvalidInput, baseDir + "/config.json: not valid JSON");
  if (patchConfig) patchConfig(cj);
  LENS_TRY_STATUS(writeJsonFile((fs::path(outDir) / "config.json").string(), cj));
  const auto tokenizer = fs::path(outDir) / "tokenizer.json";
  fs::copy_file(fs::path(baseDir) / "tokenizer.json", tokenizer, fs::copy_options::overwrite_existing, ec);
  if (ec) return makeError(ErrorCode::Io, outDir + ": cannot copy the tokenizer: " + ec.message());
  // The copy keeps the source's mode; a read-only source (an installed model) must not make the
  // next training in this folder fail.
  fs::permissions(tokenizer, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add, ec);
  return Status::success();
}

}  // namespace lens::train::internal
