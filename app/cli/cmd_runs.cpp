// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/cli/cmd_runs.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/cli_progress.h"
#include "core/bench/bench.h"
#include "core/common/atomic_file.h"
#include "core/common/file_names.h"
#include "core/jobs/demo.h"
#include "core/jobs/runner.h"
#include "core/search/aggregate.h"
#include "core/report/report.h"
#include "core/search/run_curves.h"
#include "core/store/export.h"
#include "core/routing/analysis.h"
#include "core/routing/router.h"
#include "core/store/store.h"
#include "core/model/model.h"
#include "core/verify/slips.h"

using json = nlohmann::json;

namespace lens::cli {

namespace {

// "[58.1, 66.4]": an interval of proportions in percent; "-" when it has none.
std::string intervalText(double low, double high) {
  if (!std::isfinite(low) || !std::isfinite(high)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "[%.1f, %.1f]", 100 * low, 100 * high);
  return buf;
}

std::atomic<bool> g_cancel{false};

// First Ctrl-C: stop after the current forward pass and leave the run resumable. Second: default
// action (immediate exit); committed units are safe either way.
extern "C" void onSigint(int) {
  if (g_cancel.exchange(true)) {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
  }
}

int fail(const Error& e) {
  std::fprintf(stderr, "computelens-cli: %s\n", e.describe().c_str());
  return e.code == ErrorCode::Cancelled ? 130 : 1;
}

Status writeOut(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    std::cout.flush();
    return std::cout ? Status::success() : makeError(ErrorCode::Io, "writing to stdout failed");
  }
  AtomicFile f(path);
  f.write(text.data(), text.size());
  return f.commit();
}

struct Options {
  std::string db;
  std::string outDir;  // report --out-dir
  // run
  std::string specPath, kind, model, dataset, name, shard;
  std::vector<std::string> prompts;
  std::optional<int> samples, maxTokens, batch;
  std::optional<double> temperature;
  std::optional<uint64_t> seed;
  int64_t maxUnits = 0;
  bool quiet = false;
  int demoProblems = 100;
  // The spec's "device" object: where the job runs.
  std::optional<std::string> device, dtype;
  std::optional<int> threads;
  // show/list/export
  std::string runRef, format = "json", table = "samples", out;
  bool asJson = false;
  std::vector<std::string> inputs;
  bench::StoreBenchParams storeBench;
  // curves
  std::vector<std::string> aggregations{"majority"};
  std::string budgets = "1,2,4,8,16";
  int trials = 200;
  bool save = false;
  // oracle
  std::string routeBudgets, scope, search, reference, text;
  std::optional<int> beamWidth, randomRoutings, problems;
  int hardest = 20;
  std::vector<std::string> routers;
  // router train
  std::string routerMode, routerOut;
  std::optional<double> lambda, lr;
  std::optional<int64_t> steps;
  std::optional<int> trainBatch;
  // search
  std::string strategy, prm, prmTag, prmGood, prmBad;
  std::optional<int> searchN, searchWidth, lookahead, maxSteps, chainLength, maxPrevious;
  std::optional<double> keepAbove;
  std::string select, searchRouter;
  // prm train, revision train
  std::string base, labelsRun, labelsDb, revisionContext, prmHead;
  // compute-optimal
  std::vector<std::string> searchRuns;
  std::string aggregation = "weighted";
  std::string bins = "oracle";
  std::string largeRun, ratios;  // ratios: empty for search::kDefaultExchangeRatios
  bool withVerifier = false;
  bool byLikelihood = false;  // prm slips --likelihood
};


// "a,b,c" -> {a, b, c}, each item read whole by `read` (std::stoi, std::stod) and above 0; errors
// name the option and the bad item.
template <typename T, typename Read>
Result<std::vector<T>> parsePositiveList(const std::string& s, const std::string& option, const char* what, Read read) {
  std::vector<T> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      size_t used = 0;
      const T v = read(item, &used);
      if (used != item.size() || !(v > 0)) throw std::invalid_argument(item);
      out.push_back(v);
    } catch (const std::exception&) {
      return makeError(ErrorCode::InvalidInput, option + ": '" + item + "' is not " + what);
    }
  }
  return out;
}

// --ratios; empty: search::kDefaultExchangeRatios.
Result<std::vector<double>> parseRatioList(const std::string& s) {
  if (s.empty()) return search::kDefaultExchangeRatios;
  return parsePositiveList<double>(s, "--ratios", "a positive number", [](const std::string& x, size_t* used) { return std::stod(x, used); });
}

std::string dbPath(const Options& o) { return o.db.empty() ? store::defaultDatabasePath() : o.db; }

Result<json> buildSpec(const Options& o) {
  json spec = json::object();
  if (!o.specPath.empty()) {
    std::ifstream in(o.specPath);
    if (!in) return makeError(ErrorCode::NotFound, o.specPath + ": cannot open the job spec");
    std::stringstream ss;
    ss << in.rdbuf();
    spec = json::parse(ss.str(), nullptr, false);
    if (spec.is_discarded()) return makeError(ErrorCode::InvalidInput, o.specPath + ": not valid JSON");
    if (!spec.is_object()) return makeError(ErrorCode::InvalidInput, o.specPath + ": the spec must be a JSON object");
  }
  // Flags override the file, so one spec serves several runs.
  if (!o.kind.empty()) spec["kind"] = o.kind;
  if (!spec.contains("kind")) spec["kind"] = "generate";
  if (!o.model.empty()) spec["model"] = o.model;
  if (!o.name.empty()) spec["name"] = o.name;
  if (!o.prompts.empty()) spec["prompts"] = o.prompts;
  if (!o.dataset.empty()) spec["dataset"] = {{"path", o.dataset}};
  if (o.samples) spec["samples"] = *o.samples;
  if (o.batch) spec["batch"] = *o.batch;
  if (o.seed) spec["seed"] = *o.seed;
  if (o.temperature) spec["sampling"]["temperature"] = *o.temperature;
  if (o.device) spec["device"]["device"] = *o.device;
  if (o.dtype) spec["device"]["dtype"] = *o.dtype;
  if (o.threads) spec["device"]["threads"] = *o.threads;
  if (spec["kind"] == "prm-train") {
    if (!o.base.empty()) spec["base"] = o.base;
    if (!o.routerOut.empty()) spec["out"] = o.routerOut;
    if (!o.labelsRun.empty()) spec["labels"] = {{"db", o.labelsDb.empty() ? dbPath(o) : o.labelsDb}, {"run", o.labelsRun}};
    if (o.steps) spec["steps"] = *o.steps;
    if (o.lr) spec["lr"] = *o.lr;
    if (o.trainBatch) spec["batch"] = *o.trainBatch;
    if (!o.prmHead.empty()) spec["head"] = o.prmHead;
    spec.erase("model");
  } else if (spec["kind"] == "revision-train") {
    if (!o.base.empty()) spec["base"] = o.base;
    if (!o.routerOut.empty()) spec["out"] = o.routerOut;
    if (!o.labelsRun.empty()) spec["samples"] = {{"db", o.labelsDb.empty() ? dbPath(o) : o.labelsDb}, {"run", o.labelsRun}};
    if (o.steps) spec["steps"] = *o.steps;
    if (o.lr) spec["lr"] = *o.lr;
    if (o.trainBatch) spec["batch"] = *o.trainBatch;
    if (o.maxPrevious) spec["max_previous"] = *o.maxPrevious;
    if (!o.revisionContext.empty()) spec["context"] = o.revisionContext;
    if (o.maxTokens) spec["max_tokens"] = *o.maxTokens;
    spec.erase("model");
  } else if (spec["kind"] == "search") {
    if (o.chainLength) spec["chain_length"] = *o.chainLength;
    if (o.maxPrevious) spec["max_previous"] = *o.maxPrevious;
    if (o.keepAbove) spec["keep_above"] = *o.keepAbove;
    if (!o.select.empty()) spec["select"] = o.select;
    if (!o.searchRouter.empty()) spec["router"] = o.searchRouter;
    if (!o.strategy.empty()) spec["strategy"] = o.strategy;
    if (o.searchN) spec["n"] = *o.searchN;
    if (o.searchWidth) spec["width"] = *o.searchWidth;
    if (o.lookahead) spec["lookahead"] = *o.lookahead;
    if (o.maxSteps) spec["max_steps"] = *o.maxSteps;
    if (o.maxTokens) spec["sampling"]["max_new_tokens"] = *o.maxTokens;
    if (!o.prm.empty()) spec["verifier"]["model"] = o.prm;
    if (!o.reference.empty()) spec["route"] = o.reference;
    if (!o.prmTag.empty()) spec["verifier"]["step_tag"] = o.prmTag;
    if (!o.prmGood.empty()) spec["verifier"]["good_token"] = o.prmGood;
    if (!o.prmBad.empty()) spec["verifier"]["bad_token"] = o.prmBad;
    if (o.problems) spec["dataset"]["limit"] = *o.problems;
    if (spec.contains("dataset") && !spec["dataset"].contains("path")) spec["dataset"]["path"] = "builtin:arith";
  } else if (spec["kind"] == "router-train") {
    if (o.maxTokens) spec["max_tokens"] = *o.maxTokens;
    if (!o.routerMode.empty()) spec["mode"] = o.routerMode;
    if (!o.routerOut.empty()) spec["out"] = o.routerOut;
    if (!o.routeBudgets.empty()) spec["budget"] = o.routeBudgets;
    if (!o.scope.empty()) spec["scope"] = o.scope;
    if (!o.text.empty()) spec["text"] = o.text;
    if (o.lambda) spec["lambda"] = *o.lambda;
    if (o.lr) spec["lr"] = *o.lr;
    if (o.steps) spec["steps"] = *o.steps;
    if (o.trainBatch) spec["train_batch"] = *o.trainBatch;
    if (!o.dataset.empty()) spec["dataset"] = {{"path", o.dataset}, {"split", o.dataset == "builtin:arith" ? "train" : "test"}};
    if (o.problems) {
      spec["dataset"]["limit"] = *o.problems;
      if (!spec["dataset"].contains("path") || spec["dataset"]["path"] == "builtin:arith") spec["dataset"]["count"] = *o.problems;
    }
    if (spec.contains("dataset") && !spec["dataset"].contains("path")) spec["dataset"]["path"] = "builtin:arith";
  } else if (spec["kind"] == "oracle") {
    if (!o.routers.empty()) spec["routers"] = o.routers;
    if (o.maxTokens) spec["max_tokens"] = *o.maxTokens;
    if (!o.routeBudgets.empty()) spec["budgets"] = o.routeBudgets;
    if (!o.scope.empty()) spec["scope"] = o.scope;
    if (!o.search.empty()) spec["search"] = o.search;
    if (!o.reference.empty()) spec["reference"] = o.reference;
    if (!o.text.empty()) spec["text"] = o.text;
    if (o.beamWidth) spec["beam_width"] = *o.beamWidth;
    if (o.randomRoutings) spec["random_routings"] = *o.randomRoutings;
    if (o.problems) spec["dataset"]["limit"] = *o.problems;
    if (!spec.contains("dataset")) spec["dataset"] = {{"path", "builtin:arith"}};
  } else if (o.maxTokens) {
    spec["sampling"]["max_new_tokens"] = *o.maxTokens;
  }
  return spec;
}

Result<std::pair<int, int>> parseShard(const std::string& s) {
  if (s.empty()) return std::make_pair(0, 1);
  auto slash = s.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument(s);
    size_t a = 0, b = 0;
    int i = std::stoi(s.substr(0, slash), &a), n = std::stoi(s.substr(slash + 1), &b);
    if (a != slash || b != s.size() - slash - 1 || n < 1 || i < 0 || i >= n) throw std::out_of_range(s);
    return std::make_pair(i, n);
  } catch (const std::exception&) {
    return makeError(ErrorCode::InvalidInput, "--shard '" + s + "': expected I/N with 0 <= I < N (e.g. 3/16)");
  }
}

int finishRun(const Result<jobs::RunOutcome>& r, const Options& o) {
  if (!r) return fail(r.error());
  const auto& run = r->run;
  std::string shard = run.shardCount > 1 ? " (shard " + std::to_string(run.shardIndex) + "/" + std::to_string(run.shardCount) + ")" : "";
  if (run.status == store::RunStatus::Done) {
    std::fprintf(stderr, "run %lld%s done: %lld units in %s (%lld computed now)\n", static_cast<long long>(run.id),
                 shard.c_str(), static_cast<long long>(run.doneUnits), dbPath(o).c_str(),
                 static_cast<long long>(r->computedUnits));
    std::cout << run.id << "\n";
    return 0;
  }
  std::fprintf(stderr, "run %lld%s stopped with %lld units stored; continue with: computelens-cli resume %lld --db '%s'\n",
               static_cast<long long>(run.id), shard.c_str(), static_cast<long long>(run.doneUnits),
               static_cast<long long>(run.id), dbPath(o).c_str());
  std::cout << run.id << "\n";
  return g_cancel.load() ? 130 : 0;
}

jobs::RunParams runParams(const Options& o, std::unique_ptr<ProgressPrinter>& printer, const std::string& label) {
  jobs::RunParams p;
  p.dbPath = dbPath(o);
  p.cancel = &g_cancel;
  p.maxNewUnits = o.maxUnits;
  if (!o.quiet) {
    printer = std::make_unique<ProgressPrinter>(label);
    ProgressPrinter* pp = printer.get();
    p.progress = [pp](const jobs::ProgressSnapshot& s, std::string_view what) { pp->update(s, what); };
  }
  std::signal(SIGINT, onSigint);
  std::signal(SIGTERM, onSigint);  // Slurm sends SIGTERM before killing a preempted job
  return p;
}

// Builds the spec from the spec file and flags and runs it (a shard of it with --shard).
Result<jobs::RunOutcome> startFromOptions(const Options& o, const std::string& label) {
  auto spec = buildSpec(o);
  if (!spec) return spec.error();
  auto shard = parseShard(o.shard);
  if (!shard) return shard.error();
  std::unique_ptr<ProgressPrinter> printer;
  auto p = runParams(o, printer, label);
  p.shardIndex = shard->first;
  p.shardCount = shard->second;
  return jobs::startRun(*spec, p);
}

int cmdRun(const Options& o) { return finishRun(startFromOptions(o, "run"), o); }

std::string lossInterval(double lo, double hi) {
  if (std::isnan(lo)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "[%.4f, %.4f]", lo, hi);
  return buf;
}

// "oracle k=1 − all-big: -0.0040 [-0.0052, -0.0029] (a lower)"
std::string differenceLine(const routing::LossDifference& d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.4f", d.difference);
  std::string verdict = std::isnan(d.ciLow) ? "" : d.ciHigh < 0 ? " (" + d.a + " lower)" : d.ciLow > 0 ? " (" + d.b + " lower)" : " (no difference shown)";
  return d.a + " - " + d.b + ": " + buf + (std::isnan(d.ciLow) ? "" : " " + lossInterval(d.ciLow, d.ciHigh)) + verdict;
}

void printRoutingReport(const routing::RoutingReport& r) {
  std::printf("%lld sequences, %lld token positions, %d layers; random baselines: %d routings per budget\n\n",
              static_cast<long long>(r.sequences), static_cast<long long>(r.positions), r.layers, r.randomRoutings);
  std::printf("%-22s %-11s %14s %8s %10s %21s %10s\n", "policy", "budget", "FLOPs/token", "of big", "loss", "95% interval", "perplexity");
  for (const auto& p : r.points)
    std::printf("%-22s %-11s %14.0f %7.1f%% %10.4f %21s %10.4f\n", p.policy.c_str(), p.budget.c_str(), p.flopsPerToken,
                100 * p.flopsFraction, p.meanLoss, lossInterval(p.lossCiLow, p.lossCiHigh).c_str(), p.perplexity);
  if (!r.differences.empty()) {
    std::printf("\npaired differences in loss (nats per token, same tokens; 95%% interval over sequences)\n");
    for (const auto& d : r.differences) std::printf("  %s\n", differenceLine(d).c_str());
  }
  std::printf("\noracle module use by layer (big / small / skip, %% of tokens)\n%-11s", "budget");
  for (int l = 0; l < r.layers; ++l) std::printf("   layer %-10d", l);
  std::printf("\n");
  for (size_t b = 0; b < r.budgets.size(); ++b) {
    std::printf("%-11s", r.budgets[b].c_str());
    for (int l = 0; l < r.layers; ++l)
      std::printf("  %4.0f/%4.0f/%4.0f  ", 100 * r.bigByLayer[b][static_cast<size_t>(l)], 100 * r.smallByLayer[b][static_cast<size_t>(l)],
                  100 * r.skipByLayer[b][static_cast<size_t>(l)]);
    std::printf("  difficulty %.4f\n", r.meanDifficulty[b]);
  }
  std::printf("\nbig modules per token by position in the scored text\n%-11s", "budget");
  for (size_t i = 0; i < r.positionBins.size(); ++i) std::printf(" %6s", (std::to_string(r.positionBins[i]) + "+").c_str());
  std::printf("\n");
  for (size_t b = 0; b < r.budgets.size(); ++b) {
    std::printf("%-11s", r.budgets[b].c_str());
    for (double v : r.bigByPosition[b]) std::printf(" %6.2f", v);
    std::printf("\n");
  }
  std::printf("\nloss (all big) vs difficulty (largest budget): Pearson r = %.3f; %lld of the %lld highest-loss tokens "
              "(top decile) gain less than the median token\n",
              r.lossDifficultyCorrelation, static_cast<long long>(r.highLossLowGain), static_cast<long long>(r.highLoss));
  std::printf("routes that skip a layer and compute in a later one: %.1f%% of tokens (largest budget)\n", 100 * r.skipThenComputeFraction);
  if (!r.hardest.empty()) {
    std::printf("\nhardest tokens (largest gain from compute)\n%6s %6s %8s %8s %9s %9s %9s  %s\n", "unit", "pos", "token", "next",
                "gain", "skip", "oracle", "route");
    for (const auto& h : r.hardest)
      std::printf("%6lld %6lld %8d %8d %9.4f %9.4f %9.4f  %s\n", static_cast<long long>(h.unit), static_cast<long long>(h.position),
                  h.token, h.next, h.difficulty, h.lossSkip, h.lossOracle, h.route.c_str());
  }
  for (const auto& rc : r.routers) {
    std::printf("\nrouter %s: %.1f%% of all-big FLOPs, loss %.4f %s; oracle at %s (%.1f%%): loss %.4f\n  %s\n", rc.name.c_str(),
                100 * rc.point.flopsFraction, rc.point.meanLoss, lossInterval(rc.point.lossCiLow, rc.point.lossCiHigh).c_str(),
                rc.comparedBudget.c_str(), 100 * rc.oracleFlopsFraction, rc.oracleMeanLoss, differenceLine(rc.minusOracle).c_str());
    std::printf("  module use by layer (big / small / skip, %%):");
    for (size_t l = 0; l < rc.bigByLayer.size(); ++l)
      std::printf("  %.0f/%.0f/%.0f", 100 * rc.bigByLayer[l], 100 * rc.smallByLayer[l], 100 * rc.skipByLayer[l]);
    std::printf("\n  agreement with the oracle by layer (%%):");
    for (double a : rc.agreementByLayer) std::printf(" %.1f", 100 * a);
    std::printf("; whole route %.1f%%; by oracle difficulty (low / mid / high tercile) %.1f / %.1f / %.1f%%\n", 100 * rc.routeAgreement,
                100 * rc.agreementByDifficulty[0], 100 * rc.agreementByDifficulty[1], 100 * rc.agreementByDifficulty[2]);
    if (!rc.worst.empty()) {
      std::printf("  largest losses against the oracle\n  %6s %6s %8s %8s %9s %9s %9s  %-8s %s\n", "unit", "pos", "token", "next", "router",
                  "oracle", "gain", "router", "oracle");
      for (const auto& w : rc.worst)
        std::printf("  %6lld %6lld %8d %8d %9.4f %9.4f %9.4f  %-8s %s\n", static_cast<long long>(w.unit), static_cast<long long>(w.position),
                    w.token, w.next, w.routerLoss, w.oracleLoss, w.difficulty, w.routerRoute.c_str(), w.oracleRoute.c_str());
    }
  }
}

Result<std::unique_ptr<store::Store>> openForReading(const Options& o);

int cmdRouting(const Options& o) {
  auto st = openForReading(o);
  if (!st) return fail(st.error());
  auto run = (*st)->findRun(o.runRef);
  if (!run) return fail(run.error());
  auto rep = routing::routingReport(**st, *run, o.hardest);
  if (!rep) return fail(rep.error());
  if (o.asJson) {
    auto w = writeOut(o.out.empty() ? "-" : o.out, rep->toJson().dump(2) + "\n");
    return w ? 0 : fail(w.error());
  }
  printRoutingReport(*rep);
  return 0;
}

int cmdOracle(Options o) {
  o.kind = "oracle";
  auto r = startFromOptions(o, "oracle");
  const int code = finishRun(r, o);
  if (code != 0 || o.quiet || r->run.status != store::RunStatus::Done) return code;
  auto st = openForReading(o);
  if (!st) return fail(st.error());
  auto rep = routing::routingReport(**st, r->run, o.hardest);
  if (!rep) return fail(rep.error());
  printRoutingReport(*rep);
  return 0;
}

// Accuracy of the chosen answers and compute per problem, from the units' metrics.
int printSearchSummary(store::Store& st, const store::RunRecord& run) {
  auto ms = st.metrics(run.id);
  if (!ms) return fail(ms.error());
  std::map<std::string, std::pair<double, int64_t>> sum;
  for (const auto& m : *ms) {
    auto& s = sum[m.name];
    s.first += m.value;
    s.second += 1;
  }
  auto mean = [&](const char* k) { return sum.count(k) ? sum[k].first / static_cast<double>(std::max<int64_t>(1, sum[k].second)) : 0.0; };
  const int64_t graded = sum.count("correct") ? sum["correct"].second : 0;
  const std::string strategy = run.spec.value("strategy", std::string("beam"));
  if (strategy == "revise") {
    const int L = run.spec.value("chain_length", 4);
    std::printf("sequential revisions, N=%d as %d chains of %d: ", run.spec.value("n", 16), run.spec.value("n", 16) / L, L);
    if (graded) {
      std::printf("%lld problems, accuracy %.1f%% (%s selection)\n", static_cast<long long>(graded), 100 * mean("correct"),
                  run.spec.value("select", std::string("weighted")).c_str());
      std::printf("by selection: majority %.1f%%", 100 * mean("correct-majority"));
      if (sum.count("correct-weighted")) std::printf(", weighted %.1f%%, hierarchical %.1f%%", 100 * mean("correct-weighted"), 100 * mean("correct-hierarchical"));
      std::printf("\nchains right at attempt 1..%d:", L);
      for (int t = 1; t <= L; ++t) std::printf(" %.1f%%", 100 * mean(("turn-correct-" + std::to_string(t)).c_str()));
      std::printf("\n");
      if (L > 1)
        std::printf("revisions: %.0f fixed a wrong answer, %.0f broke a right one", sum["revision-fixed"].first, sum["revision-broken"].first);
      if (L > 1 && run.spec.contains("keep_above"))
        std::printf(", %.0f attempts kept (mean log-prob per token >= %g)", sum["revision-kept"].first, run.spec.value("keep_above", 0.0));
      if (L > 1) std::printf("\n");
    } else {
      std::printf("no graded problems\n");
    }
  } else {
    std::printf("%s search, N=%d, M=%d: ", strategy.c_str(), run.spec.value("n", 16), run.spec.value("width", 4));
    if (graded) std::printf("%lld problems, accuracy %.1f%% (weighted vote over finished paths)\n", static_cast<long long>(graded), 100 * mean("correct"));
    else std::printf("no graded problems\n");
  }
  std::printf("per problem: generator %.0f tokens prefilled + %.0f decoded (%.3g FLOPs), verifier %.0f tokens (%.3g FLOPs), %.1f rounds\n",
              mean("generator-prefill-tokens"), mean("generator-decode-tokens"), mean("generator-flops"), mean("verifier-tokens"),
              mean("verifier-flops"), mean("rounds"));
  return 0;
}

int cmdComputeOptimal(const Options& o) {
  auto st = openForReading(o);
  if (!st) return fail(st.error());
  auto base = (*st)->findRun(o.runRef);
  if (!base) return fail(base.error());
  std::vector<int64_t> runs;
  for (const auto& ref : o.searchRuns) {
    auto r = (*st)->findRun(ref);
    if (!r) return fail(r.error());
    runs.push_back(r->id);
  }
  auto how = search::parseAggregation(o.aggregation);
  if (!how) return fail(how.error());
  auto budgets = parsePositiveIntList(o.budgets, "--budgets");
  if (!budgets) return fail(budgets.error());
  search::ComputeOptimalOptions opt;
  opt.how = *how;
  opt.budgets = *budgets;
  opt.trials = o.trials;
  opt.predictedBins = o.bins == "predicted";
  opt.withVerifier = o.withVerifier;
  auto rep = search::computeOptimalFromRuns(**st, base->id, runs, opt);
  if (!rep) return fail(rep.error());
  std::optional<search::ExchangeReport> exchange;
  if (!o.largeRun.empty()) {
    auto large = (*st)->findRun(o.largeRun);
    if (!large) return fail(large.error());
    auto ratios = parseRatioList(o.ratios);
    if (!ratios) return fail(ratios.error());
    auto ex = search::exchangeFromRuns(**st, base->id, *rep, large->id, *ratios);
    if (!ex) return fail(ex.error());
    exchange = std::move(*ex);
  }
  if (o.asJson) {
    auto j = rep->toJson();
    if (exchange) j["exchange"] = exchange->toJson();
    auto w = writeOut(o.out.empty() ? "-" : o.out, j.dump(2) + "\n");
    return w ? 0 : fail(w.error());
  }
  std::printf("%-26s %6s %10s %13s %12s   %s\n", "strategy", "N", "accuracy", "95% interval", "FLOPs/prob", "by bin 1..5");
  for (const auto& a : rep->arms) {
    std::printf("%-26s %6d %9.1f%% %13s %12.3g  ", a.strategy.c_str(), a.budget, 100 * a.accuracy, intervalText(a.ciLow, a.ciHigh).c_str(),
                a.meanFlops);
    for (double b : a.byBin) std::printf(std::isnan(b) ? "     -" : " %5.1f", 100 * b);
    std::printf("\n");
  }
  std::printf("\ncompute-optimal (choice per bin made on the other half of the problems; 95%% intervals over problems)\n"
              "%6s %10s %13s %10s %15s %12s %10s  %s\n",
              "N", "optimal", "interval", rep->baseline.c_str(), "optimal-base", "baseline N=", "ratio", "chosen per bin (fold 0 / fold 1)");
  for (const auto& f : rep->frontier) {
    const std::string ratio = f.efficiencyText("x", "-");
    std::printf("%6d %9.1f%% %13s %9.1f%% %15s %12.1f %10s ", f.budget, 100 * f.computeOptimal, intervalText(f.ciLow, f.ciHigh).c_str(),
                100 * f.baseline, intervalText(f.minusBaselineLow, f.minusBaselineHigh).c_str(), f.matchingBaselineBudget,
                ratio.c_str());
    for (size_t b = 0; b < f.chosen.size(); ++b) std::printf(" %zu:%s/%s", b + 1, f.chosen[b][0].c_str(), f.chosen[b][1].c_str());
    std::printf("\n");
  }
  if (exchange) {
    std::printf("\nexchange: a %.2fx larger model vs the small one's test-time compute at equal total FLOPs (R = D_inference / D_pretrain)\n"
                "%8s %14s %10s %6s %10s %10s %24s   %s\n",
                exchange->sizeRatio, "R", "small FLOPs", "x sample", "N", "small", "large", "small-large (paired)", "by bin 1..5 (small/large)");
    for (const auto& r : exchange->rows) {
      const auto diff = r.smallMinusLarge.pointsText();
      std::printf("%8.3g %14.3g %9.1fx %6d %9.1f%% %9.1f%% %24s  ", r.ratio, r.allowedFlops, r.multiplier, r.smallBudget, 100 * r.smallAccuracy,
                  100 * r.largeAccuracy, diff.empty() ? "-" : diff.c_str());
      for (size_t b = 0; b < 5; ++b) {
        if (std::isnan(r.smallByBin[b]) || std::isnan(r.largeByBin[b])) std::printf("      -     ");
        else std::printf(" %5.1f/%-5.1f", 100 * r.smallByBin[b], 100 * r.largeByBin[b]);
      }
      std::printf("\n");
    }
    std::printf("%s\n", exchange->pretrainingText().c_str());
  }
  return 0;
}

int cmdReport(const Options& o) {
  auto st = openForReading(o);
  if (!st) return fail(st.error());
  report::ReportParams rp;
  for (const auto& ref : o.searchRuns) {
    auto r = (*st)->findRun(ref);
    if (!r) return fail(r.error());
    rp.runs.push_back(r->id);
  }
  auto budgets = parsePositiveIntList(o.budgets, "--budgets");
  if (!budgets) return fail(budgets.error());
  rp.budgets = *budgets;
  if (!o.name.empty()) rp.title = o.name;
  if (!o.outDir.empty()) {
    // One report per run, named after the run: "<id>-<name>.html". Run names come from specs and
    // shared databases: safeFileStem keeps them inside the folder whatever they hold.
    std::error_code ec;
    std::filesystem::create_directories(o.outDir, ec);
    if (ec) return fail(makeError(ErrorCode::Io, o.outDir + ": cannot create the folder (" + ec.message() + ")"));
    for (int64_t id : std::vector<int64_t>(rp.runs)) {
      auto run = (*st)->run(id);
      if (!run) return fail(run.error());
      report::ReportParams one = rp;
      one.runs = {id};
      if (o.name.empty()) one.title = run->name.empty() ? "run " + std::to_string(id) : run->name;
      auto doc = report::buildReport(**st, one);
      if (!doc) return fail(doc.error());
      auto path = fileInFolder(o.outDir, std::to_string(id) + "-" + safeFileStem(run->name, 80, run->kind) + ".html");
      if (!path) return fail(path.error());
      auto w = writeOut(*path, doc->standaloneHtml());
      if (!w) return fail(w.error());
      std::printf("%s\n", path->c_str());
    }
    return 0;
  }
  auto doc = report::buildReport(**st, rp);
  if (!doc) return fail(doc.error());
  auto w = writeOut(o.out.empty() ? "-" : o.out, doc->standaloneHtml());
  if (!w) return fail(w.error());
  if (!o.out.empty()) std::fprintf(stderr, "wrote %s (%zu runs, %zu charts)\n", o.out.c_str(), rp.runs.size(), doc->charts.size());
  return 0;
}

int cmdSearch(Options o) {
  o.kind = "search";
  auto r = startFromOptions(o, "search");
  const int code = finishRun(r, o);
  if (code != 0 || o.quiet || r->run.status != store::RunStatus::Done) return code;
  auto st = openForReading(o);
  if (!st) return fail(st.error());
  return printSearchSummary(**st, r->run);
}

int cmdRouterTrain(Options o) {
  o.kind = "router-train";
  auto r = startFromOptions(o, "router train");
  const int code = finishRun(r, o);
  if (code != 0 || r->run.status != store::RunStatus::Done) return code;
  auto router = routing::Router::load(r->run.spec.value("out", std::string()));
  if (!router) return fail(router.error());
  std::fprintf(stderr, "router written to %s: %s\n", r->run.spec.value("out", std::string()).c_str(),
               router->manifest.value("final", json::object()).dump().c_str());
  return 0;
}

int cmdResume(const Options& o) {
  std::unique_ptr<ProgressPrinter> printer;
  auto p = runParams(o, printer, "resume");
  auto r = jobs::resumeRun(o.runRef, p);
  printer.reset();
  return finishRun(r, o);
}

Result<std::unique_ptr<store::Store>> openForReading(const Options& o) {
  store::StoreParams sp;
  sp.readOnly = true;
  return store::Store::open(dbPath(o), sp);
}

int cmdList(const Options& o) {
  auto st = openForReading(o);
  if (!st) return fail(st.error());
  auto runs = (*st)->runs();
  if (!runs) return fail(runs.error());
  if (o.asJson) {
    json a = json::array();
    for (const auto& r : *runs) a.push_back(store::runToJson(r));
    std::cout << a.dump(2) << "\n";
    return 0;
  }
  std::printf("%5s  %-16s  %-10s  %-9s  %13s  %-24s  %s\n", "id", "uid", "kind", "status", "units", "updated", "name");
  for (const auto& r : *runs) {
    std::string units = std::to_string(r.doneUnits) + "/" + std::to_string(r.totalUnits);
    if (r.shardCount > 1) units += " s" + std::to_string(r.shardIndex) + "/" + std::to_string(r.shardCount);
    std::printf("%5lld  %-16s  %-10s  %-9s  %13s  %-24s  %s\n", static_cast<long long>(r.id), r.uid.c_str(), r.kind.c_str(),
                store::runStatusName(r.status), units.c_str(), r.updatedAt.c_str(), r.name.c_str());
  }
  return 0;
}

int cmdShow(const Options& o);

// The demo: the workbench's three demo jobs (core/jobs/demo.h) on the built-in models, one after
// another into the database, each summarised as `show` does.
int cmdDemo(const Options& o) {
#ifdef LENS_SOURCE_DIR
  const std::string resources = jobs::findResources(jobs::programDir(), LENS_SOURCE_DIR);
#else
  const std::string resources = jobs::findResources(jobs::programDir());
#endif
  if (resources.empty())
    return fail(makeError(ErrorCode::NotFound, "the built-in models were not found: set LENS_RESOURCES to the folder that holds models/arith-duo-small"));
  std::fprintf(stderr, "demo: the built-in models in %s on %d builtin:arith problems\n", resources.c_str(), o.demoProblems);
  std::vector<int64_t> runs;
  for (const auto& spec : jobs::demoSpecs(resources, o.demoProblems)) {
    std::unique_ptr<ProgressPrinter> printer;
    auto p = runParams(o, printer, spec.value("name", std::string("demo")));
    auto r = jobs::startRun(spec, p);
    printer.reset();
    if (!r) return fail(r.error());
    if (r->run.status != store::RunStatus::Done) return finishRun(r, o);
    runs.push_back(r->run.id);
    if (!o.quiet) {
      Options show = o;
      show.runRef = std::to_string(r->run.id);
      std::printf("\n");
      if (const int code = cmdShow(show); code != 0) return code;
    }
  }
  for (int64_t id : runs) std::cout << id << "\n";
  std::fprintf(stderr, "demo: runs %lld, %lld and %lld in %s; open them in the workbench: computelens --db '%s'\n",
               static_cast<long long>(runs[0]), static_cast<long long>(runs[1]), static_cast<long long>(runs[2]), dbPath(o).c_str(),
               dbPath(o).c_str());
  return 0;
}

int cmdShow(const Options& o) {
  auto st = openForReading(o);
  if (!st) return fail(st.error());
  auto run = (*st)->findRun(o.runRef);
  if (!run) return fail(run.error());
  auto models = (*st)->runModels(run->id);
  if (!models) return fail(models.error());
  // Totals from SQL aggregates: `show` stays instant on runs with millions of tokens.
  auto sum = (*st)->sampleSummary(run->id);
  if (!sum) return fail(sum.error());
  const int64_t samples = sum->samples, tokens = sum->generatedTokens, graded = sum->graded, correct = sum->correct;
  const double flops = sum->inferenceFlops;
  const auto& byLevel = sum->byLevel;
  json j = store::runToJson(*run);
  j["summary"] = {{"samples", samples}, {"generated_tokens", tokens}, {"inference_flops", flops}, {"graded", graded},
                  {"correct", correct}};
  json levels = json::object();
  for (const auto& [level, cg] : byLevel)
    levels[std::to_string(level)] = {{"correct", cg.first}, {"graded", cg.second},
                                     {"accuracy", static_cast<double>(cg.first) / static_cast<double>(cg.second)}};
  if (!byLevel.empty()) j["summary"]["by_level"] = levels;
  json mj = json::object();
  for (const auto& [role, m] : *models) mj[role] = {{"path", m.path}, {"parameters", m.parameterCount}, {"fingerprint", m.fingerprint}};
  j["models"] = mj;
  if (o.asJson) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("run        %lld  (uid %s)\n", static_cast<long long>(run->id), run->uid.c_str());
  std::printf("kind       %s%s\n", run->kind.c_str(), run->name.empty() ? "" : ("  \"" + run->name + "\"").c_str());
  std::printf("status     %s%s\n", store::runStatusName(run->status), run->error.empty() ? "" : (": " + run->error).c_str());
  std::printf("units      %lld of %lld", static_cast<long long>(run->doneUnits), static_cast<long long>(run->totalUnits));
  if (run->shardCount > 1) std::printf(" (shard %d/%d)", run->shardIndex, run->shardCount);
  std::printf("\nseed       %llu\ndevice     %s\ncode       %s\n", static_cast<unsigned long long>(run->seed),
              run->device.c_str(), run->codeVersion.c_str());
  std::printf("created    %s\nupdated    %s\nfinished   %s\n", run->createdAt.c_str(), run->updatedAt.c_str(),
              run->finishedAt.empty() ? "-" : run->finishedAt.c_str());
  for (const auto& [role, m] : *models)
    std::printf("model      %s: %s (%lld parameters)\n", role.c_str(), m.path.c_str(), static_cast<long long>(m.parameterCount));
  std::printf("samples    %lld, %lld generated tokens, %.3g inference FLOPs\n", static_cast<long long>(samples),
              static_cast<long long>(tokens), flops);
  if (graded > 0)
    std::printf("accuracy   %lld/%lld = %.1f %%\n", static_cast<long long>(correct), static_cast<long long>(graded),
                100.0 * static_cast<double>(correct) / static_cast<double>(graded));
  for (const auto& [level, cg] : byLevel)
    std::printf("  level %d  %lld/%lld = %.1f %%\n", level, static_cast<long long>(cg.first), static_cast<long long>(cg.second),
                100.0 * static_cast<double>(cg.first) / static_cast<double>(cg.second));
  return 0;
}

int cmdExport(const Options& o) {
  auto st = openForReading(o);
  if (!st) return fail(st.error());
  auto run = (*st)->findRun(o.runRef);
  if (!run) return fail(run.error());
  if (o.format == "json") {
    auto j = store::exportRunJson(**st, run->id);
    if (!j) return fail(j.error());
    auto w = writeOut(o.out, j->dump(1) + "\n");
    return w ? 0 : fail(w.error());
  }
  auto table = store::parseCsvTable(o.table);
  if (!table) return fail(table.error());
  std::ostringstream csv;
  auto s = store::exportRunCsv(**st, run->id, *table, csv);
  if (!s) return fail(s.error());
  auto w = writeOut(o.out, csv.str());
  return w ? 0 : fail(w.error());
}

int cmdMerge(const Options& o) {
  auto out = store::Store::open(dbPath(o));
  if (!out) return fail(out.error());
  auto r = store::mergeStores(**out, o.inputs);
  if (!r) return fail(r.error());
  std::fprintf(stderr, "merged %d run(s) into %s: %lld units added, %lld already present\n", r->runs, dbPath(o).c_str(),
               static_cast<long long>(r->unitsAdded), static_cast<long long>(r->unitsSkipped));
  return 0;
}

// Accuracy vs budget N (and FLOPs) from a run's graded samples, overall, by level and by oracle
// difficulty bin (Snell et al. 2024, §3.3-§5).
int cmdCurves(const Options& o) {
  std::vector<search::Aggregation> how;
  for (const auto& a : o.aggregations) {
    auto h = search::parseAggregation(a);
    if (!h) return fail(h.error());
    how.push_back(*h);
  }
  auto budgets = parsePositiveIntList(o.budgets, "--budgets");
  if (!budgets) return fail(budgets.error());
  store::StoreParams sp;
  sp.readOnly = !o.save;
  auto st = store::Store::open(dbPath(o), sp);
  if (!st) return fail(st.error());
  auto run = (*st)->findRun(o.runRef);
  if (!run) return fail(run.error());
  json out = json::array();
  for (auto h : how) {
    auto curves = search::computeRunCurves(**st, run->id, h, *budgets, o.trials);
    if (!curves) return fail(curves.error());
    if (!o.asJson) {
      std::printf("%s, run %lld (%d problems; bins: oracle difficulty by pass@1, 1 = easiest; ± half the 95 %% bootstrap interval)\n",
                  search::aggregationName(h), static_cast<long long>(run->id), curves->problems);
      std::printf("%-9s", "N");
      for (const auto& pt : curves->series[0].points) std::printf("%14d", pt.n);
      std::printf("\n%-9s", "FLOPs");
      for (const auto& pt : curves->series[0].points) std::printf("%14.2g", pt.flopsPerProblem);
      std::printf("\n");
    }
    for (const auto& s : curves->series) {
      json pts = json::array();
      store::CurveRecord rec{std::string("accuracy-vs-n/") + search::aggregationName(h), s.name, "samples per problem",
                             "accuracy", {}};
      for (const auto& pt : s.points) {
        pts.push_back({{"n", pt.n}, {"accuracy", pt.accuracy}, {"ci_low", search::jsonNumber(pt.ciLow)}, {"ci_high", search::jsonNumber(pt.ciHigh)},
                       {"flops_per_problem", pt.flopsPerProblem}, {"problems", pt.problems}});
        rec.points.emplace_back(pt.n, pt.accuracy);
      }
      out.push_back({{"aggregation", search::aggregationName(h)}, {"series", s.name}, {"points", pts}});
      if (o.save) {
        auto w = (*st)->putCurve(run->id, rec);
        if (!w) return fail(w.error());
      }
      if (!o.asJson) {
        std::printf("%-9s", s.name.c_str());
        for (const auto& pt : s.points) {
          if (std::isfinite(pt.ciLow) && std::isfinite(pt.ciHigh))
            std::printf("%7.1f%% ±%-4.1f", 100 * pt.accuracy, 50 * (pt.ciHigh - pt.ciLow));
          else
            std::printf("%8.1f%%     ", 100 * pt.accuracy);
        }
        std::printf("\n");
      }
    }
    if (!o.asJson) std::printf("\n");
  }
  if (o.asJson) std::cout << out.dump(2) << "\n";
  return 0;
}

// prm slips: does a PRM check a step's arithmetic (core/verify/slips.h)?
int cmdPrmSlips(const Options& o) {
  verify::PrmParams pp;
  if (o.device) pp.device.device = *o.device;
  if (o.dtype) pp.device.dtype = *o.dtype;
  if (o.threads) pp.device.threads = *o.threads;
  mathdata::ProblemSource src;
  src.path = o.dataset.empty() ? "builtin:arith" : o.dataset;
  src.filter.limit = o.problems.value_or(0);
  auto problems = mathdata::loadProblems(src);
  if (!problems) return fail(problems.error());
  const uint64_t seed = o.seed.value_or(1);
  auto rep = [&]() -> Result<verify::SlipReport> {
    if (o.byLikelihood) {
      auto lm = model::Model::load(o.prm, pp.device);
      if (!lm) return lm.error();
      return verify::probeSlipsByLikelihood(**lm, problems->problems, seed);
    }
    auto prm = verify::ProcessRewardModel::load(o.prm, pp);
    if (!prm) return prm.error();
    return verify::probeSlips(**prm, problems->problems, seed);
  }();
  if (!rep) return fail(rep.error());
  if (o.asJson) {
    json j = rep->toJson();
    j["prm"] = o.prm;
    j["scored_by"] = o.byLikelihood ? "likelihood" : "prm";
    j["dataset"] = src.path;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("slip probe of %s%s on %lld problems of %s: how often a reference step scores above the same step with its\n"
              "result moved by 1 to 10 (0.5: the PRM does not check the arithmetic; 1: it always does; 95 %% bootstrap over problems)\n",
              o.prm.c_str(), o.byLikelihood ? " (its likelihood)" : "", static_cast<long long>(rep->problems), src.path.c_str());
  auto line = [](const std::string& what, const verify::SlipShare& s) {
    std::printf("%-12s %6.3f  [%.3f, %.3f]  %lld pairs\n", what.c_str(), s.rightAbove, s.interval.low, s.interval.high, static_cast<long long>(s.pairs));
  };
  line("all steps", rep->all);
  line("first step", rep->firstStep);
  for (const auto& [level, s] : rep->byLevel) line("level " + std::to_string(level), s);
  std::printf("mean %s: right steps %.3f, slipped steps %.3f\n", o.byLikelihood ? "log-likelihood (nats)" : "score", rep->meanScoreRight,
              rep->meanScoreSlipped);
  return 0;
}

// How well a sampling run's verifier scores separate right from wrong samples (AUROC, pooled,
// within problems and by level, with 95 % intervals over problems).
int cmdVerifier(const Options& o) {
  auto st = openForReading(o);
  if (!st) return fail(st.error());
  auto run = (*st)->findRun(o.runRef);
  if (!run) return fail(run.error());
  auto budgets = parsePositiveIntList(o.budgets, "--budgets");
  if (!budgets) return fail(budgets.error());
  auto q = search::verifierQualityFromRun(**st, run->id, *budgets, o.trials);
  if (!q) return fail(q.error());
  auto estimate = [](const stats::AurocEstimate& e) {
    return json{{"auroc", search::jsonNumber(e.value)}, {"ci_low", search::jsonNumber(e.interval.low)}, {"ci_high", search::jsonNumber(e.interval.high)},
                {"right", e.positives}, {"wrong", e.negatives}, {"problems", e.problems}};
  };
  if (o.asJson) {
    json levels = json::object();
    for (const auto& [level, e] : q->byLevel) levels[std::to_string(level)] = estimate(e);
    json j = {{"run", run->id}, {"problems", q->problems}, {"pooled", estimate(q->pooled)},
              {"within_problem", {{"auroc", search::jsonNumber(q->withinProblem)}, {"ci_low", search::jsonNumber(q->withinProblemInterval.low)},
                                  {"ci_high", search::jsonNumber(q->withinProblemInterval.high)}, {"problems", q->mixedProblems}}},
              {"likelihood_within_problem", {{"auroc", search::jsonNumber(q->likelihoodWithinProblem)},
                                             {"ci_low", search::jsonNumber(q->likelihoodWithinProblemInterval.low)},
                                             {"ci_high", search::jsonNumber(q->likelihoodWithinProblemInterval.high)},
                                             {"verifier_minus_likelihood", {{"ci_low", search::jsonNumber(q->withinProblemOverLikelihood.low)},
                                                                            {"ci_high", search::jsonNumber(q->withinProblemOverLikelihood.high)}}}}},
              {"by_level", levels}};
    json sel = json::array();
    for (const auto& s : q->selection)
      sel.push_back({{"n", s.n}, {"problems", s.problems}, {"majority", s.majority}, {"weighted", s.weighted},
                     {"difference", s.weighted - s.majority}, {"ci_low", search::jsonNumber(s.difference.low)},
                     {"ci_high", search::jsonNumber(s.difference.high)}});
    j["weighted_vs_majority"] = sel;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  auto line = [](const std::string& what, double v, const stats::Interval& ci, const std::string& n) {
    std::printf("%-16s %6.3f  [%.3f, %.3f]  %s\n", what.c_str(), v, ci.low, ci.high, n.c_str());
  };
  std::printf("verifier AUROC, run %lld (sample score vs correct; 0.5 = chance; 95 %% bootstrap interval over problems)\n",
              static_cast<long long>(run->id));
  auto counts = [](const stats::AurocEstimate& e) {
    return std::to_string(e.positives) + " right, " + std::to_string(e.negatives) + " wrong samples of " + std::to_string(e.problems) + " problems";
  };
  line("pooled", q->pooled.value, q->pooled.interval, counts(q->pooled));
  line("within problem", q->withinProblem, q->withinProblemInterval,
       "mean over the " + std::to_string(q->mixedProblems) + " problems with right and wrong samples");
  if (q->mixedProblems > 0) {
    char diff[64];
    std::snprintf(diff, sizeof diff, "[%+.3f, %+.3f]", q->withinProblemOverLikelihood.low, q->withinProblemOverLikelihood.high);
    line("  likelihood", q->likelihoodWithinProblem, q->likelihoodWithinProblemInterval,
         std::string("the samples' mean log-prob per token, same problems; verifier - likelihood ") + diff);
  }
  for (const auto& [level, e] : q->byLevel) line("level " + std::to_string(level), e.value, e.interval, counts(e));
  if (!q->selection.empty()) std::printf("\nweighted best-of-N vs majority voting (same subsets; interval of the paired difference)\n%6s %10s %10s %24s\n", "N", "majority", "weighted", "weighted - majority");
  for (const auto& s : q->selection)
    std::printf("%6d %9.1f%% %9.1f%% %+8.1f %15s\n", s.n, 100 * s.majority, 100 * s.weighted, 100 * (s.weighted - s.majority),
                intervalText(s.difference.low, s.difference.high).c_str());
  return 0;
}

void printStoreBench(const json& r) {
  std::printf("routing records: %lld tokens x %d layers, %d budgets, %lld sequences (%.1f MB payload, %.1f MB file)\n",
              r["tokens"].get<long long>(), r["layers"].get<int>(), r["budgets"].get<int>(), r["sequences"].get<long long>(),
              r["payload_bytes"].get<double>() / 1e6, r["database_bytes"].get<double>() / 1e6);
  std::printf("write: %.3f s (%.0f MB/s, %d sequences per transaction, synchronous=FULL)   goal < 2 s\n",
              r["write_seconds"].get<double>(), r["write_mb_per_s"].get<double>(), r["sequences_per_transaction"].get<int>());
  std::printf("read one sequence: median %.3f ms, max %.3f ms   goal < 20 ms\n", r["read_sequence_ms_median"].get<double>(),
              r["read_sequence_ms_max"].get<double>());
  std::printf("one sequence per transaction: %.3f s (batched is %.1fx faster)\n",
              r["write_one_sequence_per_transaction_seconds"].get<double>(), r["batched_speedup"].get<double>());
}

}  // namespace

Result<std::vector<int>> parsePositiveIntList(const std::string& s, const std::string& option) {
  return parsePositiveList<int>(s, option, "a positive integer", [](const std::string& x, size_t* used) { return std::stoi(x, used); });
}

std::function<std::optional<int>()> addRunCommands(CLI::App& app, CLI::App& bench) {
  auto o = std::make_shared<Options>();
  auto addDb = [o](CLI::App* c) {
    c->add_option("--db", o->db, "the results database (default: $LENS_DB or " + store::defaultDatabasePath() + ")");
  };
  // Override the spec's "device" object (the spec reader checks the values and names the field).
  auto addDevice = [o](CLI::App* c) {
    c->add_option("--device", o->device, "auto, cpu, cuda or cuda:N (the spec's device.device)");
    c->add_option("--dtype", o->dtype, "auto, float32, bfloat16 or float16 (the spec's device.dtype)");
    c->add_option("--threads", o->threads, "intra-op CPU threads, 0: all cores (the spec's device.threads)");
  };

  auto* run = app.add_subcommand("run", "Run a job spec (JSON) into the database; Ctrl-C stops it resumably");
  run->add_option("spec", o->specPath, "job spec JSON file (flags below override its fields)");
  run->add_option("--kind", o->kind, "job kind (default generate)");
  run->add_option("--model", o->model, "model folder");
  run->add_option("--prompt,-p", o->prompts, "a prompt (repeatable; one unit each)");
  run->add_option("--dataset", o->dataset, "JSONL problems (MATH / PRM800K format)");
  run->add_option("--name", o->name, "a label shown in list and show");
  run->add_option("-n,--samples", o->samples, "samples per unit")->check(CLI::Range(1, 4096));
  run->add_option("--batch", o->batch, "units per batched forward pass")->check(CLI::Range(1, 1024));
  run->add_option("--max-tokens", o->maxTokens, "new tokens per sample at most")->check(CLI::Range(1, 1 << 20));
  run->add_option("--temperature", o->temperature, "0 = greedy")->check(CLI::Range(0.0, 100.0));
  run->add_option("--seed", o->seed, "run seed (unit u draws from a stream of (seed, u))");
  run->add_option("--shard", o->shard, "I/N: compute only units u with u % N == I (merge the shards afterwards)");
  run->add_option("--max-units", o->maxUnits, "stop (resumably) after this many new units")->check(CLI::NonNegativeNumber);
  run->add_flag("--quiet,-q", o->quiet, "no progress output");
  addDevice(run);
  addDb(run);

  auto* demo = app.add_subcommand("demo", "The built-in models on the built-in task: sampling scored by the PRM, a routing oracle and a beam search");
  demo->add_option("--problems", o->demoProblems, "test problems sampled (the oracle takes 1/12 of them, the search 1/5)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  demo->add_flag("--quiet,-q", o->quiet, "no progress output and no summaries (prints the run ids)");
  addDb(demo);

  auto* resume = app.add_subcommand("resume", "Continue a stopped or killed run: only missing units are computed");
  resume->add_option("run", o->runRef, "run id or uid prefix")->required();
  resume->add_option("--max-units", o->maxUnits, "stop (resumably) after this many new units")->check(CLI::NonNegativeNumber);
  resume->add_flag("--quiet,-q", o->quiet, "no progress output");
  addDb(resume);

  auto* list = app.add_subcommand("list", "List the runs in the database");
  list->add_flag("--json", o->asJson, "machine-readable output");
  addDb(list);

  auto* show = app.add_subcommand("show", "Describe one run: status, units, models, a summary of its results");
  show->add_option("run", o->runRef, "run id or uid prefix")->required();
  show->add_flag("--json", o->asJson, "machine-readable output");
  addDb(show);

  auto* exp = app.add_subcommand("export", "Write a run's results as JSON (everything) or CSV (one table)");
  exp->add_option("run", o->runRef, "run id or uid prefix")->required();
  exp->add_option("--format", o->format, "json | csv")->capture_default_str()->check(CLI::IsMember({"json", "csv"}));
  exp->add_option("--table", o->table, "CSV table: samples | steps | nodes | routing | metrics")->capture_default_str();
  exp->add_option("--out,-o", o->out, "output file (default: stdout)");
  addDb(exp);

  auto* merge = app.add_subcommand("merge", "Merge shard databases (from --shard I/N runs) into --db");
  merge->add_option("inputs", o->inputs, "shard databases")->required()->check(CLI::ExistingFile);
  addDb(merge);

  auto* curves = app.add_subcommand("curves", "Accuracy vs samples per problem (and FLOPs) from a run's graded samples");
  curves->add_option("run", o->runRef, "run id or uid prefix")->required();
  curves->add_option("--aggregation", o->aggregations, "majority | best-of-n | weighted (repeatable)")->capture_default_str();
  curves->add_option("--budgets", o->budgets, "comma-separated N")->capture_default_str();
  curves->add_option("--trials", o->trials, "random subsets per problem and N")->capture_default_str()->check(CLI::Range(1, 100000));
  curves->add_flag("--save", o->save, "also store the curves in the run (for the workbench)");
  curves->add_flag("--json", o->asJson, "machine-readable output");
  addDb(curves);

  auto* verifier = app.add_subcommand("verifier", "How well a sampling run's verifier scores separate right from wrong samples (AUROC with intervals)");
  verifier->add_option("run", o->runRef, "run id or uid prefix (a generate run with a verifier)")->required();
  verifier->add_option("--budgets", o->budgets, "N at which weighted best-of-N is compared with majority voting (comma-separated)")->capture_default_str();
  verifier->add_option("--trials", o->trials, "random subsets per problem and N")->capture_default_str()->check(CLI::Range(1, 100000));
  verifier->add_flag("--json", o->asJson, "machine-readable output");
  addDb(verifier);

  auto* oracle = app.add_subcommand("oracle", "Routing oracles of a Duo model (best route per token and budget) into the database, then the routing report");
  oracle->add_option("spec", o->specPath, "oracle job spec JSON file (flags below override its fields)");
  oracle->add_option("--model", o->model, "Duo model folder")->required();
  oracle->add_option("--data,--dataset", o->dataset, "builtin:arith (default) or a MATH JSONL file / folder");
  oracle->add_option("--budget,--budgets", o->routeBudgets, "k=0,1,2 (big modules) or flops=0.25,0.5 (fraction of all-big); default k=0..layers");
  oracle->add_option("--scope", o->scope, "token (context keeps the reference route) | sequence (greedy, context follows the choices)")
      ->check(CLI::IsMember({"token", "sequence"}));
  oracle->add_option("--search", o->search, "auto | exhaustive | beam")->check(CLI::IsMember({"auto", "exhaustive", "beam"}));
  oracle->add_option("--beam-width", o->beamWidth, "partial routes kept per token in beam search")->check(CLI::Range(1, 4096));
  oracle->add_option("--reference", o->reference, "context route in token scope: all-big, all-small or one of B/s/- per layer");
  oracle->add_option("--random", o->randomRoutings, "random routings per budget (baselines; 0 = none)")->check(CLI::Range(0, 100000));
  oracle->add_option("--problems", o->problems, "how many problems (sequences)")->check(CLI::Range(1, 1 << 30));
  oracle->add_option("--max-tokens", o->maxTokens, "truncate each sequence to this many tokens")->check(CLI::Range(2, 1 << 20));
  oracle->add_option("--text", o->text, "problem+solution | solution")->check(CLI::IsMember({"problem+solution", "solution"}));
  oracle->add_option("--name", o->name, "a label shown in list and show");
  oracle->add_option("--seed", o->seed, "seed of the random routings");
  oracle->add_option("--shard", o->shard, "I/N: compute only units u with u % N == I");
  oracle->add_option("--max-units", o->maxUnits, "stop (resumably) after this many new units")->check(CLI::NonNegativeNumber);
  oracle->add_option("--hardest", o->hardest, "hardest tokens listed")->capture_default_str()->check(CLI::Range(0, 100000));
  oracle->add_option("--router", o->routers, "a trained router folder to evaluate on the same texts (repeatable)")->check(CLI::ExistingDirectory);
  oracle->add_flag("--quiet,-q", o->quiet, "no progress output and no report");
  addDevice(oracle);
  addDb(oracle);

  auto* searchCmd = app.add_subcommand("search", "Verifier-guided search per problem (beam, lookahead, DVTS) into the database, then its accuracy and compute");
  searchCmd->add_option("spec", o->specPath, "search job spec JSON file (flags below override its fields)");
  searchCmd->add_option("--model", o->model, "generator model folder")->required();
  searchCmd->add_option("--prm", o->prm, "process reward model folder (step-tag causal LM or Qwen2.5-Math-PRM style); revisions with --select majority need none");
  searchCmd->add_option("--prm-step-tag", o->prmTag, "step-tag PRMs: the tag appended after each step (default ки)");
  searchCmd->add_option("--prm-good", o->prmGood, "step-tag PRMs: the good token (default +)");
  searchCmd->add_option("--prm-bad", o->prmBad, "step-tag PRMs: the bad token (default -)");
  searchCmd->add_option("--strategy", o->strategy, "beam | lookahead | dvts | revise (sequential revisions; --model is then the revision model)")
      ->check(CLI::IsMember({"beam", "lookahead", "dvts", "revise"}));
  searchCmd->add_option("--chain-length", o->chainLength, "revise: attempts per chain L (N/L chains side by side; default 4)")->check(CLI::Range(1, 1 << 16));
  searchCmd->add_option("--max-previous", o->maxPrevious, "revise: earlier attempts an attempt sees (default 4)")->check(CLI::Range(0, 64));
  searchCmd->add_option("--keep-above", o->keepAbove,
                        "revise: stop a chain at an attempt whose mean log-prob per token is at least this (later turns repeat it; default: none)");
  searchCmd->add_option("--select", o->select, "revise: the answer by majority | weighted | hierarchical (default weighted)")
      ->check(CLI::IsMember({"majority", "weighted", "hierarchical"}));
  searchCmd->add_option("--n", o->searchN, "generations per round (N)")->check(CLI::Range(1, 1 << 16));
  searchCmd->add_option("--width", o->searchWidth, "M: keep N/M candidates and expand each M times (beam); subtrees of M (dvts)")->check(CLI::Range(1, 1 << 16));
  searchCmd->add_option("--lookahead", o->lookahead, "k: greedy rollout steps scoring a candidate (lookahead)")->check(CLI::Range(1, 1024));
  searchCmd->add_option("--max-steps", o->maxSteps, "rounds at most")->check(CLI::Range(1, 4096));
  searchCmd->add_option("--route", o->reference, "Duo generators: the route every token takes (all-big, all-small, or B/s/- per layer)");
  searchCmd->add_option("--router", o->searchRouter, "Duo generators: a trained router's folder (router train) picks every token's route");
  searchCmd->add_option("--max-tokens", o->maxTokens, "tokens per step (per attempt with revise) at most")->check(CLI::Range(1, 1 << 20));
  searchCmd->add_option("--data,--dataset", o->dataset, "builtin:arith (default) or a MATH JSONL file / folder");
  searchCmd->add_option("--problems", o->problems, "how many problems")->check(CLI::Range(1, 1 << 30));
  searchCmd->add_option("--name", o->name, "a label shown in list and show");
  searchCmd->add_option("--seed", o->seed, "run seed");
  searchCmd->add_option("--shard", o->shard, "I/N: compute only units u with u % N == I");
  searchCmd->add_option("--max-units", o->maxUnits, "stop (resumably) after this many new units")->check(CLI::NonNegativeNumber);
  searchCmd->add_flag("--quiet,-q", o->quiet, "no progress output and no summary");
  addDevice(searchCmd);
  addDb(searchCmd);

  auto* coCmd = app.add_subcommand("compute-optimal",
                                   "Per difficulty bin and budget, the best strategy (2-fold cross-validated) vs best-of-N, and the efficiency ratio");
  coCmd->add_option("baseline", o->runRef, "sampling run (generate with --samples and a verifier): best-of-N at every budget")->required();
  coCmd->add_option("runs", o->searchRuns, "search runs (each one strategy at one N)");
  coCmd->add_option("--aggregation", o->aggregation, "best-of-N as: weighted (default) | best-of-n | majority")->capture_default_str();
  coCmd->add_option("--budgets", o->budgets, "comma-separated N for best-of-N")->capture_default_str();
  coCmd->add_option("--trials", o->trials, "random subsets per problem and N")->capture_default_str()->check(CLI::Range(1, 100000));
  coCmd->add_option("--bins", o->bins, "oracle (pass@1 vs the reference) | predicted (mean verifier score, no ground truth)")
      ->capture_default_str()->check(CLI::IsMember({"oracle", "predicted"}));
  coCmd->add_flag("--with-verifier", o->withVerifier, "FLOPs include the verifier's (scoring the pool, or guiding the search)");
  coCmd->add_option("--large", o->largeRun, "a larger model's sampling run: add the exchange analysis (test-time compute vs pretraining)");
  std::ostringstream defaultRatios;
  for (double r : search::kDefaultExchangeRatios) defaultRatios << (defaultRatios.tellp() > 0 ? "," : "") << r;
  coCmd->add_option("--ratios", o->ratios, "exchange: comma-separated R = D_inference / D_pretrain (default " + defaultRatios.str() + ")");
  coCmd->add_flag("--json", o->asJson, "machine-readable output");
  coCmd->add_option("--out,-o", o->out, "write the JSON here (with --json)");
  addDb(coCmd);

  auto* reportCmd = app.add_subcommand("report", "An experiment report (one HTML file): each run's parameters, tables and charts");
  reportCmd->add_option("runs", o->searchRuns, "runs to report (ids or uid prefixes); a sampling run with search runs adds the compute-optimal frontier")
      ->required();
  reportCmd->add_option("--budgets", o->budgets, "comma-separated N for best-of-N curves, the compute-optimal frontier and the exchange (those above a pool's samples are left out)")->capture_default_str();
  reportCmd->add_option("--title", o->name, "the report's title");
  reportCmd->add_option("--out,-o", o->out, "write the HTML here (default: standard output)");
  reportCmd->add_option("--out-dir", o->outDir, "one report per run in this folder, named <id>-<run name>.html (paths printed)")
      ->excludes("--out");
  addDb(reportCmd);

  auto* prmCmd = app.add_subcommand("prm", "Process reward models trained by ComputeLens");
  prmCmd->require_subcommand(1);
  auto* ptrain = prmCmd->add_subcommand("train", "Train a PRM (a step tag, or a likelihood head) on the Monte Carlo step labels of a prm-label run");
  ptrain->add_option("spec", o->specPath, "prm-train job spec JSON file (flags below override its fields)");
  ptrain->add_option("--base", o->base, "causal LM to fine-tune (e.g. resources/models/arith-duo-small)")->required();
  ptrain->add_option("--labels", o->labelsRun, "the prm-label run (id or uid prefix)")->required();
  ptrain->add_option("--labels-db", o->labelsDb, "database holding that run (default: --db)");
  ptrain->add_option("--out", o->routerOut, "folder the PRM is written to")->required();
  ptrain->add_option("--head", o->prmHead, "tag: fine-tune the base at a tag after each step (default); likelihood: keep the base and fit a logistic head on its token log-probabilities")
      ->check(CLI::IsMember({"tag", "likelihood"}));
  ptrain->add_option("--steps", o->steps, "optimiser steps (default 300; the likelihood head: Newton iterations at most)")->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  ptrain->add_option("--lr", o->lr, "AdamW learning rate (default 3e-4)")->check(CLI::Range(1e-9, 1.0));
  ptrain->add_option("--batch", o->trainBatch, "labelled solutions per step (default 16)")->check(CLI::Range(1, 4096));
  ptrain->add_option("--name", o->name, "a label shown in list and show");
  ptrain->add_option("--seed", o->seed, "training seed");
  ptrain->add_flag("--quiet,-q", o->quiet, "no progress output");
  addDevice(ptrain);
  addDb(ptrain);

  auto* pslips = prmCmd->add_subcommand("slips", "Does a PRM check the arithmetic? Reference steps against the same steps with the result moved by 1 to 10");
  pslips->add_option("prm", o->prm, "PRM folder (step-tag or reward-head)")->required();
  pslips->add_option("--data,--dataset", o->dataset, "builtin:arith (default: its test split) or a MATH JSONL file / folder with solutions");
  pslips->add_option("--problems", o->problems, "the first N problems (default: all)")->check(CLI::Range(1, 1 << 30));
  pslips->add_option("--seed", o->seed, "seed of the slips' sizes and signs (default 1)");
  pslips->add_flag("--json", o->asJson, "machine-readable output");
  pslips->add_flag("--likelihood", o->byLikelihood, "the folder is a causal LM: score each prefix by its log-likelihood (the model a PRM starts from)");
  addDevice(pslips);

  auto* revCmd = app.add_subcommand("revision", "Revision models trained by ComputeLens (sequential revisions)");
  revCmd->require_subcommand(1);
  auto* revtrain = revCmd->add_subcommand("train", "Train a revision model on the graded samples of a generate run (wrong attempts, then a right one)");
  revtrain->add_option("spec", o->specPath, "revision-train job spec JSON file (flags below override its fields)");
  revtrain->add_option("--base", o->base, "causal LM to fine-tune (e.g. resources/models/arith-duo-small)")->required();
  revtrain->add_option("--samples", o->labelsRun, "the generate run with several graded samples per problem (id or uid prefix)")->required();
  revtrain->add_option("--samples-db", o->labelsDb, "database holding that run (default: --db)");
  revtrain->add_option("--out", o->routerOut, "folder the revision model is written to")->required();
  revtrain->add_option("--steps", o->steps, "optimiser steps (default 400)")->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  revtrain->add_option("--lr", o->lr, "AdamW learning rate (default 3e-4)")->check(CLI::Range(1e-9, 1.0));
  revtrain->add_option("--batch", o->trainBatch, "examples per step (default 16)")->check(CLI::Range(1, 4096));
  revtrain->add_option("--max-previous", o->maxPrevious, "earlier attempts per example at most (default 4)")->check(CLI::Range(0, 64));
  revtrain->add_option("--context", o->revisionContext,
                       "earlier attempts: nearest-wrong (wrong ones nearest the target; default) or sampled (drawn from all samples, right ones too)")
      ->check(CLI::IsMember({"nearest-wrong", "sampled"}));
  revtrain->add_option("--max-tokens", o->maxTokens, "prompt + target tokens at most (default 1024)")->check(CLI::Range(16, 1 << 20));
  revtrain->add_option("--name", o->name, "a label shown in list and show");
  revtrain->add_option("--seed", o->seed, "training seed");
  revtrain->add_flag("--quiet,-q", o->quiet, "no progress output");
  addDevice(revtrain);
  addDb(revtrain);

  auto* routerCmd = app.add_subcommand("router", "Trained routers for Duo models");
  routerCmd->require_subcommand(1);
  auto* rtrain = routerCmd->add_subcommand(
      "train", "Train per-layer routers on a Duo model: end to end with a compute penalty, or by imitating oracle routes");
  rtrain->add_option("spec", o->specPath, "router-train job spec JSON file (flags below override its fields)");
  rtrain->add_option("--model", o->model, "Duo model folder")->required();
  rtrain->add_option("--out", o->routerOut, "folder the router is written to")->required();
  rtrain->add_option("--mode", o->routerMode, "penalty (LM loss + lambda x compute, straight-through Gumbel) | imitate (oracle routes)")
      ->check(CLI::IsMember({"penalty", "imitate"}));
  rtrain->add_option("--lambda", o->lambda, "penalty: weight of the big-FFN FLOPs fraction (default 1)")->check(CLI::Range(0.0, 1e6));
  rtrain->add_option("--budget", o->routeBudgets, "imitate: the oracle budget, k=1 (default) or flops=0.5");
  rtrain->add_option("--scope", o->scope, "imitate: the oracle's scope, sequence (default) | token")->check(CLI::IsMember({"token", "sequence"}));
  rtrain->add_option("--data,--dataset", o->dataset, "builtin:arith (default: its train split) or a MATH JSONL file / folder");
  rtrain->add_option("--problems", o->problems, "training problems (default 200)")->check(CLI::Range(1, 1 << 30));
  rtrain->add_option("--steps", o->steps, "optimiser steps (default 200)")->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  rtrain->add_option("--lr", o->lr, "Adam learning rate (default 0.01)")->check(CLI::Range(1e-9, 10.0));
  rtrain->add_option("--train-batch", o->trainBatch, "penalty: texts per step (default 8)")->check(CLI::Range(1, 4096));
  rtrain->add_option("--max-tokens", o->maxTokens, "truncate each text to this many tokens")->check(CLI::Range(2, 1 << 20));
  rtrain->add_option("--text", o->text, "problem+solution | solution")->check(CLI::IsMember({"problem+solution", "solution"}));
  rtrain->add_option("--name", o->name, "a label shown in list and show");
  rtrain->add_option("--seed", o->seed, "training seed");
  rtrain->add_flag("--quiet,-q", o->quiet, "no progress output");
  addDevice(rtrain);
  addDb(rtrain);

  auto* routingCmd = app.add_subcommand("routing", "The routing report of an oracle run: perplexity vs FLOPs per policy, layer use, difficulty");
  routingCmd->add_option("run", o->runRef, "run id or uid prefix")->required();
  routingCmd->add_option("--hardest", o->hardest, "hardest tokens listed")->capture_default_str()->check(CLI::Range(0, 100000));
  routingCmd->add_flag("--json", o->asJson, "machine-readable output");
  routingCmd->add_option("--out,-o", o->out, "write the JSON here (with --json)");
  addDb(routingCmd);

  auto* bstore = bench.add_subcommand("store", "Write per-token routing records (1M tokens x 32 layers) and read one back");
  bstore->add_option("--tokens", o->storeBench.tokens)->capture_default_str()->check(CLI::Range(int64_t{1}, int64_t{1} << 32));
  bstore->add_option("--layers", o->storeBench.layers)->capture_default_str()->check(CLI::Range(1, 1024));
  bstore->add_option("--sequence-length", o->storeBench.sequenceLength)->capture_default_str()->check(CLI::Range(1, 1 << 20));
  bstore->add_option("--budgets", o->storeBench.budgets)->capture_default_str()->check(CLI::Range(0, 64));
  bstore->add_option("--per-transaction", o->storeBench.unitsPerCommit, "sequences per transaction")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  bstore->add_option("--dir", o->storeBench.dir, "folder for the temporary databases (default: system temp)");
  bstore->add_option("--out", o->out, "also write the JSON here");

  return [=]() -> std::optional<int> {
    if (run->parsed()) return cmdRun(*o);
    if (demo->parsed()) return cmdDemo(*o);
    if (resume->parsed()) return cmdResume(*o);
    if (list->parsed()) return cmdList(*o);
    if (show->parsed()) return cmdShow(*o);
    if (exp->parsed()) return cmdExport(*o);
    if (merge->parsed()) return cmdMerge(*o);
    if (curves->parsed()) return cmdCurves(*o);
    if (verifier->parsed()) return cmdVerifier(*o);
    if (oracle->parsed()) return cmdOracle(*o);
    if (routingCmd->parsed()) return cmdRouting(*o);
    if (rtrain->parsed()) return cmdRouterTrain(*o);
    if (searchCmd->parsed()) return cmdSearch(*o);
    if (coCmd->parsed()) return cmdComputeOptimal(*o);
    if (reportCmd->parsed()) return cmdReport(*o);
    if (pslips->parsed()) return cmdPrmSlips(*o);
    if (ptrain->parsed()) {
      Options po = *o;
      po.kind = "prm-train";
      return finishRun(startFromOptions(po, "prm train"), po);
    }
    if (revtrain->parsed()) {
      Options po = *o;
      po.kind = "revision-train";
      return finishRun(startFromOptions(po, "revision train"), po);
    }
    if (bstore->parsed()) {
      ProgressPrinter progress("bench store");
      RunContext ctx;
      ctx.progress = [&](int64_t d, int64_t t, std::string_view w) { progress.update(d, t, w); };
      auto r = bench::benchStore(o->storeBench, &ctx);
      if (!r) return fail(r.error());
      printStoreBench(*r);
      if (!o->out.empty()) {
        auto w = writeOut(o->out, r->dump(2) + "\n");
        if (!w) return fail(w.error());
      }
      return 0;
    }
    return std::nullopt;
  };
}

}  // namespace lens::cli
