// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/jobs/routing_text.h"

#include <algorithm>

#include "core/jobs/spec_reader.h"
#include "core/model/model.h"
#include "core/text/tokenizer.h"

namespace lens::jobs {

void readRoutingTextSpec(SpecReader& r, RoutingTextSpec& out) {
  r.oneOf("text", out.text, {"problem+solution", "solution"})
      .oneOf("score", out.score, {"solution", "all"})
      .integer("max_tokens", out.maxTokens, 2, 1 << 20);
}

Result<routing::RoutedText> routingText(const model::Model& model, mathdata::PromptFormat format, const mathdata::Problem& prob,
                                        const RoutingTextSpec& spec) {
  const bool withPrompt = spec.text != "solution";
  const std::string prompt = withPrompt ? mathdata::formatPrompt(prob.problem, format, {}) : std::string();
  const auto* tok = model.tokenizer();
  routing::RoutedText out;
  out.tokens = tok->encode(prompt + prob.solution, mathdata::addSpecialTokens(format));
  // The position whose next token is the first of the solution (byte-exact for ComputeLens's byte
  // tokenizer; for BPE the prompt's own encoding approximates the boundary).
  if (withPrompt && spec.score == "solution")
    out.firstPosition = std::max<int64_t>(0, static_cast<int64_t>(tok->encode(prompt, mathdata::addSpecialTokens(format)).size()) - 1);
  const int64_t limit = std::min<int64_t>(spec.maxTokens, model.config().maxPositions);
  if (static_cast<int64_t>(out.tokens.size()) > limit) out.tokens.resize(static_cast<size_t>(limit));
  if (out.tokens.size() < 2)
    return makeError(ErrorCode::InvalidInput, "problem " + prob.key + ": its text has fewer than 2 tokens (does it have a solution?)");
  if (out.firstPosition >= static_cast<int64_t>(out.tokens.size()) - 1)
    return makeError(ErrorCode::InvalidInput, "problem " + prob.key + ": max_tokens " + std::to_string(limit) + " leaves none of the solution to score");
  return out;
}

}  // namespace lens::jobs
