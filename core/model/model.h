// SPDX-License-Identifier: GPL-3.0-or-later
// A loaded decoder-only transformer with its tokenizer. Torch-free interface (pimpl); the torch
// side lives in core/model/internal/. A Model may be used from one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/model/config.h"
#include "core/model/device.h"
#include "core/model/generate_params.h"

namespace lens::text {
class Tokenizer;
}

namespace lens::model::internal {
class Engine;
}

namespace lens::model {

class Model {
 public:
  // Loads config.json, the safetensors weights and tokenizer.json (optional) from a folder.
  static Result<std::unique_ptr<Model>> load(const std::string& dir, const DeviceParams& device = {});
  // Random weights of a given shape (benchmarks, tests). No tokenizer.
  static Result<std::unique_ptr<Model>> random(const ModelConfig& config, uint64_t seed, const DeviceParams& device = {});
  ~Model();

  const ModelConfig& config() const;
  const text::Tokenizer* tokenizer() const;  // nullptr when the folder has none
  std::string device() const;                // "cpu", "cuda:0"
  std::string dtype() const;                 // compute dtype: "float32", "bfloat16", ...
  int64_t parameterCount() const;

  // Logits of every position of one sequence, row-major [ids.size(), vocab], as float32.
  Result<std::vector<float>> logits(const std::vector<int32_t>& ids);
  // Generates for several prompts at once (each with its samples), batched decoding with a
  // shared KV cache. Results: one vector of samples per request.
  Result<std::vector<std::vector<Sample>>> generate(const std::vector<GenerateRequest>& requests,
                                                   const RunContext* ctx = nullptr);

  internal::Engine& engine();  // for core modules that need the torch-level API

 private:
  Model();
  std::unique_ptr<internal::Engine> m_engine;
  std::shared_ptr<text::Tokenizer> m_tokenizer;
};

}  // namespace lens::model
