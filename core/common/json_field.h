// SPDX-License-Identifier: GPL-3.0-or-later
// Optional fields of JSON files other tools wrote (config.json, tokenizer.json). Recent
// transformers and tokenizers write a setting left at its default as null (or, for strings, as
// ""); nlohmann's value() throws on a present null, so such a file would read as malformed.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lens {

// j[name] as T, or `fallback` when j has no such field or it is null.
template <typename T>
T jsonValueOr(const nlohmann::json& j, const char* name, T fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  return it->template get<T>();
}
inline std::string jsonValueOr(const nlohmann::json& j, const char* name, const char* fallback) {
  return jsonValueOr<std::string>(j, name, std::string(fallback));
}

}  // namespace lens
