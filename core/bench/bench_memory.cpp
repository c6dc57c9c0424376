// SPDX-License-Identifier: GPL-3.0-or-later
#include <sys/wait.h>
#include <spawn.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/bench/bench.h"
#include "core/common/hash.h"

extern char** environ;

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::bench {

namespace {

struct ChildRun {
  double seconds = 0;
  double peakMb = 0;  // the child's maximum resident set
};

// `program run SPEC --db DB --quiet` in its own process. Its peak RSS is the VmHWM it writes at exit
// to $LENS_PEAK_RSS_FILE: wait4's ru_maxrss would not do, since Linux carries the parent's peak
// across exec into the child's.
// With glibcDefaults the child runs with LENS_ALLOCATOR=glibc (tuneAllocatorForTensors leaves
// glibc's malloc as it starts).
Result<ChildRun> runChild(const std::string& program, const fs::path& spec, const fs::path& db, bool glibcDefaults) {
  const fs::path rssFile = db.string() + ".peak-rss";
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "LENS_PEAK_RSS_FILE=", 19) != 0 && std::strncmp(*e, "LENS_ALLOCATOR=", 15) != 0) env.emplace_back(*e);
  env.push_back("LENS_PEAK_RSS_FILE=" + rssFile.string());
  if (glibcDefaults) env.push_back("LENS_ALLOCATOR=glibc");
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = {program, "run", spec.string(), "--db", db.string(), "--quiet"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return makeError(ErrorCode::Io, "bench memory: cannot start " + program + ": " + std::strerror(rc));
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return makeError(ErrorCode::Io, "bench memory: waitpid failed");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return makeError(ErrorCode::Internal, "bench memory: " + program + " run " + spec.string() + " failed (status " + std::to_string(status) + ")");
  ChildRun r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::ifstream in(rssFile);
  double kb = 0;
  if (!(in >> kb) || kb <= 0) return makeError(ErrorCode::Internal, "bench memory: " + program + " did not report its peak memory in " + rssFile.string());
  r.peakMb = kb / 1024.0;
  return r;
}

}  // namespace

Result<json> benchMemory(const MemoryBenchParams& p, const RunContext* ctx) {
  constexpr int batch = MemoryBenchParams::kSamplingBatch;
  if (p.fewProblems < batch || p.manyProblems < batch)
    return makeError(ErrorCode::InvalidInput, "bench memory: the sampling runs need at least " + std::to_string(batch) +
                                                     " problems each (one batch), got " + std::to_string(p.fewProblems) + " and " +
                                                     std::to_string(p.manyProblems));
  const fs::path dir = (p.dir.empty() ? fs::temp_directory_path() : fs::path(p.dir)) / ("lens-bench-memory-" + randomHex(8));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return makeError(ErrorCode::Io, "bench memory: cannot create " + dir.string() + ": " + ec.message());
  struct Cleanup {
    fs::path d;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(d, e);
    }
  } cleanup{dir};
  const std::string model = p.resources + "/models/arith-duo-small";
  auto light = [&](int problems) {
    return json{{"kind", "generate"}, {"model", model}, {"dataset", {{"path", "builtin:arith"}, {"split", "train"}, {"count", problems}}},
                {"samples", 1}, {"batch", batch}, {"seed", 1}, {"sampling", {{"temperature", 1.0}, {"max_new_tokens", 64}}}};
  };
  // name, spec, and whether it also runs with glibc's allocator defaults (a same-run ratio for the
  // allocator settings, on the jobs that allocate the most).
  struct BenchJob {
    std::string name;
    json spec;
    bool compare;
  };
  const std::vector<BenchJob> jobs = {
      {"best_of_64",
       {{"kind", "generate"}, {"model", model}, {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", p.bestOfProblems}}},
        {"samples", 64}, {"batch", 1}, {"seed", 1}, {"sampling", {{"temperature", 1.0}, {"max_new_tokens", p.bestOfMaxTokens}}}},
       p.compareAllocator},
      {"oracle",
       {{"kind", "oracle"}, {"model", model}, {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", p.oracleProblems}}},
        {"budgets", "k=0,1,2,4"}, {"random_routings", p.oracleRandomRoutings}, {"seed", 1}},
       p.compareAllocator},
      {"sampling_" + std::to_string(p.fewProblems) + "_problems", light(p.fewProblems), false},
      {"sampling_" + std::to_string(p.manyProblems) + "_problems", light(p.manyProblems), p.compareAllocator},
  };
  json out = {{"benchmark", "memory"}, {"program", p.program}};
  int64_t done = 0;
  for (const auto& [name, spec, compare] : jobs) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "bench memory: cancelled");
    if (ctx) ctx->report(done, static_cast<int64_t>(jobs.size()), name);
    const fs::path specPath = dir / (name + ".json");
    std::ofstream(specPath) << spec.dump(2);
    auto r = runChild(p.program, specPath, dir / (name + ".db"), false);
    if (!r) return r.error();
    out[name] = {{"peak_rss_mb", r->peakMb}, {"seconds", r->seconds}, {"spec", spec}};
    if (compare) {  // the same job in a fresh database, glibc's malloc as it starts
      auto g = runChild(p.program, specPath, dir / (name + "-glibc.db"), true);
      if (!g) return g.error();
      out[name]["glibc_defaults"] = {{"peak_rss_mb", g->peakMb}, {"seconds", g->seconds}};
      out[name]["allocator_speedup"] = g->seconds / r->seconds;
    }
    ++done;
  }
  const double few = out["sampling_" + std::to_string(p.fewProblems) + "_problems"]["peak_rss_mb"].get<double>();
  const double many = out["sampling_" + std::to_string(p.manyProblems) + "_problems"]["peak_rss_mb"].get<double>();
  out["growth_ratio_many_over_few"] = many / few;
  if (ctx) ctx->report(done, done, "done");
  return out;
}

}  // namespace lens::bench
