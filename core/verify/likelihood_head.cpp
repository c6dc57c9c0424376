// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/verify/likelihood_head.h"

#include <algorithm>
#include <cmath>

using json = nlohmann::json;

namespace lens::verify {

namespace {

constexpr size_t D = kLikelihoodFeatureCount + 1;  // the bias and the weights

double sigmoid(double s) { return s >= 0 ? 1.0 / (1.0 + std::exp(-s)) : std::exp(s) / (1.0 + std::exp(s)); }

// Soft cross-entropy of one example with logit s, without overflow: log(1 + e^s) − y s.
double crossEntropy(double s, double y) { return (s > 0 ? s + std::log1p(std::exp(-s)) : std::log1p(std::exp(s))) - y * s; }

// Solves a x = b for a symmetric positive definite a (Gaussian elimination with partial pivoting).
std::array<double, D> solve(std::array<std::array<double, D>, D> a, std::array<double, D> b) {
  for (size_t c = 0; c < D; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < D; ++r)
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    std::swap(a[c], a[pivot]);
    std::swap(b[c], b[pivot]);
    if (std::abs(a[c][c]) < 1e-300) continue;
    for (size_t r = c + 1; r < D; ++r) {
      const double f = a[r][c] / a[c][c];
      for (size_t k = c; k < D; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  std::array<double, D> x{};
  for (size_t c = D; c-- > 0;) {
    double v = b[c];
    for (size_t k = c + 1; k < D; ++k) v -= a[c][k] * x[k];
    x[c] = std::abs(a[c][c]) < 1e-300 ? 0.0 : v / a[c][c];
  }
  return x;
}

}  // namespace

double LikelihoodHead::logit(const LikelihoodFeatures& f) const {
  double s = bias;
  for (size_t i = 0; i < kLikelihoodFeatureCount; ++i) s += weights[i] * f[i];
  return s;
}

double LikelihoodHead::score(const LikelihoodFeatures& f) const { return sigmoid(logit(f)); }

json LikelihoodHead::toJson() const {
  return {{"features", json(std::vector<std::string>(kLikelihoodFeatures.begin(), kLikelihoodFeatures.end()))},
          {"weights", json(std::vector<double>(weights.begin(), weights.end()))},
          {"bias", bias}};
}

Result<LikelihoodHead> LikelihoodHead::fromJson(const json& j, const std::string& where) {
  auto bad = [&](const std::string& what) { return makeError(ErrorCode::InvalidInput, where + ": " + what); };
  if (!j.is_object()) return bad("the likelihood head must be an object {\"features\", \"weights\", \"bias\"}");
  const auto f = j.find("features");
  const auto w = j.find("weights");
  const auto b = j.find("bias");
  if (f == j.end() || !f->is_array() || f->size() != kLikelihoodFeatureCount)
    return bad("\"features\" must list the " + std::to_string(kLikelihoodFeatureCount) + " features min, mean, step_min, low");
  for (size_t i = 0; i < kLikelihoodFeatureCount; ++i)
    if (!(*f)[i].is_string() || (*f)[i].get<std::string>() != kLikelihoodFeatures[i])
      return bad("feature " + std::to_string(i + 1) + " must be \"" + kLikelihoodFeatures[i] + "\" (min, mean, step_min, low, in this order)");
  if (w == j.end() || !w->is_array() || w->size() != kLikelihoodFeatureCount)
    return bad("\"weights\" must hold " + std::to_string(kLikelihoodFeatureCount) + " numbers, one per feature");
  LikelihoodHead h;
  for (size_t i = 0; i < kLikelihoodFeatureCount; ++i) {
    if (!(*w)[i].is_number() || !std::isfinite((*w)[i].get<double>())) return bad("weight " + std::to_string(i + 1) + " is not a finite number");
    h.weights[i] = (*w)[i].get<double>();
  }
  if (b == j.end() || !b->is_number() || !std::isfinite(b->get<double>())) return bad("\"bias\" must be a finite number");
  h.bias = b->get<double>();
  return h;
}

std::vector<LikelihoodFeatures> likelihoodStepFeatures(const std::vector<double>& lp, const std::vector<size_t>& stepEnds) {
  std::vector<LikelihoodFeatures> out;
  out.reserve(stepEnds.size());
  double minSoFar = 0, sum = 0, low = 0;
  size_t at = 0;
  const double lowBelow = std::log(0.1);
  for (size_t end : stepEnds) {
    end = std::min(end, lp.size());
    double stepMin = at ? std::max(lp[at - 1], kLikelihoodFloor) : 0.0;
    for (size_t t = at; t < end; ++t) {
      const double v = std::max(lp[t], kLikelihoodFloor);
      stepMin = t == at ? v : std::min(stepMin, v);
      minSoFar = t == 0 ? v : std::min(minSoFar, v);
      sum += v;
      if (v < lowBelow) low += 1;
    }
    at = std::max(at, end);
    out.push_back({minSoFar, at ? sum / static_cast<double>(at) : 0.0, stepMin, low});
  }
  return out;
}

Result<LikelihoodFit> fitLikelihoodHead(const std::vector<LikelihoodFeatures>& x, const std::vector<double>& y, int iterations, double ridge,
                                        const std::function<void(int, double)>& onIteration) {
  if (x.empty()) return makeError(ErrorCode::InvalidInput, "likelihood head: no labelled steps to fit");
  if (x.size() != y.size())
    return makeError(ErrorCode::InvalidInput, "likelihood head: " + std::to_string(x.size()) + " feature rows but " + std::to_string(y.size()) + " labels");
  for (size_t i = 0; i < y.size(); ++i)
    if (!(y[i] >= 0 && y[i] <= 1)) return makeError(ErrorCode::InvalidInput, "likelihood head: label " + std::to_string(i) + " is outside [0, 1]");
  const double n = static_cast<double>(x.size());
  // Standardise: the Newton steps and the ridge then see every feature on one scale.
  std::array<double, kLikelihoodFeatureCount> mu{}, sd{};
  for (const auto& r : x)
    for (size_t i = 0; i < kLikelihoodFeatureCount; ++i) mu[i] += r[i] / n;
  for (const auto& r : x)
    for (size_t i = 0; i < kLikelihoodFeatureCount; ++i) sd[i] += (r[i] - mu[i]) * (r[i] - mu[i]) / n;
  for (auto& s : sd) s = s > 1e-24 ? std::sqrt(s) : 1.0;
  std::vector<std::array<double, D>> z(x.size());
  for (size_t k = 0; k < x.size(); ++k) {
    z[k][0] = 1;
    for (size_t i = 0; i < kLikelihoodFeatureCount; ++i) z[k][i + 1] = (x[k][i] - mu[i]) / sd[i];
  }
  auto logit = [&](const std::array<double, D>& b, size_t k) {
    double s = 0;
    for (size_t i = 0; i < D; ++i) s += b[i] * z[k][i];
    return s;
  };
  auto dataLoss = [&](const std::array<double, D>& b) {
    double l = 0;
    for (size_t k = 0; k < z.size(); ++k) l += crossEntropy(logit(b, k), y[k]);
    return l / n;
  };
  auto penalised = [&](const std::array<double, D>& b) {
    double r = 0;
    for (size_t i = 1; i < D; ++i) r += b[i] * b[i];
    return dataLoss(b) + 0.5 * ridge * r;
  };
  std::array<double, D> beta{};
  double mean = 0;
  for (double v : y) mean += v / n;
  mean = std::clamp(mean, 1e-6, 1 - 1e-6);
  beta[0] = std::log(mean / (1 - mean));  // start from the labels' mean: the best constant score
  LikelihoodFit fit;
  fit.losses.push_back(dataLoss(beta));
  double current = penalised(beta);
  for (int it = 1; it <= iterations; ++it) {
    std::array<double, D> g{};
    std::array<std::array<double, D>, D> h{};
    for (size_t k = 0; k < z.size(); ++k) {
      const double p = sigmoid(logit(beta, k)), w = p * (1 - p);
      for (size_t i = 0; i < D; ++i) {
        g[i] += (p - y[k]) * z[k][i] / n;
        for (size_t j = 0; j < D; ++j) h[i][j] += w * z[k][i] * z[k][j] / n;
      }
    }
    for (size_t i = 1; i < D; ++i) {
      g[i] += ridge * beta[i];
      h[i][i] += ridge;
    }
    for (size_t i = 0; i < D; ++i) h[i][i] += 1e-12;
    const auto step = solve(h, g);
    // Backtracking: Newton's step, halved until the penalised loss does not rise.
    double scale = 1, next = current;
    std::array<double, D> cand = beta;
    for (int tries = 0; tries < 40; ++tries, scale /= 2) {
      for (size_t i = 0; i < D; ++i) cand[i] = beta[i] - scale * step[i];
      next = penalised(cand);
      if (next <= current) break;
    }
    if (!(next <= current)) break;
    beta = cand;
    const bool done = current - next < 1e-10;
    current = next;
    fit.losses.push_back(dataLoss(beta));
    if (onIteration) onIteration(it, fit.losses.back());
    if (done) break;
  }
  fit.head.bias = beta[0];
  for (size_t i = 0; i < kLikelihoodFeatureCount; ++i) {
    fit.head.weights[i] = beta[i + 1] / sd[i];
    fit.head.bias -= beta[i + 1] * mu[i] / sd[i];
  }
  return fit;
}

}  // namespace lens::verify
