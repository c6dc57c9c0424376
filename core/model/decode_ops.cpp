// SPDX-License-Identifier: GPL-3.0-or-later
// The decoding step's small operations on the CPU in float32, each in one pass: RMSNorm, RoPE with
// the cache write, SwiGLU's gate, and plain sampling. At batch 64 the same work done with tensor
// operations was some 300 small kernels a step, each with its own allocation and dispatch, and ran
// on one core while the other waited; here a layer is nine calls. The arithmetic follows
// transformers' (float32 throughout, the rotate-half RoPE), to rounding.
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/model/internal/engine.h"
#include "core/model/internal/fast_math.h"

namespace lens::model::internal {
namespace {

LENS_SIMD_CLONES void rmsNormRow(const float* x, const float* w, float eps, float* y, int64_t h) {
  float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
  for (int64_t i = 0; i < h; ++i) ss += x[i] * x[i];
  const float r = 1.0f / std::sqrt(ss / static_cast<float>(h) + eps);
#pragma omp simd
  for (int64_t i = 0; i < h; ++i) y[i] = w[i] * (x[i] * r);
}

// Rotates `heads` heads of D values from `in` into `out` (which may be far apart: the cache).
LENS_SIMD_CLONES void ropeHeads(const float* in, int64_t heads, int64_t D, const float* cs, const float* sn, float* out,
                                int64_t outStride) {
  const int64_t half = D / 2;
  for (int64_t h = 0; h < heads; ++h) {
    const float* x = in + h * D;
    float* o = out + h * outStride;
#pragma omp simd
    for (int64_t i = 0; i < half; ++i) {
      o[i] = x[i] * cs[i] - x[i + half] * sn[i];
      o[i + half] = x[i + half] * cs[i] + x[i] * sn[i];
    }
  }
}

LENS_SIMD_CLONES void siluMulRow(const float* g, const float* u, float* out, int64_t f) {
#pragma omp simd
  for (int64_t i = 0; i < f; ++i) out[i] = g[i] / (1.0f + expClamped(-g[i])) * u[i];
}

LENS_SIMD_CLONES float rowMax(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
  for (int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
  return m;
}

// w[i] = exp((x[i] - m) * invT), 0 below e^-87; returns the sum.
LENS_SIMD_CLONES float expShifted(const float* x, float m, float invT, float* w, int64_t n) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) {
    const float z = (x[i] - m) * invT;
    w[i] = expOrZero(z);
    sum += w[i];
  }
  return sum;
}

LENS_SIMD_CLONES float sumExpShifted(const float* x, float m, int64_t n) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) {
    sum += expOrZero(x[i] - m);
  }
  return sum;
}

// Rows per task: below this much work a call stays on the calling thread (waking the pool costs
// more than it saves).
int64_t grainRows(int64_t perRow) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, perRow)); }

void checkRows(const torch::Tensor& t, int64_t cols, const char* what) {
  TORCH_CHECK(t.dim() == 2 && t.size(1) == cols && t.is_contiguous() && t.scalar_type() == torch::kFloat32 && t.device().is_cpu(),
              what, ": a contiguous float32 CPU matrix of ", cols, " columns expected");
}

}  // namespace

torch::Tensor decodeOutput(const torch::Tensor& out, int64_t rows, int64_t cols, const torch::Tensor& like, const char* what) {
  if (!out.defined()) return torch::empty({rows, cols}, like.options());
  TORCH_CHECK(out.numel() == rows * cols && out.is_contiguous() && out.scalar_type() == torch::kFloat32 && out.device().is_cpu(), what,
              ": the output must be a contiguous float32 CPU tensor of ", rows * cols, " values");
  return out.view({rows, cols});
}

torch::Tensor rmsNormRows(const torch::Tensor& x, const torch::Tensor& w, double eps, const torch::Tensor& out) {
  const int64_t h = w.size(0), rows = x.numel() / h;
  checkRows(x.view({rows, h}), h, "rmsNormRows");
  auto y = decodeOutput(out, rows, h, x, "rmsNormRows");
  const float* xp = x.data_ptr<float>();
  const float* wp = w.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  const auto e = static_cast<float>(eps);
  at::parallel_for(0, rows, grainRows(h), [&](int64_t b, int64_t end) {
    for (; b < end; ++b) rmsNormRow(xp + b * h, wp, e, yp + b * h, h);
  });
  return y;
}

torch::Tensor ropeIntoCache(const torch::Tensor& qkv, const std::vector<int64_t>& slots, const std::vector<int64_t>& positions,
                            const torch::Tensor& invFreq, torch::Tensor& kCache, torch::Tensor& vCache, int64_t heads,
                            const torch::Tensor& qOut) {
  const int64_t B = qkv.size(0), Hkv = kCache.size(1), capacity = kCache.size(2), D = kCache.size(3), half = D / 2;
  checkRows(qkv, (heads + 2 * Hkv) * D, "ropeIntoCache");
  TORCH_CHECK(kCache.is_contiguous() && vCache.is_contiguous() && kCache.sizes() == vCache.sizes() &&
                  kCache.scalar_type() == torch::kFloat32 && vCache.scalar_type() == torch::kFloat32,
              "ropeIntoCache: float32 contiguous K and V caches expected");
  TORCH_CHECK(invFreq.numel() == half && invFreq.scalar_type() == torch::kFloat32, "ropeIntoCache: D/2 float32 frequencies expected");
  TORCH_CHECK(static_cast<int64_t>(slots.size()) == B && static_cast<int64_t>(positions.size()) == B,
              "ropeIntoCache: one slot and position per row expected");
  for (int64_t b = 0; b < B; ++b)
    TORCH_CHECK(slots[b] >= 0 && slots[b] < kCache.size(0) && positions[b] >= 0 && positions[b] < capacity,
                "ropeIntoCache: slot or position outside the cache");
  auto q = decodeOutput(qOut, B, heads * D, qkv, "ropeIntoCache").view({B, heads, D});
  const float* in = qkv.data_ptr<float>();
  const float* fr = invFreq.data_ptr<float>();
  float* qp = q.data_ptr<float>();
  float* kp = kCache.data_ptr<float>();
  float* vp = vCache.data_ptr<float>();
  const int64_t width = (heads + 2 * Hkv) * D;
  at::parallel_for(0, B, grainRows(width), [&](int64_t b, int64_t end) {
    std::vector<float> cs(half), sn(half);
    for (; b < end; ++b) {
      // As transformers: the angle position * inv_freq in float32, then its cosine and sine.
      const auto p = static_cast<float>(positions[b]);
      for (int64_t i = 0; i < half; ++i) {
        const float a = p * fr[i];
        cs[i] = std::cos(a);
        sn[i] = std::sin(a);
      }
      const float* row = in + b * width;
      ropeHeads(row, heads, D, cs.data(), sn.data(), qp + b * heads * D, D);
      const int64_t at = (slots[b] * Hkv * capacity + positions[b]) * D;  // head 0 of the slot, at the position
      ropeHeads(row + heads * D, Hkv, D, cs.data(), sn.data(), kp + at, capacity * D);
      for (int64_t h = 0; h < Hkv; ++h)
        std::memcpy(vp + at + h * capacity * D, row + (heads + Hkv + h) * D, static_cast<size_t>(D) * sizeof(float));
    }
  });
  return q;
}

torch::Tensor siluMulRows(const torch::Tensor& gateUp, const torch::Tensor& into) {
  const int64_t rows = gateUp.size(0), f = gateUp.size(1) / 2;
  checkRows(gateUp, 2 * f, "siluMulRows");
  auto out = decodeOutput(into, rows, f, gateUp, "siluMulRows");
  const float* in = gateUp.data_ptr<float>();
  float* op = out.data_ptr<float>();
  at::parallel_for(0, rows, grainRows(4 * f), [&](int64_t b, int64_t end) {
    for (; b < end; ++b) siluMulRow(in + b * 2 * f, in + b * 2 * f + f, op + b * f, f);
  });
  return out;
}

bool samplePlainRows(const torch::Tensor& logits, float temperature, const std::vector<double>& uniforms, torch::Tensor& tokens,
                     torch::Tensor& logprobs) {
  if (!logits.device().is_cpu() || logits.scalar_type() != torch::kFloat32 || logits.dim() != 2 || !logits.is_contiguous() ||
      !(temperature > 0.0f) || (torch::GradMode::is_enabled() && logits.requires_grad()))
    return false;
  const int64_t B = logits.size(0), V = logits.size(1);
  TORCH_CHECK(static_cast<int64_t>(uniforms.size()) == B, "samplePlainRows: one uniform per row expected");
  auto tok = torch::empty({B}, torch::kInt64);
  auto lp = torch::empty({B}, torch::kFloat32);
  const float* x = logits.data_ptr<float>();
  int64_t* tp = tok.data_ptr<int64_t>();
  float* lpp = lp.data_ptr<float>();
  const float invT = 1.0f / temperature;
  std::atomic<bool> finite{true};
  at::parallel_for(0, B, 1, [&](int64_t b, int64_t end) {
    std::vector<float> w(static_cast<size_t>(V));
    for (; b < end; ++b) {
      const float* row = x + b * V;
      const float m = rowMax(row, V);
      const float total = expShifted(row, m, invT, w.data(), V);
      const float norm = invT == 1.0f ? total : sumExpShifted(row, m, V);
      if (!std::isfinite(m) || !std::isfinite(total) || !(total > 0.0f) || !std::isfinite(norm)) {
        finite = false;
        continue;
      }
      // The inverse CDF, as cumsum + searchsorted(right) would: the first token whose running
      // total (accumulated in double, compared in float) passes u * total.
      const float target = static_cast<float>(uniforms[static_cast<size_t>(b)]) * total;
      double acc = 0.0;
      int64_t t = V - 1;
      for (int64_t i = 0; i < V; ++i) {
        acc += w[static_cast<size_t>(i)];
        if (static_cast<float>(acc) > target) {
          t = i;
          break;
        }
      }
      tp[b] = t;
      lpp[b] = row[t] - m - std::log(norm);
    }
  });
  if (!finite) return false;  // NaN or infinite logits: the tensor path says what it makes of them
  tokens = tok;
  logprobs = lp;
  return true;
}

}  // namespace lens::model::internal
