// SPDX-License-Identifier: GPL-3.0-or-later
// Trained routers on tiny Duo models with random weights: a router that always picks one module
// reproduces the fixed-route forward pass; gates and route codes give the same FFN; a router that
// imitates a sequence-scope oracle perfectly reproduces the oracle's routes and losses; a compute
// penalty lowers the compute the trained router uses; the files round-trip and bad ones are refused.
#include <QtTest>
#include <c10/core/InferenceMode.h>

#include <filesystem>

#include "common/test_helpers.h"
#include "common/tiny_duo.h"
#include "core/flops/flops.h"
#include "core/model/internal/engine.h"
#include "core/model/model.h"
#include "core/model/session.h"
#include "core/routing/oracle.h"
#include "core/routing/route.h"
#include "core/routing/router.h"

using namespace lens;
using namespace lens::routing;
namespace fs = std::filesystem;
using lens::test::randomModel;
using lens::test::tinyDuo;

namespace {

RoutedText randomText(int n, uint64_t seed, int vocab, int64_t first = 0) {
  SplitMix64 rng(seed);
  RoutedText t;
  for (int i = 0; i < n; ++i) t.tokens.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(vocab))));
  t.firstPosition = first;
  return t;
}

// A router that picks `code` at every layer for every token, whatever the hidden state.
Router constantRouter(const model::ModelConfig& c, const Route& codes) {
  Router r;
  r.layers = static_cast<int>(c.numLayers);
  r.hidden = c.hiddenSize;
  r.weight.assign(static_cast<size_t>(r.layers * 3 * r.hidden), 0.0f);
  r.bias.assign(static_cast<size_t>(r.layers * 3), 0.0f);
  for (int l = 0; l < r.layers; ++l) r.bias[static_cast<size_t>(l * 3 + codes[static_cast<size_t>(l)])] = 1.0f;
  return r;
}

// Next-token losses of the whole text with every token on `route` (plain routed forward pass).
std::vector<float> fixedRouteLosses(model::Model& m, const RoutedText& t, const Route& route) {
  c10::InferenceMode guard;
  auto& e = m.engine();
  const int64_t T = static_cast<int64_t>(t.tokens.size()), L = m.config().numLayers;
  model::internal::ForwardBatch fb;
  fb.tokens = torch::tensor(std::vector<int64_t>(t.tokens.begin(), t.tokens.end()), torch::kInt64).view({1, T});
  fb.slots = {0};
  fb.startPos = {0};
  fb.lengths = {T};
  std::vector<int64_t> codes;
  for (int64_t i = 0; i < T; ++i) codes.insert(codes.end(), route.begin(), route.end());
  fb.routes = torch::tensor(codes, torch::kInt64).view({1, T, L});
  auto cache = e.makeCache(1, T);
  auto lp = torch::log_softmax(e.forward(fb, *cache, true), -1)[0];
  std::vector<float> out;
  for (int64_t i = t.firstPosition; i + 1 < T; ++i) out.push_back(-lp[i][t.tokens[static_cast<size_t>(i + 1)]].item<float>());
  return out;
}

double costFraction(const model::ModelConfig& c, const RouterRun& run) {
  double sum = 0;
  for (uint8_t code : run.routes) sum += flops::ffnFlops(c, code) / flops::ffnFlops(c, kBig);
  return sum / static_cast<double>(run.routes.size());
}

}  // namespace

class TestRouter : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void constantRouterIsTheFixedRoute() {
    const auto c = tinyDuo(3);
    auto m = randomModel(c, 5);
    const auto text = randomText(12, 7, 23, 3);
    for (const Route& route : {Route{kBig, kBig, kBig}, Route{kSkip, kSmall, kBig}, Route{kSmall, kSkip, kSmall}}) {
      auto run = applyRouter(*m, constantRouter(c, route), text);
      QVERIFY2(run.ok(), run.ok() ? "" : run.error().message.c_str());
      QCOMPARE(run->loss.size(), size_t{12 - 1 - 3});
      for (size_t p = 0; p < run->loss.size(); ++p)
        for (int l = 0; l < 3; ++l) QCOMPARE(run->routes[p * 3 + static_cast<size_t>(l)], route[static_cast<size_t>(l)]);
      const auto expect = fixedRouteLosses(*m, text, route);
      QVERIFY(lens::test::maxAbsDiff(run->loss, expect) < 1e-5);
    }
    // All big is the plain model.
    auto run = applyRouter(*m, constantRouter(c, {kBig, kBig, kBig}), text);
    auto logits = m->logits(text.tokens);
    QVERIFY(logits.ok());
    for (size_t p = 0; p < run->loss.size(); ++p) {
      const size_t pos = p + 3;
      const float* row = logits->data() + pos * 23;
      double mx = row[0], z = 0;
      for (int v = 0; v < 23; ++v) mx = std::max<double>(mx, row[v]);
      for (int v = 0; v < 23; ++v) z += std::exp(row[v] - mx);
      LENS_COMPARE_NEAR(run->loss[p], -(row[text.tokens[pos + 1]] - mx - std::log(z)), 1e-5);
    }
  }

  void gatesEqualCodes() {
    const auto c = tinyDuo(2);
    auto m = randomModel(c, 9);
    c10::InferenceMode guard;
    auto& e = m->engine();
    auto h = torch::randn({2, 5, c.hiddenSize});
    auto codes = torch::tensor({0, 1, 2, 2, 1, 0, 2, 1, 1, 0}, torch::kInt64).view({2, 5});
    auto byCode = e.ffn(1, h, codes);
    auto byGate = e.gatedFfn(1, h, torch::one_hot(codes, 3).to(torch::kFloat32));
    QVERIFY((byCode - byGate).abs().max().item<float>() < 1e-6);
    // Half-half gates are the average of the two modules.
    auto half = torch::tensor({0.0f, 0.5f, 0.5f}).expand({2, 5, 3});
    auto mix = e.gatedFfn(1, h, half);
    auto avg = (e.ffn(1, h, torch::full({2, 5}, 1, torch::kInt64)) + e.ffn(1, h, torch::full({2, 5}, 2, torch::kInt64))) / 2;
    QVERIFY((mix - avg).abs().max().item<float>() < 1e-6);
  }

  void perfectImitationReproducesTheOracle() {
    const auto c = tinyDuo(2);
    auto m = randomModel(c, 11);
    RoutedText text;
    text.tokens = {4, 17, 9, 1, 22, 12, 6, 15};  // distinct tokens: distinct hidden states
    RouterTrainParams p;
    p.mode = RouterTrainParams::Mode::Imitate;
    p.budget = {Budget::Kind::BigModules, 1};
    p.scope = OracleParams::Scope::Sequence;
    p.steps = 3000;
    p.lr = 0.05;
    std::vector<RouterStep> steps;
    auto r = trainRouter(*m, {text}, p, nullptr, [&](const RouterStep& s) { steps.push_back(s); });
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(steps.size(), size_t{3000});
    QVERIFY(steps.back().loss < steps.front().loss);
    // Seven positions, two layers, three classes in 16 dimensions: separable, so training fits them.
    QCOMPARE(r->manifest["final"]["accuracy"].get<double>(), 1.0);

    OracleParams op;
    op.budgets = {p.budget};
    op.scope = OracleParams::Scope::Sequence;
    op.randomRoutings = 0;
    auto orc = runOracle(*m, text.tokens, op);
    QVERIFY(orc.ok());
    auto run = applyRouter(*m, *r, text);
    QVERIFY(run.ok());
    QCOMPARE(run->routes, orc->routes);  // B = 1: the same layout
    QVERIFY(lens::test::maxAbsDiff(run->loss, orc->loss) < 1e-5);
  }

  void penaltyLowersCompute() {
    const auto c = tinyDuo(2);
    auto m = randomModel(c, 13);
    std::vector<RoutedText> texts;
    for (int i = 0; i < 6; ++i) texts.push_back(randomText(16, 100 + static_cast<uint64_t>(i), 23, 4));
    RouterTrainParams p;
    p.steps = 150;
    p.batch = 3;
    p.lr = 0.05;
    auto costAt = [&](double lambda) {
      p.lambda = lambda;
      auto r = trainRouter(*m, texts, p);
      if (!r.ok()) qFatal("%s", r.error().message.c_str());
      double sum = 0;
      for (const auto& t : texts) sum += costFraction(c, *applyRouter(*m, *r, t));
      return sum / static_cast<double>(texts.size());
    };
    const double free = costAt(0.0), expensive = costAt(20.0);
    // Both start from big everywhere (cost 1). Random weights give big no edge in loss, so the LM
    // loss alone moves some tokens off it; a heavy penalty takes nearly all big-FFN compute away.
    QVERIFY2(free < 1.0 && expensive < 0.2 && expensive < free - 0.2,
             qPrintable(QString("free %1, expensive %2").arg(free).arg(expensive)));
  }

  // A router in a decode session (search under a trained router) picks the routes applyRouter
  // picks on the same text, prefilled and decoded alike; a constant router is the fixed route; the
  // counted modules give the FLOPs of the routes taken.
  void routerDrivesADecodeSession() {
    const auto c = tinyDuo(2);
    auto m = randomModel(c, 3);
    Router r = constantRouter(c, {kBig, kBig});
    SplitMix64 rng(11);
    for (auto& w : r.weight) w = static_cast<float>(static_cast<double>(rng.below(2001)) / 1000.0 - 1.0);
    auto text = randomText(10, 5, 23, 0);
    auto session = model::DecodeSession::open(*m, 1, 32);
    LENS_VERIFY_OK(session);
    LENS_VERIFY_OK((*session)->setRouter(&r));
    QVERIFY((*session)->routed());
    LENS_VERIFY_OK((*session)->start(0, text.tokens));
    model::SamplingParams greedy;
    greedy.temperature = 0.0f;
    greedy.maxNewTokens = 6;
    greedy.ignoreEos = true;
    auto gen = (*session)->extend({0}, greedy, 1, {0});
    LENS_VERIFY_OK(gen);
    // applyRouter on the whole sequence: its routes at positions 0..len-2 are those the session took.
    RoutedText all{(*session)->tokens(0), 0};
    auto run = applyRouter(*m, r, all);
    LENS_VERIFY_OK(run);
    const auto counts = (*session)->moduleCounts();
    QCOMPARE(counts.size(), size_t{2});
    std::vector<std::array<int64_t, 3>> expect(2, {0, 0, 0});
    for (size_t p = 0; p + 1 < all.tokens.size(); ++p)
      for (size_t l = 0; l < 2; ++l) expect[l][run->routes[p * 2 + l]] += 1;
    for (size_t l = 0; l < 2; ++l) QCOMPARE(counts[l], expect[l]);
    QVERIFY(expect[0][0] + expect[0][1] > 0 && expect[0][2] > 0);  // the router mixes modules
    LENS_COMPARE_NEAR(flops::countedMatmulFlops(c, counts, true) - flops::countedMatmulFlops(c, counts, false),
                      static_cast<double>(all.tokens.size() - 1) * 2 * 2 * 3 * 16, 1e-6);
    // Every token run attended to the keys before it and itself: positions 0..len-2.
    QCOMPARE((*session)->attendedKeys(), flops::attendedKeys(c, 0, static_cast<int64_t>(all.tokens.size()) - 1));

    // A constant router decodes exactly as the fixed route does, and counts the same.
    const Route route{kSmall, kSkip};
    Router fixed = constantRouter(c, route);
    std::vector<std::vector<int32_t>> outputs;
    std::vector<std::vector<std::array<int64_t, 3>>> counted;
    for (int useRouter = 0; useRouter < 2; ++useRouter) {
      auto s = model::DecodeSession::open(*m, 1, 32);
      LENS_VERIFY_OK(s);
      if (useRouter) LENS_VERIFY_OK((*s)->setRouter(&fixed));
      else LENS_VERIFY_OK((*s)->setRoute(route));
      LENS_VERIFY_OK((*s)->start(0, text.tokens));
      auto g = (*s)->extend({0}, greedy, 1, {0});
      LENS_VERIFY_OK(g);
      outputs.push_back((*g)[0].tokenIds);
      counted.push_back((*s)->moduleCounts());
    }
    QCOMPARE(outputs[0], outputs[1]);
    QCOMPARE(counted[0], counted[1]);
    const double tokens = static_cast<double>(text.tokens.size() - 1 + greedy.maxNewTokens);
    LENS_COMPARE_NEAR(flops::countedMatmulFlops(c, counted[0]), tokens * flops::tokenMatmulFlops(c, route.data()), 1e-6);
    // A router for another shape is refused.
    auto other = randomModel(tinyDuo(3), 1);
    auto s3 = model::DecodeSession::open(*other, 1, 16);
    LENS_VERIFY_OK(s3);
    QVERIFY(!(*s3)->setRouter(&r).ok());
  }

  void saveLoadAndBadInput() {
    const auto c = tinyDuo(2);
    auto m = randomModel(c, 17);
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/router";
    Router r = constantRouter(c, {kSmall, kBig});
    r.weight[5] = 0.25f;
    r.manifest = {{"mode", "penalty"}, {"lambda", 0.5}};
    QVERIFY(r.save(dir).ok());
    auto back = Router::load(dir);
    QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
    QCOMPARE(back->weight, r.weight);
    QCOMPARE(back->bias, r.bias);
    QCOMPARE(back->manifest["lambda"].get<double>(), 0.5);

    auto missing = Router::load(tmp.path().toStdString() + "/nowhere");
    QVERIFY(!missing.ok() && missing.error().message.find("not a router folder") != std::string::npos);
    lens::test::writeText(dir + "/router.json", "{\"layers\": 2, \"hidden\": 15}");
    auto wrong = Router::load(dir);
    QVERIFY(!wrong.ok() && wrong.error().message.find("router.layers.0.weight") != std::string::npos);

    auto other = randomModel(tinyDuo(3), 1);
    auto fits = r.checkFits(*other, "spec.routers[0]");
    QVERIFY(!fits.ok() && fits.error().message.find("spec.routers[0]: router is for 2 layers") != std::string::npos);
    auto text = randomText(4, 1, 23);
    text.tokens[2] = 99;
    auto bad = applyRouter(*m, r, text);
    QVERIFY(!bad.ok() && bad.error().message.find("token id 99") != std::string::npos);
    auto plain = tinyDuo(2);
    plain.duoSmallIntermediateSize = 0;
    auto notDuo = trainRouter(*randomModel(plain, 1), {randomText(5, 1, 23)}, {});
    QVERIFY(!notDuo.ok() && notDuo.error().message.find("not a Duo model") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestRouter)
#include "test_router.moc"
