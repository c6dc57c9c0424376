// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/routing/analysis.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/flops/flops.h"
#include "core/routing/oracle.h"
#include "core/routing/route.h"
#include "core/stats/bootstrap.h"
#include "core/store/store.h"

namespace lens::routing {

using json = nlohmann::json;

Result<model::ModelConfig> configFromSummary(const json& s) {
  model::ModelConfig c;
  try {
    c.architecture = s.value("architecture", "");
    c.numLayers = s.at("layers").get<int64_t>();
    c.hiddenSize = s.at("hidden_size").get<int64_t>();
    c.intermediateSize = s.at("intermediate_size").get<int64_t>();
    c.duoSmallIntermediateSize = s.value("duo_small_intermediate_size", int64_t{0});
    c.duoSmallRank = s.value("duo_small_rank", int64_t{0});
    c.numHeads = s.at("attention_heads").get<int64_t>();
    c.numKvHeads = s.at("kv_heads").get<int64_t>();
    c.headDim = s.at("head_dim").get<int64_t>();
    c.vocabSize = s.at("vocab_size").get<int64_t>();
  } catch (const json::exception& e) {
    return makeError(ErrorCode::InvalidInput, std::string("model summary in the store lacks a field the FLOPs count needs: ") + e.what());
  }
  return c;
}

namespace {

json orNull(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

json differenceJson(const LossDifference& d) {
  return {{"a", d.a}, {"b", d.b}, {"difference", d.difference}, {"ci_low", orNull(d.ciLow)}, {"ci_high", orNull(d.ciHigh)}};
}

// Per-sequence sums, for intervals over sequences: the global sums' values before a sequence,
// subtracted after it.
struct SequenceSums {
  std::vector<double> positions, randomPositions, routerPositions;
  std::vector<std::vector<double>> oracle, random, bestRandom, fixed, router;  // [policy][sequence]
};

void pushDeltas(std::vector<std::vector<double>>& perSequence, const std::vector<double>& before, const std::vector<double>& after) {
  perSequence.resize(after.size());
  for (size_t i = 0; i < after.size(); ++i) perSequence[i].push_back(after[i] - (i < before.size() ? before[i] : 0.0));
}

std::string pointName(const PolicyPoint& p) { return p.budget.empty() ? p.policy : p.policy + " " + p.budget; }

// A policy's per-sequence sums, kept only for the sequences another policy was run on (positions > 0).
std::vector<double> onlyWhere(const std::vector<double>& sums, const std::vector<double>& positions) {
  std::vector<double> out(sums.size(), 0.0);
  for (size_t i = 0; i < sums.size(); ++i)
    if (positions[i] > 0) out[i] = sums[i];
  return out;
}

std::vector<double> minus(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return d;
}

}  // namespace

json RoutingReport::toJson() const {
  json pts = json::array();
  for (const auto& p : points)
    pts.push_back({{"policy", p.policy}, {"budget", p.budget}, {"flops_per_token", p.flopsPerToken},
                   {"flops_fraction", p.flopsFraction}, {"mean_loss", p.meanLoss}, {"perplexity", p.perplexity},
                   {"mean_loss_ci_low", orNull(p.lossCiLow)}, {"mean_loss_ci_high", orNull(p.lossCiHigh)}});
  json hard = json::array();
  for (const auto& h : hardest)
    hard.push_back({{"unit", h.unit}, {"position", h.position}, {"token", h.token}, {"next", h.next}, {"difficulty", h.difficulty},
                    {"loss_skip", h.lossSkip}, {"loss_big", h.lossBig}, {"loss_oracle", h.lossOracle}, {"route", h.route}});
  json routerJson = json::array();
  for (const auto& r : routers) {
    json worstJson = json::array();
    for (const auto& w : r.worst)
      worstJson.push_back({{"unit", w.unit}, {"position", w.position}, {"token", w.token}, {"next", w.next}, {"router_loss", w.routerLoss},
                           {"oracle_loss", w.oracleLoss}, {"difficulty", w.difficulty}, {"router_route", w.routerRoute},
                           {"oracle_route", w.oracleRoute}});
    routerJson.push_back({{"name", r.name}, {"flops_fraction", r.point.flopsFraction}, {"mean_loss", r.point.meanLoss},
                          {"perplexity", r.point.perplexity}, {"big_by_layer", r.bigByLayer}, {"small_by_layer", r.smallByLayer},
                          {"skip_by_layer", r.skipByLayer}, {"compared_budget", r.comparedBudget},
                          {"oracle_flops_fraction", r.oracleFlopsFraction}, {"oracle_mean_loss", r.oracleMeanLoss},
                          {"agreement_by_layer", r.agreementByLayer}, {"route_agreement", r.routeAgreement},
                          {"agreement_by_difficulty", r.agreementByDifficulty}, {"worst", worstJson},
                          {"mean_loss_ci_low", orNull(r.point.lossCiLow)}, {"mean_loss_ci_high", orNull(r.point.lossCiHigh)},
                          {"minus_oracle", differenceJson(r.minusOracle)}});
  }
  json diffs = json::array();
  for (const auto& d : differences) diffs.push_back(differenceJson(d));
  return {{"layers", layers},
          {"budgets", budgets},
          {"sequences", sequences},
          {"positions", positions},
          {"random_routings", randomRoutings},
          {"points", pts},
          {"big_by_layer", bigByLayer},
          {"small_by_layer", smallByLayer},
          {"skip_by_layer", skipByLayer},
          {"position_bins", positionBins},
          {"big_by_position", bigByPosition},
          {"mean_difficulty", meanDifficulty},
          {"loss_difficulty_correlation", lossDifficultyCorrelation},
          {"high_loss_tokens", highLoss},
          {"high_loss_low_gain_tokens", highLossLowGain},
          {"skip_then_compute_fraction", skipThenComputeFraction},
          {"hardest", hard},
          {"routers", routerJson},
          {"differences", diffs}};
}

Result<RoutingReport> routingReport(store::Store& st, const store::RunRecord& run, int hardestCount) {
  if (run.kind != "oracle") return makeError(ErrorCode::InvalidInput, "run " + std::to_string(run.id) + " is a " + run.kind + " run, not an oracle run");
  auto models = st.runModels(run.id);
  if (!models) return models.error();
  if (models->empty()) return makeError(ErrorCode::NotFound, "run " + std::to_string(run.id) + " has no model recorded");
  auto cfg = configFromSummary(models->front().second.config);
  if (!cfg) return cfg.error();
  const model::ModelConfig& c = *cfg;
  const int L = static_cast<int>(c.numLayers);
  auto units = st.unitIndexes(run.id);
  if (!units) return units.error();
  if (units->empty()) return makeError(ErrorCode::NotFound, "run " + std::to_string(run.id) + " has no results yet");

  RoutingReport rep;
  rep.layers = L;
  rep.randomRoutings = run.spec.value("random_routings", 100);
  const std::string budgetSpec = run.spec.value("budgets", std::string());
  const bool flopsBudgets = budgetSpec.rfind("flops=", 0) == 0;
  const double allBig = flops::tokenMatmulFlops(c, nullptr);
  rep.positionBins = {0, 8, 16, 32, 64, 128, 256, 512};

  size_t B = 0;
  std::vector<double> oracleLoss, oracleFlops, randomLoss, bestRandomLoss, randomFlops;
  std::vector<double> fixedLoss(kFixedRoutes, 0.0);
  std::vector<std::vector<int64_t>> binCount;
  std::vector<float> bigLoss, diff;  // per position (largest budget)
  int64_t skipThenCompute = 0, randomPositions = 0;
  SplitMix64 rng(run.seed);
  // Trained routers: names from the spec, then per router the sums and, per budget, the agreement.
  std::vector<std::string> routerNames;
  for (const auto& path : run.spec.value("routers", std::vector<std::string>())) {
    std::string name = path;
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    if (auto slash = name.find_last_of('/'); slash != std::string::npos) name = name.substr(slash + 1);
    routerNames.push_back(name);
  }
  const size_t Rn = routerNames.size();
  struct RouterAcc {
    double loss = 0, flopsSum = 0;
    std::vector<double> big, small, skip;
    std::vector<std::vector<double>> agreeLayer;         // [budget][layer]
    std::vector<std::vector<std::pair<float, bool>>> byDifficulty;  // [budget] (difficulty, same route)
    std::vector<std::vector<RouterToken>> worst;         // [budget]
  };
  std::vector<RouterAcc> racc(Rn);
  int64_t routerPositions = 0;
  SequenceSums perSeq;
  for (int64_t u : *units) {
    auto seq = st.routingSequence(run.id, u, 0);
    if (!seq) return seq.error();
    const auto& s = *seq;
    if (s.layerCount != L) return makeError(ErrorCode::InvalidInput, "unit " + std::to_string(u) + ": layer count differs from the model's");
    if (B == 0) {
      B = s.budgets.size();
      for (float v : s.budgets) rep.budgets.push_back(Budget{flopsBudgets ? Budget::Kind::FlopsFraction : Budget::Kind::BigModules, v}.label());
      oracleLoss.assign(B, 0);
      oracleFlops.assign(B, 0);
      randomLoss.assign(B, 0);
      bestRandomLoss.assign(B, 0);
      randomFlops.assign(B, 0);
      rep.bigByLayer.assign(B, std::vector<double>(static_cast<size_t>(L), 0));
      rep.smallByLayer = rep.skipByLayer = rep.bigByLayer;
      rep.bigByPosition.assign(B, std::vector<double>(rep.positionBins.size(), 0));
      binCount.assign(B, std::vector<int64_t>(rep.positionBins.size(), 0));
      rep.meanDifficulty.assign(B, 0);
    } else if (s.budgets.size() != B) {
      return makeError(ErrorCode::InvalidInput, "unit " + std::to_string(u) + ": budgets differ from the run's first unit");
    }
    const size_t P = s.positions();
    const std::vector<double> oracleBefore = oracleLoss, randomBefore = randomLoss, bestRandomBefore = bestRandomLoss, fixedBefore = fixedLoss;
    std::vector<double> routerBefore;
    for (const auto& a : racc) routerBefore.push_back(a.loss);
    rep.sequences += 1;
    rep.positions += static_cast<int64_t>(P);
    const bool hasRandom = !s.randomLosses.empty();
    const bool hasRouters = Rn > 0 && s.routerLosses.size() == P * Rn;
    if (hasRouters) routerPositions += static_cast<int64_t>(P);
    if (hasRandom) randomPositions += static_cast<int64_t>(P);
    for (size_t t = 0; t < P; ++t) {
      const size_t pos = s.firstPosition() + t;
      const size_t bin = static_cast<size_t>(std::upper_bound(rep.positionBins.begin(), rep.positionBins.end(), static_cast<int64_t>(t)) -
                                             rep.positionBins.begin() - 1);
      for (size_t b = 0; b < B; ++b) {
        const uint8_t* r = &s.routes[(t * B + b) * static_cast<size_t>(L)];
        oracleLoss[b] += s.losses[t * B + b];
        oracleFlops[b] += flops::tokenMatmulFlops(c, r);
        int bigs = 0;
        for (int l = 0; l < L; ++l) {
          rep.bigByLayer[b][static_cast<size_t>(l)] += r[l] == kBig;
          rep.smallByLayer[b][static_cast<size_t>(l)] += r[l] == kSmall;
          rep.skipByLayer[b][static_cast<size_t>(l)] += r[l] == kSkip;
          bigs += r[l] == kBig;
        }
        rep.bigByPosition[b][bin] += bigs;
        binCount[b][bin] += 1;
        rep.meanDifficulty[b] += s.fixedLosses.empty() ? 0.0 : s.fixedLosses[t * kFixedRoutes] - s.losses[t * B + b];
        if (hasRandom) {
          randomLoss[b] += s.randomLosses[t * B + b];
          bestRandomLoss[b] += s.bestRandomLosses[t * B + b];
          // The random routes' mean cost at this budget, estimated from fresh draws of the same law.
          randomFlops[b] += flops::tokenMatmulFlops(c, randomRoute(rng, c, Budget{flopsBudgets ? Budget::Kind::FlopsFraction : Budget::Kind::BigModules,
                                                                                  s.budgets[b]}).data());
        }
      }
      for (size_t ri = 0; hasRouters && ri < Rn; ++ri) {
        RouterAcc& a = racc[ri];
        if (a.big.empty()) {
          a.big.assign(static_cast<size_t>(L), 0);
          a.small = a.skip = a.big;
          a.agreeLayer.assign(B, std::vector<double>(static_cast<size_t>(L), 0));
          a.byDifficulty.resize(B);
          a.worst.resize(B);
        }
        const uint8_t* rr = &s.routerRoutes[(t * Rn + ri) * static_cast<size_t>(L)];
        const float rl = s.routerLosses[t * Rn + ri];
        a.loss += rl;
        a.flopsSum += flops::tokenMatmulFlops(c, rr);
        for (int l = 0; l < L; ++l) {
          a.big[static_cast<size_t>(l)] += rr[l] == kBig;
          a.small[static_cast<size_t>(l)] += rr[l] == kSmall;
          a.skip[static_cast<size_t>(l)] += rr[l] == kSkip;
        }
        for (size_t b = 0; b < B; ++b) {
          const uint8_t* orc = &s.routes[(t * B + b) * static_cast<size_t>(L)];
          bool same = true;
          for (int l = 0; l < L; ++l) {
            a.agreeLayer[b][static_cast<size_t>(l)] += rr[l] == orc[l];
            same = same && rr[l] == orc[l];
          }
          const float d = s.fixedLosses.empty() ? 0.0f : s.fixedLosses[t * kFixedRoutes] - s.losses[t * B + b];
          a.byDifficulty[b].push_back({d, same});
          auto& w = a.worst[b];
          w.push_back({u, static_cast<int64_t>(pos), s.tokenIds[pos], s.tokenIds[pos + 1], rl, s.losses[t * B + b], d, routeString(rr, L),
                       routeString(orc, L)});
          if (static_cast<int>(w.size()) > 4 * std::max(1, hardestCount)) {
            auto gap = [](const RouterToken& x, const RouterToken& y) { return x.routerLoss - x.oracleLoss > y.routerLoss - y.oracleLoss; };
            std::partial_sort(w.begin(), w.begin() + hardestCount, w.end(), gap);
            w.resize(static_cast<size_t>(hardestCount));
          }
        }
      }
      const uint8_t* top = &s.routes[(t * B + B - 1) * static_cast<size_t>(L)];
      bool skipped = false, later = false;
      for (int l = 0; l < L; ++l) {
        if (top[l] == kSkip) skipped = true;
        else if (skipped) later = true;
      }
      skipThenCompute += later;
      if (!s.fixedLosses.empty()) {
        for (int i = 0; i < kFixedRoutes; ++i) fixedLoss[static_cast<size_t>(i)] += s.fixedLosses[t * kFixedRoutes + static_cast<size_t>(i)];
        const float d = s.fixedLosses[t * kFixedRoutes] - s.losses[t * B + B - 1];
        bigLoss.push_back(s.fixedLosses[t * kFixedRoutes + 2]);
        diff.push_back(d);
        HardToken h{u, static_cast<int64_t>(pos), s.tokenIds[pos], s.tokenIds[pos + 1], d,
                    s.fixedLosses[t * kFixedRoutes], s.fixedLosses[t * kFixedRoutes + 2], s.losses[t * B + B - 1], routeString(top, L)};
        rep.hardest.push_back(h);
        if (static_cast<int>(rep.hardest.size()) > 4 * std::max(1, hardestCount)) {
          std::partial_sort(rep.hardest.begin(), rep.hardest.begin() + hardestCount, rep.hardest.end(),
                            [](const HardToken& a, const HardToken& z) { return a.difficulty > z.difficulty; });
          rep.hardest.resize(static_cast<size_t>(hardestCount));
        }
      }
    }
    perSeq.positions.push_back(static_cast<double>(P));
    perSeq.randomPositions.push_back(hasRandom ? static_cast<double>(P) : 0.0);
    perSeq.routerPositions.push_back(hasRouters ? static_cast<double>(P) : 0.0);
    pushDeltas(perSeq.oracle, oracleBefore, oracleLoss);
    pushDeltas(perSeq.random, randomBefore, randomLoss);
    pushDeltas(perSeq.bestRandom, bestRandomBefore, bestRandomLoss);
    pushDeltas(perSeq.fixed, fixedBefore, fixedLoss);
    std::vector<double> routerAfter;
    for (const auto& a : racc) routerAfter.push_back(a.loss);
    pushDeltas(perSeq.router, routerBefore, routerAfter);
  }
  const double n = static_cast<double>(std::max<int64_t>(1, rep.positions));
  const stats::BootstrapParams boot{2000, 0.95, run.seed};
  // A point's interval, and a paired difference, over sequences (none with fewer than two).
  auto withCi = [&](PolicyPoint p, const std::vector<double>& num, const std::vector<double>& den) {
    if (num.size() >= 2) {
      const auto ci = stats::bootstrapRatio(num, den, boot);
      p.lossCiLow = ci.low;
      p.lossCiHigh = ci.high;
    }
    return p;
  };
  auto difference = [&](const PolicyPoint& a, const PolicyPoint& b, const std::vector<double>& numA, const std::vector<double>& numB,
                        const std::vector<double>& den) {
    LossDifference d{pointName(a), pointName(b), a.meanLoss - b.meanLoss};
    if (numA.size() >= 2) {
      const auto ci = stats::bootstrapRatio(minus(numA, numB), den, boot);
      d.ciLow = ci.low;
      d.ciHigh = ci.high;
    }
    return d;
  };
  const std::string bestName = "best of " + std::to_string(rep.randomRoutings) + " random";
  for (size_t b = 0; b < B; ++b) {
    const size_t oracleAt = rep.points.size();
    rep.points.push_back(withCi({"oracle", rep.budgets[b], oracleFlops[b] / n, oracleFlops[b] / n / allBig, oracleLoss[b] / n, std::exp(oracleLoss[b] / n)},
                                perSeq.oracle[b], perSeq.positions));
    if (randomPositions > 0) {
      const double rn = static_cast<double>(randomPositions);
      rep.points.push_back(withCi({"random", rep.budgets[b], randomFlops[b] / rn, randomFlops[b] / rn / allBig, randomLoss[b] / rn, std::exp(randomLoss[b] / rn)},
                                  perSeq.random[b], perSeq.randomPositions));
      rep.points.push_back(withCi({bestName, rep.budgets[b], randomFlops[b] / rn, randomFlops[b] / rn / allBig, bestRandomLoss[b] / rn,
                                   std::exp(bestRandomLoss[b] / rn)},
                                  perSeq.bestRandom[b], perSeq.randomPositions));
      // The oracle on the tokens that have random routings (all of them, in runs made by `oracle`).
      const auto oracleThere = onlyWhere(perSeq.oracle[b], perSeq.randomPositions);
      PolicyPoint o = rep.points[oracleAt];
      o.meanLoss = std::accumulate(oracleThere.begin(), oracleThere.end(), 0.0) / rn;
      rep.differences.push_back(difference(o, rep.points.back(), oracleThere, perSeq.bestRandom[b], perSeq.randomPositions));
    }
    for (int l = 0; l < L; ++l) {
      rep.bigByLayer[b][static_cast<size_t>(l)] /= n;
      rep.smallByLayer[b][static_cast<size_t>(l)] /= n;
      rep.skipByLayer[b][static_cast<size_t>(l)] /= n;
    }
    for (size_t i = 0; i < rep.positionBins.size(); ++i)
      rep.bigByPosition[b][i] = binCount[b][i] ? rep.bigByPosition[b][i] / static_cast<double>(binCount[b][i]) : 0.0;
    rep.meanDifficulty[b] /= n;
  }
  if (!diff.empty()) {
    const uint8_t codes[kFixedRoutes] = {kSkip, kSmall, kBig};
    for (int i = 0; i < kFixedRoutes; ++i) {
      const Route r(static_cast<size_t>(L), codes[i]);
      const double f = flops::tokenMatmulFlops(c, r.data());
      rep.points.push_back(withCi({fixedRouteName(i), "", f, f / allBig, fixedLoss[static_cast<size_t>(i)] / n, std::exp(fixedLoss[static_cast<size_t>(i)] / n)},
                                  perSeq.fixed[static_cast<size_t>(i)], perSeq.positions));
    }
    // Each oracle budget against all-big (fixed route 2), on every token.
    const PolicyPoint& big = rep.points.back();
    for (size_t b = 0; b < B; ++b) {
      const auto& o = *std::find_if(rep.points.begin(), rep.points.end(), [&](const PolicyPoint& p) { return p.policy == "oracle" && p.budget == rep.budgets[b]; });
      rep.differences.push_back(difference(o, big, perSeq.oracle[b], perSeq.fixed[2], perSeq.positions));
    }
    // Pearson correlation of all-big loss and difficulty.
    const double m1 = std::accumulate(bigLoss.begin(), bigLoss.end(), 0.0) / static_cast<double>(bigLoss.size());
    const double m2 = std::accumulate(diff.begin(), diff.end(), 0.0) / static_cast<double>(diff.size());
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < diff.size(); ++i) {
      sxy += (bigLoss[i] - m1) * (diff[i] - m2);
      sxx += (bigLoss[i] - m1) * (bigLoss[i] - m1);
      syy += (diff[i] - m2) * (diff[i] - m2);
    }
    rep.lossDifficultyCorrelation = sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
    auto sortedLoss = bigLoss, sortedDiff = diff;
    std::sort(sortedLoss.begin(), sortedLoss.end());
    std::sort(sortedDiff.begin(), sortedDiff.end());
    const float lossP90 = sortedLoss[sortedLoss.size() * 9 / 10], diffMedian = sortedDiff[sortedDiff.size() / 2];
    for (size_t i = 0; i < diff.size(); ++i)
      if (bigLoss[i] >= lossP90) {
        rep.highLoss += 1;
        rep.highLossLowGain += diff[i] < diffMedian;
      }
  }
  rep.skipThenComputeFraction = static_cast<double>(skipThenCompute) / n;
  const double rn = static_cast<double>(routerPositions);
  for (size_t ri = 0; routerPositions > 0 && ri < Rn; ++ri) {
    RouterAcc& a = racc[ri];
    RouterComparison cmp;
    cmp.name = routerNames[ri];
    cmp.point = withCi({"router " + cmp.name, "", a.flopsSum / rn, a.flopsSum / rn / allBig, a.loss / rn, std::exp(a.loss / rn)}, perSeq.router[ri],
                       perSeq.routerPositions);
    for (int l = 0; l < L; ++l) {
      cmp.bigByLayer.push_back(a.big[static_cast<size_t>(l)] / rn);
      cmp.smallByLayer.push_back(a.small[static_cast<size_t>(l)] / rn);
      cmp.skipByLayer.push_back(a.skip[static_cast<size_t>(l)] / rn);
    }
    // The oracle budget nearest in cost.
    size_t best = 0;
    for (size_t b = 1; b < B; ++b)
      if (std::fabs(oracleFlops[b] / n - a.flopsSum / rn) < std::fabs(oracleFlops[best] / n - a.flopsSum / rn)) best = b;
    cmp.comparedBudget = rep.budgets[best];
    cmp.oracleFlopsFraction = oracleFlops[best] / n / allBig;
    cmp.oracleMeanLoss = oracleLoss[best] / n;
    {
      // On the tokens the router was run on.
      const auto oracleThere = onlyWhere(perSeq.oracle[best], perSeq.routerPositions);
      PolicyPoint o{"oracle", rep.budgets[best], 0, 0, std::accumulate(oracleThere.begin(), oracleThere.end(), 0.0) / rn};
      cmp.minusOracle = difference(cmp.point, o, perSeq.router[ri], oracleThere, perSeq.routerPositions);
    }
    for (int l = 0; l < L; ++l) cmp.agreementByLayer.push_back(a.agreeLayer[best][static_cast<size_t>(l)] / rn);
    auto byD = a.byDifficulty[best];
    std::sort(byD.begin(), byD.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    int64_t same = 0;
    for (const auto& [d, s] : byD) same += s;
    cmp.routeAgreement = static_cast<double>(same) / rn;
    for (size_t k = 0; k < 3; ++k) {
      const size_t lo = byD.size() * k / 3, hi = byD.size() * (k + 1) / 3;
      int64_t sk = 0;
      for (size_t i = lo; i < hi; ++i) sk += byD[i].second;
      cmp.agreementByDifficulty.push_back(hi > lo ? static_cast<double>(sk) / static_cast<double>(hi - lo) : 0.0);
    }
    cmp.worst = std::move(a.worst[best]);
    std::sort(cmp.worst.begin(), cmp.worst.end(),
              [](const RouterToken& x, const RouterToken& y) { return x.routerLoss - x.oracleLoss > y.routerLoss - y.oracleLoss; });
    if (static_cast<int>(cmp.worst.size()) > hardestCount) cmp.worst.resize(static_cast<size_t>(std::max(0, hardestCount)));
    rep.points.push_back(cmp.point);
    rep.routers.push_back(std::move(cmp));
  }
  std::sort(rep.hardest.begin(), rep.hardest.end(), [](const HardToken& a, const HardToken& z) { return a.difficulty > z.difficulty; });
  if (static_cast<int>(rep.hardest.size()) > hardestCount) rep.hardest.resize(static_cast<size_t>(std::max(0, hardestCount)));
  return rep;
}

size_t RunRoutes::sequenceOf(int64_t row) const {
  return static_cast<size_t>(std::upper_bound(firstRow.begin(), firstRow.end(), row) - firstRow.begin() - 1);
}

Result<RunRoutes> runRoutes(store::Store& st, int64_t runId, int routeSet, const RunContext* ctx) {
  auto run = st.run(runId);
  if (!run) return run.error();
  if (run->kind != "oracle") return makeError(ErrorCode::InvalidInput, "run " + std::to_string(runId) + " is a " + run->kind + " run, not an oracle run");
  auto units = st.unitIndexes(runId);
  if (!units) return units.error();
  RunRoutes out;
  int64_t done = 0;
  for (int64_t u : *units) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "reading the routes of run " + std::to_string(runId) + " was cancelled");
    auto seq = st.routingSequence(runId, u, 0);
    if (!seq) return seq.error();
    const auto& s = *seq;
    const size_t P = s.positions(), B = s.budgets.size(), L = static_cast<size_t>(s.layerCount);
    const size_t R = P > 0 ? s.routerLosses.size() / P : 0;
    const std::string where = "run " + std::to_string(runId) + ", unit " + std::to_string(u);
    if (out.units.empty()) {
      out.layers = s.layerCount;
      out.budgets = static_cast<int>(B);
      out.routers = static_cast<int>(R);
      if (routeSet < 0 || routeSet >= out.budgets + out.routers)
        return makeError(ErrorCode::InvalidInput, "run " + std::to_string(runId) + " has " + std::to_string(B) + " budgets and " + std::to_string(R) +
                                                      " routers; there is no route set " + std::to_string(routeSet));
    } else if (s.layerCount != out.layers || B != static_cast<size_t>(out.budgets) || R != static_cast<size_t>(out.routers)) {
      return makeError(ErrorCode::InvalidInput, where + ": its layers, budgets or routers differ from the run's first unit");
    }
    if ((!s.fixedLosses.empty() && s.fixedLosses.size() != P * kFixedRoutes) || s.routes.size() != P * B * L || s.routerRoutes.size() != P * R * L)
      return makeError(ErrorCode::InvalidInput, where + ": stored arrays have the wrong sizes");
    out.units.push_back(u);
    out.firstRow.push_back(out.rows());
    out.firstPosition.push_back(static_cast<int32_t>(s.firstPosition()));
    const bool router = routeSet >= out.budgets;
    const size_t set = router ? static_cast<size_t>(routeSet - out.budgets) : static_cast<size_t>(routeSet);
    for (size_t t = 0; t < P; ++t) {
      const uint8_t* r = router ? &s.routerRoutes[(t * R + set) * L] : &s.routes[(t * B + set) * L];
      out.routes.insert(out.routes.end(), r, r + L);
      const float loss = router ? s.routerLosses[t * R + set] : s.losses[t * B + set];
      out.gain.push_back(s.fixedLosses.empty() ? 0.0f : s.fixedLosses[t * kFixedRoutes] - loss);
      out.tokens.push_back(s.tokenIds[s.firstPosition() + t]);
    }
    if (ctx) ctx->report(++done, static_cast<int64_t>(units->size()), "sequences");
  }
  if (out.units.empty()) return makeError(ErrorCode::NotFound, "run " + std::to_string(runId) + " has no results yet");
  return out;
}

}  // namespace lens::routing
