// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/bench/bench.h"
#include "core/model/model.h"
#include "core/model/session.h"

namespace lens::bench {

namespace {

// A model of random weights on the resolved device, and a fixed prompt of `promptTokens` ids spread
// over the vocabulary (random weights make its content moot).
struct BenchModel {
  model::DeviceParams device;
  std::unique_ptr<model::Model> model;
  std::vector<int32_t> prompt;
};

Result<BenchModel> benchModel(const model::ModelConfig& shape, const model::DeviceParams& device, int promptTokens) {
  auto dp = model::resolveDevice(device);
  if (!dp) return dp.error();
  auto m = model::Model::random(shape, 4321, *dp);
  if (!m) return m.error();
  BenchModel b{*dp, std::move(*m), std::vector<int32_t>(static_cast<size_t>(promptTokens))};
  for (int i = 0; i < promptTokens; ++i) b.prompt[static_cast<size_t>(i)] = 1 + (i * 7919) % static_cast<int>(shape.vocabSize - 1);
  return b;
}

}  // namespace

Result<nlohmann::json> benchSharedPrompt(const SharedPromptBenchParams& p, const RunContext* ctx) {
  auto bm = benchModel(p.shape, p.device, p.promptTokens);
  if (!bm) return bm.error();
  const auto* dp = &bm->device;
  auto* m = &bm->model;
  const auto& prompt = bm->prompt;
  model::SamplingParams sp;
  sp.maxNewTokens = p.newTokens;
  sp.ignoreEos = true;  // a fixed amount of work
  Error failure;
  bool failed = false;
  auto run = [&](const std::vector<model::GenerateRequest>& reqs) {
    auto r = (*m)->generate(reqs);
    if (!r && !failed) failure = r.error(), failed = true;
  };
  model::GenerateRequest shared{prompt, p.samples, 7, sp};
  std::vector<model::GenerateRequest> separate(static_cast<size_t>(p.samples));
  for (int i = 0; i < p.samples; ++i) separate[static_cast<size_t>(i)] = {prompt, 1, static_cast<uint64_t>(100 + i), sp};

  if (ctx) ctx->report(0, 3, "shared prompt");
  const double tShared = medianSeconds(p.repeats, [&] { run({shared}); });
  if (ctx) ctx->report(1, 3, "batched, prompt repeated");
  const double tBatched = medianSeconds(p.repeats, [&] { run(separate); });
  if (ctx) ctx->report(2, 3, "one after another");
  const double tSequential = medianSeconds(std::max(1, p.repeats / 2), [&] {
    for (const auto& r : separate) run({r});
  });
  if (ctx) ctx->report(3, 3, "done");
  if (failed) return failure;
  const double tokens = static_cast<double>(p.samples) * p.newTokens;
  return nlohmann::json{{"benchmark", "shared-prompt best-of-N"},
                        {"machine", machineDescription(*dp)},
                        {"parameters", (*m)->parameterCount()},
                        {"samples", p.samples},
                        {"prompt_tokens", p.promptTokens},
                        {"new_tokens", p.newTokens},
                        {"seconds_shared_prompt", tShared},
                        {"seconds_batched_repeated_prompt", tBatched},
                        {"seconds_sequential", tSequential},
                        {"tokens_per_second_shared", tokens / tShared},
                        {"speedup_shared_vs_batched", tBatched / tShared},
                        {"speedup_shared_vs_sequential", tSequential / tShared}};
}

Result<nlohmann::json> benchBeam(const BeamBenchParams& p, const RunContext* ctx) {
  if (p.width < 1 || p.n < p.width || p.rounds < 1) return makeError(ErrorCode::InvalidInput, "bench beam: need 1 <= width <= n and rounds >= 1");
  auto bm = benchModel(p.shape, p.device, p.promptTokens);
  if (!bm) return bm.error();
  const auto* dp = &bm->device;
  auto* m = &bm->model;
  const auto& prompt = bm->prompt;
  model::SamplingParams sp;
  sp.maxNewTokens = p.stepTokens;
  sp.ignoreEos = true;
  const int keep = p.n / p.width;
  const int64_t capacity = p.promptTokens + static_cast<int64_t>(p.rounds) * p.stepTokens + 2;
  Error failure;
  bool failed = false;
  auto check = [&](const Status& s) {
    if (!s && !failed) failure = s.error(), failed = true;
    return s.ok();
  };
  // Forking: children in slots 1..n, kept parents copied to slots n+1..n+keep, then forked M times.
  auto forked = [&] {
    auto s = model::DecodeSession::open(**m, p.n + keep + 1, capacity);
    if (!s) return void(check(s.error()));
    if (!check((*s)->start(0, prompt))) return;
    std::vector<int64_t> children;
    std::vector<uint64_t> streams;
    for (int c = 0; c < p.n; ++c) {
      if (!check((*s)->fork(0, 1 + c))) return;
      children.push_back(1 + c);
      streams.push_back(static_cast<uint64_t>(c));
    }
    for (int r = 0; r < p.rounds; ++r) {
      auto e = (*s)->extend(children, sp, 7 + static_cast<uint64_t>(r), streams);
      if (!e) return void(check(e.error()));
      if (r + 1 == p.rounds) break;
      for (int k = 0; k < keep; ++k)
        if (!check((*s)->fork(children[static_cast<size_t>(k)], p.n + 1 + k))) return;
      for (int c = 0; c < p.n; ++c)
        if (!check((*s)->fork(p.n + 1 + c / p.width, children[static_cast<size_t>(c)]))) return;
    }
  };
  // Re-encoding: every round, each kept path is a new request holding its whole text.
  auto recomputed = [&] {
    std::vector<std::vector<int32_t>> paths(static_cast<size_t>(p.n), prompt);
    std::vector<model::GenerateRequest> reqs{{prompt, p.n, 7, sp}};
    for (int r = 0; r < p.rounds; ++r) {
      auto out = (*m)->generate(reqs);
      if (!out) return void(check(out.error()));
      std::vector<std::vector<int32_t>> next;
      for (size_t q = 0; q < reqs.size(); ++q)
        for (const auto& smp : (*out)[q]) {
          auto path = reqs[q].promptIds;
          path.insert(path.end(), smp.tokenIds.begin(), smp.tokenIds.end());
          next.push_back(std::move(path));
        }
      paths = std::move(next);
      reqs.clear();
      for (int k = 0; k < keep; ++k) reqs.push_back({paths[static_cast<size_t>(k)], p.width, 7 + static_cast<uint64_t>(r + 1), sp});
    }
  };
  if (ctx) ctx->report(0, 2, "forked KV cache");
  const double tFork = medianSeconds(p.repeats, forked);
  if (ctx) ctx->report(1, 2, "paths re-encoded each round");
  const double tRecompute = medianSeconds(p.repeats, recomputed);
  if (ctx) ctx->report(2, 2, "done");
  if (failed) return failure;
  const double tokens = static_cast<double>(p.n) * p.stepTokens * p.rounds;
  return nlohmann::json{{"benchmark", "beam search generation"},
                        {"machine", machineDescription(*dp)},
                        {"parameters", (*m)->parameterCount()},
                        {"n", p.n},
                        {"width", p.width},
                        {"prompt_tokens", p.promptTokens},
                        {"step_tokens", p.stepTokens},
                        {"rounds", p.rounds},
                        {"seconds_forked", tFork},
                        {"seconds_recomputed", tRecompute},
                        {"seconds_per_round_forked", tFork / p.rounds},
                        {"generated_tokens_per_second_forked", tokens / tFork},
                        {"speedup_forked_vs_recomputed", tRecompute / tFork}};
}

}  // namespace lens::bench
