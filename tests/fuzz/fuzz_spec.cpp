// SPDX-License-Identifier: GPL-3.0-or-later
// Job spec bytes: jobs::createJob either refuses with a message naming the spec path ("spec…"),
// or makes a job with at least one unit and a kind (a name is optional: runs without one are
// listed by kind). Nothing is run. The fuzzer runs in
// an empty folder (scripts/fuzz.sh) and inputs that name absolute paths or ".." are skipped, so
// that a spec cannot make it walk the file system (a dataset of "/" is a valid, slow spec).
#include <nlohmann/json.hpp>

#include "core/jobs/job.h"
#include "fuzz_common.h"

using namespace lens;

namespace {
bool namesOutside(const nlohmann::json& j) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    return s.find("..") != std::string::npos || s.rfind('/', 0) == 0 || s.find("~") != std::string::npos;
  }
  if (j.is_structured())
    for (const auto& v : j) if (namesOutside(v)) return true;
  if (j.is_object())
    for (const auto& [k, v] : j.items()) if (k.find("..") != std::string::npos) return true;
  return false;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto j = nlohmann::json::parse(fuzz::bytes(data, size), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || namesOutside(j)) return 0;
  auto job = jobs::createJob(j);
  if (!job) {
    LENS_FUZZ_CHECK(job.error().message.rfind("spec", 0) == 0 || job.error().message.find(": ") != std::string::npos);
    return 0;
  }
  const auto& jb = **job;
  LENS_FUZZ_CHECK(jb.unitCount() > 0);
  LENS_FUZZ_CHECK(!jb.kind().empty());
  (void)jb.unitKey(0);
  (void)jb.unitKey(jb.unitCount() - 1);
  return 0;
}
