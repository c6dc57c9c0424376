// SPDX-License-Identifier: GPL-3.0-or-later
// The percentile bootstrap against what is known in closed form: a fair coin's mean over 400
// problems has standard error 0.025, so its 95 % interval is 0.5 ± 1.96 · 0.025; intervals from
// repeated samples of a known distribution cover its mean about 95 % of the time; a paired
// difference cancels what both sides share; a ratio of sums (a loss per token over problems of
// different lengths) matches the delta method and covers the true ratio.
#include <QtTest>

#include <cmath>

#include "core/common/hash.h"
#include "core/search/aggregate.h"
#include "core/stats/bootstrap.h"

using namespace lens;

class TestBootstrap : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void fairCoinMatchesTheNormalInterval() {
    std::vector<double> v(400, 0.0);
    for (size_t i = 0; i < v.size(); i += 2) v[i] = 1.0;
    const auto ci = stats::bootstrapMean(v);
    const double half = 1.959964 * std::sqrt(0.25 / 400.0);  // 0.049
    QVERIFY2(std::abs(ci.low - (0.5 - half)) < 0.006, qPrintable(QString::number(ci.low)));
    QVERIFY2(std::abs(ci.high - (0.5 + half)) < 0.006, qPrintable(QString::number(ci.high)));
    // 90 % is narrower, by the ratio of the normal quantiles (1.645 / 1.960).
    stats::BootstrapParams p90;
    p90.level = 0.90;
    const auto ci90 = stats::bootstrapMean(v, p90);
    QVERIFY(std::abs((ci90.high - ci90.low) / (ci.high - ci.low) - 1.645 / 1.960) < 0.06);
  }

  void coversTheTrueMeanAboutNinetyFivePercentOfTheTime() {
    // 400 data sets of 100 problems with P(correct) = 0.3; the interval should hold 0.3 in ~95 % of
    // them (binomial s.d. of the count: 4.4, so 380 ± 13 at 3 s.d.).
    SplitMix64 rng(7);
    int covered = 0;
    for (int d = 0; d < 400; ++d) {
      std::vector<double> v(100);
      for (double& x : v) x = static_cast<double>(rng.next() % 1000) < 300 ? 1.0 : 0.0;
      stats::BootstrapParams p;
      p.resamples = 1000;
      p.seed = static_cast<uint64_t>(d);
      const auto ci = stats::bootstrapMean(v, p);
      covered += ci.low <= 0.3 && 0.3 <= ci.high;
    }
    QVERIFY2(covered >= 367 && covered <= 393, qPrintable(QString::number(covered)));
  }

  void edgeCasesAndDeterminism() {
    QVERIFY(std::isnan(stats::bootstrapMean({}).low) && std::isnan(stats::bootstrapMean({}).high));
    const auto one = stats::bootstrapMean({0.7});
    QCOMPARE(one.low, 0.7);
    QCOMPARE(one.high, 0.7);
    const auto same = stats::bootstrapMean(std::vector<double>(50, 0.25));
    QCOMPARE(same.low, 0.25);
    QCOMPARE(same.high, 0.25);
    std::vector<double> v;
    for (int i = 0; i < 60; ++i) v.push_back((i * 37 % 11) / 10.0);
    const auto a = stats::bootstrapMean(v), b = stats::bootstrapMean(v);
    QCOMPARE(a.low, b.low);
    QCOMPARE(a.high, b.high);
    stats::BootstrapParams other;
    other.seed = 99;
    const auto c = stats::bootstrapMean(v, other);
    QVERIFY(c.low != a.low || c.high != a.high);  // another seed, other resamples
    double mean = 0;
    for (double x : v) mean += x / static_cast<double>(v.size());
    QVERIFY(a.low < mean && mean < a.high);
  }

  void pairedDifferenceCancelsWhatIsShared() {
    // b = a + 0.1 on every problem: the difference is 0.1 whatever the problems are.
    std::vector<double> a, b;
    SplitMix64 rng(3);
    for (int i = 0; i < 200; ++i) {
      a.push_back(static_cast<double>(rng.next() % 1000) / 1000.0);
      b.push_back(a.back() + 0.1);
    }
    const auto d = stats::bootstrapPairedDifference(b, a);
    QVERIFY(std::abs(d.low - 0.1) < 1e-12 && std::abs(d.high - 0.1) < 1e-12);
    // Unpaired, the same data would give an interval ~0.08 wide on each side's mean.
    const auto ia = stats::bootstrapMean(a);
    QVERIFY(ia.high - ia.low > 0.05);
    QVERIFY(std::isnan(stats::bootstrapPairedDifference(a, {1.0}).low));
  }

  // A mean per token over problems of different lengths (a loss): the ratio estimator's interval
  // against the delta method's standard error, sqrt(sum (num_i - R den_i)^2) / sum den_i, and its
  // coverage of the true ratio over repeated draws.
  void ratioOfSumsMatchesTheDeltaMethodAndCovers() {
    SplitMix64 rng(11);
    auto draw = [&](size_t n, std::vector<double>& num, std::vector<double>& den) {
      num.clear();
      den.clear();
      for (size_t i = 0; i < n; ++i) {
        const double tokens = 5 + static_cast<double>(rng.next() % 46);                  // 5..50 tokens
        const double perToken = 0.5 + static_cast<double>(rng.next() % 1001) / 1000.0;  // a problem's mean loss, U(0.5, 1.5)
        den.push_back(tokens);
        num.push_back(tokens * perToken);
      }
    };
    std::vector<double> num, den;
    draw(400, num, den);
    double sn = 0, sd = 0;
    for (size_t i = 0; i < num.size(); ++i) sn += num[i], sd += den[i];
    const double r = sn / sd;
    double ss = 0;
    for (size_t i = 0; i < num.size(); ++i) ss += (num[i] - r * den[i]) * (num[i] - r * den[i]);
    const double half = 1.959964 * std::sqrt(ss) / sd;
    const auto ci = stats::bootstrapRatio(num, den);
    QVERIFY2(std::abs((ci.high - ci.low) / (2 * half) - 1.0) < 0.1, qPrintable(QString("%1 %2 %3").arg(ci.low).arg(ci.high).arg(half)));
    QVERIFY(ci.low < r && r < ci.high);
    // The true ratio is 1 (the per-token mean is independent of the length, with mean 1).
    int covered = 0;
    for (int d = 0; d < 200; ++d) {
      draw(100, num, den);
      stats::BootstrapParams p;
      p.resamples = 800;
      p.seed = static_cast<uint64_t>(d);
      const auto c = stats::bootstrapRatio(num, den, p);
      covered += c.low <= 1.0 && 1.0 <= c.high;
    }
    QVERIFY2(covered >= 180 && covered <= 198, qPrintable(QString::number(covered)));  // 190 +- 3 s.d. (3.1)
    // Paired policies on the same tokens: the difference of sums as num; equal policies give [0, 0].
    const auto zero = stats::bootstrapRatio(std::vector<double>(50, 0.0), std::vector<double>(50, 10.0));
    QCOMPARE(zero.low, 0.0);
    QCOMPARE(zero.high, 0.0);
    QVERIFY(std::isnan(stats::bootstrapRatio({1.0, 2.0}, {1.0}).low));
    QVERIFY(std::isnan(stats::bootstrapRatio({}, {}).low));
  }

  // Every point of an accuracy curve carries the interval of its problems' scores: 100 problems
  // with one sample each, half of them correct, give 0.5 with the coin's interval (n = 100).
  void accuracyCurvePointsCarryTheirInterval() {
    std::vector<search::ProblemSamples> problems(100);
    for (size_t i = 0; i < problems.size(); ++i) problems[i].samples = {{std::string("1"), 0.5, i % 2 == 0}};
    const auto curve = search::accuracyCurve(problems, search::Aggregation::Majority, {1});
    QCOMPARE(curve.size(), size_t(1));
    QCOMPARE(curve[0].accuracy, 0.5);
    const double half = 1.959964 * std::sqrt(0.25 / 100.0);  // 0.098
    QVERIFY2(std::abs(curve[0].ciLow - (0.5 - half)) < 0.015, qPrintable(QString::number(curve[0].ciLow)));
    QVERIFY2(std::abs(curve[0].ciHigh - (0.5 + half)) < 0.015, qPrintable(QString::number(curve[0].ciHigh)));
  }
};

QTEST_MAIN(TestBootstrap)
#include "test_bootstrap.moc"
