// SPDX-License-Identifier: GPL-3.0-or-later
// "prm-label": Monte Carlo step labels for training a process reward model (Snell et al. 2024, §5,
// after Wang et al. 2024, Math-Shepherd). For each problem the generator samples solutions; for
// every step prefix of each solution it samples rollouts that continue from that prefix, and the
// step's label is the fraction of rollouts that reach the right answer. The last step's label is
// whether the solution itself is right. Labels are stored as the step scores of the samples, so
// the run's database is the PRM's training data.
#include <chrono>

#include "core/flops/flops.h"
#include "core/jobs/job.h"
#include "core/jobs/spec_reader.h"
#include "core/mathdata/answer.h"
#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/text/tokenizer.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

struct LabelSpec {
  std::string name, model;
  uint64_t seed = 0;
  mathdata::ProblemSource dataset;
  int solutions = 4;  // sampled solutions per problem
  int rollouts = 4;   // continuations per step prefix
  int batch = 4;      // problems per generate call
  model::SamplingParams sampling;
  model::DeviceParams device;
  std::string stepDelimiter = "\n\n";
};

class PrmLabelJob final : public Job {
 public:
  PrmLabelJob(LabelSpec s, mathdata::ProblemSet p) : m_spec(std::move(s)), m_problems(std::move(p)) {}
  std::string kind() const override { return "prm-label"; }
  std::string name() const override { return m_spec.name; }
  uint64_t seed() const override { return m_spec.seed; }
  int64_t unitCount() const override { return static_cast<int64_t>(m_problems.problems.size()); }
  std::string unitKey(int64_t u) const override { return m_problems.problems[static_cast<size_t>(u)].key; }
  const mathdata::ProblemSet* problems() const override { return &m_problems; }
  std::vector<std::pair<std::string, std::string>> modelDirs() const override { return {{"policy", m_spec.model}}; }
  int batchSize() const override { return m_spec.batch; }
  std::string device() const override { return m_model ? m_model->device() + " " + m_model->dtype() : std::string(); }

  Status prepare(const RunContext& ctx) override {
    ctx.report(0, 0, "loading " + m_spec.model);
    auto m = model::Model::load(m_spec.model, m_spec.device);
    if (!m) return m.error();
    if (!(*m)->tokenizer()) return makeError(ErrorCode::InvalidInput, m_spec.model + ": no tokenizer.json");
    m_model = std::move(*m);
    return Status::success();
  }

  Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) override {
    const auto t0 = std::chrono::steady_clock::now();
    const auto* tok = m_model->tokenizer();
    mathdata::PromptParams pp;
    pp.stepDelimiter = m_spec.stepDelimiter;
    // 1. Solutions for every problem of the batch.
    std::vector<model::GenerateRequest> first;
    std::vector<std::string> prompts;
    for (int64_t u : units) {
      prompts.push_back(mathdata::formatPrompt(m_problems.problems[static_cast<size_t>(u)].problem, mathdata::PromptFormat::Raw, pp));
      first.push_back({tok->encode(prompts.back(), true), m_spec.solutions, unitSeed(m_spec.seed, u), m_spec.sampling});
    }
    auto sols = m_model->generate(first, &ctx);
    if (!sols) return sols.error();
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
        for (size_t st = 0; st + 1 < steps[i][k].size(); ++st) {
          text += steps[i][k][st] + m_spec.stepDelimiter;
          prefixes.push_back({i, k, st});
          second.push_back({tok->encode(text, true), m_spec.rollouts,
                            unitSeed(m_spec.seed ^ 0x5eed, units[i] * 1000003 + static_cast<int64_t>(k * 1009 + st)), m_spec.sampling});
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
    std::vector<store::UnitResult> out(units.size());
    for (size_t i = 0; i < units.size(); ++i) {
      const auto& problem = m_problems.problems[static_cast<size_t>(units[i])];
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
        r.correct = r.answer && problem.answer && mathdata::answersEqual(*r.answer, *problem.answer);
        r.flops = flops::inferenceFlops(params, static_cast<double>(first[i].promptIds.size()) / m_spec.solutions +
                                                    static_cast<double>(s.tokenIds.size()));
        for (const auto& text : steps[i][k]) r.steps.push_back({text, std::nullopt});
        out[i].samples.push_back(std::move(r));
      }
    }
    // 3. Labels: the fraction of a prefix's rollouts whose answer is right; the last step's label
    // is the solution's own correctness.
    for (size_t p = 0; p < prefixes.size(); ++p) {
      const auto& pre = prefixes[p];
      const auto& problem = m_problems.problems[static_cast<size_t>(units[pre.unit])];
      int right = 0;
      for (const auto& roll : rolls[p]) {
        auto a = mathdata::extractAnswer(roll.text);
        right += a && problem.answer && mathdata::answersEqual(*a, *problem.answer);
      }
      auto& sample = out[pre.unit].samples[pre.sample];
      sample.steps[pre.step].score = static_cast<double>(right) / static_cast<double>(rolls[p].size());
      double rolloutTokens = 0;
      for (const auto& roll : rolls[p]) rolloutTokens += static_cast<double>(roll.tokenIds.size());
      sample.flops += flops::inferenceFlops(params, static_cast<double>(second[p].promptIds.size()) + rolloutTokens);
    }
    for (auto& u : out)
      for (auto& s : u.samples)
        if (!s.steps.empty()) s.steps.back().score = s.correct.value_or(false) ? 1.0 : 0.0;
    return out;
  }

 private:
  LabelSpec m_spec;
  mathdata::ProblemSet m_problems;
  std::unique_ptr<model::Model> m_model;
};

}  // namespace

Result<std::unique_ptr<Job>> createPrmLabelJob(const json& j) {
  LabelSpec s;
  s.dataset.path = "builtin:arith";
  s.dataset.split = "train";
  s.dataset.count = 1000;
  s.sampling.temperature = 1.0f;
  s.sampling.maxNewTokens = 400;
  std::string kind;
  SpecReader r(j, "spec");
  r.text("kind", kind).text("name", s.name).unsignedInteger("seed", s.seed).text("model", s.model, /*required=*/true);
  r.integer("solutions", s.solutions, 1, 1024).integer("rollouts", s.rollouts, 1, 1024).integer("batch", s.batch, 1, 1024)
      .text("step_delimiter", s.stepDelimiter);
  if (auto d = r.object("dataset")) {
    d->text("path", s.dataset.path).oneOf("split", s.dataset.split, {"train", "validation", "test"})
        .integer("count", s.dataset.count, 0, int64_t{1} << 32)
        .integers("levels", s.dataset.filter.levels, 1, 5)
        .integer("limit", s.dataset.filter.limit, 0, INT64_MAX);
    LENS_TRY_STATUS(d->finish());
  }
  if (auto sp = r.object("sampling")) {
    sp->number("temperature", s.sampling.temperature, 0.0, 100.0).integer("max_new_tokens", s.sampling.maxNewTokens, 1, 1 << 20);
    LENS_TRY_STATUS(sp->finish());
  }
  LENS_TRY_STATUS(readDeviceSpec(r, s.device));
  LENS_TRY_STATUS(r.finish());
  auto p = mathdata::loadProblems(s.dataset);
  if (!p) return p.error();
  for (const auto& q : p->problems)
    if (!q.answer) return makeError(ErrorCode::InvalidInput, "spec.dataset: problem " + q.key + " has no reference answer to label against");
  return std::unique_ptr<Job>(new PrmLabelJob(std::move(s), std::move(*p)));
}

}  // namespace lens::jobs
