// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/search/aggregate.h"

#include <algorithm>
#include <map>
#include <functional>
#include <numeric>

#include "core/common/hash.h"
#include "core/mathdata/answer.h"
#include "core/stats/bootstrap.h"

namespace lens::search {

Result<Aggregation> parseAggregation(const std::string& name) {
  if (name == "majority") return Aggregation::Majority;
  if (name == "best-of-n") return Aggregation::BestOfN;
  if (name == "weighted") return Aggregation::WeightedBestOfN;
  return makeError(ErrorCode::InvalidInput, "aggregation '" + name + "' (majority, best-of-n, weighted)");
}

const char* aggregationName(Aggregation a) {
  switch (a) {
    case Aggregation::Majority: return "majority";
    case Aggregation::BestOfN: return "best-of-n";
    case Aggregation::WeightedBestOfN: return "weighted";
  }
  return "majority";
}

std::vector<int> groupAnswers(const std::vector<Candidate>& candidates) {
  std::vector<int> group(candidates.size(), -1);
  std::vector<size_t> representatives;  // one candidate per class
  std::map<std::string, int> byNormalized;  // fast path: identical normal forms
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!candidates[i].answer) continue;
    const std::string key = mathdata::normalizeAnswer(*candidates[i].answer);
    if (key.empty()) continue;
    if (auto it = byNormalized.find(key); it != byNormalized.end()) {
      group[i] = it->second;
      continue;
    }
    int found = -1;
    for (size_t r = 0; r < representatives.size() && found < 0; ++r)
      if (mathdata::answersEqual(*candidates[i].answer, *candidates[representatives[r]].answer)) found = static_cast<int>(r);
    if (found < 0) {
      found = static_cast<int>(representatives.size());
      representatives.push_back(i);
    }
    group[i] = found;
    byNormalized[key] = found;
  }
  return group;
}

std::optional<size_t> choose(const std::vector<Candidate>& c, const std::vector<int>& groups, const std::vector<size_t>& subset,
                             Aggregation how) {
  if (how == Aggregation::BestOfN) {
    std::optional<size_t> best;
    for (size_t i : subset)
      if (groups[i] >= 0 && (!best || c[i].score > c[*best].score)) best = i;
    return best;
  }
  struct Tally {
    int count = 0;
    double score = 0;
    size_t first = 0;     // the class's first candidate
    size_t firstPos = 0;  // its position in `subset` (the draw order breaks ties)
    double bestScore = -1e300;
    size_t best = 0;
  };
  std::map<int, Tally> tally;
  for (size_t pos = 0; pos < subset.size(); ++pos) {
    const size_t i = subset[pos];
    if (groups[i] < 0) continue;
    auto [it, fresh] = tally.try_emplace(groups[i]);
    Tally& t = it->second;
    if (fresh) t.first = i, t.firstPos = pos;
    ++t.count;
    t.score += c[i].score;
    if (c[i].score > t.bestScore) t.bestScore = c[i].score, t.best = i;
  }
  const Tally* win = nullptr;
  for (const auto& [g, t] : tally) {
    if (!win) {
      win = &t;
      continue;
    }
    const bool better = how == Aggregation::Majority
                            ? (t.count != win->count ? t.count > win->count : t.score != win->score ? t.score > win->score : t.firstPos < win->firstPos)
                            : (t.score != win->score ? t.score > win->score : t.count != win->count ? t.count > win->count : t.firstPos < win->firstPos);
    if (better) win = &t;
  }
  if (!win) return std::nullopt;
  return how == Aggregation::Majority ? win->first : win->best;
}

std::vector<CurvePoint> accuracyCurve(const std::vector<ProblemSamples>& problems, Aggregation how,
                                      const std::vector<int>& budgets, int trials, uint64_t seed) {
  std::vector<CurvePoint> out;
  std::vector<std::vector<int>> groups;
  for (const auto& p : problems) groups.push_back(groupAnswers(p.samples));
  for (int n : budgets) {
    CurvePoint pt;
    pt.n = n;
    double flops = 0;
    std::vector<double> perProblem;
    for (size_t pi = 0; pi < problems.size(); ++pi) {
      const auto& p = problems[pi];
      const size_t pool = p.samples.size();
      if (n < 1 || static_cast<size_t>(n) > pool) continue;
      std::vector<size_t> idx(pool);
      std::iota(idx.begin(), idx.end(), 0);
      double hit = 0;
      if (n == 1) {
        // Exact: every sample alone (majority/best-of-1 pick it when it has an answer).
        for (size_t i = 0; i < pool; ++i) hit += p.samples[i].correct && groups[pi][i] >= 0 ? 1 : 0;
        hit /= static_cast<double>(pool);
      } else {
        // Random draws also for N = pool size: the draw order breaks ties, so it must vary.
        SplitMix64 gen(seed ^ (0x51ed27a3ULL * (pi + 1)) ^ (static_cast<uint64_t>(n) << 32));
        for (int t = 0; t < trials; ++t) {
          for (int k = 0; k < n; ++k) std::swap(idx[static_cast<size_t>(k)], idx[k + gen.below(pool - static_cast<size_t>(k))]);
          std::vector<size_t> subset(idx.begin(), idx.begin() + n);
          auto c = choose(p.samples, groups[pi], subset, how);
          hit += c && p.samples[*c].correct ? 1 : 0;
        }
        hit /= trials;
      }
      perProblem.push_back(hit);
      flops += n * p.flopsPerSample;
      ++pt.problems;
    }
    if (pt.problems == 0) continue;
    pt.accuracy = std::accumulate(perProblem.begin(), perProblem.end(), 0.0) / pt.problems;
    stats::BootstrapParams boot;
    boot.seed = seed ^ (0x9e37ULL * static_cast<uint64_t>(n));
    const auto ci = stats::bootstrapMean(perProblem, boot);
    pt.ciLow = ci.low, pt.ciHigh = ci.high;
    pt.flopsPerProblem = flops / pt.problems;
    out.push_back(pt);
  }
  return out;
}

namespace {

// Quintiles of a per-problem ease (higher = easier): 1 for the easiest fifth, ties in problem order.
std::vector<int> quintilesByEase(const std::vector<double>& ease) {
  std::vector<size_t> order(ease.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ease[a] > ease[b]; });
  std::vector<int> bin(ease.size(), 0);
  for (size_t r = 0; r < order.size(); ++r) bin[order[r]] = static_cast<int>(r * 5 / order.size()) + 1;
  return bin;
}

std::vector<double> meanOver(const std::vector<ProblemSamples>& problems, const std::function<double(const Candidate&)>& value) {
  std::vector<double> out(problems.size(), 0.0);
  for (size_t i = 0; i < problems.size(); ++i) {
    const auto& s = problems[i].samples;
    for (const auto& c : s) out[i] += value(c);
    if (!s.empty()) out[i] /= static_cast<double>(s.size());
  }
  return out;
}

}  // namespace

std::vector<int> oracleDifficultyBins(const std::vector<ProblemSamples>& problems) {
  return quintilesByEase(meanOver(problems, [](const Candidate& c) { return c.correct ? 1.0 : 0.0; }));
}

std::vector<int> predictedDifficultyBins(const std::vector<ProblemSamples>& problems) {
  return quintilesByEase(meanOver(problems, [](const Candidate& c) { return c.score; }));
}

}  // namespace lens::search
