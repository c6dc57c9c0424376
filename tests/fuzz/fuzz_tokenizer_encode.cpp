// SPDX-License-Identifier: GPL-3.0-or-later
// Arbitrary bytes through the byte-level BPE tokenizers of Llama 3, Qwen2 and GPT-2 (the seed
// corpus of fuzz_tokenizer_json holds their tokenizer.json files) and ComputeLens's own byte
// tokenizer: every id is in range, and valid UTF-8 decodes back to exactly the input.
#include <memory>
#include <vector>

#include "core/common/atomic_file.h"
#include "core/text/tokenizer.h"
#include "core/train/byte_tokenizer.h"
#include "fuzz_common.h"

using namespace lens;

namespace {
std::vector<std::shared_ptr<text::Tokenizer>> load() {
  std::vector<std::shared_ptr<text::Tokenizer>> out;
  for (const char* name : {"llama3.json", "qwen2.json", "gpt2.json"}) {
    auto t = text::Tokenizer::load(fuzz::corpusDir("tokenizer_json") + "/" + name);
    if (!t) {
      std::fprintf(stderr, "%s\n", t.error().message.c_str());
      std::abort();
    }
    out.push_back(*t);
  }
  auto own = text::Tokenizer::fromJson(train::byteTokenizerJson().dump(), "built-in byte tokenizer");
  LENS_FUZZ_CHECK(own.ok());
  out.push_back(*own);
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tokenizers = load();
  const std::string_view in = fuzz::bytes(data, size);
  const bool utf8 = fuzz::validUtf8(in);
  for (const auto& t : tokenizers) {
    const auto ids = t->encode(in);
    for (int32_t id : ids) LENS_FUZZ_CHECK(id >= 0 && id < t->vocabSize());
    const std::string back = t->decode(ids);
    if (utf8) LENS_FUZZ_CHECK(back == in);
    std::string pieces;
    for (int32_t id : ids) pieces += t->tokenBytes(id);
    if (utf8) LENS_FUZZ_CHECK(pieces == in);
  }
  return 0;
}
