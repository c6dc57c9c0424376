// SPDX-License-Identifier: GPL-3.0-or-later
// Problem sets: MATH-style JSONL (PRM800K splits: problem, solution, answer, subject, level,
// unique_id) and plain prompt lists. Each set carries a fingerprint of its content, so a run can
// tell when the file under it changed.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/mathdata/answer.h"

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
// The same over a stream (tests, fuzzing); `path` names it in errors and gives the set's name.
Result<ProblemSet> readJsonl(std::istream& in, const std::string& path, const JsonlParams& params = {});
// The original MATH layout: every <subject>/<n>.json below `dir` (a split folder, or the root with
// train/ and test/), in path order; unique_id is the path relative to the root's parent split,
// e.g. "test/algebra/1.json"; the answer is the solution's last \boxed{}.
Result<ProblemSet> loadMathTree(const std::string& dir);

// Which problems of a set to use. Filters apply first, then `sample` picks that many at random
// (reproducibly for a seed, keeping file order), then offset/limit.
struct ProblemFilter {
  std::vector<std::string> subjects;  // empty: all; case-insensitive ("algebra" = "Algebra")
  std::vector<int> levels;            // empty: all
  int64_t sample = 0;                 // 0: no sampling
  uint64_t sampleSeed = 0;
  int64_t offset = 0;
  int64_t limit = 0;                  // 0: all
};
Result<ProblemSet> applyFilter(ProblemSet set, const ProblemFilter& filter);

// A problem source: a .jsonl file, a MATH directory tree, or "builtin:arith" (see arith.h).
struct ProblemSource {
  std::string path;        // file, folder or builtin:arith
  std::string split = "test";  // builtin:arith: train | validation | test
  int64_t count = 0;       // builtin:arith: problems to generate (0: the split's size; train needs it)
  JsonlParams jsonl;
  ProblemFilter filter;
};
Result<ProblemSet> loadProblems(const ProblemSource& source);
ProblemSet fromPrompts(const std::vector<std::string>& prompts);
// "Level 3" / 3 / "3" → 3; "Level ?" and anything else → nullopt.
std::optional<int> parseLevel(const std::string& text);
std::string fingerprintOf(const std::vector<Problem>& problems);

}  // namespace lens::mathdata
