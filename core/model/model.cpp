// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/model/model.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/common/atomic_file.h"
#include "core/common/json_number.h"
#include "core/model/internal/engine.h"
#include "core/tensor_io/checkpoint.h"
#include "core/text/tokenizer.h"
#include "core/text/unicode.h"

namespace lens::model {

namespace fs = std::filesystem;
using internal::Engine;
using internal::ForwardBatch;
using internal::KvCache;

const char* finishReasonName(FinishReason r) {
  switch (r) {
    case FinishReason::Length: return "length";
    case FinishReason::Eos: return "eos";
    case FinishReason::Stop: return "stop";
  }
  return "?";
}

Model::Model() = default;
Model::~Model() = default;

namespace {
void mergeGenerationConfigEos(const std::string& dir, ModelConfig& cfg) {
  auto text = readFile((fs::path(dir) / "generation_config.json").string());
  if (!text) return;  // optional file
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("eos_token_id")) return;
  const auto& e = j["eos_token_id"];
  auto add = [&](const nlohmann::json& v) {
    const auto id = jsonInteger(v, 0, std::numeric_limits<int32_t>::max());
    if (id && std::find(cfg.eosTokenIds.begin(), cfg.eosTokenIds.end(), static_cast<int32_t>(*id)) == cfg.eosTokenIds.end())
      cfg.eosTokenIds.push_back(static_cast<int32_t>(*id));
  };
  if (e.is_array()) for (const auto& v : e) add(v);
  else add(e);
}
}  // namespace

Result<std::unique_ptr<Model>> Model::load(const std::string& dir, const DeviceParams& deviceParams) {
  auto dp = resolveDevice(deviceParams);
  if (!dp) return dp.error();
  setTorchThreads(dp->threads);
  auto cfg = ModelConfig::load((fs::path(dir) / "config.json").string());
  if (!cfg) return cfg.error();
  mergeGenerationConfigEos(dir, *cfg);
  auto ck = tensor_io::Checkpoint::open(dir);
  if (!ck) return ck.error();
  std::unique_ptr<Model> m(new Model());
  const fs::path tokPath = fs::path(dir) / "tokenizer.json";
  std::error_code ec;
  if (fs::exists(tokPath, ec)) {
    auto tok = text::Tokenizer::load(tokPath.string());
    if (!tok) return tok.error();
    m->m_tokenizer = *tok;
  }
  try {
    c10::InferenceMode guard;
    torch::Device device(dp->device);
    auto dtype = internal::parseScalarType(dp->dtype);
    auto w = Engine::loadWeights(*cfg, *ck, device, dtype);
    if (!w) return makeError(w.error().code, dir + ": " + w.error().message);
    m->m_engine = std::make_unique<Engine>(*cfg, std::move(*w), device, dtype);
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, dir);
  }
  return m;
}

Result<std::unique_ptr<Model>> Model::random(const ModelConfig& config, uint64_t seed, const DeviceParams& deviceParams) {
  auto dp = resolveDevice(deviceParams);
  if (!dp) return dp.error();
  setTorchThreads(dp->threads);
  std::unique_ptr<Model> m(new Model());
  try {
    c10::InferenceMode guard;
    torch::Device device(dp->device);
    auto dtype = internal::parseScalarType(dp->dtype);
    m->m_engine = std::make_unique<Engine>(config, Engine::randomWeights(config, seed, device, dtype), device, dtype);
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "random model");
  }
  return m;
}

const ModelConfig& Model::config() const { return m_engine->config(); }
const text::Tokenizer* Model::tokenizer() const { return m_tokenizer.get(); }
std::string Model::device() const { return m_engine->device().str(); }
std::string Model::dtype() const { return internal::scalarTypeName(m_engine->dtype()); }
int64_t Model::parameterCount() const {
  const auto& w = m_engine->weights();
  int64_t n = w.embed.numel() + w.finalNorm.numel() + (config().tieEmbeddings ? 0 : w.lmHead.numel());
  for (const auto& L : w.layers)
    for (const auto* t : {&L.inputNorm, &L.postNorm, &L.wqkv, &L.bqkv, &L.qNorm, &L.kNorm, &L.wo, &L.bo, &L.wGateUp, &L.bGateUp,
                          &L.wDown, &L.bDown})
      if (t->defined()) n += t->numel();
  return n;
}
internal::Engine& Model::engine() { return *m_engine; }

Result<std::vector<float>> Model::logits(const std::vector<int32_t>& ids) {
  if (ids.empty()) return makeError(ErrorCode::InvalidInput, "logits: no token ids given");
  if (config().isRewardModel())
    return makeError(ErrorCode::InvalidInput, "logits: " + config().architecture + " has no LM head (score it as a PRM)");
  const int64_t V = config().vocabSize;
  for (int32_t id : ids)
    if (id < 0 || id >= V) return makeError(ErrorCode::InvalidInput, "logits: token id " + std::to_string(id) + " is outside the vocabulary (0.." + std::to_string(V - 1) + ")");
  try {
    c10::InferenceMode guard;
    const int64_t T = static_cast<int64_t>(ids.size());
    auto cache = m_engine->makeCache(1, T);
    ForwardBatch fb;
    fb.tokens = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64).view({1, T}).to(m_engine->device());
    fb.slots = {0};
    fb.startPos = {0};
    fb.lengths = {T};
    auto out = m_engine->forward(fb, *cache, /*allLogits=*/true).to(torch::kCPU).contiguous();
    return std::vector<float>(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "logits");
  }
}

namespace {

struct Running {
  size_t request, sample;
  int64_t slot;
  int64_t length;  // tokens in the cache for this sequence
  int32_t next;    // token to feed at the next step
  std::string bytes;
  bool done = false;
};

}  // namespace

Result<std::vector<std::vector<Sample>>> Model::generate(const std::vector<GenerateRequest>& requests, const RunContext* ctx) {
  const ModelConfig& cfg = config();
  if (cfg.isRewardModel())
    return makeError(ErrorCode::InvalidInput, "generate: " + cfg.architecture + " has no LM head and cannot generate");
  int64_t slots = 0, capacity = 0, maxPrompt = 0;
  for (size_t r = 0; r < requests.size(); ++r) {
    const auto& q = requests[r];
    const std::string where = "request " + std::to_string(r);
    if (q.promptIds.empty()) return makeError(ErrorCode::InvalidInput, where + ": the prompt has no tokens");
    if (q.numSamples < 1) return makeError(ErrorCode::InvalidInput, where + ": numSamples must be at least 1");
    if (q.sampling.maxNewTokens < 1) return makeError(ErrorCode::InvalidInput, where + ": maxNewTokens must be at least 1");
    if (q.sampling.topP <= 0.0f || q.sampling.topP > 1.0f) return makeError(ErrorCode::InvalidInput, where + ": top_p must be in (0, 1]");
    if (q.sampling.topK < 0) return makeError(ErrorCode::InvalidInput, where + ": top_k must be >= 0");
    for (int32_t id : q.promptIds)
      if (id < 0 || id >= cfg.vocabSize) return makeError(ErrorCode::InvalidInput, where + ": prompt token id " + std::to_string(id) + " is outside the vocabulary");
    slots += q.numSamples;
    maxPrompt = std::max<int64_t>(maxPrompt, q.promptIds.size());
    capacity = std::max<int64_t>(capacity, static_cast<int64_t>(q.promptIds.size()) + q.sampling.maxNewTokens);
  }
  std::vector<std::vector<Sample>> out(requests.size());
  if (requests.empty()) return out;
  try {
    c10::InferenceMode guard;
    const auto dev = m_engine->device();
    // A request of several samples keeps its prompt's K/V in a slot of its own past the samples'
    // slots, which compaction (step 5) never overwrites: the CPU decoding step reads it once for all
    // the request's samples (ForwardBatch::shared).
    std::vector<int64_t> promptSlot(requests.size(), -1);
    int64_t extra = 0;
    for (size_t r = 0; r < requests.size(); ++r)
      if (requests[r].numSamples >= 2) promptSlot[r] = slots + extra++;
    auto cache = m_engine->makeCache(slots + extra, capacity);

    // 1. Prefill every prompt once, in its prompt slot or its only sample's slot (right-padded batch).
    std::vector<Running> run;
    ForwardBatch pre;
    std::vector<int64_t> padded(requests.size() * maxPrompt, 0);
    int64_t slot = 0;
    for (size_t r = 0; r < requests.size(); ++r) {
      const auto& q = requests[r];
      std::copy(q.promptIds.begin(), q.promptIds.end(), padded.begin() + r * maxPrompt);
      pre.slots.push_back(promptSlot[r] >= 0 ? promptSlot[r] : slot);
      pre.startPos.push_back(0);
      pre.lengths.push_back(static_cast<int64_t>(q.promptIds.size()));
      for (int i = 0; i < q.numSamples; ++i) run.push_back({r, static_cast<size_t>(i), slot + i, static_cast<int64_t>(q.promptIds.size()), 0, {}});
      out[r].resize(q.numSamples);
      slot += q.numSamples;
    }
    pre.tokens = torch::tensor(padded, torch::kInt64).view({static_cast<int64_t>(requests.size()), maxPrompt}).to(dev);
    auto logits = m_engine->forward(pre, *cache, /*allLogits=*/false);  // [R, V]
    // 2. Prefix sharing: the samples of a request start from a copy of its prompt's KV (every path
    // reads a row's own slot; the CPU decoding step reads the prompt slot instead where it can).
    for (const auto& s : run)
      if (promptSlot[s.request] >= 0) cache->copyPrefix(promptSlot[s.request], s.slot, s.length);
    std::vector<int64_t> rowOf;  // logits row of each running sequence
    for (const auto& s : run) rowOf.push_back(static_cast<int64_t>(s.request));
    logits = logits.index_select(0, torch::tensor(rowOf, torch::kInt64).to(dev));

    std::vector<size_t> active(run.size());
    for (size_t i = 0; i < run.size(); ++i) active[i] = i;
    for (int64_t step = 0;; ++step) {
      if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "generation cancelled");
      // 3. Sample the next token of every active sequence, grouped by sampling parameters.
      std::map<std::tuple<float, int, float>, std::vector<int64_t>> groups;  // params -> rows of `active`
      for (size_t a = 0; a < active.size(); ++a) {
        const auto& p = requests[run[active[a]].request].sampling;
        groups[{p.temperature, p.topK, p.topP}].push_back(static_cast<int64_t>(a));
      }
      std::vector<int64_t> tokHost(active.size());
      std::vector<float> lpHost(active.size());
      for (const auto& [key, rows] : groups) {
        std::vector<double> u;
        for (int64_t a : rows) {
          const Running& s = run[active[a]];
          u.push_back(internal::uniformDraw(requests[s.request].seed, s.sample, static_cast<uint64_t>(step)));
        }
        auto sub = rows.size() == active.size() ? logits : logits.index_select(0, torch::tensor(rows, torch::kInt64).to(dev));
        auto [tok, lp] = internal::sampleTokens(sub, requests[run[active[rows[0]]].request].sampling, u);
        tok = tok.to(torch::kCPU).contiguous();
        lp = lp.to(torch::kCPU).contiguous();
        for (size_t i = 0; i < rows.size(); ++i) {
          tokHost[rows[i]] = tok.data_ptr<int64_t>()[i];
          lpHost[rows[i]] = lp.data_ptr<float>()[i];
        }
      }
      // 4. Append and check the stop conditions.
      for (size_t a = 0; a < active.size(); ++a) {
        Running& s = run[active[a]];
        s.next = static_cast<int32_t>(tokHost[a]);
        s.done = internal::acceptToken(out[s.request][s.sample], s.bytes, s.next, lpHost[a], requests[s.request].sampling, cfg,
                                       m_tokenizer.get());
      }
      // 5. Compact the survivors into slots [0, A) so attention reads a contiguous cache view.
      std::vector<size_t> still;
      for (size_t i : active)
        if (!run[i].done) still.push_back(i);
      if (still.empty()) break;
      std::sort(still.begin(), still.end(), [&](size_t x, size_t y) { return run[x].slot < run[y].slot; });
      for (size_t t = 0; t < still.size(); ++t) {
        Running& s = run[still[t]];
        if (s.slot != static_cast<int64_t>(t)) {
          cache->copyPrefix(s.slot, static_cast<int64_t>(t), s.length);
          s.slot = static_cast<int64_t>(t);
        }
      }
      active = std::move(still);
      // 6. One decoding step for every active sequence.
      ForwardBatch fb;
      std::vector<int64_t> next;
      for (size_t i : active) {
        fb.slots.push_back(run[i].slot);
        fb.startPos.push_back(run[i].length);
        fb.lengths.push_back(1);
        next.push_back(run[i].next);
        run[i].length += 1;
        if (extra > 0) {
          const int64_t ps = promptSlot[run[i].request];
          fb.shared.slot.push_back(std::max<int64_t>(ps, 0));
          fb.shared.length.push_back(ps >= 0 ? static_cast<int64_t>(requests[run[i].request].promptIds.size()) : 0);
        }
      }
      fb.tokens = torch::tensor(next, torch::kInt64).view({static_cast<int64_t>(next.size()), 1}).to(dev);
      // The fused CPU step writes its logits over the last step's (sampled above): no B x vocab
      // allocation per step (33 MB at batch 64 with Llama 3's vocabulary).
      logits = m_engine->forward(fb, *cache, /*allLogits=*/false, /*logitsInScratch=*/true);
      if (ctx) ctx->report(step + 1, capacity - maxPrompt, "decoding");
    }
    for (const auto& s : run) out[s.request][s.sample].text = text::toValidUtf8(s.bytes);
  } catch (const std::exception& e) {
    return internal::translateTorchError(e, "generate");
  }
  return out;
}

}  // namespace lens::model
