// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/tensor_io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/common/atomic_file.h"

namespace lens::tensor_io {
namespace {

// Guard against absurd headers before allocating anything (the format's own limit is 100 MB).
constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8}, {DType::F32, "F32", 4}, {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2},
    {DType::I64, "I64", 8}, {DType::I32, "I32", 4}, {DType::I16, "I16", 2}, {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},   {DType::Bool, "BOOL", 1},
};

Error bad(const std::string& file, const std::string& what) {
  return makeError(ErrorCode::InvalidInput, file + ": " + what);
}

}  // namespace

size_t dtypeSize(DType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.size;
  return 0;
}

const char* dtypeName(DType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.name;
  return "?";
}

std::optional<DType> parseDType(std::string_view name) {
  for (const auto& d : kDTypes)
    if (name == d.name) return d.dtype;
  return std::nullopt;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

SafetensorsFile::~SafetensorsFile() {
  if (m_map) munmap(m_map, m_mapSize);
}

Result<std::shared_ptr<SafetensorsFile>> SafetensorsFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return makeError(err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                     path + ": cannot open (" + std::strerror(err) + ")");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return makeError(ErrorCode::Io, path + ": not a regular file");
  }
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->m_path = path;
  const size_t size = static_cast<size_t>(st.st_size);
  if (size > 0) {
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return makeError(ErrorCode::Io, path + ": mmap failed (" + std::strerror(err) + ")");
    }
    file->m_map = map;
    file->m_mapSize = size;
  }
  ::close(fd);  // the mapping stays valid
  Status st2 = file->parse(static_cast<const uint8_t*>(file->m_map), size);
  if (!st2.ok()) return st2.error();
  return file;
}

Result<std::shared_ptr<SafetensorsFile>> SafetensorsFile::fromBytes(std::string bytes, const std::string& label) {
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->m_path = label;
  file->m_owned = std::move(bytes);
  Status st = file->parse(reinterpret_cast<const uint8_t*>(file->m_owned.data()), file->m_owned.size());
  if (!st.ok()) return st.error();
  return file;
}

const TensorView* SafetensorsFile::find(std::string_view name) const {
  auto it = m_index.find(name);
  return it == m_index.end() ? nullptr : &m_tensors[it->second];
}

Status SafetensorsFile::parse(const uint8_t* base, size_t size) {
  const std::string& f = m_path;
  if (size < 8) return bad(f, "file is " + std::to_string(size) + " bytes, too short for the 8-byte header length");
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i) headerLen = (headerLen << 8) | base[i];
  if (headerLen > kMaxHeaderBytes)
    return bad(f, "header length " + std::to_string(headerLen) + " exceeds the 100 MB limit (not a safetensors file?)");
  if (headerLen > size - 8)
    return bad(f, "header length " + std::to_string(headerLen) + " runs past the end of the file (" +
                      std::to_string(size) + " bytes): the file is truncated");
  const char* hdr = reinterpret_cast<const char*>(base + 8);
  nlohmann::json j = nlohmann::json::parse(hdr, hdr + headerLen, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad(f, "header is not well-formed JSON");
  if (!j.is_object()) return bad(f, "header is not a JSON object");
  const uint8_t* data = base + 8 + headerLen;
  const uint64_t dataSize = size - 8 - headerLen;

  struct Span {
    uint64_t begin, end;
    size_t index;
  };
  std::vector<Span> spans;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) return bad(f, "__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) return bad(f, "__metadata__ value '" + m.key() + "' is not a string");
        m_metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!v.is_object()) return bad(f, where + " entry is not an object");
    auto dt = v.find("dtype");
    auto sh = v.find("shape");
    auto off = v.find("data_offsets");
    if (dt == v.end() || !dt->is_string()) return bad(f, where + " has no string 'dtype'");
    if (sh == v.end() || !sh->is_array()) return bad(f, where + " has no 'shape' array");
    if (off == v.end() || !off->is_array() || off->size() != 2) return bad(f, where + " has no 'data_offsets' pair");
    auto dtype = parseDType(dt->get<std::string>());
    if (!dtype) return bad(f, where + " has unknown dtype '" + dt->get<std::string>() + "'");
    TensorView t;
    t.name = name;
    t.dtype = *dtype;
    uint64_t numel = 1;
    for (const auto& d : *sh) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) return bad(f, where + " has a shape entry that is not a non-negative integer");
      uint64_t dim = d.get<uint64_t>();
      if (dim != 0 && numel > std::numeric_limits<uint64_t>::max() / dim / 8) return bad(f, where + " shape overflows");
      numel *= dim;
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    for (const auto& o : *off)
      if (!o.is_number_unsigned() && !(o.is_number_integer() && o.get<int64_t>() >= 0))
        return bad(f, where + " data_offsets are not non-negative integers");
    uint64_t b = (*off)[0].get<uint64_t>(), e = (*off)[1].get<uint64_t>();
    if (b > e) return bad(f, where + " data_offsets begin " + std::to_string(b) + " > end " + std::to_string(e));
    if (e > dataSize)
      return bad(f, where + " data_offsets end " + std::to_string(e) + " is past the data section (" +
                        std::to_string(dataSize) + " bytes): the file is truncated");
    uint64_t expect = numel * dtypeSize(*dtype);
    if (e - b != expect)
      return bad(f, where + " occupies " + std::to_string(e - b) + " bytes but dtype " + dtypeName(*dtype) +
                        " x shape needs " + std::to_string(expect));
    t.data = data + b;
    t.nbytes = static_cast<size_t>(expect);
    spans.push_back({b, e, m_tensors.size()});
    m_index[name] = m_tensors.size();
    m_tensors.push_back(std::move(t));
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].begin < spans[i - 1].end && spans[i].end > spans[i].begin)
      return bad(f, "tensor '" + m_tensors[spans[i].index].name + "' overlaps tensor '" +
                        m_tensors[spans[i - 1].index].name + "'");
  }
  return Status::success();
}

Status writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    if (t.name.empty() || t.name == "__metadata__") return makeError(ErrorCode::InvalidInput, path + ": bad tensor name '" + t.name + "'");
    if (header.contains(t.name)) return makeError(ErrorCode::InvalidInput, path + ": tensor '" + t.name + "' given twice");
    uint64_t numel = 1;
    for (int64_t d : t.shape) {
      if (d < 0) return makeError(ErrorCode::InvalidInput, path + ": tensor '" + t.name + "' has a negative dimension");
      numel *= static_cast<uint64_t>(d);
    }
    uint64_t n = numel * dtypeSize(t.dtype);
    header[t.name] = {{"dtype", dtypeName(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8 != 0) h.push_back(' ');  // align the data section to 8 bytes
  AtomicFile out(path);
  if (!out.ok()) return out.error();
  uint8_t len[8];
  uint64_t hl = h.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(hl >> (8 * i));
  out.write(len, 8);
  out.write(h.data(), h.size());
  for (const auto& t : tensors) {
    uint64_t numel = 1;
    for (int64_t d : t.shape) numel *= static_cast<uint64_t>(d);
    out.write(t.data, numel * dtypeSize(t.dtype));
  }
  return out.commit();
}

}  // namespace lens::tensor_io
