// SPDX-License-Identifier: GPL-3.0-or-later
// Parameters and results of generation. Torch-free: included by the CLI and the GUI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lens::model {

struct SamplingParams {
  float temperature = 1.0f;  // <= 0: greedy
  int topK = 0;              // 0: off
  float topP = 1.0f;         // 1: off
  int maxNewTokens = 64;
  std::vector<std::string> stopStrings;  // e.g. "\n\n", the step delimiter
  std::vector<int32_t> eosIds;           // empty: the model's own EOS ids
  bool ignoreEos = false;                // benchmarks run a fixed number of tokens
};

struct GenerateRequest {
  std::vector<int32_t> promptIds;  // at least one token
  int numSamples = 1;              // continuations of the one prompt, its KV computed once
  uint64_t seed = 0;               // sample i draws from stream (seed, i): same seed, same output
  SamplingParams sampling;
};

enum class FinishReason { Length, Eos, Stop };
const char* finishReasonName(FinishReason r);

struct Sample {
  std::vector<int32_t> tokenIds;  // generated tokens only (through the EOS or stop token)
  std::vector<float> logprobs;    // log p(token) under the model (temperature 1, no truncation)
  std::string text;               // decoded; ends with the stop string when one matched
  FinishReason finish = FinishReason::Length;
};

}  // namespace lens::model
