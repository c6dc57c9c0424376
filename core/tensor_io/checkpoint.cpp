// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/tensor_io/checkpoint.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/common/atomic_file.h"
#include "core/common/file_names.h"

namespace lens::tensor_io {

namespace fs = std::filesystem;

Result<Checkpoint> Checkpoint::open(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return makeError(ErrorCode::NotFound, dir + ": not a folder");
  const fs::path single = fs::path(dir) / "model.safetensors";
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  Checkpoint ck;
  std::map<std::string, std::string> wanted;  // tensor -> shard file name (sharded only)
  if (fs::exists(index, ec)) {
    auto text = readFile(index.string());
    if (!text) return text.error();
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
      return makeError(ErrorCode::InvalidInput, index.string() + ": not JSON with a 'weight_map' object");
    std::map<std::string, size_t> shardIndex;
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      if (!it.value().is_string()) return makeError(ErrorCode::InvalidInput, index.string() + ": weight_map['" + it.key() + "'] is not a file name");
      std::string shard = it.value().get<std::string>();
      // A shard name is a plain file name inside the folder: nothing may point elsewhere.
      if (!isPlainFileName(shard))
        return makeError(ErrorCode::InvalidInput, index.string() + ": weight_map['" + it.key() + "'] = '" + shard + "' is not a file name in the folder");
      wanted[it.key()] = shard;
      if (!shardIndex.count(shard)) {
        auto f = SafetensorsFile::open((fs::path(dir) / shard).string());
        if (!f) return f.error();
        shardIndex[shard] = ck.m_files.size();
        ck.m_files.push_back(*f);
        ck.m_fileNames.push_back(shard);
      }
    }
    for (const auto& [name, shard] : wanted) {
      const TensorView* t = ck.m_files[shardIndex[shard]]->find(name);
      if (!t) return makeError(ErrorCode::InvalidInput, index.string() + ": tensor '" + name + "' is listed in shard '" + shard + "' but not stored there");
      ck.m_byName[name] = t;
    }
  } else if (fs::exists(single, ec)) {
    auto f = SafetensorsFile::open(single.string());
    if (!f) return f.error();
    ck.m_files.push_back(*f);
    ck.m_fileNames.push_back("model.safetensors");
    for (const auto& t : (*f)->tensors()) ck.m_byName[t.name] = &t;
  } else {
    for (const char* pickle : {"pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "consolidated.00.pth"}) {
      if (fs::exists(fs::path(dir) / pickle, ec))
        return makeError(ErrorCode::Unsupported,
                         dir + ": holds '" + pickle + "', a pickle checkpoint. ComputeLens never loads pickle (it can run code). "
                         "Convert it once with transformers: AutoModelForCausalLM.from_pretrained(DIR)"
                         ".save_pretrained(OUT, safe_serialization=True)");
    }
    return makeError(ErrorCode::NotFound, dir + ": no model.safetensors or model.safetensors.index.json");
  }
  return ck;
}

const TensorView* Checkpoint::find(std::string_view name) const {
  auto it = m_byName.find(name);
  return it == m_byName.end() ? nullptr : it->second;
}

std::vector<const TensorView*> Checkpoint::tensors() const {
  std::vector<const TensorView*> out;
  for (const auto& [name, t] : m_byName) out.push_back(t);
  return out;
}

int64_t Checkpoint::parameterCount() const {
  int64_t n = 0;
  for (const auto& [name, t] : m_byName) n += t->numel();
  return n;
}

std::string Checkpoint::dominantDtype() const {
  std::map<std::string, int64_t> count;
  for (const auto& [name, t] : m_byName) count[dtypeName(t->dtype)] += t->numel();
  std::string best;
  int64_t bestN = -1;
  for (const auto& [d, n] : count)
    if (n > bestN) best = d, bestN = n;
  return best;
}

}  // namespace lens::tensor_io
