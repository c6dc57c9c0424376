// SPDX-License-Identifier: GPL-3.0-or-later
// The allocator settings: blocks of tens of MiB come from the heap and stay there when freed (no
// page faults on the next allocation) until the job ends; the environment's own settings win.
#include <QtTest>
#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/common/allocator.h"

using namespace lens;

// A sanitizer's allocator replaces glibc's malloc: glibc's counters then see none of the blocks.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define LENS_SANITIZER_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LENS_SANITIZER_MALLOC 1
#endif

namespace {
#if defined(__GLIBC__)
constexpr size_t kBlock = size_t{48} << 20;  // above glibc's largest moving threshold (32 MiB), below ours
void* volatile g_sink = nullptr;            // keeps the compiler from eliding malloc/free pairs

struct Heap {
  size_t mapped, arena;  // bytes in mmapped blocks; bytes of the main heap (sbrk)
};
Heap heap() {
  const auto m = mallinfo2();
  return {m.hblkhd, m.arena};
}
void* touched(size_t bytes) {
  auto* p = static_cast<char*>(std::malloc(bytes));
  std::memset(p, 1, bytes);
  g_sink = p;
  return p;
}
#endif
}  // namespace

class TestAllocator : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void environmentWins() {
    qputenv("MALLOC_TRIM_THRESHOLD_", "1048576");
    const std::string left = tuneAllocatorForTensors();
    qunsetenv("MALLOC_TRIM_THRESHOLD_");
#if defined(__GLIBC__)
    QVERIFY2(left.find("environment") != std::string::npos && left.find("MALLOC_TRIM_THRESHOLD_") != std::string::npos, left.c_str());
    QCOMPARE(allocatorDescription(), left);
    qputenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1048576");
    const std::string tunable = tuneAllocatorForTensors();
    qunsetenv("GLIBC_TUNABLES");
    QVERIFY2(tunable.find("GLIBC_TUNABLES") != std::string::npos, tunable.c_str());
    qputenv("LENS_ALLOCATOR", "glibc");
    const std::string optedOut = tuneAllocatorForTensors();
    qunsetenv("LENS_ALLOCATOR");
    QVERIFY2(optedOut.find("defaults") != std::string::npos, optedOut.c_str());
#else
    QVERIFY(left.find("not glibc") != std::string::npos);
#endif
  }

  // Run before any tuning: without it glibc maps a 48 MiB block afresh and unmaps it on free (what
  // the tuned heap avoids); this is what makes the next test able to fail.
  void untunedGlibcMapsLargeBlocks() {
#if defined(LENS_SANITIZER_MALLOC)
    QSKIP("a sanitizer's allocator replaces glibc's malloc");
#elif defined(__GLIBC__)
    const Heap before = heap();
    void* p = touched(kBlock);
    const Heap during = heap();
    std::free(p);
    QVERIFY2(during.mapped >= before.mapped + kBlock, "glibc served the 48 MiB block from the heap before tuning");
#else
    QSKIP("glibc only");
#endif
  }

  void tunedHeapKeepsBlocksUntilReleased() {
#if defined(LENS_SANITIZER_MALLOC)
    QSKIP("a sanitizer's allocator replaces glibc's malloc");
#elif defined(__GLIBC__)
    const std::string said = tuneAllocatorForTensors();
    if (said.find("refused") != std::string::npos) QSKIP("this allocator (a sanitizer's?) refuses mallopt");
    QVERIFY2(said.find("1 GiB") != std::string::npos, said.c_str());
    const Heap before = heap();
    void* p = touched(kBlock);
    const Heap during = heap();
    QCOMPARE(during.mapped, before.mapped);  // from the heap, not a fresh mapping
    QVERIFY(during.arena >= before.arena + kBlock);
    std::free(p);
    const Heap freed = heap();
    QVERIFY2(freed.arena >= before.arena + kBlock, "the freed block went back to the system at once");
    // The same block again: no heap growth (the pages are still there, no faults to pay).
    p = touched(kBlock);
    QCOMPARE(heap().arena, freed.arena);
    std::free(p);
    releaseFreedMemory();
    QVERIFY2(heap().arena + kBlock <= freed.arena, "releaseFreedMemory kept the freed block");
#else
    QSKIP("glibc only");
#endif
  }
};

QTEST_GUILESS_MAIN(TestAllocator)
#include "test_allocator.moc"
