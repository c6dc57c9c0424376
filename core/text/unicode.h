// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lens::text {

void appendUtf8(std::string& out, uint32_t codepoint);
// Decodes one code point at `pos`; invalid bytes decode as U+FFFD and advance by one.
uint32_t nextCodepoint(std::string_view s, size_t& pos);
// Replaces invalid UTF-8 by U+FFFD (as Rust's String::from_utf8_lossy, which HF decoders use).
std::string toValidUtf8(std::string_view bytes);
size_t utf8Length(std::string_view s);  // in code points

// GPT-2's reversible byte <-> printable code point map used by the ByteLevel pre-tokenizer.
uint32_t byteToUnicode(uint8_t b);
int unicodeToByte(uint32_t cp);  // -1 when cp is not in the map

}  // namespace lens::text
