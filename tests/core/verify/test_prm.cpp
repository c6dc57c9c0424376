// SPDX-License-Identifier: GPL-3.0-or-later
// Process reward models: a step-tag PRM scored against the logits transformers computed for the
// fixture (golden), and a Qwen2ForProcessRewardModel checkpoint written by our safetensors writer
// whose reward head is set so that the scores are known in closed form.
#include <QtTest>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <nlohmann/json.hpp>

#include "common/prm_fixture.h"
#include "common/test_helpers.h"
#include "core/common/atomic_file.h"
#include "core/model/model.h"
#include "core/tensor_io/safetensors.h"
#include "core/text/tokenizer.h"
#include "core/verify/likelihood_head.h"
#include "core/verify/prm.h"
#include "core/verify/slips.h"
#include "core/mathdata/arith.h"
#include "core/mathdata/prompt.h"

using namespace lens;
using json = nlohmann::json;
namespace fs = std::filesystem;


class TestPrm : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void stepTagScoresFollowTheGoldenLogits() {
    auto exp = json::parse(*readFile(test::fixture("tiny-qwen2/expected.json")));
    std::vector<int32_t> ids = exp["cases"][0]["ids"].get<std::vector<int32_t>>();
    QVERIFY(ids.size() >= 8);
    auto tok = text::Tokenizer::load(test::fixture("tiny-qwen2/tokenizer.json"));
    LENS_VERIFY_OK(tok);
    verify::PrmParams p;
    p.device.device = "cpu";
    p.stepTag = (*tok)->decode({ids[3]});
    p.goodToken = (*tok)->decode({ids[5]});
    p.badToken = (*tok)->decode({ids[6]});
    auto prm = verify::ProcessRewardModel::load(test::fixture("tiny-qwen2"), p);
    LENS_VERIFY_OK(prm);
    QCOMPARE((*prm)->kind(), verify::PrmKind::StepTag);
    auto scores = (*prm)->scoreTokenIds(ids);
    LENS_VERIFY_OK(scores);
    // Expected from transformers' logits: softmax over (good, bad) at every tag position.
    auto golden = tensor_io::SafetensorsFile::open(test::fixture("tiny-qwen2/expected_logits.safetensors"));
    const auto* L = (*golden)->find("logits_0");
    QVERIFY(L);
    const int64_t V = L->shape[1];
    const float* lg = reinterpret_cast<const float*>(L->data);
    std::vector<double> want;
    for (size_t t = 0; t < ids.size(); ++t)
      if (ids[t] == ids[3]) want.push_back(1.0 / (1.0 + std::exp(lg[t * V + ids[6]] - lg[t * V + ids[5]])));
    QCOMPARE(scores->size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) LENS_COMPARE_NEAR((*scores)[i], want[i], 1e-5);
  }

  // Step-tag scoring in batches (two LM-head rows at the tags) equals scoring one solution at a time
  // (the full logits), on the shipped PRM, whatever the padding and the batch cut.
  void stepTagBatchEqualsSingle() {
    verify::PrmParams p;
    p.device.device = "cpu";
    p.device.dtype = "float32";
    auto prm = verify::ProcessRewardModel::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm", p);
    LENS_VERIFY_OK(prm);
    const std::string q = "Compute $3 \\times 4 + 5$.";
    const std::vector<std::vector<std::string>> sols = {
        {"Multiplication comes first: $3 \\times 4 = 12$.", "Then we add: $12 + 5 = 17$.", "The answer is $\\boxed{17}$."},
        {"Then we add: $3 + 5 = 8$.", "The answer is $\\boxed{8}$."},
        {"The answer is $\\boxed{17}$."}};
    for (int64_t cap : {int64_t{16384}, int64_t{100}}) {
      const int64_t before = (*prm)->tokensScored();
      auto batch = (*prm)->scoreStepsBatch(q, sols, cap);
      LENS_VERIFY_OK(batch);
      const int64_t batchTokens = (*prm)->tokensScored() - before;  // real tokens, padding not counted
      for (size_t i = 0; i < sols.size(); ++i) {
        auto one = (*prm)->scoreSteps(q, sols[i]);
        LENS_VERIFY_OK(one);
        QCOMPARE((*batch)[i].size(), one->size());
        for (size_t k = 0; k < one->size(); ++k) LENS_COMPARE_NEAR((*batch)[i][k], (*one)[k], 1e-5);
      }
      QCOMPARE((*prm)->tokensScored() - before - batchTokens, batchTokens);
    }
  }

  // A sampled step may contain the PRM's tag (arith-prm's is the byte 0x1e, which a weak generator
  // can emit): it is taken out of the step, so the solution gets one score per step, the same as
  // without it, instead of failing the run that scores it.
  void stepTagInsideAStepIsTakenOut() {
    verify::PrmParams p;
    p.device.device = "cpu";
    auto prm = verify::ProcessRewardModel::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm", p);
    LENS_VERIFY_OK(prm);
    const std::string q = "Compute $3 \\times 4 + 5$.";
    const std::vector<std::string> clean = {"Multiplication comes first: $3 \\times 4 = 12$.", "The answer is $\\boxed{17}$."};
    const std::vector<std::string> tagged = {"Multiplication\x1e comes first: $3 \\times 4 = 12$.\x1e", "The answer is $\\boxed{17}$."};
    auto want = (*prm)->scoreSteps(q, clean);
    LENS_VERIFY_OK(want);
    QCOMPARE(want->size(), size_t{2});
    auto one = (*prm)->scoreSteps(q, tagged);
    auto batch = (*prm)->scoreStepsBatch(q + "\x1e", {tagged}, 16384);  // the problem's tag too
    LENS_VERIFY_OK(one);
    LENS_VERIFY_OK(batch);
    for (const auto& got : {*one, (*batch)[0]}) {
      QCOMPARE(got.size(), want->size());
      for (size_t k = 0; k < want->size(); ++k) LENS_COMPARE_NEAR(got[k], (*want)[k], 1e-5);
    }
  }

  // The slip probe pairs every reference step that has a result with its slip, scores each pair's
  // last step, and gives the same answer for the same seed; problems without such a step are left
  // out, and with none at all it says so.
  void slipProbePairsEachReferenceStepWithItsSlip() {
    verify::PrmParams p;
    p.device.device = "cpu";
    auto prm = verify::ProcessRewardModel::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm", p);
    LENS_VERIFY_OK(prm);
    auto set = mathdata::arithProblemSet(mathdata::ArithSplit::Test);
    LENS_VERIFY_OK(set);
    std::vector<mathdata::Problem> problems;
    int64_t steps = 0;
    std::map<int, int> perLevel;
    for (const auto& q : set->problems) {  // the first two of each level
      if (perLevel[*q.level]++ >= 2) continue;
      problems.push_back(q);
      for (const auto& s : mathdata::splitSteps(q.solution)) steps += mathdata::withSlippedResult(s, 1) ? 1 : 0;
    }
    mathdata::Problem none;
    none.key = "no-steps";
    none.problem = "Compute $1 + 1$.";
    none.solution = "The answer is $\\boxed{2}$.";
    problems.push_back(none);
    auto rep = verify::probeSlips(**prm, problems, 7);
    LENS_VERIFY_OK(rep);
    QCOMPARE(rep->problems, int64_t{10});
    QCOMPARE(rep->all.pairs, steps);
    QCOMPARE(rep->firstStep.pairs, int64_t{10});
    QCOMPARE(rep->byLevel.size(), size_t{5});
    for (const auto* s : {&rep->all, &rep->firstStep}) {
      QVERIFY(s->rightAbove >= 0.0 && s->rightAbove <= 1.0);
      QVERIFY(s->interval.low <= s->rightAbove + 1e-12 && s->rightAbove <= s->interval.high + 1e-12);
    }
    auto again = verify::probeSlips(**prm, problems, 7);
    LENS_VERIFY_OK(again);
    QCOMPARE(again->toJson().dump(), rep->toJson().dump());
    // The model the PRM was fine-tuned from, by its likelihood: the same pairs, and it does tell
    // the slips apart (a right step is likelier than its slip far more often than not).
    model::DeviceParams d;
    d.device = "cpu";
    auto lm = model::Model::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small", d);
    LENS_VERIFY_OK(lm);
    auto byLm = verify::probeSlipsByLikelihood(**lm, problems, 7);
    LENS_VERIFY_OK(byLm);
    QCOMPARE(byLm->all.pairs, rep->all.pairs);
    QVERIFY2(byLm->all.rightAbove > 0.9, qPrintable(QString::number(byLm->all.rightAbove)));
    QVERIFY(byLm->meanScoreRight > byLm->meanScoreSlipped);
    auto empty = verify::probeSlips(**prm, {none}, 7);
    QVERIFY(!empty.ok());
    QVERIFY2(empty.error().message.find("no problem has a reference step") != std::string::npos, empty.error().message.c_str());
  }

  void stepTagNeedsItsTokens() {
    verify::PrmParams p;
    p.device.device = "cpu";
    p.stepTag = "this is not one token";
    auto prm = verify::ProcessRewardModel::load(test::fixture("tiny-qwen2"), p);
    QVERIFY(!prm.ok());
    QVERIFY2(prm.error().message.find("step tag 'this is not one token' is not one token") != std::string::npos,
             prm.error().message.c_str());
  }

  // A likelihood PRM's features by hand: the lowest and mean token log-probability so far, the
  // lowest of the step, and the tokens under probability 0.1 so far; a step without a token of its
  // own keeps the prefix's (its step_min is the last token's); -100 is clamped to -30.
  void likelihoodStepFeaturesByHand() {
    const std::vector<double> lp = {-0.1, -2.0, -0.5, -100.0, -0.2};
    const auto f = verify::likelihoodStepFeatures(lp, {2, 2, 4, 5});
    const std::vector<std::array<double, 4>> want = {
        {-2.0, -1.05, -2.0, 0}, {-2.0, -1.05, -2.0, 0}, {-30.0, -32.6 / 4, -30.0, 1}, {-30.0, -32.8 / 5, -0.2, 1}};
    QCOMPARE(f.size(), want.size());
    for (size_t k = 0; k < want.size(); ++k)
      for (size_t i = 0; i < 4; ++i) LENS_COMPARE_NEAR(f[k][i], want[k][i], 1e-12);
    QCOMPARE(verify::likelihoodStepFeatures({}, {0})[0], (std::array<double, 4>{0, 0, 0, 0}));
  }

  // Logistic regression on soft labels that are a known head's own probabilities: the maximum
  // likelihood is that head, so Newton's method must find it (no ridge); the loss never rises; the
  // head's JSON round-trips and names what is wrong with a bad one.
  void likelihoodHeadFitRecoversAKnownHead() {
    verify::LikelihoodHead truth;
    truth.weights = {0.8, 1.5, -0.3, -0.4};
    truth.bias = 2.0;
    std::mt19937_64 rng(3);
    std::normal_distribution<double> lowest(-5, 3), mean(-0.5, 0.3), step(-3, 2);
    std::vector<verify::LikelihoodFeatures> x;
    std::vector<double> y;
    for (int i = 0; i < 2000; ++i) {
      x.push_back({lowest(rng), mean(rng), step(rng), static_cast<double>(rng() % 7)});
      y.push_back(truth.score(x.back()));
    }
    auto fit = verify::fitLikelihoodHead(x, y, 100, 0.0);
    LENS_VERIFY_OK(fit);
    for (size_t i = 0; i < 4; ++i) LENS_COMPARE_NEAR(fit->head.weights[i], truth.weights[i], 1e-6);
    LENS_COMPARE_NEAR(fit->head.bias, truth.bias, 1e-6);
    QVERIFY(fit->losses.size() >= 3);
    for (size_t k = 1; k < fit->losses.size(); ++k) QVERIFY(fit->losses[k] <= fit->losses[k - 1] + 1e-12);
    QVERIFY(fit->losses.back() < fit->losses.front() - 0.05);
    // A ridge pulls the weights towards 0.
    auto ridged = verify::fitLikelihoodHead(x, y, 100, 1.0);
    LENS_VERIFY_OK(ridged);
    QVERIFY(std::abs(ridged->head.weights[1]) < std::abs(fit->head.weights[1]));
    y[5] = 1.5;
    auto bad = verify::fitLikelihoodHead(x, y);
    QVERIFY(!bad.ok() && bad.error().message.find("label 5 is outside [0, 1]") != std::string::npos);
    auto none = verify::fitLikelihoodHead({}, {});
    QVERIFY(!none.ok() && none.error().message.find("no labelled steps") != std::string::npos);

    auto back = verify::LikelihoodHead::fromJson(truth.toJson(), "here");
    LENS_VERIFY_OK(back);
    QCOMPARE(back->weights, truth.weights);
    QCOMPARE(back->bias, truth.bias);
    auto j = truth.toJson();
    j["features"][2] = "max";
    auto wrongName = verify::LikelihoodHead::fromJson(j, "here");
    QVERIFY(!wrongName.ok() && wrongName.error().message.find("here: feature 3 must be \"step_min\"") != std::string::npos);
    j = truth.toJson();
    j.erase("bias");
    auto noBias = verify::LikelihoodHead::fromJson(j, "here");
    QVERIFY(!noBias.ok() && noBias.error().message.find("\"bias\"") != std::string::npos);
  }

  // A likelihood PRM's scores are its head on the features of the model's own log-probabilities,
  // computed here from Model::logits over the prompt and the steps joined as the generator wrote
  // them; batches equal single solutions; a head on the steps' lowest log-probability tells a right
  // step from its slip (the slip probe) as the model's likelihood does.
  void likelihoodPrmReadsItsModelsLogProbs() {
    const std::string dir = std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small";
    verify::PrmParams p;
    p.device.device = "cpu";
    p.device.dtype = "float32";
    verify::LikelihoodHead head;
    head.weights = {0.3, 1.0, 0.5, -0.2};
    head.bias = 1.0;
    p.likelihoodHead = head;
    auto prm = verify::ProcessRewardModel::load(dir, p);
    LENS_VERIFY_OK(prm);
    QCOMPARE((*prm)->kind(), verify::PrmKind::Likelihood);
    auto lm = model::Model::load(dir, p.device);
    LENS_VERIFY_OK(lm);
    const auto* tok = (*lm)->tokenizer();
    auto set = mathdata::arithProblemSet(mathdata::ArithSplit::Test, 30);
    LENS_VERIFY_OK(set);
    const auto& q = set->problems[7];
    const auto steps = mathdata::splitSteps(q.solution);
    QVERIFY(steps.size() >= 2);
    const std::string prompt = mathdata::formatPrompt(q.problem, mathdata::PromptFormat::Raw, {});
    std::string text = prompt;
    std::vector<size_t> ends;
    const size_t start = tok->encode(prompt, true).size();
    for (size_t k = 0; k < steps.size(); ++k) {
      text += (k ? "\n\n" : "") + steps[k];
      ends.push_back(tok->encode(text, true).size() - start);
    }
    QCOMPARE((*prm)->formatInput(q.problem, steps), text);
    const auto ids = tok->encode(text, true);
    auto logits = (*lm)->logits(ids);
    LENS_VERIFY_OK(logits);
    const size_t V = logits->size() / ids.size();
    std::vector<double> lp;
    for (size_t t = start; t < ids.size(); ++t) {
      const float* row = logits->data() + (t - 1) * V;
      double mx = row[0], z = 0;
      for (size_t v = 0; v < V; ++v) mx = std::max<double>(mx, row[v]);
      for (size_t v = 0; v < V; ++v) z += std::exp(row[v] - mx);
      lp.push_back(row[ids[t]] - mx - std::log(z));
    }
    const auto features = verify::likelihoodStepFeatures(lp, ends);
    auto got = (*prm)->scoreSteps(q.problem, steps);
    LENS_VERIFY_OK(got);
    QCOMPARE(got->size(), steps.size());
    for (size_t k = 0; k < steps.size(); ++k) LENS_COMPARE_NEAR((*got)[k], head.score(features[k]), 1e-5);
    // The reference's first step holds no token the model finds unlikely.
    QVERIFY(features[0][2] > -3.0);

    const std::vector<std::vector<std::string>> sols = {steps, {steps[0]}, {*mathdata::withSlippedResult(steps[0], 3)}, {}};
    for (int64_t cap : {int64_t{16384}, int64_t{60}}) {
      auto batch = (*prm)->scoreStepsBatch(q.problem, sols, cap);
      LENS_VERIFY_OK(batch);
      QCOMPARE(batch->size(), sols.size());
      QVERIFY((*batch)[3].empty());
      for (size_t i = 0; i < 3; ++i) {
        auto one = (*prm)->scoreSteps(q.problem, sols[i]);
        LENS_VERIFY_OK(one);
        QCOMPARE((*batch)[i].size(), one->size());
        for (size_t k = 0; k < one->size(); ++k) LENS_COMPARE_NEAR((*batch)[i][k], (*one)[k], 1e-5);
      }
    }
    auto marker = (*prm)->scoreTokenIds(ids);
    QVERIFY(!marker.ok() && marker.error().message.find("no") != std::string::npos);

    verify::LikelihoodHead stepMin;
    stepMin.weights = {0, 0, 1, 0};
    p.likelihoodHead = stepMin;
    auto probe = verify::ProcessRewardModel::load(dir, p);
    LENS_VERIFY_OK(probe);
    std::vector<mathdata::Problem> problems(set->problems.begin(), set->problems.begin() + 20);
    auto rep = verify::probeSlips(**probe, problems);
    LENS_VERIFY_OK(rep);
    QVERIFY2(rep->all.rightAbove > 0.9, qPrintable(QString::number(rep->all.rightAbove)));
  }

  // A likelihood PRM saved as a folder: config.json's "prm" says its kind and head; a kind this
  // version does not know, or a head with the wrong number of weights, is refused with the file and
  // field named.
  void likelihoodPrmFromItsConfig() {
    QTemporaryDir tmp;
    const fs::path src = fs::path(LENS_SOURCE_DIR) / "resources/models/arith-tiny";
    const fs::path dir = tmp.filePath("prm").toStdString();
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(src)) fs::copy_file(e.path(), dir / e.path().filename());
    fs::permissions(dir / "config.json", fs::perms::owner_write, fs::perm_options::add);
    auto cfg = json::parse(*readFile((dir / "config.json").string()));
    verify::LikelihoodHead head;
    head.weights = {0.1, 2.0, 0.2, -0.1};
    head.bias = 0.5;
    cfg["prm"] = {{"kind", "likelihood"}, {"head", head.toJson()}};
    QVERIFY(writeJsonFile((dir / "config.json").string(), cfg).ok());
    verify::PrmParams p;
    p.device.device = "cpu";
    p.device.dtype = "float32";
    auto saved = verify::ProcessRewardModel::load(dir.string(), p);
    LENS_VERIFY_OK(saved);
    QCOMPARE((*saved)->kind(), verify::PrmKind::Likelihood);
    p.likelihoodHead = head;
    auto given = verify::ProcessRewardModel::load(src.string(), p);
    LENS_VERIFY_OK(given);
    const std::vector<std::string> steps = {"We add: $7 + 12 = 19$.", "The answer is $\\boxed{19}$."};
    auto a = (*saved)->scoreSteps("Compute $7 + 12$.", steps);
    auto b = (*given)->scoreSteps("Compute $7 + 12$.", steps);
    LENS_VERIFY_OK(a);
    LENS_VERIFY_OK(b);
    QCOMPARE(*a, *b);

    cfg["prm"]["kind"] = "oracle";
    QVERIFY(writeJsonFile((dir / "config.json").string(), cfg).ok());
    auto kind = verify::ProcessRewardModel::load(dir.string(), p);
    QVERIFY(!kind.ok() && kind.error().message.find("config.json: prm.kind \"oracle\"") != std::string::npos);
    cfg["prm"]["kind"] = "likelihood";
    cfg["prm"]["head"]["weights"] = {1.0, 2.0, 3.0};
    QVERIFY(writeJsonFile((dir / "config.json").string(), cfg).ok());
    auto weights = verify::ProcessRewardModel::load(dir.string(), p);
    QVERIFY(!weights.ok() && weights.error().message.find("config.json prm.head: \"weights\" must hold 4 numbers") != std::string::npos);
  }

  // The shipped likelihood PRM (resources/models/README.md): arith-mini-long's weights unchanged
  // and a fitted head, loaded with no parameters; it reads the arithmetic its base knows, which the
  // fine-tuned tag PRM does not (the slip probe on the first 30 test problems: measured 1.000 there and 0.994 on
  // all 500; arith-prm 0.544 there, 0.531 on all).
  void shippedLikelihoodPrmChecksTheArithmetic() {
    verify::PrmParams p;
    p.device.device = "cpu";
    auto prm = verify::ProcessRewardModel::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm-likelihood", p);
    LENS_VERIFY_OK(prm);
    QCOMPARE((*prm)->kind(), verify::PrmKind::Likelihood);
    auto tag = verify::ProcessRewardModel::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm", p);
    LENS_VERIFY_OK(tag);
    auto set = mathdata::arithProblemSet(mathdata::ArithSplit::Test, 30);
    LENS_VERIFY_OK(set);
    auto lik = verify::probeSlips(**prm, set->problems);
    auto tagged = verify::probeSlips(**tag, set->problems);
    LENS_VERIFY_OK(lik);
    LENS_VERIFY_OK(tagged);
    const QString text = QString("likelihood PRM %1, tag PRM %2").arg(lik->all.rightAbove).arg(tagged->all.rightAbove);
    qInfo("%s", qPrintable(text));
    QVERIFY2(lik->all.rightAbove > 0.95, qPrintable(text));
    QVERIFY2(lik->all.interval.low > tagged->all.interval.high, qPrintable(text));
  }

  void likelihoodPrmReadsASearchsStepsAsASolutions() {
    // A search's steps keep the delimiter that ended them ("…\n\n"); steps split from a whole
    // solution do not. Both are the same solution and must score alike (they once did not: the
    // doubled blank line was the least likely token of the text, and a right answer's last step
    // scored 1e-4).
    verify::PrmParams p;
    p.device.device = "cpu";
    auto prm = verify::ProcessRewardModel::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm-likelihood", p);
    LENS_VERIFY_OK(prm);
    const std::string problem = "Compute $4 + 15$.";
    const std::vector<std::string> split = {"We add: $4 + 15 = 19$.", "The answer is $\\boxed{19}$."};
    const std::vector<std::string> searched = {"We add: $4 + 15 = 19$.\n\n", "The answer is $\\boxed{19}$.\n"};
    QCOMPARE((*prm)->formatInput(problem, searched), (*prm)->formatInput(problem, split));
    auto a = (*prm)->scoreSteps(problem, split);
    auto b = (*prm)->scoreSteps(problem, searched);
    auto batch = (*prm)->scoreStepsBatch(problem, {searched, split});
    LENS_VERIFY_OK(a);
    LENS_VERIFY_OK(b);
    LENS_VERIFY_OK(batch);
    QCOMPARE(a->size(), size_t{2});
    for (size_t k = 0; k < 2; ++k) {
      LENS_COMPARE_NEAR((*b)[k], (*a)[k], 1e-9);
      LENS_COMPARE_NEAR((*batch)[0][k], (*a)[k], 1e-6);
    }
    const QString text = QString("steps %1, %2").arg((*a)[0]).arg((*a)[1]);
    qInfo("%s", qPrintable(text));
    QVERIFY2((*a)[1] > 0.5, qPrintable(text));  // a right sum and its answer
    // A wrong sum carried into the answer scores below the right one.
    auto wrong = (*prm)->scoreSteps(problem, {"We add: $4 + 15 = 21$.\n\n", "The answer is $\\boxed{21}$."});
    LENS_VERIFY_OK(wrong);
    QVERIFY2(wrong->back() < (*a)[1], qPrintable(text + QString(", wrong %1").arg(wrong->back())));
  }

  void rewardHeadScoresInClosedForm() {
    const int h = 64;
    QTemporaryDir dir;
    // W1 = 0, b1 = e0: the hidden layer is e0 whatever the trunk says; W2 row 1 = 1.5·e0, so the
    // positive-class logit exceeds the negative one by 1.5 and every step scores sigmoid(1.5).
    std::vector<float> w1(h * h, 0.0f), b1(h, 0.0f), w2(2 * h, 0.0f), b2(2, 0.0f);
    b1[0] = 1.0f;
    w2[h + 0] = 1.5f;
    verify::PrmParams p;
    p.device.device = "cpu";
    p.separator = "<|endoftext|>";
    auto prm = verify::ProcessRewardModel::load(test::rewardModel(dir, w1, b1, w2, b2), p);
    LENS_VERIFY_OK(prm);
    QCOMPARE((*prm)->kind(), verify::PrmKind::RewardHead);
    const std::vector<std::string> steps = {"Step 1: add.", "Step 2: done, \\boxed{4}."};
    const std::string input = (*prm)->formatInput("What is 2+2?", steps);
    QVERIFY(input.find("<|im_start|>assistant\nStep 1: add.<|endoftext|>Step 2") != std::string::npos);
    auto scores = (*prm)->scoreSteps("What is 2+2?", steps);
    LENS_VERIFY_OK(scores);
    QCOMPARE(scores->size(), size_t{2});
    for (double s : *scores) LENS_COMPARE_NEAR(s, 1.0 / (1.0 + std::exp(-1.5)), 1e-6);
    LENS_COMPARE_NEAR(verify::aggregateSteps({0.9, 0.5, 0.8}, verify::StepAggregation::Last), 0.8, 1e-12);
    LENS_COMPARE_NEAR(verify::aggregateSteps({0.9, 0.5, 0.8}, verify::StepAggregation::Min), 0.5, 1e-12);
    LENS_COMPARE_NEAR(verify::aggregateSteps({0.9, 0.5, 0.8}, verify::StepAggregation::Product), 0.36, 1e-12);

    // W1 = I, W2 row 1 = e0: the score is sigmoid(relu(h0)), which depends on the trunk: in [0.5, 1)
    // and not the same at every step.
    std::vector<float> eye(h * h, 0.0f), w2b(2 * h, 0.0f);
    for (int i = 0; i < h; ++i) eye[i * h + i] = 1.0f;
    w2b[h + 0] = 1.0f;
    QTemporaryDir dir2;
    auto prm2 = verify::ProcessRewardModel::load(test::rewardModel(dir2, eye, std::vector<float>(h, 0.0f), w2b, b2), p);
    LENS_VERIFY_OK(prm2);
    auto s2 = (*prm2)->scoreSteps("What is 2+2?", {"a", "b", "c", "d"});
    LENS_VERIFY_OK(s2);
    QCOMPARE(s2->size(), size_t{4});
    for (double s : *s2) QVERIFY(s >= 0.5 && s < 1.0);

    // Batched scoring (search rounds) equals one-at-a-time scoring, across padded rows and batches.
    const std::vector<std::vector<std::string>> sols = {{"a", "b", "c", "d"}, {"longer step here", "x"}, {"z"}, {}, {"a", "b"}};
    for (int64_t cap : {int64_t{16384}, int64_t{1}}) {
      auto batch = (*prm2)->scoreStepsBatch("What is 2+2?", sols, cap);
      LENS_VERIFY_OK(batch);
      QCOMPARE(batch->size(), sols.size());
      for (size_t i = 0; i < sols.size(); ++i) {
        QCOMPARE((*batch)[i].size(), sols[i].size());
        if (sols[i].empty()) continue;
        auto one = (*prm2)->scoreSteps("What is 2+2?", sols[i]);
        LENS_VERIFY_OK(one);
        for (size_t k = 0; k < one->size(); ++k) LENS_COMPARE_NEAR((*batch)[i][k], (*one)[k], 1e-5);
      }
    }

    // The trunk alone is not a language model.
    model::DeviceParams dev;
    dev.device = "cpu";
    auto lm = model::Model::load(dir.path().toStdString(), dev);
    LENS_VERIFY_OK(lm);
    QVERIFY((*lm)->logits({1, 2, 3}).error().message.find("has no LM head") != std::string::npos);
  }

  void rewardHeadMissing() {
    QTemporaryDir dir;
    const std::string out = dir.path().toStdString();
    auto cfg = json::parse(*readFile(test::fixture("tiny-qwen2/config.json")));
    cfg["architectures"] = {"Qwen2ForProcessRewardModel"};
    test::writeText(out + "/config.json", cfg.dump());
    test::copyFile(test::fixture("tiny-qwen2/tokenizer.json"), out + "/tokenizer.json");
    test::copyFile(test::fixture("tiny-qwen2/model.safetensors"), out + "/model.safetensors");
    verify::PrmParams p;
    p.device.device = "cpu";
    p.separator = "<|endoftext|>";
    auto prm = verify::ProcessRewardModel::load(out, p);
    QVERIFY(!prm.ok());
    QVERIFY2(prm.error().message.find("reward head tensor 'score.0.weight' is missing") != std::string::npos, prm.error().message.c_str());
  }
};

QTEST_GUILESS_MAIN(TestPrm)
#include "test_prm.moc"
