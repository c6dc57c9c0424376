// SPDX-License-Identifier: GPL-3.0-or-later
// "oracle": routing oracles of a Duo model over a set of sequences (Alizadeh et al. 2024). A unit
// is one problem; its sequence is the problem's prompt followed by its reference solution, so the
// oracle scores the model's routes on text it should be able to predict. Each unit stores one
// routing sequence: per token and budget the oracle's route and loss, the fixed routes' losses and
// the random routings' losses (core/routing/oracle.h). Trained routers named in "routers" run on the
// same text (every token routed by the router), so their routes and losses sit beside the oracle's.
#include <chrono>

#include "core/jobs/policy_job.h"
#include "core/jobs/routing_text.h"
#include "core/jobs/spec_reader.h"
#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/routing/oracle.h"
#include "core/routing/router.h"
#include "core/text/tokenizer.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

struct OracleSpec {
  PolicySpec base;
  mathdata::ProblemSource dataset;
  RoutingTextSpec text;
  std::vector<std::string> routers;  // router folders evaluated beside the oracle
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
    m_routers.clear();
    for (size_t i = 0; i < m_spec.routers.size(); ++i) {
      const std::string where = "spec.routers[" + std::to_string(i) + "]";
      auto r = routing::Router::load(m_spec.routers[i]);
      if (!r) return makeError(r.error().code, where + ": " + r.error().message);
      LENS_TRY_STATUS(r->checkFits(*m_model, where + " (" + m_spec.routers[i] + ")"));
      m_routers.push_back(std::move(*r));
    }
    return Status::success();
  }

  Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) override {
    std::vector<store::UnitResult> out;
    for (int64_t u : units) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto& prob = problem(u);
      auto text = routingText(*m_model, m_format, prob, m_spec.text);
      if (!text) return text.error();
      const auto& ids = text->tokens;
      routing::OracleParams p = m_params;
      p.seed = unitSeed(m_base.seed, u);
      p.firstPosition = text->firstPosition;
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
      // Routers: [positions, routers, layers] and [positions, routers].
      if (!m_routers.empty()) {
        const size_t P = static_cast<size_t>(res->positions), Rn = m_routers.size(), L = static_cast<size_t>(res->layers);
        seq.routerRoutes.assign(P * Rn * L, 0);
        seq.routerLosses.assign(P * Rn, 0.0f);
        for (size_t r = 0; r < Rn; ++r) {
          auto run = routing::applyRouter(*m_model, m_routers[r], *text);
          if (!run) return makeError(run.error().code, "problem " + prob.key + ", router " + m_spec.routers[r] + ": " + run.error().message);
          for (size_t t = 0; t < P; ++t) {
            std::copy_n(run->routes.begin() + static_cast<std::ptrdiff_t>(t * L), L, seq.routerRoutes.begin() + static_cast<std::ptrdiff_t>((t * Rn + r) * L));
            seq.routerLosses[t * Rn + r] = run->loss[t];
          }
        }
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
  std::vector<routing::Router> m_routers;
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
  readRoutingTextSpec(r, s.text);
  r.texts("routers", s.routers)
      .text("budgets", s.budgets)
      .oneOf("scope", s.scope, {"token", "sequence"})
      .oneOf("search", s.search, {"auto", "exhaustive", "beam"})
      .integer("beam_width", s.beamWidth, 1, 4096)
      .integer("exhaustive_limit", s.exhaustiveLimit, 1, 531441)
      .text("reference", s.reference)
      .integer("random_routings", s.randomRoutings, 0, 100000);
  if (auto d = r.object("dataset")) LENS_TRY_STATUS(readDatasetSpec(*d, s.dataset));
  LENS_TRY_STATUS(r.finish());
  // The budgets' syntax now, so a typo is reported before any model is loaded; their range (k up
  // to the model's layers) is checked in prepare, when the layers are known.
  if (!s.budgets.empty())
    if (auto b = routing::parseBudgets(s.budgets, 1 << 20); !b) return makeError(ErrorCode::InvalidInput, "spec.budgets: " + b.error().message);
  auto p = mathdata::loadProblems(s.dataset);
  if (!p) return p.error();
  return std::unique_ptr<Job>(new OracleJob(std::move(s), std::move(*p)));
}

}  // namespace lens::jobs
