// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/jobs/runner.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/common/allocator.h"
#include "core/common/hash.h"
#include "core/jobs/job.h"
#include "core/model/model_info.h"
#include "core/store/store.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

// Owns the writing connection on its own thread. Workers push finished units; each wake-up commits
// everything queued in one transaction. Bounded: a worker waits when the queue is full.
class UnitWriter {
 public:
  UnitWriter(store::Store& store, int64_t runId) : m_store(store), m_runId(runId), m_thread([this] { loop(); }) {}
  ~UnitWriter() { (void)finish(); }

  void push(std::vector<store::UnitResult> units) {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_space.wait(lock, [&] { return m_queue.size() < kMaxQueued || !m_error.ok(); });
    for (auto& u : units) m_queue.push_back(std::move(u));
    m_wake.notify_one();
  }
  Status error() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_error;
  }
  // Drains the queue, stops the thread, and returns the first commit error.
  Status finish() {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_stop = true;
      m_wake.notify_one();
    }
    if (m_thread.joinable()) m_thread.join();
    return m_error;
  }

 private:
  static constexpr size_t kMaxQueued = 4096;
  void loop() {
    for (;;) {
      std::vector<store::UnitResult> batch;
      {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_wake.wait(lock, [&] { return m_stop || !m_queue.empty(); });
        if (m_queue.empty() && m_stop) return;
        batch.assign(std::make_move_iterator(m_queue.begin()), std::make_move_iterator(m_queue.end()));
        m_queue.clear();
        m_space.notify_all();
      }
      auto added = m_store.commitUnits(m_runId, batch);
      if (!added) {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_error.ok()) m_error = added.error();
        m_queue.clear();
        m_space.notify_all();
        return;
      }
    }
  }

  store::Store& m_store;
  int64_t m_runId;
  std::mutex m_mutex;
  std::condition_variable m_wake, m_space;
  std::deque<store::UnitResult> m_queue;
  bool m_stop = false;
  Status m_error;
  std::thread m_thread;  // last: starts after the members it uses exist
};

Status registerInputs(store::Store& st, const Job& job, store::NewRun& nr) {
  if (const auto* ps = job.problems()) {
    store::DatasetRecord d;
    d.name = ps->name;
    d.source = ps->source;
    d.fingerprint = ps->fingerprint;
    std::vector<store::ProblemRecord> rows;
    rows.reserve(ps->problems.size());
    for (size_t i = 0; i < ps->problems.size(); ++i) {
      const auto& p = ps->problems[i];
      rows.push_back({static_cast<int64_t>(i), p.key, p.problem, p.answer, p.subject, p.level});
    }
    auto id = st.addDataset(d, rows);
    if (!id) return id.error();
    nr.datasetId = *id;
  }
  for (const auto& [role, dir] : job.modelDirs()) {
    auto info = model::inspectModel(dir);
    if (!info) return info.error();
    store::ModelRecord m;
    m.path = dir;
    m.fingerprint = info->fingerprint;
    m.architecture = info->config.architecture;
    m.config = info->toJson();
    m.parameterCount = info->parameterCount;
    auto id = st.addModel(m);
    if (!id) return id.error();
    nr.models.emplace_back(role, *id);
  }
  return Status::success();
}

// Computes the missing units of `run` in this shard. The store is the caller's connection; the
// writer thread uses it exclusively until it finishes.
Result<RunOutcome> execute(store::Store& st, Job& job, store::RunRecord run, const RunParams& params) {
  std::atomic<bool> neverCancel{false};
  RunContext ctx;
  ctx.cancel = params.cancel ? params.cancel : &neverCancel;
  ProgressMeter meter;

  auto done = st.doneUnits(run.id);
  if (!done) return done.error();
  std::vector<int64_t> pending;
  int64_t shardTotal = 0, shardDone = 0;
  for (int64_t u = 0; u < job.unitCount(); ++u) {
    if (u % run.shardCount != run.shardIndex) continue;
    ++shardTotal;
    if (done->count(u)) ++shardDone;
    else pending.push_back(u);
  }
  auto report = [&](std::string_view what) {
    if (params.progress) params.progress(meter.update(shardDone, shardTotal), what);
  };
  auto fail = [&](const Error& e) -> Error {
    (void)st.setRunStatus(run.id, e.code == ErrorCode::Cancelled ? store::RunStatus::Cancelled : store::RunStatus::Failed,
                          e.message);
    return e;
  };
  LENS_TRY_STATUS(st.setRunStatus(run.id, store::RunStatus::Running));

  RunOutcome outcome;
  bool cancelled = false;
  if (!pending.empty()) {
    ctx.progress = [&](int64_t, int64_t, std::string_view what) { report(what); };
    Status prepared = [&]() -> Status {
      try {
        return job.prepare(ctx);
      } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("preparing the job: ") + e.what());
      }
    }();
    if (!prepared) return fail(prepared.error());
    (void)st.setRunDevice(run.id, job.device());
    // Inside a unit, jobs report what they are doing (a training step, a search depth); the counts
    // stay in units, except a training's steps of the whole run, which the ETA follows. The printers
    // throttle, so frequent reports are cheap.
    const bool runSteps = job.reportsRunSteps();
    ctx.progress = [&](int64_t d, int64_t t, std::string_view what) {
      if (runSteps) meter.steps(d, t);
      report(what);
    };

    Error failure;
    bool failed = false;
    {
      UnitWriter writer(st, run.id);
      report("running");
      for (size_t next = 0; next < pending.size();) {
        if (ctx.cancelled() || (params.maxNewUnits > 0 && outcome.computedUnits >= params.maxNewUnits)) {
          cancelled = true;
          break;
        }
        if (auto w = writer.error(); !w) {
          failure = w.error();
          failed = true;
          break;
        }
        size_t n = std::min(pending.size() - next, static_cast<size_t>(job.batchSize()));
        if (params.maxNewUnits > 0) n = std::min<size_t>(n, static_cast<size_t>(params.maxNewUnits - outcome.computedUnits));
        std::vector<int64_t> units(pending.begin() + static_cast<std::ptrdiff_t>(next),
                                   pending.begin() + static_cast<std::ptrdiff_t>(next + n));
        Result<std::vector<store::UnitResult>> results = [&]() -> Result<std::vector<store::UnitResult>> {
          try {
            return job.runUnits(units, ctx);
          } catch (const std::exception& e) {
            return makeError(ErrorCode::Internal, std::string("unit ") + std::to_string(units.front()) + ": " + e.what());
          }
        }();
        if (!results) {
          if (results.error().code == ErrorCode::Cancelled) cancelled = true;
          else {
            failure = results.error();
            failed = true;
          }
          break;
        }
        writer.push(std::move(*results));
        next += n;
        outcome.computedUnits += static_cast<int64_t>(n);
        shardDone += static_cast<int64_t>(n);
        report(job.unitKey(units.back()));
      }
      // Whatever finished before a cancel or a failure is still committed.
      if (auto w = writer.finish(); !w && !failed) {
        failure = w.error();
        failed = true;
      }
    }
    if (failed) return fail(failure);
  }
  int64_t shardCommitted = 0;
  auto idx = st.doneUnits(run.id);
  if (!idx) return idx.error();
  for (int64_t u : *idx)
    if (u % run.shardCount == run.shardIndex) ++shardCommitted;
  const bool complete = shardCommitted >= shardTotal;
  LENS_TRY_STATUS(st.setRunStatus(run.id, complete ? store::RunStatus::Done : store::RunStatus::Cancelled,
                                  complete || !cancelled ? std::string() : "cancelled; resume to continue"));
  report(complete ? "done" : "cancelled");
  auto final = st.run(run.id);
  if (!final) return final.error();
  outcome.run = *final;
  return outcome;
}

// Gives the job's freed memory back when the run ends, after the job and the store it outlives.
struct ReleaseFreedMemoryAtEnd {
  ReleaseFreedMemoryAtEnd() = default;
  ReleaseFreedMemoryAtEnd(const ReleaseFreedMemoryAtEnd&) = delete;
  ReleaseFreedMemoryAtEnd& operator=(const ReleaseFreedMemoryAtEnd&) = delete;
  ~ReleaseFreedMemoryAtEnd() { releaseFreedMemory(); }
};

}  // namespace

Result<RunOutcome> startRun(const json& spec, const RunParams& params) {
  if (params.shardCount < 1 || params.shardIndex < 0 || params.shardIndex >= params.shardCount)
    return makeError(ErrorCode::InvalidInput, "--shard " + std::to_string(params.shardIndex) + "/" +
                                                  std::to_string(params.shardCount) + ": need 0 <= I < N");
  ReleaseFreedMemoryAtEnd release;
  auto job = createJob(spec);  // validates before the database is touched
  if (!job) return job.error();
  auto st = store::Store::open(params.dbPath);
  if (!st) return st.error();

  store::NewRun nr;
  nr.kind = (*job)->kind();
  nr.name = (*job)->name();
  nr.spec = spec;
  nr.seed = (*job)->seed();
  nr.totalUnits = (*job)->unitCount();
  nr.shardIndex = params.shardIndex;
  nr.shardCount = params.shardCount;
  if (params.shardCount > 1) {
    // Every shard of one spec gets the same uid; `merge` joins them by it.
    nr.uid = Fnv1a64().add(spec.dump()).add(static_cast<uint64_t>(params.shardCount)).hex();
    auto all = (*st)->runs();
    if (!all) return all.error();
    for (const auto& r : *all)
      if (r.uid == nr.uid && r.shardIndex == params.shardIndex && r.shardCount == params.shardCount)
        return execute(**st, **job, r, params);  // a requeued shard continues where it stopped
  }
  LENS_TRY_STATUS(registerInputs(**st, **job, nr));
  auto run = (*st)->createRun(nr);
  if (!run) return run.error();
  return execute(**st, **job, *run, params);
}

Result<RunOutcome> resumeRun(const std::string& runRef, RunParams params) {
  ReleaseFreedMemoryAtEnd release;
  auto st = store::Store::open(params.dbPath);
  if (!st) return st.error();
  auto run = (*st)->findRun(runRef);
  if (!run) return run.error();
  auto job = createJob(run->spec);
  if (!job) return makeError(job.error().code, "run " + std::to_string(run->id) + ": " + job.error().message);
  if (run->datasetId && (*job)->problems()) {
    auto d = (*st)->dataset(*run->datasetId);
    if (!d) return d.error();
    if (d->fingerprint != (*job)->problems()->fingerprint)
      return makeError(ErrorCode::InvalidInput, "run " + std::to_string(run->id) + ": the problems in " + d->source +
                                                    " changed since the run started; resuming would mix two datasets. "
                                                    "Start a new run instead.");
  }
  if ((*job)->unitCount() != run->totalUnits)
    return makeError(ErrorCode::InvalidInput, "run " + std::to_string(run->id) + ": the spec now yields " +
                                                  std::to_string((*job)->unitCount()) + " units, the run has " +
                                                  std::to_string(run->totalUnits));
  return execute(**st, **job, *run, params);
}

}  // namespace lens::jobs
