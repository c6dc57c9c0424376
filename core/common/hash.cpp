// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/common/hash.h"

#include <cstdio>
#include <random>

namespace lens {

Fnv1a64& Fnv1a64::add(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    m_h ^= p[i];
    m_h *= 0x100000001b3ULL;
  }
  return *this;
}

std::string Fnv1a64::hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(m_h));
  return buf;
}

std::string randomHex(int digits) {
  static const char* kHex = "0123456789abcdef";
  std::random_device rd;
  std::string s;
  for (int i = 0; i < digits; ++i) s.push_back(kHex[rd() & 15]);
  return s;
}

}  // namespace lens
