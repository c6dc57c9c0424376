// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/search/search_sources.h"

#include <map>

#include "core/model/model.h"
#include "core/model/session.h"
#include "core/text/tokenizer.h"

namespace lens::search {

int64_t searchSlots(const SearchParams& p) {
  const int64_t keep = std::max(1, p.n / std::max(1, p.width));
  // Parents alive while their n children are sampled, the root, and one scratch slot per child for
  // lookahead rollouts.
  int64_t slots = p.n + keep + 1;
  if (p.strategy == Strategy::Dvts) slots = keep * (p.width + 1) + 1;
  if (p.strategy == Strategy::Lookahead) slots += p.n;
  return slots;
}

struct ModelStepSource::Impl {
  model::Model* model = nullptr;
  std::unique_ptr<model::DecodeSession> session;
  model::SamplingParams step;
  uint64_t seed = 0;
  std::map<int, int64_t> slotOf;  // live node -> slot; the root (-1) is slot 0
  std::vector<int64_t> freeSlots;

  Result<int64_t> take() {
    if (freeSlots.empty()) return makeError(ErrorCode::Internal, "search: out of decode slots (searchSlots() too small)");
    const int64_t s = freeSlots.back();
    freeSlots.pop_back();
    return s;
  }
  StepText toStep(const model::Sample& s, int64_t slot) const {
    // A path ends at EOS, when a step runs out of tokens, or when the session is full.
    const bool full = session->length(slot) + 1 >= session->capacity();
    return {s.text, static_cast<int>(s.tokenIds.size()), s.finish != model::FinishReason::Stop || full, {}};
  }
};

ModelStepSource::ModelStepSource() : m(std::make_unique<Impl>()) {}
ModelStepSource::~ModelStepSource() = default;

Result<std::unique_ptr<ModelStepSource>> ModelStepSource::open(model::Model& model, const std::vector<int32_t>& promptIds,
                                                               const model::SamplingParams& step, uint64_t seed, int64_t slots,
                                                               int64_t capacity, const std::vector<uint8_t>& route, const routing::Router* router) {
  auto session = model::DecodeSession::open(model, slots, capacity);
  if (!session) return session.error();
  LENS_TRY_STATUS((*session)->setRoute(route));
  LENS_TRY_STATUS((*session)->setRouter(router));
  LENS_TRY_STATUS((*session)->start(0, promptIds));
  std::unique_ptr<ModelStepSource> s(new ModelStepSource());
  s->m->model = &model;
  s->m->session = std::move(*session);
  s->m->step = step;
  s->m->seed = seed;
  s->m->slotOf[-1] = 0;
  for (int64_t i = slots - 1; i >= 1; --i) s->m->freeSlots.push_back(i);
  return s;
}

Result<std::vector<std::vector<StepText>>> ModelStepSource::expand(const std::vector<int>& parents, const std::vector<std::vector<int>>& childIds,
                                                                   const RunContext* ctx) {
  std::vector<int64_t> slots;
  std::vector<uint64_t> streams;
  for (size_t i = 0; i < parents.size(); ++i) {
    auto p = m->slotOf.find(parents[i]);
    if (p == m->slotOf.end()) return makeError(ErrorCode::Internal, "search: node " + std::to_string(parents[i]) + " was released");
    for (int child : childIds[i]) {
      auto s = m->take();
      if (!s) return s.error();
      LENS_TRY_STATUS(m->session->fork(p->second, *s));
      m->slotOf[child] = *s;
      slots.push_back(*s);
      streams.push_back(static_cast<uint64_t>(child));
    }
  }
  auto samples = m->session->extend(slots, m->step, m->seed, streams, ctx);
  if (!samples) return samples.error();
  std::vector<std::vector<StepText>> out(parents.size());
  size_t k = 0;
  for (size_t i = 0; i < parents.size(); ++i)
    for (size_t c = 0; c < childIds[i].size(); ++c, ++k) out[i].push_back(m->toStep((*samples)[k], slots[k]));
  return out;
}

Result<std::vector<StepText>> ModelStepSource::rollout(const std::vector<int>& nodes, int steps, const RunContext* ctx) {
  std::vector<StepText> out(nodes.size());
  std::vector<int64_t> scratch;
  for (int n : nodes) {
    auto p = m->slotOf.find(n);
    if (p == m->slotOf.end()) return makeError(ErrorCode::Internal, "search: node " + std::to_string(n) + " was released");
    auto s = m->take();
    if (!s) return s.error();
    LENS_TRY_STATUS(m->session->fork(p->second, *s));
    scratch.push_back(*s);
  }
  model::SamplingParams greedy = m->step;
  greedy.temperature = 0.0f;
  std::vector<size_t> open(nodes.size());
  for (size_t i = 0; i < open.size(); ++i) open[i] = i;
  for (int k = 0; k < steps && !open.empty(); ++k) {
    std::vector<int64_t> slots;
    for (size_t i : open) slots.push_back(scratch[i]);
    auto samples = m->session->extend(slots, greedy, m->seed, std::vector<uint64_t>(slots.size(), 0), ctx);
    if (!samples) return samples.error();
    std::vector<size_t> still;
    for (size_t j = 0; j < open.size(); ++j) {
      const StepText st = m->toStep((*samples)[j], slots[j]);
      out[open[j]].text += st.text;
      out[open[j]].tokens += st.tokens;
      out[open[j]].final = st.final;
      if (!st.final) still.push_back(open[j]);
    }
    open = std::move(still);
  }
  for (int64_t s : scratch) m->freeSlots.push_back(s);
  return out;
}

void ModelStepSource::release(int node) {
  auto it = m->slotOf.find(node);
  if (it == m->slotOf.end() || node < 0) return;
  m->freeSlots.push_back(it->second);
  m->slotOf.erase(it);
}

int64_t ModelStepSource::prefilledTokens() const { return m->session->prefilledTokens(); }
int64_t ModelStepSource::decodedTokens() const { return m->session->decodedTokens(); }
std::vector<std::array<int64_t, 3>> ModelStepSource::moduleCounts() const { return m->session->moduleCounts(); }
double ModelStepSource::attendedKeys() const { return m->session->attendedKeys(); }

struct ModelAttemptSource::Impl {
  model::Model* model = nullptr;
  std::unique_ptr<model::DecodeSession> session;
  std::string problem;
  mathdata::PromptFormat format = mathdata::PromptFormat::Raw;
  mathdata::PromptParams prompt;
  model::SamplingParams sampling;
  uint64_t seed = 0;
  int64_t promptTokens = 0, generated = 0, dropped = 0;
};

ModelAttemptSource::ModelAttemptSource() : m(std::make_unique<Impl>()) {}
ModelAttemptSource::~ModelAttemptSource() = default;

Result<std::unique_ptr<ModelAttemptSource>> ModelAttemptSource::open(model::Model& model, std::string problem, mathdata::PromptFormat format,
                                                                     mathdata::PromptParams prompt, const model::SamplingParams& sampling,
                                                                     uint64_t seed, int64_t chains, int64_t capacity, const std::vector<uint8_t>& route,
                                                                     const routing::Router* router) {
  if (!model.tokenizer()) return makeError(ErrorCode::InvalidInput, "revisions: the model has no tokenizer.json");
  auto session = model::DecodeSession::open(model, chains, capacity);
  if (!session) return session.error();
  LENS_TRY_STATUS((*session)->setRoute(route));
  LENS_TRY_STATUS((*session)->setRouter(router));
  std::unique_ptr<ModelAttemptSource> s(new ModelAttemptSource());
  s->m->model = &model;
  s->m->session = std::move(*session);
  s->m->problem = std::move(problem);
  s->m->format = format;
  s->m->prompt = std::move(prompt);
  s->m->sampling = sampling;
  s->m->seed = seed;
  return s;
}

Result<std::vector<StepText>> ModelAttemptSource::attempt(const std::vector<std::vector<std::string>>& histories,
                                                          const std::vector<uint64_t>& streams, const RunContext* ctx) {
  const auto* tok = m->model->tokenizer();
  const int64_t cap = m->session->capacity();
  if (static_cast<int64_t>(histories.size()) > m->session->slots())
    return makeError(ErrorCode::Internal, "revisions: more chains than decode slots");
  std::vector<int64_t> slots;
  for (size_t c = 0; c < histories.size(); ++c) {
    std::vector<int32_t> ids;
    for (size_t drop = 0; drop <= histories[c].size(); ++drop) {
      std::vector<std::string> kept(histories[c].begin() + static_cast<std::ptrdiff_t>(drop), histories[c].end());
      ids = tok->encode(mathdata::formatRevisionPrompt(m->problem, kept, m->format, m->prompt), mathdata::addSpecialTokens(m->format));
      if (static_cast<int64_t>(ids.size()) + m->sampling.maxNewTokens <= cap || kept.empty()) {
        m->dropped += static_cast<int64_t>(drop);
        break;
      }
    }
    if (ids.empty() || static_cast<int64_t>(ids.size()) + 2 > cap)
      return makeError(ErrorCode::InvalidInput, "revisions: the prompt's " + std::to_string(ids.size()) + " tokens leave no room under max_tokens " + std::to_string(cap));
    LENS_TRY_STATUS(m->session->start(static_cast<int64_t>(c), ids));
    m->promptTokens += static_cast<int64_t>(ids.size());
    slots.push_back(static_cast<int64_t>(c));
  }
  auto samples = m->session->extend(slots, m->sampling, m->seed, streams, ctx);
  if (!samples) return samples.error();
  std::vector<StepText> out;
  for (const auto& s : *samples) {
    m->generated += static_cast<int64_t>(s.tokenIds.size());
    std::string text = s.text;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    double logprob = 0.0;
    for (float lp : s.logprobs) logprob += lp;
    out.push_back({std::move(text), static_cast<int>(s.tokenIds.size()), true, s.tokenIds, logprob});
  }
  return out;
}

int64_t ModelAttemptSource::promptTokens() const { return m->promptTokens; }
int64_t ModelAttemptSource::generatedTokens() const { return m->generated; }
int64_t ModelAttemptSource::droppedAttempts() const { return m->dropped; }
std::vector<std::array<int64_t, 3>> ModelAttemptSource::moduleCounts() const { return m->session->moduleCounts(); }
double ModelAttemptSource::attendedKeys() const { return m->session->attendedKeys(); }

Result<std::vector<double>> PrmScorer::score(const std::vector<std::vector<std::string>>& paths, const RunContext* ctx) {
  if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "scoring cancelled");
  const int64_t before = m_prm.tokensScored();
  const double flopsBefore = m_prm.flopsScored();
  auto scores = m_prm.scoreStepsBatch(m_problem, paths);  // every path of the round in batched passes
  if (!scores) return scores.error();
  std::vector<double> out;
  for (const auto& s : *scores) out.push_back(s.empty() ? 0.0 : s.back());
  m_tokens += m_prm.tokensScored() - before;
  m_flops += m_prm.flopsScored() - flopsBefore;
  return out;
}

}  // namespace lens::search
