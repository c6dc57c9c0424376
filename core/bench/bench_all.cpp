// SPDX-License-Identifier: GPL-3.0-or-later
#include <cstdio>
#include <filesystem>

#include "core/bench/bench.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::bench {

namespace {

// computelens-bench-heatmap's JSON (it prints it on standard output), or an error.
Result<json> runHeatmapBench(const fs::path& program, BenchSize size) {
  const char* args = size == BenchSize::Full ? " --repeats 5" : size == BenchSize::Quick ? " --tokens 100000 --repeats 1 --no-baseline"
                                                                                          : " --tokens 20000 --repeats 1 --no-baseline";
  const std::string cmd = "'" + program.string() + "'" + args + " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return makeError(ErrorCode::Io, "bench all: cannot run " + program.string());
  std::string text;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) text.append(buf, n);
  const int status = pclose(pipe);
  if (status != 0) return makeError(ErrorCode::Internal, "bench all: " + program.string() + " failed (status " + std::to_string(status) + ")");
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return makeError(ErrorCode::Internal, "bench all: " + program.string() + " did not print JSON");
  return j;
}

}  // namespace

Result<json> benchAll(const AllBenchParams& p, const RunContext* ctx) {
  const bool quick = p.size != BenchSize::Full, tiny = p.size == BenchSize::Tiny;
  // Picks the full, quick or tiny value of a size.
  auto pick = [&](int full, int q, int t) { return tiny ? t : quick ? q : full; };
  const int repeats = quick ? 1 : 3;
  json out = {{"benchmark", "all"},
              {"size", tiny ? "tiny" : quick ? "quick" : "full"},
              {"quick", quick},
              {"machine", machineDescription(p.device)}};
  const int steps = 10;
  int step = 0;
  auto report = [&](const char* what) {
    if (ctx) ctx->report(step++, steps, what);
  };

  report("generate");
  GenerateBenchParams g;
  g.shape = benchShape("small");
  g.batches = tiny ? std::vector<int>{1, 2, 4} : std::vector<int>{1, 16, 64};
  g.newTokens = pick(32, 4, 2);
  g.recomputeTokens = pick(32, 4, 2);
  g.repeats = repeats;
  g.device = p.device;
  if (quick) {  // a smoke test: no second decoding per batch, a small bandwidth copy
    g.compareTensorPath = false;
    g.bandwidthMiB = 16;
  }
  auto gen = benchGenerate(g);
  if (!gen) return gen.error();
  out["generate"] = *gen;

  report("best-of-N");
  SharedPromptBenchParams s;
  s.shape = benchShape("small");
  s.samples = pick(64, 8, 4);
  s.newTokens = pick(64, 4, 2);
  s.repeats = repeats;
  s.device = p.device;
  auto shared = benchSharedPrompt(s);
  if (!shared) return shared.error();
  out["best_of_n"] = *shared;

  report("beam");
  BeamBenchParams b;
  b.shape = benchShape("small");
  b.rounds = pick(6, 2, 1);
  b.stepTokens = pick(32, 4, 2);
  b.repeats = repeats;
  b.device = p.device;
  auto beam = benchBeam(b);
  if (!beam) return beam.error();
  out["beam"] = *beam;

  report("prm");
  PrmBenchParams prm = p.prm;
  prm.repeats = repeats;
  prm.samples = pick(prm.samples, 4, 2);
  auto pr = benchPrm(prm);
  if (!pr) return pr.error();
  out["prm"] = *pr;

  report("train");
  TrainBenchParams tr;
  tr.batch = pick(128, 16, 4);
  tr.steps = pick(4, 1, 1);
  tr.microBatches = {tr.batch, pick(32, 8, 2), pick(8, 4, 1)};
  tr.device = p.device;
  auto trained = benchTrain(tr);
  if (!trained) return trained.error();
  out["train"] = *trained;

  report("oracle");
  OracleBenchParams o;
  o.shape = duoBenchShape();
  o.tokens = pick(128, 16, 6);
  o.repeats = repeats;
  o.device = p.device;
  auto oracle = benchOracle(o);
  if (!oracle) return oracle.error();
  out["oracle"] = *oracle;

  report("store");
  StoreBenchParams st;
  st.tokens = pick(static_cast<int>(st.tokens), 100000, 20000);
  auto store = benchStore(st);
  if (!store) return store.error();
  out["store"] = *store;

  report("memory");
  MemoryBenchParams m = p.memory;
  if (quick) {
    m.fewProblems = MemoryBenchParams::kSamplingBatch;  // one batch, as the many-problem run decodes
    m.manyProblems = (tiny ? 3 : 10) * MemoryBenchParams::kSamplingBatch;
    m.compareAllocator = false;
  }
  if (tiny) {
    m.bestOfProblems = 1;
    m.bestOfMaxTokens = 64;
    m.oracleProblems = 2;
    m.oracleRandomRoutings = 4;
  }
  auto mem = benchMemory(m);
  if (!mem) return mem.error();
  out["memory"] = *mem;

  report("cancel");
  CancelBenchParams c = p.cancel;
  c.repeats = quick ? 1 : 5;
  c.device = p.device;
  auto cancel = benchCancel(c);
  if (!cancel) return cancel.error();
  out["cancel"] = *cancel;

  report("heatmap");
  const fs::path dir = fs::path(p.memory.program).parent_path();
  std::error_code ec;
  fs::path heatmap;
  for (const fs::path& c : {dir / "computelens-bench-heatmap", dir / ".." / "gui" / "computelens-bench-heatmap"})
    if (fs::exists(c, ec)) {
      heatmap = c;
      break;
    }
  if (heatmap.empty()) {
    out["heatmap"] = {{"skipped", "computelens-bench-heatmap was not found beside " + p.memory.program + " (a build without the GUI?)"}};
  } else {
    auto h = runHeatmapBench(heatmap, p.size);
    if (!h) return h.error();
    out["heatmap"] = *h;
  }
  report("done");
  return out;
}

}  // namespace lens::bench
