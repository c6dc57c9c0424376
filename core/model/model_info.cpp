// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/model/model_info.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/common/atomic_file.h"
#include "core/common/hash.h"
#include "core/tensor_io/checkpoint.h"
#include "core/text/tokenizer.h"

namespace lens::model {

namespace fs = std::filesystem;

namespace {
Result<std::string> fingerprintOf(const std::string& dir, const std::vector<std::string>& weightFiles) {
  Fnv1a64 h;
  for (const char* name : {"config.json", "tokenizer.json"}) {
    const fs::path p = fs::path(dir) / name;
    std::error_code ec;
    if (!fs::exists(p, ec)) continue;
    auto bytes = readFile(p.string());
    if (!bytes) return bytes.error();
    h.add(name).add(*bytes);
  }
  for (const auto& f : weightFiles) {
    const fs::path p = fs::path(dir) / f;
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    if (ec) return makeError(ErrorCode::Io, p.string() + ": " + ec.message());
    std::FILE* fp = std::fopen(p.string().c_str(), "rb");
    if (!fp) return makeError(ErrorCode::Io, p.string() + ": cannot open for reading");
    std::vector<char> head(64 * 1024);
    size_t n = std::fread(head.data(), 1, head.size(), fp);
    std::fclose(fp);
    h.add(fs::path(f).filename().string()).add(static_cast<uint64_t>(size)).add(head.data(), n);
  }
  return h.hex();
}
}  // namespace

Result<ModelSummary> inspectModel(const std::string& dir) {
  ModelSummary s;
  s.dir = dir;
  auto cfg = ModelConfig::load((fs::path(dir) / "config.json").string());
  if (!cfg) return cfg.error();
  s.config = *cfg;
  auto ck = tensor_io::Checkpoint::open(dir);
  if (!ck) return ck.error();
  s.parameterCount = ck->parameterCount();
  s.storedDtype = ck->dominantDtype();
  s.weightFiles = ck->files();
  auto fp = fingerprintOf(dir, s.weightFiles);
  if (!fp) return fp.error();
  s.fingerprint = *fp;
  const fs::path tokPath = fs::path(dir) / "tokenizer.json";
  std::error_code ec;
  if (fs::exists(tokPath, ec)) {
    auto tok = text::Tokenizer::load(tokPath.string());
    if (!tok) return tok.error();
    s.tokenizerKind = (*tok)->kind();
    s.tokenizerVocab = (*tok)->vocabSize();
  }
  return s;
}

nlohmann::json ModelSummary::toJson() const {
  return {{"dir", dir},
          {"architecture", config.architecture},
          {"layers", config.numLayers},
          {"hidden_size", config.hiddenSize},
          {"intermediate_size", config.intermediateSize},
          {"duo_small_intermediate_size", config.duoSmallIntermediateSize},
          {"duo_small_rank", config.duoSmallRank},
          {"attention_heads", config.numHeads},
          {"kv_heads", config.numKvHeads},
          {"head_dim", config.headDim},
          {"qk_norm", config.qkNorm},
          {"vocab_size", config.vocabSize},
          {"rope_theta", config.rope.theta},
          {"rope_type", config.rope.type},
          {"tied_embeddings", config.tieEmbeddings},
          {"parameters", parameterCount},
          {"stored_dtype", storedDtype},
          {"weight_files", weightFiles},
          {"tokenizer", tokenizerKind},
          {"tokenizer_vocab", tokenizerVocab},
          {"fingerprint", fingerprint}};
}

std::string ModelSummary::describe() const {
  std::ostringstream o;
  const auto& c = config;
  o << "architecture   " << c.architecture << "\n"
    << "parameters     " << parameterCount << " (" << storedDtype << " on disk, " << weightFiles.size() << " file(s))\n"
    << "layers         " << c.numLayers << "  hidden " << c.hiddenSize << "  MLP " << c.intermediateSize
    << (c.duoSmallIntermediateSize > 0 ? "  (Duo: small MLP " + std::to_string(c.duoSmallIntermediateSize) +
                                              (c.duoSmallRank > 0 ? ", rank " + std::to_string(c.duoSmallRank) + " factors" : std::string()) + ")"
                                        : std::string()) << "\n"
    << "attention      " << c.numHeads << " heads, " << c.numKvHeads << " KV heads, head_dim " << c.headDim << (c.qkNorm ? ", q/k RMSNorm per head" : "") << "\n"
    << "rope           theta " << c.rope.theta << " (" << c.rope.type << ")\n"
    << "vocabulary     " << c.vocabSize << (c.tieEmbeddings ? " (tied embeddings)" : "") << "\n"
    << "tokenizer      " << (tokenizerKind.empty() ? "none" : tokenizerKind + ", " + std::to_string(tokenizerVocab) + " tokens") << "\n";
  return o.str();
}

}  // namespace lens::model
