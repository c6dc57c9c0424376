// SPDX-License-Identifier: GPL-3.0-or-later
// The text a routing job (oracle, router-train) runs a problem as: the prompt followed by the
// reference solution (or the solution alone), scored on the solution (the prompt is context) or on
// every position, cut to max_tokens. Shared so routers train on exactly what oracles score.
#pragma once

#include <string>

#include "core/common/result.h"
#include "core/mathdata/problems.h"
#include "core/mathdata/prompt.h"
#include "core/routing/router.h"

namespace lens::model {
class Model;
}

namespace lens::jobs {

class SpecReader;

struct RoutingTextSpec {
  std::string text = "problem+solution";  // or "solution"
  std::string score = "solution";         // "solution" (the prompt is context) or "all"
  int64_t maxTokens = 512;
};

// Reads "text", "score" and "max_tokens".
void readRoutingTextSpec(SpecReader& r, RoutingTextSpec& out);

// Errors name the problem.
Result<routing::RoutedText> routingText(const model::Model& model, mathdata::PromptFormat format, const mathdata::Problem& problem,
                                        const RoutingTextSpec& spec);

}  // namespace lens::jobs
