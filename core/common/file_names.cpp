// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/common/file_names.h"

#include <filesystem>

namespace lens {

std::string safeFileStem(const std::string& text, size_t maxLength, const std::string& fallback) {
  std::string out;
  bool gap = false;
  for (unsigned char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.';
    if (!keep) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out += '-';
    gap = false;
    out += static_cast<char>(c);
  }
  while (!out.empty() && (out.front() == '.' || out.front() == '-')) out.erase(out.begin());
  if (out.size() > maxLength) out.resize(maxLength);
  while (!out.empty() && (out.back() == '.' || out.back() == '-')) out.pop_back();
  return out.empty() ? fallback : out;
}

bool isPlainFileName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

Result<std::string> fileInFolder(const std::string& folder, const std::string& name) {
  if (!isPlainFileName(name))
    return makeError(ErrorCode::InvalidInput, "'" + name + "' is not a plain file name inside " + folder);
  // One plain component: the result lies directly inside `folder` by construction.
  const std::filesystem::path p = std::filesystem::path(folder) / name;
  return p.string();
}

}  // namespace lens
