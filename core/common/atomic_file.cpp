// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/common/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lens {

AtomicFile::AtomicFile(std::string path) : m_path(std::move(path)) {
  m_tmp = m_path + ".tmp." + std::to_string(::getpid());
  m_file = std::fopen(m_tmp.c_str(), "wb");
  if (!m_file) m_errno = errno;
}

AtomicFile::~AtomicFile() {
  if (m_file) {
    std::fclose(m_file);
    std::remove(m_tmp.c_str());
  }
}

Error AtomicFile::error() const {
  return makeError(ErrorCode::Io, m_path + ": cannot write (" + std::strerror(m_errno ? m_errno : EIO) + ")");
}

void AtomicFile::write(const void* data, size_t n) {
  if (!ok() || n == 0) return;
  if (std::fwrite(data, 1, n, m_file) != n) {
    m_failed = true;
    m_errno = errno;
  }
}

Status AtomicFile::commit() {
  if (!ok()) return error();
  bool good = std::fflush(m_file) == 0 && ::fsync(::fileno(m_file)) == 0;
  if (!good) m_errno = errno;
  good = (std::fclose(m_file) == 0) && good;
  m_file = nullptr;
  if (!good || std::rename(m_tmp.c_str(), m_path.c_str()) != 0) {
    if (!m_errno) m_errno = errno;
    std::remove(m_tmp.c_str());
    return error();
  }
  return Status::success();
}

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::NotFound, path + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return makeError(ErrorCode::Io, path + ": read failed");
  return ss.str();
}

Status writeJsonFile(const std::string& path, const nlohmann::json& j) {
  const std::string text = j.dump(2) + "\n";
  AtomicFile f(path);
  f.write(text.data(), text.size());
  return f.commit();
}

}  // namespace lens
