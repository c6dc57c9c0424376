// SPDX-License-Identifier: GPL-3.0-or-later
// The real implementations of tree search's interfaces (tree_search.h): steps sampled from a model
// through a decode session (the prompt computed once; children fork their parent's KV cache; all
// candidates of a round decode in one batch), and a process reward model as the scorer.
// Torch-free.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/mathdata/prompt.h"
#include "core/model/generate_params.h"
#include "core/search/revisions.h"
#include "core/search/tree_search.h"
#include "core/verify/prm.h"

namespace lens::model {
class Model;
class DecodeSession;
}  // namespace lens::model
namespace lens::routing {
struct Router;
}

namespace lens::search {

class ModelStepSource final : public StepSource {
 public:
  // `step` samples one step (its stop strings hold the step delimiter; maxNewTokens bounds a step).
  // Rollouts decode greedily with the same stops. `slots` bounds how many nodes live at once
  // (n + n/M + 1 for beam search, twice n more with lookahead); `capacity` bounds a path's tokens.
  // `route` (Duo models) is the route every token takes; empty: all big. `router`, when given, decides
  // each token's route instead (a trained router).
  static Result<std::unique_ptr<ModelStepSource>> open(model::Model& model, const std::vector<int32_t>& promptIds,
                                                        const model::SamplingParams& step, uint64_t seed, int64_t slots, int64_t capacity,
                                                        const std::vector<uint8_t>& route = {}, const routing::Router* router = nullptr);
  ~ModelStepSource() override;

  Result<std::vector<std::vector<StepText>>> expand(const std::vector<int>& parents, const std::vector<std::vector<int>>& childIds,
                                                    const RunContext* ctx) override;
  Result<std::vector<StepText>> rollout(const std::vector<int>& nodes, int steps, const RunContext* ctx) override;
  void release(int node) override;

  int64_t prefilledTokens() const;
  int64_t decodedTokens() const;
  std::vector<std::array<int64_t, 3>> moduleCounts() const;  // the session's (flops::countedMatmulFlops)
  double attendedKeys() const;                                // the session's (flops::attentionFlops)

 private:
  ModelStepSource();
  struct Impl;
  std::unique_ptr<Impl> m;
};

// Attempts of sequential revisions sampled from a (revision) model: each chain's next attempt is
// sampled after mathdata::formatRevisionPrompt(problem, its history), all chains in one batch of a
// decode session (one slot per chain, restarted every round). Earlier attempts that would leave
// fewer than sampling.maxNewTokens of room under `capacity` are dropped, oldest first.
class ModelAttemptSource final : public AttemptSource {
 public:
  static Result<std::unique_ptr<ModelAttemptSource>> open(model::Model& model, std::string problem, mathdata::PromptFormat format,
                                                           mathdata::PromptParams prompt, const model::SamplingParams& sampling, uint64_t seed,
                                                           int64_t chains, int64_t capacity, const std::vector<uint8_t>& route = {},
                                                           const routing::Router* router = nullptr);
  ~ModelAttemptSource() override;
  Result<std::vector<StepText>> attempt(const std::vector<std::vector<std::string>>& histories, const std::vector<uint64_t>& streams,
                                        const RunContext* ctx) override;

  int64_t promptTokens() const;     // prompt tokens of every attempt (each computed afresh)
  int64_t generatedTokens() const;  // tokens sampled
  int64_t droppedAttempts() const;  // earlier attempts left out for room
  std::vector<std::array<int64_t, 3>> moduleCounts() const;
  double attendedKeys() const;

 private:
  ModelAttemptSource();
  struct Impl;
  std::unique_ptr<Impl> m;
};

// Slots a search needs: every node alive at once, plus the root and the rollouts' scratch slots.
int64_t searchSlots(const SearchParams& p);

class PrmScorer final : public StepScorer {
 public:
  PrmScorer(verify::ProcessRewardModel& prm, std::string problem) : m_prm(prm), m_problem(std::move(problem)) {}
  Result<std::vector<double>> score(const std::vector<std::vector<std::string>>& paths, const RunContext* ctx) override;
  int64_t scoredTokens() const { return m_tokens; }
  double scoredFlops() const { return m_flops; }  // matmuls and attention

 private:
  verify::ProcessRewardModel& m_prm;
  std::string m_problem;
  int64_t m_tokens = 0;
  double m_flops = 0;
};

}  // namespace lens::search
