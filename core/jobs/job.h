// SPDX-License-Identifier: GPL-3.0-or-later
// A job is what a run executes: a JSON spec (the same file for the GUI and the CLI) validated into
// a Job that splits its work into units (a problem, a sequence). The runner (runner.h) stores each
// unit atomically, so any job resumes after a crash by computing only the missing units.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/mathdata/problems.h"
#include "core/store/records.h"

namespace lens::jobs {

class Job {
 public:
  virtual ~Job() = default;
  virtual std::string kind() const = 0;
  virtual std::string name() const = 0;
  virtual uint64_t seed() const = 0;
  virtual int64_t unitCount() const = 0;
  virtual std::string unitKey(int64_t unit) const = 0;
  // The problems the units refer to (unit i ↔ problem i), or nullptr.
  virtual const mathdata::ProblemSet* problems() const { return nullptr; }
  // Models by role ("policy", "verifier", ...) → folder; registered in the store with the run.
  virtual std::vector<std::pair<std::string, std::string>> modelDirs() const { return {}; }
  // Units computed together (one batched forward pass); the runner hands out up to this many.
  virtual int batchSize() const { return 1; }
  // Whether the (done, total) of the job's reports inside runUnits count the whole run's steps (a
  // training's optimizer steps), so that the ETA can follow them between units.
  virtual bool reportsRunSteps() const { return false; }

  // Called once, on the worker thread, before the first unit (loads models).
  virtual Status prepare(const RunContext& ctx) = 0;
  virtual std::string device() const { return {}; }  // after prepare: "cpu", "cuda:0 bfloat16"
  // Computes the given units. Must return ErrorCode::Cancelled promptly once ctx is cancelled.
  virtual Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) = 0;
};

// Validates the spec ("kind" picks the job) and builds the job. Errors name the JSON path.
Result<std::unique_ptr<Job>> createJob(const nlohmann::json& spec);
std::vector<std::string> jobKinds();

// Kinds register here (one function per kind, defined in its own file).
Result<std::unique_ptr<Job>> createGenerateJob(const nlohmann::json& spec);
Result<std::unique_ptr<Job>> createTrainJob(const nlohmann::json& spec);
Result<std::unique_ptr<Job>> createPrmLabelJob(const nlohmann::json& spec);
Result<std::unique_ptr<Job>> createOracleJob(const nlohmann::json& spec);
Result<std::unique_ptr<Job>> createRouterTrainJob(const nlohmann::json& spec);
Result<std::unique_ptr<Job>> createSearchJob(const nlohmann::json& spec);
Result<std::unique_ptr<Job>> createPrmTrainJob(const nlohmann::json& spec);
Result<std::unique_ptr<Job>> createRevisionTrainJob(const nlohmann::json& spec);

// A per-unit random stream independent of batching and order (splitmix64 of seed and unit).
uint64_t unitSeed(uint64_t seed, int64_t unit);

// The units of a job that is one training (prm-train, revision-train): nothing when `units` is
// empty, else unit 0 named `key`, filled by `train` (its metrics), timed.
Result<std::vector<store::UnitResult>> runTrainingUnit(const std::vector<int64_t>& units, const std::string& key,
                                                        const std::function<Status(store::UnitResult&)>& train);

}  // namespace lens::jobs
