// SPDX-License-Identifier: GPL-3.0-or-later
// Whole numbers read from JSON a user or a file supplied (config.json, tokenizer.json, router
// manifests). nlohmann's get<int>() on a float out of the integer's range (1e300) is undefined
// behaviour, and on an integer out of range it silently wraps; read untrusted numbers here instead.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include <nlohmann/json_fwd.hpp>

namespace lens {

// v's value when v is a JSON integer (signed or unsigned; not a float, not a bool) within
// [lo, hi]; nullopt otherwise.
std::optional<int64_t> jsonInteger(const nlohmann::json& v, int64_t lo = std::numeric_limits<int64_t>::min(),
                                   int64_t hi = std::numeric_limits<int64_t>::max());

}  // namespace lens
