// SPDX-License-Identifier: GPL-3.0-or-later
// Revision-model data and training (Snell et al. 2024 §6.1): edit distance against known values;
// examples pair a correct answer with the nearest incorrect ones, farthest first, or (sampled
// context) follow earlier attempts drawn from all samples with the right answer nearest the last
// one, which is the attempt itself when it is right; a short training
// from the shipped model learns a target the prompt decides, and the saved model loads with the
// longer context it was trained for; attempts that do not fit are dropped, oldest first.
#include <QtTest>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/train/revision_data.h"
#include "core/train/revision_trainer.h"

using namespace lens;
using namespace lens::train;

namespace {

std::string base() { return std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small"; }

// The right answer is the problem's number doubled; earlier attempts carry a wrong one.
std::vector<RevisionExample> doublingExamples(int n) {
  std::vector<RevisionExample> out;
  for (int i = 0; i < n; ++i) {
    RevisionExample e;
    const int x = 10 + (i * 7) % 40;
    e.problem = "Double " + std::to_string(x) + ".";
    if (i % 2) e.previous = {"The answer is $\\boxed{" + std::to_string(2 * x + 1) + "}$."};
    e.target = "The answer is $\\boxed{" + std::to_string(2 * x) + "}$.";
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

class TestRevisionTrain : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void editDistanceKnownValues() {
    QCOMPARE(editDistance("kitten", "sitting"), size_t{3});
    QCOMPARE(editDistance("", "abc"), size_t{3});
    QCOMPARE(editDistance("flaw", "lawn"), size_t{2});
    QCOMPARE(editDistance("same", "same"), size_t{0});
    QCOMPARE(editDistance("abcdef", "azced"), editDistance("azced", "abcdef"));
  }

  void examplesPickNearestWrongAttemptsFarthestFirst() {
    ProblemAttempts p{"P", {{"x = 10", true},
                            {"x = 19", false},      // distance 1 from "x = 10"
                            {"y = 99 + 1", false},  // far
                            {"x = 1", false},       // distance 1
                            {"x = 19", false},      // a duplicate: counted once
                            {"z", false},
                            {"w = 3", false},
                            {"x = 10", true}}};     // a duplicate of the target
    RevisionDataParams dp;
    dp.maxPrevious = 4;
    dp.targetsPerProblem = 3;
    auto ex = buildRevisionExamples({p, ProblemAttempts{"never right", {{"a", false}}}, ProblemAttempts{"always right", {{"ok", true}}}}, dp);
    QCOMPARE(ex.size(), size_t{2});  // one distinct correct answer for P, none for "never right", one for "always right"
    QCOMPARE(ex[0].problem, std::string("P"));
    QCOMPARE(ex[0].target, std::string("x = 10"));
    const auto& prev = ex[0].previous;
    QVERIFY(!prev.empty() && prev.size() <= 4);  // 1..4 of the 5 distinct wrong answers
    for (size_t i = 1; i < prev.size(); ++i)
      QVERIFY(editDistance(prev[i - 1], "x = 10") >= editDistance(prev[i], "x = 10"));  // farthest first
    // The chosen ones are the nearest: nothing left out is nearer than the farthest kept.
    const size_t farthest = editDistance(prev.front(), "x = 10");
    for (const std::string w : {"x = 19", "y = 99 + 1", "x = 1", "z", "w = 3"})
      if (std::find(prev.begin(), prev.end(), w) == prev.end()) QVERIFY(editDistance(w, "x = 10") >= farthest);
    QCOMPARE(ex[1].problem, std::string("always right"));
    QVERIFY(ex[1].previous.empty());  // a first attempt
    // Deterministic given the seed.
    auto again = buildRevisionExamples({p}, dp);
    QCOMPARE(again[0].previous, prev);
  }

  void sampledContextKeepsRightAnswersAndCorrectsWrongOnes() {
    // Two distinct right answers; wrong ones near each of them.
    ProblemAttempts p{"P", {{"a = 12\nb = 30", true},
                            {"a = 12\nb = 31", false},  // nearest right: the first
                            {"a = 77\nb = 99", true},
                            {"a = 77\nb = 98", false},  // nearest right: the second
                            {"a = 12\nb = 30", true},   // a duplicate, drawn as often as sampled
                            {"q", false}}};
    RevisionDataParams dp;
    dp.context = RevisionContext::Sampled;
    dp.maxPrevious = 3;
    dp.targetsPerProblem = 400;
    auto ex = buildRevisionExamples({p, ProblemAttempts{"never right", {{"x", false}}}}, dp);
    QCOMPARE(ex.size(), size_t{400});  // none for a problem never solved
    std::array<int, 4> byCount{};
    int rightLast = 0, wrongLast = 0;
    for (const auto& e : ex) {
      QCOMPARE(e.problem, std::string("P"));
      QVERIFY(e.previous.size() <= 3);
      ++byCount[e.previous.size()];
      QVERIFY(e.target == "a = 12\nb = 30" || e.target == "a = 77\nb = 99");
      for (const auto& prev : e.previous)  // drawn from the samples
        QVERIFY(std::any_of(p.attempts.begin(), p.attempts.end(), [&](const SampledAttempt& a) { return a.text == prev; }));
      if (e.previous.empty()) continue;
      const std::string& last = e.previous.back();
      if (last == "a = 12\nb = 30" || last == "a = 77\nb = 99") {
        QCOMPARE(e.target, last);  // a right attempt is kept as it is
        ++rightLast;
      } else {
        ++wrongLast;
        if (last == "a = 12\nb = 31") QCOMPARE(e.target, std::string("a = 12\nb = 30"));
        if (last == "a = 77\nb = 98") QCOMPARE(e.target, std::string("a = 77\nb = 99"));
      }
    }
    // 0..3 earlier attempts, about uniformly; right attempts in context about as often as sampled (3 of 6).
    for (int c : byCount) QVERIFY2(c > 60 && c < 140, std::to_string(c).c_str());
    QVERIFY(rightLast > 100 && wrongLast > 100);
    // Deterministic given the seed; another seed draws other contexts.
    auto again = buildRevisionExamples({p}, dp);
    QCOMPARE(again.size(), ex.size());
    for (size_t i = 0; i < ex.size(); ++i) QCOMPARE(again[i].previous, ex[i].previous);
    dp.seed = 2;
    auto other = buildRevisionExamples({p}, dp);
    QVERIFY(std::any_of(other.begin(), other.end(), [&, i = size_t{0}](const RevisionExample& e) mutable { return e.previous != ex[i++].previous; }));
    QCOMPARE(parseRevisionContext("sampled").value(), RevisionContext::Sampled);
    QCOMPARE(parseRevisionContext("nearest-wrong").value(), RevisionContext::NearestWrong);
    QVERIFY(!parseRevisionContext("random").ok());
    QVERIFY(QString::fromStdString(parseRevisionContext("random").error().message).contains("nearest-wrong | sampled"));
  }

  void revisionPromptFormats() {
    mathdata::PromptParams pp;
    const auto none = mathdata::formatRevisionPrompt("1+1?", {}, mathdata::PromptFormat::Raw, pp);
    QCOMPARE(none, mathdata::formatPrompt("1+1?", mathdata::PromptFormat::Raw, pp));
    const auto two = mathdata::formatRevisionPrompt("1+1?", {"3", "4"}, mathdata::PromptFormat::Raw, pp);
    QCOMPARE(two, std::string("Problem: 1+1?\n\nPrevious attempt:\n3\n\nPrevious attempt:\n4\n\nSolution: "));
    const auto chat = mathdata::formatRevisionPrompt("1+1?", {"3"}, mathdata::PromptFormat::ChatMl, pp);
    QVERIFY(chat.find("Attempt 1:\n3") != std::string::npos);
    QVERIFY(chat.rfind("<|im_start|>assistant\n") == chat.size() - std::string("<|im_start|>assistant\n").size());
  }

  void learnsAndSavesALongerContext() {
    QTemporaryDir tmp;
    RevisionTrainParams p;
    p.base = base();
    p.outDir = tmp.filePath("rev").toStdString();
    p.steps = 40;
    p.batch = 8;
    p.lr = 1e-3;
    p.validationFraction = 0.25;
    p.maxTokens = 768;
    std::vector<double> losses;
    auto rep = trainRevisionModel(doublingExamples(32), p, nullptr, [&](const RevisionTrainStep& s) { losses.push_back(s.loss); });
    QVERIFY2(rep.ok(), rep.ok() ? "" : rep.error().message.c_str());
    QCOMPARE(losses.size(), size_t{40});
    QCOMPARE(rep->validationExamples, int64_t{8});
    QCOMPARE(rep->trainExamples, int64_t{24});
    QCOMPARE(rep->droppedAttempts, int64_t{0});
    LENS_COMPARE_NEAR(rep->meanPrevious, 0.5, 1e-12);
    QVERIFY2(rep->validationLossAfter < 0.5 * rep->validationLossBefore,
             qPrintable(QString("%1 -> %2").arg(rep->validationLossBefore).arg(rep->validationLossAfter)));
    QVERIFY(rep->revisionLossAfter > 0 && rep->revisionLossAfter < rep->revisionLossBefore);
    // The folder is a model: it loads, with the longer context and the revision marker.
    auto m = model::Model::load(p.outDir);
    LENS_VERIFY_OK(m);
    QCOMPARE((*m)->config().maxPositions, int64_t{768});
    QCOMPARE((*m)->config().duoSmallIntermediateSize, int64_t{96});
    std::ifstream in(p.outDir + "/config.json");
    const auto cfg = nlohmann::json::parse(in);
    QCOMPARE(cfg.at("revision").at("prompt").get<std::string>(), std::string("raw"));
    // The most earlier attempts an example showed (1 here): the default for revisions with it.
    QCOMPARE(cfg.at("revision").at("max_previous").get<int>(), 1);
    QCOMPARE(rep->maxPreviousSeen, 1);
    QVERIFY(std::filesystem::exists(p.outDir + "/revision_train.json"));
  }

  void dropsOldestAttemptsThatDoNotFit() {
    QTemporaryDir tmp;
    RevisionTrainParams p;
    p.base = base();
    p.outDir = tmp.filePath("rev").toStdString();
    p.steps = 1;
    p.batch = 2;
    p.maxTokens = 140;
    auto ex = doublingExamples(4);
    for (auto& e : ex) e.previous = {std::string(50, 'a'), std::string(50, 'b'), "c"};
    auto rep = trainRevisionModel(ex, p);
    LENS_VERIFY_OK(rep);
    QVERIFY(rep->droppedAttempts >= 4);  // at least the oldest of every example
    QVERIFY(rep->meanPrevious >= 1.0 && rep->meanPrevious < 3.0);
    p.maxTokens = 16;  // not even the bare prompt fits
    auto none = trainRevisionModel(ex, p);
    QVERIFY(!none.ok() && none.error().message.find("fewer than 2 usable examples") != std::string::npos);
    p.maxTokens = 512;
    p.base = tmp.filePath("missing").toStdString();
    QVERIFY(!trainRevisionModel(ex, p).ok());
  }
};

QTEST_APPLESS_MAIN(TestRevisionTrain)
#include "test_revision_train.moc"
