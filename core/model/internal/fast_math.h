// SPDX-License-Identifier: GPL-3.0-or-later
// Scalar helpers for the CPU decoding kernels, written so that `#pragma omp simd` loops over them
// vectorise (no calls, no branches; the files that use them build with -fno-trapping-math so that
// the compiler may turn the comparisons into selects).
#pragma once

#include <cstdint>
#include <cstring>

// Built twice where the compiler can (AVX2 + FMA, and the baseline), chosen at load time, so the
// Debian package stays portable.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LENS_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LENS_SIMD_CLONES
#endif

namespace lens::model::internal {

// exp(x) for x in [-87, 88] (clamped outside; NaN gives NaN), to about 2 ulp: x = n ln2 + r with |r| <= ln2/2, and
// Cephes' expf polynomial for e^r, scaled by 2^n through the exponent bits.
inline float expClamped(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  float n = x * 1.44269504088896341f;
  n = (n + 12582912.0f) - 12582912.0f;  // round to nearest (1.5 * 2^23)
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // NaN stays NaN through p; the exponent is taken from 0 then (converting NaN to int is undefined).
  const int32_t bits = (static_cast<int32_t>(n == n ? n : 0.0f) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// exp(x) that is exactly 0 below e^-87 (masked and far-below-the-maximum entries).
inline float expOrZero(float x) { return x < -87.0f ? 0.0f : expClamped(x); }

}  // namespace lens::model::internal
