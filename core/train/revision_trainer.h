// SPDX-License-Identifier: GPL-3.0-or-later
// Training a revision model (Snell et al. 2024 §6.1): a causal LM fine-tuned on examples built by
// revision_data.h, each the problem, up to four earlier incorrect attempts in the revision prompt
// (mathdata::formatRevisionPrompt) and a correct answer; the loss is on the correct answer's tokens
// (and its EOS) only. Earlier attempts that do not fit in maxTokens are dropped, oldest first; the
// saved model's max_position_embeddings is raised to maxTokens when that is larger (RoPE models
// have no position table; the fine-tuning teaches the longer positions). A Duo base is trained with
// routes sampled per token and layer, as in pretraining, so its routes keep working. AdamW, all
// weights. Torch-free interface.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/model/device.h"
#include "core/train/revision_data.h"
#include "core/train/trainer.h"

namespace lens::train {

// maxTokens bounds prompt + target.
struct RevisionTrainParams : FineTuneParams {
  RevisionTrainParams() {
    steps = 400;
    maxTokens = 1024;
  }
  RouteMix routes;  // Duo bases only
};

struct RevisionTrainReport {
  int64_t trainExamples = 0, validationExamples = 0;
  int64_t skippedExamples = 0;    // too long even with no earlier attempt
  int64_t droppedAttempts = 0;    // earlier attempts cut to fit maxTokens
  double meanPrevious = 0;        // earlier attempts per example, after cutting
  int maxPreviousSeen = 0;        // the most earlier attempts an example kept (config.json's revision.max_previous)
  // Nats per target token on the held-out examples, all routes big.
  double validationLossBefore = 0, validationLossAfter = 0;
  // The same, on the held-out examples that have at least one earlier attempt (the revisions).
  double revisionLossBefore = 0, revisionLossAfter = 0;
  nlohmann::json toJson() const;
};

struct RevisionTrainStep {
  int64_t step = 0;
  double loss = 0;  // nats per target token, this step's batch
};

Result<RevisionTrainReport> trainRevisionModel(const std::vector<RevisionExample>& examples, const RevisionTrainParams& params,
                                               const RunContext* ctx = nullptr,
                                               const std::function<void(const RevisionTrainStep&)>& onStep = {});

}  // namespace lens::train
