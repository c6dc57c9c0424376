// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/model/session.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>

#include "core/flops/flops.h"
#include "core/model/internal/engine.h"
#include "core/model/model.h"
#include "core/routing/router.h"
#include "core/text/tokenizer.h"
#include "core/text/unicode.h"

namespace lens::model {

using internal::ForwardBatch;

struct DecodeSession::Impl {
  Model* model = nullptr;
  std::unique_ptr<internal::KvCache> cache;
  std::vector<std::vector<int32_t>> seq;
  std::vector<int64_t> cached;  // tokens of seq[slot] whose K/V are in the cache (= length - 1)
  int64_t prefilled = 0, decoded = 0;
  double keys = 0;  // attended keys of every token run
  std::vector<uint8_t> route;  // empty: all big
  torch::Tensor routerW, routerB;  // [layers, 3, hidden], [layers, 3] float32 on the device; undefined: none
  std::vector<torch::Tensor> counted;  // per layer: tokens per module [3] (int64, on the device)
  std::vector<std::array<int64_t, 3>> fixedCounts;  // tokens counted on the host (fixed routes)

  // Sets the batch's routing: the router's choices (counted per layer as they are made) or the
  // fixed route (counted here).
  void applyRouting(ForwardBatch& fb, int64_t B, int64_t T) {
    if (routerW.defined()) {
      fb.router = [this](size_t l, const torch::Tensor& h) {
        // As routing::applyRouter computes them: float32 logits of the FFN input.
        auto logits = torch::linear(h.to(torch::kFloat32), routerW[static_cast<int64_t>(l)], routerB[static_cast<int64_t>(l)]);
        auto codes = logits.argmax(-1);
        counted[l] += torch::bincount(codes.flatten(), {}, 3);
        return codes;
      };
      return;
    }
    fb.routes = routesFor(B, T);
    for (size_t l = 0; l < fixedCounts.size(); ++l) fixedCounts[l][route.empty() ? 2 : route[l]] += B * T;
  }

  // Routes [B, T, layers] for a batch when a route is set (undefined otherwise).
  torch::Tensor routesFor(int64_t B, int64_t T) const {
    if (route.empty()) return {};
    auto r = torch::tensor(std::vector<int64_t>(route.begin(), route.end()), torch::kInt64).view({1, 1, -1});
    return r.expand({B, T, static_cast<int64_t>(route.size())}).contiguous().to(model->engine().device());
  }

  Status checkSlot(int64_t slot, const char* what) const {
    if (slot < 0 || slot >= static_cast<int64_t>(seq.size()))
      return makeError(ErrorCode::InvalidInput, std::string(what) + ": slot " + std::to_string(slot) + " is outside 0.." + std::to_string(seq.size() - 1));
    return Status::success();
  }
  Status checkIds(const std::vector<int32_t>& ids, const char* what) const {
    const int64_t V = model->config().vocabSize;
    for (int32_t id : ids)
      if (id < 0 || id >= V) return makeError(ErrorCode::InvalidInput, std::string(what) + ": token id " + std::to_string(id) + " is outside the vocabulary");
    return Status::success();
  }
  // Feeds seq[slot][cached, end - 1) into the cache (everything but the pending last token).
  void prefill(int64_t slot) {
    const auto& s = seq[static_cast<size_t>(slot)];
    const int64_t from = cached[static_cast<size_t>(slot)], to = static_cast<int64_t>(s.size()) - 1;
    if (to <= from) return;
    auto& eng = model->engine();
    ForwardBatch fb;
    fb.tokens = torch::tensor(std::vector<int64_t>(s.begin() + from, s.begin() + to), torch::kInt64).view({1, to - from}).to(eng.device());
    fb.slots = {slot};
    fb.startPos = {from};
    fb.lengths = {to - from};
    applyRouting(fb, 1, to - from);
    eng.forward(fb, *cache, /*allLogits=*/false);
    prefilled += to - from;
    keys += flops::attendedKeys(model->config(), from, to);
    cached[static_cast<size_t>(slot)] = to;
  }
};

DecodeSession::DecodeSession() : m(std::make_unique<Impl>()) {}
DecodeSession::~DecodeSession() = default;

Result<std::unique_ptr<DecodeSession>> DecodeSession::open(Model& model, int64_t slots, int64_t capacity) {
  if (slots < 1 || capacity < 2) return makeError(ErrorCode::InvalidInput, "decode session: needs at least one slot and a capacity of 2 tokens");
  if (model.config().isRewardModel()) return makeError(ErrorCode::InvalidInput, "decode session: " + model.config().architecture + " has no LM head");
  std::unique_ptr<DecodeSession> s(new DecodeSession());
  s->m->model = &model;
  try {
    c10::InferenceMode guard;
    s->m->cache = model.engine().makeCache(slots, capacity);
    for (int64_t l = 0; l < model.config().numLayers; ++l)
      s->m->counted.push_back(torch::zeros({3}, torch::TensorOptions().dtype(torch::kInt64).device(model.engine().device())));
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "decode session");
  }
  s->m->seq.assign(static_cast<size_t>(slots), {});
  s->m->cached.assign(static_cast<size_t>(slots), 0);
  s->m->fixedCounts.assign(static_cast<size_t>(model.config().numLayers), {0, 0, 0});
  return s;
}

int64_t DecodeSession::slots() const { return static_cast<int64_t>(m->seq.size()); }
int64_t DecodeSession::capacity() const { return m->cache->capacity(); }
int64_t DecodeSession::length(int64_t slot) const { return static_cast<int64_t>(m->seq.at(static_cast<size_t>(slot)).size()); }
const std::vector<int32_t>& DecodeSession::tokens(int64_t slot) const { return m->seq.at(static_cast<size_t>(slot)); }
Status DecodeSession::setRoute(const std::vector<uint8_t>& route) {
  const auto& c = m->model->config();
  if (!route.empty()) {
    if (static_cast<int64_t>(route.size()) != c.numLayers)
      return makeError(ErrorCode::InvalidInput, "route: " + std::to_string(route.size()) + " codes for a model of " + std::to_string(c.numLayers) + " layers");
    for (uint8_t code : route)
      if (code > 2) return makeError(ErrorCode::InvalidInput, "route: codes are 0 (skip), 1 (small) or 2 (big)");
    if (c.duoSmallIntermediateSize <= 0 && std::any_of(route.begin(), route.end(), [](uint8_t x) { return x != 2; }))
      return makeError(ErrorCode::InvalidInput, "route: the model is not a Duo model; only all-big applies");
  }
  m->route = route;
  return Status::success();
}

Status DecodeSession::setRouter(const routing::Router* router) {
  if (!router) {
    m->routerW = m->routerB = torch::Tensor();
    return Status::success();
  }
  LENS_TRY_STATUS(router->checkFits(*m->model, "router"));
  try {
    c10::InferenceMode guard;
    const auto& eng = m->model->engine();
    const int64_t L = router->layers, H = router->hidden;
    m->routerW = torch::from_blob(const_cast<float*>(router->weight.data()), {L, 3, H}, torch::kFloat32).clone().to(eng.device());
    m->routerB = torch::from_blob(const_cast<float*>(router->bias.data()), {L, 3}, torch::kFloat32).clone().to(eng.device());
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "router");
  }
  return Status::success();
}

bool DecodeSession::routed() const { return m->routerW.defined(); }

std::vector<std::array<int64_t, 3>> DecodeSession::moduleCounts() const {
  auto out = m->fixedCounts;
  c10::InferenceMode guard;
  for (size_t l = 0; l < out.size() && l < m->counted.size(); ++l) {
    auto c = m->counted[l].to(torch::kCPU);
    for (int k = 0; k < 3; ++k) out[l][static_cast<size_t>(k)] += c[k].item<int64_t>();
  }
  return out;
}

int64_t DecodeSession::prefilledTokens() const { return m->prefilled; }
int64_t DecodeSession::decodedTokens() const { return m->decoded; }
double DecodeSession::attendedKeys() const { return m->keys; }

Status DecodeSession::start(int64_t slot, const std::vector<int32_t>& ids) {
  LENS_TRY_STATUS(m->checkSlot(slot, "start"));
  if (ids.empty()) return makeError(ErrorCode::InvalidInput, "start: no tokens");
  if (static_cast<int64_t>(ids.size()) >= capacity())
    return makeError(ErrorCode::InvalidInput, "start: " + std::to_string(ids.size()) + " tokens leave no room in a session of capacity " + std::to_string(capacity()));
  LENS_TRY_STATUS(m->checkIds(ids, "start"));
  m->seq[static_cast<size_t>(slot)] = ids;
  m->cached[static_cast<size_t>(slot)] = 0;
  try {
    c10::InferenceMode guard;
    m->prefill(slot);
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "start");
  }
  return Status::success();
}

Status DecodeSession::fork(int64_t from, int64_t to) {
  LENS_TRY_STATUS(m->checkSlot(from, "fork"));
  LENS_TRY_STATUS(m->checkSlot(to, "fork"));
  if (from == to) return Status::success();
  try {
    c10::InferenceMode guard;
    m->cache->copyPrefix(from, to, m->cached[static_cast<size_t>(from)]);
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "fork");
  }
  m->seq[static_cast<size_t>(to)] = m->seq[static_cast<size_t>(from)];
  m->cached[static_cast<size_t>(to)] = m->cached[static_cast<size_t>(from)];
  return Status::success();
}

Status DecodeSession::append(int64_t slot, const std::vector<int32_t>& ids) {
  LENS_TRY_STATUS(m->checkSlot(slot, "append"));
  if (m->seq[static_cast<size_t>(slot)].empty()) return makeError(ErrorCode::InvalidInput, "append: slot " + std::to_string(slot) + " was never started");
  if (length(slot) + static_cast<int64_t>(ids.size()) >= capacity())
    return makeError(ErrorCode::InvalidInput, "append: the sequence would exceed the session's capacity of " + std::to_string(capacity()) + " tokens");
  LENS_TRY_STATUS(m->checkIds(ids, "append"));
  auto& s = m->seq[static_cast<size_t>(slot)];
  s.insert(s.end(), ids.begin(), ids.end());
  try {
    c10::InferenceMode guard;
    m->prefill(slot);
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "append");
  }
  return Status::success();
}

Result<std::vector<Sample>> DecodeSession::extend(const std::vector<int64_t>& slots, const SamplingParams& sampling, uint64_t seed,
                                                  const std::vector<uint64_t>& streams, const RunContext* ctx) {
  if (streams.size() != slots.size()) return makeError(ErrorCode::InvalidInput, "extend: one random stream per slot expected");
  if (sampling.maxNewTokens < 1) return makeError(ErrorCode::InvalidInput, "extend: maxNewTokens must be at least 1");
  for (size_t i = 0; i < slots.size(); ++i) {
    LENS_TRY_STATUS(m->checkSlot(slots[i], "extend"));
    if (m->seq[static_cast<size_t>(slots[i])].empty()) return makeError(ErrorCode::InvalidInput, "extend: slot " + std::to_string(slots[i]) + " was never started");
    for (size_t j = 0; j < i; ++j)
      if (slots[j] == slots[i]) return makeError(ErrorCode::InvalidInput, "extend: slot " + std::to_string(slots[i]) + " listed twice");
  }
  std::vector<Sample> out(slots.size());
  if (slots.empty()) return out;
  const auto& cfg = m->model->config();
  auto& eng = m->model->engine();
  const text::Tokenizer* tok = m->model->tokenizer();
  std::vector<std::string> bytes(slots.size());
  std::vector<size_t> active(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) active[i] = i;
  try {
    c10::InferenceMode guard;
    for (uint64_t step = 0; !active.empty(); ++step) {
      if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "decoding cancelled");
      // Feed every active slot's pending token: its logits pick the next one.
      ForwardBatch fb;
      std::vector<int64_t> next;
      for (size_t i : active) {
        const int64_t s = slots[i];
        fb.slots.push_back(s);
        fb.startPos.push_back(m->cached[static_cast<size_t>(s)]);
        fb.lengths.push_back(1);
        next.push_back(m->seq[static_cast<size_t>(s)].back());
        const int64_t p = m->cached[static_cast<size_t>(s)];
        m->keys += flops::attendedKeys(cfg, p, p + 1);
        m->cached[static_cast<size_t>(s)] += 1;
      }
      fb.tokens = torch::tensor(next, torch::kInt64).view({static_cast<int64_t>(next.size()), 1}).to(eng.device());
      m->applyRouting(fb, static_cast<int64_t>(next.size()), 1);
      auto logits = eng.forward(fb, *m->cache, /*allLogits=*/false);
      m->decoded += static_cast<int64_t>(active.size());
      std::vector<double> u;
      for (size_t i : active) u.push_back(internal::uniformDraw(seed, streams[i], step));
      auto [tk, lp] = internal::sampleTokens(logits, sampling, u);
      tk = tk.to(torch::kCPU).contiguous();
      lp = lp.to(torch::kCPU).contiguous();
      std::vector<size_t> still;
      for (size_t a = 0; a < active.size(); ++a) {
        const size_t i = active[a];
        auto& s = m->seq[static_cast<size_t>(slots[i])];
        const auto token = static_cast<int32_t>(tk.data_ptr<int64_t>()[a]);
        s.push_back(token);
        bool done = internal::acceptToken(out[i], bytes[i], token, lp.data_ptr<float>()[a], sampling, cfg, tok);
        if (!done && static_cast<int64_t>(s.size()) >= capacity()) done = true;  // finish reason stays Length
        if (!done) still.push_back(i);
      }
      active = std::move(still);
    }
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "extend");
  }
  for (size_t i = 0; i < slots.size(); ++i) out[i].text = text::toValidUtf8(bytes[i]);
  return out;
}

}  // namespace lens::model
