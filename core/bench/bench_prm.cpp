// SPDX-License-Identifier: GPL-3.0-or-later
#include <algorithm>
#include <cmath>

#include "core/bench/bench.h"
#include "core/mathdata/arith.h"
#include "core/mathdata/problems.h"
#include "core/verify/prm.h"

namespace lens::bench {

Result<nlohmann::json> benchPrm(const PrmBenchParams& p, const RunContext* ctx) {
  verify::PrmParams pp;
  pp.device = p.device;
  auto prm = verify::ProcessRewardModel::load(p.model, pp);
  if (!prm) return prm.error();
  // Real problems and reference solutions of the built-in task, cut into their steps (lines), each
  // solution repeated with its steps in a different order so the N solutions differ.
  mathdata::ProblemSource src;
  src.path = "builtin:arith";
  src.split = "test";
  src.filter.limit = 1;
  auto set = mathdata::loadProblems(src);
  if (!set) return set.error();
  const auto& problem = set->problems.front();
  std::vector<std::string> steps;
  size_t start = 0;
  while (start < problem.solution.size()) {
    size_t end = problem.solution.find('\n', start);
    if (end == std::string::npos) end = problem.solution.size();
    if (end > start) steps.push_back(problem.solution.substr(start, end - start));
    start = end + 1;
  }
  while (static_cast<int>(steps.size()) < p.steps) steps.push_back(steps[steps.size() % std::max<size_t>(1, steps.size())]);
  steps.resize(static_cast<size_t>(p.steps));
  std::vector<std::vector<std::string>> solutions(static_cast<size_t>(p.samples), steps);
  for (size_t i = 0; i < solutions.size(); ++i) std::rotate(solutions[i].begin(), solutions[i].begin() + static_cast<long>(i % steps.size()), solutions[i].end());

  if (ctx) ctx->report(0, 2, "batched");
  std::vector<std::vector<double>> batched;
  Status failure = Status::success();
  const double tBatched = medianSeconds(p.repeats, [&] {
    auto r = (*prm)->scoreStepsBatch(problem.problem, solutions, p.maxBatchTokens);
    if (!r) failure = r.error();
    else batched = std::move(*r);
  });
  if (!failure) return failure.error();
  if (ctx) ctx->report(1, 2, "one at a time");
  std::vector<std::vector<double>> single(solutions.size());
  const double tSingle = medianSeconds(p.repeats, [&] {
    for (size_t i = 0; i < solutions.size(); ++i) {
      auto r = (*prm)->scoreSteps(problem.problem, solutions[i]);
      if (!r) failure = r.error();
      else single[i] = std::move(*r);
    }
  });
  if (!failure) return failure.error();
  double maxDiff = 0;
  for (size_t i = 0; i < solutions.size(); ++i)
    for (size_t s = 0; s < single[i].size() && s < batched[i].size(); ++s) maxDiff = std::max(maxDiff, std::abs(single[i][s] - batched[i][s]));
  if (ctx) ctx->report(2, 2, "done");
  return nlohmann::json{{"benchmark", "prm"},
                        {"model", p.model},
                        {"parameters", (*prm)->parameterCount()},
                        {"solutions", p.samples},
                        {"steps_per_solution", p.steps},
                        {"seconds_batched", tBatched},
                        {"seconds_one_at_a_time", tSingle},
                        {"solutions_per_second_batched", p.samples / tBatched},
                        {"speedup_batched", tSingle / tBatched},
                        {"max_abs_difference_of_scores", maxDiff}};
}

}  // namespace lens::bench
