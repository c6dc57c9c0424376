// SPDX-License-Identifier: GPL-3.0-or-later
// The experiment store: one SQLite file in WAL mode that runs write as they go. One Store is one
// connection and is used by one thread at a time; the runner's writer thread owns the writing
// one, readers open their own (WAL: readers never block the writer, nor it them).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/store/records.h"

namespace lens::store {

class Database;

// $LENS_DB, else the platform's user data folder: $XDG_DATA_HOME/ComputeLens/computelens.db
// (~/.local/share/... on Linux, ~/Library/Application Support/... on macOS, %APPDATA% on Windows).
std::string defaultDatabasePath();
std::string nowIso8601();

struct StoreParams {
  bool readOnly = false;
  // FULL: a committed unit survives power loss, not only a killed process. Units commit in
  // batches, so the fsync cost is shared.
  bool durable = true;
};

struct NewRun {
  std::string uid;  // empty: a fresh random one
  std::string kind, name;
  nlohmann::json spec;
  uint64_t seed = 0;
  std::string device;
  int64_t totalUnits = 0;
  int shardIndex = 0, shardCount = 1;
  std::optional<int64_t> datasetId;
  std::vector<std::pair<std::string, int64_t>> models;  // role -> models.id
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::string& path, const StoreParams& params = {});
  ~Store();
  const std::string& path() const;
  Database& database() { return *m_db; }

  // Models and data are deduplicated by fingerprint: registering twice returns the same id.
  Result<int64_t> addModel(const ModelRecord& m);
  Result<int64_t> addDataset(const DatasetRecord& d, const std::vector<ProblemRecord>& problems);
  Result<std::vector<ProblemRecord>> problems(int64_t datasetId);
  Result<DatasetRecord> dataset(int64_t datasetId);
  Result<std::vector<std::pair<std::string, ModelRecord>>> runModels(int64_t runId);

  Result<RunRecord> createRun(const NewRun& r);
  // A run by id ("12") or by a unique prefix of its uid.
  Result<RunRecord> findRun(const std::string& ref);
  Result<RunRecord> run(int64_t id);
  Result<std::vector<RunRecord>> runs();
  Status setRunStatus(int64_t runId, RunStatus status, const std::string& error = {});
  Status setRunDevice(int64_t runId, const std::string& device);

  Result<std::set<int64_t>> doneUnits(int64_t runId);
  // Commits the units in one transaction. A unit already present (another process resumed the
  // same run, or a merge repeats a shard) is skipped whole. Returns how many were new.
  Result<int> commitUnits(int64_t runId, const std::vector<UnitResult>& units);

  // Reads. A unit comes back exactly as it was committed.
  Result<std::vector<int64_t>> unitIndexes(int64_t runId);
  Result<SampleSummary> sampleSummary(int64_t runId);
  Result<UnitResult> unit(int64_t runId, int64_t unitIndex);
  Result<RoutingSequence> routingSequence(int64_t runId, int64_t unitIndex, int sequenceIndex);
  // Training curves. Unit-level points commit with their unit; run-level ones (unit unset) here.
  Result<std::vector<MetricPoint>> metrics(int64_t runId, bool runLevelOnly = false);
  Status addMetrics(int64_t runId, const std::vector<MetricPoint>& points);
  Status putCurve(int64_t runId, const CurveRecord& c);  // replaces a curve of the same name/series
  Result<std::vector<CurveRecord>> curves(int64_t runId);

 private:
  Store() = default;
  Result<std::vector<RunRecord>> queryRuns(const std::string& where, int64_t arg);
  Status writeUnit(int64_t runId, const UnitResult& u, bool* inserted);
  std::unique_ptr<Database> m_db;
};

}  // namespace lens::store
