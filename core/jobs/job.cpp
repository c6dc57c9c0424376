// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/jobs/job.h"

#include <chrono>

#include "core/common/hash.h"

namespace lens::jobs {

std::vector<std::string> jobKinds() { return {"generate", "train", "prm-label", "oracle", "router-train", "search", "prm-train", "revision-train"}; }

Result<std::unique_ptr<Job>> createJob(const nlohmann::json& spec) {
  if (!spec.is_object()) return makeError(ErrorCode::InvalidInput, "spec: expected a JSON object");
  auto k = spec.find("kind");
  if (k == spec.end() || !k->is_string()) return makeError(ErrorCode::InvalidInput, "spec.kind: required (generate, train, prm-label, oracle, router-train, search, prm-train, revision-train)");
  const std::string kind = k->get<std::string>();
  if (kind == "generate") return createGenerateJob(spec);
  if (kind == "train") return createTrainJob(spec);
  if (kind == "prm-label") return createPrmLabelJob(spec);
  if (kind == "oracle") return createOracleJob(spec);
  if (kind == "router-train") return createRouterTrainJob(spec);
  if (kind == "search") return createSearchJob(spec);
  if (kind == "prm-train") return createPrmTrainJob(spec);
  if (kind == "revision-train") return createRevisionTrainJob(spec);
  std::string known;
  for (const auto& n : jobKinds()) known += (known.empty() ? "" : ", ") + n;
  return makeError(ErrorCode::InvalidInput, "spec.kind: unknown job kind '" + kind + "' (known: " + known + ")");
}

uint64_t unitSeed(uint64_t seed, int64_t unit) {
  return splitmix64(seed + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(unit));
}

Result<std::vector<store::UnitResult>> runTrainingUnit(const std::vector<int64_t>& units, const std::string& key,
                                                        const std::function<Status(store::UnitResult&)>& train) {
  std::vector<store::UnitResult> out;
  if (units.empty()) return out;
  const auto t0 = std::chrono::steady_clock::now();
  store::UnitResult r;
  r.index = 0;
  r.key = key;
  LENS_TRY_STATUS(train(r));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.push_back(std::move(r));
  return out;
}

}  // namespace lens::jobs
