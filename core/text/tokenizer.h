// SPDX-License-Identifier: GPL-3.0-or-later
// Hugging Face `tokenizer.json` for the BPE models that Llama / Qwen2 / Mistral checkpoints ship:
//  - byte-level BPE (GPT-2, Llama 3, Qwen2): Split regex pre-tokenizers (PCRE2, Unicode classes),
//    then the ByteLevel byte->code-point map;
//  - SentencePiece-style BPE (Llama 2, Mistral): Metaspace / Prepend+Replace normalizers, byte fallback.
// Added and special tokens are recognised inside the text. Anything else is refused at load time
// with the name of the field. Thread-safe after load: encode/decode are const.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace lens::text {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
};

class Tokenizer {
 public:
  static Result<std::shared_ptr<Tokenizer>> load(const std::string& path);
  // `label` names the source in error messages.
  static Result<std::shared_ptr<Tokenizer>> fromJson(std::string_view json, const std::string& label);
  ~Tokenizer();

  // addSpecial applies the post-processor template (e.g. a leading BOS), as HF's
  // encode(add_special_tokens=True) does.
  std::vector<int32_t> encode(std::string_view text, bool addSpecial = false) const;
  // Lossy on invalid UTF-8 (U+FFFD), like HF's decoders.
  std::string decode(const std::vector<int32_t>& ids, bool skipSpecial = false) const;
  // The raw bytes one token stands for in the middle of a text (no start-of-text stripping).
  // Used for incremental decoding and stop strings; added tokens give their content.
  std::string tokenBytes(int32_t id) const;

  int32_t vocabSize() const;  // one past the largest id, added tokens included
  std::optional<int32_t> tokenId(std::string_view token) const;
  std::string tokenString(int32_t id) const;  // vocabulary string, e.g. "Ġthe"
  bool isSpecial(int32_t id) const;
  const std::vector<AddedToken>& addedTokens() const;
  std::string kind() const;  // "byte-level BPE" or "SentencePiece BPE"

 private:
  Tokenizer();
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace lens::text
