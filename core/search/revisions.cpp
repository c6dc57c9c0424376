// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/search/revisions.h"

#include <cmath>
#include <limits>

#include "core/mathdata/prompt.h"
#include "core/search/aggregate.h"

namespace lens::search {

Result<RevisionSelect> parseRevisionSelect(const std::string& name) {
  if (name == "majority") return RevisionSelect::Majority;
  if (name == "weighted") return RevisionSelect::Weighted;
  if (name == "hierarchical") return RevisionSelect::Hierarchical;
  return makeError(ErrorCode::InvalidInput, "revision selection '" + name + "' (majority, weighted, hierarchical)");
}

const char* revisionSelectName(RevisionSelect s) {
  switch (s) {
    case RevisionSelect::Majority: return "majority";
    case RevisionSelect::Weighted: return "weighted";
    case RevisionSelect::Hierarchical: return "hierarchical";
  }
  return "weighted";
}

double RevisionAttempt::meanLogprob() const {
  return tokenIds.empty() ? std::numeric_limits<double>::quiet_NaN() : logprob / static_cast<double>(tokenIds.size());
}

uint64_t revisionStream(int chain, int turn) { return (static_cast<uint64_t>(chain) << 20) | static_cast<uint64_t>(turn); }

Result<RevisionResult> runRevisions(AttemptSource& source, StepScorer* scorer, const RevisionParams& p,
                                    const std::function<std::optional<std::string>(const std::string&)>& answerOf, const RunContext* ctx) {
  if (p.n < 1 || p.chainLength < 1 || p.n % p.chainLength != 0)
    return makeError(ErrorCode::InvalidInput, "revisions: chain length " + std::to_string(p.chainLength) + " must divide n (" + std::to_string(p.n) + ")");
  if (p.maxPrevious < 0) return makeError(ErrorCode::InvalidInput, "revisions: max previous attempts must not be negative");
  if (!scorer && p.select != RevisionSelect::Majority)
    return makeError(ErrorCode::InvalidInput, std::string("revisions: ") + revisionSelectName(p.select) + " selection needs a verifier");
  const int chains = p.n / p.chainLength;
  RevisionResult res;
  res.chains.resize(static_cast<size_t>(chains));
  if (p.keepAbove && !std::isfinite(*p.keepAbove)) return makeError(ErrorCode::InvalidInput, "revisions: the gate (keep above) must be a finite log-probability");
  for (int t = 0; t < p.chainLength; ++t) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "revisions cancelled at attempt " + std::to_string(t + 1));
    // The chains that make an attempt this turn; the others repeat their confident attempt.
    std::vector<int> open;
    std::vector<std::vector<std::string>> histories;
    std::vector<uint64_t> streams;
    for (int c = 0; c < chains; ++c) {
      auto& chain = res.chains[static_cast<size_t>(c)];
      if (t > 0 && p.keepAbove && chain.back().meanLogprob() >= *p.keepAbove) {
        RevisionAttempt again = chain.back();
        again.tokens = 0;
        again.kept = true;
        chain.push_back(std::move(again));
        ++res.keptAttempts;
        continue;
      }
      open.push_back(c);
      histories.emplace_back();
      for (int k = std::max(0, t - p.maxPrevious); k < t; ++k) histories.back().push_back(chain[static_cast<size_t>(k)].text);
      streams.push_back(revisionStream(c, t));
    }
    if (!open.empty()) {
      auto made = source.attempt(histories, streams, ctx);
      if (!made) return made.error();
      if (made->size() != open.size()) return makeError(ErrorCode::Internal, "revisions: the source returned the wrong number of attempts");
      std::vector<std::vector<std::string>> paths;
      for (size_t i = 0; i < open.size(); ++i) {
        const auto& s = (*made)[i];
        res.chains[static_cast<size_t>(open[i])].push_back({s.text, s.tokens, s.tokenIds, 0.0, answerOf(s.text), s.logprob, false});
        auto steps = mathdata::splitSteps(s.text, p.stepDelimiter);
        if (steps.empty()) steps.push_back(s.text);
        paths.push_back(std::move(steps));
      }
      if (scorer) {
        auto scores = scorer->score(paths, ctx);
        if (!scores) return scores.error();
        res.scoredPaths += static_cast<int64_t>(paths.size());
        for (size_t i = 0; i < open.size(); ++i) res.chains[static_cast<size_t>(open[i])].back().score = (*scores)[i];
      }
    }
    if (ctx) ctx->report(t + 1, p.chainLength, "revisions");
  }
  // Selection over every attempt (flattened chain by chain).
  std::vector<Candidate> all;
  std::vector<AttemptRef> refs;
  for (int c = 0; c < chains; ++c)
    for (int t = 0; t < p.chainLength; ++t) {
      const auto& a = res.chains[static_cast<size_t>(c)][static_cast<size_t>(t)];
      all.push_back({a.answer, a.score, false});
      refs.push_back({c, t});
    }
  const auto groups = groupAnswers(all);
  std::vector<size_t> every(all.size());
  for (size_t i = 0; i < every.size(); ++i) every[i] = i;
  if (auto m = choose(all, groups, every, Aggregation::Majority)) res.majority = refs[*m];
  if (scorer) {
    if (auto w = choose(all, groups, every, Aggregation::WeightedBestOfN)) res.weighted = refs[*w];
    std::vector<size_t> best;
    for (int c = 0; c < chains; ++c) {
      std::vector<size_t> chain;
      for (int t = 0; t < p.chainLength; ++t) chain.push_back(static_cast<size_t>(c * p.chainLength + t));
      if (auto b = choose(all, groups, chain, Aggregation::BestOfN)) best.push_back(*b);
    }
    if (auto h = choose(all, groups, best, Aggregation::WeightedBestOfN)) res.hierarchical = refs[*h];
  }
  res.chosen = p.select == RevisionSelect::Majority ? res.majority : p.select == RevisionSelect::Weighted ? res.weighted : res.hierarchical;
  return res;
}

}  // namespace lens::search
