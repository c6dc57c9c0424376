// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/search/run_curves.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "core/common/atomic_file.h"
#include "core/model/config.h"
#include "core/store/store.h"

namespace lens::search {

namespace {

struct Graded {
  std::vector<ProblemSamples> first;   // the graded problems
  std::vector<std::string> second;     // their unit keys
  std::vector<double> verifierPerSample;  // verifier FLOPs per sample of each (0 when not scored)
  std::vector<std::vector<double>> meanLogprob;  // each sample's mean log-probability per token, in order
  bool scored = false;                    // some sample carries a verifier score
};

// The graded problems of a sampling run, with their unit keys.
Result<Graded> gradedSamples(store::Store& st, const store::RunRecord& run) {
  std::vector<store::ProblemRecord> problems;
  if (run.datasetId) {
    auto ps = st.problems(*run.datasetId);
    if (!ps) return ps.error();
    problems = std::move(*ps);
  }
  auto idx = st.unitIndexes(run.id);
  if (!idx) return idx.error();
  std::vector<ProblemSamples> data;
  std::vector<std::string> keys;
  std::vector<double> verifier;
  std::vector<std::vector<double>> likelihood;
  bool scored = false;
  for (int64_t i : *idx) {
    auto u = st.unit(run.id, i);
    if (!u) return u.error();
    ProblemSamples p;
    if (u->problemIndex && *u->problemIndex < static_cast<int64_t>(problems.size()))
      p.level = problems[static_cast<size_t>(*u->problemIndex)].level;
    bool graded = false;
    std::vector<double> lp;
    for (const auto& s : u->samples) {
      p.samples.push_back({s.answer, s.score.value_or(0.0), s.correct.value_or(false)});
      lp.push_back(s.tokenIds.empty() ? 0.0 : s.logprob / static_cast<double>(s.tokenIds.size()));
      p.flopsPerSample += s.flops;
      graded = graded || s.correct.has_value();
      scored = scored || s.score.has_value();
    }
    if (!graded || p.samples.empty()) continue;
    p.flopsPerSample /= static_cast<double>(p.samples.size());
    double vf = 0;
    for (const auto& m : u->metrics)
      if (m.name == "verifier-flops") vf = m.value / static_cast<double>(p.samples.size());
    data.push_back(std::move(p));
    keys.push_back(u->key);
    verifier.push_back(vf);
    likelihood.push_back(std::move(lp));
  }
  if (data.empty())
    return makeError(ErrorCode::InvalidInput, "run " + std::to_string(run.id) + " has no graded samples (its problems need reference answers)");
  return Graded{std::move(data), std::move(keys), std::move(verifier), std::move(likelihood), scored};
}

// Best-of-N by `how` on one problem at budget n (nullopt when its pool is smaller): the mean over
// `trials` random subsets drawn from `seed`. Callers pass the run's seed + the problem's row, so
// every rule and every analysis of a run draws the same subsets of a problem (paired comparisons).
std::optional<CurvePoint> problemPoint(const ProblemSamples& p, Aggregation how, int n, int trials, uint64_t seed) {
  if (static_cast<int>(p.samples.size()) < n) return std::nullopt;
  auto c = accuracyCurve({p}, how, {n}, trials, seed);
  if (c.empty()) return std::nullopt;
  return c.front();
}

}  // namespace

Result<RunCurves> computeRunCurves(store::Store& st, int64_t runId, Aggregation how, const std::vector<int>& budgets, int trials) {
  auto run = st.run(runId);
  if (!run) return run.error();
  auto graded = gradedSamples(st, *run);
  if (!graded) return graded.error();
  const auto& data = graded->first;
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

Result<VerifierQuality> verifierQualityFromRun(store::Store& st, int64_t runId, const std::vector<int>& budgets, int trials) {
  auto run = st.run(runId);
  if (!run) return run.error();
  auto graded = gradedSamples(st, *run);
  if (!graded) return graded.error();
  if (!graded->scored)
    return makeError(ErrorCode::InvalidInput, "run " + std::to_string(runId) + "'s samples carry no verifier scores (give the run a \"verifier\")");
  const auto& data = graded->first;
  stats::BootstrapParams bp;
  bp.seed = run->seed;
  VerifierQuality q;
  q.runId = runId;
  q.problems = static_cast<int>(data.size());
  std::vector<std::vector<stats::ScoredSample>> scored(data.size()), byLikelihood(data.size());
  std::map<int, std::vector<std::vector<stats::ScoredSample>>> levels;
  for (size_t i = 0; i < data.size(); ++i) {
    for (size_t k = 0; k < data[i].samples.size(); ++k) {
      scored[i].push_back({data[i].samples[k].score, data[i].samples[k].correct});
      byLikelihood[i].push_back({graded->meanLogprob[i][k], data[i].samples[k].correct});
    }
    if (data[i].level) levels[*data[i].level].push_back(scored[i]);
  }
  // Both rankings have the same right and wrong samples, so the same problems, in order.
  const auto within = stats::aurocWithinGroups(scored), likelihoodWithin = stats::aurocWithinGroups(byLikelihood);
  auto mean = [](const std::vector<double>& v) {
    return v.empty() ? std::numeric_limits<double>::quiet_NaN() : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  };
  q.pooled = stats::aurocOverProblems(scored, bp);
  q.mixedProblems = static_cast<int>(within.size());
  q.withinProblem = mean(within);
  q.withinProblemInterval = stats::bootstrapMean(within, bp);
  q.likelihoodWithinProblem = mean(likelihoodWithin);
  q.likelihoodWithinProblemInterval = stats::bootstrapMean(likelihoodWithin, bp);
  std::vector<double> diff(within.size());
  for (size_t i = 0; i < within.size(); ++i) diff[i] = within[i] - likelihoodWithin[i];
  q.withinProblemOverLikelihood = stats::bootstrapMean(diff, bp);
  for (const auto& [level, probs] : levels) q.byLevel.emplace_back(level, stats::aurocOverProblems(probs, bp));
  for (int n : budgets) {
    VerifierQuality::Selection s;
    s.n = n;
    std::vector<double> majority, weighted;
    for (size_t i = 0; i < data.size(); ++i) {
      auto m = problemPoint(data[i], Aggregation::Majority, n, trials, run->seed + i);
      auto w = problemPoint(data[i], Aggregation::WeightedBestOfN, n, trials, run->seed + i);
      if (!m || !w) continue;
      majority.push_back(m->accuracy);
      weighted.push_back(w->accuracy);
    }
    if (majority.empty()) continue;
    s.problems = static_cast<int>(majority.size());
    s.majority = std::accumulate(majority.begin(), majority.end(), 0.0) / s.problems;
    s.weighted = std::accumulate(weighted.begin(), weighted.end(), 0.0) / s.problems;
    s.difference = stats::bootstrapPairedDifference(weighted, majority, bp);
    q.selection.push_back(s);
  }
  return q;
}

}  // namespace lens::search

namespace lens::search {

Result<ComputeOptimalReport> computeOptimalFromRuns(store::Store& st, int64_t baselineRun, const std::vector<int64_t>& searchRuns,
                                                    const ComputeOptimalOptions& opt) {
  const Aggregation how = opt.how;
  const auto& budgets = opt.budgets;
  const int trials = opt.trials;
  const bool predictedBins = opt.predictedBins;
  auto base = st.run(baselineRun);
  if (!base) return base.error();
  auto graded = gradedSamples(st, *base);
  if (!graded) return graded.error();
  const auto& data = graded->first;
  const auto& keys = graded->second;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < keys.size(); ++i) index[keys[i]] = i;
  const auto bins = predictedBins ? predictedDifficultyBins(data) : oracleDifficultyBins(data);
  const std::string baseName = std::string("best-of-N ") + aggregationName(how);
  std::vector<Arm> arms;
  for (int n : budgets) {
    Arm a{baseName, n, std::vector<double>(data.size(), -1.0), std::vector<double>(data.size(), 0.0)};
    bool any = false;
    for (size_t i = 0; i < data.size(); ++i) {
      auto c = problemPoint(data[i], how, n, trials, base->seed + i);
      if (!c) continue;
      any = true;
      a.accuracy[i] = c->accuracy;
      a.flops[i] = c->flopsPerProblem + (opt.withVerifier ? n * graded->verifierPerSample[i] : 0.0);
    }
    if (any) arms.push_back(std::move(a));  // none: every pool is smaller than n
  }
  if (arms.empty() && !budgets.empty() && searchRuns.empty())
    return makeError(ErrorCode::InvalidInput, "compute-optimal: run " + std::to_string(baselineRun) + " has fewer samples per problem than every budget asked for (smallest: " +
                                                  std::to_string(*std::min_element(budgets.begin(), budgets.end())) + ")");
  for (int64_t id : searchRuns) {
    auto run = st.run(id);
    if (!run) return run.error();
    if (run->kind != "search") return makeError(ErrorCode::InvalidInput, "run " + std::to_string(id) + " is a " + run->kind + " run, not a search run");
    std::string name = run->spec.value("strategy", std::string("beam")) + " M=" + std::to_string(run->spec.value("width", 4));
    if (name.rfind("lookahead", 0) == 0) name += " k=" + std::to_string(std::max(1, run->spec.value("lookahead", 1)));
    if (name.rfind("revise", 0) == 0)
      name = "revise L=" + std::to_string(run->spec.value("chain_length", 4)) + " " + run->spec.value("select", std::string("weighted"));
    if (const auto gate = run->spec.find("keep_above"); gate != run->spec.end() && gate->is_number()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, " gate %g", gate->get<double>());
      name += buf;
    }
    if (const std::string route = run->spec.value("route", std::string("all-big")); route != "all-big") name += " " + route;
    if (run->spec.contains("router")) name += " router";
    Arm a{name, run->spec.value("n", 16), std::vector<double>(data.size(), -1.0), std::vector<double>(data.size(), 0.0)};
    auto idx = st.unitIndexes(id);
    if (!idx) return idx.error();
    std::map<int64_t, size_t> unitToProblem;  // unit index -> baseline row
    for (int64_t u : *idx) {
      auto unit = st.unit(id, u);
      if (!unit) return unit.error();
      if (auto it = index.find(unit->key); it != index.end()) {
        unitToProblem[u] = it->second;
        for (const auto& m : unit->metrics) {
          if (m.name == "correct") a.accuracy[it->second] = m.value;
          if (m.name == "generator-flops" || (opt.withVerifier && m.name == "verifier-flops")) a.flops[it->second] += m.value;
        }
      }
    }
    if (unitToProblem.empty())
      return makeError(ErrorCode::InvalidInput, "run " + std::to_string(id) + " shares no problem with the baseline run " + std::to_string(baselineRun));
    arms.push_back(std::move(a));
  }
  auto rep = computeOptimal(arms, bins, baseName);
  if (rep) {
    rep->problemKeys = keys;
    double f = 0;
    for (const auto& p : data) f += p.flopsPerSample;
    rep->meanSampleFlops = data.empty() ? 0.0 : f / static_cast<double>(data.size());
  }
  return rep;
}

namespace {

// The policy model a run records (with its parameter count).
Result<store::ModelRecord> policyModel(store::Store& st, int64_t runId) {
  auto models = st.runModels(runId);
  if (!models) return models.error();
  for (auto& [role, m] : *models)
    if (role == "policy" && m.parameterCount > 0) return std::move(m);
  return makeError(ErrorCode::InvalidInput, "run " + std::to_string(runId) + " records no policy model with a parameter count");
}

// A Duo model's small FFNs do no work when every token takes the big ones: the parameters that
// cost 2 FLOPs per token (and 6 in training) are the plain model's.
int64_t allBigParameters(const store::ModelRecord& m) {
  const auto& c = m.config;
  model::ModelConfig small;
  small.hiddenSize = c.value("hidden_size", int64_t{0});
  small.duoSmallIntermediateSize = c.value("duo_small_intermediate_size", int64_t{0});
  small.duoSmallRank = c.value("duo_small_rank", int64_t{0});
  if (small.duoSmallIntermediateSize > 0) return m.parameterCount - c.value("layers", int64_t{0}) * small.smallFfnMacs();
  return m.parameterCount;
}

// The pretraining examples (steps done × batch) of a model, from the manifest.json ComputeLens
// writes beside the weights it trains; 0 when the folder has none (a checkpoint trained elsewhere,
// or moved since the run).
int64_t pretrainingExamples(const store::ModelRecord& m) {
  auto text = readFile(m.path + "/manifest.json");
  if (!text) return 0;
  const auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("steps_done") || !j.contains("batch") || !j["steps_done"].is_number_integer() ||
      !j["batch"].is_number_integer())
    return 0;
  return j["steps_done"].get<int64_t>() * j["batch"].get<int64_t>();
}

}  // namespace

Result<ExchangeReport> exchangeFromRuns(store::Store& st, int64_t baselineRun, const ComputeOptimalReport& smallOptimal, int64_t largeRun,
                                        const std::vector<double>& ratios) {
  const auto& keys = smallOptimal.problemKeys;
  const auto& bins = smallOptimal.bins;
  if (keys.size() != bins.size())
    return makeError(ErrorCode::InvalidInput, "exchange: the compute-optimal report does not come from stored runs (no problem keys)");
  ExchangeInput in;
  in.smallFrontier = smallOptimal.frontier;
  auto small = policyModel(st, baselineRun);
  if (!small) return small.error();
  auto large = policyModel(st, largeRun);
  if (!large) return large.error();
  in.smallParameters = allBigParameters(*small);
  in.largeParameters = allBigParameters(*large);
  in.smallSampleFlops = smallOptimal.meanSampleFlops;
  in.smallExamples = pretrainingExamples(*small);
  in.largeExamples = pretrainingExamples(*large);

  auto lrun = st.run(largeRun);
  if (!lrun) return lrun.error();
  auto ldata = gradedSamples(st, *lrun);
  if (!ldata) return ldata.error();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < keys.size(); ++i) index[keys[i]] = i;
  double acc = 0, fl = 0, n = 0;
  std::vector<double> sum(5, 0.0), cnt(5, 0.0);
  in.largePerProblem.assign(keys.size(), std::numeric_limits<double>::quiet_NaN());
  in.problemBins = bins;
  for (size_t i = 0; i < ldata->first.size(); ++i) {
    auto it = index.find(ldata->second[i]);
    if (it == index.end() || bins[it->second] == 0) continue;
    const auto& p = ldata->first[i];
    double right = 0;
    for (const auto& c : p.samples) right += c.correct ? 1.0 : 0.0;
    const double pass1 = right / static_cast<double>(p.samples.size());
    in.largePerProblem[it->second] = pass1;
    acc += pass1;
    fl += p.flopsPerSample;
    n += 1;
    sum[static_cast<size_t>(bins[it->second] - 1)] += pass1;
    cnt[static_cast<size_t>(bins[it->second] - 1)] += 1;
  }
  if (n == 0) return makeError(ErrorCode::InvalidInput, "run " + std::to_string(largeRun) + " shares no graded problem with the baseline run " + std::to_string(baselineRun));
  in.largeAccuracy = acc / n;
  in.largeFlops = fl / n;
  for (size_t b = 0; b < 5; ++b) in.largeByBin.push_back(cnt[b] ? sum[b] / cnt[b] : std::numeric_limits<double>::quiet_NaN());
  return exchangeAnalysis(in, ratios);
}

Result<ComparisonRuns> comparisonRuns(store::Store& st, const std::vector<int64_t>& runs) {
  ComparisonRuns out;
  std::vector<std::pair<int64_t, int64_t>> sampling;  // parameters, run
  for (int64_t id : runs) {
    auto run = st.run(id);
    if (!run) return run.error();
    if (run->kind == "search") out.searches.push_back(id);
    if (run->kind != "generate") continue;
    auto policy = policyModel(st, id);
    sampling.emplace_back(policy ? allBigParameters(*policy) : 0, id);
  }
  if (sampling.empty()) return out;
  std::stable_sort(sampling.begin(), sampling.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out.baseline = sampling.front().second;
  if (sampling.back().first > sampling.front().first) out.larger = sampling.back().second;
  return out;
}

}  // namespace lens::search
