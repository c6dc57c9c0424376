// SPDX-License-Identifier: GPL-3.0-or-later
// The head of a likelihood PRM: a process reward model whose step score is read off a causal LM's
// own token probabilities instead of a fine-tuned tag. The LM reads the problem's prompt and the
// solution as its generator would; each solution token gets its log-probability, and the prefix
// that ends after step k is described by four numbers:
//   min       the lowest token log-probability so far (a slip in any step drags it down)
//   mean      the mean token log-probability so far (nats per token)
//   step_min  the lowest token log-probability within step k
//   low       how many tokens so far had a probability under 0.1
// and scored σ(bias + w · features), a logistic regression fitted to Monte Carlo step labels
// (prm-train with "head": "likelihood"). The slip probe (core/verify/slips.h) found that fine-tuned
// tag scores do not read the arithmetic their bases know, while the bases' likelihoods tell a right
// step from its slip in 98-100 % of pairs; this head keeps the base as trained and learns only how
// much each of those signals says about reaching the right answer. Torch-free.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace lens::verify {

inline constexpr size_t kLikelihoodFeatureCount = 4;
inline constexpr std::array<const char*, kLikelihoodFeatureCount> kLikelihoodFeatures = {"min", "mean", "step_min", "low"};
// Log-probabilities are clamped here (a token the LM gives probability 0 would make every feature infinite).
inline constexpr double kLikelihoodFloor = -30.0;

struct LikelihoodHead {
  std::array<double, kLikelihoodFeatureCount> weights{};
  double bias = 0;

  double logit(const std::array<double, kLikelihoodFeatureCount>& features) const;  // bias + w · f
  double score(const std::array<double, kLikelihoodFeatureCount>& features) const;  // σ(logit)
  // {"features": [names], "weights": [...], "bias": b}
  nlohmann::json toJson() const;
  // Errors name `where` and the field: the features must be exactly kLikelihoodFeatures, in order.
  static Result<LikelihoodHead> fromJson(const nlohmann::json& j, const std::string& where);
};

using LikelihoodFeatures = std::array<double, kLikelihoodFeatureCount>;

// One feature vector per step. `tokenLogProbs`: the solution's tokens' log-probabilities in order;
// `stepEnds[k]`: how many of them lie in steps 0..k (non-decreasing, the last at most their count).
// A step without a token of its own has the features of the prefix before it (step_min: that
// prefix's last token). No tokens at all: every feature 0.
std::vector<LikelihoodFeatures> likelihoodStepFeatures(const std::vector<double>& tokenLogProbs, const std::vector<size_t>& stepEnds);

struct LikelihoodFit {
  LikelihoodHead head;
  std::vector<double> losses;  // mean soft cross-entropy (nats) before the first iteration and after each
};

// Logistic regression on soft labels y ∈ [0, 1] by Newton's method (features standardised inside,
// the head returned on the raw features), with an L2 penalty `ridge` on the standardised weights
// (not the bias) per example. Stops after `iterations` or when the loss changes by less than 1e-10;
// 0 iterations return where the fit starts: the constant head at the labels' mean.
// `onIteration(k, loss)` after each. Errors: no examples, sizes that differ, labels outside [0, 1].
Result<LikelihoodFit> fitLikelihoodHead(const std::vector<LikelihoodFeatures>& x, const std::vector<double>& y, int iterations = 50,
                                        double ridge = 1e-4, const std::function<void(int, double)>& onIteration = {});

}  // namespace lens::verify
