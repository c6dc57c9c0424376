// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mathdata/problems.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/hash.h"

using json = nlohmann::json;

namespace lens::mathdata {

std::optional<int> parseLevel(const std::string& text) {
  std::string t = text;
  if (t.rfind("Level ", 0) == 0) t = t.substr(6);
  if (t.size() == 1 && t[0] >= '1' && t[0] <= '5') return t[0] - '0';
  return std::nullopt;
}

std::string fingerprintOf(const std::vector<Problem>& problems) {
  Fnv1a64 h;
  for (const auto& p : problems) h.add(p.key).add(p.problem).add(p.answer.value_or("\x01"));
  return h.hex();
}

ProblemSet fromPrompts(const std::vector<std::string>& prompts) {
  ProblemSet s;
  s.name = "prompts";
  s.source = "inline";
  for (size_t i = 0; i < prompts.size(); ++i) s.problems.push_back({std::to_string(i), prompts[i], {}, {}, {}, {}});
  s.fingerprint = fingerprintOf(s.problems);
  return s;
}

Result<ProblemSet> loadJsonl(const std::string& path, const JsonlParams& params) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::NotFound, path + ": cannot open (does the file exist?)");
  ProblemSet s;
  s.name = std::filesystem::path(path).stem().string();
  s.source = path;
  std::string line;
  int64_t lineNo = 0, kept = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(lineNo);
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return makeError(ErrorCode::InvalidInput, where + ": not JSON");
    if (!j.is_object()) return makeError(ErrorCode::InvalidInput, where + ": expected a JSON object per line");
    auto field = j.find(params.problemField);
    if (field == j.end() || !field->is_string())
      return makeError(ErrorCode::InvalidInput, where + ": no string field \"" + params.problemField + "\"");
    if (kept++ < params.offset) continue;
    Problem p;
    p.problem = field->get<std::string>();
    p.key = j.contains("unique_id") && j["unique_id"].is_string() ? j["unique_id"].get<std::string>() : std::to_string(lineNo);
    if (auto a = j.find(params.answerField); a != j.end() && !a->is_null())
      p.answer = a->is_string() ? a->get<std::string>() : a->dump();
    if (auto v = j.find("solution"); v != j.end() && v->is_string()) p.solution = v->get<std::string>();
    if (auto v = j.find("subject"); v != j.end() && v->is_string()) p.subject = v->get<std::string>();
    else if (auto t = j.find("type"); t != j.end() && t->is_string()) p.subject = t->get<std::string>();
    if (auto v = j.find("level"); v != j.end()) {
      if (v->is_number_integer()) p.level = parseLevel(std::to_string(v->get<int64_t>()));
      else if (v->is_string()) p.level = parseLevel(v->get<std::string>());
    }
    s.problems.push_back(std::move(p));
    if (params.limit > 0 && static_cast<int64_t>(s.problems.size()) >= params.limit) break;
  }
  if (s.problems.empty()) return makeError(ErrorCode::InvalidInput, path + ": no problems (after offset/limit)");
  s.fingerprint = fingerprintOf(s.problems);
  return s;
}

}  // namespace lens::mathdata
