// SPDX-License-Identifier: GPL-3.0-or-later
// Attention of one new token per row against its cache slot, on the CPU in float32: the decoding
// step's attention without the per-row small matrix products that torch::matmul makes of it (at
// batch 64 those were more time than all the weight matmuls together). Each (row, KV head) reads
// its keys and values once, for all the query heads that share them, and only the positions the
// mask allows.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "core/model/internal/engine.h"
#include "core/model/internal/fast_math.h"

namespace lens::model::internal {
namespace {

// Softmax of each of `rows` rows of n scores in place; the rows' maxima and sums of exp go to mx and
// sum where given.
LENS_SIMD_CLONES void softmaxRows(float* s, int64_t rows, int64_t n, float* mx, float* sum) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = s + r * n;
    float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
    for (int64_t k = 0; k < n; ++k) m = row[k] > m ? row[k] : m;
    float t = 0.0f;
#pragma omp simd reduction(+ : t)
    for (int64_t k = 0; k < n; ++k) {
      row[k] = expOrZero(row[k] - m);
      t += row[k];
    }
    const float inv = 1.0f / t;
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) row[k] *= inv;
    if (mx) mx[r] = m;
    if (sum) sum[r] = t;
  }
}

// Query heads q[G][D] against keys/values K,V[positions][D] at positions [lo, hi]; writes out[G][D].
// `scores` holds G * (hi - lo + 1) floats. Each key and value row is read once for all G heads.
LENS_SIMD_CLONES void attendSlot(const float* q, int64_t G, const float* K, const float* V, int64_t D, int64_t lo, int64_t hi,
                                 float scale, float* scores, float* out, float* maxOut = nullptr, float* sumOut = nullptr) {
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
  softmaxRows(scores, G, n, maxOut, sumOut);
  std::fill(out, out + G * D, 0.0f);
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

// out = the attention over the union of two disjoint key sets, from each set's normalised output
// (a, b) and its softmax maximum and sum: weights s·exp(m − max) (the log-sum-exp merge).
LENS_SIMD_CLONES void mergeSoftmaxParts(const float* a, float ma, float sa, const float* b, float mb, float sb, int64_t D, float* out) {
  const float m = ma > mb ? ma : mb;
  const float wa = sa * std::exp(ma - m), wb = sb * std::exp(mb - m), inv = 1.0f / (wa + wb);
  const float fa = wa * inv, fb = wb * inv;
#pragma omp simd
  for (int64_t d = 0; d < D; ++d) out[d] = fa * a[d] + fb * b[d];
}

}  // namespace

torch::Tensor decodeAttention(const torch::Tensor& q, const torch::Tensor& kCache, const torch::Tensor& vCache,
                              const std::vector<int64_t>& slots, const std::vector<int64_t>& positions,
                              std::optional<int64_t> slidingWindow, double scale, const torch::Tensor& into,
                              const SharedPrefix* shared) {
  const int64_t B = q.size(0), H = q.size(1), D = q.size(2);
  const int64_t Hkv = kCache.size(1), capacity = kCache.size(2), G = H / Hkv;
  TORCH_CHECK(kCache.sizes() == vCache.sizes() && vCache.is_contiguous(), "decodeAttention: K and V caches differ");
  TORCH_CHECK(kCache.size(3) == D && H % Hkv == 0, "decodeAttention: head sizes do not match the cache");
  TORCH_CHECK(static_cast<int64_t>(slots.size()) == B && static_cast<int64_t>(positions.size()) == B,
              "decodeAttention: one slot and position per row expected");
  auto qc = q.contiguous();
  auto out = decodeOutput(into, B, H * D, q, "decodeAttention");
  const float* qp = qc.data_ptr<float>();
  const float* kp = kCache.data_ptr<float>();
  const float* vp = vCache.data_ptr<float>();
  float* op = out.data_ptr<float>();
  int64_t maxLen = 0;
  for (int64_t b = 0; b < B; ++b) {
    TORCH_CHECK(slots[b] >= 0 && slots[b] < kCache.size(0) && positions[b] >= 0 && positions[b] < capacity,
                "decodeAttention: slot or position outside the cache");
    maxLen = std::max(maxLen, positions[b] + 1);
  }
  auto lowest = [&](int64_t b) { return slidingWindow ? std::max<int64_t>(0, positions[b] - *slidingWindow + 1) : int64_t{0}; };

  // Rows that share a prefix (the samples of one prompt): groups of at least two rows with the same
  // prefix slot and length, whose window starts at 0 and whose new token comes after the prefix.
  std::vector<int64_t> prefixOf(static_cast<size_t>(B), 0);  // prefix length used for row b (0: none)
  std::map<std::pair<int64_t, int64_t>, std::vector<int64_t>> groups;
  if (shared) {
    TORCH_CHECK(static_cast<int64_t>(shared->slot.size()) == B && static_cast<int64_t>(shared->length.size()) == B,
                "decodeAttention: one shared-prefix slot and length per row expected");
    for (int64_t b = 0; b < B; ++b) {
      const int64_t ps = shared->slot[static_cast<size_t>(b)], pl = shared->length[static_cast<size_t>(b)];
      if (pl <= 0) continue;
      TORCH_CHECK(ps >= 0 && ps < kCache.size(0), "decodeAttention: shared-prefix slot outside the cache");
      if (pl <= positions[b] && lowest(b) == 0) groups[{ps, pl}].push_back(b);
    }
    for (auto it = groups.begin(); it != groups.end();) {
      if (it->second.size() < 2) {
        it = groups.erase(it);
      } else {
        for (int64_t b : it->second) prefixOf[static_cast<size_t>(b)] = it->first.second;
        ++it;
      }
    }
  }

  // The shared prefixes: per (group, KV head), the queries of all its rows against the prefix's
  // keys and values as two matrix products, the prefix read once instead of once per row.
  std::vector<float> prefixOut(static_cast<size_t>(B * H * D)), prefixMax(static_cast<size_t>(B * H)), prefixSum(static_cast<size_t>(B * H));
  for (const auto& [key, rows] : groups) {
    const auto [ps, P] = key;
    const auto R = static_cast<int64_t>(rows.size());
    auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    auto qh = torch::empty({R * G, D}, f32), scores = torch::empty({R * G, P}, f32), o = torch::empty({R * G, D}, f32);
    std::vector<float> mx(static_cast<size_t>(R * G)), sum(static_cast<size_t>(R * G));
    for (int64_t h = 0; h < Hkv; ++h) {
      float* qd = qh.data_ptr<float>();
      for (int64_t r = 0; r < R; ++r) std::memcpy(qd + r * G * D, qp + (rows[r] * H + h * G) * D, static_cast<size_t>(G * D) * sizeof(float));
      const int64_t base = (ps * Hkv + h) * capacity * D;
      auto K = torch::from_blob(const_cast<float*>(kp + base), {P, D}, f32), V = torch::from_blob(const_cast<float*>(vp + base), {P, D}, f32);
      torch::mm_out(scores, qh, K.t()).mul_(scale);
      softmaxRows(scores.data_ptr<float>(), R * G, P, mx.data(), sum.data());
      torch::mm_out(o, scores, V);
      const float* od = o.data_ptr<float>();
      for (int64_t r = 0; r < R; ++r) {
        const int64_t at = rows[r] * H + h * G;
        std::memcpy(prefixOut.data() + at * D, od + r * G * D, static_cast<size_t>(G * D) * sizeof(float));
        std::copy(mx.begin() + r * G, mx.begin() + (r + 1) * G, prefixMax.begin() + at);
        std::copy(sum.begin() + r * G, sum.begin() + (r + 1) * G, prefixSum.begin() + at);
      }
    }
  }

  const auto sf = static_cast<float>(scale);
  at::parallel_for(0, B * Hkv, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(G * maxLen), own(static_cast<size_t>(G * D)), ownMax(static_cast<size_t>(G)), ownSum(static_cast<size_t>(G));
    for (int64_t i = begin; i < end; ++i) {
      const int64_t b = i / Hkv, h = i % Hkv, pos = positions[b], at = b * H + h * G;
      const int64_t base = (slots[b] * Hkv + h) * capacity * D;
      const int64_t P = prefixOf[static_cast<size_t>(b)];
      if (P == 0) {
        attendSlot(qp + at * D, G, kp + base, vp + base, D, lowest(b), pos, sf, scores.data(), op + at * D);
        continue;
      }
      // The row's own positions after the prefix, merged with its share of the prefix.
      attendSlot(qp + at * D, G, kp + base, vp + base, D, P, pos, sf, scores.data(), own.data(), ownMax.data(), ownSum.data());
      for (int64_t g = 0; g < G; ++g)
        mergeSoftmaxParts(prefixOut.data() + (at + g) * D, prefixMax[static_cast<size_t>(at + g)], prefixSum[static_cast<size_t>(at + g)],
                          own.data() + g * D, ownMax[static_cast<size_t>(g)], ownSum[static_cast<size_t>(g)], D, op + (at + g) * D);
    }
  });
  return out;
}

}  // namespace lens::model::internal
