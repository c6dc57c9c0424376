// SPDX-License-Identifier: GPL-3.0-or-later
// What the store holds, as plain structs (torch-free, Qt-free: the CLI, the GUI and tests share them).
// docs/store-schema.md maps each struct to its table.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lens::store {

struct ModelRecord {
  int64_t id = 0;
  std::string path;
  std::string fingerprint;  // hash of config.json, tokenizer.json and the weight headers and sizes
  std::string architecture;
  nlohmann::json config;  // config summary
  int64_t parameterCount = 0;
};

struct ProblemRecord {
  int64_t index = 0;   // position in the dataset
  std::string key;     // MATH unique_id, or the index as text
  std::string problem;
  std::optional<std::string> answer;
  std::optional<std::string> subject;
  std::optional<int> level;  // 1..5 (MATH levels); unset for "Level ?" and prompt lists
};

struct DatasetRecord {
  int64_t id = 0;
  std::string name;
  std::string source;       // a path or "builtin:…"
  std::string fingerprint;  // over the problems' text: the same data always maps to one row
  int64_t problemCount = 0;
};

enum class RunStatus { Running, Cancelled, Failed, Done };
const char* runStatusName(RunStatus s);
std::optional<RunStatus> parseRunStatus(const std::string& s);

struct RunRecord {
  int64_t id = 0;
  std::string uid;  // stable across shards and merges
  std::string kind;
  std::string name;
  nlohmann::json spec;
  uint64_t seed = 0;
  std::string codeVersion;
  std::string device;
  RunStatus status = RunStatus::Running;
  std::string error;
  int64_t totalUnits = 0;  // in the whole run, not only this shard
  int shardIndex = 0, shardCount = 1;
  std::optional<int64_t> datasetId;
  std::string createdAt, startedAt, finishedAt, updatedAt;  // ISO 8601 UTC
  int64_t doneUnits = 0;  // filled by reads: units committed in this database
};

struct StepRecord {
  std::string text;
  std::optional<double> score;  // verifier (PRM) score of the prefix ending here
};

struct SampleRecord {
  int index = 0;
  std::string text;
  std::vector<int32_t> tokenIds;
  double logprob = 0.0;  // sum of token log-probs under the model
  std::string finish;    // length | eos | stop | kept (a revision chain repeating a confident attempt)
  std::optional<std::string> answer;  // extracted final answer
  std::optional<bool> correct;
  std::optional<double> score;  // verifier score of the whole sample
  double flops = 0.0;           // inference FLOPs spent on this sample (2·N·D)
  std::vector<StepRecord> steps;
};

// One node of a search tree (beam/lookahead search): replaying the tree follows parent links.
struct SearchNodeRecord {
  int index = 0;
  std::optional<int> parent;  // unset for a root
  int depth = 0;
  std::string text;
  int tokenCount = 0;
  std::optional<double> score;
  bool selected = false;  // on the path of the returned answer
};

// Per-token routing of one sequence (Duo-LLM oracles). The arrays cover the last P positions of the
// T tokens (P = losses.size() / budgets.size() <= T - 1): row t is token firstPosition() + t
// predicting the token after it; earlier tokens (a prompt) were context only.
//   routes[(t * budgets + b) * layers + l]  route code of position t at layer l under budget b
//                                           (0 skip, 1 small, 2 big): the oracle's best route
//   losses[t * budgets + b]                 its loss (nats)
//   fixedLosses[t * 3 + i]                  fixed routes all-skip, all-small, all-big
//   randomLosses[t * budgets + b]           mean over the run's random routings at budget b
//   bestRandomLosses[t * budgets + b]       the best of those routings (lowest sequence mean)
// The last three are empty when not computed. The budgets' kind (k or FLOPs fraction) is in the
// run's spec.
struct RoutingSequence {
  int index = 0;
  int layerCount = 0;
  std::vector<float> budgets;
  std::vector<int32_t> tokenIds;
  std::vector<uint8_t> routes;
  std::vector<float> losses;
  std::vector<float> fixedLosses;
  std::vector<float> randomLosses;
  std::vector<float> bestRandomLosses;
  // Trained routers evaluated on the same text (schema v4): [positions, routers, layers] routes
  // and [positions, routers] losses; the routers' names are in the run's spec ("routers").
  std::vector<uint8_t> routerRoutes;
  std::vector<float> routerLosses;
  size_t positions() const { return budgets.empty() ? 0 : losses.size() / budgets.size(); }
  size_t firstPosition() const { return tokenIds.size() - 1 - positions(); }
};

struct MetricPoint {
  std::string name;   // "loss", "accuracy", "lr", ...
  std::string split;  // "train", "validation", ...
  int64_t step = 0;
  double value = 0.0;
};

struct CurveRecord {
  std::string name;    // e.g. "accuracy-vs-flops"
  std::string series;  // e.g. "beam search, N=16"
  std::string xLabel, yLabel;
  std::vector<std::pair<double, double>> points;
};

// Totals over a run's samples (SQL aggregates: no sample or BLOB is read).
struct SampleSummary {
  int64_t samples = 0, generatedTokens = 0, graded = 0, correct = 0;
  double inferenceFlops = 0.0;
  // level -> (correct, graded), for problems with a level
  std::map<int, std::pair<int64_t, int64_t>> byLevel;
};

// Everything one unit produced. A unit commits as a whole or not at all.
struct UnitResult {
  int64_t index = 0;
  std::string key;
  std::optional<int64_t> problemIndex;  // into the run's dataset
  double seconds = 0.0;
  std::vector<SampleRecord> samples;
  std::vector<SearchNodeRecord> nodes;
  std::vector<RoutingSequence> routing;
  std::vector<MetricPoint> metrics;
};

}  // namespace lens::store
