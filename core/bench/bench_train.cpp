// SPDX-License-Identifier: GPL-3.0-or-later
#include <chrono>
#include <cmath>
#include <filesystem>

#include "core/bench/bench.h"
#include "core/train/trainer.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::bench {

Result<json> benchTrain(const TrainBenchParams& p, const RunContext* ctx) {
  if (p.microBatches.empty()) return makeError(ErrorCode::InvalidInput, "bench train: no micro-batch sizes to compare");
  std::error_code ec;
  const fs::path scratch = fs::path(p.dir.empty() ? fs::temp_directory_path().string() : p.dir) /
                           ("computelens-bench-train-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  json rows = json::array();
  double oneRowSeconds = 0;
  std::vector<double> referenceLosses;
  int done = 0;
  for (int micro : p.microBatches) {
    if (ctx) ctx->report(done, static_cast<int64_t>(p.microBatches.size()), "micro-batch " + std::to_string(micro));
    train::TrainParams tp;
    tp.shape = p.shape;
    tp.outDir = (scratch / std::to_string(done)).string();
    tp.trainProblems = 2000;
    tp.validationProblems = 8;
    tp.steps = 1 + p.steps;  // one warm-up step, then the timed ones
    tp.checkpointEvery = 1 << 30;
    tp.batch = p.batch;
    tp.microBatch = micro;
    tp.warmup = 0;
    tp.saveDtype = "float32";
    tp.device = p.device;
    auto trainer = train::Trainer::open(tp);
    if (!trainer) return trainer.error();
    RunContext quiet;
    auto warm = (*trainer)->trainUntil(1, quiet);
    if (!warm) return warm.error();
    const auto t0 = std::chrono::steady_clock::now();
    auto metrics = (*trainer)->trainUntil(tp.steps, quiet);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!metrics) return metrics.error();
    std::vector<double> losses;
    for (const auto& m : *metrics)
      if (m.name == "loss" && m.split == "train") losses.push_back(m.value);
    if (done == 0) {  // the first setting is the reference of the others
      referenceLosses = losses;
      oneRowSeconds = seconds;
    }
    double maxDiff = 0;
    for (size_t i = 0; i < losses.size() && i < referenceLosses.size(); ++i) maxDiff = std::max(maxDiff, std::abs(losses[i] - referenceLosses[i]));
    rows.push_back({{"micro_batch", micro},
                    {"seconds_per_step", seconds / p.steps},
                    {"speedup_over_first", oneRowSeconds / seconds},
                    {"max_abs_loss_difference_from_first", maxDiff}});
    fs::remove_all(tp.outDir, ec);
    ++done;
  }
  fs::remove_all(scratch, ec);
  if (ctx) ctx->report(done, done, "done");
  const auto& s = p.shape;
  return json{{"benchmark", "train"},
              {"shape", {{"layers", s.layers}, {"hidden", s.hidden}, {"heads", s.heads}, {"kv_heads", s.kvHeads},
                         {"intermediate", s.intermediate}, {"small_intermediate", s.smallIntermediate}}},
              {"batch", p.batch},
              {"steps_timed", p.steps},
              {"note", "the first row is the reference of the ratios and loss differences"},
              {"rows", rows}};
}

}  // namespace lens::bench
