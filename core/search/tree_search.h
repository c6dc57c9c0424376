// SPDX-License-Identifier: GPL-3.0-or-later
// Verifier-guided search over solution steps (Snell et al. 2024, §5.2; Beeching et al.,
// search-and-learn), on a budget of N generations per round:
//  - beam: N candidates for the first step; keep the N/M best by the verifier's score of their last
//    step, expand each M times, repeat until the candidates reach a final answer or maxSteps;
//  - lookahead(k): beam search in which a candidate's score is the verifier's score at the end of a
//    k-step greedy rollout from it (the rollout is scored, then discarded);
//  - dvts: N/M independent subtrees; each expands its current node M times and keeps the best one
//    (diverse verifier tree search).
// Finished candidates (EOS or a final answer) leave the frontier; the answer is chosen among them by
// weighted best-of-N on their scores. Generation and scoring are behind interfaces, so the same code
// runs a real model with a PRM (search_sources.h) and scripted steps with known scores (tests).
// Torch-free.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"

namespace lens::search {

enum class Strategy { Beam, Lookahead, Dvts };
Result<Strategy> parseStrategy(const std::string& name);  // beam | lookahead | dvts
const char* strategyName(Strategy s);

struct SearchParams {
  Strategy strategy = Strategy::Beam;
  int n = 16;         // generations per round
  int width = 4;      // M: children per kept candidate (beam), per subtree (dvts)
  int lookahead = 0;  // k: rollout steps (lookahead)
  int maxSteps = 40;  // rounds
};

struct StepText {
  std::string text;   // the step as generated (with its delimiter)
  int tokens = 0;
  bool final = false;  // the path ends here: EOS, a final answer, or no room left
  std::vector<int32_t> tokenIds;  // the generated tokens, when the source keeps them (revisions)
  double logprob = 0.0;           // their summed log-probabilities under the model, when it gives them (revisions)
};

// Generates steps. Node ids are the search's: -1 is the root (the problem's prompt).
class StepSource {
 public:
  virtual ~StepSource() = default;
  // Children of parents[i] for every i, with node ids childIds[i] (as many as given); each child
  // is one sampled step continuing its parent's path. streams name the random streams.
  virtual Result<std::vector<std::vector<StepText>>> expand(const std::vector<int>& parents, const std::vector<std::vector<int>>& childIds,
                                                            const RunContext* ctx) = 0;
  // For each node, up to `steps` more steps continuing its path greedily, joined into one text;
  // the node itself is unchanged (lookahead).
  virtual Result<std::vector<StepText>> rollout(const std::vector<int>& nodes, int steps, const RunContext* ctx) = 0;
  // The node will not be expanded again (its resources may be reused).
  virtual void release(int node) = 0;
};

// Scores paths: each path is its steps in order; the result is the verifier's score of the last
// step (the probability the path is still correct).
class StepScorer {
 public:
  virtual ~StepScorer() = default;
  virtual Result<std::vector<double>> score(const std::vector<std::vector<std::string>>& paths, const RunContext* ctx) = 0;
};

struct SearchNode {
  int id = 0;
  int parent = -1;  // -1: a child of the root
  int depth = 0;    // 1 for first steps
  std::string text;
  int tokens = 0;
  double score = 0.0;
  bool final = false;
  bool selected = false;  // on the path of the chosen answer
};

struct SearchResult {
  std::vector<SearchNode> nodes;  // every generated step, ids = indices
  std::vector<int> finished;      // leaves whose paths are complete solutions, in finishing order
  std::optional<int> chosen;      // the finished leaf whose answer was returned
  int rounds = 0;
  int64_t rolloutTokens = 0;      // lookahead tokens generated (not kept in the tree)
  int64_t scoredPaths = 0;        // verifier calls' paths

  // The steps from the first to `leaf`.
  std::vector<std::string> path(int leaf) const;
};

// `answerOf` extracts a solution's final answer (nullopt when none). Weighted best-of-N picks the
// answer whose finished paths have the largest summed score (answers grouped by mathematical
// equivalence, search/aggregate.h).
Result<SearchResult> runSearch(StepSource& source, StepScorer& scorer, const SearchParams& params,
                               const std::function<std::optional<std::string>(const std::string& solution)>& answerOf,
                               const RunContext* ctx = nullptr);

}  // namespace lens::search
