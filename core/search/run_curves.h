// SPDX-License-Identifier: GPL-3.0-or-later
// Accuracy-vs-compute curves of a stored run: the one core call behind `computelens-cli curves`
// and the workbench's trade-off view.
#pragma once

#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/search/aggregate.h"

namespace lens::store {
class Store;
}

namespace lens::search {

struct CurveSeries {
  std::string name;  // "all", "bin 1".."bin 5" (oracle difficulty), "level 1".."level 5"
  std::vector<CurvePoint> points;
};

struct RunCurves {
  int64_t runId = 0;
  Aggregation aggregation = Aggregation::Majority;
  int problems = 0;  // graded problems used
  std::vector<CurveSeries> series;
};

// Reads the run's graded samples and computes the curves for each budget. Errors when the run has
// no graded samples.
Result<RunCurves> computeRunCurves(store::Store& store, int64_t runId, Aggregation how, const std::vector<int>& budgets,
                                   int trials = 200);

}  // namespace lens::search
