// SPDX-License-Identifier: GPL-3.0-or-later
// The decoding step's weight products on the CPU in float32: out (=|+=) in · wᵀ (+ bias), where
// `in` has a few dozen rows (one per sequence) and w is a weight matrix as stored, [n, k] row-major.
//
// Why a kernel of its own: a BLAS packs (copies and transposes) the weight matrix on every call,
// which a product of 64 rows cannot amortise, and the BLAS of a distribution may be built for an
// older vector unit than the machine has (Debian's OpenBLAS picks its AVX2 kernels where the
// environment says so, on CPUs with AVX-512). This kernel reads both operands as they lie: a tile
// of 4 rows of `in` and 6 rows of w is 24 dot products of length k, accumulated in 24 AVX-512
// registers 16 lanes at a time (10 loads per 24 fused multiply-adds, nothing spilled), and reduced
// to 24 sums at the end of k. The weights stream from memory once per call; each thread takes a
// contiguous range of weight rows, so the rows of `in` (a few hundred KiB) stay in its cache.
//
// The kernel is compiled for AVX-512 whatever the build's target and used only where the CPU has
// it (checked once at run time); elsewhere, and with GPU, other dtypes or strided tensors, the
// product is the BLAS's (torch::mm_out / addmm_).
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>

#include "core/model/internal/avx512.h"
#include "core/model/internal/engine.h"

namespace lens::model::internal {
namespace {

#ifdef LENS_AVX512_KERNELS
LENS_AVX512_QUIET_BEGIN
constexpr int kTileRows = 4;  // rows of `in` per tile
constexpr int kTileCols = 6;  // rows of w (columns of out) per tile

// One tile: out[m][j] (=|+=) dot(in row m, w row j) (+ bias[j]) for m < MR, j < cols (<= 6), over
// k values of rows that lie ld apart.
template <int MR>
LENS_AVX512 void tile(const float* in, int64_t ld, int64_t k, const float* w, float* out, int64_t ldo, const float* bias,
                      bool accumulate, int cols) {
  __m512 s[MR][kTileCols];
  LENS_UNROLL
  for (int m = 0; m < MR; ++m)
    LENS_UNROLL
    for (int j = 0; j < kTileCols; ++j) s[m][j] = _mm512_setzero_ps();
  const float* wr[kTileCols];
  LENS_UNROLL
  for (int j = 0; j < kTileCols; ++j) wr[j] = w + (j < cols ? j : 0) * ld;  // a short tile repeats row 0 (not stored)
  int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    __m512 a[MR];
    LENS_UNROLL
    for (int m = 0; m < MR; ++m) a[m] = _mm512_loadu_ps(in + m * ld + i);
    LENS_UNROLL
    for (int j = 0; j < kTileCols; ++j) {
      const __m512 b = _mm512_loadu_ps(wr[j] + i);
      LENS_UNROLL
      for (int m = 0; m < MR; ++m) s[m][j] = _mm512_fmadd_ps(a[m], b, s[m][j]);
    }
  }
  if (i < k) {
    const auto mask = static_cast<__mmask16>((1u << (k - i)) - 1);
    __m512 a[MR];
    LENS_UNROLL
    for (int m = 0; m < MR; ++m) a[m] = _mm512_maskz_loadu_ps(mask, in + m * ld + i);
    LENS_UNROLL
    for (int j = 0; j < kTileCols; ++j) {
      const __m512 b = _mm512_maskz_loadu_ps(mask, wr[j] + i);
      LENS_UNROLL
      for (int m = 0; m < MR; ++m) s[m][j] = _mm512_fmadd_ps(a[m], b, s[m][j]);
    }
  }
  // Columns 0-3 of the four rows (lanes m * 4 + j), then columns 4-5 (lanes m * 2 + j - 4).
  alignas(64) float r[24];
  __m512 v[16];
  LENS_UNROLL
  for (int m = 0; m < 4; ++m)
    LENS_UNROLL
    for (int j = 0; j < 4; ++j) v[m * 4 + j] = m < MR ? s[m][j] : _mm512_setzero_ps();
  _mm512_store_ps(r, sum16(v));
  LENS_UNROLL
  for (int m = 0; m < 4; ++m)
    LENS_UNROLL
    for (int j = 0; j < 2; ++j) v[m * 2 + j] = m < MR ? s[m][4 + j] : _mm512_setzero_ps();
  _mm256_store_ps(r + 16, sum8(v));
  const auto lo = static_cast<__mmask8>(cols >= 4 ? 0xF : (1u << cols) - 1), hi = static_cast<__mmask8>(cols > 4 ? (1u << (cols - 4)) - 1 : 0);
  const __m128 b0 = bias ? _mm_maskz_loadu_ps(lo, bias) : _mm_setzero_ps(), b1 = bias ? _mm_maskz_loadu_ps(hi, bias + 4) : _mm_setzero_ps();
  LENS_UNROLL
  for (int m = 0; m < MR; ++m) {
    float* o = out + m * ldo;
    __m128 x0 = _mm_add_ps(_mm_load_ps(r + m * 4), b0), x1 = _mm_add_ps(_mm_maskz_loadu_ps(0x3, r + 16 + m * 2), b1);
    if (accumulate) {
      x0 = _mm_add_ps(x0, _mm_maskz_loadu_ps(lo, o));
      x1 = _mm_add_ps(x1, _mm_maskz_loadu_ps(hi, o + 4));
    }
    _mm_mask_storeu_ps(o, lo, x0);
    _mm_mask_storeu_ps(o + 4, hi, x1);
  }
}

// Weight rows [n0, n1) against all `rows` rows of `in`. A long k runs in chunks of 512, each
// reduced and added to the output: a tile's 4 + 6 rows of a chunk (40 KiB) stay in the L1 cache,
// where whole rows of 1536 values did not (the down product ran at 158 GFLOP/s against 200).
LENS_AVX512 void productRange(const float* in, int64_t rows, int64_t k, const float* w, const float* bias, float* out, int64_t n,
                              bool accumulate, int64_t n0, int64_t n1) {
  const int64_t chunk = k > 768 ? 512 : k;
  for (int64_t j = n0; j < n1; j += kTileCols) {
    const int cols = static_cast<int>(std::min<int64_t>(kTileCols, n1 - j));
    for (int64_t k0 = 0; k0 < k; k0 += chunk) {
      const int64_t kl = std::min(chunk, k - k0);
      const float* b = bias && k0 + kl == k ? bias + j : nullptr;  // the bias once, with the last chunk
      const bool add = accumulate || k0 > 0;
      const float* wj = w + j * k + k0;
      int64_t m = 0;
      for (; m + kTileRows <= rows; m += kTileRows) tile<4>(in + m * k + k0, k, kl, wj, out + m * n + j, n, b, add, cols);
      switch (rows - m) {
        case 3: tile<3>(in + m * k + k0, k, kl, wj, out + m * n + j, n, b, add, cols); break;
        case 2: tile<2>(in + m * k + k0, k, kl, wj, out + m * n + j, n, b, add, cols); break;
        case 1: tile<1>(in + m * k + k0, k, kl, wj, out + m * n + j, n, b, add, cols); break;
        default: break;
      }
    }
  }
}
LENS_AVX512_QUIET_END
#endif

}  // namespace

bool avx512Available() {
#ifdef LENS_AVX512_KERNELS
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  }();
  return has;
#else
  return false;
#endif
}

bool rowsTimesWeightsKernelAvailable() { return avx512Available(); }

torch::Tensor rowsTimesWeights(const torch::Tensor& in, const torch::Tensor& w, const torch::Tensor& bias, const torch::Tensor& out,
                               bool accumulate, WeightProduct how) {
  TORCH_CHECK(in.dim() == 2 && w.dim() == 2 && in.size(1) == w.size(1), "rowsTimesWeights: in [rows, k] and w [n, k] expected, got ",
              in.sizes(), " and ", w.sizes());
  const int64_t rows = in.size(0), k = in.size(1), n = w.size(0);
  TORCH_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == n), "rowsTimesWeights: the bias must have ", n, " values");
  TORCH_CHECK(!accumulate || out.defined(), "rowsTimesWeights: accumulating needs an output");
  const bool fits = in.is_contiguous() && w.is_contiguous() && (!bias.defined() || bias.is_contiguous()) && in.device().is_cpu() &&
                    in.scalar_type() == torch::kFloat32 && w.scalar_type() == torch::kFloat32 &&
                    (!bias.defined() || bias.scalar_type() == torch::kFloat32) && w.device().is_cpu();
  TORCH_CHECK(how != WeightProduct::Kernel || (fits && avx512Available()),
              "rowsTimesWeights: the kernel needs contiguous float32 CPU tensors and an AVX-512 CPU");
  if (how == WeightProduct::Blas || !fits || !avx512Available() || rows == 0 || k == 0) {  // k = 0: zeros (+ bias), the BLAS's way
    torch::Tensor o = out.defined() ? out.view({rows, n}) : torch::empty({rows, n}, in.options());
    if (accumulate) {
      o.addmm_(in, w.t());
      if (bias.defined()) o.add_(bias);
    } else if (bias.defined()) {
      torch::addmm_out(o, bias, in, w.t());
    } else {
      torch::mm_out(o, in, w.t());
    }
    return o;
  }
  auto o = decodeOutput(out, rows, n, in, "rowsTimesWeights");
#ifdef LENS_AVX512_KERNELS
  const float* ip = in.data_ptr<float>();
  const float* wp = w.data_ptr<float>();
  const float* bp = bias.defined() ? bias.data_ptr<float>() : nullptr;
  float* op = o.data_ptr<float>();
  // Tiles of 6 weight rows per task, at least ~64k multiply-adds each (below that, one thread).
  const int64_t tiles = (n + kTileCols - 1) / kTileCols;
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, kTileCols * rows * k));
  at::parallel_for(0, tiles, grain, [&](int64_t t0, int64_t t1) {
    productRange(ip, rows, k, wp, bp, op, n, accumulate, t0 * kTileCols, std::min(n, t1 * kTileCols));
  });
#endif
  return o;
}

}  // namespace lens::model::internal
