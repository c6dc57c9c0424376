// SPDX-License-Identifier: GPL-3.0-or-later
// Problem sets: MATH-style JSONL (PRM800K splits: problem, solution, answer, subject, level,
// unique_id) and plain prompt lists. Each set carries a fingerprint of its content, so a run can
// tell when the file under it changed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace lens::mathdata {

struct Problem {
  std::string key;  // unique_id when present, else "<line>"
  std::string problem;
  std::string solution;
  std::optional<std::string> answer;
  std::optional<std::string> subject;
  std::optional<int> level;  // 1..5; unset for "Level ?"
};

struct ProblemSet {
  std::string name;    // file stem or "prompts"
  std::string source;  // the path, or "inline"
  std::string fingerprint;
  std::vector<Problem> problems;
};

struct JsonlParams {
  std::string problemField = "problem";  // "prompt" for prompt lists
  std::string answerField = "answer";
  int64_t offset = 0;
  int64_t limit = 0;  // 0: all
};

// Errors name the file and line: "test.jsonl:17: not JSON (…)".
Result<ProblemSet> loadJsonl(const std::string& path, const JsonlParams& params = {});
ProblemSet fromPrompts(const std::vector<std::string>& prompts);
// "Level 3" / 3 / "3" → 3; "Level ?" and anything else → nullopt.
std::optional<int> parseLevel(const std::string& text);
std::string fingerprintOf(const std::vector<Problem>& problems);

}  // namespace lens::mathdata
