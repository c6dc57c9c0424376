// SPDX-License-Identifier: GPL-3.0-or-later
// Exports of one run for people's own tools (JSON with everything; CSV of one table), and the
// merge of shard databases into one.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/store/records.h"

namespace lens::store {

class Store;

nlohmann::json runToJson(const RunRecord& r);
nlohmann::json unitToJson(const UnitResult& u);
// The inverse of unitToJson; errors name the JSON path ("units[3].samples[0].token_ids").
Result<UnitResult> unitFromJson(const nlohmann::json& j, const std::string& where);

// {"format": "computelens-run", "run": …, "models": …, "problems": …, "units": […], "metrics", "curves"}
Result<nlohmann::json> exportRunJson(Store& store, int64_t runId, const RunContext* ctx = nullptr);

enum class CsvTable { Samples, Steps, Nodes, Routing, Metrics };
Result<CsvTable> parseCsvTable(const std::string& name);
// RFC 4180: a header row, fields quoted when they hold a comma, quote or line break.
Status exportRunCsv(Store& store, int64_t runId, CsvTable table, std::ostream& out, const RunContext* ctx = nullptr);
std::string csvField(const std::string& s);

struct MergeReport {
  int runs = 0;
  int64_t unitsAdded = 0;
  int64_t unitsSkipped = 0;  // already in the output (overlapping shards, a repeated merge)
};
// Copies every run of the inputs into `out`. Shards of one run (same uid) become one run whose
// status is done when every unit is present, else cancelled (so `resume` fills the gaps).
Result<MergeReport> mergeStores(Store& out, const std::vector<std::string>& inputs, const RunContext* ctx = nullptr);

}  // namespace lens::store
