// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/cli/cmd_duoify.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "app/cli/cli_progress.h"
#include "core/mathdata/problems.h"
#include "core/mathdata/prompt.h"
#include "core/model/duoify.h"
#include "core/text/tokenizer.h"

namespace fs = std::filesystem;

namespace lens::cli {

namespace {

struct DuoifyOptions {
  model::DuoifyParams params;
  std::string method = "activation";
  std::string calibration = "builtin:arith";
  int64_t calibrationProblems = 64;
};

// Calibration texts: prompt + reference solution of each problem, in the model's prompt format.
Result<std::vector<std::vector<int32_t>>> calibrationTexts(const DuoifyOptions& o) {
  auto tok = text::Tokenizer::load((fs::path(o.params.source) / "tokenizer.json").string());
  if (!tok) return makeError(tok.error().code, "calibration needs the source's tokenizer: " + tok.error().message);
  mathdata::ProblemSource src;
  src.path = o.calibration;
  if (o.calibration == "builtin:arith") {
    src.split = "train";
    src.count = o.calibrationProblems;
  }
  src.filter.limit = o.calibrationProblems;
  auto probs = mathdata::loadProblems(src);
  if (!probs) return probs.error();
  const auto format = mathdata::resolvePromptFormat(mathdata::PromptFormat::Auto, tok->get());
  std::vector<std::vector<int32_t>> out;
  for (const auto& p : probs->problems)
    out.push_back((*tok)->encode(mathdata::formatPrompt(p.problem, format, {}) + p.solution, mathdata::addSpecialTokens(format)));
  if (out.empty()) return makeError(ErrorCode::InvalidInput, "--calibration " + o.calibration + ": no problems");
  return out;
}

int run(DuoifyOptions& o) {
  auto& p = o.params;
  p.method = o.method == "weight-norm" ? model::DuoifyParams::Method::WeightNorm
             : o.method == "svd"       ? model::DuoifyParams::Method::Svd
                                       : model::DuoifyParams::Method::Activation;
  if (p.method != model::DuoifyParams::Method::WeightNorm || p.distillSteps > 0) {  // svd: calibration measures the error
    auto texts = calibrationTexts(o);
    if (!texts) {
      std::fprintf(stderr, "computelens-cli: %s\n", texts.error().describe().c_str());
      return 1;
    }
    p.calibration = std::move(*texts);
  }
  ProgressPrinter progress("duoify");
  RunContext ctx;
  ctx.progress = [&](int64_t d, int64_t t, std::string_view w) { progress.update(d, t, w); };
  auto rep = model::duoify(p, &ctx);
  if (!rep) {
    std::fprintf(stderr, "computelens-cli: %s\n", rep.error().describe().c_str());
    return rep.error().code == ErrorCode::Cancelled ? 130 : 1;
  }
  if (rep->rank > 0)
    std::printf("%s: Duo model with small FFNs of rank %lld (truncated SVD of each matrix; %lld neurons", p.out.c_str(),
                static_cast<long long>(rep->rank), static_cast<long long>(rep->intermediate));
  else
    std::printf("%s: Duo model with small FFNs of %lld of %lld neurons (%s", p.out.c_str(), static_cast<long long>(rep->small),
                static_cast<long long>(rep->intermediate), o.method.c_str());
  if (rep->calibrationTokens) std::printf(", %lld calibration tokens", static_cast<long long>(rep->calibrationTokens));
  std::printf(")\n%6s %22s %22s\n", "layer", rep->rank > 0 ? "rel. error (factored)" : "rel. error (pruned)", "rel. error (final)");
  for (size_t l = 0; l < rep->layers.size(); ++l) {
    const auto& L = rep->layers[l];
    if (std::isnan(L.errorBefore)) std::printf("%6zu %22s %22s\n", l, "-", "-");
    else std::printf("%6zu %22.4f %22.4f\n", l, L.errorBefore, L.errorAfter);
  }
  return 0;
}

}  // namespace

std::function<std::optional<int>()> addDuoifyCommand(CLI::App& app) {
  auto o = std::make_shared<DuoifyOptions>();
  auto* cmd = app.add_subcommand("duoify", "Derive a small FFN per layer from a checkpoint's big one (pruning or truncated SVD, optional distillation): a Duo model");
  cmd->add_option("--model", o->params.source, "source model folder (Llama / Qwen2 / Qwen3 / Mistral safetensors)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--out", o->params.out, "output folder for the Duo checkpoint")->required();
  cmd->add_option("--small", o->params.small, "neurons of each small FFN (default: --ratio of intermediate_size)")->check(CLI::PositiveNumber);
  cmd->add_option("--ratio", o->params.ratio, "small / big cost: intermediate size (pruning) or matmul cost (svd) when --small / --rank is not given")->capture_default_str()->check(CLI::Range(1e-6, 1.0));
  cmd->add_option("--method", o->method, "activation (pruning by calibration activations) | weight-norm (pruning, no data) | svd (truncated SVD of each matrix)")
      ->capture_default_str()
      ->check(CLI::IsMember({"activation", "weight-norm", "svd"}));
  cmd->add_option("--rank", o->params.rank, "svd: rank of each matrix's factors (default: the rank costing --ratio of the big FFN)")->check(CLI::PositiveNumber);
  cmd->add_option("--small-dtype", o->params.smallDtype, "dtype of the small FFNs: auto (the source's) | float32 | bfloat16 | float16")
      ->check(CLI::IsMember({"auto", "float32", "bfloat16", "float16"}));
  cmd->add_option("--calibration", o->calibration, "builtin:arith or a MATH JSONL file / folder (prompt + solution texts)")->capture_default_str();
  cmd->add_option("--calibration-problems", o->calibrationProblems, "problems of calibration text")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--calibration-tokens", o->params.maxCalibrationTokens, "FFN inputs kept per layer")->capture_default_str()->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--distill-steps", o->params.distillSteps, "Adam steps matching each small FFN to its big one (0: none)")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--distill-lr", o->params.distillLr, "distillation learning rate")->capture_default_str()->check(CLI::Range(1e-9, 1.0));
  cmd->add_option("--seed", o->params.seed, "distillation seed")->capture_default_str();
  cmd->add_option("--device", o->params.device.device, "auto, cpu, cuda or cuda:N (calibration forward pass)")->capture_default_str();
  return [=]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    return run(*o);
  };
}

}  // namespace lens::cli
