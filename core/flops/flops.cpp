// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/flops/flops.h"

#include <algorithm>

#include "core/model/config.h"

namespace lens::flops {

double ffnFlops(const model::ModelConfig& c, uint8_t code) {
  const double h = static_cast<double>(c.hiddenSize);
  switch (code) {
    case 2: return 2.0 * 3.0 * h * static_cast<double>(c.intermediateSize);
    case 1: return 2.0 * static_cast<double>(c.smallFfnMacs());
    default: return 0.0;
  }
}

double tokenMatmulFlops(const model::ModelConfig& c, const uint8_t* route) {
  const double h = static_cast<double>(c.hiddenSize), q = static_cast<double>(c.numHeads * c.headDim),
               kv = static_cast<double>(c.numKvHeads * c.headDim);
  const double projections = 2.0 * h * (q + 2.0 * kv) + 2.0 * q * h;
  double total = 0.0;
  for (int64_t l = 0; l < c.numLayers; ++l) total += projections + ffnFlops(c, route ? route[l] : uint8_t{2});
  if (!c.isRewardModel()) total += 2.0 * h * static_cast<double>(c.vocabSize);
  return total;
}

double tokenFlops(const model::ModelConfig& c, const uint8_t* route, int64_t keys) {
  if (c.slidingWindow) keys = std::min(keys, *c.slidingWindow);
  // Scores q·k and the weighted sum of values: 2 FLOPs per multiply-add, head_dim each, per head.
  const double attention = 2.0 * 2.0 * static_cast<double>(c.numHeads * c.headDim) * static_cast<double>(keys);
  return tokenMatmulFlops(c, route) + static_cast<double>(c.numLayers) * attention;
}

double attentionFlops(const model::ModelConfig& c, double keys) {
  return static_cast<double>(c.numLayers) * 2.0 * 2.0 * static_cast<double>(c.numHeads * c.headDim) * keys;
}

double attendedKeys(const model::ModelConfig& c, int64_t from, int64_t to) {
  if (to <= from) return 0.0;
  auto sumTo = [&](int64_t n) {  // sum of min(p + 1, window) for p in [0, n)
    const double dn = static_cast<double>(n);
    if (!c.slidingWindow || n <= *c.slidingWindow) return dn * (dn + 1.0) / 2.0;
    const double w = static_cast<double>(*c.slidingWindow);
    return w * (w + 1.0) / 2.0 + (dn - w) * w;
  };
  return sumTo(to) - sumTo(from);
}

double countedMatmulFlops(const model::ModelConfig& c, const std::vector<std::array<int64_t, 3>>& counts, bool router) {
  if (counts.empty()) return 0.0;
  const double tokens = static_cast<double>(counts[0][0] + counts[0][1] + counts[0][2]);
  const std::vector<uint8_t> skipAll(static_cast<size_t>(c.numLayers), 0);
  double total = tokens * tokenMatmulFlops(c, skipAll.data());  // everything but the FFNs
  for (const auto& layer : counts)
    for (uint8_t code = 0; code < 3; ++code) total += static_cast<double>(layer[code]) * ffnFlops(c, code);
  if (router) total += tokens * static_cast<double>(c.numLayers) * 2.0 * 3.0 * static_cast<double>(c.hiddenSize);
  return total;
}

}  // namespace lens::flops
