// SPDX-License-Identifier: GPL-3.0-or-later
// Attention of one new token per row against its cache slot, on the CPU in float32: the decoding
// step's attention without the per-row small matrix products that torch::matmul makes of it (at
// batch 64 those were more time than all the weight matmuls together). Each (row, KV head) reads
// its keys and values once, for all the query heads that share them, and only the positions the
// mask allows; samples of one prompt read the prompt's once per chunk of rows. Where the CPU has
// AVX-512 and the head size is a multiple of 16, the two products run in register tiles (scores:
// 16 dot products reduced together; weighted values: 4 queries x 64 values per pass over the
// rows); elsewhere as vectorised loops. No part of it runs serially around the parallel loop.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "core/model/internal/avx512.h"
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

// The two products of attention over n keys for nq queries (rows ldq apart; keys and values rows
// of D values, D apart): S = scale · Q Kᵀ ([nq, n], rows n apart), then O = S V ([nq, D], rows ldo
// apart) once S holds the softmax. Portable forms here, AVX-512 forms below (D a multiple of 16).
LENS_SIMD_CLONES void scoresPortable(const float* Q, int64_t nq, int64_t ldq, const float* K, int64_t n, int64_t D, float scale,
                                     float* S) {
  for (int64_t k = 0; k < n; ++k) {
    const float* kr = K + k * D;
    for (int64_t g = 0; g < nq; ++g) {
      const float* qg = Q + g * ldq;
      float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
      for (int64_t d = 0; d < D; ++d) acc += qg[d] * kr[d];
      S[g * n + k] = acc * scale;
    }
  }
}

LENS_SIMD_CLONES void weightedSumPortable(const float* S, int64_t nq, const float* V, int64_t n, int64_t D, float* O, int64_t ldo) {
  for (int64_t g = 0; g < nq; ++g) std::fill(O + g * ldo, O + g * ldo + D, 0.0f);
  for (int64_t k = 0; k < n; ++k) {
    const float* vr = V + k * D;
    for (int64_t g = 0; g < nq; ++g) {
      const float p = S[g * n + k];
      float* o = O + g * ldo;
#pragma omp simd
      for (int64_t d = 0; d < D; ++d) o[d] += p * vr[d];
    }
  }
}

#ifdef LENS_AVX512_KERNELS
LENS_AVX512_QUIET_BEGIN
// Scores of QR queries (QR · KB = 16 dot products) against KB consecutive keys, reduced together
// (sum16): each key row is loaded once for the QR queries.
template <int QR, int KB>
LENS_AVX512 inline __attribute__((always_inline)) void scoreBlock(const float* Q, int64_t ldq, const float* K, int64_t D, __m512 scale,
                                                                  float* S, int64_t n) {
  static_assert(QR * KB == 16, "a block is 16 dot products");
  __m512 acc[16];
  LENS_UNROLL
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_setzero_ps();
  for (int64_t d = 0; d < D; d += 16) {
    __m512 q[QR];
    LENS_UNROLL
    for (int m = 0; m < QR; ++m) q[m] = _mm512_loadu_ps(Q + m * ldq + d);
    LENS_UNROLL
    for (int c = 0; c < KB; ++c) {
      const __m512 kv = _mm512_loadu_ps(K + c * D + d);
      LENS_UNROLL
      for (int m = 0; m < QR; ++m) acc[m * KB + c] = _mm512_fmadd_ps(q[m], kv, acc[m * KB + c]);
    }
  }
  alignas(64) float r[16];
  _mm512_store_ps(r, _mm512_mul_ps(sum16(acc), scale));
  LENS_UNROLL
  for (int m = 0; m < QR; ++m) std::memcpy(S + m * n, r + m * KB, KB * sizeof(float));
}

// One dot product of D values (a multiple of 16), for the keys after the last whole block.
LENS_AVX512 inline float dotAvx512(const float* a, const float* b, int64_t D) {
  __m512 acc = _mm512_setzero_ps();
  for (int64_t d = 0; d < D; d += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + d), _mm512_loadu_ps(b + d), acc);
  return _mm512_reduce_add_ps(acc);
}

LENS_AVX512 void scoresAvx512(const float* Q, int64_t nq, int64_t ldq, const float* K, int64_t n, int64_t D, float scale, float* S) {
  const __m512 sc = _mm512_set1_ps(scale);
  int64_t g = 0;
  for (; g + 2 <= nq; g += 2) {  // pairs of queries, 8 keys at a time
    int64_t k = 0;
    for (; k + 8 <= n; k += 8) scoreBlock<2, 8>(Q + g * ldq, ldq, K + k * D, D, sc, S + g * n + k, n);
    for (; k < n; ++k)
      for (int m = 0; m < 2; ++m) S[(g + m) * n + k] = dotAvx512(Q + (g + m) * ldq, K + k * D, D) * scale;
  }
  if (g < nq) {  // the last query, 16 keys at a time
    int64_t k = 0;
    for (; k + 16 <= n; k += 16) scoreBlock<1, 16>(Q + g * ldq, ldq, K + k * D, D, sc, S + g * n + k, n);
    for (; k < n; ++k) S[g * n + k] = dotAvx512(Q + g * ldq, K + k * D, D) * scale;
  }
}

// O rows [g, g + QR) over 64 values from d0 (masked where D - d0 < 64): QR x 4 accumulators, each
// value row loaded once for the QR queries.
template <int QR>
LENS_AVX512 inline __attribute__((always_inline)) void weightedBlock(const float* S, int64_t n, const float* V, int64_t D, int64_t d0,
                                                                     float* O, int64_t ldo) {
  __mmask16 mask[4];
  LENS_UNROLL
  for (int c = 0; c < 4; ++c) mask[c] = d0 + 16 * c < D ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>(0);
  __m512 acc[QR][4];
  LENS_UNROLL
  for (int m = 0; m < QR; ++m)
    LENS_UNROLL
    for (int c = 0; c < 4; ++c) acc[m][c] = _mm512_setzero_ps();
  for (int64_t k = 0; k < n; ++k) {
    __m512 v[4];
    LENS_UNROLL
    for (int c = 0; c < 4; ++c) v[c] = _mm512_maskz_loadu_ps(mask[c], V + k * D + d0 + 16 * c);
    LENS_UNROLL
    for (int m = 0; m < QR; ++m) {
      const __m512 p = _mm512_set1_ps(S[m * n + k]);
      LENS_UNROLL
      for (int c = 0; c < 4; ++c) acc[m][c] = _mm512_fmadd_ps(p, v[c], acc[m][c]);
    }
  }
  LENS_UNROLL
  for (int m = 0; m < QR; ++m)
    LENS_UNROLL
    for (int c = 0; c < 4; ++c) _mm512_mask_storeu_ps(O + m * ldo + d0 + 16 * c, mask[c], acc[m][c]);
}

LENS_AVX512 void weightedSumAvx512(const float* S, int64_t nq, const float* V, int64_t n, int64_t D, float* O, int64_t ldo) {
  for (int64_t d0 = 0; d0 < D; d0 += 64) {
    int64_t g = 0;
    for (; g + 4 <= nq; g += 4) weightedBlock<4>(S + g * n, n, V, D, d0, O + g * ldo, ldo);
    switch (nq - g) {
      case 3: weightedBlock<3>(S + g * n, n, V, D, d0, O + g * ldo, ldo); break;
      case 2: weightedBlock<2>(S + g * n, n, V, D, d0, O + g * ldo, ldo); break;
      case 1: weightedBlock<1>(S + g * n, n, V, D, d0, O + g * ldo, ldo); break;
      default: break;
    }
  }
}
LENS_AVX512_QUIET_END
#endif

// Attention of nq queries (rows ldq apart) over n keys and values: out (rows ldo apart) = softmax(scale
// · Q Kᵀ) V; each query's softmax maximum and sum go to mx and sum where given. `scores` holds
// nq · n floats. Each key and value row is read once for all the queries.
void attend(const float* Q, int64_t nq, int64_t ldq, const float* K, const float* V, int64_t n, int64_t D, float scale, float* scores,
            float* out, int64_t ldo, float* mx = nullptr, float* sum = nullptr) {
#ifdef LENS_AVX512_KERNELS
  if (D % 16 == 0 && avx512Available()) {
    scoresAvx512(Q, nq, ldq, K, n, D, scale, scores);
    softmaxRows(scores, nq, n, mx, sum);
    weightedSumAvx512(scores, nq, V, n, D, out, ldo);
    return;
  }
#endif
  scoresPortable(Q, nq, ldq, K, n, D, scale, scores);
  softmaxRows(scores, nq, n, mx, sum);
  weightedSumPortable(scores, nq, V, n, D, out, ldo);
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
  for (int64_t b = 0; b < B; ++b)
    TORCH_CHECK(slots[b] >= 0 && slots[b] < kCache.size(0) && positions[b] >= 0 && positions[b] < capacity,
                "decodeAttention: slot or position outside the cache");
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

  // One parallel loop over tasks x KV heads, nothing serial around it. A task is a chunk of up to
  // kChunk rows of one group, whose queries attend to the shared prefix together (its keys and
  // values read once for the chunk), then each row to its own positions after it, the two parts
  // merged; or a single row without a shared prefix, attending to its own slot.
  constexpr int64_t kChunk = 8;
  struct Task {
    size_t first, count;  // rows order[first, first + count)
    int64_t prefixSlot, prefixLength;
  };
  std::vector<int64_t> order;
  std::vector<Task> tasks;
  for (const auto& [key, rows] : groups)
    for (size_t i = 0; i < rows.size(); i += kChunk) {
      tasks.push_back({order.size(), std::min<size_t>(kChunk, rows.size() - i), key.first, key.second});
      order.insert(order.end(), rows.begin() + static_cast<std::ptrdiff_t>(i),
                   rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), i + kChunk)));
    }
  for (int64_t b = 0; b < B; ++b)
    if (prefixOf[static_cast<size_t>(b)] == 0) {
      tasks.push_back({order.size(), 1, -1, 0});
      order.push_back(b);
    }

  const auto sf = static_cast<float>(scale);
  const auto T = static_cast<int64_t>(tasks.size());
  at::parallel_for(0, T * Hkv, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores, qs, pre, own(static_cast<size_t>(G * D)), preMax, preSum, ownMax(static_cast<size_t>(G)),
        ownSum(static_cast<size_t>(G));
    for (int64_t i = begin; i < end; ++i) {
      const Task& t = tasks[static_cast<size_t>(i / Hkv)];
      const int64_t h = i % Hkv, P = t.prefixLength;
      if (P == 0) {
        const int64_t b = order[t.first], lo = lowest(b), n = positions[b] - lo + 1, at = b * H + h * G;
        const int64_t base = (slots[b] * Hkv + h) * capacity * D + lo * D;
        scores.resize(static_cast<size_t>(G * n));
        attend(qp + at * D, G, D, kp + base, vp + base, n, D, sf, scores.data(), op + at * D, D);
        continue;
      }
      // The chunk's queries (rows of G heads each) against the prefix, then each row's own part.
      const auto R = static_cast<int64_t>(t.count), nq = R * G;
      qs.resize(static_cast<size_t>(nq * D));
      pre.resize(static_cast<size_t>(nq * D));
      preMax.resize(static_cast<size_t>(nq));
      preSum.resize(static_cast<size_t>(nq));
      for (int64_t r = 0; r < R; ++r)
        std::memcpy(qs.data() + r * G * D, qp + (order[t.first + r] * H + h * G) * D, static_cast<size_t>(G * D) * sizeof(float));
      const int64_t prefixBase = (t.prefixSlot * Hkv + h) * capacity * D;
      scores.resize(static_cast<size_t>(nq * P));
      attend(qs.data(), nq, D, kp + prefixBase, vp + prefixBase, P, D, sf, scores.data(), pre.data(), D, preMax.data(), preSum.data());
      for (int64_t r = 0; r < R; ++r) {
        const int64_t b = order[t.first + r], n = positions[b] - P + 1, at = b * H + h * G;
        const int64_t base = (slots[b] * Hkv + h) * capacity * D + P * D;
        scores.resize(std::max(scores.size(), static_cast<size_t>(G * n)));
        attend(qp + at * D, G, D, kp + base, vp + base, n, D, sf, scores.data(), own.data(), D, ownMax.data(), ownSum.data());
        for (int64_t g = 0; g < G; ++g) {
          const int64_t j = r * G + g;
          mergeSoftmaxParts(pre.data() + j * D, preMax[static_cast<size_t>(j)], preSum[static_cast<size_t>(j)], own.data() + g * D,
                            ownMax[static_cast<size_t>(g)], ownSum[static_cast<size_t>(g)], D, op + (at + g) * D);
        }
      }
    }
  });
  return out;
}

}  // namespace lens::model::internal
