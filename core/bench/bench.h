// SPDX-License-Identifier: GPL-3.0-or-later
// Benchmarks behind `computelens-cli bench ...`. Every speed-up is a ratio of two timings taken in
// the same run; every timing is the median of several repeats after a warm-up.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/model/config.h"
#include "core/model/device.h"

namespace lens::bench {

// Timing helper shared by the benchmarks: median seconds of `repeats` calls after one warm-up.
double medianSeconds(int repeats, const std::function<void()>& fn);
nlohmann::json machineDescription(const model::DeviceParams& device);

struct GenerateBenchParams {
  model::ModelConfig shape;           // random weights of this shape
  std::vector<int> batches{1, 16, 64};
  int promptTokens = 128;
  int newTokens = 64;
  int repeats = 3;
  int recomputeTokens = 32;           // tokens generated for the KV-cache vs recompute comparison
  model::DeviceParams device;
};

// A small default shape that runs in seconds on a laptop CPU, and Llama-3.2-1B's shape.
model::ModelConfig benchShape(const std::string& name);  // "small" | "llama-3.2-1b"

Result<nlohmann::json> benchGenerate(const GenerateBenchParams& p, const RunContext* ctx = nullptr);

}  // namespace lens::bench

namespace lens::bench {

struct StoreBenchParams {
  int64_t tokens = 1000000;
  int layers = 32;
  int sequenceLength = 1000;  // tokens per routing sequence (one BLOB row each)
  int budgets = 4;            // per-token losses stored per compute budget
  int unitsPerCommit = 64;    // sequences per unit; the writer commits one unit per transaction here
  int readRepeats = 20;       // sequences read back (median reported)
  std::string dir;            // where the temporary databases go; empty: the system temp folder
};

// Writes per-token routing records (Duo-LLM oracle output) for `tokens` tokens, then reads single
// sequences back; also times the same data committed one sequence per transaction, for the ratio.
Result<nlohmann::json> benchStore(const StoreBenchParams& p, const RunContext* ctx = nullptr);

}  // namespace lens::bench

namespace lens::bench {

struct SharedPromptBenchParams {
  model::ModelConfig shape;  // random weights of this shape
  int samples = 64;          // N of best-of-N
  int promptTokens = 128;
  int newTokens = 64;
  int repeats = 3;
  model::DeviceParams device;
};

// Best-of-N's generation cost three ways, timed in one run: one request with N samples (the prompt
// computed once, its KV cache copied to N slots), N requests of the same prompt in one batch (the
// prompt computed N times), and N generations one after another.
Result<nlohmann::json> benchSharedPrompt(const SharedPromptBenchParams& p, const RunContext* ctx = nullptr);

}  // namespace lens::bench

namespace lens::bench {

struct OracleBenchParams {
  model::ModelConfig shape;  // a Duo shape (duoSmallIntermediateSize > 0); random weights
  int tokens = 128;          // sequence length
  int repeats = 3;
  model::DeviceParams device;
};

// The built-in Duo model's shape (arith-duo-small: 4 layers, 81 routes).
model::ModelConfig duoBenchShape();

// Exhaustive token-local oracle over every route, timed two ways in one run on the same model and
// tokens: batched (routes in the batch dimension, the context computed once) and one forward pass
// per (route, token) over a cached context. Reports the ratio and token-routes per second.
Result<nlohmann::json> benchOracle(const OracleBenchParams& p, const RunContext* ctx = nullptr);

}  // namespace lens::bench
