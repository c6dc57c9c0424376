// SPDX-License-Identifier: GPL-3.0-or-later
// Routing oracles on tiny Duo models with random weights, checked against brute force: every
// (token, route) loss recomputed by an ordinary full forward pass of the prefix, with no shared
// context and no batching over routes.
#include <QtTest>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "common/tiny_duo.h"
#include "core/common/atomic_file.h"
#include "core/flops/flops.h"
#include "core/model/internal/engine.h"
#include "core/model/model.h"
#include "core/routing/oracle.h"
#include "core/routing/route.h"
#include "core/tensor_io/safetensors.h"

using namespace lens;
using namespace lens::routing;
namespace fs = std::filesystem;
using lens::test::randomModel;
using lens::test::tinyDuo;

namespace {

// Loss of token t predicting t + 1 when tokens [0, t) take routes `context` and token t takes
// `route`: one plain forward pass of the prefix (the definition, with nothing shared).
float bruteLoss(model::Model& m, const std::vector<int32_t>& tokens, int64_t t, const std::vector<Route>& context, const Route& route) {
  c10::InferenceMode guard;
  auto& e = m.engine();
  const int64_t n = t + 1, L = m.config().numLayers;
  std::vector<uint8_t> codes;
  for (int64_t i = 0; i < t; ++i) codes.insert(codes.end(), context[static_cast<size_t>(i)].begin(), context[static_cast<size_t>(i)].end());
  codes.insert(codes.end(), route.begin(), route.end());
  auto cache = e.makeCache(1, n);
  model::internal::ForwardBatch fb;
  fb.tokens = torch::tensor(std::vector<int64_t>(tokens.begin(), tokens.begin() + n), torch::kInt64).view({1, n});
  fb.slots = {0};
  fb.startPos = {0};
  fb.lengths = {n};
  fb.routes = torch::tensor(std::vector<int64_t>(codes.begin(), codes.end()), torch::kInt64).view({1, n, L});
  auto logits = e.forward(fb, *cache, /*allLogits=*/false);
  return -torch::log_softmax(logits, -1)[0][tokens[static_cast<size_t>(t + 1)]].item<float>();
}

std::vector<int32_t> randomTokens(int n, uint64_t seed, int vocab) {
  SplitMix64 rng(seed);
  std::vector<int32_t> t;
  for (int i = 0; i < n; ++i) t.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(vocab))));
  return t;
}

std::vector<Budget> kBudgets(int layers) {
  std::vector<Budget> b;
  for (int k = 0; k <= layers; ++k) b.push_back({Budget::Kind::BigModules, static_cast<double>(k)});
  return b;
}

}  // namespace

class TestOracle : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void routeFlopsByHand() {
    auto c = tinyDuo(2);
    c.vocabSize = 10;
    c.hiddenSize = 8;
    c.numHeads = 2;
    c.numKvHeads = 1;
    c.headDim = 4;
    c.intermediateSize = 16;
    c.duoSmallIntermediateSize = 4;
    // Per layer: q,k,v projections 2·8·(8 + 2·4) = 256, o 2·8·8 = 128; FFN big 2·3·8·16 = 768,
    // small 2·3·8·4 = 192; attention over 5 keys 2·2·(2·4)·5 = 160; LM head 2·8·10 = 160.
    const Route bs{kBig, kSmall};
    QCOMPARE(flops::ffnFlops(c, kBig), 768.0);
    QCOMPARE(flops::ffnFlops(c, kSmall), 192.0);
    QCOMPARE(flops::ffnFlops(c, kSkip), 0.0);
    QCOMPARE(flops::tokenFlops(c, bs.data(), 5), 2 * 384.0 + 768 + 192 + 160 + 2 * 160.0);
    QCOMPARE(flops::tokenFlops(c, nullptr, 1), 2 * 384.0 + 2 * 768 + 160 + 2 * 32.0);
    const Route skip{kSkip, kSkip};
    QCOMPARE(flops::tokenMatmulFlops(c, skip.data()), 2 * 384.0 + 160);
    // Attention alone: 2·2·(2·4) = 32 per key and layer; positions 0..3 attend to 1+2+3+4 keys.
    QCOMPARE(flops::attendedKeys(c, 0, 4), 10.0);
    QCOMPARE(flops::attendedKeys(c, 2, 4), 7.0);
    QCOMPARE(flops::attentionFlops(c, 10.0), 2 * 32 * 10.0);
    // tokenFlops is matmuls plus the attention of one token.
    QCOMPARE(flops::tokenFlops(c, bs.data(), 5), flops::tokenMatmulFlops(c, bs.data()) + flops::attentionFlops(c, 5));
    c.slidingWindow = 3;  // attention over at most 3 keys
    QCOMPARE(flops::tokenFlops(c, bs.data(), 5), 2 * 384.0 + 768 + 192 + 160 + 2 * 96.0);
    QCOMPARE(flops::attendedKeys(c, 0, 5), 1 + 2 + 3 + 3 + 3.0);
    QCOMPARE(flops::attendedKeys(c, 3, 5), 6.0);
  }

  void routesAndBudgets() {
    QCOMPARE(routeCount(4), int64_t{81});
    for (int64_t i = 0; i < 81; ++i) QCOMPARE(routeIndex(routeAt(i, 4).data(), 4), i);
    QCOMPARE(routeString(Route{kBig, kSmall, kSkip}), std::string("Bs-"));
    QCOMPARE(*parseRoute("Bs-", 3), (Route{kBig, kSmall, kSkip}));
    QCOMPARE(*parseRoute("all-small", 2), (Route{kSmall, kSmall}));
    QVERIFY(!parseRoute("Bx-", 3).ok());
    QVERIFY(parseRoute("Bs", 3).error().message.find("has 2 layers but the model has 3") != std::string::npos);

    auto k = parseBudgets("k=0,1,4", 4);
    QVERIFY(k.ok());
    QCOMPARE(k->size(), size_t{3});
    QCOMPARE((*k)[2].label(), std::string("k=4"));
    auto f = parseBudgets("flops=0.5,1", 4);
    QVERIFY(f.ok() && (*f)[0].kind == Budget::Kind::FlopsFraction);
    QVERIFY(parseBudgets("2,3", 4).ok());
    auto bad = parseBudgets("k=1,x", 4);
    QVERIFY(!bad.ok() && bad.error().message.find("'x'") != std::string::npos);
    QVERIFY(!parseBudgets("k=5", 4).ok());
    QVERIFY(!parseBudgets("k=1.5", 4).ok());
    QVERIFY(!parseBudgets("flops=1.5", 4).ok());

    // Random routes at a k budget have exactly k big modules, and FLOPs routes stay within budget.
    const auto c = tinyDuo(4);
    SplitMix64 rng(3);
    for (int i = 0; i < 200; ++i) {
      auto r = randomRoute(rng, c, {Budget::Kind::BigModules, 2});
      QCOMPARE(bigCount(r.data(), 4), 2);
      auto g = randomRoute(rng, c, {Budget::Kind::FlopsFraction, 0.6});
      QVERIFY(withinBudget(c, g.data(), {Budget::Kind::FlopsFraction, 0.6}));
    }
  }

  void allBigRoutesEqualThePlainModel() {
    c10::InferenceMode guard;
    auto m = randomModel(tinyDuo(3), 5);
    auto tokens = randomTokens(9, 1, 23);
    const std::vector<Route> bigs(9, Route(3, kBig));
    for (int64_t t = 0; t + 1 < 9; ++t) {
      auto routed = bruteLoss(*m, tokens, t, bigs, Route(3, kBig));
      auto logits = m->logits(std::vector<int32_t>(tokens.begin(), tokens.begin() + t + 1));
      QVERIFY(logits.ok());
      const int64_t V = 23;
      auto row = torch::from_blob(logits->data() + t * V, {V}, torch::kFloat32);
      LENS_COMPARE_NEAR(routed, -torch::log_softmax(row, 0)[tokens[static_cast<size_t>(t + 1)]].item<float>(), 1e-5);
    }
  }

  void exhaustiveTokenOracleMatchesBruteForce() {
    const int L = 3;
    auto m = randomModel(tinyDuo(L), 11);
    auto tokens = randomTokens(12, 2, 23);
    OracleParams p;
    p.budgets = kBudgets(L);
    p.budgets.push_back({Budget::Kind::FlopsFraction, 0.5});
    p.randomRoutings = 20;
    auto res = runOracle(*m, tokens, p);
    LENS_VERIFY_OK(res);
    QVERIFY(res->exhaustive);
    const int B = static_cast<int>(p.budgets.size());
    const int64_t P = 11;
    QCOMPARE(res->positions, P);
    QCOMPARE(res->tokenRoutesEvaluated, routeCount(L) * P);
    const std::vector<Route> reference(12, Route(L, kBig));
    for (int64_t t = 0; t < P; ++t) {
      std::vector<float> all;
      for (int64_t i = 0; i < routeCount(L); ++i) all.push_back(bruteLoss(*m, tokens, t, reference, routeAt(i, L)));
      for (int b = 0; b < B; ++b) {
        float best = INFINITY;
        for (int64_t i = 0; i < routeCount(L); ++i)
          if (withinBudget(m->config(), routeAt(i, L).data(), p.budgets[static_cast<size_t>(b)])) best = std::min(best, all[static_cast<size_t>(i)]);
        LENS_COMPARE_NEAR(res->loss[static_cast<size_t>(t * B + b)], best, 2e-5);
        // The reported route is within the budget and has the reported loss.
        const uint8_t* r = &res->routes[static_cast<size_t>((t * B + b) * L)];
        QVERIFY(withinBudget(m->config(), r, p.budgets[static_cast<size_t>(b)]));
        LENS_COMPARE_NEAR(all[static_cast<size_t>(routeIndex(r, L))], best, 2e-5);
        // No random routing at the same budget beats the oracle on any token.
        QVERIFY(res->loss[static_cast<size_t>(t * B + b)] <= res->bestRandomLoss[static_cast<size_t>(t * B + b)] + 1e-6f);
        QVERIFY(res->loss[static_cast<size_t>(t * B + b)] <= res->randomLoss[static_cast<size_t>(t * B + b)] + 1e-6f);
      }
      // More big modules never hurt the oracle; its last budget (k = L) is the unconstrained best.
      for (int b = 1; b <= L; ++b) QVERIFY(res->loss[static_cast<size_t>(t * B + b)] <= res->loss[static_cast<size_t>(t * B + b - 1)]);
      LENS_COMPARE_NEAR(res->fixedLoss[static_cast<size_t>(t * kFixedRoutes + 0)], all[static_cast<size_t>(routeIndex(Route(L, kSkip).data(), L))], 2e-5);
      LENS_COMPARE_NEAR(res->fixedLoss[static_cast<size_t>(t * kFixedRoutes + 1)], all[static_cast<size_t>(routeIndex(Route(L, kSmall).data(), L))], 2e-5);
      LENS_COMPARE_NEAR(res->fixedLoss[static_cast<size_t>(t * kFixedRoutes + 2)], all[static_cast<size_t>(routeIndex(Route(L, kBig).data(), L))], 2e-5);
      QCOMPARE(res->difficulty(t, L), res->fixedLoss[static_cast<size_t>(t * kFixedRoutes)] - res->loss[static_cast<size_t>(t * B + L)]);
    }
    // The best of R random routings is the one with the lowest mean loss, so its mean is at most
    // the mean over all routings.
    for (int b = 0; b <= L; ++b) {
      double best = 0, mean = 0;
      for (int64_t t = 0; t < P; ++t) {
        best += res->bestRandomLoss[static_cast<size_t>(t * B + b)];
        mean += res->randomLoss[static_cast<size_t>(t * B + b)];
      }
      QVERIFY(best <= mean + 1e-4);
    }
  }

  void unbatchedReferenceAgreesWithBatched() {
    const int L = 2;
    auto m = randomModel(tinyDuo(L), 12);
    auto tokens = randomTokens(10, 3, 23);
    std::vector<Route> routes;
    for (int64_t i = 0; i < routeCount(L); ++i) routes.push_back(routeAt(i, L));
    const Route reference{kSmall, kBig};
    auto plain = tokenLocalLossesUnbatched(*m, tokens, reference, routes);
    LENS_VERIFY_OK(plain);
    const std::vector<Route> context(10, reference);
    for (int64_t i = 0; i < routeCount(L); ++i)
      for (int64_t t = 0; t < 9; ++t)
        LENS_COMPARE_NEAR((*plain)[static_cast<size_t>(i * 9 + t)], bruteLoss(*m, tokens, t, context, routes[static_cast<size_t>(i)]), 2e-5);
    // The batched oracle with this reference route finds the same optimum.
    OracleParams p;
    p.budgets = {{Budget::Kind::BigModules, 2}};
    p.reference = reference;
    p.randomRoutings = 0;
    auto res = runOracle(*m, tokens, p);
    LENS_VERIFY_OK(res);
    for (int64_t t = 0; t < 9; ++t) {
      float best = INFINITY;
      for (int64_t i = 0; i < routeCount(L); ++i) best = std::min(best, (*plain)[static_cast<size_t>(i * 9 + t)]);
      LENS_COMPARE_NEAR(res->loss[static_cast<size_t>(t)], best, 2e-5);
    }
  }

  void beamSearchOverLayers() {
    const int L = 3;
    auto m = randomModel(tinyDuo(L), 13);
    auto tokens = randomTokens(10, 4, 23);
    OracleParams ex;
    ex.budgets = kBudgets(L);
    ex.randomRoutings = 0;
    auto exact = runOracle(*m, tokens, ex);
    LENS_VERIFY_OK(exact);
    OracleParams wide = ex;
    wide.search = OracleParams::Search::Beam;
    wide.beamWidth = 27;  // keeps every partial route: must equal exhaustive search
    auto full = runOracle(*m, tokens, wide);
    LENS_VERIFY_OK(full);
    QVERIFY(!full->exhaustive);
    OracleParams greedy = wide;
    greedy.beamWidth = 1;
    auto g = runOracle(*m, tokens, greedy);
    LENS_VERIFY_OK(g);
    // Greedy evaluates 2 or 3 candidates (big only while the budget allows) per layer, token and
    // budget, plus the 3 fixed routes per token: far fewer than the 27 routes of exhaustive search.
    QVERIFY(g->tokenRoutesEvaluated <= int64_t{3} * L * 9 * (L + 1) + 3 * 9);
    QVERIFY(g->tokenRoutesEvaluated >= int64_t{2} * L * 9 * (L + 1) + 3 * 9);
    for (size_t i = 0; i < exact->loss.size(); ++i) {
      LENS_COMPARE_NEAR(full->loss[i], exact->loss[i], 1e-5);
      QVERIFY(g->loss[i] >= exact->loss[i] - 1e-5f);
    }
    for (size_t i = 0; i < exact->fixedLoss.size(); ++i) LENS_COMPARE_NEAR(g->fixedLoss[i], exact->fixedLoss[i], 1e-5);
  }

  void sequenceScopeIsGreedyOverTheChosenContext() {
    const int L = 2;
    auto m = randomModel(tinyDuo(L), 14);
    auto tokens = randomTokens(8, 5, 23);
    OracleParams p;
    p.budgets = {{Budget::Kind::BigModules, 0}, {Budget::Kind::BigModules, 1}};
    p.scope = OracleParams::Scope::Sequence;
    p.randomRoutings = 5;
    auto res = runOracle(*m, tokens, p);
    LENS_VERIFY_OK(res);
    for (int b = 0; b < 2; ++b) {
      std::vector<Route> chosen;
      for (int64_t t = 0; t < 7; ++t) {
        const uint8_t* r = &res->routes[static_cast<size_t>((t * 2 + b) * L)];
        // At each position the chosen route is the best within budget given the earlier choices.
        float best = INFINITY;
        for (int64_t i = 0; i < routeCount(L); ++i)
          if (withinBudget(m->config(), routeAt(i, L).data(), p.budgets[static_cast<size_t>(b)]))
            best = std::min(best, bruteLoss(*m, tokens, t, chosen, routeAt(i, L)));
        LENS_COMPARE_NEAR(res->loss[static_cast<size_t>(t * 2 + b)], best, 2e-5);
        LENS_COMPARE_NEAR(bruteLoss(*m, tokens, t, chosen, Route(r, r + L)), best, 2e-5);
        chosen.emplace_back(r, r + L);
      }
    }
    // Fixed routes in sequence scope are whole static models.
    const std::vector<Route> smalls(8, Route(L, kSmall));
    for (int64_t t = 0; t < 7; ++t)
      LENS_COMPARE_NEAR(res->fixedLoss[static_cast<size_t>(t * kFixedRoutes + 1)], bruteLoss(*m, tokens, t, smalls, Route(L, kSmall)), 2e-5);
  }

  // Positions before firstPosition are context only (a prompt): they take the reference route and
  // are not scored.
  void promptPositionsAreContextOnly() {
    const int L = 2;
    auto m = randomModel(tinyDuo(L), 15);
    auto tokens = randomTokens(10, 7, 23);
    OracleParams p;
    p.budgets = {{Budget::Kind::BigModules, 1}};
    p.randomRoutings = 4;
    auto whole = runOracle(*m, tokens, p);
    LENS_VERIFY_OK(whole);
    p.firstPosition = 4;
    auto tail = runOracle(*m, tokens, p);
    LENS_VERIFY_OK(tail);
    QCOMPARE(tail->positions, int64_t{5});
    QCOMPARE(tail->firstPosition, int64_t{4});
    for (int64_t i = 0; i < 5; ++i) {
      LENS_COMPARE_NEAR(tail->loss[static_cast<size_t>(i)], whole->loss[static_cast<size_t>(4 + i)], 1e-6);
      LENS_COMPARE_NEAR(tail->fixedLoss[static_cast<size_t>(i * 3 + 1)], whole->fixedLoss[static_cast<size_t>((4 + i) * 3 + 1)], 1e-6);
    }
    p.scope = OracleParams::Scope::Sequence;
    auto seq = runOracle(*m, tokens, p);
    LENS_VERIFY_OK(seq);
    std::vector<Route> context(4, Route(L, kBig));
    for (int64_t i = 0; i < 5; ++i) {
      const uint8_t* r = &seq->routes[static_cast<size_t>(i * L)];
      LENS_COMPARE_NEAR(seq->loss[static_cast<size_t>(i)], bruteLoss(*m, tokens, 4 + i, context, Route(r, r + L)), 2e-5);
      context.emplace_back(r, r + L);
    }
    p.firstPosition = 9;
    QVERIFY(!runOracle(*m, tokens, p).ok());
  }

  // A Duo checkpoint whose small FFNs are copies of the big ones: every route without skips is the
  // same function, so every such route gives the same loss.
  void smallEqualToBigGivesIdenticalLosses() {
    QTemporaryDir dir;
    auto c = tinyDuo(3);
    c.duoSmallIntermediateSize = c.intermediateSize;
    test::writeText(dir.filePath("config.json").toStdString(), c.toJson().dump(2));
    auto gen = at::detail::createCPUGenerator(21);
    std::vector<torch::Tensor> keep;
    std::vector<tensor_io::TensorToWrite> tensors;
    auto add = [&](const std::string& name, const torch::Tensor& t) {
      keep.push_back(t.contiguous());
      tensors.push_back({name, tensor_io::DType::F32, t.sizes().vec(), keep.back().data_ptr()});
    };
    auto rnd = [&](std::vector<int64_t> s) { return torch::randn(s, gen) * 0.3; };
    const int64_t h = c.hiddenSize, f = c.intermediateSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
    add("model.embed_tokens.weight", rnd({c.vocabSize, h}));
    add("lm_head.weight", rnd({c.vocabSize, h}));
    add("model.norm.weight", torch::ones({h}));
    for (int l = 0; l < 3; ++l) {
      const std::string p = "model.layers." + std::to_string(l) + ".";
      add(p + "input_layernorm.weight", torch::ones({h}));
      add(p + "post_attention_layernorm.weight", torch::ones({h}));
      add(p + "self_attn.q_proj.weight", rnd({q, h}));
      add(p + "self_attn.k_proj.weight", rnd({kv, h}));
      add(p + "self_attn.v_proj.weight", rnd({kv, h}));
      add(p + "self_attn.o_proj.weight", rnd({h, q}));
      for (const char* proj : {"gate_proj", "up_proj"}) {
        auto w = rnd({f, h});
        add(p + "mlp." + proj + ".weight", w);
        add(p + "small_mlp." + proj + ".weight", w);
      }
      auto down = rnd({h, f});
      add(p + "mlp.down_proj.weight", down);
      add(p + "small_mlp.down_proj.weight", down);
    }
    QVERIFY(tensor_io::writeSafetensors(dir.filePath("model.safetensors").toStdString(), tensors).ok());
    auto m = model::Model::load(dir.path().toStdString(), lens::test::cpuFloat32());
    LENS_VERIFY_OK(m);
    auto tokens = randomTokens(9, 6, 23);
    std::vector<Route> noSkip;
    for (int64_t i = 0; i < routeCount(3); ++i) {
      auto r = routeAt(i, 3);
      if (std::find(r.begin(), r.end(), kSkip) == r.end()) noSkip.push_back(r);
    }
    QCOMPARE(noSkip.size(), size_t{8});
    auto losses = tokenLocalLossesUnbatched(**m, tokens, Route(3, kSmall), noSkip);
    LENS_VERIFY_OK(losses);
    for (size_t i = 1; i < noSkip.size(); ++i)
      for (size_t t = 0; t < 8; ++t) LENS_COMPARE_NEAR((*losses)[i * 8 + t], (*losses)[t], 1e-6);
    // Whole sequences too: all-small and all-big are the same static model.
    OracleParams p;
    p.budgets = {{Budget::Kind::BigModules, 3}};
    p.scope = OracleParams::Scope::Sequence;
    p.randomRoutings = 0;
    auto res = runOracle(**m, tokens, p);
    LENS_VERIFY_OK(res);
    for (int64_t t = 0; t < 8; ++t)
      LENS_COMPARE_NEAR(res->fixedLoss[static_cast<size_t>(t * kFixedRoutes + 1)], res->fixedLoss[static_cast<size_t>(t * kFixedRoutes + 2)], 1e-6);
  }

  void badInputIsRefused() {
    auto plainCfg = tinyDuo(2);
    plainCfg.duoSmallIntermediateSize = 0;
    auto plain = randomModel(plainCfg, 1);
    OracleParams p;
    p.budgets = {{Budget::Kind::BigModules, 1}};
    auto r = runOracle(*plain, {1, 2, 3}, p);
    QVERIFY(!r.ok() && r.error().message.find("not a Duo model") != std::string::npos);
    auto m = randomModel(tinyDuo(2), 1);
    QVERIFY(!runOracle(*m, {1}, p).ok());
    r = runOracle(*m, {1, 99}, p);
    QVERIFY(!r.ok() && r.error().message.find("token id 99") != std::string::npos);
    p.budgets = {{Budget::Kind::FlopsFraction, 0.01}};
    r = runOracle(*m, {1, 2, 3}, p);
    QVERIFY(!r.ok() && r.error().message.find("flops=0.01 admits no route") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestOracle)
#include "test_oracle.moc"
