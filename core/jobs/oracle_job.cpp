// SPDX-License-Identifier: GPL-3.0-or-later
// "oracle": routing oracles of a Duo model over a set of sequences (Alizadeh et al. 2024). A unit
// is one problem; its sequence is the problem's prompt followed by its reference solution, so the
// oracle scores the model's routes on text it should be able to predict. Each unit stores one
// routing sequence: per token and budget the oracle's route and loss, the fixed routes' losses and
// the random routings' losses (core/routing/oracle.h).
#include <chrono>

#include "core/jobs/policy_job.h"
#include "core/jobs/spec_reader.h"
#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/routing/oracle.h"
#include "core/text/tokenizer.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

struct OracleSpec {
  PolicySpec base;
  mathdata::ProblemSource dataset;
  std::string text = "problem+solution";  // or "solution"
  std::string score = "solution";         // positions scored: "solution" (the prompt is context) or "all"
  int64_t maxTokens = 512;
  std::string budgets;  // "k=0,1,2" / "flops=0.5"; empty: k = 0 .. layers
  std::string scope = "token";
  std::string search = "auto";
  int beamWidth = 4;
  int64_t exhaustiveLimit = 6561;
  std::string reference = "all-big";
  int randomRoutings = 100;
};

class OracleJob final : public PolicyJob {
 public:
  OracleJob(OracleSpec s, mathdata::ProblemSet p) : PolicyJob(s.base, std::move(p)), m_spec(std::move(s)) {}
  std::string kind() const override { return "oracle"; }

  Status prepare(const RunContext& ctx) override {
    LENS_TRY_STATUS(PolicyJob::prepare(ctx));
    const auto& c = m_model->config();
    const int L = static_cast<int>(c.numLayers);
    if (c.duoSmallIntermediateSize <= 0)
      return makeError(ErrorCode::InvalidInput, "spec.model: " + m_base.model + " is not a Duo model (config.json has no duo_small_intermediate_size)");
    std::string budgets = m_spec.budgets;
    if (budgets.empty())
      for (int k = 0; k <= L; ++k) budgets += (k ? "," : "k=") + std::to_string(k);
    auto b = routing::parseBudgets(budgets, L);
    if (!b) return makeError(ErrorCode::InvalidInput, "spec.budgets: " + b.error().message);
    auto ref = routing::parseRoute(m_spec.reference, L);
    if (!ref) return makeError(ErrorCode::InvalidInput, "spec.reference: " + ref.error().message);
    m_params.budgets = *b;
    m_params.reference = *ref;
    m_params.scope = m_spec.scope == "sequence" ? routing::OracleParams::Scope::Sequence : routing::OracleParams::Scope::Token;
    m_params.search = m_spec.search == "exhaustive" ? routing::OracleParams::Search::Exhaustive
                      : m_spec.search == "beam"     ? routing::OracleParams::Search::Beam
                                                    : routing::OracleParams::Search::Auto;
    m_params.beamWidth = m_spec.beamWidth;
    m_params.exhaustiveLimit = m_spec.exhaustiveLimit;
    m_params.randomRoutings = m_spec.randomRoutings;
    m_params.seed = m_base.seed;
    m_format = mathdata::resolvePromptFormat(mathdata::PromptFormat::Auto, m_model->tokenizer());
    return Status::success();
  }

  Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) override {
    std::vector<store::UnitResult> out;
    const auto& c = m_model->config();
    for (int64_t u : units) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto& prob = problem(u);
      const bool withPrompt = m_spec.text != "solution";
      const std::string prompt = withPrompt ? mathdata::formatPrompt(prob.problem, m_format, {}) : std::string();
      auto ids = m_model->tokenizer()->encode(prompt + prob.solution, mathdata::addSpecialTokens(m_format));
      // The position whose next token is the first of the solution (byte-exact for ComputeLens's
      // byte tokenizer; for BPE the prompt's own encoding approximates the boundary).
      int64_t first = 0;
      if (withPrompt && m_spec.score == "solution")
        first = std::max<int64_t>(0, static_cast<int64_t>(m_model->tokenizer()->encode(prompt, mathdata::addSpecialTokens(m_format)).size()) - 1);
      const int64_t limit = std::min<int64_t>(m_spec.maxTokens, c.maxPositions);
      if (static_cast<int64_t>(ids.size()) > limit) ids.resize(static_cast<size_t>(limit));
      if (ids.size() < 2)
        return makeError(ErrorCode::InvalidInput, "problem " + prob.key + ": its text has fewer than 2 tokens (does it have a solution?)");
      if (first >= static_cast<int64_t>(ids.size()) - 1)
        return makeError(ErrorCode::InvalidInput, "problem " + prob.key + ": max_tokens " + std::to_string(limit) + " leaves none of the solution to score");
      routing::OracleParams p = m_params;
      p.seed = unitSeed(m_base.seed, u);
      p.firstPosition = first;
      auto res = routing::runOracle(*m_model, ids, p, &ctx);
      if (!res) return makeError(res.error().code, "problem " + prob.key + ": " + res.error().message);
      store::RoutingSequence seq;
      seq.index = 0;
      seq.layerCount = res->layers;
      for (const auto& b : m_params.budgets) seq.budgets.push_back(static_cast<float>(b.value));
      seq.tokenIds = ids;
      seq.routes = std::move(res->routes);
      seq.losses = std::move(res->loss);
      seq.fixedLosses = std::move(res->fixedLoss);
      if (m_params.randomRoutings > 0) {
        seq.randomLosses = std::move(res->randomLoss);
        seq.bestRandomLosses = std::move(res->bestRandomLoss);
      }
      store::UnitResult r;
      r.index = u;
      r.key = unitKey(u);
      r.problemIndex = u;
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      r.routing.push_back(std::move(seq));
      r.metrics.push_back({"token-routes", "oracle", u, static_cast<double>(res->tokenRoutesEvaluated)});
      out.push_back(std::move(r));
      if (ctx.cancelled()) break;
    }
    return out;
  }

 private:
  OracleSpec m_spec;
  routing::OracleParams m_params;
  mathdata::PromptFormat m_format = mathdata::PromptFormat::Raw;
};

}  // namespace

Result<std::unique_ptr<Job>> createOracleJob(const json& j) {
  OracleSpec s;
  s.base.batch = 1;
  s.dataset.path = "builtin:arith";
  s.dataset.split = "test";
  s.dataset.filter.limit = 100;
  std::string kind;
  SpecReader r(j, "spec");
  r.text("kind", kind);
  LENS_TRY_STATUS(readPolicySpec(r, s.base));
  r.oneOf("text", s.text, {"problem+solution", "solution"})
      .oneOf("score", s.score, {"solution", "all"})
      .integer("max_tokens", s.maxTokens, 2, 1 << 20)
      .text("budgets", s.budgets)
      .oneOf("scope", s.scope, {"token", "sequence"})
      .oneOf("search", s.search, {"auto", "exhaustive", "beam"})
      .integer("beam_width", s.beamWidth, 1, 4096)
      .integer("exhaustive_limit", s.exhaustiveLimit, 1, 531441)
      .text("reference", s.reference)
      .integer("random_routings", s.randomRoutings, 0, 100000);
  if (auto d = r.object("dataset")) LENS_TRY_STATUS(readDatasetSpec(*d, s.dataset));
  LENS_TRY_STATUS(r.finish());
  auto p = mathdata::loadProblems(s.dataset);
  if (!p) return p.error();
  return std::unique_ptr<Job>(new OracleJob(std::move(s), std::move(*p)));
}

}  // namespace lens::jobs
