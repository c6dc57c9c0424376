// SPDX-License-Identifier: GPL-3.0-or-later
// How a problem becomes a prompt: raw text (base models and ComputeLens's own models), ChatML
// (Qwen) or the Llama 3 chat format. `Auto` picks from the tokenizer's special tokens. Chat formats
// produce the whole text, special tokens included, so they are encoded without adding BOS again
// (as transformers' apply_chat_template does).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace lens::text {
class Tokenizer;
}

namespace lens::mathdata {

enum class PromptFormat { Auto, Raw, ChatMl, Llama3 };
Result<PromptFormat> parsePromptFormat(const std::string& name);  // auto | raw | chatml | llama3
const char* promptFormatName(PromptFormat f);

struct PromptParams {
  PromptFormat format = PromptFormat::Auto;
  // The system message of the chat formats (Qwen2.5-Math's default instruction).
  std::string system = "Please reason step by step, and put your final answer within \\boxed{}.";
  std::string stepDelimiter = "\n\n";  // between solution steps; search strategies stop here
};

// Auto → ChatMl when the vocabulary has <|im_start|>, Llama3 when it has <|start_header_id|>,
// else Raw.
PromptFormat resolvePromptFormat(PromptFormat requested, const text::Tokenizer* tokenizer);
// The text before the model's first solution token.
std::string formatPrompt(const std::string& problem, PromptFormat resolved, const PromptParams& params);
// The prompt of a revision model (Snell et al. 2024 §6): the problem, then earlier attempts at it
// (oldest first; they may be wrong), then the header of the next solution. With no attempts it is
// formatPrompt(problem) itself, so a revision model also makes first attempts.
std::string formatRevisionPrompt(const std::string& problem, const std::vector<std::string>& attempts, PromptFormat resolved,
                                 const PromptParams& params);
// Whether the tokenizer should add its own special tokens (BOS) when encoding this format.
bool addSpecialTokens(PromptFormat resolved);
// The steps of a solution: the text split at the delimiter, blank pieces dropped.
std::vector<std::string> splitSteps(const std::string& text, const std::string& delimiter = "\n\n");

// A slip in one step: `step` with its result (the number after its last "=", or that fraction's
// numerator, which stays positive) moved by `delta`, or nothing when the step has no such number
// (an answer line). Only that number's text (with its sign) is rewritten.
std::optional<std::string> withSlippedResult(const std::string& step, int64_t delta);

}  // namespace lens::mathdata
