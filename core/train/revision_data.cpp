// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/train/revision_data.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <tuple>

#include "core/common/hash.h"

namespace lens::train {

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

Result<RevisionContext> parseRevisionContext(const std::string& name) {
  if (name == "nearest-wrong") return RevisionContext::NearestWrong;
  if (name == "sampled") return RevisionContext::Sampled;
  return makeError(ErrorCode::InvalidInput, "unknown revision context '" + name + "' (nearest-wrong | sampled)");
}

const char* revisionContextName(RevisionContext c) { return c == RevisionContext::Sampled ? "sampled" : "nearest-wrong"; }

namespace {

template <class T>
void seededShuffle(std::vector<T>& v, SplitMix64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

// Sampled: earlier attempts drawn from all the problem's samples; the target is the correct answer
// nearest to the last of them (the first one in seeded order on ties; a random one with none).
void sampledExamples(const ProblemAttempts& pr, const std::vector<std::string>& right, const RevisionDataParams& p, SplitMix64& rng,
                     std::vector<RevisionExample>& out) {
  std::vector<const std::string*> pool;
  for (const auto& a : pr.attempts)
    if (!a.text.empty()) pool.push_back(&a.text);
  const size_t most = std::min(pool.size(), static_cast<size_t>(std::max(0, p.maxPrevious)));
  for (int e = 0; e < p.targetsPerProblem; ++e) {
    RevisionExample ex;
    ex.problem = pr.problem;
    const size_t k = rng.below(most + 1);
    seededShuffle(pool, rng);
    for (size_t i = 0; i < k; ++i) ex.previous.push_back(*pool[i]);
    if (k == 0) {
      ex.target = right[rng.below(right.size())];
    } else {
      size_t best = 0, bestDistance = editDistance(right[0], ex.previous.back());
      for (size_t r = 1; r < right.size() && bestDistance > 0; ++r)
        if (const size_t d = editDistance(right[r], ex.previous.back()); d < bestDistance) std::tie(best, bestDistance) = std::make_pair(r, d);
      ex.target = right[best];
    }
    out.push_back(std::move(ex));
  }
}

}  // namespace

std::vector<RevisionExample> buildRevisionExamples(const std::vector<ProblemAttempts>& problems, const RevisionDataParams& p) {
  std::vector<RevisionExample> out;
  for (size_t pi = 0; pi < problems.size(); ++pi) {
    const auto& pr = problems[pi];
    std::vector<std::string> right, wrong;
    std::set<std::string> seen;
    for (const auto& a : pr.attempts) {
      if (a.text.empty() || !seen.insert(a.text).second) continue;
      (a.correct ? right : wrong).push_back(a.text);
    }
    if (right.empty()) continue;
    SplitMix64 rng(splitmix64(p.seed * 0x9e3779b97f4a7c15ULL + pi));
    // A seeded shuffle picks the targets.
    seededShuffle(right, rng);
    if (p.context == RevisionContext::Sampled) {
      sampledExamples(pr, right, p, rng, out);
      continue;
    }
    const size_t targets = std::min(right.size(), static_cast<size_t>(std::max(0, p.targetsPerProblem)));
    for (size_t t = 0; t < targets; ++t) {
      RevisionExample ex;
      ex.problem = pr.problem;
      ex.target = right[t];
      const size_t most = std::min(wrong.size(), static_cast<size_t>(std::max(0, p.maxPrevious)));
      const size_t k = most ? 1 + rng.below(most) : 0;
      if (k > 0) {
        std::vector<std::pair<size_t, size_t>> byDistance;  // (distance, index)
        for (size_t w = 0; w < wrong.size(); ++w) byDistance.emplace_back(editDistance(wrong[w], ex.target), w);
        std::sort(byDistance.begin(), byDistance.end());
        byDistance.resize(k);
        // Farthest first: the attempt just before the target is the nearest to it.
        for (auto it = byDistance.rbegin(); it != byDistance.rend(); ++it) ex.previous.push_back(wrong[it->second]);
      }
      out.push_back(std::move(ex));
    }
  }
  return out;
}

}  // namespace lens::train
