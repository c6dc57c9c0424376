// SPDX-License-Identifier: GPL-3.0-or-later
// Training a step-tag PRM from the shipped model: exporting the engine's weights gives back every
// checkpoint tensor exactly; a short training on labels that a step's wording decides learns them
// (validation loss falls, the loaded PRM ranks good steps above bad ones, over all solutions and
// within a problem); the auxiliary next-token loss keeps the base's predictions; bad input is refused.
#include <QtTest>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "core/model/internal/engine.h"
#include "core/mathdata/arith.h"
#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/tensor_io/checkpoint.h"
#include "core/text/tokenizer.h"
#include "core/train/prm_trainer.h"
#include "core/verify/prm.h"

using namespace lens;

namespace {

std::string base() { return std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small"; }
std::string tinyBase() { return std::string(LENS_SOURCE_DIR) + "/resources/models/arith-tiny"; }

// Steps that say "right" are labelled 1, "wrong" 0; examples 2j and 2j + 1 share a problem, the
// first with a right last step, the second with a wrong one.
std::vector<train::PrmExample> wordedExamples(int n) {
  std::vector<train::PrmExample> out;
  for (int i = 0; i < n; ++i) {
    train::PrmExample e;
    e.problem = "What is " + std::to_string(i / 2) + " + " + std::to_string(i / 2 * 2) + "?";
    for (int k = 0; k < 3; ++k) {
      const bool good = (i + k) % 2 == 0;
      e.steps.push_back(std::string(good ? "right" : "wrong") + " step " + std::to_string(k));
      e.labels.push_back(good ? 1.0 : 0.0);
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

class TestPrmTrain : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void exportIsTheInverseOfLoad() {
    model::DeviceParams d;
    d.device = "cpu";
    d.dtype = "float32";
    auto m = model::Model::load(base(), d);
    LENS_VERIFY_OK(m);
    auto ck = tensor_io::Checkpoint::open(base());
    LENS_VERIFY_OK(ck);
    c10::InferenceMode guard;
    auto out = model::internal::Engine::exportWeights((*m)->config(), (*m)->engine().weights());
    QCOMPARE(out.size(), ck->tensors().size());
    for (const auto& [name, t] : out) {
      const auto* src = ck->find(name);
      QVERIFY2(src, name.c_str());
      QVERIFY2(torch::equal(model::internal::toTorch(*src).to(torch::kFloat32), t), name.c_str());
    }
  }

  void learnsWordedLabels() {
    QTemporaryDir tmp;
    train::PrmTrainParams p;
    p.base = base();
    p.outDir = tmp.filePath("prm").toStdString();
    p.steps = 60;
    p.batch = 8;
    p.lr = 1e-3;
    p.validationFraction = 0.25;
    std::vector<double> losses;
    auto rep = train::trainPrm(wordedExamples(40), p, nullptr, [&](const train::PrmTrainStep& s) { losses.push_back(s.loss); });
    QVERIFY2(rep.ok(), rep.ok() ? "" : rep.error().message.c_str());
    QCOMPARE(losses.size(), size_t{60});
    QCOMPARE(rep->validationExamples, int64_t{10});
    QCOMPARE(rep->validationTags, int64_t{30});
    QVERIFY2(rep->validationLossAfter < 0.5 * rep->validationLossBefore,
             qPrintable(QString("%1 -> %2").arg(rep->validationLossBefore).arg(rep->validationLossAfter)));
    QCOMPARE(rep->validationAccuracyAfter, 1.0);
    // The last step's score ranks the right solutions (even i) above the wrong ones, over all
    // validation solutions and among each problem's two.
    QCOMPARE(rep->validationFinalAurocAfter, 1.0);
    QVERIFY(rep->validationFinalAurocBefore >= 0.0 && rep->validationFinalAurocBefore <= 1.0);
    QCOMPARE(rep->validationMixedProblems, int64_t{5});
    QCOMPARE(rep->validationWithinAurocAfter, 1.0);
    QVERIFY(rep->validationWithinAurocBefore >= 0.0 && rep->validationWithinAurocBefore <= 1.0);
    // The saved PRM loads with default parameters (its config names the tag) and ranks the steps.
    auto prm = verify::ProcessRewardModel::load(p.outDir);
    QVERIFY2(prm.ok(), prm.ok() ? "" : prm.error().message.c_str());
    QCOMPARE((*prm)->kind(), verify::PrmKind::StepTag);
    auto s = (*prm)->scoreSteps("What is 100 + 200?", {"right step 0\n\n", "wrong step 1\n\n", "right step 2"});
    LENS_VERIFY_OK(s);
    QCOMPARE(s->size(), size_t{3});
    QVERIFY((*s)[0] > 0.5 && (*s)[1] < 0.5 && (*s)[2] > 0.5);
    // Trailing delimiters do not change the input.
    QCOMPARE((*prm)->formatInput("q", {"a\n\n", "b"}), (*prm)->formatInput("q", {"a", "b"}));
  }

  // A slip: the last number after "=" moves by delta, nothing else changes; steps with no result
  // (the answer line) have none.
  void slippedResultChangesOneNumber() {
    QCOMPARE(*mathdata::withSlippedResult("We add: $7 + 12 = 19$.", 3), std::string("We add: $7 + 12 = 22$."));
    QCOMPARE(*mathdata::withSlippedResult("Subtract $40$: $x = -3$.", 5), std::string("Subtract $40$: $x = 2$."));
    QCOMPARE(*mathdata::withSlippedResult("Finally: $(-12) - 4 = -16$.", -10), std::string("Finally: $(-12) - 4 = -26$."));
    QCOMPARE(*mathdata::withSlippedResult("Divide both sides by $3$: $x = \\frac{12}{3} = 4$.", -1),
             std::string("Divide both sides by $3$: $x = \\frac{12}{3} = 3$."));
    QVERIFY(!mathdata::withSlippedResult("The answer is $\\boxed{19}$.", 1));
    QVERIFY(!mathdata::withSlippedResult("We add: $7 + 12 = 19$.", 0));
    QCOMPARE(*mathdata::withSlippedResult("Combining the numerators: $\\frac{9}{12} + \\frac{2}{12} = \\frac{11}{12}$.", 2),
             std::string("Combining the numerators: $\\frac{9}{12} + \\frac{2}{12} = \\frac{13}{12}$."));
    QCOMPARE(*mathdata::withSlippedResult("so $x = -\\frac{3}{4}$.", -5), std::string("so $x = -\\frac{8}{4}$."));
    QVERIFY(!mathdata::withSlippedResult("In lowest terms this is $\\frac{3}{4}$.", 1));
  }

  // Slipped copies: one per right training solution (every reference solution has a step with a
  // result), none of a validation problem or of a wrong solution.
  void slippedCopiesOfRightTrainingSolutions() {
    auto set = mathdata::arithProblemSet(mathdata::ArithSplit::Train, 24);
    LENS_VERIFY_OK(set);
    std::vector<train::PrmExample> examples;
    for (const auto& q : set->problems) {
      train::PrmExample e;
      e.problem = q.problem;
      e.steps = mathdata::splitSteps(q.solution);
      e.labels.assign(e.steps.size(), 1.0);
      examples.push_back(std::move(e));
    }
    examples[0].labels.back() = 0.0;  // a wrong solution is not copied
    QTemporaryDir tmp;
    train::PrmTrainParams p;
    p.base = tinyBase();
    p.outDir = tmp.filePath("prm").toStdString();
    p.steps = 1;
    p.batch = 4;
    p.validationFraction = 0.25;
    auto plain = train::trainPrm(examples, p, nullptr);
    LENS_VERIFY_OK(plain);
    QCOMPARE(plain->trainExamples, int64_t{18});
    QCOMPARE(plain->slippedExamples, int64_t{0});
    p.slipped = 1.0;
    auto slipped = train::trainPrm(examples, p, nullptr);
    LENS_VERIFY_OK(slipped);
    QCOMPARE(slipped->slippedExamples, int64_t{17});
    QCOMPARE(slipped->trainExamples, int64_t{18 + 17});
    QCOMPARE(slipped->validationExamples, plain->validationExamples);
    QCOMPARE(slipped->validationTags, plain->validationTags);
    QCOMPARE(slipped->validationLossBefore, plain->validationLossBefore);
  }

  // The auxiliary next-token loss keeps the base's predictions: trained on arithmetic solutions with
  // labels that their text cannot predict (alternate solutions all 1, all 0) at a high learning rate,
  // the PRM trained on labels alone predicts held-out solutions far worse than its base, the one
  // trained with the next-token loss beside them much less so (arith-tiny, for speed).
  void lmWeightKeepsTheBasesPredictions() {
    auto train = mathdata::arithProblemSet(mathdata::ArithSplit::Train, 40);
    auto test = mathdata::arithProblemSet(mathdata::ArithSplit::Test, 10);
    LENS_VERIFY_OK(train);
    LENS_VERIFY_OK(test);
    std::vector<train::PrmExample> examples;
    for (size_t i = 0; i < train->problems.size(); ++i) {
      train::PrmExample e;
      e.problem = train->problems[i].problem;
      e.steps = mathdata::splitSteps(train->problems[i].solution);
      e.labels.assign(e.steps.size(), i % 2 ? 0.0 : 1.0);
      examples.push_back(std::move(e));
    }
    // nats per solution token of the test problems' reference solutions, in the generator's format
    auto nll = [&](const std::string& dir) {
      model::DeviceParams d;
      d.device = "cpu";
      d.dtype = "float32";
      auto m = model::Model::load(dir, d);
      if (!m.ok()) return -1.0;
      double sum = 0;
      size_t tokens = 0;
      for (const auto& q : test->problems) {
        const std::string prompt = mathdata::formatPrompt(q.problem, mathdata::PromptFormat::Raw, {});
        const auto ids = (*m)->tokenizer()->encode(prompt + q.solution, true);
        const size_t start = (*m)->tokenizer()->encode(prompt, true).size();
        auto lg = (*m)->logits(ids);
        if (!lg.ok()) return -1.0;
        const size_t V = lg->size() / ids.size();
        for (size_t t = start - 1; t + 1 < ids.size(); ++t, ++tokens) {
          const float* row = lg->data() + t * V;
          double mx = row[0], z = 0;
          for (size_t v = 0; v < V; ++v) mx = std::max<double>(mx, row[v]);
          for (size_t v = 0; v < V; ++v) z += std::exp(row[v] - mx);
          sum += mx + std::log(z) - row[ids[t + 1]];
        }
      }
      return sum / static_cast<double>(tokens);
    };
    QTemporaryDir tmp;
    std::map<double, double> after;
    for (double w : {0.0, 1.0}) {
      train::PrmTrainParams p;
      p.base = tinyBase();
      p.outDir = tmp.filePath(QString("prm%1").arg(w)).toStdString();
      p.steps = 24;
      p.batch = 8;
      p.lr = 3e-3;
      p.validationFraction = 0.25;
      p.lmWeight = w;
      auto rep = train::trainPrm(examples, p);
      LENS_VERIFY_OK(rep);
      after[w] = nll(p.outDir);
      QVERIFY(after[w] >= 0);
    }
    const double before = nll(tinyBase());
    const QString text = QString("base %1, labels only %2, with next-token loss %3").arg(before).arg(after[0.0]).arg(after[1.0]);
    qInfo("%s", qPrintable(text));
    QVERIFY2(after[1.0] - before < 0.5 * (after[0.0] - before), qPrintable(text));
  }

  // The likelihood head: labels that only the arithmetic decides (each reference solution labelled
  // 1, its copy with one step's result moved labelled 0 from that step on) are learnt from the
  // base's log-probabilities without touching its weights; the saved PRM loads as a likelihood PRM
  // with the fitted head, and settings that would train the base are refused.
  void likelihoodHeadLearnsWhatTheBaseReads() {
    auto set = mathdata::arithProblemSet(mathdata::ArithSplit::Train, 80);
    LENS_VERIFY_OK(set);
    std::vector<train::PrmExample> examples;
    uint64_t draw = 0;
    for (const auto& q : set->problems) {
      train::PrmExample right;
      right.problem = q.problem;
      right.steps = mathdata::splitSteps(q.solution);
      right.labels.assign(right.steps.size(), 1.0);
      std::vector<size_t> withResult;
      for (size_t k = 0; k < right.steps.size(); ++k)
        if (mathdata::withSlippedResult(right.steps[k], 1)) withResult.push_back(k);
      if (withResult.empty()) continue;
      const size_t k = withResult[draw++ % withResult.size()];
      train::PrmExample slipped = right;
      slipped.steps[k] = *mathdata::withSlippedResult(right.steps[k], draw % 2 ? 4 : -3);
      for (size_t j = k; j < slipped.labels.size(); ++j) slipped.labels[j] = 0.0;
      examples.push_back(std::move(right));
      examples.push_back(std::move(slipped));
    }
    QVERIFY(examples.size() >= 120);
    QTemporaryDir tmp;
    train::PrmTrainParams p;
    p.base = tinyBase();
    p.outDir = tmp.filePath("prm").toStdString();
    p.head = "likelihood";
    p.steps = 50;
    p.validationFraction = 0.25;
    p.saveDtype = "bfloat16";
    std::vector<double> losses;
    auto rep = train::trainPrm(examples, p, nullptr, [&](const train::PrmTrainStep& s) { losses.push_back(s.loss); });
    LENS_VERIFY_OK(rep);
    QVERIFY(!losses.empty() && losses.size() <= 50);
    QVERIFY(losses.back() < losses.front());
    const QString text = QString("loss %1 -> %2, final AUROC %3, within %4 (%5 problems)")
                             .arg(rep->validationLossBefore)
                             .arg(rep->validationLossAfter)
                             .arg(rep->validationFinalAurocAfter)
                             .arg(rep->validationWithinAurocAfter)
                             .arg(rep->validationMixedProblems);
    qInfo("%s", qPrintable(text));
    QCOMPARE(rep->validationFinalAurocBefore, 0.5);  // the constant head
    QVERIFY2(rep->validationLossAfter < 0.75 * rep->validationLossBefore, qPrintable(text));
    QVERIFY2(rep->validationWithinAurocAfter >= 0.8, qPrintable(text));  // measured 0.90 (arith-tiny; chance 0.5)
    QVERIFY(rep->validationMixedProblems >= 15);
    // The base's weights are saved unchanged, the head in config.json.
    auto prm = verify::ProcessRewardModel::load(p.outDir);
    LENS_VERIFY_OK(prm);
    QCOMPARE((*prm)->kind(), verify::PrmKind::Likelihood);
    auto saved = tensor_io::Checkpoint::open(p.outDir);
    auto original = tensor_io::Checkpoint::open(tinyBase());
    LENS_VERIFY_OK(saved);
    LENS_VERIFY_OK(original);
    QCOMPARE(saved->tensors().size(), original->tensors().size());
    for (const auto* t : original->tensors()) {
      const auto* s = saved->find(t->name);
      QVERIFY2(s && s->dtype == t->dtype && s->nbytes == t->nbytes && std::memcmp(s->data, t->data, t->nbytes) == 0, t->name.c_str());
    }
    const auto& q = set->problems.front();
    const auto steps = mathdata::splitSteps(q.solution);
    auto right = (*prm)->scoreSteps(q.problem, steps);
    LENS_VERIFY_OK(right);
    QCOMPARE(right->size(), steps.size());

    p.slipped = 1.0;
    auto slipped = train::trainPrm(examples, p);
    QVERIFY(!slipped.ok() && slipped.error().message.find("slipped and lm_weight do not apply") != std::string::npos);
    p.slipped = 0;
    p.base = std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm";
    auto fromPrm = train::trainPrm(examples, p);
    QVERIFY(!fromPrm.ok() && fromPrm.error().message.find("already a PRM") != std::string::npos);
    p.head = "value";
    auto head = train::trainPrm(examples, p);
    QVERIFY(!head.ok() && head.error().message.find("head 'value' (tag, likelihood)") != std::string::npos);
  }

  void refusesBadInput() {
    QTemporaryDir tmp;
    train::PrmTrainParams p;
    p.base = base();
    p.outDir = tmp.filePath("prm").toStdString();
    p.stepTag = "two bytes";
    auto r = train::trainPrm(wordedExamples(4), p);
    QVERIFY(!r.ok() && r.error().message.find("step tag must be one token") != std::string::npos);
    p.stepTag = "\x1e";
    auto few = train::trainPrm(wordedExamples(1), p);
    QVERIFY(!few.ok() && few.error().message.find("fewer than 2 usable examples") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestPrmTrain)
#include "test_prm_train.moc"
