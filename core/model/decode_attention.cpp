// SPDX-License-Identifier: GPL-3.0-or-later
// Attention of one new token per row against its cache slot, on the CPU in float32: the decoding
// step's attention without the per-row small matrix products that torch::matmul makes of it (at
// batch 64 those were more time than all the weight matmuls together). Each (row, KV head) reads
// its keys and values once, for all the query heads that share them, and only the positions the
// mask allows.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/model/internal/engine.h"
#include "core/model/internal/fast_math.h"

namespace lens::model::internal {
namespace {

// Built twice where the compiler can (AVX2 + FMA, and the baseline), chosen at load time, so the
// Debian package stays portable.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LENS_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LENS_SIMD_CLONES
#endif

// Query heads q[G][D] against keys/values K,V[positions][D] at positions [lo, hi]; writes out[G][D].
// `scores` holds G * (hi - lo + 1) floats. Each key and value row is read once for all G heads.
LENS_SIMD_CLONES void attendSlot(const float* q, int64_t G, const float* K, const float* V, int64_t D, int64_t lo, int64_t hi,
                                 float scale, float* scores, float* out) {
  const int64_t n = hi - lo + 1;
  for (int64_t k = 0; k < n; ++k) {
    const float* kr = K + (lo + k) * D;
    for (int64_t g = 0; g < G; ++g) {
      const float* qg = q + g * D;
      float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
      for (int64_t d = 0; d < D; ++d) acc += qg[d] * kr[d];
      scores[g * n + k] = acc * scale;
    }
  }
  std::fill(out, out + G * D, 0.0f);
  for (int64_t g = 0; g < G; ++g) {
    float* s = scores + g * n;
    float mx = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : mx)
    for (int64_t k = 0; k < n; ++k) mx = s[k] > mx ? s[k] : mx;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t k = 0; k < n; ++k) {
      s[k] = expOrZero(s[k] - mx);
      sum += s[k];
    }
    const float inv = 1.0f / sum;
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) s[k] *= inv;
  }
  for (int64_t k = 0; k < n; ++k) {
    const float* vr = V + (lo + k) * D;
    for (int64_t g = 0; g < G; ++g) {
      const float p = scores[g * n + k];
      float* o = out + g * D;
#pragma omp simd
      for (int64_t d = 0; d < D; ++d) o[d] += p * vr[d];
    }
  }
}

}  // namespace

torch::Tensor decodeAttention(const torch::Tensor& q, const torch::Tensor& kCache, const torch::Tensor& vCache,
                              const std::vector<int64_t>& slots, const std::vector<int64_t>& positions,
                              std::optional<int64_t> slidingWindow, double scale, const torch::Tensor& into) {
  const int64_t B = q.size(0), H = q.size(1), D = q.size(2);
  const int64_t Hkv = kCache.size(1), capacity = kCache.size(2), G = H / Hkv;
  TORCH_CHECK(kCache.sizes() == vCache.sizes() && vCache.is_contiguous(), "decodeAttention: K and V caches differ");
  TORCH_CHECK(kCache.size(3) == D && H % Hkv == 0, "decodeAttention: head sizes do not match the cache");
  TORCH_CHECK(static_cast<int64_t>(slots.size()) == B && static_cast<int64_t>(positions.size()) == B,
              "decodeAttention: one slot and position per row expected");
  auto qc = q.contiguous();
  auto out = into.defined() ? into.view({B, H * D}) : torch::empty({B, H * D}, q.options());
  TORCH_CHECK(out.is_contiguous() && out.scalar_type() == torch::kFloat32, "decodeAttention: the output must be contiguous float32");
  const float* qp = qc.data_ptr<float>();
  const float* kp = kCache.data_ptr<float>();
  const float* vp = vCache.data_ptr<float>();
  float* op = out.data_ptr<float>();
  int64_t maxLen = 0;
  for (int64_t b = 0; b < B; ++b) {
    TORCH_CHECK(positions[b] >= 0 && positions[b] < capacity, "decodeAttention: position outside the cache");
    maxLen = std::max(maxLen, positions[b] + 1);
  }
  const auto sf = static_cast<float>(scale);
  at::parallel_for(0, B * Hkv, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(G * maxLen);
    for (int64_t i = begin; i < end; ++i) {
      const int64_t b = i / Hkv, h = i % Hkv, pos = positions[b];
      const int64_t lo = slidingWindow ? std::max<int64_t>(0, pos - *slidingWindow + 1) : 0;
      const int64_t base = (slots[b] * Hkv + h) * capacity * D;
      attendSlot(qp + (b * H + h * G) * D, G, kp + base, vp + base, D, lo, pos, sf, scores.data(), op + (b * H + h * G) * D);
    }
  });
  return out;
}

}  // namespace lens::model::internal
