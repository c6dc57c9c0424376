// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mathdata/problems.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/hash.h"
#include "core/mathdata/arith.h"

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
  return readJsonl(in, path, params);
}

Result<ProblemSet> readJsonl(std::istream& in, const std::string& path, const JsonlParams& params) {
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
    if (!p.answer && !p.solution.empty()) p.answer = lastBoxed(p.solution);
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

Result<ProblemSet> loadMathTree(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return makeError(ErrorCode::NotFound, dir + ": not a folder");
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path());
  if (ec) return makeError(ErrorCode::Io, dir + ": " + ec.message());
  // Path order with numeric file names in numeric order (2.json before 10.json).
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    if (a.parent_path() != b.parent_path()) return a.parent_path() < b.parent_path();
    const std::string sa = a.stem().string(), sb = b.stem().string();
    if (sa.size() != sb.size()) return sa.size() < sb.size();
    return sa < sb;
  });
  ProblemSet s;
  s.name = fs::path(dir).filename().string();
  s.source = dir;
  const fs::path root = fs::path(dir).lexically_normal();
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    json j = json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return makeError(ErrorCode::InvalidInput, f.string() + ": not a JSON object");
    if (!j.contains("problem") || !j["problem"].is_string() || !j.contains("solution") || !j["solution"].is_string())
      return makeError(ErrorCode::InvalidInput, f.string() + ": needs string fields \"problem\" and \"solution\"");
    Problem p;
    p.problem = j["problem"].get<std::string>();
    p.solution = j["solution"].get<std::string>();
    p.answer = lastBoxed(p.solution);
    if (j.contains("type") && j["type"].is_string()) p.subject = j["type"].get<std::string>();
    if (j.contains("level") && j["level"].is_string()) p.level = parseLevel(j["level"].get<std::string>());
    // unique_id as PRM800K writes it: <split>/<subject>/<n>.json
    fs::path rel = f.lexically_normal().lexically_relative(root.parent_path());
    std::string key = rel.generic_string();
    p.key = key;
    s.problems.push_back(std::move(p));
  }
  if (s.problems.empty()) return makeError(ErrorCode::InvalidInput, dir + ": no .json problems below this folder");
  s.fingerprint = fingerprintOf(s.problems);
  return s;
}

Result<ProblemSet> applyFilter(ProblemSet set, const ProblemFilter& f) {
  auto lower = [](std::string x) {
    std::transform(x.begin(), x.end(), x.begin(), [](unsigned char c) { return std::tolower(c); });
    return x;
  };
  std::vector<Problem> kept;
  for (auto& p : set.problems) {
    if (!f.subjects.empty()) {
      const std::string subj = lower(p.subject.value_or(""));
      if (std::none_of(f.subjects.begin(), f.subjects.end(), [&](const std::string& s) { return lower(s) == subj; })) continue;
    }
    if (!f.levels.empty() && (!p.level || std::find(f.levels.begin(), f.levels.end(), *p.level) == f.levels.end())) continue;
    kept.push_back(std::move(p));
  }
  if (f.sample > 0 && f.sample < static_cast<int64_t>(kept.size())) {
    // Partial Fisher-Yates on indices with splitmix64: the same seed picks the same problems on
    // every platform (std::shuffle's algorithm is implementation-defined).
    std::vector<size_t> idx(kept.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    SplitMix64 gen(f.sampleSeed);
    for (size_t i = 0; i < static_cast<size_t>(f.sample); ++i) std::swap(idx[i], idx[i + gen.below(idx.size() - i)]);
    idx.resize(static_cast<size_t>(f.sample));
    std::sort(idx.begin(), idx.end());
    std::vector<Problem> picked;
    for (size_t i : idx) picked.push_back(std::move(kept[i]));
    kept = std::move(picked);
  }
  if (f.offset > 0) kept.erase(kept.begin(), kept.begin() + std::min<int64_t>(f.offset, static_cast<int64_t>(kept.size())));
  if (f.limit > 0 && static_cast<int64_t>(kept.size()) > f.limit) kept.resize(static_cast<size_t>(f.limit));
  if (kept.empty()) return makeError(ErrorCode::InvalidInput, set.source + ": no problems left after the subject/level/offset filters");
  set.problems = std::move(kept);
  set.fingerprint = fingerprintOf(set.problems);
  return set;
}

Result<ProblemSet> loadProblems(const ProblemSource& src) {
  Result<ProblemSet> set = makeError(ErrorCode::Internal, "unset");
  if (src.path.rfind("builtin:", 0) == 0) {
    if (src.path != "builtin:arith")
      return makeError(ErrorCode::InvalidInput, src.path + ": unknown built-in problem set (builtin:arith)");
    auto split = parseArithSplit(src.split);
    if (!split) return split.error();
    set = arithProblemSet(*split, src.count);
  } else if (std::filesystem::is_directory(src.path)) {
    set = loadMathTree(src.path);
  } else {
    set = loadJsonl(src.path, src.jsonl);
  }
  if (!set) return set.error();
  return applyFilter(std::move(*set), src.filter);
}

}  // namespace lens::mathdata
