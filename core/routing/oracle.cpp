// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/routing/oracle.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/model/internal/engine.h"
#include "core/model/model.h"

namespace lens::routing {

using model::internal::ContextKv;
using model::internal::Engine;
using model::internal::ForwardBatch;

const char* fixedRouteName(int i) {
  static const char* names[kFixedRoutes] = {"all-skip", "all-small", "all-big"};
  return i >= 0 && i < kFixedRoutes ? names[i] : "?";
}

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

torch::Tensor routesTensor(const std::vector<uint8_t>& codes, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<uint8_t*>(codes.data()), shape, torch::kUInt8).clone();
}

// Thrown between chunks of forward passes once the run is cancelled; runOracle turns it into
// ErrorCode::Cancelled. A chunk is at most chunkElements of activations: well under a second.
struct OracleCancelled : std::exception {
  const char* what() const noexcept override { return "oracle cancelled"; }
};
void throwIfCancelled(const RunContext* ctx) {
  if (ctx && ctx->cancelled()) throw OracleCancelled();
}

// Losses of candidate routes for a set of query tokens against one fixed context.
class Evaluator {
 public:
  Evaluator(Engine& e, ContextKv ctx, std::vector<int64_t> queryTokens, std::vector<int64_t> pos, std::vector<int64_t> labels,
            int64_t chunkElements, int64_t* counter, const RunContext* run)
      : m_e(e), m_ctx(std::move(ctx)), m_pos(std::move(pos)), m_counter(counter), m_run(run) {
    m_q = static_cast<int64_t>(m_pos.size());
    m_tokens = torch::tensor(queryTokens, torch::kInt64).to(e.device());
    m_labels = torch::tensor(labels, torch::kInt64).to(e.device()).view({1, m_q, 1});
    const auto& c = e.config();
    const int64_t ctxLen = m_ctx.k.empty() ? 0 : m_ctx.k[0].size(1);
    const int64_t perRow = m_q * std::max<int64_t>({c.numHeads * (ctxLen + 1), c.vocabSize, 2 * c.intermediateSize, c.hiddenSize});
    m_rowsPerCall = std::max<int64_t>(1, chunkElements / std::max<int64_t>(1, perRow));
  }
  int64_t queries() const { return m_q; }

  // cand [R, Q, layers] uint8 on the CPU -> losses [R, Q] float32 on the CPU.
  torch::Tensor losses(const torch::Tensor& cand) {
    const int64_t R = cand.size(0);
    auto out = torch::empty({R, m_q}, torch::kFloat32);
    for (int64_t start = 0; start < R; start += m_rowsPerCall) {
      throwIfCancelled(m_run);
      const int64_t n = std::min(m_rowsPerCall, R - start);
      auto routes = cand.narrow(0, start, n).to(m_e.device());
      auto logits = m_e.routedQueries(m_ctx, m_tokens, m_pos, routes);  // [n, Q, V]
      auto nll = torch::log_softmax(logits, -1).gather(-1, m_labels.expand({n, m_q, 1})).squeeze(-1).neg();
      out.narrow(0, start, n).copy_(nll.to(torch::kCPU));
    }
    if (m_counter) *m_counter += R * m_q;
    return out;
  }

 private:
  Engine& m_e;
  ContextKv m_ctx;
  std::vector<int64_t> m_pos;
  int64_t* m_counter;
  const RunContext* m_run;
  int64_t m_q = 0, m_rowsPerCall = 1;
  torch::Tensor m_tokens, m_labels;
};

// Per-position losses [R, P] of whole-sequence routings routes [R, T, layers]: ordinary forward
// passes in which every token's route also shapes the context (sequence scope's baselines).
torch::Tensor sequenceLosses(Engine& e, const torch::Tensor& tokens, const torch::Tensor& routes, int64_t chunkElements,
                             const RunContext* run) {
  const int64_t R = routes.size(0), T = tokens.size(0), P = T - 1;
  const auto& c = e.config();
  const int64_t perRow = T * std::max<int64_t>({c.numHeads * T, c.vocabSize, 2 * c.intermediateSize});
  const int64_t rowsPerCall = std::max<int64_t>(1, chunkElements / std::max<int64_t>(1, perRow));
  auto out = torch::empty({R, P}, torch::kFloat32);
  auto labels = tokens.narrow(0, 1, P).to(e.device()).view({1, P, 1});
  for (int64_t start = 0; start < R; start += rowsPerCall) {
    throwIfCancelled(run);
    const int64_t n = std::min(rowsPerCall, R - start);
    auto cache = e.makeCache(n, T);
    ForwardBatch fb;
    fb.tokens = tokens.to(e.device()).view({1, T}).expand({n, T}).contiguous();
    for (int64_t i = 0; i < n; ++i) {
      fb.slots.push_back(i);
      fb.startPos.push_back(0);
      fb.lengths.push_back(T);
    }
    fb.routes = routes.narrow(0, start, n).to(e.device());
    auto logits = e.forward(fb, *cache, /*allLogits=*/true).narrow(1, 0, P);
    auto nll = torch::log_softmax(logits, -1).gather(-1, labels.expand({n, P, 1})).squeeze(-1).neg();
    out.narrow(0, start, n).copy_(nll.to(torch::kCPU));
  }
  return out;
}

struct Candidate {
  float loss;
  Route route;
};

// The best route per query within budget b, by beam search over layers. Returns one candidate per
// query (sorted beams; the first is the best).
std::vector<Candidate> beamSearch(Evaluator& ev, const model::ModelConfig& c, const Budget& b, int width) {
  const int L = static_cast<int>(c.numLayers);
  const int64_t Q = ev.queries();
  const uint8_t fill = b.kind == Budget::Kind::BigModules ? kSmall : kSkip;
  std::vector<std::vector<Candidate>> beams(static_cast<size_t>(Q), {{kInf, Route(static_cast<size_t>(L), fill)}});
  for (int l = 0; l < L; ++l) {
    // Expand every beam of every query by the three choices at layer l.
    std::vector<std::vector<Route>> cands(static_cast<size_t>(Q));
    size_t rows = 0;
    for (int64_t q = 0; q < Q; ++q) {
      for (const auto& beam : beams[static_cast<size_t>(q)])
        for (uint8_t code : {kSkip, kSmall, kBig}) {
          Route r = beam.route;
          r[static_cast<size_t>(l)] = code;
          if (withinBudget(c, r.data(), b)) cands[static_cast<size_t>(q)].push_back(std::move(r));
        }
      rows = std::max(rows, cands[static_cast<size_t>(q)].size());
    }
    std::vector<uint8_t> codes(rows * static_cast<size_t>(Q * L));
    for (size_t i = 0; i < rows; ++i)
      for (int64_t q = 0; q < Q; ++q) {
        const auto& list = cands[static_cast<size_t>(q)];
        const Route& r = list[std::min(i, list.size() - 1)];  // short lists repeat their last route
        std::copy(r.begin(), r.end(), codes.begin() + static_cast<ptrdiff_t>((i * static_cast<size_t>(Q) + static_cast<size_t>(q)) * static_cast<size_t>(L)));
      }
    auto loss = ev.losses(routesTensor(codes, {static_cast<int64_t>(rows), Q, L})).contiguous();
    const float* lp = loss.data_ptr<float>();
    for (int64_t q = 0; q < Q; ++q) {
      auto& list = cands[static_cast<size_t>(q)];
      std::vector<Candidate> next;
      for (size_t i = 0; i < list.size(); ++i) next.push_back({lp[i * static_cast<size_t>(Q) + static_cast<size_t>(q)], std::move(list[i])});
      std::stable_sort(next.begin(), next.end(), [](const Candidate& a, const Candidate& z) { return a.loss < z.loss; });
      if (static_cast<int>(next.size()) > width) next.resize(static_cast<size_t>(width));
      beams[static_cast<size_t>(q)] = std::move(next);
    }
  }
  std::vector<Candidate> best;
  for (auto& list : beams) best.push_back(std::move(list.front()));
  return best;
}

// All routes and, per budget, which are within it.
struct RouteSpace {
  std::vector<Route> routes;
  std::vector<std::vector<char>> valid;  // [budget][route]
};

RouteSpace enumerate(const model::ModelConfig& c, const std::vector<Budget>& budgets) {
  const int L = static_cast<int>(c.numLayers);
  RouteSpace s;
  for (int64_t i = 0; i < routeCount(L); ++i) s.routes.push_back(routeAt(i, L));
  for (const auto& b : budgets) {
    std::vector<char> v;
    for (const auto& r : s.routes) v.push_back(withinBudget(c, r.data(), b));
    s.valid.push_back(std::move(v));
  }
  return s;
}

// Fills out.routes/loss for budget b at query q (global position t) from a route-by-query loss table.
void pickBest(const RouteSpace& space, const float* loss /*[N, Q]*/, int64_t Q, int64_t q, size_t b, uint8_t* route, float* best) {
  float bestLoss = kInf;
  size_t bestIdx = 0;
  for (size_t i = 0; i < space.routes.size(); ++i)
    if (space.valid[b][i] && loss[i * static_cast<size_t>(Q) + static_cast<size_t>(q)] < bestLoss) {
      bestLoss = loss[i * static_cast<size_t>(Q) + static_cast<size_t>(q)];
      bestIdx = i;
    }
  std::copy(space.routes[bestIdx].begin(), space.routes[bestIdx].end(), route);
  *best = bestLoss;
}

}  // namespace

Result<SequenceOracle> runOracle(model::Model& model, const std::vector<int32_t>& tokens, const OracleParams& params, const RunContext* ctx) {
  const auto& c = model.config();
  const int L = static_cast<int>(c.numLayers);
  if (c.duoSmallIntermediateSize <= 0)
    return makeError(ErrorCode::InvalidInput, "oracle: the model is not a Duo model (config.json has no duo_small_intermediate_size, so there is no small FFN to route to)");
  if (tokens.size() < 2) return makeError(ErrorCode::InvalidInput, "oracle: a sequence needs at least 2 tokens (a token and the next one to predict)");
  if (static_cast<int64_t>(tokens.size()) > c.maxPositions)
    return makeError(ErrorCode::InvalidInput, "oracle: sequence of " + std::to_string(tokens.size()) + " tokens is longer than the model's " +
                                                  std::to_string(c.maxPositions) + " positions");
  for (int32_t id : tokens)
    if (id < 0 || id >= c.vocabSize) return makeError(ErrorCode::InvalidInput, "oracle: token id " + std::to_string(id) + " is outside the vocabulary");
  if (params.budgets.empty()) return makeError(ErrorCode::InvalidInput, "oracle: no budgets given");
  const Route allSkip(static_cast<size_t>(L), kSkip);
  for (const auto& b : params.budgets)
    if (!withinBudget(c, allSkip.data(), b))
      return makeError(ErrorCode::InvalidInput, "oracle: budget " + b.label() + " admits no route (even skipping every FFN costs more)");
  if (!params.reference.empty() && static_cast<int>(params.reference.size()) != L)
    return makeError(ErrorCode::InvalidInput, "oracle: the reference route has " + std::to_string(params.reference.size()) + " layers, the model " + std::to_string(L));
  if (params.beamWidth < 1) return makeError(ErrorCode::InvalidInput, "oracle: beam width must be at least 1");
  if (params.randomRoutings < 0) return makeError(ErrorCode::InvalidInput, "oracle: the number of random routings must be >= 0");
  const bool exhaustive = params.search == OracleParams::Search::Exhaustive ||
                          (params.search == OracleParams::Search::Auto && routeCount(L) <= params.exhaustiveLimit);
  if (exhaustive && L > 12) return makeError(ErrorCode::InvalidInput, "oracle: exhaustive search over 3^" + std::to_string(L) + " routes is too large; use beam search");

  const int B = static_cast<int>(params.budgets.size());
  const int64_t T = static_cast<int64_t>(tokens.size()), F = params.firstPosition, S = T - 1 - F;
  if (F < 0 || S < 1)
    return makeError(ErrorCode::InvalidInput, "oracle: the first scored position " + std::to_string(F) + " leaves no token to score in a sequence of " +
                                                  std::to_string(T));
  SequenceOracle out;
  out.layers = L;
  out.budgets = B;
  out.positions = S;
  out.firstPosition = F;
  out.exhaustive = exhaustive;
  out.routes.assign(static_cast<size_t>(S * B * L), kBig);
  out.loss.assign(static_cast<size_t>(S * B), kInf);
  out.fixedLoss.assign(static_cast<size_t>(S * kFixedRoutes), 0.0f);
  out.randomLoss.assign(static_cast<size_t>(S * B), 0.0f);
  out.bestRandomLoss.assign(static_cast<size_t>(S * B), 0.0f);
  const RouteSpace space = exhaustive ? enumerate(c, params.budgets) : RouteSpace{};
  auto cancelled = [&] { return ctx && ctx->cancelled(); };
  const Route reference = params.reference.empty() ? Route(static_cast<size_t>(L), kBig) : params.reference;

  // Whole-sequence routings [rows, T, L]: the unscored prefix takes the reference route. The R
  // random routings of every budget are drawn before any search, so they do not depend on it.
  SplitMix64 rng(splitmix64(params.seed));
  const int R = params.randomRoutings;
  auto prefixed = [&](int64_t rows) {
    std::vector<uint8_t> codes(static_cast<size_t>(rows * T * L));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t t = 0; t < T; ++t) std::copy(reference.begin(), reference.end(), codes.begin() + static_cast<ptrdiff_t>((r * T + t) * L));
    return codes;
  };
  std::vector<uint8_t> randomCodes = prefixed(static_cast<int64_t>(B) * R);
  for (int b = 0; b < B; ++b)
    for (int r = 0; r < R; ++r)
      for (int64_t t = F; t < T - 1; ++t) {
        const Route route = randomRoute(rng, c, params.budgets[static_cast<size_t>(b)]);
        std::copy(route.begin(), route.end(), randomCodes.begin() + static_cast<ptrdiff_t>(((static_cast<int64_t>(b) * R + r) * T + t) * L));
      }
  std::vector<uint8_t> fixedCodes = prefixed(kFixedRoutes);
  const uint8_t fixedCode[kFixedRoutes] = {kSkip, kSmall, kBig};
  for (int i = 0; i < kFixedRoutes; ++i)
    std::fill(fixedCodes.begin() + (i * T + F) * L, fixedCodes.begin() + (i + 1) * T * L, fixedCode[i]);

  try {
    c10::InferenceMode guard;
    Engine& e = model.engine();
    auto tokenTensor = torch::tensor(std::vector<int64_t>(tokens.begin(), tokens.end()), torch::kInt64);
    torch::Tensor randomLosses;  // [B*R, S]
    torch::Tensor fixedLosses;   // [3, S]
    std::vector<uint8_t> allCodes;
    for (const auto& r : space.routes) allCodes.insert(allCodes.end(), r.begin(), r.end());
    const int64_t N = static_cast<int64_t>(space.routes.size());

    if (params.scope == OracleParams::Scope::Token) {
      // The shared context: one forward pass along the reference route.
      auto cache = e.makeCache(1, T);
      ForwardBatch fb;
      fb.tokens = tokenTensor.to(e.device()).view({1, T});
      fb.slots = {0};
      fb.startPos = {0};
      fb.lengths = {T};
      if (!params.reference.empty()) fb.routes = routesTensor(reference, {1, 1, L}).expand({1, T, L}).to(e.device());
      e.forward(fb, *cache, /*allLogits=*/false);
      std::vector<int64_t> q(tokens.begin() + F, tokens.end() - 1), pos(static_cast<size_t>(S)), labels(tokens.begin() + F + 1, tokens.end());
      std::iota(pos.begin(), pos.end(), F);
      Evaluator ev(e, Engine::contextOf(*cache, 0, T), q, pos, labels, params.chunkElements, &out.tokenRoutesEvaluated, ctx);
      if (exhaustive) {
        auto all = ev.losses(routesTensor(allCodes, {N, 1, L}).expand({-1, S, L})).contiguous();
        const float* lp = all.data_ptr<float>();
        for (int64_t i = 0; i < S; ++i)
          for (int b = 0; b < B; ++b)
            pickBest(space, lp, S, i, static_cast<size_t>(b), &out.routes[static_cast<size_t>((i * B + b) * L)], &out.loss[static_cast<size_t>(i * B + b)]);
        // Token-local losses depend only on the token's own route: the baselines are look-ups.
        auto lookup = [&](const std::vector<uint8_t>& routeCodes, int64_t rows) {
          auto res = torch::empty({rows, S}, torch::kFloat32);
          auto acc = res.accessor<float, 2>();
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t i = 0; i < S; ++i) acc[r][i] = lp[routeIndex(&routeCodes[static_cast<size_t>((r * T + F + i) * L)], L) * S + i];
          return res;
        };
        fixedLosses = lookup(fixedCodes, kFixedRoutes);
        if (R > 0) randomLosses = lookup(randomCodes, static_cast<int64_t>(B) * R);
      } else {
        for (int b = 0; b < B && !cancelled(); ++b) {
          auto best = beamSearch(ev, c, params.budgets[static_cast<size_t>(b)], params.beamWidth);
          for (int64_t i = 0; i < S; ++i) {
            std::copy(best[static_cast<size_t>(i)].route.begin(), best[static_cast<size_t>(i)].route.end(), &out.routes[static_cast<size_t>((i * B + b) * L)]);
            out.loss[static_cast<size_t>(i * B + b)] = best[static_cast<size_t>(i)].loss;
          }
        }
        // Baselines: one row per routing, each token on its own route of that routing.
        auto scored = [&](const std::vector<uint8_t>& codes, int64_t rows) { return routesTensor(codes, {rows, T, L}).narrow(1, F, S).contiguous(); };
        fixedLosses = ev.losses(scored(fixedCodes, kFixedRoutes));
        if (R > 0) randomLosses = ev.losses(scored(randomCodes, static_cast<int64_t>(B) * R));
      }
    } else {
      // Sequence scope: greedy left to right, one growing context per budget, the unscored prefix
      // on the reference route.
      auto cache = e.makeCache(B, T);
      auto append = [&](int64_t start, int64_t len, const std::vector<uint8_t>& perBudgetRoute) {
        ForwardBatch fb;
        fb.tokens = tokenTensor.narrow(0, start, len).view({1, len}).expand({B, len}).contiguous().to(e.device());
        for (int b = 0; b < B; ++b) {
          fb.slots.push_back(b);
          fb.startPos.push_back(start);
          fb.lengths.push_back(len);
        }
        fb.routes = routesTensor(perBudgetRoute, {B, 1, L}).expand({B, len, L}).to(e.device());
        e.forward(fb, *cache, /*allLogits=*/false);
      };
      if (F > 0) {
        std::vector<uint8_t> refs;
        for (int b = 0; b < B; ++b) refs.insert(refs.end(), reference.begin(), reference.end());
        append(0, F, refs);
      }
      for (int64_t t = F; t < T - 1 && !cancelled(); ++t) {
        const int64_t i = t - F;
        std::vector<uint8_t> chosen(static_cast<size_t>(B * L));
        for (int b = 0; b < B; ++b) {
          Evaluator ev(e, Engine::contextOf(*cache, b, t), {tokens[static_cast<size_t>(t)]}, {t}, {tokens[static_cast<size_t>(t + 1)]},
                       params.chunkElements, &out.tokenRoutesEvaluated, ctx);
          uint8_t* route = &out.routes[static_cast<size_t>((i * B + b) * L)];
          float* best = &out.loss[static_cast<size_t>(i * B + b)];
          if (exhaustive) {
            auto all = ev.losses(routesTensor(allCodes, {N, 1, L})).contiguous();
            pickBest(space, all.data_ptr<float>(), 1, 0, static_cast<size_t>(b), route, best);
          } else {
            auto cand = beamSearch(ev, c, params.budgets[static_cast<size_t>(b)], params.beamWidth);
            std::copy(cand[0].route.begin(), cand[0].route.end(), route);
            *best = cand[0].loss;
          }
          std::copy(route, route + L, chosen.begin() + b * L);
        }
        append(t, 1, chosen);  // token t joins each budget's context along its chosen route
      }
      fixedLosses = sequenceLosses(e, tokenTensor, routesTensor(fixedCodes, {kFixedRoutes, T, L}), params.chunkElements, ctx).narrow(1, F, S);
      if (R > 0)
        randomLosses = sequenceLosses(e, tokenTensor, routesTensor(randomCodes, {static_cast<int64_t>(B) * R, T, L}), params.chunkElements, ctx).narrow(1, F, S);
    }
    if (cancelled()) return makeError(ErrorCode::Cancelled, "oracle cancelled");

    auto fixedAcc = fixedLosses.contiguous();
    auto fa = fixedAcc.accessor<float, 2>();
    for (int64_t i = 0; i < S; ++i)
      for (int k = 0; k < kFixedRoutes; ++k) out.fixedLoss[static_cast<size_t>(i * kFixedRoutes + k)] = fa[k][i];
    if (R > 0) {
      auto rl = randomLosses.contiguous().view({B, R, S});
      auto mean = rl.mean(1).contiguous();     // [B, S]
      auto bestRouting = rl.mean(2).argmin(1);  // [B]
      auto ma = mean.accessor<float, 2>();
      for (int b = 0; b < B; ++b) {
        auto bestRow = rl[b][bestRouting[b].item<int64_t>()].contiguous();
        auto ba = bestRow.accessor<float, 1>();
        for (int64_t i = 0; i < S; ++i) {
          out.randomLoss[static_cast<size_t>(i * B + b)] = ma[b][i];
          out.bestRandomLoss[static_cast<size_t>(i * B + b)] = ba[i];
        }
      }
    }
  } catch (const OracleCancelled&) {
    return makeError(ErrorCode::Cancelled, "oracle cancelled");
  } catch (const std::exception& ex) {
    return model::internal::translateTorchError(ex, "oracle");
  }
  return out;
}

Result<std::vector<float>> tokenLocalLossesUnbatched(model::Model& model, const std::vector<int32_t>& tokens, const Route& reference,
                                                     const std::vector<Route>& routes) {
  const auto& c = model.config();
  const int L = static_cast<int>(c.numLayers);
  const int64_t T = static_cast<int64_t>(tokens.size()), P = T - 1, N = static_cast<int64_t>(routes.size());
  if (T < 2) return makeError(ErrorCode::InvalidInput, "a sequence needs at least 2 tokens");
  std::vector<float> out(static_cast<size_t>(N * P));
  try {
    c10::InferenceMode guard;
    Engine& e = model.engine();
    auto dev = e.device();
    auto tokenTensor = torch::tensor(std::vector<int64_t>(tokens.begin(), tokens.end()), torch::kInt64).to(dev);
    // Slot 0: the reference context; slot 1: scratch for the token under test.
    auto cache = e.makeCache(2, T);
    ForwardBatch ref;
    ref.tokens = tokenTensor.view({1, T});
    ref.slots = {0};
    ref.startPos = {0};
    ref.lengths = {T};
    if (!reference.empty()) ref.routes = routesTensor(reference, {1, 1, L}).expand({1, T, L}).to(dev);
    e.forward(ref, *cache, false);
    for (int64_t t = 0; t < P; ++t) {
      cache->copyPrefix(0, 1, t);
      for (int64_t r = 0; r < N; ++r) {
        ForwardBatch fb;
        fb.tokens = tokenTensor.narrow(0, t, 1).view({1, 1});
        fb.slots = {1};
        fb.startPos = {t};
        fb.lengths = {1};
        fb.routes = routesTensor(routes[static_cast<size_t>(r)], {1, 1, L}).to(dev);
        auto logits = e.forward(fb, *cache, false);  // [1, V]
        out[static_cast<size_t>(r * P + t)] = -torch::log_softmax(logits, -1)[0][tokens[static_cast<size_t>(t + 1)]].item<float>();
      }
    }
  } catch (const std::exception& ex) {
    return model::internal::translateTorchError(ex, "oracle (unbatched)");
  }
  return out;
}

}  // namespace lens::routing
