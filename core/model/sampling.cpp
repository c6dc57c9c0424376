// SPDX-License-Identifier: GPL-3.0-or-later
#include <algorithm>
#include <limits>

#include "core/common/hash.h"
#include "core/model/internal/engine.h"
#include "core/text/tokenizer.h"

namespace lens::model::internal {

double uniformDraw(uint64_t seed, uint64_t stream, uint64_t step) {
  uint64_t h = splitmix64(splitmix64(splitmix64(seed) ^ stream) ^ (step * 0xD1B54A32D192ED03ull));
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);  // 53 random bits
}

bool acceptToken(Sample& smp, std::string& bytes, int32_t token, float logprob, const SamplingParams& p, const ModelConfig& c,
                 const text::Tokenizer* tokenizer) {
  smp.tokenIds.push_back(token);
  smp.logprobs.push_back(logprob);
  const auto& eos = p.eosIds.empty() ? c.eosTokenIds : p.eosIds;
  if (!p.ignoreEos && std::find(eos.begin(), eos.end(), token) != eos.end()) {
    smp.finish = FinishReason::Eos;
    return true;
  }
  if (tokenizer) {
    const size_t before = bytes.size();
    bytes += tokenizer->tokenBytes(token);
    for (const auto& stop : p.stopStrings) {
      if (stop.empty()) continue;
      const size_t from = before >= stop.size() ? before - stop.size() + 1 : 0;
      const size_t hit = bytes.find(stop, from);
      if (hit != std::string::npos) {
        bytes.resize(hit + stop.size());
        smp.finish = FinishReason::Stop;
        return true;
      }
    }
  }
  if (static_cast<int>(smp.tokenIds.size()) >= p.maxNewTokens) {
    smp.finish = FinishReason::Length;
    return true;
  }
  return false;
}

std::pair<torch::Tensor, torch::Tensor> sampleTokens(const torch::Tensor& logits, const SamplingParams& p,
                                                     const std::vector<double>& uniforms) {
  const int64_t B = logits.size(0), V = logits.size(1);
  const bool plain = p.temperature > 0.0f && p.topK <= 0 && p.topP >= 1.0f;
  if (torch::Tensor tk, lp; plain && samplePlainRows(logits, p.temperature, uniforms, tk, lp)) return {tk, lp};
  auto logp = torch::log_softmax(logits, -1);
  // Inverse-CDF draw: each row's uniform, scaled to the row's unnormalised total.
  auto draw = [&](const torch::Tensor& weights) {
    auto cdf = weights.cumsum(-1);
    auto u = torch::tensor(std::vector<double>(uniforms.begin(), uniforms.end()), torch::kFloat64)
                 .to(cdf.device(), torch::kFloat32)
                 .view({B, 1}) * cdf.narrow(-1, V - 1, 1);
    return torch::searchsorted(cdf, u, /*out_int32=*/false, /*right=*/true).view({B}).clamp_max(V - 1);
  };
  torch::Tensor tokens;
  if (p.temperature <= 0.0f) {
    tokens = logits.argmax(-1);
  } else if (plain) {
    // Plain sampling where samplePlainRows does not apply (another device or dtype): softmax(logits
    // / T) is proportional to exp(logp / T), and logp <= 0 cannot overflow, so the log-probabilities
    // already computed serve (no division, no second softmax over the [batch, vocab] matrix).
    tokens = draw(p.temperature == 1.0f ? logp.exp() : (logp * (1.0 / static_cast<double>(p.temperature))).exp_());
  } else {
    auto l = logits / static_cast<double>(p.temperature);
    const float ninf = -std::numeric_limits<float>::infinity();
    if (p.topK > 0 && p.topK < V) {
      auto kth = std::get<0>(l.topk(p.topK, -1)).narrow(-1, p.topK - 1, 1);
      l = l.masked_fill(l < kth, ninf);
    }
    if (p.topP < 1.0f) {
      auto sorted = l.sort(-1, /*descending=*/true);
      auto sl = std::get<0>(sorted), si = std::get<1>(sorted);
      auto probs = torch::softmax(sl, -1);
      // Drop a token when the mass before it already reaches top_p (the first always stays).
      auto drop = (probs.cumsum(-1) - probs) >= p.topP;
      sl = sl.masked_fill(drop, ninf);
      l = torch::full_like(l, ninf).scatter(-1, si, sl);
    }
    tokens = draw(torch::softmax(l, -1));
  }
  auto chosen = logp.gather(-1, tokens.view({B, 1})).view({B});
  return {tokens, chosen};
}

}  // namespace lens::model::internal
