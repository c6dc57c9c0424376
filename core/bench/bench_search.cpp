// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/bench/bench.h"
#include "core/model/model.h"

namespace lens::bench {

Result<nlohmann::json> benchSharedPrompt(const SharedPromptBenchParams& p, const RunContext* ctx) {
  auto dp = model::resolveDevice(p.device);
  if (!dp) return dp.error();
  auto m = model::Model::random(p.shape, 4321, *dp);
  if (!m) return m.error();
  std::vector<int32_t> prompt(static_cast<size_t>(p.promptTokens));
  for (int i = 0; i < p.promptTokens; ++i) prompt[static_cast<size_t>(i)] = 1 + (i * 7919) % static_cast<int>(p.shape.vocabSize - 1);
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

}  // namespace lens::bench
