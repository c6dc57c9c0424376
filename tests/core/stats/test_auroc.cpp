// SPDX-License-Identifier: GPL-3.0-or-later
// AUROC against values known outside the code: a hand-counted example with ties (what
// scikit-learn's roc_auc_score gives for it, 7.5 / 9), the binormal model's closed form
// Φ(Δ/√2), the Hanley-McNeil standard error for the width of the interval, coverage of the true
// value, and that the interval resamples problems (copying every sample of every problem changes
// nothing).
#include <QtTest>

#include <cmath>
#include <random>

#include "core/stats/auroc.h"

using namespace lens;
using stats::ScoredSample;

namespace {

// Φ(1/√2): P(X > Y) for X ~ N(1, 1), Y ~ N(0, 1).
const double kBinormal = 0.5 * std::erfc(-0.5);

// `n` problems of one sample each: right with probability 1/2, scored N(1, 1) when right, N(0, 1) when wrong.
std::vector<std::vector<ScoredSample>> binormal(size_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> z;
  std::bernoulli_distribution coin;
  std::vector<std::vector<ScoredSample>> out(n);
  for (auto& p : out) {
    const bool right = coin(rng);
    p.push_back({z(rng) + (right ? 1.0 : 0.0), right});
  }
  return out;
}

}  // namespace

class TestAuroc : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void handCountedWithTies() {
    // Right: 0.9, 0.8, 0.5; wrong: 0.7, 0.5, 0.1. Of the 9 pairs, 7 are ordered right and one is
    // tied (0.5 against 0.5): (7 + 0.5) / 9.
    std::vector<ScoredSample> s = {{0.9, true}, {0.7, false}, {0.8, true}, {0.5, false}, {0.5, true}, {0.1, false}};
    QCOMPARE(stats::auroc(s), 7.5 / 9.0);
    for (auto& x : s) x.score = -x.score;  // reversed scores: the complement
    QCOMPARE(stats::auroc(s), 1.5 / 9.0);
    for (auto& x : s) x.score = 0.3;  // all tied: chance
    QCOMPARE(stats::auroc(s), 0.5);
    QVERIFY(std::isnan(stats::auroc({{0.2, true}, {0.4, true}})));  // no wrong samples
    QVERIFY(std::isnan(stats::auroc({})));
  }

  void withinGroupsSkipsOneClassGroups() {
    // Three problems: ranked right (1), all right (left out), ranked backwards with a tie (0.25).
    const std::vector<std::vector<ScoredSample>> groups = {
        {{0.9, true}, {0.2, false}}, {{0.5, true}, {0.1, true}}, {{0.1, true}, {0.4, false}, {0.1, false}}};
    QCOMPARE(stats::aurocWithinGroups(groups), (std::vector<double>{1.0, 0.25}));
    QVERIFY(stats::aurocWithinGroups({}).empty());
  }

  void binormalMatchesTheClosedForm() {
    std::mt19937_64 rng(3);
    const auto data = binormal(40000, rng);
    const auto e = stats::aurocOverProblems(data, {200, 0.95, 1});
    QVERIFY2(std::abs(e.value - kBinormal) < 0.006, qPrintable(QString::number(e.value)));
    QCOMPARE(e.positives + e.negatives, int64_t{40000});
    QCOMPARE(e.problems, int64_t{40000});
    QVERIFY(e.interval.low < e.value && e.value < e.interval.high);
  }

  void intervalWidthAndCoverage() {
    // Hanley and McNeil's standard error at A = 0.760, 100 right and 100 wrong: 0.0337.
    const double A = kBinormal, n1 = 100, n2 = 100, q1 = A / (2 - A), q2 = 2 * A * A / (1 + A);
    const double se = std::sqrt((A * (1 - A) + (n1 - 1) * (q1 - A * A) + (n2 - 1) * (q2 - A * A)) / (n1 * n2));
    std::mt19937_64 rng(11);
    int covered = 0;
    double width = 0;
    const int sets = 200;
    for (int d = 0; d < sets; ++d) {
      const auto e = stats::aurocOverProblems(binormal(200, rng), {1000, 0.95, static_cast<uint64_t>(d)});
      covered += e.interval.low <= A && A <= e.interval.high;
      width += (e.interval.high - e.interval.low) / sets;
    }
    // Binomial(200, 0.95): s.d. 3.1, so 190 ± 10 at about 3 s.d.; the percentile interval of a
    // statistic bounded by 1 undercovers slightly.
    QVERIFY2(covered >= 178 && covered <= 200, qPrintable(QString::number(covered)));
    QVERIFY2(std::abs(width / (2 * 1.96 * se) - 1.0) < 0.15, qPrintable(QString("%1 vs %2").arg(width).arg(2 * 1.96 * se)));
  }

  void resamplesProblemsNotSamples() {
    std::mt19937_64 rng(5);
    auto data = binormal(300, rng);
    const auto once = stats::aurocOverProblems(data, {500, 0.95, 9});
    for (auto& p : data) p = std::vector<ScoredSample>(8, p[0]);  // every problem's sample 8 times
    const auto eight = stats::aurocOverProblems(data, {500, 0.95, 9});
    QCOMPARE(eight.value, once.value);
    QCOMPARE(eight.interval.low, once.interval.low);
    QCOMPARE(eight.interval.high, once.interval.high);
    QCOMPARE(eight.positives, 8 * once.positives);
    // One class only: no AUROC and no interval.
    const auto none = stats::aurocOverProblems({{{0.1, true}}, {{0.4, true}}});
    QVERIFY(std::isnan(none.value) && std::isnan(none.interval.low));
  }
};

QTEST_APPLESS_MAIN(TestAuroc)
#include "test_auroc.moc"
