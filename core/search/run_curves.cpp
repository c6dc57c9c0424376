// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/search/run_curves.h"

#include <functional>
#include <set>

#include "core/store/store.h"

namespace lens::search {

Result<RunCurves> computeRunCurves(store::Store& st, int64_t runId, Aggregation how, const std::vector<int>& budgets, int trials) {
  auto run = st.run(runId);
  if (!run) return run.error();
  std::vector<store::ProblemRecord> problems;
  if (run->datasetId) {
    auto ps = st.problems(*run->datasetId);
    if (!ps) return ps.error();
    problems = std::move(*ps);
  }
  auto idx = st.unitIndexes(runId);
  if (!idx) return idx.error();
  std::vector<ProblemSamples> data;
  for (int64_t i : *idx) {
    auto u = st.unit(runId, i);
    if (!u) return u.error();
    ProblemSamples p;
    if (u->problemIndex && *u->problemIndex < static_cast<int64_t>(problems.size()))
      p.level = problems[static_cast<size_t>(*u->problemIndex)].level;
    bool graded = false;
    for (const auto& s : u->samples) {
      p.samples.push_back({s.answer, s.score.value_or(0.0), s.correct.value_or(false)});
      p.flopsPerSample += s.flops;
      graded = graded || s.correct.has_value();
    }
    if (!graded || p.samples.empty()) continue;
    p.flopsPerSample /= static_cast<double>(p.samples.size());
    data.push_back(std::move(p));
  }
  if (data.empty())
    return makeError(ErrorCode::InvalidInput, "run " + std::to_string(runId) + " has no graded samples (its problems need reference answers)");
  RunCurves out;
  out.runId = runId;
  out.aggregation = how;
  out.problems = static_cast<int>(data.size());
  const auto bins = oracleDifficultyBins(data);
  auto curve = [&](const std::string& name, const std::function<bool(size_t)>& keep) {
    std::vector<ProblemSamples> sub;
    for (size_t i = 0; i < data.size(); ++i)
      if (keep(i)) sub.push_back(data[i]);
    out.series.push_back({name, accuracyCurve(sub, how, budgets, trials, run->seed)});
  };
  curve("all", [](size_t) { return true; });
  for (int b = 1; b <= 5; ++b) curve("bin " + std::to_string(b), [&](size_t i) { return bins[i] == b; });
  std::set<int> levels;
  for (const auto& d : data)
    if (d.level) levels.insert(*d.level);
  for (int l : levels) curve("level " + std::to_string(l), [&](size_t i) { return data[i].level == l; });
  return out;
}

}  // namespace lens::search
