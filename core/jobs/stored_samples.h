// SPDX-License-Identifier: GPL-3.0-or-later
// Reading the graded samples of an earlier run as training data (prm-train reads a prm-label run's
// step labels; revision-train reads a generate run's answers). Torch-free.
#pragma once

#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/store/records.h"

namespace lens::jobs {

struct StoredProblemSamples {
  std::string problem;  // the problem's text
  std::vector<store::SampleRecord> samples;
};

// The samples of run `run` (id or uid prefix) in database `db`, opened read-only, per problem in
// unit order. The run must be of one of `kinds` and have its problems recorded; errors start with
// `field` (the spec field that named the run).
Result<std::vector<StoredProblemSamples>> readStoredSamples(const std::string& db, const std::string& run, const std::vector<std::string>& kinds,
                                                            const std::string& field);

}  // namespace lens::jobs
