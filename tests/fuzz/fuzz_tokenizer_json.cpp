// SPDX-License-Identifier: GPL-3.0-or-later
// tokenizer.json bytes: either a clear error, or a tokenizer that encodes and decodes a fixed mixed
// text (ASCII, digits, LaTeX, Japanese, an emoji, a special token) with every id in range.
#include "core/text/tokenizer.h"
#include "fuzz_common.h"

using namespace lens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = text::Tokenizer::fromJson(fuzz::bytes(data, size), "fuzz/tokenizer.json");
  if (!t) {
    LENS_FUZZ_CHECK(t.error().message.find("fuzz/tokenizer.json") != std::string::npos);
    return 0;
  }
  static const std::string probe = "Solve  $x^2 = 144$: x = \\boxed{12}.\r\n\t\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x99\x82<|endoftext|> 0123456789";
  for (bool special : {false, true}) {
    const auto ids = (*t)->encode(probe, special);
    for (int32_t id : ids) LENS_FUZZ_CHECK(id >= 0 && id < (*t)->vocabSize());
    (void)(*t)->decode(ids, special);
    for (int32_t id : ids) (void)(*t)->tokenBytes(id);
  }
  (void)(*t)->decode({-1, 0, (*t)->vocabSize(), 1 << 30});
  return 0;
}
