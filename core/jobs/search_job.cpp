// SPDX-License-Identifier: GPL-3.0-or-later
// "search": verifier-guided tree search per problem (Snell et al. 2024 §5.2): beam, lookahead or
// DVTS with a process reward model (core/search/tree_search.h); or sequential revisions (§6,
// strategy "revise", core/search/revisions.h): n attempts in n / chain_length chains, each attempt
// seeing the chain's earlier ones, with the answer by majority, weighted or hierarchical selection.
// Revisions store each attempt as a node whose parent is the chain's previous attempt. A unit is one problem; it stores
// the search tree (every sampled step with its score, the chosen path marked), the finished
// solutions as samples (graded, with their step scores), and the compute: generator tokens
// (prefilled once for the prompt, decoded for steps and rollouts) and verifier tokens, with their
// FLOPs. The chosen answer's correctness is the unit's "correct" metric. A Duo generator may run
// under a fixed route ("route": all-small, "sBsB", ...), so per-token compute (the route) and
// per-problem compute (N) can be traded against each other; or under a trained router ("router":
// folder), which picks every token's route from its hidden state. Generator FLOPs follow the
// modules the tokens took.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/flops/flops.h"
#include "core/jobs/policy_job.h"
#include "core/jobs/spec_reader.h"
#include "core/mathdata/answer.h"
#include "core/model/config.h"
#include "core/routing/route.h"
#include "core/routing/router.h"
#include "core/search/revisions.h"
#include "core/search/search_sources.h"
#include "core/text/tokenizer.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

struct SearchSpec {
  PolicySpec base;
  mathdata::ProblemSource dataset;
  std::string promptFormat = "auto";
  mathdata::PromptParams prompt;
  std::string strategy = "beam";
  search::SearchParams params;
  model::SamplingParams step;  // one step: stops at the step delimiter
  int64_t maxTokens = 1024;    // a path's tokens at most (prompt included)
  VerifierSpec verifier;
  std::string route = "all-big";
  std::string router;  // a trained router's folder (Duo generators)
  search::RevisionParams revision;  // strategy "revise"
  bool revise = false;
};

class SearchJob final : public PolicyJob {
 public:
  SearchJob(SearchSpec s, mathdata::ProblemSet p) : PolicyJob(s.base, std::move(p)), m_spec(std::move(s)) {}
  std::string kind() const override { return "search"; }
  int batchSize() const override { return 1; }
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
      if (!prm) return makeError(prm.error().code, "spec.verifier.model: " + prm.error().message);
      m_prm = std::move(*prm);
    }
    const auto& c = m_model->config();
    auto route = routing::parseRoute(m_spec.route, static_cast<int>(c.numLayers));
    if (!route) return makeError(ErrorCode::InvalidInput, "spec.route: " + route.error().message);
    const bool allBig = std::all_of(route->begin(), route->end(), [](uint8_t x) { return x == routing::kBig; });
    if (!allBig && c.duoSmallIntermediateSize <= 0)
      return makeError(ErrorCode::InvalidInput, "spec.route: " + m_base.model + " is not a Duo model; only all-big applies");
    m_route = allBig ? std::vector<uint8_t>() : *route;
    if (!m_spec.router.empty()) {
      if (!allBig) return makeError(ErrorCode::InvalidInput, "spec.router: give a router or a fixed route, not both");
      auto router = routing::Router::load(m_spec.router);
      if (!router) return makeError(router.error().code, "spec.router: " + router.error().message);
      LENS_TRY_STATUS(router->checkFits(*m_model, "spec.router"));
      m_router = std::move(*router);
    }
    return Status::success();
  }

  // Generator matmul FLOPs: 2 × parameters per token scaled by the matmul cost of the modules the
  // tokens actually took (a fixed route, or a router's choices plus the router's own cost). The
  // attention over each token's context is added apart (flops::attentionFlops).
  double generatorFlops(const std::vector<std::array<int64_t, 3>>& counts, double tokens) const {
    const auto& c = m_model->config();
    const double allBig = flops::tokenMatmulFlops(c, nullptr);
    const double counted = counts.empty() ? 0.0 : static_cast<double>(counts[0][0] + counts[0][1] + counts[0][2]);
    const double scale = counted > 0 ? flops::countedMatmulFlops(c, counts, m_router.has_value()) / (counted * allBig) : 1.0;
    return scale * flops::inferenceFlops(m_model->parameterCount(), tokens);
  }

  Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) override {
    std::vector<store::UnitResult> out;
    if (m_spec.revise) {
      for (int64_t u : units) {
        auto r = reviseUnit(u, ctx);
        if (!r) return r.error();
        out.push_back(std::move(*r));
        if (ctx.cancelled()) break;
      }
      return out;
    }
    for (int64_t u : units) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto& prob = problem(u);
      auto ids = m_model->tokenizer()->encode(mathdata::formatPrompt(prob.problem, m_format, m_spec.prompt), mathdata::addSpecialTokens(m_format));
      if (ids.empty()) return makeError(ErrorCode::InvalidInput, "problem " + prob.key + ": the prompt encodes to no tokens");
      const int64_t capacity = std::min<int64_t>(m_spec.maxTokens, m_model->config().maxPositions);
      if (static_cast<int64_t>(ids.size()) + 2 > capacity)
        return makeError(ErrorCode::InvalidInput, "problem " + prob.key + ": the prompt's " + std::to_string(ids.size()) + " tokens leave no room under max_tokens " + std::to_string(capacity));
      auto source = search::ModelStepSource::open(*m_model, ids, m_spec.step, unitSeed(m_base.seed, u), search::searchSlots(m_spec.params), capacity, m_route,
                                                   m_router ? &*m_router : nullptr);
      if (!source) return source.error();
      search::PrmScorer scorer(*m_prm, prob.problem);
      auto res = search::runSearch(**source, scorer, m_spec.params, [](const std::string& s) { return mathdata::extractAnswer(s); }, &ctx);
      if (!res) return makeError(res.error().code, "problem " + prob.key + ": " + res.error().message);

      store::UnitResult r;
      r.index = u;
      r.key = unitKey(u);
      r.problemIndex = u;
      for (const auto& n : res->nodes) {
        store::SearchNodeRecord rec;
        rec.index = n.id;
        if (n.parent >= 0) rec.parent = n.parent;
        rec.depth = n.depth;
        rec.text = n.text;
        rec.tokenCount = n.tokens;
        rec.score = n.score;
        rec.selected = n.selected;
        r.nodes.push_back(std::move(rec));
      }
      const double prefill = static_cast<double>((*source)->prefilledTokens()) + 1.0;  // the prompt's last token is fed as a decode step
      const double decode = static_cast<double>((*source)->decodedTokens());
      const double attention = flops::attentionFlops(m_model->config(), (*source)->attendedKeys());
      const double genFlops = generatorFlops((*source)->moduleCounts(), prefill + decode) + attention;
      const double prmFlops = scorer.scoredFlops();
      const auto& ref = prob.answer;
      bool chosenCorrect = false;
      for (size_t k = 0; k < res->finished.size(); ++k) {
        const int leaf = res->finished[k];
        store::SampleRecord s;
        s.index = static_cast<int>(k);
        for (int n = leaf; n >= 0; n = res->nodes[static_cast<size_t>(n)].parent) {
          const auto& node = res->nodes[static_cast<size_t>(n)];
          s.steps.insert(s.steps.begin(), store::StepRecord{node.text, node.score});
        }
        for (const auto& st : s.steps) s.text += st.text;
        s.finish = res->nodes[static_cast<size_t>(leaf)].final ? "eos" : "length";
        s.score = res->nodes[static_cast<size_t>(leaf)].score;
        s.flops = genFlops / static_cast<double>(res->finished.size());
        s.answer = mathdata::extractAnswer(s.text);
        if (ref) s.correct = s.answer && mathdata::answersEqual(*s.answer, *ref);
        if (res->chosen && *res->chosen == leaf) chosenCorrect = s.correct.value_or(false);
        r.samples.push_back(std::move(s));
      }
      r.metrics = {{"generator-prefill-tokens", "search", u, prefill},
                   {"generator-decode-tokens", "search", u, decode},
                   {"rollout-tokens", "search", u, static_cast<double>(res->rolloutTokens)},
                   {"verifier-tokens", "search", u, static_cast<double>(scorer.scoredTokens())},
                   {"generator-flops", "search", u, genFlops},
                   {"generator-attention-flops", "search", u, attention},
                   {"verifier-flops", "search", u, prmFlops},
                   {"rounds", "search", u, static_cast<double>(res->rounds)}};
      if (ref) r.metrics.push_back({"correct", "search", u, chosenCorrect ? 1.0 : 0.0});
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      out.push_back(std::move(r));
      if (ctx.cancelled()) break;
    }
    return out;
  }

 private:
  // Sequential revisions on one problem.
  Result<store::UnitResult> reviseUnit(int64_t u, const RunContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto& prob = problem(u);
    const auto& rp = m_spec.revision;
    const int64_t capacity = std::min<int64_t>(m_spec.maxTokens, m_model->config().maxPositions);
    auto source = search::ModelAttemptSource::open(*m_model, prob.problem, m_format, m_spec.prompt, m_spec.step, unitSeed(m_base.seed, u),
                                                   rp.n / rp.chainLength, capacity, m_route, m_router ? &*m_router : nullptr);
    if (!source) return source.error();
    std::unique_ptr<search::PrmScorer> scorer;
    if (m_prm) scorer = std::make_unique<search::PrmScorer>(*m_prm, prob.problem);
    auto res = search::runRevisions(**source, scorer.get(), rp, [](const std::string& s) { return mathdata::extractAnswer(s); }, &ctx);
    if (!res) return makeError(res.error().code, "problem " + prob.key + ": " + res.error().message);

    store::UnitResult r;
    r.index = u;
    r.key = unitKey(u);
    r.problemIndex = u;
    const double prefill = static_cast<double>((*source)->promptTokens()), decode = static_cast<double>((*source)->generatedTokens());
    const double attention = flops::attentionFlops(m_model->config(), (*source)->attendedKeys());
    const double genFlops = generatorFlops((*source)->moduleCounts(), prefill + decode) + attention;
    const double verifierTokens = scorer ? static_cast<double>(scorer->scoredTokens()) : 0.0;
    const double prmFlops = scorer ? scorer->scoredFlops() : 0.0;
    const auto& ref = prob.answer;
    auto isCorrect = [&](const search::RevisionAttempt& a) { return ref && a.answer && mathdata::answersEqual(*a.answer, *ref); };
    const int L = rp.chainLength;
    std::vector<double> turnCorrect(static_cast<size_t>(L), 0.0);
    for (size_t c = 0; c < res->chains.size(); ++c)
      for (int t = 0; t < L; ++t) {
        const auto& a = res->chains[c][static_cast<size_t>(t)];
        const int id = static_cast<int>(c) * L + t;
        const bool chosenChain = res->chosen && res->chosen->chain == static_cast<int>(c) && t <= res->chosen->turn;
        store::SearchNodeRecord rec;
        rec.index = id;
        if (t > 0) rec.parent = id - 1;
        rec.depth = t + 1;
        rec.text = a.text;
        rec.tokenCount = a.tokens;
        rec.score = a.score;
        rec.selected = chosenChain;
        r.nodes.push_back(std::move(rec));
        store::SampleRecord s;
        s.index = id;
        s.text = a.text;
        s.tokenIds = a.tokenIds;
        s.logprob = a.logprob;
        for (const auto& st : mathdata::splitSteps(a.text, rp.stepDelimiter)) s.steps.push_back({st, std::nullopt});
        if (!s.steps.empty() && m_prm) s.steps.back().score = a.score;
        s.finish = a.kept ? "kept" : "eos";
        if (m_prm) s.score = a.score;
        s.flops = genFlops / static_cast<double>(rp.n);
        s.answer = a.answer;
        if (ref) s.correct = isCorrect(a);
        turnCorrect[static_cast<size_t>(t)] += s.correct.value_or(false) ? 1.0 : 0.0;
        r.samples.push_back(std::move(s));
      }
    r.metrics = {{"generator-prefill-tokens", "search", u, prefill},
                 {"generator-decode-tokens", "search", u, decode},
                 {"verifier-tokens", "search", u, verifierTokens},
                 {"generator-flops", "search", u, genFlops},
                 {"generator-attention-flops", "search", u, attention},
                 {"verifier-flops", "search", u, prmFlops},
                 {"rounds", "search", u, static_cast<double>(L)},
                 {"dropped-attempts", "search", u, static_cast<double>((*source)->droppedAttempts())}};
    if (rp.keepAbove) r.metrics.push_back({"revision-kept", "search", u, static_cast<double>(res->keptAttempts)});
    if (ref) {
      auto correctAt = [&](const std::optional<search::AttemptRef>& pick) {
        return pick && isCorrect(res->chains[static_cast<size_t>(pick->chain)][static_cast<size_t>(pick->turn)]) ? 1.0 : 0.0;
      };
      r.metrics.push_back({"correct", "search", u, correctAt(res->chosen)});
      r.metrics.push_back({"correct-majority", "search", u, correctAt(res->majority)});
      if (m_prm) {
        r.metrics.push_back({"correct-weighted", "search", u, correctAt(res->weighted)});
        r.metrics.push_back({"correct-hierarchical", "search", u, correctAt(res->hierarchical)});
      }
      // The fraction of chains right at attempt t ("turn-correct-<t>"): do later attempts improve?
      for (int t = 0; t < L; ++t)
        r.metrics.push_back({"turn-correct-" + std::to_string(t + 1), "search", u, turnCorrect[static_cast<size_t>(t)] / static_cast<double>(res->chains.size())});
      // Does a revision fix more answers than it breaks? Over every chain, the attempts that are
      // right after a wrong one ("revision-fixed") and wrong after a right one ("revision-broken").
      if (L > 1) {
        double fixed = 0, broken = 0;
        for (const auto& chain : res->chains)
          for (size_t t = 1; t < chain.size(); ++t) {
            const bool before = isCorrect(chain[t - 1]), after = isCorrect(chain[t]);
            fixed += !before && after ? 1.0 : 0.0;
            broken += before && !after ? 1.0 : 0.0;
          }
        r.metrics.push_back({"revision-fixed", "search", u, fixed});
        r.metrics.push_back({"revision-broken", "search", u, broken});
      }
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }

  SearchSpec m_spec;
  mathdata::PromptFormat m_format = mathdata::PromptFormat::Raw;
  std::unique_ptr<verify::ProcessRewardModel> m_prm;
  std::vector<uint8_t> m_route;
  std::optional<routing::Router> m_router;
};

}  // namespace

Result<std::unique_ptr<Job>> createSearchJob(const json& j) {
  SearchSpec s;
  s.dataset.path = "builtin:arith";
  s.dataset.split = "test";
  s.dataset.filter.limit = 100;
  s.base.batch = 1;
  s.step.temperature = 1.0f;
  s.step.maxNewTokens = 256;
  std::string kind;
  SpecReader r(j, "spec");
  r.text("kind", kind);
  LENS_TRY_STATUS(readPolicySpec(r, s.base));
  std::string select = "weighted";
  r.oneOf("strategy", s.strategy, {"beam", "lookahead", "dvts", "revise"})
      .integer("n", s.params.n, 1, 1 << 16)
      .integer("width", s.params.width, 1, 1 << 16)
      .integer("lookahead", s.params.lookahead, 0, 1 << 10)
      .integer("max_steps", s.params.maxSteps, 1, 1 << 12)
      .integer("max_tokens", s.maxTokens, 8, 1 << 20)
      .text("route", s.route)
      .text("router", s.router)
      .integer("chain_length", s.revision.chainLength, 1, 1 << 16)
      .integer("max_previous", s.revision.maxPrevious, 0, 64)
      .oneOf("select", select, {"majority", "weighted", "hierarchical"});
  double keepAbove = std::numeric_limits<double>::quiet_NaN();
  r.number("keep_above", keepAbove, -1e6, 0.0);
  if (auto d = r.object("dataset")) LENS_TRY_STATUS(readDatasetSpec(*d, s.dataset));
  if (auto p = r.object("prompt")) LENS_TRY_STATUS(readPromptSpec(*p, s.promptFormat, s.prompt));
  if (auto sp = r.object("sampling")) LENS_TRY_STATUS(readSamplingSpec(*sp, s.step));
  s.revise = s.strategy == "revise";
  if (!std::isnan(keepAbove)) {
    if (!s.revise) r.fail("keep_above", "only for \"strategy\": \"revise\" (it stops a chain at a confident attempt)");
    s.revision.keepAbove = keepAbove;
  }
  s.revision.select = *search::parseRevisionSelect(select);
  if (auto v = r.object("verifier")) LENS_TRY_STATUS(readVerifierSpec(*v, s.verifier));
  else if (!s.revise) r.fail("verifier", "required: {\"model\": PRM folder, ...}: search is guided by a process reward model");
  else if (s.revision.select != search::RevisionSelect::Majority)
    r.fail("verifier", std::string("required for ") + select + " selection: {\"model\": PRM folder, ...} (majority selection needs none)");
  LENS_TRY_STATUS(r.finish());
  s.verifier.prm.device = s.base.device;
  if (!s.revise) s.params.strategy = *search::parseStrategy(s.strategy);
  if (s.params.strategy == search::Strategy::Lookahead && s.params.lookahead < 1) s.params.lookahead = 1;
  if (!s.revise && s.params.width > s.params.n)
    return makeError(ErrorCode::InvalidInput, "spec.width: " + std::to_string(s.params.width) + " exceeds n (" + std::to_string(s.params.n) + ")");
  if (s.revise) {
    // A revision model trained with fewer earlier attempts in context says so in its config.json
    // ("revision": {"max_previous": K}); it is the default unless the spec says otherwise.
    if (const auto rev = model::configSection(s.base.model, "revision"); !j.contains("max_previous") && rev.is_object()) {
      const auto k = rev.value("max_previous", nlohmann::json());
      if (k.is_number_integer() && k.get<int64_t>() >= 0 && k.get<int64_t>() <= 64) s.revision.maxPrevious = k.get<int>();
    }
    // An attempt is a whole solution: no stop at the step delimiter, room for every step.
    s.revision.n = s.params.n;
    s.revision.stepDelimiter = s.prompt.stepDelimiter;
    if (s.params.n % s.revision.chainLength != 0)
      return makeError(ErrorCode::InvalidInput, "spec.chain_length: " + std::to_string(s.revision.chainLength) + " must divide n (" + std::to_string(s.params.n) + ")");
    const auto sp = j.find("sampling");
    if (sp == j.end() || !sp->contains("max_new_tokens")) s.step.maxNewTokens = 400;
  } else if (s.step.stopStrings.empty()) {
    // Every step ends at the step delimiter (Snell et al. use "\n\n").
    s.step.stopStrings = {s.prompt.stepDelimiter};
  }
  auto p = mathdata::loadProblems(s.dataset);
  if (!p) return p.error();
  return std::unique_ptr<Job>(new SearchJob(std::move(s), std::move(*p)));
}

}  // namespace lens::jobs
