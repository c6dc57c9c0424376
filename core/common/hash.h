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

}  // namespace lens
