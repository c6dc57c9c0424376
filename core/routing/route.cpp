// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/routing/route.h"

#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/flops/flops.h"
#include "core/model/config.h"

namespace lens::routing {

std::string routeString(const uint8_t* route, int layers) {
  std::string s(static_cast<size_t>(layers), '?');
  for (int l = 0; l < layers; ++l) s[static_cast<size_t>(l)] = route[l] == kBig ? 'B' : route[l] == kSmall ? 's' : '-';
  return s;
}

Result<Route> parseRoute(std::string_view text, int layers) {
  if (text == "all-big" || text == "all-small" || text == "all-skip")
    return Route(static_cast<size_t>(layers), text == "all-big" ? kBig : text == "all-small" ? kSmall : kSkip);
  if (static_cast<int>(text.size()) != layers)
    return makeError(ErrorCode::InvalidInput, "route '" + std::string(text) + "' has " + std::to_string(text.size()) +
                                                  " layers but the model has " + std::to_string(layers) +
                                                  " (one of B, s, - per layer, or all-big/all-small/all-skip)");
  Route r;
  for (char ch : text) {
    if (ch == 'B' || ch == 'b') r.push_back(kBig);
    else if (ch == 's' || ch == 'S') r.push_back(kSmall);
    else if (ch == '-') r.push_back(kSkip);
    else return makeError(ErrorCode::InvalidInput, std::string("route '") + std::string(text) + "': '" + ch + "' is not B (big), s (small) or - (skip)");
  }
  return r;
}

int bigCount(const uint8_t* route, int layers) {
  int n = 0;
  for (int l = 0; l < layers; ++l) n += route[l] == kBig;
  return n;
}

int64_t routeCount(int layers) {
  int64_t n = 1;
  for (int l = 0; l < layers; ++l) n *= 3;
  return n;
}

Route routeAt(int64_t index, int layers) {
  Route r(static_cast<size_t>(layers));
  for (int l = layers - 1; l >= 0; --l) {
    r[static_cast<size_t>(l)] = static_cast<uint8_t>(index % 3);
    index /= 3;
  }
  return r;
}

int64_t routeIndex(const uint8_t* route, int layers) {
  int64_t i = 0;
  for (int l = 0; l < layers; ++l) i = i * 3 + route[l];
  return i;
}

std::string Budget::label() const {
  char buf[32];
  if (kind == Kind::BigModules) std::snprintf(buf, sizeof buf, "k=%g", value);
  else std::snprintf(buf, sizeof buf, "flops=%.2f", value);
  return buf;
}

Result<std::vector<Budget>> parseBudgets(std::string_view spec, int layers) {
  Budget::Kind kind = Budget::Kind::BigModules;
  std::string_view list = spec;
  if (list.rfind("k=", 0) == 0) list.remove_prefix(2);
  else if (list.rfind("flops=", 0) == 0) {
    kind = Budget::Kind::FlopsFraction;
    list.remove_prefix(6);
  }
  std::vector<Budget> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string item(list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    const std::string where = "budget '" + item + "' in '" + std::string(spec) + "'";
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size() || !std::isfinite(v))
      return makeError(ErrorCode::InvalidInput, where + ": not a number (use k=1,2,4 or flops=0.25,0.5)");
    if (kind == Budget::Kind::BigModules && (v < 0 || v > layers || v != std::floor(v)))
      return makeError(ErrorCode::InvalidInput, where + ": k must be a whole number of big modules from 0 to " + std::to_string(layers));
    if (kind == Budget::Kind::FlopsFraction && (v <= 0 || v > 1))
      return makeError(ErrorCode::InvalidInput, where + ": a FLOPs fraction must be in (0, 1]");
    out.push_back({kind, v});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool withinBudget(const model::ModelConfig& c, const uint8_t* route, const Budget& b) {
  const int layers = static_cast<int>(c.numLayers);
  if (b.kind == Budget::Kind::BigModules) return bigCount(route, layers) <= static_cast<int>(b.value);
  // A relative tolerance so that the all-big route fits a budget of exactly 1.
  return flops::tokenMatmulFlops(c, route) <= b.value * flops::tokenMatmulFlops(c, nullptr) * (1 + 1e-12);
}

Route randomRoute(SplitMix64& rng, const model::ModelConfig& c, const Budget& b) {
  const int layers = static_cast<int>(c.numLayers);
  if (b.kind == Budget::Kind::BigModules) {
    std::vector<int> order(static_cast<size_t>(layers));
    std::iota(order.begin(), order.end(), 0);
    const int k = std::min(layers, static_cast<int>(b.value));
    for (int i = 0; i < k; ++i) std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(i + static_cast<int>(rng.below(static_cast<uint64_t>(layers - i))))]);
    Route r(static_cast<size_t>(layers));
    for (int i = 0; i < layers; ++i) r[static_cast<size_t>(order[static_cast<size_t>(i)])] = i < k ? static_cast<uint8_t>(kBig) : static_cast<uint8_t>(rng.below(2));
    return r;
  }
  // Rejection sampling; all-skip is always within a positive budget, so this terminates quickly
  // unless the budget admits very few routes, where the cheapest route is the honest fallback.
  for (int tries = 0; tries < 10000; ++tries) {
    Route r(static_cast<size_t>(layers));
    for (auto& code : r) code = static_cast<uint8_t>(rng.below(3));
    if (withinBudget(c, r.data(), b)) return r;
  }
  return Route(static_cast<size_t>(layers), kSkip);
}

}  // namespace lens::routing
