// SPDX-License-Identifier: GPL-3.0-or-later
// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
// a JSON header, then raw little-endian tensor bytes. Read memory-mapped, validated in full before
// any tensor is handed out; written atomically (temporary file + rename). Never pickle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace lens::tensor_io {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

size_t dtypeSize(DType dtype);
const char* dtypeName(DType dtype);  // as safetensors spells it: "F32", "BF16", ...
std::optional<DType> parseDType(std::string_view name);

struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // inside the mapping; valid while the file object lives
  size_t nbytes = 0;

  int64_t numel() const;
};

class SafetensorsFile {
 public:
  // Maps and validates the file. Every error names the file and, where it applies, the tensor.
  static Result<std::shared_ptr<SafetensorsFile>> open(const std::string& path);
  // Same validation over bytes held in memory (tests, fuzzing). `label` names it in errors.
  static Result<std::shared_ptr<SafetensorsFile>> fromBytes(std::string bytes, const std::string& label);

  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return m_path; }
  const std::vector<TensorView>& tensors() const { return m_tensors; }
  const TensorView* find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const { return m_metadata; }

 private:
  SafetensorsFile() = default;
  Status parse(const uint8_t* base, size_t size);

  std::string m_path;
  void* m_map = nullptr;  // mmap'ed region (or nullptr when m_owned holds the bytes)
  size_t m_mapSize = 0;
  std::string m_owned;
  std::vector<TensorView> m_tensors;  // in file order
  std::map<std::string, size_t, std::less<>> m_index;
  std::map<std::string, std::string> m_metadata;
};

struct TensorToWrite {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;  // numel * dtypeSize bytes, little-endian
};

// Writes `path` atomically: a crash leaves either the old file or the complete new one.
Status writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata = {});

}  // namespace lens::tensor_io
