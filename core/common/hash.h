// SPDX-License-Identifier: GPL-3.0-or-later
// Non-cryptographic fingerprints (FNV-1a, 64 bit) for deduplicating models, datasets and specs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lens {

class Fnv1a64 {
 public:
  Fnv1a64& add(const void* data, size_t n);
  Fnv1a64& add(std::string_view s) { return add(s.data(), s.size()).add("\0", 1); }  // delimited
  Fnv1a64& add(uint64_t v) { return add(&v, sizeof v); }
  uint64_t value() const { return m_h; }
  std::string hex() const;  // 16 lowercase hex digits

 private:
  uint64_t m_h = 0xcbf29ce484222325ULL;
};

std::string randomHex(int digits);

// SplitMix64 (Steele, Lea and Flood 2014): the finaliser as a stateless mix, and the sequence it
// generates. Every seeded stream in ComputeLens (problem generation, sampling subsets, training
// batches) uses it, so results are the same on every platform and standard library.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : m_state(seed) {}
  uint64_t next() {
    const uint64_t out = splitmix64(m_state);
    m_state += 0x9e3779b97f4a7c15ULL;
    return out;
  }
  uint64_t below(uint64_t n) { return next() % n; }  // n > 0; the modulo bias is negligible here

 private:
  uint64_t m_state;
};

}  // namespace lens
