// SPDX-License-Identifier: GPL-3.0-or-later
// The tokenizer of ComputeLens's own models: byte-level BPE with no merges (one token per byte,
// GPT-2's byte-to-unicode alphabet) plus <|endoftext|>. Digits stay single tokens, which small
// models need for arithmetic, and the file is a standard tokenizer.json that transformers loads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace lens::train {

constexpr int32_t kByteVocab = 256;
constexpr int32_t kEosId = 256;  // <|endoftext|>
constexpr int32_t kVocabSize = 257;

nlohmann::json byteTokenizerJson();

}  // namespace lens::train
