// SPDX-License-Identifier: GPL-3.0-or-later
// "generate": N samples per prompt or problem, stored with tokens, log-probs and FLOPs. The base of
// every test-time strategy (best-of-N reads these samples) and the simplest job to check a setup.
#include <chrono>

#include "core/flops/flops.h"
#include "core/jobs/policy_job.h"
#include "core/jobs/spec_reader.h"
#include "core/mathdata/answer.h"
#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/text/tokenizer.h"
#include "core/verify/prm.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

struct GenerateSpec {
  PolicySpec base;
  std::vector<std::string> prompts;
  mathdata::ProblemSource dataset;
  bool usePromptFormat = false;  // prompt lists are literal text unless "prompt" is given
  std::string promptFormat = "auto";
  mathdata::PromptParams prompt;
  int samples = 1;
  bool addSpecial = true;
  model::SamplingParams sampling;
  VerifierSpec verifier;  // optional: a PRM scoring every sample's steps
};

class GenerateJob final : public PolicyJob {
 public:
  GenerateJob(GenerateSpec spec, mathdata::ProblemSet problems) : PolicyJob(spec.base, std::move(problems)), m_spec(std::move(spec)) {}
  std::string kind() const override { return "generate"; }
  std::vector<std::pair<std::string, std::string>> modelDirs() const override {
    auto dirs = PolicyJob::modelDirs();
    if (!m_spec.verifier.model.empty()) dirs.emplace_back("verifier", m_spec.verifier.model);
    return dirs;
  }

  Status prepare(const RunContext& ctx) override {
    LENS_TRY_STATUS(PolicyJob::prepare(ctx));
    auto f = mathdata::parsePromptFormat(m_spec.promptFormat);
    if (!f) return f.error();
    m_format = mathdata::resolvePromptFormat(*f, m_model->tokenizer());
    if (!m_spec.verifier.model.empty()) {
      ctx.report(0, 0, "loading verifier " + m_spec.verifier.model);
      auto prm = verify::ProcessRewardModel::load(m_spec.verifier.model, m_spec.verifier.prm);
      if (!prm) return prm.error();
      m_prm = std::move(*prm);
      auto agg = verify::parseStepAggregation(m_spec.verifier.aggregation);
      if (!agg) return agg.error();
      m_aggregation = *agg;
    }
    return Status::success();
  }

  Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) override {
    const auto start = std::chrono::steady_clock::now();
    std::vector<model::GenerateRequest> requests;
    for (int64_t u : units) {
      model::GenerateRequest r;
      const std::string& text = problem(u).problem;
      if (m_spec.usePromptFormat)
        r.promptIds = m_model->tokenizer()->encode(mathdata::formatPrompt(text, m_format, m_spec.prompt),
                                                   m_spec.addSpecial && mathdata::addSpecialTokens(m_format));
      else
        r.promptIds = m_model->tokenizer()->encode(text, m_spec.addSpecial);
      if (r.promptIds.empty())
        return makeError(ErrorCode::InvalidInput, "unit " + std::to_string(u) + " (" + unitKey(u) + "): the prompt encodes to no tokens");
      r.numSamples = m_spec.samples;
      r.seed = unitSeed(m_base.seed, u);
      r.sampling = m_spec.sampling;
      requests.push_back(std::move(r));
    }
    auto out = m_model->generate(requests, &ctx);
    if (!out) return out.error();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / static_cast<double>(units.size());
    const int64_t params = m_model->parameterCount();
    std::vector<store::UnitResult> results;
    for (size_t i = 0; i < units.size(); ++i) {
      store::UnitResult u;
      u.index = units[i];
      u.key = unitKey(units[i]);
      u.problemIndex = units[i];
      u.seconds = seconds;
      const auto& samples = (*out)[i];
      // The prompt is computed once per unit and shared by its samples (prefix sharing).
      const double promptShare = static_cast<double>(requests[i].promptIds.size()) / static_cast<double>(samples.size());
      // Snell et al. §5: the PRM scores each step (all samples of the problem in batched passes);
      // a sample's score aggregates its steps'.
      std::vector<std::vector<std::string>> steps(samples.size());
      std::vector<std::vector<double>> stepScores;
      if (m_prm) {
        for (size_t k = 0; k < samples.size(); ++k) steps[k] = mathdata::splitSteps(samples[k].text, m_spec.prompt.stepDelimiter);
        const int64_t before = m_prm->tokensScored();
        const double flopsBefore = m_prm->flopsScored();
        auto scored = m_prm->scoreStepsBatch(problem(units[i]).problem, steps);
        if (!scored) return makeError(scored.error().code, "unit " + std::to_string(units[i]) + ": verifier: " + scored.error().message);
        stepScores = std::move(*scored);
        // The verifier's compute, beside the samples' generator FLOPs (Snell et al. count them apart).
        const double tokens = static_cast<double>(m_prm->tokensScored() - before);
        u.metrics.push_back({"verifier-tokens", "generate", units[i], tokens});
        u.metrics.push_back({"verifier-flops", "generate", units[i], m_prm->flopsScored() - flopsBefore});
      }
      for (size_t k = 0; k < samples.size(); ++k) {
        const auto& s = samples[k];
        store::SampleRecord r;
        r.index = static_cast<int>(k);
        r.text = s.text;
        r.tokenIds = s.tokenIds;
        for (float lp : s.logprobs) r.logprob += lp;
        r.finish = model::finishReasonName(s.finish);
        // 2 × parameters per token, the prompt's share included, plus the attention over each token's
        // context (the prompt's own attention shared like its tokens).
        const auto& cfg = m_model->config();
        const int64_t P = static_cast<int64_t>(requests[i].promptIds.size()), G = static_cast<int64_t>(s.tokenIds.size());
        r.flops = flops::inferenceFlops(params, promptShare + static_cast<double>(G)) +
                  flops::attentionFlops(cfg, flops::attendedKeys(cfg, 0, P) / static_cast<double>(samples.size()) + flops::attendedKeys(cfg, P, P + G));
        if (m_prm && !steps[k].empty()) {
          for (size_t k2 = 0; k2 < steps[k].size(); ++k2) r.steps.push_back({steps[k][k2], stepScores[k][k2]});
          r.score = verify::aggregateSteps(stepScores[k], m_aggregation);
        }
        // Graded when the problem has a reference answer (MATH, builtin:arith).
        if (const auto& ref = problem(units[i]).answer) {
          r.answer = mathdata::extractAnswer(s.text);
          r.correct = r.answer && mathdata::answersEqual(*r.answer, *ref);
        }
        u.samples.push_back(std::move(r));
      }
      results.push_back(std::move(u));
    }
    return results;
  }

 private:
  GenerateSpec m_spec;
  mathdata::PromptFormat m_format = mathdata::PromptFormat::Raw;
  std::unique_ptr<verify::ProcessRewardModel> m_prm;
  verify::StepAggregation m_aggregation = verify::StepAggregation::Last;
};

}  // namespace

Result<std::unique_ptr<Job>> createGenerateJob(const json& j) {
  GenerateSpec s;
  SpecReader r(j, "spec");
  std::string kind;
  r.text("kind", kind).texts("prompts", s.prompts);
  LENS_TRY_STATUS(readPolicySpec(r, s.base));
  r.integer("samples", s.samples, 1, 4096).boolean("add_special", s.addSpecial);
  bool hasDataset = false;
  if (auto d = r.object("dataset")) {
    hasDataset = true;
    LENS_TRY_STATUS(readDatasetSpec(*d, s.dataset));
  }
  s.usePromptFormat = hasDataset;
  if (auto pr = r.object("prompt")) {
    s.usePromptFormat = true;
    LENS_TRY_STATUS(readPromptSpec(*pr, s.promptFormat, s.prompt));
  }
  if (auto sp = r.object("sampling")) LENS_TRY_STATUS(readSamplingSpec(*sp, s.sampling));
  if (auto v = r.object("verifier")) LENS_TRY_STATUS(readVerifierSpec(*v, s.verifier));
  LENS_TRY_STATUS(r.finish());
  s.verifier.prm.device = s.base.device;
  if (s.prompts.empty() == !hasDataset)
    return makeError(ErrorCode::InvalidInput,
                     "spec: give exactly one of \"prompts\" (a list) or \"dataset\" (a JSONL file, a MATH folder or builtin:arith)");
  mathdata::ProblemSet problems;
  if (!s.prompts.empty()) {
    problems = mathdata::fromPrompts(s.prompts);
  } else {
    auto p = mathdata::loadProblems(s.dataset);
    if (!p) return p.error();
    problems = std::move(*p);
  }
  return std::unique_ptr<Job>(new GenerateJob(std::move(s), std::move(problems)));
}

}  // namespace lens::jobs
