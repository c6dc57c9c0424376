// SPDX-License-Identifier: GPL-3.0-or-later
// Does a PRM check a step's arithmetic? The slip probe: for each step of a problem's reference
// solution that has a result (mathdata::withSlippedResult), the PRM scores the solution cut after
// that step twice, as written and with the step's result moved by 1 to 10, and the probe counts how
// often the right step scores above its slip (ties count one half). A verifier that only knows how
// hard a problem is scores both alike (0.5); one that checks each step scores the right one higher
// (1.0). The pairs differ in one number, so nothing but the arithmetic tells them apart.
// Torch-free.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/common/result.h"
#include "core/mathdata/problems.h"
#include "core/stats/bootstrap.h"
#include "core/verify/prm.h"

namespace lens::model {
class Model;
}

namespace lens::verify {

struct SlipShare {
  int64_t pairs = 0;
  double rightAbove = 0;  // the mean over problems of the share of pairs whose right step scored higher (ties: half)
  stats::Interval interval;  // 95 % bootstrap over problems
};

struct SlipReport {
  int64_t problems = 0;
  SlipShare all;
  SlipShare firstStep;            // the first step with a result of each solution
  std::map<int, SlipShare> byLevel;  // problems with a level
  double meanScoreRight = 0, meanScoreSlipped = 0;
  nlohmann::json toJson() const;
};

// Problems need a reference solution (ProblemSet's `solution`, steps split by "\n\n"); those without
// a step with a result are left out. Each slip's size and sign are drawn from `seed`.
Result<SlipReport> probeSlips(ProcessRewardModel& prm, const std::vector<mathdata::Problem>& problems, uint64_t seed = 1);

// The same pairs scored by a causal LM's log-likelihood of the whole solution prefix after the
// problem's prompt (its own format): does the model a PRM is fine-tuned from tell the slip apart?
// The pairs and slips are those probeSlips draws with the same seed. The report's mean scores are
// then mean log-likelihoods (nats).
Result<SlipReport> probeSlipsByLikelihood(model::Model& lm, const std::vector<mathdata::Problem>& problems, uint64_t seed = 1);

}  // namespace lens::verify
