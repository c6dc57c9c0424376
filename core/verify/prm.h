// SPDX-License-Identifier: GPL-3.0-or-later
// Process reward models (Snell et al. 2024, §5; Lightman et al. 2023): a score in [0, 1] per
// solution step, the probability that the solution is still on a correct path. Two families load:
//  - step-tag PRMs (Math-Shepherd, Wang et al. 2024): a causal LM; after each step a tag token
//    ("ки") is appended and the score is softmax over the logits of a good and a bad token ("+",
//    "-") at the tag;
//  - reward-head PRMs (Qwen2.5-Math-PRM: Qwen2ForProcessRewardModel): a Qwen2 trunk and a head
//    Linear(H, H) → ReLU → Linear(H, 2); steps end with a separator token ("<extra_0>") and the
//    score is softmax(head(h))[1] at each separator;
//  - likelihood PRMs (ComputeLens's own, core/verify/likelihood_head.h): a causal LM left as
//    trained reads the problem's prompt and the steps joined by "\n\n" as its generator would, and
//    a logistic head fitted to Monte Carlo labels scores each prefix from its token
//    log-probabilities; config.json: {"prm": {"kind": "likelihood", "head": {...}}}.
// Torch-free interface; the head runs in prm.cpp.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/model/device.h"
#include "core/verify/likelihood_head.h"

namespace lens::model {
class Model;
}

namespace lens::verify {

enum class PrmKind { StepTag, RewardHead, Likelihood };

struct PrmParams {
  // Step-tag PRMs.
  std::string stepTag = "ки";
  std::string goodToken = "+", badToken = "-";
  // Reward-head PRMs.
  std::string separator = "<extra_0>";
  std::string system = "Please reason step by step, and put your final answer within \\boxed{}.";
  // A plain causal LM (no "prm" section in its config.json) loads as a likelihood PRM with this head
  // (what prm-train's likelihood head starts from and how it scores the labelled steps).
  std::optional<LikelihoodHead> likelihoodHead;
  model::DeviceParams device;
};

// The input of a step-tag PRM (Math-Shepherd's format): "{problem} {step 1} TAG\n{step 2} TAG…".
// Trailing whitespace of each step (its delimiter) is dropped, so steps split off a text and steps
// kept with their "\n\n" give the same input. The tag is removed from the problem and the steps
// (a sampled step may contain it), so the input has exactly one tag per step.
std::string stepTagInput(const std::string& problem, const std::vector<std::string>& steps, const std::string& tag);

// A step-tag PRM may name its tokens in config.json: {"prm": {"step_tag": …, "good_token": …,
// "bad_token": …}} (ComputeLens's own PRMs do); they replace PrmParams' defaults, not values a caller
// changed.

// How step scores become one score per solution (Snell et al. use the last step's).
enum class StepAggregation { Last, Min, Product };
Result<StepAggregation> parseStepAggregation(const std::string& name);  // last | min | product
double aggregateSteps(const std::vector<double>& stepScores, StepAggregation how);

class ProcessRewardModel {
 public:
  // The kind follows config.json: Qwen2ForProcessRewardModel → RewardHead, a causal LM whose "prm"
  // section says "kind": "likelihood" (or none, with PrmParams::likelihoodHead) → Likelihood, any
  // other causal LM → StepTag.
  // Errors name the missing tag, token or tensor.
  static Result<std::unique_ptr<ProcessRewardModel>> load(const std::string& dir, const PrmParams& params = {});
  ~ProcessRewardModel();

  PrmKind kind() const;
  int64_t parameterCount() const;
  // The causal LM it runs (a reward-head PRM: its trunk).
  model::Model& languageModel();
  // One score per step of each solution.
  Result<std::vector<double>> scoreSteps(const std::string& problem, const std::vector<std::string>& steps);
  // scoreSteps for several solutions of one problem, run as right-padded batches of up to
  // `maxBatchTokens` padded tokens (one forward pass each); only the marker positions are projected
  // (two LM-head rows for a step-tag PRM), so a large vocabulary costs nothing extra.
  Result<std::vector<std::vector<double>>> scoreStepsBatch(const std::string& problem, const std::vector<std::vector<std::string>>& solutions,
                                                           int64_t maxBatchTokens = 16384);
  // Likelihood PRMs: the features of every step of each solution (likelihoodStepFeatures), batched as
  // scoreStepsBatch is; other kinds: an error.
  Result<std::vector<std::vector<LikelihoodFeatures>>> stepFeaturesBatch(const std::string& problem, const std::vector<std::vector<std::string>>& solutions,
                                                                         int64_t maxBatchTokens = 16384);
  // Scores at the marker positions (tag or separator tokens) of an already tokenised input; a
  // likelihood PRM has no markers (an error).
  Result<std::vector<double>> scoreTokenIds(const std::vector<int32_t>& ids);
  // The text scoreSteps tokenises (for inspection and tests).
  std::string formatInput(const std::string& problem, const std::vector<std::string>& steps) const;
  // Tokens run through the PRM so far.
  int64_t tokensScored() const;
  // Their FLOPs: 2 × parameters per token plus the attention over each input's earlier tokens.
  double flopsScored() const;

 private:
  ProcessRewardModel();
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace lens::verify
