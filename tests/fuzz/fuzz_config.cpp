// SPDX-License-Identifier: GPL-3.0-or-later
// config.json bytes: either a clear error naming a field, or a config whose derived sizes do not
// overflow and which survives toJson() → fromJson() unchanged.
#include <nlohmann/json.hpp>

#include "core/model/config.h"
#include "fuzz_common.h"

using namespace lens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto j = nlohmann::json::parse(fuzz::bytes(data, size), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto c = model::ModelConfig::fromJson(j, "fuzz/config.json");
  if (!c) {
    LENS_FUZZ_CHECK(c.error().message.find("fuzz/config.json") != std::string::npos);
    return 0;
  }
  LENS_FUZZ_CHECK(c->parameterCount() > 0);
  LENS_FUZZ_CHECK(c->numHeads % c->numKvHeads == 0);
  auto again = model::ModelConfig::fromJson(c->toJson(), "round trip");
  LENS_FUZZ_CHECK(again.ok());
  LENS_FUZZ_CHECK(again->toJson() == c->toJson());
  LENS_FUZZ_CHECK(again->parameterCount() == c->parameterCount());
  return 0;
}
