// SPDX-License-Identifier: GPL-3.0-or-later
// MATH JSONL bytes: either an error naming the line, or problems whose fields came from the input,
// each graded against its own answer (answer extraction and equivalence on file content).
#include <sstream>

#include "core/mathdata/problems.h"
#include "fuzz_common.h"

using namespace lens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in{std::string(fuzz::bytes(data, size))};
  auto set = mathdata::readJsonl(in, "fuzz.jsonl");
  if (!set) {
    LENS_FUZZ_CHECK(set.error().message.rfind("fuzz.jsonl", 0) == 0);
    return 0;
  }
  LENS_FUZZ_CHECK(!set->problems.empty());
  LENS_FUZZ_CHECK(!set->fingerprint.empty());
  for (const auto& p : set->problems) {
    if (p.level) LENS_FUZZ_CHECK(*p.level >= 1 && *p.level <= 5);
    if (p.answer) (void)mathdata::answersEqual(*p.answer, *p.answer);
    (void)mathdata::extractAnswer(p.solution);
  }
  return 0;
}
