// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/common/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lens {

namespace {
namespace fs = std::filesystem;

// Temporaries "<name>.tmp.<pid>" of processes that no longer exist (killed mid-write) are removed,
// so that SIGKILLs do not pile up half-written files beside the real one.
void removeStaleTemporaries(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".tmp.";
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    const long p = std::stol(pid);
    if (p > 0 && ::kill(static_cast<pid_t>(p), 0) != 0 && errno == ESRCH) {
      std::error_code rm;
      fs::remove(it->path(), rm);
    }
  }
}

// After a rename, the directory entry itself must reach the disk for the new file to survive a
// power cut; best effort (some file systems refuse fsync on directories).
void syncParentDirectory(const std::string& path) {
  const fs::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : std::string(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}
}  // namespace

AtomicFile::AtomicFile(std::string path) : m_path(std::move(path)) {
  removeStaleTemporaries(m_path);
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
  syncParentDirectory(m_path);
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
