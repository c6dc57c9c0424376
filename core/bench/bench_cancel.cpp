// SPDX-License-Identifier: GPL-3.0-or-later
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "core/bench/bench.h"
#include "core/jobs/demo.h"
#include "core/jobs/runner.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::bench {

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Trial {
  double latency = 0;      // cancel request → startRun returned
  double unitSeconds = 0;  // mean seconds per unit before the cancel
  std::string status;
};

// One run of `spec`, cancelled `delay` after its first stored unit.
Result<Trial> cancelOnce(const json& spec, const std::string& db, std::chrono::milliseconds delay, const RunContext* outer) {
  std::atomic<bool> cancel{false};
  std::mutex mu;
  int64_t firstDone = 0;
  double firstElapsed = 0;
  std::atomic<bool> started{false};
  jobs::RunParams rp;
  rp.dbPath = db;
  rp.cancel = &cancel;
  rp.progress = [&](const jobs::ProgressSnapshot& s, std::string_view) {
    if (s.done > 0 && !started.load()) {
      std::lock_guard<std::mutex> lock(mu);
      firstDone = s.done;
      firstElapsed = s.elapsedSeconds;
      started = true;
    }
  };
  Result<jobs::RunOutcome> outcome = makeError(ErrorCode::Internal, "not run");
  Clock::time_point returned;
  std::atomic<bool> finished{false};
  std::thread worker([&] {
    outcome = jobs::startRun(spec, rp);
    returned = Clock::now();
    finished = true;
  });
  // Wait for the first stored unit (or the end of a run too short to cancel).
  while (!started.load()) {
    if (outer && outer->cancelled()) cancel = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (cancel.load()) break;
    if (finished.load()) break;  // a run too short to cancel: reported as done
  }
  std::this_thread::sleep_for(delay);
  const auto asked = Clock::now();
  cancel = true;
  worker.join();
  if (!outcome) return outcome.error();
  Trial t;
  t.latency = std::max(0.0, std::chrono::duration<double>(returned - asked).count());
  t.status = store::runStatusName(outcome->run.status);
  std::lock_guard<std::mutex> lock(mu);
  t.unitSeconds = firstDone > 0 ? firstElapsed / static_cast<double>(firstDone) : 0;
  return t;
}

}  // namespace

Result<json> benchCancel(const CancelBenchParams& p, const RunContext* ctx) {
  if (p.resources.empty()) return makeError(ErrorCode::InvalidInput, "bench cancel: no resources folder with the built-in models");
  std::error_code ec;
  const fs::path scratch = fs::path(p.dir.empty() ? fs::temp_directory_path(ec).string() : p.dir) /
                           ("computelens-bench-cancel-" + std::to_string(Clock::now().time_since_epoch().count()));
  fs::create_directories(scratch, ec);
  if (ec) return makeError(ErrorCode::Io, scratch.string() + ": " + ec.message());
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(dir, e);
    }
  } cleanup{scratch};

  auto specs = jobs::demoSpecs(p.resources, 400);
  json train = {{"kind", "train"}, {"name", "bench: training"}, {"out", (scratch / "train").string()}, {"steps", 100000},
                {"batch", 16}, {"checkpoint_every", 5}, {"save_dtype", "float32"},
                {"model", {{"layers", 2}, {"hidden", 64}, {"heads", 2}, {"kv_heads", 1}, {"intermediate", 128},
                           {"small_intermediate", 32}, {"max_positions", 256}}},
                {"data", {{"train_problems", 2000}, {"validation_problems", 16}}}};
  const std::vector<std::pair<std::string, json>> kinds = {
      {"generate (best-of-4 + PRM)", specs[0]}, {"oracle", specs[1]}, {"search (beam)", specs[2]}, {"train", train}};
  std::mt19937_64 rng(p.seed);
  std::uniform_int_distribution<int> delayMs(0, 200);
  json rows = json::array();
  double worst = 0;
  int step = 0;
  for (auto [name, spec] : kinds) {
    if (!p.device.device.empty()) spec["device"] = {{"device", p.device.device}};
    if (p.device.threads > 0) spec["device"]["threads"] = p.device.threads;
    std::vector<double> lat, unit;
    std::vector<std::string> statuses;
    for (int r = 0; r < p.repeats; ++r) {
      if (ctx) ctx->report(step++, static_cast<int64_t>(kinds.size()) * p.repeats, name);
      if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "bench cancel: cancelled");
      fs::remove_all(scratch / "train", ec);
      const std::string db = (scratch / ("run-" + std::to_string(step) + ".db")).string();
      auto t = cancelOnce(spec, db, std::chrono::milliseconds(delayMs(rng)), ctx);
      if (!t) return t.error();
      lat.push_back(t->latency);
      unit.push_back(t->unitSeconds);
      statuses.push_back(t->status);
    }
    const double worstKind = *std::max_element(lat.begin(), lat.end());
    worst = std::max(worst, worstKind);
    rows.push_back({{"job", name}, {"repeats", p.repeats}, {"median_latency_s", median(lat)}, {"max_latency_s", worstKind},
                    {"median_unit_s", median(unit)}, {"latencies_s", lat}, {"statuses", statuses}});
  }
  return json{{"benchmark", "cancel"}, {"machine", machineDescription(p.device)}, {"jobs", rows}, {"max_latency_s", worst}};
}

}  // namespace lens::bench
