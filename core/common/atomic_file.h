// SPDX-License-Identifier: GPL-3.0-or-later
// Write-to-temporary-then-rename, so that a crash never leaves a half-written file behind.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "core/common/result.h"

namespace lens {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // discards the temporary unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  bool ok() const { return m_file != nullptr && !m_failed; }
  Error error() const;
  void write(const void* data, size_t n);
  // fsyncs, closes and renames over the target.
  Status commit();

 private:
  std::string m_path, m_tmp;
  std::FILE* m_file = nullptr;
  bool m_failed = false;
  int m_errno = 0;
};

// Writes JSON (indented, newline-terminated) atomically.
Status writeJsonFile(const std::string& path, const nlohmann::json& j);

// Reads a whole file; errors name the path.
Result<std::string> readFile(const std::string& path);

}  // namespace lens
