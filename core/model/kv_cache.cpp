// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/model/internal/engine.h"

namespace lens::model::internal {

KvCache::KvCache(const ModelConfig& c, int64_t slots, int64_t capacity, const torch::TensorOptions& opts)
    : m_slots(slots), m_capacity(capacity) {
  // Allocated once for the whole run: decoding steps write in place and never reallocate.
  // Zeroed, not empty: masked-out positions still enter the matmuls, and stale NaN bits would
  // survive the mask (NaN * 0 = NaN).
  for (int64_t l = 0; l < c.numLayers; ++l) {
    m_k.push_back(torch::zeros({slots, c.numKvHeads, capacity, c.headDim}, opts));
    m_v.push_back(torch::zeros({slots, c.numKvHeads, capacity, c.headDim}, opts));
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
