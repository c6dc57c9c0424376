// SPDX-License-Identifier: GPL-3.0-or-later
// What a model folder holds, read from config.json, the safetensors headers and tokenizer.json
// without loading any weights (fast; used by `inspect` and the GUI's model summary).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"
#include "core/model/config.h"

namespace lens::model {

struct ModelSummary {
  std::string dir;
  ModelConfig config;
  int64_t parameterCount = 0;  // elements stored in the checkpoint
  std::string storedDtype;     // dominant safetensors dtype, e.g. "BF16"
  std::vector<std::string> weightFiles;
  std::string tokenizerKind;   // empty when the folder has no tokenizer.json
  int32_t tokenizerVocab = 0;
  // Identifies the content: config.json, tokenizer.json and each weight file's name, size and first
  // 64 KiB (the safetensors header). Hashing every weight byte would cost seconds per gigabyte.
  std::string fingerprint;

  nlohmann::json toJson() const;
  std::string describe() const;  // a few human-readable lines
};

Result<ModelSummary> inspectModel(const std::string& dir);

}  // namespace lens::model
