// SPDX-License-Identifier: GPL-3.0-or-later
// Final answers of MATH-style solutions: extraction from model output and equivalence with the
// reference. The normalisations follow the MATH paper's grader (Hendrycks et al. 2021,
// `is_equiv` / `strip_string`) and PRM800K's grader (Lightman et al. 2023, `grade_answer`), which
// add numeric comparison (sympy there; a small LaTeX expression evaluator here), thousands
// separators, units and ordered/unordered lists.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lens::mathdata {

// Content of the last \boxed{…} or \fbox{…} (nested braces allowed), or of "\boxed 5".
std::optional<std::string> lastBoxed(const std::string& text);
// The final answer of a model output: the last box, else "Final Answer: The final answer is $X$",
// else "The answer is X". nullopt when none is found.
std::optional<std::string> extractAnswer(const std::string& text);
// The string normalisation alone (useful for display and for grouping answers in majority votes).
std::string normalizeAnswer(const std::string& answer);
// True when `given` is equivalent to `reference`.
bool answersEqual(const std::string& given, const std::string& reference);
// Evaluates a normalised LaTeX expression (numbers, + − × ÷, \frac, \sqrt, ^, \pi, implicit
// multiplication, single-letter variables bound to `vars` as a..z). nullopt if it does not parse.
std::optional<double> evaluateLatex(const std::string& expr, const std::vector<double>& vars = {});

}  // namespace lens::mathdata
