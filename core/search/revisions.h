// SPDX-License-Identifier: GPL-3.0-or-later
// Sequential revisions (Snell et al. 2024 §6): a revision model answers, then answers again seeing
// its earlier attempts (up to maxPrevious, the most recent), and so on. A budget of N generations
// runs N / L chains of L attempts side by side (L = 1: parallel sampling; L = N: one long chain),
// so the mix of parallel and sequential compute is one parameter. Chains advance in lockstep: each
// round asks the source for the next attempt of every chain at once (one batch).
// The final answer, over all N attempts:
//  - majority: the most frequent answer;
//  - weighted: weighted best-of-N by the verifier's scores (summed per answer);
//  - hierarchical: the verifier's best attempt of each chain, then weighted best-of-N over those
//    (the paper's selection across chains).
// A gate (keepAbove) stops a chain at an attempt the model is confident of: once an attempt's mean
// log-probability per token reaches it, the chain's later turns repeat that attempt at no cost (no
// generation, no scoring). A revision then only touches the attempts the model doubts; the
// generator's likelihood separates its right and wrong samples of a problem (resources/models/README.md).
// Generation and scoring are behind interfaces (a model, or scripted attempts in tests). Torch-free.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/search/tree_search.h"

namespace lens::search {

enum class RevisionSelect { Majority, Weighted, Hierarchical };
Result<RevisionSelect> parseRevisionSelect(const std::string& name);  // majority | weighted | hierarchical
const char* revisionSelectName(RevisionSelect s);

struct RevisionParams {
  int n = 16;            // attempts in all
  int chainLength = 4;   // L: attempts per chain (divides n)
  int maxPrevious = 4;   // earlier attempts an attempt sees, the most recent ones
  RevisionSelect select = RevisionSelect::Weighted;
  std::optional<double> keepAbove;  // the gate above (mean log-prob per token), or none: every turn revises
  std::string stepDelimiter = "\n\n";  // attempts are split into steps for the verifier
};

// Makes attempts. histories[i] are chain i's earlier attempts the next attempt should see (oldest
// first; empty for a first attempt); streams[i] names its random stream.
class AttemptSource {
 public:
  virtual ~AttemptSource() = default;
  virtual Result<std::vector<StepText>> attempt(const std::vector<std::vector<std::string>>& histories, const std::vector<uint64_t>& streams,
                                                const RunContext* ctx) = 0;
};

struct RevisionAttempt {
  std::string text;
  int tokens = 0;
  std::vector<int32_t> tokenIds;  // when the source gives them
  double score = 0.0;  // the verifier's score of the whole attempt (0 without a verifier)
  std::optional<std::string> answer;
  double logprob = 0.0;  // summed log-probabilities of its tokens (0 when the source gives none)
  bool kept = false;     // a repeat of the chain's previous attempt by the gate (tokens 0: nothing was generated)
  double meanLogprob() const;  // per token; NaN without tokens
};

struct AttemptRef {
  int chain = 0, turn = 0;
  bool operator==(const AttemptRef& o) const { return chain == o.chain && turn == o.turn; }
};

struct RevisionResult {
  std::vector<std::vector<RevisionAttempt>> chains;  // [n / L][L]
  std::optional<AttemptRef> majority, weighted, hierarchical;  // the attempt each rule returns
  std::optional<AttemptRef> chosen;                            // by params.select
  int64_t scoredPaths = 0;
  int64_t keptAttempts = 0;  // turns the gate filled by repeating an attempt
};

// The stream of chain c's attempt t (so results do not depend on batching or chain count).
uint64_t revisionStream(int chain, int turn);

// `scorer` may be null (majority only: a weighted selection without a verifier is refused).
Result<RevisionResult> runRevisions(AttemptSource& source, StepScorer* scorer, const RevisionParams& params,
                                    const std::function<std::optional<std::string>(const std::string& solution)>& answerOf,
                                    const RunContext* ctx = nullptr);

}  // namespace lens::search
