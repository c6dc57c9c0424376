// SPDX-License-Identifier: GPL-3.0-or-later
// Majority voting, best-of-N and weighted best-of-N on hand-checkable cases, the accuracy-vs-N
// estimate against values computed by enumeration, and oracle difficulty bins.
#include <QtTest>

#include "common/test_helpers.h"
#include "core/search/aggregate.h"

using namespace lens::search;

namespace {
Candidate c(const char* answer, double score = 0, bool correct = false) {
  Candidate x;
  if (answer) x.answer = std::string(answer);
  x.score = score;
  x.correct = correct;
  return x;
}
std::vector<size_t> all(size_t n) {
  std::vector<size_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}
}  // namespace

class TestAggregate : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void groupsByEquivalence() {
    std::vector<Candidate> cs = {c("1/2"), c("0.5"), c("\\frac12"), c("2"), c(nullptr), c("2.0"), c("x = 2")};
    QCOMPARE(groupAnswers(cs), (std::vector<int>{0, 0, 0, 1, -1, 1, 1}));
  }

  void majority() {
    std::vector<Candidate> cs = {c("3", 0.1), c("4", 0.9), c("3", 0.2), c("4", 0.1), c("5", 0.99)};
    auto g = groupAnswers(cs);
    // "3" and "4" both twice; "3" sums 0.3, "4" sums 1.0: the tie goes to "4".
    QCOMPARE(choose(cs, g, all(5), Aggregation::Majority), std::optional<size_t>(1));
    // Among the first three, "3" wins 2 to 1.
    QCOMPARE(choose(cs, g, {0, 1, 2}, Aggregation::Majority), std::optional<size_t>(0));
    // A full tie (same count, same score) goes to the answer seen first.
    std::vector<Candidate> tie = {c("7"), c("8")};
    QCOMPARE(choose(tie, groupAnswers(tie), {1, 0}, Aggregation::Majority), std::optional<size_t>(1));
    // No answers: nothing to choose.
    std::vector<Candidate> none = {c(nullptr), c(nullptr)};
    QVERIFY(!choose(none, groupAnswers(none), all(2), Aggregation::Majority));
  }

  void bestOfNAndWeighted() {
    // Snell et al. §5: weighted best-of-N sums verifier scores per answer.
    std::vector<Candidate> cs = {c("3", 0.5), c("4", 0.9), c("3", 0.6), c("3", 0.1), c(nullptr, 1.0)};
    auto g = groupAnswers(cs);
    QCOMPARE(choose(cs, g, all(5), Aggregation::BestOfN), std::optional<size_t>(1));  // 0.9, the unanswered 1.0 is skipped
    // "3": 0.5 + 0.6 + 0.1 = 1.2 > "4": 0.9; the returned sample is the best-scored of the class.
    QCOMPARE(choose(cs, g, all(5), Aggregation::WeightedBestOfN), std::optional<size_t>(2));
    QCOMPARE(choose(cs, g, {0, 1}, Aggregation::WeightedBestOfN), std::optional<size_t>(1));
    QCOMPARE(*parseAggregation("weighted"), Aggregation::WeightedBestOfN);
    QVERIFY(!parseAggregation("vote").ok());
  }

  void curveMatchesEnumeration() {
    // Pool: A (right) twice, B, C. By enumeration over the 6 pairs: {A,A} right, 4 pairs of A with
    // B or C right half the time (a 1-1 tie goes to the sample drawn first), {B,C} wrong: 0.5.
    ProblemSamples p;
    p.samples = {c("1", 0, true), c("1", 0, true), c("2"), c("3")};
    p.flopsPerSample = 10;
    auto curve = accuracyCurve({p}, Aggregation::Majority, {1, 2, 4, 8}, 4000, 3);
    QCOMPARE(curve.size(), size_t{3});  // N = 8 exceeds the pool
    LENS_COMPARE_NEAR(curve[0].accuracy, 0.5, 1e-12);  // N = 1: exact
    LENS_COMPARE_NEAR(curve[1].accuracy, 0.5, 0.03);
    LENS_COMPARE_NEAR(curve[2].accuracy, 1.0, 1e-12);  // N = 4: "1" wins 2 to 1 to 1
    LENS_COMPARE_NEAR(curve[2].flopsPerProblem, 40.0, 1e-12);
    // Two problems average.
    ProblemSamples q;
    q.samples = {c("9"), c("9"), c("9"), c("9")};
    auto two = accuracyCurve({p, q}, Aggregation::Majority, {4});
    LENS_COMPARE_NEAR(two[0].accuracy, 0.5, 1e-12);
    QCOMPARE(two[0].problems, 2);
  }

  void oracleBins() {
    std::vector<ProblemSamples> ps(10);
    for (int i = 0; i < 10; ++i)
      for (int k = 0; k < 10; ++k) ps[static_cast<size_t>(i)].samples.push_back(c("1", 0, k < i));  // pass@1 = i / 10
    auto bins = oracleDifficultyBins(ps);
    QCOMPARE(bins, (std::vector<int>{5, 5, 4, 4, 3, 3, 2, 2, 1, 1}));
  }

  // Predicted bins use the verifier's mean score, never the ground truth: here the scores rank the
  // problems in the opposite order to their pass@1.
  void predictedBins() {
    std::vector<ProblemSamples> ps(10);
    for (int i = 0; i < 10; ++i)
      for (int k = 0; k < 4; ++k) ps[static_cast<size_t>(i)].samples.push_back(c("1", 1.0 - 0.1 * i + 0.01 * k, k < i % 3));
    QCOMPARE(predictedDifficultyBins(ps), (std::vector<int>{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}));
    QVERIFY(oracleDifficultyBins(ps) != predictedDifficultyBins(ps));
  }
};

QTEST_GUILESS_MAIN(TestAggregate)
#include "test_aggregate.moc"
