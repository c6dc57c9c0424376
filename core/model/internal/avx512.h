// SPDX-License-Identifier: GPL-3.0-or-later
// AVX-512 building blocks of the CPU decoding kernels (decode_gemm.cpp, decode_attention.cpp).
// They are compiled for AVX-512 whatever the build's target (function attributes) and called only
// where the CPU has it (avx512Available(), checked once at run time); the Debian package stays
// portable. LENS_AVX512_KERNELS is defined where the compiler can build them (x86-64, GCC or Clang).
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LENS_AVX512_KERNELS 1
#define LENS_AVX512 __attribute__((target("avx512f,avx512vl")))
// The kernels' register tiles must unroll completely, or their accumulators live in memory (-O2
// does not unroll them by itself).
#if defined(__clang__)
#define LENS_UNROLL _Pragma("unroll")
#else
#define LENS_UNROLL _Pragma("GCC unroll 16")
#endif
// GCC 12's AVX-512 headers start some shuffles from an "undefined" register written as
// `__m512 __Y = __Y;`, which -Wuninitialized reports in every caller: the kernels sit between
// these two.
#if defined(__GNUC__) && !defined(__clang__)
#define LENS_AVX512_QUIET_BEGIN \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wuninitialized\"") \
      _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#define LENS_AVX512_QUIET_END _Pragma("GCC diagnostic pop")
#else
#define LENS_AVX512_QUIET_BEGIN
#define LENS_AVX512_QUIET_END
#endif
#endif

namespace lens::model::internal {

// Whether this CPU runs the AVX-512 kernels (AVX-512 F and VL; false where they are not built).
bool avx512Available();

#ifdef LENS_AVX512_KERNELS
LENS_AVX512_QUIET_BEGIN

// r[i] = the sum of the 16 lanes of v[i], for 16 vectors: a transposition tree of 15 additions
// (against 16 horizontal sums of 4 steps each).
LENS_AVX512 inline __attribute__((always_inline)) __m512 sum16(const __m512* v) {
  __m512 t[8], u[4], w[2];
  LENS_UNROLL
  for (int i = 0; i < 8; ++i)  // per 128-bit lane: [a0+a2, b0+b2, a1+a3, b1+b3] of the pair (a, b)
    t[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
  LENS_UNROLL
  for (int i = 0; i < 4; ++i)  // per 128-bit lane: the lane's sums of four vectors
    u[i] = _mm512_add_ps(_mm512_shuffle_ps(t[2 * i], t[2 * i + 1], 0x44), _mm512_shuffle_ps(t[2 * i], t[2 * i + 1], 0xEE));
  LENS_UNROLL
  for (int i = 0; i < 2; ++i)  // lanes 0+1 and 2+3 of two groups of four
    w[i] = _mm512_add_ps(_mm512_shuffle_f32x4(u[2 * i], u[2 * i + 1], 0x88), _mm512_shuffle_f32x4(u[2 * i], u[2 * i + 1], 0xDD));
  return _mm512_add_ps(_mm512_shuffle_f32x4(w[0], w[1], 0x88), _mm512_shuffle_f32x4(w[0], w[1], 0xDD));
}

// r[i] = the sum of the 16 lanes of v[i], for 8 vectors, in a 256-bit vector.
LENS_AVX512 inline __attribute__((always_inline)) __m256 sum8(const __m512* v) {
  __m512 t[4], u[2];
  LENS_UNROLL
  for (int i = 0; i < 4; ++i)
    t[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
  LENS_UNROLL
  for (int i = 0; i < 2; ++i)
    u[i] = _mm512_add_ps(_mm512_shuffle_ps(t[2 * i], t[2 * i + 1], 0x44), _mm512_shuffle_ps(t[2 * i], t[2 * i + 1], 0xEE));
  // [v0-3 over lanes 0+1, v0-3 over 2+3, v4-7 over 0+1, v4-7 over 2+3], then the pairs added
  const __m512 w = _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], 0x88), _mm512_shuffle_f32x4(u[0], u[1], 0xDD));
  const __m512 x = _mm512_add_ps(w, _mm512_shuffle_f32x4(w, w, 0xB1));  // [L0+L1, L0+L1, L2+L3, L2+L3]
  return _mm512_castps512_ps256(_mm512_shuffle_f32x4(x, x, 0x08));  // lanes 0 and 2
}

LENS_AVX512_QUIET_END
#endif

}  // namespace lens::model::internal
