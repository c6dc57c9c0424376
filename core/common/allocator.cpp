// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/common/allocator.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace lens {

namespace {

constexpr int kMmapThreshold = 1 << 30;  // a prefill of 64 x 128 tokens has blocks of 100 MB
constexpr int kTrimThreshold = 1 << 30;

std::string& description() {
  static std::string d = "allocator: as glibc starts";
  return d;
}

std::string tune() {
#if defined(__GLIBC__)
  if (const char* a = std::getenv("LENS_ALLOCATOR"); a && std::strcmp(a, "glibc") == 0)
    return "allocator: glibc's defaults (LENS_ALLOCATOR=glibc)";
  for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"})
    if (std::getenv(name)) return std::string("allocator: left as the environment sets it (") + name + ")";
  if (const char* t = std::getenv("GLIBC_TUNABLES"); t && std::strstr(t, "glibc.malloc."))
    return "allocator: left as the environment sets it (GLIBC_TUNABLES)";
  if (mallopt(M_MMAP_THRESHOLD, kMmapThreshold) != 1 || mallopt(M_TRIM_THRESHOLD, kTrimThreshold) != 1)
    return "allocator: glibc refused the settings; left as it was";
  return "allocator: blocks up to 1 GiB from the heap, up to 1 GiB of freed memory kept";
#else
  return "allocator: not glibc; left as it is";
#endif
}

}  // namespace

std::string tuneAllocatorForTensors() { return description() = tune(); }

std::string allocatorDescription() { return description(); }

void releaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace lens
