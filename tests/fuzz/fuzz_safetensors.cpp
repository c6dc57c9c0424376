// SPDX-License-Identifier: GPL-3.0-or-later
// safetensors bytes (header length, JSON header, data): either a clear error, or tensors that all
// lie inside the buffer, do not overlap, and have exactly numel × dtype size bytes.
#include <algorithm>
#include <limits>
#include <vector>

#include "core/tensor_io/safetensors.h"
#include "fuzz_common.h"

using namespace lens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = tensor_io::SafetensorsFile::fromBytes(std::string(fuzz::bytes(data, size)), "fuzz.safetensors");
  if (!f) {
    LENS_FUZZ_CHECK(!f.error().message.empty());
    return 0;
  }
  const auto& ts = (*f)->tensors();
  std::vector<std::pair<const uint8_t*, const uint8_t*>> spans;
  const uint8_t* lo = nullptr;
  const uint8_t* hi = nullptr;
  for (const auto& t : ts) {
    int64_t numel = 1;
    for (int64_t d : t.shape) {
      LENS_FUZZ_CHECK(d >= 0);
      LENS_FUZZ_CHECK(d == 0 || numel <= std::numeric_limits<int64_t>::max() / d);
      numel *= d;
    }
    LENS_FUZZ_CHECK(t.numel() == numel);
    LENS_FUZZ_CHECK(t.nbytes == static_cast<size_t>(numel) * tensor_io::dtypeSize(t.dtype));
    LENS_FUZZ_CHECK((*f)->find(t.name) == &t);
    if (t.nbytes > 0) spans.emplace_back(t.data, t.data + t.nbytes);
    // Touch every byte (ASan reports a read outside the buffer).
    unsigned sum = 0;
    for (size_t i = 0; i < t.nbytes; ++i) sum += t.data[i];
    (void)sum;
    if (!lo || t.data < lo) lo = t.data;
    if (!hi || t.data + t.nbytes > hi) hi = t.data + t.nbytes;
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) LENS_FUZZ_CHECK(spans[i - 1].second <= spans[i].first);
  if (lo) LENS_FUZZ_CHECK(hi - lo <= static_cast<std::ptrdiff_t>(size));
  return 0;
}
