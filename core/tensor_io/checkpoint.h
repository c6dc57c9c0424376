// SPDX-License-Identifier: GPL-3.0-or-later
// A Hugging Face model folder's weights: `model.safetensors`, or shards listed in
// `model.safetensors.index.json`. Pickle checkpoints (`pytorch_model.bin`, `*.pt`) are refused.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/tensor_io/safetensors.h"

namespace lens::tensor_io {

class Checkpoint {
 public:
  static Result<Checkpoint> open(const std::string& dir);

  const TensorView* find(std::string_view name) const;
  std::vector<const TensorView*> tensors() const;  // sorted by name
  const std::vector<std::string>& files() const { return m_fileNames; }
  int64_t parameterCount() const;
  std::string dominantDtype() const;  // the dtype holding most elements, e.g. "BF16"

 private:
  std::vector<std::shared_ptr<SafetensorsFile>> m_files;
  std::vector<std::string> m_fileNames;
  std::map<std::string, const TensorView*, std::less<>> m_byName;
};

}  // namespace lens::tensor_io
