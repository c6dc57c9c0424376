// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/common/json_number.h"

#include <nlohmann/json.hpp>

namespace lens {

std::optional<int64_t> jsonInteger(const nlohmann::json& v, int64_t lo, int64_t hi) {
  int64_t x = 0;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    x = static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    x = v.get<int64_t>();
  } else {
    return std::nullopt;
  }
  if (x < lo || x > hi) return std::nullopt;
  return x;
}

}  // namespace lens
