// SPDX-License-Identifier: GPL-3.0-or-later
// Duo-LLM routes (Alizadeh et al. 2024): at every layer a token takes the big FFN, the small one,
// or skips the FFN. A route is one code per layer; a budget bounds a route's compute, either by the
// number of big modules (k) or by a fraction of the all-big route's FLOPs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/hash.h"
#include "core/common/result.h"

namespace lens::model {
struct ModelConfig;
}

namespace lens::routing {

enum RouteCode : uint8_t { kSkip = 0, kSmall = 1, kBig = 2 };
using Route = std::vector<uint8_t>;

// "B" big, "s" small, "-" skip, one character per layer: "Bs-B".
std::string routeString(const uint8_t* route, int layers);
inline std::string routeString(const Route& r) { return routeString(r.data(), static_cast<int>(r.size())); }
// Parses routeString's form, or the words all-big / all-small / all-skip.
Result<Route> parseRoute(std::string_view text, int layers);
int bigCount(const uint8_t* route, int layers);

// Route index <-> route: the route's codes read as a base-3 number, layer 0 most significant.
int64_t routeCount(int layers);  // 3^layers
Route routeAt(int64_t index, int layers);
int64_t routeIndex(const uint8_t* route, int layers);

struct Budget {
  enum class Kind { BigModules, FlopsFraction };
  Kind kind = Kind::BigModules;
  double value = 0.0;  // k, or the fraction of all-big FLOPs (matmuls, per token)
  std::string label() const;  // "k=2", "flops=0.50"
};
// "k=1,2,4", "flops=0.25,0.5" or plain numbers ("1,2,4" = k). Errors name the bad item.
Result<std::vector<Budget>> parseBudgets(std::string_view spec, int layers);
bool withinBudget(const model::ModelConfig& c, const uint8_t* route, const Budget& b);
// A route drawn uniformly at random at this budget: k big layers chosen at random and the others
// small or skip at random (k budgets); uniform among the routes within the budget (FLOPs budgets).
Route randomRoute(SplitMix64& rng, const model::ModelConfig& c, const Budget& b);

}  // namespace lens::routing
