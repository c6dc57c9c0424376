// SPDX-License-Identifier: GPL-3.0-or-later
// Answer extraction and equivalence on arbitrary text. The input is split at its first NUL into a
// model output and a reference. Properties: equivalence is reflexive and symmetric, an extracted
// answer is part of the text. An answer that normalises to nothing equals nothing, itself included
// (an empty reference must not mark an empty answer right): found by this target on its first input.
#include "core/mathdata/answer.h"
#include "fuzz_common.h"

using namespace lens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::bytes(data, size);
  const size_t nul = in.find('\0');
  const std::string output(in.substr(0, nul));
  const std::string reference(nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1));

  if (auto a = mathdata::extractAnswer(output)) {
    LENS_FUZZ_CHECK(output.find(*a) != std::string::npos);
    const bool eq = mathdata::answersEqual(*a, reference);
    LENS_FUZZ_CHECK(eq == mathdata::answersEqual(reference, *a));
    LENS_FUZZ_CHECK(mathdata::answersEqual(*a, *a) == !mathdata::normalizeAnswer(*a).empty());
  }
  if (auto b = mathdata::lastBoxed(output)) LENS_FUZZ_CHECK(output.find(*b) != std::string::npos);
  LENS_FUZZ_CHECK(mathdata::answersEqual(reference, reference) == !mathdata::normalizeAnswer(reference).empty());
  (void)mathdata::normalizeAnswer(output);
  (void)mathdata::evaluateLatex(mathdata::normalizeAnswer(reference), {1.5, -2.0});
  return 0;
}
