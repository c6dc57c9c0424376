// SPDX-License-Identifier: GPL-3.0-or-later
// Job specs are read strictly (unknown fields, wrong types and out-of-range values are errors that
// name the JSON path), and the runner stores, cancels and resumes real generate runs in-process.
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "common/prm_fixture.h"
#include "common/test_helpers.h"
#include "core/jobs/job.h"
#include "core/jobs/progress.h"
#include "core/jobs/runner.h"
#include "core/jobs/spec_reader.h"
#include "core/mathdata/prompt.h"
#include "core/store/store.h"

using namespace lens;
using json = nlohmann::json;

namespace {
json tinySpec() {
  return {{"kind", "generate"},
          {"model", test::fixture("tiny-llama")},
          {"prompts", {"one", "two", "three", "four", "five", "six", "seven"}},
          {"samples", 2},
          {"batch", 2},
          {"seed", 5},
          {"sampling", {{"temperature", 0.8}, {"max_new_tokens", 6}}},
          {"device", {{"device", "cpu"}, {"threads", 1}}}};
}
}  // namespace

// A prm-label run of arith-duo-small on the first `count` train problems, into DIR/labels.db.
static Result<jobs::RunOutcome> runPrmLabels(const QTemporaryDir& dir, int count, int solutions, int rollouts, int batch, bool mixedOnly) {
  json spec = {{"kind", "prm-label"},
               {"model", std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small"},
               {"dataset", {{"path", "builtin:arith"}, {"split", "train"}, {"count", count}}},
               {"solutions", solutions},
               {"rollouts", rollouts},
               {"mixed_only", mixedOnly},
               {"batch", batch},
               {"seed", 2},
               {"device", {{"device", "cpu"}}}};
  jobs::RunParams p;
  p.dbPath = dir.filePath("labels.db").toStdString();
  return jobs::startRun(spec, p);
}

class TestJobs : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void badSpecs_data() {
    QTest::addColumn<QString>("patch");  // JSON merge-patch applied to tinySpec()
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown top-level") << R"({"temprature": 1})" << R"(spec: unknown field "temprature")";
    QTest::newRow("unknown nested") << R"({"sampling": {"topp": 0.9}})" << R"(spec.sampling: unknown field "topp")";
    QTest::newRow("top_p range") << R"({"sampling": {"top_p": 1.5}})" << "spec.sampling.top_p: 1.5 is outside (0, 1]";
    QTest::newRow("top_p zero") << R"({"sampling": {"top_p": 0}})" << "spec.sampling.top_p: 0 is outside (0, 1]";
    QTest::newRow("samples range") << R"({"samples": 0})" << "spec.samples: 0 is outside [1, 4096]";
    QTest::newRow("samples type") << R"({"samples": "four"})" << "spec.samples: expected an integer";
    QTest::newRow("fractional") << R"({"batch": 2.5})" << "spec.batch: expected an integer";
    // 2^63 as a float passed a comparison with INT64_MAX (which rounds to 2^63) and was then
    // converted: undefined behaviour.
    QTest::newRow("limit 2^63 as a float") << R"({"prompts": null, "dataset": {"path": "builtin:arith", "limit": 9223372036854775808.0}})"
                                         << "spec.dataset.limit: 9.223372036854776e+18 is outside [0, 9223372036854775807]";
    QTest::newRow("negative seed") << R"({"seed": -1})" << "spec.seed: expected a non-negative integer";
    QTest::newRow("prompt type") << R"({"prompts": ["a", 3]})" << "spec.prompts[1]: expected a string";
    QTest::newRow("dtype") << R"({"device": {"dtype": "fp8"}})" << "spec.device.dtype: 'fp8' is not one of";
    // A device's form is checked before any run is created (no failed run for a typo).
    QTest::newRow("device") << R"({"device": {"device": "tpu"}})" << "spec.device.device: 'tpu' is not auto, cpu, cuda or cuda:N";
    QTest::newRow("device index") << R"({"device": {"device": "cuda:x"}})" << "spec.device.device: 'cuda:x' is not auto";
    QTest::newRow("missing model") << R"({"model": null})" << "spec.model: required";
    QTest::newRow("both inputs") << R"({"dataset": {"path": "x.jsonl"}})" << "exactly one of";
    QTest::newRow("kind") << R"({"kind": "bogus"})" << "spec.kind: unknown job kind 'bogus' (known: generate, train, prm-label, oracle, router-train, search, prm-train, revision-train)";
    QTest::newRow("missing dataset") << R"({"prompts": null, "dataset": {"path": "/nonexistent.jsonl"}})"
                                     << "/nonexistent.jsonl: cannot open";
    // Budgets are read before any model loads (the workbench's dialog relies on it).
    QTest::newRow("oracle budgets") << R"({"kind": "oracle", "prompts": null, "samples": null, "sampling": null, "dataset": {"path": "builtin:arith"}, "budgets": "k=banana"})"
                                    << "spec.budgets:";
    QTest::newRow("router budget") << R"({"kind": "router-train", "prompts": null, "samples": null, "sampling": null, "out": "/tmp/x", "mode": "imitate", "dataset": {"path": "builtin:arith", "split": "train", "count": 4}, "budget": "k=,"})"
                                   << "spec.budget:";
    QTest::newRow("prm head") << R"({"kind": "prm-train", "model": null, "prompts": null, "samples": null, "sampling": null, "batch": null, "base": "b", "out": "/tmp/x", "labels": {"db": "l.db", "run": "1"}, "head": "value"})"
                              << "spec.head: \"value\" is not a PRM head (tag, likelihood)";
    QTest::newRow("prm likelihood slipped") << R"({"kind": "prm-train", "model": null, "prompts": null, "samples": null, "sampling": null, "batch": null, "base": "b", "out": "/tmp/x", "labels": {"db": "l.db", "run": "1"}, "head": "likelihood", "slipped": 0.5})"
                                            << "spec.head: the likelihood head trains none of the base's weights";
  }
  void badSpecs() {
    QFETCH(QString, patch);
    QFETCH(QString, message);
    json spec = tinySpec();
    spec.merge_patch(json::parse(patch.toStdString()));
    auto job = jobs::createJob(spec);
    QVERIFY(!job.ok());
    QVERIFY(job.error().code == ErrorCode::InvalidInput || job.error().code == ErrorCode::NotFound);
    QVERIFY2(job.error().message.find(message.toStdString()) != std::string::npos, job.error().message.c_str());
  }

  void goodSpecReadsEveryField() {
    auto job = jobs::createJob(tinySpec());
    LENS_VERIFY_OK(job);
    QCOMPARE((*job)->unitCount(), int64_t{7});
    QCOMPARE((*job)->batchSize(), 2);
    QCOMPARE((*job)->seed(), uint64_t{5});
    QCOMPARE((*job)->unitKey(3), std::string("3"));
  }

  void unitSeedsAreDistinctAndStable() {
    QVERIFY(jobs::unitSeed(1, 0) != jobs::unitSeed(1, 1));
    QVERIFY(jobs::unitSeed(1, 0) != jobs::unitSeed(2, 0));
    QCOMPARE(jobs::unitSeed(1, 5), jobs::unitSeed(1, 5));
  }

  void progressRateCountsOnlyNewWork() {
    jobs::ProgressMeter m;
    auto first = m.update(50, 100);  // resumed at 50: no rate yet
    QCOMPARE(first.ratePerSecond, 0.0);
    QVERIFY(first.etaSeconds < 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto s = m.update(60, 100);
    QVERIFY(s.ratePerSecond > 0 && s.ratePerSecond < 10 / 0.04);  // 10 units in >= 50 ms
    LENS_COMPARE_NEAR(s.etaSeconds, 40 / s.ratePerSecond, 1e-9);
    // How the CLI and the workbench print it; unknown is not "0 s".
    QCOMPARE(jobs::durationText(first.etaSeconds, "?"), std::string("?"));
    QCOMPARE(jobs::durationText(41.6, "?"), std::string("42 s"));
    QCOMPARE(jobs::durationText(725, "?"), std::string("12:05"));
    QCOMPARE(jobs::durationText(3723, "—"), std::string("1:02:03"));
  }

  // A training reports its steps of the whole run between units: the ETA follows them (remaining
  // steps at the rate since the first report), a report with another total starts the count again.
  void etaFollowsTheRunsSteps() {
    jobs::ProgressMeter m;
    m.steps(10, 100);  // resumed at step 10
    QVERIFY(m.update(0, 1).etaSeconds < 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    m.steps(20, 100);
    auto s = m.update(0, 1);
    QVERIFY(s.stepsPerSecond > 0 && s.stepsPerSecond < 10 / 0.015);  // 10 steps in >= 20 ms
    LENS_COMPARE_NEAR(s.etaSeconds, 80 / s.stepsPerSecond, 1e-9);
    QCOMPARE(s.ratePerSecond, 0.0);  // no unit done yet
    m.steps(3, 50);  // another phase
    QVERIFY(m.update(0, 1).etaSeconds < 0);
    QCOMPARE(m.update(1, 1).etaSeconds, 0.0);  // done
    // Through the runner: a one-unit training knows its ETA before its unit is done.
    QTemporaryDir dir;
    const json spec = {{"kind", "train"}, {"out", dir.filePath("model").toStdString()}, {"seed", 1},
                       {"model", {{"layers", 1}, {"hidden", 32}, {"heads", 2}, {"kv_heads", 1}, {"intermediate", 64}, {"small_intermediate", 0},
                                  {"max_positions", 256}}},
                       {"data", {{"train_problems", 64}, {"validation_problems", 4}}},
                       {"steps", 6}, {"batch", 2}, {"lr", 1e-3}, {"warmup", 1}, {"checkpoint_every", 6},
                       {"device", {{"device", "cpu"}, {"threads", 1}}}};
    jobs::RunParams p;
    p.dbPath = dir.filePath("t.db").toStdString();
    std::vector<jobs::ProgressSnapshot> seen;
    p.progress = [&](const jobs::ProgressSnapshot& snap, std::string_view) { seen.push_back(snap); };
    auto r = jobs::startRun(spec, p);
    LENS_VERIFY_OK(r);
    QCOMPARE(r->run.status, store::RunStatus::Done);
    QVERIFY(std::any_of(seen.begin(), seen.end(), [](const jobs::ProgressSnapshot& x) {
      return x.done == 0 && x.total == 1 && x.etaSeconds >= 0 && x.stepsPerSecond > 0;
    }));
  }

  // Stop after 3 units, resume, and get exactly what one uninterrupted run gets.
  void cancelledRunResumesToTheSameResult() {
    QTemporaryDir dir;
    jobs::RunParams p;
    p.dbPath = dir.filePath("a.db").toStdString();
    p.maxNewUnits = 3;
    auto first = jobs::startRun(tinySpec(), p);
    LENS_VERIFY_OK(first);
    QCOMPARE(first->run.status, store::RunStatus::Cancelled);
    QCOMPARE(first->computedUnits, int64_t{3});
    p.maxNewUnits = 0;
    int64_t lastDone = -1, lastTotal = -1;
    p.progress = [&](const jobs::ProgressSnapshot& s, std::string_view) {
      lastDone = s.done;
      lastTotal = s.total;
    };
    auto resumed = jobs::resumeRun(std::to_string(first->run.id), p);
    LENS_VERIFY_OK(resumed);
    QCOMPARE(resumed->run.status, store::RunStatus::Done);
    QCOMPARE(resumed->computedUnits, int64_t{4});
    QCOMPARE(lastDone, int64_t{7});
    QCOMPARE(lastTotal, int64_t{7});

    jobs::RunParams q;
    q.dbPath = dir.filePath("b.db").toStdString();
    auto whole = jobs::startRun(tinySpec(), q);
    LENS_VERIFY_OK(whole);
    auto sa = store::Store::open(p.dbPath);
    auto sb = store::Store::open(q.dbPath);
    LENS_VERIFY_OK(sa);
    LENS_VERIFY_OK(sb);
    for (int64_t u = 0; u < 7; ++u) {
      auto a = (*sa)->unit(first->run.id, u);
      auto b = (*sb)->unit(whole->run.id, u);
      LENS_VERIFY_OK(a);
      LENS_VERIFY_OK(b);
      QCOMPARE(a->samples.size(), size_t{2});
      for (size_t k = 0; k < 2; ++k) {
        QCOMPARE(a->samples[k].tokenIds, b->samples[k].tokenIds);
        QVERIFY(a->samples[k].flops > 0);
      }
    }
    // The run records its model, data, device and code version.
    auto models = (*sa)->runModels(first->run.id);
    QCOMPARE(models->size(), size_t{1});
    QCOMPARE(models->front().first, std::string("policy"));
    QVERIFY(!models->front().second.fingerprint.empty());
    QCOMPARE(first->run.device.rfind("cpu", 0), size_t{0});
    QVERIFY(!first->run.codeVersion.empty());
  }

  void cancellationStopsPromptly() {
    QTemporaryDir dir;
    jobs::RunParams p;
    p.dbPath = dir.filePath("a.db").toStdString();
    std::atomic<bool> cancel{false};
    p.cancel = &cancel;
    json spec = tinySpec();
    spec["sampling"]["max_new_tokens"] = 2000;
    spec["sampling"]["ignore_eos"] = true;
    spec["batch"] = 1;
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      cancel = true;
    });
    const auto t0 = std::chrono::steady_clock::now();
    auto r = jobs::startRun(spec, p);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    stopper.join();
    LENS_VERIFY_OK(r);
    QCOMPARE(r->run.status, store::RunStatus::Cancelled);
    QVERIFY2(seconds < 1.3, qPrintable(QString::number(seconds)));  // 0.3 s + at most a second
  }

  // A verifier scores every sample's steps; the scores land in the store with the samples.
  void verifierScoresEverySample() {
    QTemporaryDir dir, prmDir;
    const int h = 64;
    std::vector<float> w1(h * h, 0.0f), b1(h, 0.0f), w2(2 * h, 0.0f), b2(2, 0.0f);
    b1[0] = 1.0f;
    w2[h] = -0.5f;  // every step scores sigmoid(-0.5)
    const std::string prm = test::rewardModel(prmDir, w1, b1, w2, b2);
    json spec = tinySpec();
    spec["prompts"] = {"one", "two"};
    spec["verifier"] = {{"model", prm}, {"separator", "<|endoftext|>"}, {"aggregation", "min"}};
    jobs::RunParams p;
    p.dbPath = dir.filePath("a.db").toStdString();
    auto r = jobs::startRun(spec, p);
    LENS_VERIFY_OK(r);
    auto st = store::Store::open(p.dbPath);
    auto models = (*st)->runModels(r->run.id);
    QCOMPARE(models->size(), size_t{2});
    QCOMPARE(models->at(1).first, std::string("verifier"));
    int scored = 0;
    for (int64_t u = 0; u < 2; ++u) {
      auto unit = (*st)->unit(r->run.id, u);
      LENS_VERIFY_OK(unit);
      for (const auto& s : unit->samples) {
        if (s.text.find_first_not_of(" \t\n") == std::string::npos) continue;  // no step to score
        QVERIFY(s.score.has_value());
        LENS_COMPARE_NEAR(*s.score, 1.0 / (1.0 + std::exp(0.5)), 1e-6);
        QVERIFY(!s.steps.empty());
        for (const auto& step : s.steps) LENS_COMPARE_NEAR(step.score.value_or(-1), 1.0 / (1.0 + std::exp(0.5)), 1e-6);
        ++scored;
      }
    }
    QVERIFY(scored > 0);
    spec["verifier"]["aggregation"] = "mean";
    QVERIFY(jobs::createJob(spec).error().message.find("spec.verifier.aggregation: 'mean' is not one of") != std::string::npos);
  }

  // Monte Carlo step labels (Snell et al. §5): the last step's label is the sample's correctness,
  // the others are fractions of rollouts, and correct solutions' prefixes mostly lead to right answers.
  void prmLabelsFromRollouts() {
    QTemporaryDir dir;
    auto r = runPrmLabels(dir, 10, 2, 4, 5, false);
    LENS_VERIFY_OK(r);
    QCOMPARE(r->run.status, store::RunStatus::Done);
    auto st = store::Store::open(dir.filePath("labels.db").toStdString());
    int steps = 0;
    double labelSumRight = 0;
    int countRight = 0;
    for (int64_t u = 0; u < 10; ++u) {
      auto unit = (*st)->unit(r->run.id, u);
      LENS_VERIFY_OK(unit);
      QCOMPARE(unit->samples.size(), size_t{2});
      for (const auto& s : unit->samples) {
        QVERIFY(s.correct.has_value());
        QVERIFY(!s.steps.empty());
        QCOMPARE(*s.steps.back().score, *s.correct ? 1.0 : 0.0);
        std::string joined;
        for (size_t k = 0; k < s.steps.size(); ++k) {
          QVERIFY(s.steps[k].score.has_value());
          const double q = *s.steps[k].score;
          QVERIFY(q >= 0 && q <= 1 && std::fabs(q * 4 - std::round(q * 4)) < 1e-12);  // k/4
          joined += (k ? "\n\n" : "") + s.steps[k].text;
          if (*s.correct) labelSumRight += q, ++countRight;
          ++steps;
        }
        QCOMPARE(mathdata::splitSteps(s.text), mathdata::splitSteps(joined));
      }
    }
    QVERIFY(steps > 20);
    QVERIFY2(countRight == 0 || labelSumRight / countRight > 0.6, qPrintable(QString::number(labelSumRight / countRight)));
  }

  // "mixed_only": only problems with right and wrong solutions get rollouts and labels; the others
  // keep their samples and correctness, every step unlabelled.
  void prmLabelsMixedOnly() {
    QTemporaryDir dir;
    auto r = runPrmLabels(dir, 12, 4, 2, 6, true);
    LENS_VERIFY_OK(r);
    QCOMPARE(r->run.status, store::RunStatus::Done);
    auto st = store::Store::open(dir.filePath("labels.db").toStdString());
    int mixed = 0, unmixed = 0;
    for (int64_t u = 0; u < 12; ++u) {
      auto unit = (*st)->unit(r->run.id, u);
      LENS_VERIFY_OK(unit);
      QCOMPARE(unit->samples.size(), size_t{4});
      int right = 0;
      for (const auto& s : unit->samples) right += s.correct.value_or(false);
      const bool isMixed = right > 0 && right < 4;
      (isMixed ? mixed : unmixed) += 1;
      for (const auto& s : unit->samples) {
        QVERIFY(s.correct.has_value());
        QVERIFY(!s.steps.empty());
        for (const auto& step : s.steps) QCOMPARE(step.score.has_value(), isMixed);
        if (isMixed) QCOMPARE(*s.steps.back().score, *s.correct ? 1.0 : 0.0);
      }
    }
    QVERIFY2(mixed > 0 && unmixed > 0, qPrintable(QString("%1 mixed, %2 not").arg(mixed).arg(unmixed)));
  }

  void failuresAreRecordedNotThrown() {
    QTemporaryDir dir;
    jobs::RunParams p;
    p.dbPath = dir.filePath("a.db").toStdString();
    json spec = tinySpec();
    spec["device"]["device"] = "cuda:4095";  // well-formed, refused when the model loads (no such GPU)
    auto r = jobs::startRun(spec, p);
    QVERIFY(!r.ok());
    auto st = store::Store::open(p.dbPath);
    auto run = (*st)->run(1);
    LENS_VERIFY_OK(run);
    QCOMPARE(run->status, store::RunStatus::Failed);
    QVERIFY2(run->error.find("cuda:4095") != std::string::npos, run->error.c_str());
  }
};

QTEST_GUILESS_MAIN(TestJobs)
#include "test_jobs.moc"
