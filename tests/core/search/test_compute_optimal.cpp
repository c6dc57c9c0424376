// SPDX-License-Identifier: GPL-3.0-or-later
// Compute-optimal selection on hand-made arms whose cross-validated choices and efficiency ratio
// are worked out in the comments.
#include <QtTest>

#include <cmath>
#include <limits>

#include "common/test_helpers.h"
#include "core/search/compute_optimal.h"
#include "core/search/exchange.h"

using namespace lens;
using namespace lens::search;

// An exchange between a model and one 4× larger, 100 tokens per query (the frontier and the
// large model's accuracy left to the test).
ExchangeInput fourTimesLarger() {
  ExchangeInput in;
  in.smallParameters = 1000000;
  in.largeParameters = 4000000;
  in.smallSampleFlops = 2e8;
  in.largeFlops = 8e8;
  return in;
}

class TestComputeOptimal : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void crossValidatedChoiceByHand() {
    // Problems 0-3 are easy (bin 1), 4-7 hard (bin 5); folds are even and odd indices.
    const std::vector<int> bins = {1, 1, 1, 1, 5, 5, 5, 5};
    std::vector<Arm> arms = {
        {"bon", 4, {1, 1, 1, 1, 0, 0, 0, 0}, std::vector<double>(8, 10.0)},
        {"beam", 4, {1, 0, 1, 1, 1, 1, 0, 1}, std::vector<double>(8, 30.0)},
        {"bon", 16, {1, 1, 1, 1, 1, 0, 0, 0}, {}},
        {"bon", 64, {1, 1, 1, 1, 1, 1, 1, 0}, {}},
    };
    auto r = computeOptimal(arms, bins, "bon");
    LENS_VERIFY_OK(r);
    QCOMPARE(r->budgets, (std::vector<int>{4, 16, 64}));
    const auto& at4 = r->frontier[0];
    // Fold 0 (even) chooses on odd problems: easy bon 1.0 vs beam 0.5 -> bon; hard bon 0 vs beam
    // 1.0 -> beam. Scored on 0, 2 (bon: 1, 1) and 4, 6 (beam: 1, 0). Fold 1 chooses on even: easy
    // bon 1.0 vs beam 1.0 -> bon (the first); hard beam 0.5 -> beam; scored on 1, 3 (1, 1) and 5, 7
    // (1, 1). 7 of 8.
    QCOMPARE(at4.chosen[0], (std::vector<std::string>{"bon", "bon"}));
    QCOMPARE(at4.chosen[4], (std::vector<std::string>{"beam", "beam"}));
    QCOMPARE(at4.computeOptimal, 0.875);
    QCOMPARE(at4.baseline, 0.5);
    QCOMPARE(at4.meanFlops, 20.0);  // four problems at 10, four at 30
    // By bin: easy 4 of 4, hard 3 of 4; empty bins are NaN.
    QCOMPARE(at4.byBin.size(), size_t{5});
    QCOMPARE(at4.byBin[0], 1.0);
    QCOMPARE(at4.byBin[4], 0.75);
    QVERIFY(std::isnan(at4.byBin[2]));
    // best-of-N needs 64 for 0.875: 16 times the budget.
    QCOMPARE(at4.matchingBaselineBudget, 64.0);
    QCOMPARE(at4.efficiency, 16.0);
    // Per problem, the choice its fold made: bon on 0-3, beam on 4-7.
    QCOMPARE(at4.perProblem, (std::vector<double>{1, 1, 1, 1, 1, 1, 0, 1}));
    // Where only the baseline ran, the frontier is the baseline.
    QCOMPARE(r->frontier[1].computeOptimal, 0.625);
    QCOMPARE(r->frontier[1].efficiency, 1.0);
    // Summaries by bin.
    QCOMPARE(r->arms[1].byBin[4], 0.75);
    QVERIFY(std::isnan(r->arms[1].byBin[2]));
  }

  // Intervals over problems: an arm right everywhere has [1, 1]; where the compute-optimal choice
  // equals the baseline on every problem the paired difference is exactly [0, 0]; where it is better
  // on some problems and never worse, the difference's interval lies in [0, its mean gain] ends.
  void intervalsOverProblems() {
    std::vector<int> bins(40);
    for (size_t p = 0; p < bins.size(); ++p) bins[p] = p < 20 ? 1 : 5;
    std::vector<double> bon(40, 0.0), beam(40, 0.0), all(40, 1.0);
    for (size_t p = 0; p < 20; ++p) bon[p] = 1, beam[p] = p % 4 == 0;  // easy: bon 1.0, beam 0.25
    for (size_t p = 20; p < 40; ++p) beam[p] = p % 4 < 2;              // hard: bon 0.0, beam 0.5 in each fold
    std::vector<Arm> arms = {{"bon", 4, bon, {}}, {"beam", 4, beam, {}}, {"bon", 16, all, {}}};
    auto r = computeOptimal(arms, bins, "bon");
    LENS_VERIFY_OK(r);
    const auto& f = r->frontier[0];  // bon on bin 1, beam on bin 5 in both folds
    QCOMPARE(f.computeOptimal, 0.75);
    QVERIFY(f.ciLow < 0.75 && 0.75 < f.ciHigh && f.ciLow > 0.5 && f.ciHigh < 0.95);
    // Paired with bon at N = 4: 0 on the easy half, +1 on 10 of the hard ones: mean +0.25, and no
    // resample can go below 0 or above 0.5.
    QVERIFY2(f.minusBaselineLow > 0.05 && f.minusBaselineHigh < 0.5, qPrintable(QString("%1 %2").arg(f.minusBaselineLow).arg(f.minusBaselineHigh)));
    QVERIFY(f.minusBaselineLow < 0.25 && 0.25 < f.minusBaselineHigh);
    const auto& at16 = r->frontier[1];  // only bon: the same on every problem
    QCOMPARE(at16.minusBaselineLow, 0.0);
    QCOMPARE(at16.minusBaselineHigh, 0.0);
    QCOMPARE(at16.ciLow, 1.0);
    QCOMPARE(at16.ciHigh, 1.0);
    // Arms: bon at 4 is 1 on bin 1 and 0 on bin 5, exactly; beam's bin 5 (0.5 over 20) is wide.
    const auto& a = r->arms[0];
    QCOMPARE(a.byBinLow[0], 1.0);
    QCOMPARE(a.byBinHigh[4], 0.0);
    QVERIFY(std::isnan(a.byBinLow[2]));
    QVERIFY(r->arms[1].byBinLow[4] < 0.4 && r->arms[1].byBinHigh[4] > 0.6);
    QVERIFY(a.ciLow < 0.5 && a.ciHigh > 0.5);
    const auto j = r->toJson();
    QCOMPARE(j["frontier"][1]["minus_baseline_ci_low"].get<double>(), 0.0);
    QVERIFY(j["arms"][0]["by_bin_ci_low"][2].is_null());
    // Per-problem accuracy and the bins travel in the JSON, for paired comparisons downstream:
    // beam's value on problem 21 (hard, 21 % 4 = 1) is 1, on problem 3 (easy) 0.
    QCOMPARE(j["bins"].size(), size_t{40});
    QCOMPARE(j["bins"][39].get<int>(), 5);
    QCOMPARE(j["arms"][1]["per_problem"].size(), size_t{40});
    QCOMPARE(j["arms"][1]["per_problem"][21].get<double>(), 1.0);
    QCOMPARE(j["arms"][1]["per_problem"][3].get<double>(), 0.0);
  }

  // A problem left out (bin 0) or not run by an arm (accuracy < 0) has no per-problem value.
  void perProblemMarksWhatAnArmDidNotRun() {
    const std::vector<int> bins = {1, 0, 5, 5};
    std::vector<Arm> arms = {{"bon", 1, {1, 1, 0, 0.5}, {}}, {"beam", 1, {1, 0, -1, 1}, {}}};
    auto r = computeOptimal(arms, bins, "bon");
    LENS_VERIFY_OK(r);
    const auto& beam = r->arms[1].perProblem;
    QCOMPARE(beam.size(), size_t{4});
    QCOMPARE(beam[0], 1.0);
    QVERIFY(std::isnan(beam[1]) && std::isnan(beam[2]));
    QCOMPARE(beam[3], 1.0);
    QCOMPARE(r->arms[1].problems, 2);
    const auto j = r->toJson();
    QVERIFY(j["arms"][1]["per_problem"][1].is_null());
    QCOMPARE(j["arms"][0]["per_problem"][3].get<double>(), 0.5);
  }

  void efficiencyInterpolatesOnLogBudget() {
    const std::vector<int> bins = {3, 3, 3, 3};
    std::vector<Arm> arms = {
        {"bon", 1, {0.2, 0.2, 0.2, 0.2}, {}},
        {"bon", 4, {0.6, 0.6, 0.6, 0.6}, {}},
        {"x", 1, {0.4, 0.4, 0.4, 0.4}, {}},
    };
    auto r = computeOptimal(arms, bins, "bon");
    LENS_VERIFY_OK(r);
    LENS_COMPARE_NEAR(r->frontier[0].computeOptimal, 0.4, 1e-12);
    LENS_COMPARE_NEAR(r->frontier[0].matchingBaselineBudget, 2.0, 1e-9);  // halfway between 1 and 4 in log2
    LENS_COMPARE_NEAR(r->frontier[0].efficiency, 2.0, 1e-9);
    QVERIFY(std::isnan(r->frontier[0].efficiencyAtLeast));
    QCOMPARE(r->frontier[0].efficiencyText("x"), std::string("2.00x"));
    // Nothing the baseline measured reaches 0.9: no ratio, but at least 4 (its largest budget, 4,
    // over N = 1); at N = 4 the choice is the baseline itself (0.9 is in N = 1's arm only).
    arms[2].accuracy = {0.9, 0.9, 0.9, 0.9};
    auto r2 = computeOptimal(arms, bins, "bon");
    QVERIFY(std::isnan(r2->frontier[0].efficiency));
    QCOMPARE(r2->frontier[0].efficiencyAtLeast, 4.0);
    QCOMPARE(r2->frontier[0].efficiencyText(), std::string("> 4.00×"));
    QCOMPARE(r2->toJson()["frontier"][0]["efficiency_at_least"].get<double>(), 4.0);
    QVERIFY(r2->toJson()["frontier"][0]["efficiency"].is_null());
    // Neither: the caller's marker (the CLI's plain-text "-"), "—" by default.
    FrontierPoint none;
    none.efficiency = std::numeric_limits<double>::quiet_NaN();
    QCOMPARE(none.efficiencyText("x", "-"), std::string("-"));
    QCOMPARE(none.efficiencyText(), std::string("—"));
  }

  // A bin present in one fold only takes the choice made on the whole other fold.
  void emptyBinFallsBackToAllProblems() {
    const std::vector<int> bins = {2, 4, 4, 4};  // bin 2 only in fold 0 (problem 0)
    std::vector<Arm> arms = {{"a", 1, {1, 0, 0, 0}, {}}, {"b", 1, {0, 1, 1, 1}, {}}};
    auto r = computeOptimal(arms, bins, "a");
    LENS_VERIFY_OK(r);
    // Fold 0, bin 2: no odd problem in bin 2 -> chosen on problems 1, 3 (b: 1.0) -> b scores 0 on problem 0.
    QCOMPARE(r->frontier[0].chosen[1][0], std::string("b"));
    // Bin 4: fold 0 chooses on 1, 3 (b), scores problem 2 (1); fold 1 chooses on 2 (b), scores 1, 3 (1, 1).
    QCOMPARE(r->frontier[0].computeOptimal, 0.75);
  }

  void refusesMismatchedArms() {
    auto r = computeOptimal({{"a", 1, {1, 0}, {}}}, {1, 2, 3}, "a");
    QVERIFY(!r.ok() && r.error().message.find("covers 2 problems, the bins 3") != std::string::npos);
    QVERIFY(!computeOptimal({}, {1}, "a").ok());
    QVERIFY(!computeOptimal({{"a", 1, {1}, {}}}, {7}, "a").ok());
  }

  // Snell et al. §7: a model M times larger, at equal pretraining tokens, costs what the small model
  // spends when its test-time compute per query is M + 3(M - 1)/R samples.
  void exchangeMatchesThePapersFormula() {
    ExchangeInput in;
    in.smallParameters = 1000000;
    in.largeParameters = 4000000;        // M = 4
    in.smallSampleFlops = 2e6 * 100;     // 100 tokens per query
    in.largeFlops = 2 * 4e6 * 100;
    in.largeAccuracy = 0.65;
    in.largeByBin = {0.9, 0.8, 0.6, 0.5, 0.4};
    auto fp = [](int n, double flops, double acc) {
      FrontierPoint p;
      p.budget = n;
      p.meanFlops = flops;
      p.computeOptimal = acc;
      p.byBin = {acc, acc, acc, acc, acc};
      return p;
    };
    in.smallFrontier = {fp(1, 2e8, .5), fp(4, 8e8, .6), fp(16, 3.2e9, .7), fp(64, 1.28e10, .72), fp(128, 1.5e10, .71), fp(256, 5.12e10, .8)};
    auto r = exchangeAnalysis(in, {0.1, 1, 10});
    LENS_VERIFY_OK(r);
    QCOMPARE(r->sizeRatio, 4.0);
    QCOMPARE(r->rows.size(), size_t{3});
    LENS_COMPARE_NEAR(r->rows[0].multiplier, 4 + 3 * 3 / 0.1, 1e-9);  // 94 samples
    LENS_COMPARE_NEAR(r->rows[1].multiplier, 13.0, 1e-9);
    LENS_COMPARE_NEAR(r->rows[2].multiplier, 4.9, 1e-9);
    LENS_COMPARE_NEAR(r->rows[1].allowedFlops, 2.6e9, 1.0);
    // R = 0.1 allows 1.88e10: N = 64 (.72) beats N = 128 (.71), which also fits.
    QCOMPARE(r->rows[0].smallBudget, 64);
    QCOMPARE(r->rows[0].smallAccuracy, 0.72);
    // R = 1 allows 2.6e9 and R = 10 allows 9.8e8: both stop at N = 4.
    QCOMPARE(r->rows[1].smallBudget, 4);
    QCOMPARE(r->rows[2].smallBudget, 4);
    QCOMPARE(r->rows[2].largeByBin[0], 0.9);
    QCOMPARE(r->rows[2].smallByBin[4], 0.6);
    // Nothing fits when the budget is below one small sample.
    in.smallFrontier = {fp(1, 1e12, .5)};
    auto none = exchangeAnalysis(in, {1});
    LENS_VERIFY_OK(none);
    QCOMPARE(none->rows[0].smallBudget, 0);
    QVERIFY(std::isnan(none->rows[0].smallAccuracy));
    // Bad input is refused.
    QVERIFY(!exchangeAnalysis(in, {0}).ok());
    in.largeParameters = in.smallParameters;
    QVERIFY(!exchangeAnalysis(in, {1}).ok());
  }

  // The exchange assumes equal pretraining tokens: the report says whether the two models' recorded
  // pretraining examples agree (within 1 %), differ (with both counts), or are not recorded.
  void exchangeStatesItsPretrainingAssumption() {
    ExchangeInput in = fourTimesLarger();
    FrontierPoint p;
    p.budget = 1;
    p.meanFlops = 2e8;
    p.computeOptimal = 0.5;
    p.byBin.assign(5, 0.5);
    in.smallFrontier = {p};
    auto unknown = exchangeAnalysis(in, {1});
    LENS_VERIFY_OK(unknown);
    QVERIFY(std::isnan(unknown->pretrainingGap()));
    QVERIFY(unknown->pretrainingText().find("not recorded") != std::string::npos);
    QVERIFY(unknown->toJson()["pretraining_gap"].is_null());
    in.largeExamples = 640000;  // one side only: still unknown
    QVERIFY(std::isnan(exchangeAnalysis(in, {1})->pretrainingGap()));
    in.smallExamples = 636800;  // 0.5 % apart: the same
    auto same = exchangeAnalysis(in, {1});
    LENS_VERIFY_OK(same);
    LENS_COMPARE_NEAR(same->pretrainingGap(), 0.005, 1e-12);
    QCOMPARE(same->pretrainingText(), std::string("Both models were pretrained on the same number of examples (636,800), as the exchange assumes."));
    in.smallExamples = 512000;
    in.largeExamples = 320000;
    auto apart = exchangeAnalysis(in, {1});
    LENS_VERIFY_OK(apart);
    LENS_COMPARE_NEAR(apart->pretrainingGap(), 0.375, 1e-12);
    QVERIFY2(apart->pretrainingText().find("the small one read 512,000 training examples and the large one 320,000 (38 % apart)") != std::string::npos,
             apart->pretrainingText().c_str());
    const auto j = apart->toJson();
    QCOMPARE(j["pretraining_examples"]["small"].get<int64_t>(), int64_t{512000});
    QCOMPARE(j["pretraining_examples"]["large"].get<int64_t>(), int64_t{320000});
  }

  // The exchange's paired difference: the frontier point used minus the large model's pass@1 on
  // the problems both ran that have a bin, overall and per bin, with its bootstrap interval.
  void exchangePairsTheProblems() {
    ExchangeInput in = fourTimesLarger();
    in.largeAccuracy = 0.5;
    in.largeByBin = {0.5, 0.5, 0.5, 0.5, 0.5};
    const double nan = std::numeric_limits<double>::quiet_NaN();
    FrontierPoint p;
    p.budget = 4;
    p.meanFlops = 8e8;
    p.computeOptimal = 0.6;
    p.byBin = {1, 1, 1, 1, 1};
    // 10 problems: bins 1,1,2,2,3,3,4,4,5,0; problem 9 has no bin, problem 7 no large result.
    p.perProblem = {1, 1, 1, 0, 1, 0, 0, 1, 0, 1};
    in.largePerProblem = {0.5, 0.5, 0.25, 0.25, 1, 0, 0.75, nan, 0.5, 0};
    in.problemBins = {1, 1, 2, 2, 3, 3, 4, 4, 5, 0};
    in.smallFrontier = {p};
    auto r = exchangeAnalysis(in, {1});
    LENS_VERIFY_OK(r);
    const auto& row = r->rows[0];
    QCOMPARE(row.smallBudget, 4);
    // Problems 0-6 and 8: differences .5 .5 .75 -.25 0 0 -.75 -.5 → mean 0.03125.
    QCOMPARE(row.smallMinusLarge.problems, 8);
    LENS_COMPARE_NEAR(row.smallMinusLarge.difference, 0.25 / 8, 1e-12);
    QVERIFY(row.smallMinusLarge.low < row.smallMinusLarge.difference && row.smallMinusLarge.difference < row.smallMinusLarge.high);
    QVERIFY(row.smallMinusLarge.low >= -0.75 && row.smallMinusLarge.high <= 0.75);
    QCOMPARE(row.smallMinusLargeByBin.size(), size_t{5});
    // Bin 1: both differences 0.5: a zero-width interval at 0.5.
    QCOMPARE(row.smallMinusLargeByBin[0].problems, 2);
    LENS_COMPARE_NEAR(row.smallMinusLargeByBin[0].difference, 0.5, 1e-12);
    LENS_COMPARE_NEAR(row.smallMinusLargeByBin[0].low, 0.5, 1e-12);
    LENS_COMPARE_NEAR(row.smallMinusLargeByBin[0].high, 0.5, 1e-12);
    LENS_COMPARE_NEAR(row.smallMinusLargeByBin[1].difference, 0.25, 1e-12);
    QCOMPARE(row.smallMinusLargeByBin[3].problems, 1);  // problem 7's large result is missing
    LENS_COMPARE_NEAR(row.smallMinusLargeByBin[3].difference, -0.75, 1e-12);
    LENS_COMPARE_NEAR(row.smallMinusLargeByBin[4].difference, -0.5, 1e-12);
    auto j = r->toJson()["rows"][0];
    QCOMPARE(j["small_minus_large"]["problems"], nlohmann::json(8));
    QCOMPARE(j["small_minus_large_by_bin"].size(), size_t{5});
    // Without the large model's per-problem results there is no paired difference.
    in.largePerProblem.clear();
    auto plain = exchangeAnalysis(in, {1});
    LENS_VERIFY_OK(plain);
    QVERIFY(std::isnan(plain->rows[0].smallMinusLarge.difference));
    QVERIFY(!plain->toJson()["rows"][0].contains("small_minus_large"));
  }
};

QTEST_APPLESS_MAIN(TestComputeOptimal)
#include "test_compute_optimal.moc"
