// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mathdata/prompt.h"

#include "core/text/tokenizer.h"

namespace lens::mathdata {

Result<PromptFormat> parsePromptFormat(const std::string& name) {
  if (name == "auto") return PromptFormat::Auto;
  if (name == "raw") return PromptFormat::Raw;
  if (name == "chatml") return PromptFormat::ChatMl;
  if (name == "llama3") return PromptFormat::Llama3;
  return makeError(ErrorCode::InvalidInput, "prompt format '" + name + "' (auto, raw, chatml, llama3)");
}

const char* promptFormatName(PromptFormat f) {
  switch (f) {
    case PromptFormat::Auto: return "auto";
    case PromptFormat::Raw: return "raw";
    case PromptFormat::ChatMl: return "chatml";
    case PromptFormat::Llama3: return "llama3";
  }
  return "raw";
}

PromptFormat resolvePromptFormat(PromptFormat requested, const text::Tokenizer* tokenizer) {
  if (requested != PromptFormat::Auto) return requested;
  if (tokenizer && tokenizer->tokenId("<|im_start|>")) return PromptFormat::ChatMl;
  if (tokenizer && tokenizer->tokenId("<|start_header_id|>")) return PromptFormat::Llama3;
  return PromptFormat::Raw;
}

std::string formatPrompt(const std::string& problem, PromptFormat f, const PromptParams& p) {
  switch (f) {
    case PromptFormat::ChatMl:
      return "<|im_start|>system\n" + p.system + "<|im_end|>\n<|im_start|>user\n" + problem +
             "<|im_end|>\n<|im_start|>assistant\n";
    case PromptFormat::Llama3:
      return "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + p.system +
             "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" + problem +
             "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    case PromptFormat::Raw:
    case PromptFormat::Auto:
      break;
  }
  // The format ComputeLens's own models are trained on (core/train): the solution's steps follow.
  return "Problem: " + problem + p.stepDelimiter + "Solution: ";
}

std::string formatRevisionPrompt(const std::string& problem, const std::vector<std::string>& attempts, PromptFormat f,
                                 const PromptParams& p) {
  if (attempts.empty()) return formatPrompt(problem, f, p);
  std::string text = problem;
  if (f == PromptFormat::Raw || f == PromptFormat::Auto) {
    // ComputeLens's revision models: each earlier attempt under its own header, then the solution.
    text = "Problem: " + problem + p.stepDelimiter;
    for (const auto& a : attempts) text += "Previous attempt:\n" + a + p.stepDelimiter;
    return text + "Solution: ";
  }
  // Chat models: the attempts go into the user's message, which asks for a corrected solution.
  text += "\n\nHere are earlier attempts at this problem; they may contain mistakes.";
  for (size_t i = 0; i < attempts.size(); ++i) text += "\n\nAttempt " + std::to_string(i + 1) + ":\n" + attempts[i];
  text += "\n\nWrite a correct solution.";
  return formatPrompt(text, f, p);
}

bool addSpecialTokens(PromptFormat f) { return f == PromptFormat::Raw || f == PromptFormat::Auto; }

std::vector<std::string> splitSteps(const std::string& text, const std::string& delimiter) {
  std::vector<std::string> steps;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = delimiter.empty() ? std::string::npos : text.find(delimiter, start);
    std::string piece = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (piece.find_first_not_of(" \t\r\n") != std::string::npos) steps.push_back(std::move(piece));
    if (end == std::string::npos) break;
    start = end + delimiter.size();
  }
  return steps;
}

std::optional<std::string> withSlippedResult(const std::string& step, int64_t delta) {
  static const std::string frac = "\\frac{";
  const size_t eq = step.rfind('=');
  if (eq == std::string::npos || delta == 0) return std::nullopt;
  size_t i = eq + 1;
  while (i < step.size() && step[i] == ' ') ++i;
  size_t start = i;  // where the rewritten text begins: the number's sign, or a fraction's numerator
  const bool negative = i < step.size() && step[i] == '-';
  if (negative) ++i;
  const bool fraction = step.compare(i, frac.size(), frac) == 0;
  if (fraction) start = i += frac.size();
  const size_t digits = i;
  while (i < step.size() && step[i] >= '0' && step[i] <= '9') ++i;
  if (i == digits || i - digits > 15) return std::nullopt;
  const int64_t value = std::stoll(step.substr(digits, i - digits));
  int64_t moved = (negative && !fraction ? -value : value) + delta;
  if (fraction && moved <= 0) moved = value + (delta < 0 ? -delta : delta);  // a numerator stays positive
  return step.substr(0, start) + std::to_string(moved) + step.substr(i);
}

}  // namespace lens::mathdata
