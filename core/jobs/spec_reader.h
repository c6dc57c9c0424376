// SPDX-License-Identifier: GPL-3.0-or-later
// Strict reading of job specs: every field is typed and range-checked, unknown fields are errors
// (a typo like "temprature" must not silently run with the default), and the first problem is
// reported with its JSON path: "spec.sampling.top_p: 1.5 is outside [0, 1]".
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/model/device.h"

namespace lens::train {
struct RouteMix;
struct FineTuneParams;
}

namespace lens::jobs {

class SpecReader {
 public:
  SpecReader(const nlohmann::json& j, std::string path);

  bool has(const char* key) const;
  // Each accessor leaves `out` unchanged when the key is absent (defaults live in the params struct).
  SpecReader& text(const char* key, std::string& out, bool required = false);
  SpecReader& integer(const char* key, int64_t& out, int64_t lo, int64_t hi, bool required = false);
  SpecReader& integer(const char* key, int& out, int64_t lo, int64_t hi, bool required = false);
  SpecReader& unsignedInteger(const char* key, uint64_t& out);
  SpecReader& number(const char* key, double& out, double lo, double hi, bool loExclusive = false);
  SpecReader& number(const char* key, float& out, double lo, double hi, bool loExclusive = false);
  SpecReader& boolean(const char* key, bool& out);
  SpecReader& texts(const char* key, std::vector<std::string>& out);
  SpecReader& integers(const char* key, std::vector<int>& out, int64_t lo, int64_t hi);
  SpecReader& oneOf(const char* key, std::string& out, const std::vector<std::string>& allowed);
  // A nested object; absent → nullopt (and not an error unless required).
  std::optional<SpecReader> object(const char* key, bool required = false);
  void fail(const std::string& keyOrEmpty, const std::string& message);

  // Reports unknown keys of this object (call after reading every known key), then the first error.
  Status finish();
  const std::string& path() const { return m_path; }

 private:
  const nlohmann::json* find(const char* key);
  std::string at(const char* key) const { return m_path + "." + key; }
  const nlohmann::json& m_j;
  std::string m_path;
  std::set<std::string> m_known;
  std::shared_ptr<std::optional<Error>> m_error;  // shared with child readers
};

// The "device" object every job kind accepts: device, dtype, threads.
Status readDeviceSpec(SpecReader& parent, model::DeviceParams& out);
// Reads the fields every fine-tuning job has: seed, base and out (required), steps, batch, lr,
// weight_decay, validation_fraction, max_tokens, save_dtype and device.
Status readFineTuneSpec(SpecReader& r, train::FineTuneParams& out);
// Reads an optional "routes" object ({big, small, skip}: route probabilities of Duo training).
Status readRouteMixSpec(SpecReader& parent, train::RouteMix& out);

}  // namespace lens::jobs
