// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/jobs/stored_samples.h"

#include <algorithm>

#include "core/store/store.h"

namespace lens::jobs {

Result<std::vector<StoredProblemSamples>> readStoredSamples(const std::string& db, const std::string& runName, const std::vector<std::string>& kinds,
                                                            const std::string& field) {
  store::StoreParams sp;
  sp.readOnly = true;
  auto st = store::Store::open(db, sp);
  if (!st) return makeError(st.error().code, field + ".db: " + st.error().message);
  auto run = (*st)->findRun(runName);
  if (!run) return makeError(run.error().code, field + ".run: " + run.error().message);
  const std::string which = field + ".run: run " + std::to_string(run->id);
  if (std::find(kinds.begin(), kinds.end(), run->kind) == kinds.end()) {
    std::string names;
    for (const auto& k : kinds) names += (names.empty() ? "" : " or ") + k;
    return makeError(ErrorCode::InvalidInput, which + " is a " + run->kind + " run, not " + names);
  }
  if (!run->datasetId) return makeError(ErrorCode::InvalidInput, which + " has no problems recorded");
  auto problems = (*st)->problems(*run->datasetId);
  if (!problems) return problems.error();
  auto units = (*st)->unitIndexes(run->id);
  if (!units) return units.error();
  std::vector<StoredProblemSamples> out;
  for (int64_t u : *units) {
    auto unit = (*st)->unit(run->id, u);
    if (!unit) return unit.error();
    if (!unit->problemIndex || *unit->problemIndex < 0 || *unit->problemIndex >= static_cast<int64_t>(problems->size())) continue;
    out.push_back({(*problems)[static_cast<size_t>(*unit->problemIndex)].problem, std::move(unit->samples)});
  }
  if (out.empty()) return makeError(ErrorCode::InvalidInput, which + " has no finished problems yet");
  return out;
}

}  // namespace lens::jobs
