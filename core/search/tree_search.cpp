// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/search/tree_search.h"

#include <algorithm>

#include "core/search/aggregate.h"

namespace lens::search {

Result<Strategy> parseStrategy(const std::string& name) {
  if (name == "beam") return Strategy::Beam;
  if (name == "lookahead") return Strategy::Lookahead;
  if (name == "dvts") return Strategy::Dvts;
  return makeError(ErrorCode::InvalidInput, "unknown search strategy '" + name + "' (beam, lookahead, dvts)");
}

const char* strategyName(Strategy s) {
  switch (s) {
    case Strategy::Beam: return "beam";
    case Strategy::Lookahead: return "lookahead";
    case Strategy::Dvts: return "dvts";
  }
  return "?";
}

std::vector<std::string> SearchResult::path(int leaf) const {
  std::vector<std::string> steps;
  for (int n = leaf; n >= 0; n = nodes[static_cast<size_t>(n)].parent) steps.push_back(nodes[static_cast<size_t>(n)].text);
  std::reverse(steps.begin(), steps.end());
  return steps;
}

namespace {

std::string join(const std::vector<std::string>& steps) {
  std::string s;
  for (const auto& t : steps) s += t;
  return s;
}

}  // namespace

Result<SearchResult> runSearch(StepSource& source, StepScorer& scorer, const SearchParams& p,
                               const std::function<std::optional<std::string>(const std::string&)>& answerOf, const RunContext* ctx) {
  if (p.n < 1 || p.width < 1 || p.maxSteps < 1)
    return makeError(ErrorCode::InvalidInput, "search: n, width and max steps must be at least 1");
  if (p.width > p.n) return makeError(ErrorCode::InvalidInput, "search: width (M = " + std::to_string(p.width) + ") cannot exceed n (" + std::to_string(p.n) + ")");
  if (p.strategy == Strategy::Lookahead && p.lookahead < 1) return makeError(ErrorCode::InvalidInput, "search: lookahead needs k >= 1 rollout steps");
  const int keep = std::max(1, p.n / p.width);  // beams kept, or DVTS subtrees
  SearchResult r;
  // The frontier: nodes to expand and how many children each gets. DVTS tracks its subtree per node.
  std::vector<int> parents, counts, subtree;
  if (p.strategy == Strategy::Dvts) {
    parents.assign(static_cast<size_t>(keep), -1);
    counts.assign(static_cast<size_t>(keep), p.width);
    for (int s = 0; s < keep; ++s) subtree.push_back(s);
  } else {
    parents = {-1};
    counts = {p.n};
    subtree = {0};
  }
  for (int round = 0; round < p.maxSteps && !parents.empty(); ++round) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "search cancelled");
    std::vector<std::vector<int>> ids(parents.size());
    for (size_t i = 0; i < parents.size(); ++i)
      for (int c = 0; c < counts[i]; ++c) {
        const int id = static_cast<int>(r.nodes.size());
        const int parent = parents[i];
        SearchNode n;
        n.id = id;
        n.parent = parent;
        n.depth = parent < 0 ? 1 : r.nodes[static_cast<size_t>(parent)].depth + 1;
        r.nodes.push_back(n);
        ids[i].push_back(id);
      }
    auto steps = source.expand(parents, ids, ctx);
    if (!steps) return steps.error();
    std::vector<int> children;
    for (size_t i = 0; i < parents.size(); ++i) {
      if ((*steps)[i].size() != ids[i].size()) return makeError(ErrorCode::Internal, "search: the step source returned the wrong number of steps");
      for (size_t c = 0; c < ids[i].size(); ++c) {
        SearchNode& n = r.nodes[static_cast<size_t>(ids[i][c])];
        const StepText& st = (*steps)[i][c];
        n.text = st.text;
        n.tokens = st.tokens;
        n.final = st.final;
        children.push_back(n.id);
      }
      if (parents[i] >= 0) source.release(parents[i]);
    }
    // Scores: the path's last step, or (lookahead) the end of a greedy rollout from it.
    std::vector<std::vector<std::string>> paths;
    for (int c : children) paths.push_back(r.path(c));
    if (p.strategy == Strategy::Lookahead) {
      std::vector<int> open;
      std::vector<size_t> where;
      for (size_t i = 0; i < children.size(); ++i)
        if (!r.nodes[static_cast<size_t>(children[i])].final) {
          open.push_back(children[i]);
          where.push_back(i);
        }
      auto roll = source.rollout(open, p.lookahead, ctx);
      if (!roll) return roll.error();
      for (size_t j = 0; j < open.size(); ++j) {
        const StepText& ext = (*roll)[j];
        r.rolloutTokens += ext.tokens;
        if (!ext.text.empty()) paths[where[j]].push_back(ext.text);
      }
    }
    auto scores = scorer.score(paths, ctx);
    if (!scores) return scores.error();
    if (scores->size() != children.size()) return makeError(ErrorCode::Internal, "search: the scorer returned the wrong number of scores");
    r.scoredPaths += static_cast<int64_t>(paths.size());
    for (size_t i = 0; i < children.size(); ++i) r.nodes[static_cast<size_t>(children[i])].score = (*scores)[i];
    r.rounds = round + 1;

    auto better = [&](int a, int b) {
      const auto &x = r.nodes[static_cast<size_t>(a)], &y = r.nodes[static_cast<size_t>(b)];
      return x.score != y.score ? x.score > y.score : a < b;
    };
    std::vector<int> next, nextCounts, nextSubtree;
    if (p.strategy == Strategy::Dvts) {
      // Each subtree keeps its best child; a subtree whose best child is final is done.
      for (size_t i = 0; i < parents.size(); ++i) {
        int best = ids[i].front();
        for (int c : ids[i])
          if (better(c, best)) best = c;
        for (int c : ids[i])
          if (c != best) source.release(c);
        if (r.nodes[static_cast<size_t>(best)].final) {
          r.finished.push_back(best);
          source.release(best);
        } else {
          next.push_back(best);
          nextCounts.push_back(p.width);
          nextSubtree.push_back(subtree[i]);
        }
      }
    } else {
      // Finished candidates leave the frontier; the best N/M of the others are expanded M times.
      std::vector<int> open;
      for (int c : children) {
        if (r.nodes[static_cast<size_t>(c)].final) {
          r.finished.push_back(c);
          source.release(c);
        } else {
          open.push_back(c);
        }
      }
      std::sort(open.begin(), open.end(), better);
      const size_t room = static_cast<size_t>(std::max(0, p.n - static_cast<int>(r.finished.size())));
      const size_t kept = std::min({open.size(), static_cast<size_t>(keep), (room + static_cast<size_t>(p.width) - 1) / static_cast<size_t>(p.width)});
      for (size_t i = 0; i < open.size(); ++i) {
        if (i < kept) {
          next.push_back(open[i]);
          nextCounts.push_back(p.width);
          nextSubtree.push_back(0);
        } else {
          source.release(open[i]);
        }
      }
    }
    parents = std::move(next);
    counts = std::move(nextCounts);
    subtree = std::move(nextSubtree);
  }
  // Out of rounds: the open paths end unfinished (they rarely carry an answer).
  for (int n : parents) {
    r.finished.push_back(n);
    source.release(n);
  }
  std::vector<Candidate> cands;
  for (int leaf : r.finished) cands.push_back({answerOf(join(r.path(leaf))), r.nodes[static_cast<size_t>(leaf)].score, false});
  std::vector<size_t> all(cands.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (auto pick = choose(cands, groupAnswers(cands), all, Aggregation::WeightedBestOfN)) {
    r.chosen = r.finished[*pick];
    for (int n = *r.chosen; n >= 0; n = r.nodes[static_cast<size_t>(n)].parent) r.nodes[static_cast<size_t>(n)].selected = true;
  }
  return r;
}

}  // namespace lens::search
