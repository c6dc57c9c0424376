// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/text/tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>

#include "core/common/atomic_file.h"
#include "core/common/json_field.h"
#include "core/common/json_number.h"
#include "core/text/unicode.h"

namespace lens::text {
namespace {

using json = nlohmann::json;

// Ids above this are refused: no real vocabulary comes near it, and a hostile id must not size a table.
constexpr int64_t kMaxTokenId = 10'000'000;

Error refuse(const std::string& label, const std::string& what) {
  return makeError(ErrorCode::Unsupported, label + ": " + what);
}
Error invalid(const std::string& label, const std::string& what) {
  return makeError(ErrorCode::InvalidInput, label + ": " + what);
}

// A compiled PCRE2 pattern; match data is created per call so encode() stays thread-safe.
class Regex {
 public:
  static Result<std::shared_ptr<Regex>> compile(const std::string& pattern, const std::string& where) {
    int err = 0;
    PCRE2_SIZE off = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &off, nullptr);
    if (!code) {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(err, buf, sizeof buf);
      return makeError(ErrorCode::Unsupported, where + ": regex does not compile at offset " + std::to_string(off) +
                                                   ": " + reinterpret_cast<char*>(buf));
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // best effort
    auto r = std::shared_ptr<Regex>(new Regex());
    r->m_code = code;
    return r;
  }
  ~Regex() { pcre2_code_free(m_code); }

  // Calls fn(begin, end) for each non-empty match, left to right.
  template <class F>
  void forEachMatch(std::string_view s, F&& fn) const {
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(m_code, nullptr);
    size_t pos = 0;
    while (pos <= s.size()) {
      int rc = pcre2_match(m_code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), pos, 0, md, nullptr);
      if (rc < 0) break;
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      size_t b = ov[0], e = ov[1];
      if (e == b) {  // empty match: step over one code point
        size_t p = b;
        if (p >= s.size()) break;
        nextCodepoint(s, p);
        pos = p;
        continue;
      }
      fn(b, e);
      pos = e;
    }
    pcre2_match_data_free(md);
  }

 private:
  Regex() = default;
  pcre2_code* m_code = nullptr;
};

// A piece of text on its way through normalizer -> pre-tokenizers -> model.
using Pieces = std::vector<std::string>;

struct Normalizer {
  enum class Kind { Prepend, Replace, Nfc } kind;
  std::string a, b;                   // Prepend: a; Replace: a -> b
  std::shared_ptr<Regex> regex;       // Replace with a Regex pattern
};

struct PreTokenizer {
  enum class Kind { Split, ByteLevel, Metaspace, Digits } kind;
  std::shared_ptr<Regex> regex;
  std::string behavior;  // Split: Isolated | Removed | MergedWithPrevious | MergedWithNext
  bool invert = false;
  bool addPrefixSpace = false;  // ByteLevel
  bool useRegex = false;        // ByteLevel
  std::string replacement = "\xE2\x96\x81";  // Metaspace "▁"
  std::string prependScheme = "always";      // Metaspace: always | first | never
  bool split = true;                         // Metaspace
  bool individualDigits = false;             // Digits
};

const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::string replaceAll(std::string_view s, std::string_view from, std::string_view to) {
  if (from.empty()) return std::string(s);
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t hit = s.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(s.substr(pos));
  return out;
}

std::string byteLevelMap(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (char c : s) appendUtf8(out, byteToUnicode(static_cast<uint8_t>(c)));
  return out;
}

}  // namespace

struct Tokenizer::Impl {
  std::string label;
  bool byteLevel = false;  // the ByteLevel map is applied (pre-tokenizer) and undone (decoder)
  std::vector<Normalizer> normalizers;
  std::vector<PreTokenizer> preTokenizers;

  // BPE model
  std::unordered_map<std::string, int32_t> vocab;
  std::vector<std::string> idToToken;
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;  // (left,right) -> (rank, merged id)
  std::optional<int32_t> unkId;
  bool byteFallback = false;
  bool fuseUnk = false;
  bool ignoreMerges = false;
  std::vector<int32_t> byteTokens;  // <0xNN> ids for byte fallback, -1 when absent

  std::vector<AddedToken> added;
  std::vector<bool> specialMask;
  std::vector<bool> addedMask;  // id is an added token: decodes to its content as-is

  // Post-processor template (single sequence): ids before and after the text.
  std::vector<int32_t> prefixIds, suffixIds;

  // Decoder
  std::string metaspaceReplacement;  // when non-empty: "▁" -> " " on decode
  bool decodeByteFallback = false;
  int stripLeading = 0;  // Strip decoder / Metaspace prepend: leading spaces removed from the whole text

  static uint64_t pairKey(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }

  Status parseNormalizer(const json& n, const std::string& where);
  Status parsePreTokenizer(const json& p, const std::string& where);
  Status parseDecoder(const json& d, const std::string& where);
  Status parsePostProcessor(const json& p, const std::string& where);
  Status parseModel(const json& m);

  std::string normalize(std::string s) const;
  Pieces preTokenize(std::string s, bool atStart) const;
  void bpe(const std::string& word, std::vector<int32_t>& out) const;
  void encodeChunk(std::string_view text, bool atStart, std::vector<int32_t>& out) const;
};

Status Tokenizer::Impl::parseNormalizer(const json& n, const std::string& where) {
  if (n.is_null()) return Status::success();
  std::string type = jsonValueOr(n, "type", "");
  if (type == "Sequence") {
    for (const auto& c : jsonValueOr(n, "normalizers", json::array())) LENS_TRY_STATUS(parseNormalizer(c, where));
    return Status::success();
  }
  if (type == "Prepend") {
    normalizers.push_back({Normalizer::Kind::Prepend, jsonValueOr(n, "prepend", ""), "", nullptr});
    return Status::success();
  }
  if (type == "Replace") {
    const json& pat = jsonValueOr(n, "pattern", json::object());
    Normalizer r{Normalizer::Kind::Replace, "", jsonValueOr(n, "content", ""), nullptr};
    if (pat.contains("String")) {
      r.a = pat["String"].get<std::string>();
    } else if (pat.contains("Regex")) {
      auto re = Regex::compile(pat["Regex"].get<std::string>(), where + ".pattern");
      if (!re) return re.error();
      r.regex = *re;
    } else {
      return invalid(label, where + ": Replace has no pattern");
    }
    normalizers.push_back(std::move(r));
    return Status::success();
  }
  if (type == "NFC") {
    // Accepted without a Unicode database: text already in NFC (what editors and the web produce)
    // passes unchanged, as HF would leave it; decomposed input is not recomposed. Documented.
    normalizers.push_back({Normalizer::Kind::Nfc, "", "", nullptr});
    return Status::success();
  }
  return refuse(label, where + ": normalizer type '" + type + "' is not supported (supported: Sequence, Prepend, Replace, NFC)");
}

Status Tokenizer::Impl::parsePreTokenizer(const json& p, const std::string& where) {
  if (p.is_null()) return Status::success();
  std::string type = jsonValueOr(p, "type", "");
  if (type == "Sequence") {
    for (const auto& c : jsonValueOr(p, "pretokenizers", json::array())) LENS_TRY_STATUS(parsePreTokenizer(c, where));
    return Status::success();
  }
  PreTokenizer t{};
  if (type == "Split") {
    t.kind = PreTokenizer::Kind::Split;
    const json& pat = jsonValueOr(p, "pattern", json::object());
    std::string rx;
    if (pat.contains("Regex")) {
      rx = pat["Regex"].get<std::string>();
    } else if (pat.contains("String")) {
      // A literal: quote it for PCRE2.
      rx = "\\Q" + pat["String"].get<std::string>() + "\\E";
    } else {
      return invalid(label, where + ": Split has no pattern");
    }
    auto re = Regex::compile(rx, label + ": " + where + ".pattern");
    if (!re) return re.error();
    t.regex = *re;
    t.behavior = jsonValueOr(p, "behavior", "Isolated");
    t.invert = jsonValueOr(p, "invert", false);
    if (t.behavior != "Isolated" && t.behavior != "Removed" && t.behavior != "MergedWithPrevious" &&
        t.behavior != "MergedWithNext")
      return refuse(label, where + ": Split behavior '" + t.behavior + "' is not supported");
    if (t.invert) return refuse(label, where + ": Split with invert=true is not supported");
  } else if (type == "ByteLevel") {
    t.kind = PreTokenizer::Kind::ByteLevel;
    t.addPrefixSpace = jsonValueOr(p, "add_prefix_space", false);
    t.useRegex = jsonValueOr(p, "use_regex", true);
    if (t.useRegex) {
      auto re = Regex::compile(kGpt2Pattern, label + ": " + where);
      if (!re) return re.error();
      t.regex = *re;
    }
    byteLevel = true;
  } else if (type == "Metaspace") {
    t.kind = PreTokenizer::Kind::Metaspace;
    t.replacement = jsonValueOr(p, "replacement", std::string("\xE2\x96\x81"));
    if (p.contains("prepend_scheme") && !p["prepend_scheme"].is_null()) t.prependScheme = p["prepend_scheme"].get<std::string>();
    else t.prependScheme = jsonValueOr(p, "add_prefix_space", true) ? "always" : "never";
    t.split = jsonValueOr(p, "split", true);
  } else if (type == "Digits") {
    t.kind = PreTokenizer::Kind::Digits;
    t.individualDigits = jsonValueOr(p, "individual_digits", false);
    auto re = Regex::compile(t.individualDigits ? "\\p{N}" : "\\p{N}+", where);
    if (!re) return re.error();
    t.regex = *re;
    t.behavior = "Isolated";
  } else {
    return refuse(label, where + ": pre-tokenizer type '" + type +
                             "' is not supported (supported: Sequence, Split, ByteLevel, Metaspace, Digits)");
  }
  preTokenizers.push_back(std::move(t));
  return Status::success();
}

Status Tokenizer::Impl::parseDecoder(const json& d, const std::string& where) {
  if (d.is_null()) return Status::success();
  std::string type = jsonValueOr(d, "type", "");
  if (type == "Sequence") {
    for (const auto& c : jsonValueOr(d, "decoders", json::array())) LENS_TRY_STATUS(parseDecoder(c, where));
    return Status::success();
  }
  if (type == "ByteLevel") return Status::success();  // undone through `byteLevel`
  if (type == "Replace") {
    const json& pat = jsonValueOr(d, "pattern", json::object());
    if (!pat.contains("String") || jsonValueOr(d, "content", "") != " ")
      return refuse(label, where + ": only Replace(<string>, \" \") decoders are supported");
    metaspaceReplacement = pat["String"].get<std::string>();
    return Status::success();
  }
  if (type == "ByteFallback") {
    decodeByteFallback = true;
    return Status::success();
  }
  if (type == "Fuse") return Status::success();  // decoding concatenates anyway
  if (type == "Strip") {
    const auto start = d.contains("start") ? jsonInteger(d["start"], 0, 1'000'000) : 0;
    const auto stop = d.contains("stop") ? jsonInteger(d["stop"]) : 0;
    if (jsonValueOr(d, "content", " ") != " " || !start || stop != 0)
      return refuse(label, where + ": only Strip(' ', start=N, stop=0) is supported");
    stripLeading = static_cast<int>(*start);
    return Status::success();
  }
  if (type == "Metaspace") {
    metaspaceReplacement = jsonValueOr(d, "replacement", std::string("\xE2\x96\x81"));
    std::string scheme = d.contains("prepend_scheme") && !d["prepend_scheme"].is_null() ? d["prepend_scheme"].get<std::string>()
                                                      : (jsonValueOr(d, "add_prefix_space", true) ? "always" : "never");
    if (scheme != "never") stripLeading = 1;
    return Status::success();
  }
  return refuse(label, where + ": decoder type '" + type + "' is not supported");
}

Status Tokenizer::Impl::parsePostProcessor(const json& p, const std::string& where) {
  if (p.is_null()) return Status::success();
  std::string type = jsonValueOr(p, "type", "");
  if (type == "ByteLevel") return Status::success();  // only adjusts offsets
  if (type == "Sequence") {
    for (const auto& c : jsonValueOr(p, "processors", json::array())) LENS_TRY_STATUS(parsePostProcessor(c, where));
    return Status::success();
  }
  if (type == "TemplateProcessing") {
    const json& single = jsonValueOr(p, "single", json::array());
    const json& specials = jsonValueOr(p, "special_tokens", json::object());
    bool seenSequence = false;
    for (const auto& item : single) {
      if (item.contains("Sequence")) {
        seenSequence = true;
        continue;
      }
      if (!item.contains("SpecialToken")) return invalid(label, where + ": template item is neither Sequence nor SpecialToken");
      std::string name = jsonValueOr(item["SpecialToken"], "id", "");
      if (!specials.contains(name)) return invalid(label, where + ": template names unknown special token '" + name + "'");
      for (const auto& id : jsonValueOr(specials[name], "ids", json::array())) {
        const auto v = jsonInteger(id, 0, kMaxTokenId);
        if (!v) return invalid(label, where + ": special token '" + name + "' has an id that is not a token id");
        (seenSequence ? suffixIds : prefixIds).push_back(static_cast<int32_t>(*v));
      }
    }
    return Status::success();
  }
  return refuse(label, where + ": post-processor type '" + type + "' is not supported");
}

Status Tokenizer::Impl::parseModel(const json& m) {
  std::string type = jsonValueOr(m, "type", "BPE");
  if (type != "BPE")
    return refuse(label, "model.type '" + type + "' is not supported: ComputeLens reads BPE tokenizers only "
                         "(byte-level like GPT-2/Llama 3/Qwen2, or SentencePiece-style like Llama 2/Mistral)");
  if (!m.contains("vocab") || !m["vocab"].is_object()) return invalid(label, "model.vocab is missing or not an object");
  // Settings at their neutral value are accepted however they are written: null (older tokenizers
  // files) or "" (tokenizers >= 0.20 writes continuing_subword_prefix and end_of_word_suffix so,
  // as in Qwen3's tokenizer.json), and a dropout of null or 0. Only values that change the encoding
  // are refused, with the value.
  for (const char* name : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const json v = jsonValueOr(m, name, json());
    if (!v.is_null() && !(v.is_string() && v.get<std::string>().empty()))
      return refuse(label, std::string("model.") + name + " is " + v.dump() +
                               "; only an empty or null one is supported (it changes how words are split into tokens)");
  }
  if (const json d = jsonValueOr(m, "dropout", json()); !d.is_null() && !(d.is_number() && d.get<double>() == 0.0))
    return refuse(label, "model.dropout is " + d.dump() + "; only null or 0 is supported (BPE dropout makes encoding random)");
  for (auto it = m["vocab"].begin(); it != m["vocab"].end(); ++it) {
    const auto v = jsonInteger(it.value(), 0, kMaxTokenId);
    if (!v) return invalid(label, "model.vocab entry '" + it.key() + "' has no valid id");
    const auto id = static_cast<int32_t>(*v);
    vocab[it.key()] = id;
    if (static_cast<size_t>(id) >= idToToken.size()) idToToken.resize(id + 1);
    idToToken[id] = it.key();
  }
  fuseUnk = jsonValueOr(m, "fuse_unk", false);
  byteFallback = jsonValueOr(m, "byte_fallback", false);
  ignoreMerges = jsonValueOr(m, "ignore_merges", false);
  if (m.contains("unk_token") && m["unk_token"].is_string()) {
    auto it = vocab.find(m["unk_token"].get<std::string>());
    if (it == vocab.end()) return invalid(label, "model.unk_token '" + m["unk_token"].get<std::string>() + "' is not in the vocabulary");
    unkId = it->second;
  }
  byteTokens.assign(256, -1);
  if (byteFallback) {
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      auto it = vocab.find(name);
      if (it != vocab.end()) byteTokens[b] = it->second;
    }
  }
  const json& merges_ = jsonValueOr(m, "merges", json::array());
  int32_t rank = 0;
  for (const auto& mj : merges_) {
    std::string a, b;
    if (mj.is_string()) {
      const std::string s = mj.get<std::string>();
      size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        return invalid(label, "merges entry " + std::to_string(rank) + " is not two tokens");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (mj.is_array() && mj.size() == 2 && mj[0].is_string() && mj[1].is_string()) {
      a = mj[0].get<std::string>();
      b = mj[1].get<std::string>();
    } else {
      return invalid(label, "merges entry " + std::to_string(rank) + " is not two tokens");
    }
    auto ia = vocab.find(a), ib = vocab.find(b), iab = vocab.find(a + b);
    if (ia == vocab.end() || ib == vocab.end() || iab == vocab.end())
      return invalid(label, "merges entry " + std::to_string(rank) + " ('" + a + "' '" + b + "') uses a token missing from the vocabulary");
    merges.emplace(pairKey(ia->second, ib->second), std::make_pair(rank, iab->second));
    ++rank;
  }
  return Status::success();
}

std::string Tokenizer::Impl::normalize(std::string s) const {
  for (const auto& n : normalizers) {
    switch (n.kind) {
      case Normalizer::Kind::Prepend:
        // HF prepends to every non-empty normalized string (each split between added tokens).
        if (!s.empty()) s = n.a + s;
        break;
      case Normalizer::Kind::Replace:
        if (n.regex) {
          std::string out;
          size_t last = 0;
          n.regex->forEachMatch(s, [&](size_t b, size_t e) {
            out.append(s, last, b - last);
            out.append(n.b);
            last = e;
          });
          out.append(s, last, std::string::npos);
          s = std::move(out);
        } else {
          s = replaceAll(s, n.a, n.b);
        }
        break;
      case Normalizer::Kind::Nfc:
        break;  // see parseNormalizer
    }
  }
  return s;
}

Pieces Tokenizer::Impl::preTokenize(std::string s, bool atStart) const {
  Pieces pieces{std::move(s)};
  for (const auto& t : preTokenizers) {
    Pieces next;
    for (auto& piece : pieces) {
      switch (t.kind) {
        case PreTokenizer::Kind::Split:
        case PreTokenizer::Kind::Digits: {
          size_t last = 0;
          std::vector<std::pair<size_t, size_t>> spans;  // (begin,end), flagged matches below
          std::vector<bool> isMatch;
          t.regex->forEachMatch(piece, [&](size_t b, size_t e) {
            if (b > last) {
              spans.emplace_back(last, b);
              isMatch.push_back(false);
            }
            spans.emplace_back(b, e);
            isMatch.push_back(true);
            last = e;
          });
          if (last < piece.size()) {
            spans.emplace_back(last, piece.size());
            isMatch.push_back(false);
          }
          if (t.behavior == "Isolated") {
            for (auto& [b, e] : spans) next.push_back(piece.substr(b, e - b));
          } else if (t.behavior == "Removed") {
            for (size_t i = 0; i < spans.size(); ++i)
              if (!isMatch[i]) next.push_back(piece.substr(spans[i].first, spans[i].second - spans[i].first));
          } else if (t.behavior == "MergedWithPrevious") {
            std::string cur;
            for (size_t i = 0; i < spans.size(); ++i) {
              cur += piece.substr(spans[i].first, spans[i].second - spans[i].first);
              if (isMatch[i]) {
                next.push_back(std::move(cur));
                cur.clear();
              }
            }
            if (!cur.empty()) next.push_back(std::move(cur));
          } else {  // MergedWithNext
            std::string cur;
            for (size_t i = 0; i < spans.size(); ++i) {
              if (isMatch[i] && !cur.empty()) {
                next.push_back(std::move(cur));
                cur.clear();
              }
              cur += piece.substr(spans[i].first, spans[i].second - spans[i].first);
            }
            if (!cur.empty()) next.push_back(std::move(cur));
          }
          break;
        }
        case PreTokenizer::Kind::ByteLevel: {
          std::string p = piece;
          if (t.addPrefixSpace && atStart && !p.empty() && p[0] != ' ') p = " " + p;
          if (t.useRegex) {
            t.regex->forEachMatch(p, [&](size_t b, size_t e) { next.push_back(byteLevelMap(std::string_view(p).substr(b, e - b))); });
          } else {
            next.push_back(byteLevelMap(p));
          }
          break;
        }
        case PreTokenizer::Kind::Metaspace: {
          std::string p = replaceAll(piece, " ", t.replacement);
          bool prepend = t.prependScheme == "always" || (t.prependScheme == "first" && atStart);
          if (prepend && p.compare(0, t.replacement.size(), t.replacement) != 0) p = t.replacement + p;
          if (!t.split) {
            next.push_back(std::move(p));
          } else {  // split before each replacement char, keeping it with the following word
            size_t start = 0;
            for (size_t pos = p.find(t.replacement, 1); pos != std::string::npos; pos = p.find(t.replacement, pos + 1)) {
              next.push_back(p.substr(start, pos - start));
              start = pos;
            }
            next.push_back(p.substr(start));
          }
          break;
        }
      }
    }
    pieces.clear();
    for (auto& p : next)
      if (!p.empty()) pieces.push_back(std::move(p));
  }
  return pieces;
}

void Tokenizer::Impl::bpe(const std::string& word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignoreMerges) {
    auto it = vocab.find(word);
    if (it != vocab.end()) {
      out.push_back(it->second);
      return;
    }
  }
  // Initial symbols: one per code point; unknown ones fall back to bytes or to unk.
  struct Sym {
    int32_t id;
    int prev, next;
    bool alive;
  };
  std::vector<Sym> syms;
  std::string cp;
  bool lastWasUnk = false;
  for (size_t pos = 0; pos < word.size();) {
    size_t start = pos;
    nextCodepoint(word, pos);
    cp.assign(word, start, pos - start);
    auto it = vocab.find(cp);
    if (it != vocab.end()) {
      syms.push_back({it->second, 0, 0, true});
      lastWasUnk = false;
    } else if (byteFallback && std::all_of(cp.begin(), cp.end(), [&](char c) { return byteTokens[static_cast<uint8_t>(c)] >= 0; })) {
      for (char c : cp) syms.push_back({byteTokens[static_cast<uint8_t>(c)], 0, 0, true});
      lastWasUnk = false;
    } else if (unkId) {
      if (!(fuseUnk && lastWasUnk)) syms.push_back({*unkId, 0, 0, true});
      lastWasUnk = true;
    }  // else: HF drops characters it cannot represent
  }
  const int n = static_cast<int>(syms.size());
  for (int i = 0; i < n; ++i) {
    syms[i].prev = i - 1;
    syms[i].next = i + 1 < n ? i + 1 : -1;
  }
  // Lowest rank first; ties to the leftmost position (as HF's BPE).
  struct Cand {
    int32_t rank;
    int left;
    int32_t leftId, rightId, merged;
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<>> queue;
  auto push = [&](int left) {
    if (left < 0) return;
    int right = syms[left].next;
    if (right < 0) return;
    auto it = merges.find(pairKey(syms[left].id, syms[right].id));
    if (it != merges.end()) queue.push({it->second.first, left, syms[left].id, syms[right].id, it->second.second});
  };
  for (int i = 0; i + 1 < n; ++i) push(i);
  while (!queue.empty()) {
    Cand c = queue.top();
    queue.pop();
    Sym& l = syms[c.left];
    if (!l.alive || l.id != c.leftId || l.next < 0) continue;
    Sym& r = syms[l.next];
    if (r.id != c.rightId) continue;  // stale
    l.id = c.merged;
    r.alive = false;
    l.next = r.next;
    if (r.next >= 0) syms[r.next].prev = c.left;
    push(l.prev);
    push(c.left);
  }
  for (int i = n > 0 ? 0 : -1; i >= 0; i = syms[i].next) out.push_back(syms[i].id);
}

void Tokenizer::Impl::encodeChunk(std::string_view text, bool atStart, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  std::string norm = normalize(std::string(text));
  for (const auto& word : preTokenize(std::move(norm), atStart)) bpe(word, out);
}

Tokenizer::Tokenizer() : m(std::make_unique<Impl>()) {}
Tokenizer::~Tokenizer() = default;

Result<std::shared_ptr<Tokenizer>> Tokenizer::load(const std::string& path) {
  auto bytes = readFile(path);
  if (!bytes) return bytes.error();
  return fromJson(*bytes, path);
}

Result<std::shared_ptr<Tokenizer>> Tokenizer::fromJson(std::string_view text, const std::string& label) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return invalid(label, "not well-formed JSON");
  if (!j.is_object()) return invalid(label, "top level is not a JSON object");
  if (!j.contains("model") || !j["model"].is_object()) return invalid(label, "no 'model' object");
  std::shared_ptr<Tokenizer> tok(new Tokenizer());
  Impl& im = *tok->m;
  im.label = label;
  try {
    LENS_TRY_STATUS(im.parseModel(j["model"]));
    LENS_TRY_STATUS(im.parseNormalizer(jsonValueOr(j, "normalizer", json()), "normalizer"));
    LENS_TRY_STATUS(im.parsePreTokenizer(jsonValueOr(j, "pre_tokenizer", json()), "pre_tokenizer"));
    LENS_TRY_STATUS(im.parseDecoder(jsonValueOr(j, "decoder", json()), "decoder"));
    LENS_TRY_STATUS(im.parsePostProcessor(jsonValueOr(j, "post_processor", json()), "post_processor"));
    for (const auto& a : jsonValueOr(j, "added_tokens", json::array())) {
      AddedToken t;
      const auto id = jsonInteger(a.at("id"), 0, kMaxTokenId);
      t.content = a.at("content").get<std::string>();
      t.special = jsonValueOr(a, "special", false);
      t.lstrip = jsonValueOr(a, "lstrip", false);
      t.rstrip = jsonValueOr(a, "rstrip", false);
      if (jsonValueOr(a, "single_word", false))
        return refuse(label, "added_tokens entry '" + t.content + "' has single_word=true, which is not supported");
      if (!id || t.content.empty())
        return invalid(label, "added_tokens entry '" + t.content + "' has a bad id or empty content");
      t.id = static_cast<int32_t>(*id);
      if (static_cast<size_t>(t.id) >= im.idToToken.size()) im.idToToken.resize(t.id + 1);
      im.idToToken[t.id] = t.content;
      im.added.push_back(std::move(t));
    }
  } catch (const json::exception& e) {
    return invalid(label, std::string("unexpected JSON structure: ") + e.what());
  }
  im.specialMask.assign(im.idToToken.size(), false);
  im.addedMask.assign(im.idToToken.size(), false);
  for (const auto& t : im.added) {
    im.specialMask[t.id] = t.special;
    im.addedMask[t.id] = true;
  }
  // Longest content first, so that "<|im_start|>" wins over a shorter prefix of it.
  std::stable_sort(im.added.begin(), im.added.end(),
                   [](const AddedToken& a, const AddedToken& b) { return a.content.size() > b.content.size(); });
  for (int32_t id : im.prefixIds)
    if (id < 0 || static_cast<size_t>(id) >= im.idToToken.size()) return invalid(label, "post_processor uses id " + std::to_string(id) + " outside the vocabulary");
  for (int32_t id : im.suffixIds)
    if (id < 0 || static_cast<size_t>(id) >= im.idToToken.size()) return invalid(label, "post_processor uses id " + std::to_string(id) + " outside the vocabulary");
  if (!im.byteLevel && im.metaspaceReplacement.empty() && std::none_of(im.preTokenizers.begin(), im.preTokenizers.end(), [](const PreTokenizer& p) { return p.kind == PreTokenizer::Kind::Metaspace; }) && im.normalizers.empty())
    return refuse(label, "neither a ByteLevel nor a SentencePiece-style (Metaspace / Replace) pipeline: this BPE variant is not supported");
  return tok;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addSpecial) const {
  std::vector<int32_t> out;
  if (addSpecial) out = m->prefixIds;
  // Split on added tokens (leftmost match; longest content wins at the same position).
  size_t pos = 0, chunkStart = 0;
  bool atStart = true;
  while (pos < text.size()) {
    const AddedToken* hit = nullptr;
    for (const auto& t : m->added) {
      if (text.compare(pos, t.content.size(), t.content) == 0) {
        hit = &t;
        break;
      }
    }
    if (!hit) {
      ++pos;
      continue;
    }
    std::string_view before = text.substr(chunkStart, pos - chunkStart);
    if (hit->lstrip)
      while (!before.empty() && std::isspace(static_cast<unsigned char>(before.back()))) before.remove_suffix(1);
    m->encodeChunk(before, atStart, out);
    atStart = false;
    out.push_back(hit->id);
    pos += hit->content.size();
    if (hit->rstrip)
      while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    chunkStart = pos;
  }
  m->encodeChunk(text.substr(chunkStart), atStart, out);
  if (addSpecial) out.insert(out.end(), m->suffixIds.begin(), m->suffixIds.end());
  return out;
}

std::string Tokenizer::tokenBytes(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= m->idToToken.size()) return {};
  if (m->addedMask[id]) return m->idToToken[id];  // idToToken holds an added token's content
  const std::string& s = m->idToToken[id];
  if (m->byteLevel) {
    std::string out;
    for (size_t pos = 0; pos < s.size();) {
      uint32_t cp = nextCodepoint(s, pos);
      int b = unicodeToByte(cp);
      if (b >= 0) out.push_back(static_cast<char>(b));
      else appendUtf8(out, cp);
    }
    return out;
  }
  if (m->decodeByteFallback && s.size() == 6 && s.compare(0, 3, "<0x") == 0 && s[5] == '>') {
    return std::string(1, static_cast<char>(std::stoi(s.substr(3, 2), nullptr, 16)));
  }
  if (!m->metaspaceReplacement.empty()) return replaceAll(s, m->metaspaceReplacement, " ");
  return s;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skipSpecial) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (skipSpecial && isSpecial(id)) continue;
    bytes += tokenBytes(id);
  }
  for (int i = 0; i < m->stripLeading && !bytes.empty() && bytes[0] == ' '; ++i) bytes.erase(0, 1);
  return toValidUtf8(bytes);
}

int32_t Tokenizer::vocabSize() const { return static_cast<int32_t>(m->idToToken.size()); }

std::optional<int32_t> Tokenizer::tokenId(std::string_view token) const {
  for (const auto& t : m->added)
    if (t.content == token) return t.id;
  auto it = m->vocab.find(std::string(token));
  if (it == m->vocab.end()) return std::nullopt;
  return it->second;
}

std::string Tokenizer::tokenString(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= m->idToToken.size()) return {};
  return m->idToToken[id];
}

bool Tokenizer::isSpecial(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < m->specialMask.size() && m->specialMask[id];
}

const std::vector<AddedToken>& Tokenizer::addedTokens() const { return m->added; }

std::string Tokenizer::kind() const { return m->byteLevel ? "byte-level BPE" : "SentencePiece BPE"; }

}  // namespace lens::text
