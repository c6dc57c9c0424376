// SPDX-License-Identifier: GPL-3.0-or-later
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

#include "core/bench/bench.h"
#include "core/common/hash.h"
#include "core/store/store.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::bench {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Synthetic but realistic content: route codes 0/1/2 and losses of a plausible size. Generated
// before the clock starts.
std::vector<store::UnitResult> makeUnits(const StoreBenchParams& p, int sequencesPerUnit) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> route(0, 2), token(0, 151935);
  std::uniform_real_distribution<float> loss(0.5f, 6.0f);
  const int64_t sequences = (p.tokens + p.sequenceLength - 1) / p.sequenceLength;
  std::vector<store::UnitResult> units;
  for (int64_t s = 0; s < sequences; ++s) {
    if (s % sequencesPerUnit == 0) {
      store::UnitResult u;
      u.index = static_cast<int64_t>(units.size());
      u.key = "batch-" + std::to_string(u.index);
      units.push_back(std::move(u));
    }
    const int64_t n = std::min<int64_t>(p.sequenceLength, p.tokens - s * p.sequenceLength);
    store::RoutingSequence r;
    r.index = static_cast<int>(s % sequencesPerUnit);
    r.layerCount = p.layers;
    for (int b = 0; b < p.budgets; ++b) r.budgets.push_back(static_cast<float>(b + 1) / static_cast<float>(p.budgets));
    r.tokenIds.resize(static_cast<size_t>(n + 1));  // n scored positions predict tokens 1..n
    for (auto& t : r.tokenIds) t = token(rng);
    r.routes.resize(static_cast<size_t>(n * p.budgets * p.layers));
    for (auto& c : r.routes) c = static_cast<uint8_t>(route(rng));
    r.losses.resize(static_cast<size_t>(n * p.budgets));
    for (auto& l : r.losses) l = loss(rng);
    units.back().routing.push_back(std::move(r));
  }
  return units;
}

Result<int64_t> newRun(store::Store& st, int64_t units) {
  store::NewRun nr;
  nr.kind = "bench-store";
  nr.spec = json::object();
  nr.totalUnits = units;
  auto r = st.createRun(nr);
  if (!r) return r.error();
  return r->id;
}

}  // namespace

Result<json> benchStore(const StoreBenchParams& p, const RunContext* ctx) {
  const fs::path dir = p.dir.empty() ? fs::temp_directory_path() : fs::path(p.dir);
  const std::string tag = randomHex(8);
  const fs::path batchedPath = dir / ("lens-bench-store-" + tag + "-a.db");
  const fs::path singlePath = dir / ("lens-bench-store-" + tag + "-b.db");
  struct Cleanup {
    std::vector<fs::path> paths;
    ~Cleanup() {
      std::error_code ec;
      for (const auto& p : paths)
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix, ec);
    }
  } cleanup{{batchedPath, singlePath}};

  if (ctx) ctx->report(0, 3, "generating records");
  auto units = makeUnits(p, p.unitsPerCommit);
  const int64_t sequences = (p.tokens + p.sequenceLength - 1) / p.sequenceLength;
  size_t payload = 0;
  for (const auto& u : units)
    for (const auto& r : u.routing) payload += r.tokenIds.size() * 4 + r.routes.size() + r.losses.size() * 4;

  // 1. Batched: one transaction per unit of `unitsPerCommit` sequences (durable: synchronous=FULL).
  double writeBatched = 0;
  {
    auto st = store::Store::open(batchedPath.string());
    if (!st) return st.error();
    auto run = newRun(**st, static_cast<int64_t>(units.size()));
    if (!run) return run.error();
    const auto t0 = Clock::now();
    for (const auto& u : units) {
      auto added = (*st)->commitUnits(*run, {u});
      if (!added) return added.error();
    }
    writeBatched = since(t0);
  }
  if (ctx) ctx->report(1, 3, "reading");
  // 2. Read single sequences back from a fresh connection (a viewer opening the file).
  std::vector<double> reads;
  {
    store::StoreParams rp;
    rp.readOnly = true;
    auto st = store::Store::open(batchedPath.string(), rp);
    if (!st) return st.error();
    std::mt19937 rng(11);
    std::uniform_int_distribution<int64_t> pick(0, sequences - 1);
    for (int i = 0; i < p.readRepeats; ++i) {
      const int64_t s = pick(rng);
      const auto t0 = Clock::now();
      auto seq = (*st)->routingSequence(1, s / p.unitsPerCommit, static_cast<int>(s % p.unitsPerCommit));
      if (!seq) return seq.error();
      reads.push_back(since(t0));
      if (seq->tokenIds != units[static_cast<size_t>(s / p.unitsPerCommit)].routing[static_cast<size_t>(s % p.unitsPerCommit)].tokenIds)
        return makeError(ErrorCode::Internal, "bench store: sequence " + std::to_string(s) + " read back differs");
    }
  }
  std::sort(reads.begin(), reads.end());
  if (ctx) ctx->report(2, 3, "one sequence per transaction");
  // 3. The same records committed one sequence per transaction (what a per-sequence commit costs).
  double writeSingle = 0;
  {
    auto one = makeUnits(p, 1);
    auto st = store::Store::open(singlePath.string());
    if (!st) return st.error();
    auto run = newRun(**st, static_cast<int64_t>(one.size()));
    if (!run) return run.error();
    const auto t0 = Clock::now();
    for (const auto& u : one) {
      auto added = (*st)->commitUnits(*run, {u});
      if (!added) return added.error();
    }
    writeSingle = since(t0);
  }
  if (ctx) ctx->report(3, 3, "done");
  std::error_code ec;
  const auto fileBytes = fs::file_size(batchedPath, ec);
  return json{{"benchmark", "store"},
              {"tokens", p.tokens},
              {"layers", p.layers},
              {"sequence_length", p.sequenceLength},
              {"budgets", p.budgets},
              {"sequences", sequences},
              {"sequences_per_transaction", p.unitsPerCommit},
              {"payload_bytes", payload},
              {"database_bytes", ec ? 0 : fileBytes},
              {"write_seconds", writeBatched},
              {"write_mb_per_s", payload / 1e6 / writeBatched},
              {"read_sequence_ms_median", reads[reads.size() / 2] * 1e3},
              {"read_sequence_ms_max", reads.back() * 1e3},
              {"write_one_sequence_per_transaction_seconds", writeSingle},
              {"batched_speedup", writeSingle / writeBatched},
              {"synchronous", "FULL"},
              {"goal", {{"write_seconds_below", 2.0}, {"read_ms_below", 20.0}}}};
}

}  // namespace lens::bench
