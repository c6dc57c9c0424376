// SPDX-License-Identifier: GPL-3.0-or-later
// computelens-cli: every job the workbench runs, headless (links lens_core only, never Qt).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/cli_progress.h"
#include "app/cli/cmd_duoify.h"
#include "app/cli/cmd_runs.h"
#include <fstream>
#include <cstdlib>
#include "core/bench/bench.h"
#include "core/jobs/demo.h"
#include "core/common/allocator.h"
#include "core/common/atomic_file.h"
#include "core/common/version.h"
#include "core/model/device.h"
#include "core/model/model.h"
#include "core/model/model_info.h"
#include "core/tensor_io/safetensors.h"
#include "core/text/tokenizer.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

int fail(const lens::Error& e) {
  std::fprintf(stderr, "computelens-cli: %s\n", e.describe().c_str());
  return e.code == lens::ErrorCode::Cancelled ? 130 : 1;
}

// "\n\n" typed on a command line arrives as backslash-n: turn the usual escapes into bytes.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      out.push_back(c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void addDeviceOptions(CLI::App* app, lens::model::DeviceParams& d) {
  app->add_option("--device", d.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  app->add_option("--dtype", d.dtype, "auto, float32, bfloat16 or float16")->capture_default_str();
  app->add_option("--threads", d.threads, "intra-op CPU threads (0: all cores)")->capture_default_str();
}

lens::Result<std::vector<int>> parseIntList(const std::string& s, const char* what) {
  std::vector<int> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      size_t used = 0;
      long v = std::stol(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
      out.push_back(static_cast<int>(v));
    } catch (const std::exception&) {
      return lens::makeError(lens::ErrorCode::InvalidInput, std::string(what) + ": '" + item + "' is not an integer");
    }
  }
  if (out.empty()) return lens::makeError(lens::ErrorCode::InvalidInput, std::string(what) + ": empty list");
  return out;
}

int cmdInspect(const std::string& dir, bool asJson) {
  auto s = lens::model::inspectModel(dir);
  if (!s) return fail(s.error());
  if (asJson) std::cout << s->toJson().dump(2) << "\n";
  else std::cout << s->describe();
  return 0;
}

int cmdGenerate(const std::string& dir, const std::string& prompt, int n, lens::model::SamplingParams sp, uint64_t seed,
                bool addSpecial, bool asJson, const lens::model::DeviceParams& dev) {
  auto m = lens::model::Model::load(dir, dev);
  if (!m) return fail(m.error());
  const auto* tok = (*m)->tokenizer();
  if (!tok) return fail(lens::makeError(lens::ErrorCode::NotFound, dir + ": no tokenizer.json, cannot encode --prompt"));
  lens::model::GenerateRequest req;
  req.promptIds = tok->encode(prompt, addSpecial);
  req.numSamples = n;
  req.seed = seed;
  req.sampling = std::move(sp);
  auto res = (*m)->generate({req});
  if (!res) return fail(res.error());
  const auto& samples = res->front();
  if (asJson) {
    json arr = json::array();
    for (const auto& s : samples)
      arr.push_back({{"text", s.text}, {"token_ids", s.tokenIds}, {"logprobs", s.logprobs}, {"finish", lens::model::finishReasonName(s.finish)}});
    std::cout << json({{"prompt", prompt}, {"prompt_ids", req.promptIds}, {"device", (*m)->device()}, {"samples", arr}}).dump(2) << "\n";
  } else {
    for (size_t i = 0; i < samples.size(); ++i) {
      double lp = 0;
      for (float x : samples[i].logprobs) lp += x;
      std::cout << "--- sample " << i << " (" << samples[i].tokenIds.size() << " tokens, " << finishReasonName(samples[i].finish)
                << ", logprob " << lp << ")\n"
                << prompt << samples[i].text << "\n";
    }
  }
  return 0;
}

int cmdTokenize(const std::string& path) {
  std::string file = fs::is_directory(path) ? (fs::path(path) / "tokenizer.json").string() : path;
  auto tok = lens::text::Tokenizer::load(file);
  if (!tok) return fail(tok.error());
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  json j = json::parse(input, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    return fail(lens::makeError(lens::ErrorCode::InvalidInput, "standard input: expected a JSON array of strings"));
  json out = json::array();
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string())
      return fail(lens::makeError(lens::ErrorCode::InvalidInput, "standard input: element " + std::to_string(i) + " is not a string"));
    out.push_back((*tok)->encode(j[i].get<std::string>(), false));
  }
  std::cout << out.dump() << "\n";
  return 0;
}

int cmdLogits(const std::string& dir, const std::string& idsText, const std::string& outPath, lens::model::DeviceParams dev) {
  auto ids = parseIntList(idsText, "--ids");
  if (!ids) return fail(ids.error());
  dev.dtype = "float32";  // the logits command is a reference: always float32
  auto m = lens::model::Model::load(dir, dev);
  if (!m) return fail(m.error());
  std::vector<int32_t> tokens(ids->begin(), ids->end());
  auto logits = (*m)->logits(tokens);
  if (!logits) return fail(logits.error());
  const int64_t T = static_cast<int64_t>(tokens.size()), V = (*m)->config().vocabSize;
  auto st = lens::tensor_io::writeSafetensors(outPath, {{"logits", lens::tensor_io::DType::F32, {T, V}, logits->data()}},
                                              {{"format", "pt"}, {"producer", "computelens " + lens::versionString()}});
  if (!st.ok()) return fail(st.error());
  std::cerr << "wrote logits [" << T << ", " << V << "] to " << outPath << "\n";
  return 0;
}

void printGenerateBench(const json& r) {
  std::printf("machine: %s, %d torch threads, device %s, %s\n", r["machine"]["cpu"].get<std::string>().c_str(),
              r["machine"]["torch_threads"].get<int>(), r["machine"]["device"].get<std::string>().c_str(),
              r["machine"]["dtype"].get<std::string>().c_str());
  std::printf("model: %lld parameters (random weights)\n", static_cast<long long>(r["parameters"].get<int64_t>()));
  const auto& mm = r["matmul"];
  std::printf("matmul (%lld^3): %.1f GFLOP/s", static_cast<long long>(mm["n"].get<int64_t>()), mm["flops_per_s"].get<double>() / 1e9);
  if (mm.contains("onednn_flops_per_s")) std::printf(" (oneDNN: %.1f GFLOP/s)", mm["onednn_flops_per_s"].get<double>() / 1e9);
  std::printf("\nmemory bandwidth (copy): %.1f GB/s\n", r["memory_bandwidth_bytes_per_s"].get<double>() / 1e9);
  std::printf("%6s %12s %14s %12s %11s %14s %15s %15s\n", "batch", "tokens/s", "decode tok/s", "decode GF/s", "of matmul",
              "of best matmul", "of memory bound", "fused step");
  for (const auto& row : r["generate"]) {
    std::printf("%6d %12.1f %14.1f %12.2f %10.1f%% %13.1f%% %14.1f%%", row["batch"].get<int>(), row["tokens_per_s"].get<double>(),
                row["decode_tokens_per_s"].get<double>(), row["decode_flops_per_s"].get<double>() / 1e9,
                100 * row["fraction_of_matmul"].get<double>(), 100 * row["fraction_of_best_matmul"].get<double>(),
                100 * row["fraction_of_bandwidth_bound"].get<double>());
    if (row.contains("fused_step_speedup")) std::printf(" %14.2fx", row["fused_step_speedup"].get<double>());
    std::printf("\n");
  }
  std::printf("KV cache vs recompute (%d tokens, batch 1): %.2fx faster\n", r["kv_cache"]["new_tokens"].get<int>(),
              r["kv_cache"]["speedup"].get<double>());
}

}  // namespace

namespace {
// For `bench memory`: at exit, this process's peak resident memory (VmHWM, kB) to $LENS_PEAK_RSS_FILE.
void writePeakRss() {
  const char* path = std::getenv("LENS_PEAK_RSS_FILE");
  if (!path || !*path) return;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) {
      std::ofstream(path) << std::strtoll(line.c_str() + 6, nullptr, 10) << "\n";
      return;
    }
}
}  // namespace

int main(int argc, char** argv) {
  lens::tuneAllocatorForTensors();
  lens::model::chooseBlasKernelsForCpu();
  if (std::getenv("LENS_PEAK_RSS_FILE")) std::atexit(writePeakRss);
  CLI::App app{"ComputeLens " + lens::versionString() + ": where a language model's compute goes (headless)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "computelens-cli " + lens::versionString() + " (libtorch " + lens::torchVersionString() + ")");

  std::string dir;
  bool asJson = false;

  auto* inspect = app.add_subcommand("inspect", "Describe a model folder (config, weights, tokenizer) without loading weights");
  inspect->add_option("dir", dir, "Hugging Face model folder")->required();
  inspect->add_flag("--json", asJson, "machine-readable output");

  lens::model::DeviceParams dev;
  std::string prompt, stop;
  int samples = 1;
  uint64_t seed = 0;
  bool greedy = false, noSpecial = false;
  std::vector<std::string> stops;
  lens::model::SamplingParams sp;
  auto* gen = app.add_subcommand("generate", "Sample continuations of a prompt");
  gen->add_option("dir", dir, "model folder")->required();
  gen->add_option("--prompt,-p", prompt, "prompt text")->required();
  gen->add_option("-n,--samples", samples, "number of samples (the prompt is computed once)")->capture_default_str()->check(CLI::Range(1, 4096));
  gen->add_option("--max-tokens", sp.maxNewTokens, "new tokens at most")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  gen->add_option("--temperature", sp.temperature, "0 = greedy")->capture_default_str()->check(CLI::Range(0.0, 100.0));
  gen->add_option("--top-k", sp.topK, "0 = off")->capture_default_str()->check(CLI::NonNegativeNumber);
  gen->add_option("--top-p", sp.topP, "1 = off")->capture_default_str()->check(CLI::Range(1e-6, 1.0));
  gen->add_option("--stop", stops, "stop string (escapes like \\n allowed); repeatable");
  gen->add_option("--seed", seed, "sample i uses stream (seed, i)")->capture_default_str();
  gen->add_flag("--greedy", greedy, "same as --temperature 0");
  gen->add_flag("--ignore-eos", sp.ignoreEos, "do not stop at EOS");
  gen->add_flag("--no-special", noSpecial, "do not add the tokenizer's special tokens (e.g. BOS) to the prompt");
  gen->add_flag("--json", asJson, "text, token ids and log-probs per sample as JSON");
  addDeviceOptions(gen, dev);

  std::string tokPath;
  auto* tokenize = app.add_subcommand("tokenize", "Encode a JSON array of strings from stdin into a JSON array of id arrays");
  tokenize->add_option("--tokenizer", tokPath, "tokenizer.json or a model folder")->required();

  std::string ids, outPath;
  auto* logits = app.add_subcommand("logits", "Write the float32 logits [tokens, vocab] of a token sequence to safetensors");
  logits->add_option("dir", dir, "model folder")->required();
  logits->add_option("--ids", ids, "comma-separated token ids")->required();
  logits->add_option("--out", outPath, "output .safetensors file")->required();
  addDeviceOptions(logits, dev);

  auto* bench = app.add_subcommand("bench", "Benchmarks (JSON with the machine's description)");
  bench->require_subcommand(1);
  std::string shape = "small", batches = "1,16,64", benchOut;
  lens::bench::GenerateBenchParams gbp;
  auto* bgen = bench->add_subcommand("generate", "Tokens/s at several batch sizes, KV-cache speed-up, fraction of matmul FLOP/s");
  bgen->add_option("--shape", shape, "small | llama-3.2-1b")->capture_default_str()->check(CLI::IsMember({"small", "llama-3.2-1b"}));
  bgen->add_option("--batches", batches, "comma-separated batch sizes")->capture_default_str();
  bgen->add_option("--prompt-tokens", gbp.promptTokens)->capture_default_str()->check(CLI::Range(1, 1 << 16));
  bgen->add_option("--new-tokens", gbp.newTokens)->capture_default_str()->check(CLI::Range(2, 1 << 16));
  bgen->add_option("--recompute-tokens", gbp.recomputeTokens)->capture_default_str()->check(CLI::Range(1, 4096));
  bgen->add_option("--repeats", gbp.repeats, "timed repeats after one warm-up (median reported)")->capture_default_str()->check(CLI::Range(1, 100));
  bool noTensorPath = false;
  bgen->add_flag("--no-tensor-path", noTensorPath,
                 "do not time each batch again on the tensor path (the fused decoding step's speed-up is then not reported)");
  bgen->add_option("--out", benchOut, "also write the JSON here");
  addDeviceOptions(bgen, dev);

  lens::bench::SharedPromptBenchParams sbp;
  std::string sbShape = "small";
  auto* bsearch = bench->add_subcommand("search", "Best-of-N generation: shared prompt vs repeated prompt vs one after another");
  bsearch->add_option("--shape", sbShape, "small | llama-3.2-1b")->capture_default_str()->check(CLI::IsMember({"small", "llama-3.2-1b"}));
  bsearch->add_option("-n,--samples", sbp.samples)->capture_default_str()->check(CLI::Range(1, 4096));
  bsearch->add_option("--prompt-tokens", sbp.promptTokens)->capture_default_str()->check(CLI::Range(1, 1 << 16));
  bsearch->add_option("--new-tokens", sbp.newTokens)->capture_default_str()->check(CLI::Range(1, 1 << 16));
  bsearch->add_option("--repeats", sbp.repeats)->capture_default_str()->check(CLI::Range(1, 100));
  bsearch->add_option("--out", benchOut, "also write the JSON here");
  addDeviceOptions(bsearch, dev);

  lens::bench::OracleBenchParams obp;
  int oracleLayers = 4;
  auto* boracle = bench->add_subcommand("oracle", "Exhaustive routing oracle: batched over routes vs one forward pass per route and token");
  boracle->add_option("--tokens", obp.tokens, "sequence length")->capture_default_str()->check(CLI::Range(2, 4096));
  boracle->add_option("--layers", oracleLayers, "layers of the Duo shape (3^layers routes)")->capture_default_str()->check(CLI::Range(1, 8));
  boracle->add_option("--repeats", obp.repeats)->capture_default_str()->check(CLI::Range(1, 100));
  boracle->add_option("--out", benchOut, "also write the JSON here");
  addDeviceOptions(boracle, dev);

  lens::bench::BeamBenchParams bbp;
  std::string beamShape = "small";
  auto* bbeam = bench->add_subcommand("beam", "Beam search generation per round: forked KV cache vs paths re-encoded each round");
  bbeam->add_option("--shape", beamShape, "small | llama-3.2-1b")->capture_default_str()->check(CLI::IsMember({"small", "llama-3.2-1b"}));
  bbeam->add_option("--n", bbp.n)->capture_default_str()->check(CLI::Range(1, 4096));
  bbeam->add_option("--width", bbp.width)->capture_default_str()->check(CLI::Range(1, 4096));
  bbeam->add_option("--prompt-tokens", bbp.promptTokens)->capture_default_str()->check(CLI::Range(1, 1 << 16));
  bbeam->add_option("--step-tokens", bbp.stepTokens)->capture_default_str()->check(CLI::Range(1, 1 << 16));
  bbeam->add_option("--rounds", bbp.rounds)->capture_default_str()->check(CLI::Range(1, 1024));
  bbeam->add_option("--repeats", bbp.repeats)->capture_default_str()->check(CLI::Range(1, 100));
  bbeam->add_option("--out", benchOut, "also write the JSON here");
  addDeviceOptions(bbeam, dev);

  lens::bench::PrmBenchParams pbp;
  auto* bprm = bench->add_subcommand("prm", "Process-reward scoring of N solutions: one padded batch vs one forward pass each");
  bprm->add_option("--model", pbp.model, "PRM folder (default: the built-in arith-prm)");
  bprm->add_option("-n,--samples", pbp.samples)->capture_default_str()->check(CLI::Range(1, 4096));
  bprm->add_option("--steps", pbp.steps)->capture_default_str()->check(CLI::Range(1, 256));
  bprm->add_option("--repeats", pbp.repeats)->capture_default_str()->check(CLI::Range(1, 100));
  bprm->add_option("--batch-tokens", pbp.maxBatchTokens, "padded tokens per batch")->capture_default_str()->check(CLI::Range(1, 1 << 24));
  bprm->add_option("--out", benchOut, "also write the JSON here");
  addDeviceOptions(bprm, dev);

  lens::bench::TrainBenchParams tbp;
  std::string trainMicro = "128,32,8";
  auto* btrain = bench->add_subcommand("train", "Training steps in micro-batches sorted by length vs one padded pass (same losses)");
  btrain->add_option("--layers", tbp.shape.layers)->capture_default_str()->check(CLI::Range(1, 256));
  btrain->add_option("--hidden", tbp.shape.hidden)->capture_default_str()->check(CLI::Range(8, 65536));
  btrain->add_option("--heads", tbp.shape.heads)->capture_default_str()->check(CLI::Range(1, 1024));
  btrain->add_option("--kv-heads", tbp.shape.kvHeads)->capture_default_str()->check(CLI::Range(1, 1024));
  btrain->add_option("--intermediate", tbp.shape.intermediate)->capture_default_str()->check(CLI::Range(1, 1 << 20));
  btrain->add_option("--small-intermediate", tbp.shape.smallIntermediate, "0: a plain model")->capture_default_str()->check(CLI::Range(0, 1 << 20));
  btrain->add_option("--batch", tbp.batch)->capture_default_str()->check(CLI::Range(1, 4096));
  btrain->add_option("--steps", tbp.steps, "timed steps per micro-batch size")->capture_default_str()->check(CLI::Range(1, 100000));
  btrain->add_option("--micro", trainMicro, "comma-separated micro-batch sizes; the first is the reference")->capture_default_str();
  btrain->add_option("--dir", tbp.dir, "scratch folder (default: system temp)");
  btrain->add_option("--out", benchOut, "also write the JSON here");
  addDeviceOptions(btrain, dev);

  lens::bench::MemoryBenchParams mbp;
  auto* bmem = bench->add_subcommand("memory", "Peak resident memory of best-of-64, an oracle, and sampling 10 vs 1,000 problems (child processes)");
  constexpr int oneBatch = lens::bench::MemoryBenchParams::kSamplingBatch;
  bmem->add_option("--few", mbp.fewProblems, "problems of the small sampling run (at least one batch of 8)")
      ->capture_default_str()
      ->check(CLI::Range(oneBatch, 1000000));
  bmem->add_option("--many", mbp.manyProblems, "problems of the large sampling run (at least one batch of 8)")
      ->capture_default_str()
      ->check(CLI::Range(oneBatch, 1000000));
  bmem->add_option("--dir", mbp.dir, "scratch folder (default: system temp)");
  bool noAllocatorComparison = false;
  bmem->add_flag("--no-allocator-comparison", noAllocatorComparison,
                 "do not run best-of-64, the oracle and the large sampling run again with glibc's malloc defaults (LENS_ALLOCATOR=glibc)");
  bmem->add_option("--out", benchOut, "also write the JSON here");

  lens::bench::CancelBenchParams cbp;
  auto* bcancel = bench->add_subcommand("cancel", "Cancellation latency of sampling, oracle, beam search and training (cancelled at random moments)");
  bcancel->add_option("--repeats", cbp.repeats, "cancellations per job kind")->capture_default_str()->check(CLI::Range(1, 1000));
  bcancel->add_option("--dir", cbp.dir, "scratch folder (default: system temp)");
  bcancel->add_option("--out", benchOut, "also write the JSON here");
  addDeviceOptions(bcancel, dev);

  bool quick = false, tiny = false;
  auto* ball = bench->add_subcommand("all", "Every benchmark (and the workbench's heatmap benchmark when built) into one JSON file");
  ball->add_option("--out", benchOut, "the JSON file")->required();
  auto* quickFlag = ball->add_flag("--quick", quick, "small sizes and one repeat (a smoke test, not figures to report)");
  ball->add_flag("--tiny", tiny, "the smallest sizes at which every part still runs (tests, sanitizer builds)")->excludes(quickFlag);

  auto runCommands = lens::cli::addRunCommands(app, *bench);
  auto duoifyCommand = lens::cli::addDuoifyCommand(app);

  CLI11_PARSE(app, argc, argv);

  if (auto code = runCommands()) return *code;
  if (auto code = duoifyCommand()) return *code;
  if (bsearch->parsed()) {
    sbp.shape = lens::bench::benchShape(sbShape);
    sbp.device = dev;
    lens::cli::ProgressPrinter progress("bench search");
    lens::RunContext ctx;
    ctx.progress = [&](int64_t d, int64_t t, std::string_view w) { progress.update(d, t, w); };
    auto r = lens::bench::benchSharedPrompt(sbp, &ctx);
    if (!r) return fail(r.error());
    std::printf("best-of-%d, %d-token prompt, %d new tokens each (%lld parameters)\n", sbp.samples, sbp.promptTokens,
                sbp.newTokens, (*r)["parameters"].get<long long>());
    std::printf("shared prompt (computed once):      %8.3f s  (%.0f tokens/s)\n", (*r)["seconds_shared_prompt"].get<double>(),
                (*r)["tokens_per_second_shared"].get<double>());
    std::printf("same prompt in %d batched requests: %8.3f s  (shared is %.2fx faster)\n", sbp.samples,
                (*r)["seconds_batched_repeated_prompt"].get<double>(), (*r)["speedup_shared_vs_batched"].get<double>());
    std::printf("%d generations one after another:   %8.3f s  (shared is %.2fx faster)\n", sbp.samples,
                (*r)["seconds_sequential"].get<double>(), (*r)["speedup_shared_vs_sequential"].get<double>());
    if (!benchOut.empty()) {
      auto st = lens::writeJsonFile(benchOut, *r);
      if (!st.ok()) return fail(st.error());
    }
    return 0;
  }

  if (bbeam->parsed()) {
    bbp.shape = lens::bench::benchShape(beamShape);
    bbp.device = dev;
    lens::cli::ProgressPrinter progress("bench beam");
    lens::RunContext ctx;
    ctx.progress = [&](int64_t d, int64_t t, std::string_view w) { progress.update(d, t, w); };
    auto r = lens::bench::benchBeam(bbp, &ctx);
    if (!r) return fail(r.error());
    std::printf("beam search N=%d M=%d, %d-token prompt, %d rounds of %d-token steps (%lld parameters)\n", bbp.n, bbp.width,
                bbp.promptTokens, bbp.rounds, bbp.stepTokens, (*r)["parameters"].get<long long>());
    std::printf("forked KV cache:              %8.3f s  (%.3f s per round, %.0f tokens/s)\n", (*r)["seconds_forked"].get<double>(),
                (*r)["seconds_per_round_forked"].get<double>(), (*r)["generated_tokens_per_second_forked"].get<double>());
    std::printf("paths re-encoded each round:  %8.3f s  (forking is %.2fx faster)\n", (*r)["seconds_recomputed"].get<double>(),
                (*r)["speedup_forked_vs_recomputed"].get<double>());
    if (!benchOut.empty()) {
      auto st = lens::writeJsonFile(benchOut, *r);
      if (!st.ok()) return fail(st.error());
    }
    return 0;
  }
  if (boracle->parsed()) {
    obp.shape = lens::bench::duoBenchShape();
    obp.shape.numLayers = oracleLayers;
    obp.device = dev;
    lens::cli::ProgressPrinter progress("bench oracle");
    lens::RunContext ctx;
    ctx.progress = [&](int64_t d, int64_t t, std::string_view w) { progress.update(d, t, w); };
    auto r = lens::bench::benchOracle(obp, &ctx);
    if (!r) return fail(r.error());
    std::printf("exhaustive oracle, %d layers (%lld routes), %d tokens, %lld parameters\n", oracleLayers,
                (*r)["routes"].get<long long>(), obp.tokens, (*r)["parameters"].get<long long>());
    std::printf("batched over routes:            %8.3f s  (%.0f token-routes/s)\n", (*r)["seconds_batched"].get<double>(),
                (*r)["token_routes_per_second_batched"].get<double>());
    std::printf("one forward per route and token: %8.3f s  (%.0f token-routes/s; batched is %.1fx faster)\n",
                (*r)["seconds_one_forward_per_route"].get<double>(), (*r)["token_routes_per_second_unbatched"].get<double>(),
                (*r)["speedup_batched"].get<double>());
    std::printf("largest difference between the two best losses: %.2e\n", (*r)["max_abs_difference_of_best_losses"].get<double>());
    if (!benchOut.empty()) {
      auto st = lens::writeJsonFile(benchOut, *r);
      if (!st.ok()) return fail(st.error());
    }
    return 0;
  }
  if (bprm->parsed() || bmem->parsed() || ball->parsed() || bcancel->parsed() || btrain->parsed()) {
    const std::string resources = lens::jobs::findResources(lens::jobs::programDir(), LENS_SOURCE_DIR);
    if (pbp.model.empty()) pbp.model = resources + "/models/arith-prm";
    pbp.device = dev;
    mbp.program = lens::jobs::programDir() + "/computelens-cli";
    mbp.resources = resources;
    cbp.resources = resources;
    cbp.device = dev;
    if ((bmem->parsed() || ball->parsed() || bcancel->parsed()) && resources.empty())
      return fail(lens::makeError(lens::ErrorCode::NotFound, "the built-in models were not found: set LENS_RESOURCES"));
    auto print = [&](const nlohmann::json& j) {
      std::printf("%s\n", j.dump(2).c_str());
      if (!benchOut.empty()) {
        auto st = lens::writeJsonFile(benchOut, j);
        if (!st.ok()) return fail(st.error());
      }
      return 0;
    };
    lens::cli::ProgressPrinter progress("bench");
    lens::RunContext ctx;
    ctx.progress = [&](int64_t d, int64_t t, std::string_view w) { progress.update(d, t, w); };
    if (bprm->parsed()) {
      auto r = lens::bench::benchPrm(pbp, &ctx);
      return r ? print(*r) : fail(r.error());
    }
    if (btrain->parsed()) {
      auto micro = lens::cli::parsePositiveIntList(trainMicro, "--micro");
      if (!micro) return fail(micro.error());
      for (int v : *micro)
        if (v > 4096) return fail(lens::makeError(lens::ErrorCode::InvalidInput, "--micro: '" + std::to_string(v) + "' is not a micro-batch size from 1 to 4096"));
      tbp.microBatches = *micro;
      tbp.device = dev;
      auto r = lens::bench::benchTrain(tbp, &ctx);
      return r ? print(*r) : fail(r.error());
    }
    if (bmem->parsed()) {
      mbp.compareAllocator = !noAllocatorComparison;
      auto r = lens::bench::benchMemory(mbp, &ctx);
      return r ? print(*r) : fail(r.error());
    }
    if (bcancel->parsed()) {
      auto r = lens::bench::benchCancel(cbp, &ctx);
      return r ? print(*r) : fail(r.error());
    }
    auto r = lens::bench::benchAll(lens::bench::AllBenchParams{tiny    ? lens::bench::BenchSize::Tiny
                                                                 : quick ? lens::bench::BenchSize::Quick
                                                                         : lens::bench::BenchSize::Full,
                                                                 dev, pbp, mbp, cbp}, &ctx);
    return r ? print(*r) : fail(r.error());
  }
  if (inspect->parsed()) return cmdInspect(dir, asJson);
  if (gen->parsed()) {
    if (greedy) sp.temperature = 0;
    for (const auto& s : stops) sp.stopStrings.push_back(unescape(s));
    return cmdGenerate(dir, unescape(prompt), samples, sp, seed, !noSpecial, asJson, dev);
  }
  if (tokenize->parsed()) return cmdTokenize(tokPath);
  if (logits->parsed()) return cmdLogits(dir, ids, outPath, dev);
  if (bgen->parsed()) {
    auto b = parseIntList(batches, "--batches");
    if (!b) return fail(b.error());
    gbp.batches = *b;
    gbp.shape = lens::bench::benchShape(shape);
    gbp.device = dev;
    gbp.compareTensorPath = !noTensorPath;
    lens::cli::ProgressPrinter progress("bench generate");
    lens::RunContext ctx;
    ctx.progress = [&](int64_t d, int64_t t, std::string_view w) { progress.update(d, t, w); };
    auto r = lens::bench::benchGenerate(gbp, &ctx);
    if (!r) return fail(r.error());
    printGenerateBench(*r);
    if (!benchOut.empty()) {
      auto st = lens::writeJsonFile(benchOut, *r);
      if (!st.ok()) return fail(st.error());
    }
    return 0;
  }
  return 0;
}
