// SPDX-License-Identifier: GPL-3.0-or-later
// builtin:arith — an unlimited, seeded generator of MATH-like problems in five levels, with
// step-by-step solutions in MATH's format (steps separated by "\n\n", the answer in \boxed{}).
// Level 1: one addition or subtraction; 2: two operations with precedence; 3: brackets and three
// operations; 4: fraction sums or a linear equation; 5: equations with brackets or unknowns on
// both sides, and three-term fraction arithmetic. Small models trained on it solve some problems
// at every level but not all, which is what test-time compute needs to show an effect.
#pragma once

#include <cstdint>
#include <string>

#include "core/common/result.h"
#include "core/mathdata/problems.h"

namespace lens::mathdata {

struct ArithProblem {
  std::string problem, solution, answer;
  int level = 1;
};

enum class ArithSplit { Train, Validation, Test };
Result<ArithSplit> parseArithSplit(const std::string& name);  // train | validation | test

// The same (level, seed) always gives the same problem.
ArithProblem generateArith(int level, uint64_t seed);

constexpr int64_t kArithEvalSplitSize = 500;  // validation and test: 100 per level
// Validation and test are fixed (500 each, 100 per level, levels interleaved). Train draws from
// other seeds and skips any problem whose text is in validation or test; `count` 0 means 500 for
// the evaluation splits and is required for train.
Result<ProblemSet> arithProblemSet(ArithSplit split, int64_t count = 0);

}  // namespace lens::mathdata
