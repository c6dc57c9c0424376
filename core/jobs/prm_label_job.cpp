// SPDX-License-Identifier: GPL-3.0-or-later
// "prm-label": Monte Carlo step labels for training a process reward model (Snell et al. 2024, §5,
// after Wang et al. 2024, Math-Shepherd). For each problem the generator samples solutions; for
// every step prefix of each solution it samples rollouts that continue from that prefix, and the
// step's label is the fraction of rollouts that reach the right answer. The last step's label is
// whether the solution itself is right. Labels are stored as the step scores of the samples, so
// the run's database is the PRM's training data. With "mixed_only", problems whose solutions are
// all right or all wrong keep their samples unlabelled (no rollouts are spent on them).
#include <chrono>

#include "core/flops/flops.h"
#include "core/jobs/policy_job.h"
#include "core/jobs/spec_reader.h"
#include "core/mathdata/answer.h"
#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/text/tokenizer.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

struct LabelSpec {
  PolicySpec base;
  mathdata::ProblemSource dataset;
  int solutions = 4;  // sampled solutions per problem
  int rollouts = 4;   // continuations per step prefix
  // Only problems whose solutions include right and wrong answers get rollouts and labels: the
  // others (all right or all wrong) can teach a PRM only which problems are hard, not which of a
  // problem's solutions is right, which is what selection among them needs.
  bool mixedOnly = false;
  model::SamplingParams sampling;
  std::string stepDelimiter = "\n\n";
};

// Whether a sampled text's final answer is the problem's (every problem here has one).
bool reachesAnswer(const std::string& text, const mathdata::Problem& prob) {
  auto a = mathdata::extractAnswer(text);
  return a && prob.answer && mathdata::answersEqual(*a, *prob.answer);
}

class PrmLabelJob final : public PolicyJob {
 public:
  PrmLabelJob(LabelSpec s, mathdata::ProblemSet p) : PolicyJob(s.base, std::move(p)), m_spec(std::move(s)) {}
  std::string kind() const override { return "prm-label"; }

  Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) override {
    const auto t0 = std::chrono::steady_clock::now();
    const auto* tok = m_model->tokenizer();
    mathdata::PromptParams pp;
    pp.stepDelimiter = m_spec.stepDelimiter;
    // 1. Solutions for every problem of the batch.
    std::vector<model::GenerateRequest> first;
    std::vector<std::string> prompts;
    for (int64_t u : units) {
      prompts.push_back(mathdata::formatPrompt(problem(u).problem, mathdata::PromptFormat::Raw, pp));
      first.push_back({tok->encode(prompts.back(), true), m_spec.solutions, unitSeed(m_base.seed, u), m_spec.sampling});
    }
    auto sols = m_model->generate(first, &ctx);
    if (!sols) return sols.error();
    std::vector<char> labelled(units.size(), 1);
    for (size_t i = 0; i < units.size() && m_spec.mixedOnly; ++i) {
      const auto& prob = problem(units[i]);
      int right = 0;
      for (const auto& s : (*sols)[i]) right += reachesAnswer(s.text, prob);
      labelled[i] = right > 0 && right < static_cast<int>((*sols)[i].size());
    }
    // 2. Rollouts from every proper step prefix of every solution, in one batched call.
    struct Prefix {
      size_t unit, sample, step;
    };
    std::vector<Prefix> prefixes;
    std::vector<model::GenerateRequest> second;
    std::vector<std::vector<std::vector<std::string>>> steps(units.size());
    for (size_t i = 0; i < units.size(); ++i) {
      steps[i].resize((*sols)[i].size());
      for (size_t k = 0; k < (*sols)[i].size(); ++k) {
        steps[i][k] = mathdata::splitSteps((*sols)[i][k].text, m_spec.stepDelimiter);
        std::string text = prompts[i];
        for (size_t st = 0; labelled[i] && st + 1 < steps[i][k].size(); ++st) {
          text += steps[i][k][st] + m_spec.stepDelimiter;
          prefixes.push_back({i, k, st});
          second.push_back({tok->encode(text, true), m_spec.rollouts,
                            unitSeed(m_base.seed ^ 0x5eed, units[i] * 1000003 + static_cast<int64_t>(k * 1009 + st)), m_spec.sampling});
        }
      }
    }
    std::vector<std::vector<model::Sample>> rolls;
    if (!second.empty()) {
      auto r = m_model->generate(second, &ctx);
      if (!r) return r.error();
      rolls = std::move(*r);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / static_cast<double>(units.size());
    const int64_t params = m_model->parameterCount();
    const auto& cfg = m_model->config();
    std::vector<store::UnitResult> out(units.size());
    for (size_t i = 0; i < units.size(); ++i) {
      const auto& prob = problem(units[i]);
      out[i].index = units[i];
      out[i].key = unitKey(units[i]);
      out[i].problemIndex = units[i];
      out[i].seconds = seconds;
      for (size_t k = 0; k < (*sols)[i].size(); ++k) {
        const auto& s = (*sols)[i][k];
        store::SampleRecord r;
        r.index = static_cast<int>(k);
        r.text = s.text;
        r.tokenIds = s.tokenIds;
        for (float lp : s.logprobs) r.logprob += lp;
        r.finish = model::finishReasonName(s.finish);
        r.answer = mathdata::extractAnswer(s.text);
        r.correct = r.answer && prob.answer && mathdata::answersEqual(*r.answer, *prob.answer);
        const int64_t P = static_cast<int64_t>(first[i].promptIds.size()), G = static_cast<int64_t>(s.tokenIds.size());
        r.flops = flops::inferenceFlops(params, static_cast<double>(P) / m_spec.solutions + static_cast<double>(G)) +
                  flops::attentionFlops(cfg, flops::attendedKeys(cfg, 0, P) / m_spec.solutions + flops::attendedKeys(cfg, P, P + G));
        for (const auto& text : steps[i][k]) r.steps.push_back({text, std::nullopt});
        out[i].samples.push_back(std::move(r));
      }
    }
    // 3. Labels: the fraction of a prefix's rollouts whose answer is right; the last step's label
    // is the solution's own correctness.
    for (size_t p = 0; p < prefixes.size(); ++p) {
      const auto& pre = prefixes[p];
      const auto& prob = problem(units[pre.unit]);
      int right = 0;
      for (const auto& roll : rolls[p]) right += reachesAnswer(roll.text, prob);
      auto& sample = out[pre.unit].samples[pre.sample];
      sample.steps[pre.step].score = static_cast<double>(right) / static_cast<double>(rolls[p].size());
      const int64_t P = static_cast<int64_t>(second[p].promptIds.size());
      double rolloutTokens = 0, keys = flops::attendedKeys(cfg, 0, P);
      for (const auto& roll : rolls[p]) {
        rolloutTokens += static_cast<double>(roll.tokenIds.size());
        keys += flops::attendedKeys(cfg, P, P + static_cast<int64_t>(roll.tokenIds.size()));
      }
      sample.flops += flops::inferenceFlops(params, static_cast<double>(P) + rolloutTokens) + flops::attentionFlops(cfg, keys);
    }
    for (size_t i = 0; i < out.size(); ++i)
      for (auto& s : out[i].samples)
        if (labelled[i] && !s.steps.empty()) s.steps.back().score = s.correct.value_or(false) ? 1.0 : 0.0;
    return out;
  }

 private:
  LabelSpec m_spec;
};

}  // namespace

Result<std::unique_ptr<Job>> createPrmLabelJob(const json& j) {
  LabelSpec s;
  s.base.batch = 4;
  s.dataset.path = "builtin:arith";
  s.dataset.split = "train";
  s.dataset.count = 1000;
  s.sampling.temperature = 1.0f;
  s.sampling.maxNewTokens = 400;
  std::string kind;
  SpecReader r(j, "spec");
  r.text("kind", kind);
  LENS_TRY_STATUS(readPolicySpec(r, s.base));
  r.integer("solutions", s.solutions, 1, 1024).integer("rollouts", s.rollouts, 1, 1024).text("step_delimiter", s.stepDelimiter);
  r.boolean("mixed_only", s.mixedOnly);
  if (auto d = r.object("dataset")) {
    LENS_TRY_STATUS(readDatasetSpec(*d, s.dataset));
  }
  if (auto sp = r.object("sampling")) {
    sp->number("temperature", s.sampling.temperature, 0.0, 100.0).integer("max_new_tokens", s.sampling.maxNewTokens, 1, 1 << 20);
    LENS_TRY_STATUS(sp->finish());
  }
  LENS_TRY_STATUS(r.finish());
  auto p = mathdata::loadProblems(s.dataset);
  if (!p) return p.error();
  for (const auto& q : p->problems)
    if (!q.answer) return makeError(ErrorCode::InvalidInput, "spec.dataset: problem " + q.key + " has no reference answer to label against");
  return std::unique_ptr<Job>(new PrmLabelJob(std::move(s), std::move(*p)));
}

}  // namespace lens::jobs
