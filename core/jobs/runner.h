// SPDX-License-Identifier: GPL-3.0-or-later
// Runs a job into the store. The calling thread computes units (the GUI calls this from a pool
// thread, the CLI from main); a writer thread owns the store connection and commits finished units
// in batches (group commit: whatever is queued when the previous commit returns goes in the next).
// A unit is in the database completely or not at all, so a run killed at any instant resumes with
// no unit lost or duplicated.
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/jobs/progress.h"
#include "core/store/records.h"

namespace lens::jobs {

struct RunParams {
  std::string dbPath;
  int shardIndex = 0;  // this process computes units u with u % shardCount == shardIndex
  int shardCount = 1;
  std::atomic<bool>* cancel = nullptr;  // set from any thread (Ctrl-C, the GUI's Stop)
  // Called on the computing thread after each batch of units and while loading.
  std::function<void(const ProgressSnapshot&, std::string_view what)> progress;
  int64_t maxNewUnits = 0;  // stop (as if cancelled) after this many new units; 0: no limit
};

struct RunOutcome {
  store::RunRecord run;       // as stored at the end (status done, cancelled or failed)
  int64_t computedUnits = 0;  // in this call
};

// Creates a run for the spec and executes it. With shardCount > 1 the run's uid comes from the spec
// and the shard count, so every shard of one spec shares it (and a requeued shard resumes itself).
// Returns the outcome for done and cancelled runs; an error (also recorded in the run) otherwise.
Result<RunOutcome> startRun(const nlohmann::json& spec, const RunParams& params);
// Continues a stored run (by id or uid prefix) from its spec, computing only missing units.
Result<RunOutcome> resumeRun(const std::string& runRef, RunParams params);

}  // namespace lens::jobs
