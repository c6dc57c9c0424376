// SPDX-License-Identifier: GPL-3.0-or-later
// Training a process reward model (Snell et al. 2024 §5, after Math-Shepherd): a causal LM
// fine-tuned so that at a tag token after each step, P(good) = σ(logit[good] − logit[bad]) predicts
// the step's Monte Carlo label (the fraction of rollouts from that prefix that reach the right
// answer; "prm-label" runs produce them). Soft binary cross-entropy at every tag, AdamW, all weights
// trained. The result is a step-tag PRM that verify::ProcessRewardModel loads as is: its config.json
// names the tag and tokens.
// With the likelihood head (PrmTrainParams::head) the base is not trained at all: each labelled
// step's features are read off the base's token log-probabilities (core/verify/likelihood_head.h)
// and a logistic regression on them is fitted to the labels by Newton's method; the PRM is the
// base's files with that head in config.json. Torch-free interface.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/model/device.h"
#include "core/train/trainer.h"

namespace lens::train {

struct PrmExample {
  std::string problem;
  std::vector<std::string> steps;
  std::vector<double> labels;  // one per step, in [0, 1]
};

// The base's tokenizer must hold the tag and tokens; inputs longer than maxTokens are cut (their
// later steps dropped).
struct PrmTrainParams : FineTuneParams {
  std::string stepTag = "\x1e", goodToken = "+", badToken = "-";  // single tokens of the base's tokenizer
  // Weight of an auxiliary next-token loss on the examples' solution text (tags excluded): it keeps
  // the base's own predictions of each step, which a verifier can compare a step with, from being
  // trained away. 0: labels only.
  double lmWeight = 0;
  // Slipped copies: for this fraction of the right training solutions (0 to 1), one more example,
  // cut after a random step whose result (mathdata::withSlippedResult) is changed by 1 to 10, with
  // that step labelled 0 and the earlier steps keeping their labels. The copy differs from a right
  // solution of the same problem in one number only, so it can be told apart by checking the
  // arithmetic and not by how hard the problem is. Validation examples are never copied. 0: none.
  double slipped = 0;
  // "tag" (the above) or "likelihood": the base kept as it is and a logistic head over its token
  // log-probabilities fitted to the labels; `steps` is then the most Newton iterations, and the
  // learning-rate, batch, lmWeight and slipped settings do not apply (slipped and lmWeight must be 0).
  std::string head = "tag";
};

struct PrmTrainStep {
  int64_t step = 0;
  double loss = 0;  // soft cross-entropy per tag (nats), this step's batch (the likelihood head: all training steps)
};

struct PrmTrainReport {
  int64_t trainExamples = 0, validationExamples = 0, trainTags = 0, validationTags = 0;
  double validationLossBefore = 0, validationLossAfter = 0;
  // Steps whose label is decidedly right (> 0.5) or wrong (< 0.5), scored on the right side of 0.5.
  double validationAccuracyBefore = 0, validationAccuracyAfter = 0;
  double labelEntropy = 0;  // validation: the loss a perfect predictor of the labels would reach
  // Validation: AUROC of the last step's score against its label (the solution's correctness).
  double validationFinalAurocBefore = 0, validationFinalAurocAfter = 0;
  // The same among the solutions of one problem (what selection among them needs), averaged over
  // the validation problems with right and wrong solutions; NaN where there are none.
  double validationWithinAurocBefore = 0, validationWithinAurocAfter = 0;
  int64_t validationMixedProblems = 0;
  int64_t slippedExamples = 0;  // slipped copies added to the training examples
  nlohmann::json toJson() const;
};

Result<PrmTrainReport> trainPrm(const std::vector<PrmExample>& examples, const PrmTrainParams& params, const RunContext* ctx = nullptr,
                                const std::function<void(const PrmTrainStep&)>& onStep = {});

}  // namespace lens::train
