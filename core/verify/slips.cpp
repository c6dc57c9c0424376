// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/verify/slips.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/text/tokenizer.h"

using json = nlohmann::json;

namespace lens::verify {

namespace {

// The mean over problems of each problem's share of pairs with the right step above (ties half),
// and its bootstrap interval.
SlipShare share(const std::vector<double>& perProblem, int64_t pairs, uint64_t seed) {
  SlipShare s;
  s.pairs = pairs;
  for (double v : perProblem) s.rightAbove += v / static_cast<double>(perProblem.size());
  stats::BootstrapParams bp;
  bp.seed = seed;
  s.interval = stats::bootstrapMean(perProblem, bp);
  return s;
}

json shareJson(const SlipShare& s) {
  return {{"pairs", s.pairs}, {"right_above", s.rightAbove}, {"ci_low", s.interval.low}, {"ci_high", s.interval.high}};
}

// One score per prefix of a problem's solution (the right and slipped prefixes, in pairs).
using PrefixScorer = std::function<Result<std::vector<double>>(const std::string& problem, const std::vector<std::vector<std::string>>& prefixes)>;

Result<SlipReport> probeWith(const PrefixScorer& scoreOf, const std::vector<mathdata::Problem>& problems, uint64_t seed) {
  std::mt19937_64 rng(seed);
  SlipReport rep;
  struct Tally {
    std::vector<double> perProblem;
    int64_t pairs = 0;
    void add(double problemShare, int64_t n) {
      perProblem.push_back(problemShare);
      pairs += n;
    }
  };
  Tally all, first;
  std::map<int, Tally> levels;
  double sumRight = 0, sumSlipped = 0;
  for (const auto& q : problems) {
    const auto steps = mathdata::splitSteps(q.solution);
    std::vector<std::vector<std::string>> solutions;  // right and slipped prefixes, in pairs
    for (size_t k = 0; k < steps.size(); ++k) {
      int64_t delta = 1 + static_cast<int64_t>(rng() % 10);
      if (rng() & 1) delta = -delta;
      auto slipped = mathdata::withSlippedResult(steps[k], delta);
      if (!slipped) continue;
      std::vector<std::string> right(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(k + 1));
      std::vector<std::string> wrong = right;
      wrong.back() = *slipped;
      solutions.push_back(std::move(right));
      solutions.push_back(std::move(wrong));
    }
    if (solutions.empty()) continue;
    auto scored = scoreOf(q.problem, solutions);
    if (!scored) return makeError(scored.error().code, "problem " + q.key + ": " + scored.error().message);
    double above = 0, firstAbove = 0;
    const int64_t pairs = static_cast<int64_t>(solutions.size() / 2);
    for (int64_t p = 0; p < pairs; ++p) {
      const double r = (*scored)[static_cast<size_t>(2 * p)], w = (*scored)[static_cast<size_t>(2 * p + 1)];
      const double a = r > w ? 1.0 : r == w ? 0.5 : 0.0;
      above += a;
      if (p == 0) firstAbove = a;
      sumRight += r;
      sumSlipped += w;
    }
    const double problemShare = above / static_cast<double>(pairs);
    all.add(problemShare, pairs);
    first.add(firstAbove, 1);
    if (q.level) levels[*q.level].add(problemShare, pairs);
    rep.problems += 1;
  }
  if (!rep.problems) return makeError(ErrorCode::InvalidInput, "slip probe: no problem has a reference step with a result to move");
  rep.all = share(all.perProblem, all.pairs, seed);
  rep.firstStep = share(first.perProblem, first.pairs, seed);
  for (const auto& [level, t] : levels) rep.byLevel[level] = share(t.perProblem, t.pairs, seed);
  rep.meanScoreRight = sumRight / static_cast<double>(all.pairs);
  rep.meanScoreSlipped = sumSlipped / static_cast<double>(all.pairs);
  return rep;
}

}  // namespace

json SlipReport::toJson() const {
  json levels = json::object();
  for (const auto& [level, s] : byLevel) levels[std::to_string(level)] = shareJson(s);
  return {{"problems", problems},
          {"all", shareJson(all)},
          {"first_step", shareJson(firstStep)},
          {"by_level", levels},
          {"mean_score_right", meanScoreRight},
          {"mean_score_slipped", meanScoreSlipped}};
}

Result<SlipReport> probeSlips(ProcessRewardModel& prm, const std::vector<mathdata::Problem>& problems, uint64_t seed) {
  return probeWith(
      [&](const std::string& problem, const std::vector<std::vector<std::string>>& prefixes) -> Result<std::vector<double>> {
        auto scored = prm.scoreStepsBatch(problem, prefixes);
        if (!scored) return scored.error();
        std::vector<double> last;
        for (const auto& steps : *scored) last.push_back(steps.back());
        return last;
      },
      problems, seed);
}

Result<SlipReport> probeSlipsByLikelihood(model::Model& lm, const std::vector<mathdata::Problem>& problems, uint64_t seed) {
  const auto* tok = lm.tokenizer();
  if (!tok) return makeError(ErrorCode::InvalidInput, "slip probe: the model has no tokenizer.json");
  auto format = mathdata::resolvePromptFormat(mathdata::PromptFormat::Auto, tok);
  const bool special = mathdata::addSpecialTokens(format);
  return probeWith(
      [&](const std::string& problem, const std::vector<std::vector<std::string>>& prefixes) -> Result<std::vector<double>> {
        const std::string prompt = mathdata::formatPrompt(problem, format, {});
        const size_t start = tok->encode(prompt, special).size();
        std::vector<double> out;
        for (const auto& steps : prefixes) {
          std::string text = prompt;
          for (size_t k = 0; k < steps.size(); ++k) text += (k ? "\n\n" : "") + steps[k];
          const auto ids = tok->encode(text, special);
          auto logits = lm.logits(ids);
          if (!logits) return logits.error();
          const size_t V = logits->size() / ids.size();
          double sum = 0;
          for (size_t t = start - 1; t + 1 < ids.size(); ++t) {
            const float* row = logits->data() + t * V;
            double mx = row[0];
            for (size_t v = 1; v < V; ++v) mx = std::max<double>(mx, row[v]);
            double z = 0;
            for (size_t v = 0; v < V; ++v) z += std::exp(row[v] - mx);
            sum += row[ids[t + 1]] - mx - std::log(z);
          }
          out.push_back(sum);
        }
        return out;
      },
      problems, seed);
}

}  // namespace lens::verify
