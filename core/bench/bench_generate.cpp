// SPDX-License-Identifier: GPL-3.0-or-later
#include <c10/core/InferenceMode.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "core/bench/bench.h"
#include "core/common/allocator.h"
#include "core/common/version.h"
#include "core/model/internal/engine.h"
#include "core/model/model.h"

namespace lens::bench {

namespace {
void synchronize(const torch::Device& d) {
#if TORCH_VERSION_MAJOR >= 2
  if (d.is_cuda()) torch::cuda::synchronize();
#else
  (void)d;
#endif
}
}  // namespace

double medianSeconds(int repeats, const std::function<void()>& fn) {
  fn();  // warm-up
  std::vector<double> t;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

nlohmann::json machineDescription(const model::DeviceParams& device) {
  std::string cpu;
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  // OpenMP's waiting (spin then sleep) decides how jobs sharing the cores fare; recorded as set.
  auto env = [](const char* name) -> nlohmann::json {
    const char* v = std::getenv(name);
    return v ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  return {{"cpu", cpu},
          {"hardware_threads", std::thread::hardware_concurrency()},
          {"torch_threads", model::torchThreads()},
          {"blas_kernels", model::blasCore()},
          {"blas_choice", model::blasKernelsDescription()},
          {"allocator", allocatorDescription()},
          {"openmp_wait", {{"OMP_WAIT_POLICY", env("OMP_WAIT_POLICY")}, {"GOMP_SPINCOUNT", env("GOMP_SPINCOUNT")}}},
          {"device", device.device},
          {"dtype", device.dtype},
          {"libtorch", torchVersionString()},
          {"computelens", versionString()}};
}

model::ModelConfig benchShape(const std::string& name) {
  model::ModelConfig c;
  c.architecture = "LlamaForCausalLM";
  c.modelType = "llama";
  if (name == "llama-3.2-1b") {
    c.vocabSize = 128256;
    c.hiddenSize = 2048;
    c.intermediateSize = 8192;
    c.numLayers = 16;
    c.numHeads = 32;
    c.numKvHeads = 8;
    c.headDim = 64;
    c.maxPositions = 131072;
    c.rmsNormEps = 1e-5;
    c.rope.theta = 500000;
    c.rope.type = "llama3";
    c.rope.factor = 32;
    c.tieEmbeddings = true;
  } else {  // "small": about 30M parameters
    c.vocabSize = 8192;
    c.hiddenSize = 512;
    c.intermediateSize = 1536;
    c.numLayers = 8;
    c.numHeads = 8;
    c.numKvHeads = 4;
    c.headDim = 64;
    c.maxPositions = 4096;
    c.rope.theta = 10000;
    c.tieEmbeddings = true;
  }
  return c;
}

Result<nlohmann::json> benchGenerate(const GenerateBenchParams& p, const RunContext* ctx) {
  auto dp = model::resolveDevice(p.device);
  if (!dp) return dp.error();
  auto m = model::Model::random(p.shape, 1234, *dp);
  if (!m) return m.error();
  model::Model& mdl = **m;
  auto& eng = mdl.engine();
  const auto dev = eng.device();
  nlohmann::json out;
  out["machine"] = machineDescription(*dp);
  out["shape"] = p.shape.toJson();
  out["parameters"] = mdl.parameterCount();
  try {
    c10::InferenceMode guard;
    // The machine's own matrix-multiply rate in the compute dtype (the yardstick for decoding). The
    // yardstick is torch::mm, the library the engine's products go through. On the CPU oneDNN
    // (inside libtorch) is timed too: where it is faster (an AVX-512 CPU that the BLAS does not
    // recognise) the fraction of the best matmul is reported beside, so the figure cannot flatter.
    // Both are timed before and after the batches and the faster timing counts: a slow moment of a
    // shared machine must not inflate the fractions.
    const int64_t n = dev.is_cuda() ? 8192 : 1024;
    auto a = torch::randn({n, n}, eng.options()), b = torch::randn({n, n}, eng.options());
    const bool withDnn = !dev.is_cuda() && at::hasMKLDNN() && eng.dtype() == torch::kFloat32;
    double tmm = 0, tdnn = 0;
    auto timeYardsticks = [&] {
      const double t = medianSeconds(p.repeats + 2, [&] {
        auto c = torch::mm(a, b);
        synchronize(dev);
      });
      tmm = tmm > 0 ? std::min(tmm, t) : t;
      if (withDnn) {
        const double d = medianSeconds(p.repeats + 2, [&] { auto c = torch::mkldnn_linear(a.to_mkldnn(), b, {}).to_dense(); });
        tdnn = tdnn > 0 ? std::min(tdnn, d) : d;
      }
    };
    timeYardsticks();
    const double mmFlopsBefore = 2.0 * n * n * n / tmm;
    // Memory bandwidth: a copy of 256 MiB (read + write), the bound for decoding, which reads every
    // weight and the whole KV cache at each step.
    auto src = torch::ones({std::max<int64_t>(1, p.bandwidthMiB) << 18}, eng.options().dtype(torch::kFloat32)), dst = torch::empty_like(src);
    const double tcopy = medianSeconds(p.repeats + 2, [&] {
      dst.copy_(src);
      synchronize(dev);
    });
    const double bandwidth = 2.0 * static_cast<double>(src.numel()) * 4.0 / tcopy;
    out["memory_bandwidth_bytes_per_s"] = bandwidth;
    if (ctx) ctx->report(1, 3, "matmul");

    std::vector<int32_t> prompt(p.promptTokens);
    for (int i = 0; i < p.promptTokens; ++i) prompt[i] = static_cast<int32_t>((i * 7919) % p.shape.vocabSize);
    auto run = [&](int batch, int newTokens) {
      model::GenerateRequest r;
      r.promptIds = prompt;
      r.numSamples = batch;
      r.seed = 7;
      r.sampling.maxNewTokens = newTokens;
      r.sampling.ignoreEos = true;
      auto res = mdl.generate({r});
      synchronize(dev);
      return res.ok();
    };
    // Decode FLOPs per generated token: 2 x the weights each token multiplies (the embedding is a
    // lookup, the LM head a matmul), plus attention over the context.
    const auto& c = p.shape;
    const int64_t matmulParams = mdl.parameterCount() - (c.tieEmbeddings ? 0 : c.vocabSize * c.hiddenSize);
    nlohmann::json rows = nlohmann::json::array();
    for (int batch : p.batches) {
      if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "benchmark cancelled");
      const double decodeTokens = static_cast<double>(batch) * (p.newTokens - 1);
      // The same decoding on the tensor path (what the CPU's fused decoding step replaces: every
      // operation a tensor of its own, the attention as batched matmuls), for the fused step's
      // speed-up in this run.
      double tTensorPath = 0;
      if (!dev.is_cuda() && p.compareTensorPath) {
        eng.setDecodeKernel(false);
        tTensorPath = medianSeconds(p.repeats, [&] { run(batch, p.newTokens); });
        eng.setDecodeKernel(true);
      }
      double tFull = medianSeconds(p.repeats, [&] { run(batch, p.newTokens); });
      double tPrefill = medianSeconds(p.repeats, [&] { run(batch, 1); });
      const double tDecode = std::max(1e-9, tFull - tPrefill);
      const double avgCtx = p.promptTokens + p.newTokens / 2.0;
      const double flopsPerToken = 2.0 * matmulParams + 4.0 * c.numLayers * c.numHeads * c.headDim * avgCtx;
      const double decodeRate = decodeTokens / tDecode;
      // Bytes a decoding step must read: every weight it multiplies, and the K and V of every
      // position attended. The CPU's fused step reads the prompt once for all the samples of a
      // request (ForwardBatch::shared) and each row's own positions after it; the tensor path (the
      // GPU's) reads each row's whole context.
      const double elem = static_cast<double>(torch::elementSize(eng.dtype()));
      const bool sharedPrompt = batch >= 2 && !dev.is_cuda();
      const double kvPositions = sharedPrompt ? p.promptTokens + batch * (p.newTokens / 2.0) : batch * avgCtx;
      const double stepBytes = elem * (static_cast<double>(matmulParams) + 2.0 * c.numLayers * c.numKvHeads * c.headDim * kvPositions);
      const double boundRate = batch * bandwidth / stepBytes;
      rows.push_back({{"batch", batch},
                      {"seconds", tFull},
                      {"prefill_seconds", tPrefill},
                      {"tokens_per_s", batch * p.newTokens / tFull},
                      {"decode_tokens_per_s", decodeRate},
                      {"decode_flops_per_s", decodeRate * flopsPerToken},
                      {"bandwidth_bound_tokens_per_s", boundRate},
                      {"fraction_of_bandwidth_bound", decodeRate / boundRate}});
      // Floored like tDecode: on a loaded machine, with one repeat of a few tokens, the tensor path's
      // whole run can time below the prefill measured apart from it.
      if (tTensorPath > 0)
        rows.back()["fused_step_speedup"] = std::max(1e-9, tTensorPath - tPrefill) / tDecode;
    }
    timeYardsticks();
    const double mmFlops = 2.0 * n * n * n / tmm, bestFlops = withDnn ? std::max(mmFlops, 2.0 * n * n * n / tdnn) : mmFlops;
    out["matmul"] = {{"n", n}, {"seconds", tmm}, {"flops_per_s", mmFlops}, {"flops_per_s_before_batches", mmFlopsBefore}};
    if (withDnn) out["matmul"]["onednn_flops_per_s"] = 2.0 * n * n * n / tdnn;
    for (auto& row : rows) {
      row["fraction_of_matmul"] = row["decode_flops_per_s"].get<double>() / mmFlops;
      row["fraction_of_best_matmul"] = row["decode_flops_per_s"].get<double>() / bestFlops;
    }
    out["generate"] = rows;
    if (ctx) ctx->report(2, 3, "generate");

    // KV cache vs recomputing the whole sequence at every step (batch 1, greedy), same tokens.
    const int g = p.recomputeTokens;
    double tCache = medianSeconds(p.repeats, [&] { run(1, g); });
    double tRecompute = medianSeconds(p.repeats, [&] {
      std::vector<int64_t> seq(prompt.begin(), prompt.end());
      for (int i = 0; i < g; ++i) {
        const auto T = static_cast<int64_t>(seq.size());
        auto cache = eng.makeCache(1, T);
        model::internal::ForwardBatch fb;
        fb.tokens = torch::tensor(seq, torch::kInt64).view({1, T}).to(dev);
        fb.slots = {0};
        fb.startPos = {0};
        fb.lengths = {T};
        auto logits = eng.forward(fb, *cache, false);
        seq.push_back(logits.argmax(-1).item<int64_t>());
      }
      synchronize(dev);
    });
    out["kv_cache"] = {{"new_tokens", g}, {"cached_seconds", tCache}, {"recompute_seconds", tRecompute},
                       {"speedup", tRecompute / tCache}};
    if (ctx) ctx->report(3, 3, "kv cache");
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "bench generate");
  }
  return out;
}

}  // namespace lens::bench
