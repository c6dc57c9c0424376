// SPDX-License-Identifier: GPL-3.0-or-later
// "router-train": trains routers for a Duo model (core/routing/router.h) on problems' texts, the
// same texts the oracle job scores (prompt + reference solution, scored on the solution). One unit:
// the whole training; its curve (objective, LM loss, compute fraction or oracle agreement per step)
// commits with it and the router is written to "out" (router.safetensors + router.json). Training is
// deterministic given the seed, so an interrupted run simply trains again.
#include <chrono>
#include <filesystem>

#include "core/jobs/policy_job.h"
#include "core/jobs/routing_text.h"
#include "core/jobs/spec_reader.h"
#include "core/routing/router.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

struct RouterTrainSpec {
  PolicySpec base;
  mathdata::ProblemSource dataset;
  RoutingTextSpec text;
  std::string out;
  std::string mode = "penalty";
  std::string budget = "k=1";
  std::string scope = "sequence";
  routing::RouterTrainParams params;
  json command;
};

class RouterTrainJob final : public PolicyJob {
 public:
  RouterTrainJob(RouterTrainSpec s, mathdata::ProblemSet p) : PolicyJob(s.base, std::move(p)), m_spec(std::move(s)) {}
  std::string kind() const override { return "router-train"; }
  int64_t unitCount() const override { return 1; }
  bool reportsRunSteps() const override { return true; }  // the optimizer's steps
  std::string unitKey(int64_t) const override { return "router " + m_spec.mode; }
  const mathdata::ProblemSet* problems() const override { return nullptr; }
  int batchSize() const override { return 1; }

  Status prepare(const RunContext& ctx) override {
    LENS_TRY_STATUS(PolicyJob::prepare(ctx));
    const auto& c = m_model->config();
    if (c.duoSmallIntermediateSize <= 0)
      return makeError(ErrorCode::InvalidInput, "spec.model: " + m_base.model + " is not a Duo model (config.json has no duo_small_intermediate_size)");
    auto b = routing::parseBudgets(m_spec.budget, static_cast<int>(c.numLayers));
    if (!b) return makeError(ErrorCode::InvalidInput, "spec.budget: " + b.error().message);
    if (b->size() != 1) return makeError(ErrorCode::InvalidInput, "spec.budget: one budget, e.g. k=1 (a router imitates one oracle)");
    m_spec.params.budget = b->front();
    m_format = mathdata::resolvePromptFormat(mathdata::PromptFormat::Auto, m_model->tokenizer());
    return Status::success();
  }

  Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) override {
    std::vector<store::UnitResult> out;
    if (units.empty()) return out;
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<routing::RoutedText> texts;
    for (const auto& prob : m_problems.problems) {
      auto t = routingText(*m_model, m_format, prob, m_spec.text);
      if (!t) return t.error();
      texts.push_back(std::move(*t));
    }
    store::UnitResult r;
    r.index = 0;
    r.key = unitKey(0);
    const bool penalty = m_spec.params.mode == routing::RouterTrainParams::Mode::Penalty;
    auto router = routing::trainRouter(*m_model, texts, m_spec.params, &ctx, [&](const routing::RouterStep& s) {
      r.metrics.push_back({"objective", "train", s.step, s.loss});
      if (penalty) {
        r.metrics.push_back({"lm-loss", "train", s.step, s.lmLoss});
        r.metrics.push_back({"cost-fraction", "train", s.step, s.costFraction});
      } else {
        r.metrics.push_back({"oracle-agreement", "train", s.step, s.accuracy});
      }
      ctx.report(s.step, m_spec.params.steps, "training the router");
    });
    if (!router) return router.error();
    router->manifest["model"] = m_base.model;
    router->manifest["name"] = std::filesystem::path(m_spec.out).filename().string();
    router->manifest["command"] = m_spec.command;
    LENS_TRY_STATUS(router->save(m_spec.out));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.push_back(std::move(r));
    return out;
  }

 private:
  RouterTrainSpec m_spec;
  mathdata::PromptFormat m_format = mathdata::PromptFormat::Raw;
};

}  // namespace

Result<std::unique_ptr<Job>> createRouterTrainJob(const json& j) {
  RouterTrainSpec s;
  s.base.batch = 1;
  s.dataset.path = "builtin:arith";
  s.dataset.split = "train";
  s.dataset.count = 200;
  std::string kind;
  SpecReader r(j, "spec");
  r.text("kind", kind).text("out", s.out, /*required=*/true);
  LENS_TRY_STATUS(readPolicySpec(r, s.base));
  readRoutingTextSpec(r, s.text);
  auto& p = s.params;
  r.oneOf("mode", s.mode, {"penalty", "imitate"})
      .number("lambda", p.lambda, 0.0, 1e6)
      .number("temperature", p.temperature, 0.0, 100.0, /*loExclusive=*/true)
      .text("budget", s.budget)
      .oneOf("scope", s.scope, {"sequence", "token"})
      .integer("steps", p.steps, 1, int64_t{1} << 30)
      .integer("train_batch", p.batch, 1, 4096)
      .number("lr", p.lr, 0.0, 10.0, /*loExclusive=*/true);
  if (auto d = r.object("dataset")) LENS_TRY_STATUS(readDatasetSpec(*d, s.dataset));
  LENS_TRY_STATUS(r.finish());
  if (s.mode == "imitate" && !s.budget.empty())  // its syntax now; its range once the model is loaded
    if (auto b = routing::parseBudgets(s.budget, 1 << 20); !b) return makeError(ErrorCode::InvalidInput, "spec.budget: " + b.error().message);
  p.mode = s.mode == "imitate" ? routing::RouterTrainParams::Mode::Imitate : routing::RouterTrainParams::Mode::Penalty;
  p.scope = s.scope == "token" ? routing::OracleParams::Scope::Token : routing::OracleParams::Scope::Sequence;
  p.seed = s.base.seed;
  s.command = j;
  auto probs = mathdata::loadProblems(s.dataset);
  if (!probs) return probs.error();
  if (probs->problems.empty()) return makeError(ErrorCode::InvalidInput, "spec.dataset: no problems selected");
  return std::unique_ptr<Job>(new RouterTrainJob(std::move(s), std::move(*probs)));
}

}  // namespace lens::jobs
