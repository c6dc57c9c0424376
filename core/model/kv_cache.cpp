// SPDX-License-Identifier: GPL-3.0-or-later
#include <cstdlib>
#include <cstring>
#include <memory>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "core/model/internal/engine.h"

namespace lens::model::internal {

namespace {

// Memory for a CPU cache of `bytes` bytes, zeroed, in transparent huge pages where the kernel
// offers them (Linux, `madvise` mode or `always`). A fresh cache is written page by page as it is
// zeroed; with 4 KiB pages that is one page fault per 4 KiB, and on the virtual machines that run
// ComputeLens a fault costs microseconds: zeroing the 70 MB cache of a best-of-64 call took 230-300
// ms with torch::zeros, and 6 ms in 2 MiB pages. Returns null below a few huge pages, or where
// huge pages do not apply (the caller then uses torch::zeros).
std::shared_ptr<void> hugeZeroed(size_t bytes) {
#if defined(__linux__)
  constexpr size_t kHuge = size_t{2} << 20;
  if (bytes < 4 * kHuge) return nullptr;
  const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(kHuge, rounded);
  if (!p) return nullptr;
  madvise(p, rounded, MADV_HUGEPAGE);  // advice only: a kernel without THP keeps small pages
  std::memset(p, 0, rounded);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
#else
  (void)bytes;
  return nullptr;
#endif
}

}  // namespace

KvCache::KvCache(const ModelConfig& c, int64_t slots, int64_t capacity, const torch::TensorOptions& opts)
    : m_slots(slots), m_capacity(capacity) {
  // Allocated once for the whole run: decoding steps write in place and never reallocate.
  // Zeroed, not empty: masked-out positions still enter the matmuls, and stale NaN bits would
  // survive the mask (NaN * 0 = NaN).
  const std::vector<int64_t> shape{slots, c.numKvHeads, capacity, c.headDim};
  const int64_t each = slots * c.numKvHeads * capacity * c.headDim;
  const size_t eachBytes = static_cast<size_t>(each) * static_cast<size_t>(torch::elementSize(torch::typeMetaToScalarType(opts.dtype())));
  std::shared_ptr<void> block;
  if (opts.device().is_cpu() && each > 0) block = hugeZeroed(eachBytes * 2 * static_cast<size_t>(c.numLayers));
  for (int64_t l = 0; l < c.numLayers; ++l) {
    if (block) {  // K and V of every layer side by side in one block, which lives as long as any of them
      auto* base = static_cast<char*>(block.get()) + eachBytes * 2 * static_cast<size_t>(l);
      m_k.push_back(torch::from_blob(base, shape, [block](void*) {}, opts));
      m_v.push_back(torch::from_blob(base + eachBytes, shape, [block](void*) {}, opts));
    } else {
      m_k.push_back(torch::zeros(shape, opts));
      m_v.push_back(torch::zeros(shape, opts));
    }
  }
}

void KvCache::copyPrefix(int64_t from, int64_t to, int64_t length) {
  if (from == to || length <= 0) return;
  TORCH_CHECK(length <= m_capacity, "copyPrefix: length exceeds capacity");
  for (size_t l = 0; l < m_k.size(); ++l) {
    m_k[l][to].narrow(1, 0, length).copy_(m_k[l][from].narrow(1, 0, length));
    m_v[l][to].narrow(1, 0, length).copy_(m_v[l][from].narrow(1, 0, length));
  }
}

void KvCache::copyFrom(KvCache& other, int64_t fromSlot, int64_t toSlot, int64_t length) {
  if (length <= 0) return;
  TORCH_CHECK(length <= m_capacity && length <= other.m_capacity, "copyFrom: length exceeds capacity");
  for (size_t l = 0; l < m_k.size(); ++l) {
    m_k[l][toSlot].narrow(1, 0, length).copy_(other.m_k[l][fromSlot].narrow(1, 0, length));
    m_v[l][toSlot].narrow(1, 0, length).copy_(other.m_v[l][fromSlot].narrow(1, 0, length));
  }
}

torch::Tensor KvCache::scratch(size_t index, int64_t rows, int64_t cols) {
  if (m_scratch.size() <= index) m_scratch.resize(index + 1);
  auto& buf = m_scratch[index];
  if (!buf.defined() || buf.numel() < rows * cols) buf = torch::empty({rows * cols}, m_k.front().options());
  return buf.narrow(0, 0, rows * cols).view({rows, cols});
}

}  // namespace lens::model::internal
