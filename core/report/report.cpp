// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/report/report.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "core/common/version.h"
#include "core/report/svg_chart.h"
#include "core/routing/analysis.h"
#include "core/search/run_curves.h"
#include "core/store/store.h"

namespace lens::report {

namespace {

std::string fmt(double v, const char* f = "%.4g") {
  if (!std::isfinite(v)) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string pct(double v) { return std::isfinite(v) ? fmt(100.0 * v, "%.1f") + " %" : "—"; }
// "62.3 % [58.1, 66.4]": an accuracy and its interval (the value alone when there is none).
std::string pctWithInterval(double v, double low, double high) {
  if (!std::isfinite(low) || !std::isfinite(high)) return pct(v);
  return pct(v) + " [" + fmt(100.0 * low, "%.1f") + ", " + fmt(100.0 * high, "%.1f") + "]";
}

struct Writer {
  ReportDocument& doc;
  void raw(const std::string& s) { doc.body += s; }
  void h(int level, const std::string& text) { raw("<h" + std::to_string(level) + ">" + escapeXml(text) + "</h" + std::to_string(level) + ">\n"); }
  void p(const std::string& text) { raw("<p>" + escapeXml(text) + "</p>\n"); }
  void table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
    raw("<table><tr>");
    for (const auto& c : head) raw("<th>" + escapeXml(c) + "</th>");
    raw("</tr>\n");
    for (const auto& r : rows) {
      raw("<tr>");
      for (const auto& c : r) raw("<td>" + escapeXml(c) + "</td>");
      raw("</tr>\n");
    }
    raw("</table>\n");
  }
  void chart(const std::vector<ChartSeries>& series, const ChartParams& params) {
    const size_t i = doc.charts.size();
    doc.charts.push_back(lineChartSvg(series, params));
    raw("<p><img src=\"chart:" + std::to_string(i) + "\" width=\"" + std::to_string(params.width) + "\" height=\"" + std::to_string(params.height) +
        "\" alt=\"" + escapeXml(params.title) + "\"></p>\n");
  }
};

void samplingSection(Writer& w, store::Store& st, const store::RunRecord& run, const ReportParams& rp) {
  std::vector<std::pair<search::Aggregation, const char*>> ways = {{search::Aggregation::Majority, "majority voting"}};
  if (run.spec.contains("verifier")) ways.push_back({search::Aggregation::WeightedBestOfN, "weighted best-of-N (verifier)"});
  for (const auto& [how, label] : ways) {
    auto c = search::computeRunCurves(st, run.id, how, rp.budgets);
    if (!c) {
      w.p("No accuracy curve: " + c.error().message);
      return;
    }
    w.h(3, std::string("Accuracy vs compute, ") + label + " (" + std::to_string(c->problems) + " graded problems)");
    std::vector<ChartSeries> series;
    std::vector<std::string> head = {"N", "FLOPs / problem"};
    std::map<int, std::vector<std::string>> rows;
    for (const auto& s : c->series) {
      if (s.points.empty()) continue;
      const bool plotted = s.name == "all" || s.name.rfind("bin ", 0) == 0;
      ChartSeries cs{s.name, {}, {}, {}, {}};
      head.push_back(s.name);
      for (const auto& pnt : s.points) {
        cs.x.push_back(pnt.flopsPerProblem);
        cs.y.push_back(100.0 * pnt.accuracy);
        cs.low.push_back(100.0 * pnt.ciLow);
        cs.high.push_back(100.0 * pnt.ciHigh);
        auto& row = rows[pnt.n];
        if (row.empty()) row = {std::to_string(pnt.n), s.name == "all" ? fmt(pnt.flopsPerProblem, "%.3g") : ""};
        row.resize(head.size() - 1, "—");
        row.push_back(pctWithInterval(pnt.accuracy, pnt.ciLow, pnt.ciHigh));
      }
      if (plotted) series.push_back(std::move(cs));
    }
    for (auto& [n, row] : rows) row.resize(head.size(), "—");
    w.chart(series, {std::string("Accuracy vs FLOPs: ") + label, "inference FLOPs per problem", "accuracy (%)", true});
    std::vector<std::vector<std::string>> table;
    for (auto& [n, row] : rows) table.push_back(row);
    w.table(head, table);
    w.p("Bins are oracle difficulty (quintiles of each problem's pass@1, bin 1 easiest); accuracy at N is the mean over random "
        "size-N subsets of each problem's samples. In brackets and shaded: the 95 % percentile-bootstrap interval over problems "
        "(2000 resamples).");
  }
}

// How well the run's verifier scores separate right from wrong samples (search::VerifierQuality).
void verifierSection(Writer& w, store::Store& st, const store::RunRecord& run, const ReportParams& rp) {
  auto q = search::verifierQualityFromRun(st, run.id, rp.budgets);
  if (!q) {
    w.p("No verifier quality: " + q.error().message);
    return;
  }
  auto auc = [](double v, const stats::Interval& ci) {
    return fmt(v, "%.3f") + (std::isfinite(ci.low) && std::isfinite(ci.high) ? " [" + fmt(ci.low, "%.3f") + ", " + fmt(ci.high, "%.3f") + "]" : "");
  };
  w.h(3, "Verifier: right against wrong samples");
  std::vector<std::vector<std::string>> rows = {
      {"pooled", auc(q->pooled.value, q->pooled.interval), std::to_string(q->pooled.problems) + " problems, " + std::to_string(q->pooled.positives) + " right and " +
                                                               std::to_string(q->pooled.negatives) + " wrong samples"},
      {"within problem", auc(q->withinProblem, q->withinProblemInterval), "mean over the " + std::to_string(q->mixedProblems) + " problems with both"}};
  rows.push_back({"within problem, the samples' own likelihood", auc(q->likelihoodWithinProblem, q->likelihoodWithinProblemInterval),
                  "the same problems; the verifier's − this: [" + fmt(q->withinProblemOverLikelihood.low, "%+.3f") + ", " +
                      fmt(q->withinProblemOverLikelihood.high, "%+.3f") + "]"});
  for (const auto& [level, e] : q->byLevel) rows.push_back({"level " + std::to_string(level), auc(e.value, e.interval), std::to_string(e.problems) + " problems"});
  w.table({"AUROC of the sample's score", "value [95 % interval]", "over"}, rows);
  std::vector<std::vector<std::string>> sel;
  for (const auto& s : q->selection)
    sel.push_back({std::to_string(s.n), pct(s.majority), pct(s.weighted),
                   fmt(100 * (s.weighted - s.majority), "%+.1f") + (std::isfinite(s.difference.low) ? " [" + fmt(100 * s.difference.low, "%+.1f") + ", " +
                                                                                                           fmt(100 * s.difference.high, "%+.1f") + "]" : "")});
  if (!sel.empty()) w.table({"N", "majority voting", "weighted best-of-N", "weighted − majority (points)"}, sel);
  w.p("A pooled AUROC also rewards a verifier that only knows which problems are hard; best-of-N selection depends on the "
      "within-problem one, and the baseline it must beat is the generator's own confidence: each sample's mean log-probability "
      "per token, ranked the same way. Weighted best-of-N and majority voting are compared on the same random subsets of each problem's "
      "samples; intervals are 95 % percentile-bootstrap intervals over problems (the difference's is paired).");
}

void searchSection(Writer& w, store::Store& st, const store::RunRecord& run) {
  auto ms = st.metrics(run.id);
  if (!ms) {
    w.p("No metrics: " + ms.error().message);
    return;
  }
  std::map<std::string, std::pair<double, double>> sum;
  for (const auto& m : *ms) sum[m.name].first += m.value, sum[m.name].second += 1;
  w.h(3, "Accuracy and compute per problem");
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, v] : sum) {
    const double mean = v.first / std::max(1.0, v.second);
    const bool rate = name == "correct" || name.rfind("correct-", 0) == 0 || name.rfind("turn-correct-", 0) == 0;
    rows.push_back({name, rate ? pct(mean) : fmt(mean, "%.4g"), fmt(v.second, "%.0f")});
  }
  w.table({"metric", "mean over problems", "problems"}, rows);
}

std::string lossInterval(double lo, double hi) { return std::isnan(lo) ? "—" : "[" + fmt(lo, "%.4f") + ", " + fmt(hi, "%.4f") + "]"; }

void oracleSection(Writer& w, store::Store& st, const store::RunRecord& run) {
  auto rep = routing::routingReport(st, run, 10);
  if (!rep) {
    w.p("No routing summary: " + rep.error().message);
    return;
  }
  w.h(3, "Perplexity vs compute by routing policy (" + std::to_string(rep->sequences) + " sequences, " + std::to_string(rep->positions) +
             " scored tokens)");
  std::map<std::string, ChartSeries> byPolicy;
  std::vector<std::vector<std::string>> rows;
  for (const auto& pnt : rep->points) {
    auto& s = byPolicy[pnt.policy];
    s.name = pnt.policy;
    s.x.push_back(pnt.flopsFraction);
    s.y.push_back(pnt.perplexity);
    s.low.push_back(pnt.perplexityCiLow());
    s.high.push_back(pnt.perplexityCiHigh());
    rows.push_back({pnt.policy, pnt.budget, fmt(pnt.flopsFraction, "%.3f"), fmt(pnt.meanLoss, "%.4f"), lossInterval(pnt.lossCiLow, pnt.lossCiHigh),
                    fmt(pnt.perplexity, "%.4f")});
  }
  std::vector<ChartSeries> series;
  for (auto& [k, s] : byPolicy) series.push_back(s);
  w.chart(series, {"Perplexity vs FLOPs per token", "FLOPs per token (fraction of all big)", "perplexity", false});
  w.table({"policy", "budget", "FLOPs fraction", "loss (nats/token)", "95 % interval over sequences", "perplexity"}, rows);
  if (!rep->differences.empty() || !rep->routers.empty()) {
    std::vector<std::vector<std::string>> drows;
    auto add = [&](const routing::LossDifference& d) {
      drows.push_back({d.a, d.b, fmt(d.difference, "%+.4f"), lossInterval(d.ciLow, d.ciHigh)});
    };
    for (const auto& d : rep->differences) add(d);
    for (const auto& r : rep->routers) add(r.minusOracle);
    w.h(3, "Paired differences in loss (the same tokens under both policies)");
    w.table({"a", "b", "loss a − b (nats/token)", "95 % interval over sequences"}, drows);
  }
  w.p("Token difficulty (mean gain from compute) by budget: " + [&] {
    std::string s;
    for (size_t b = 0; b < rep->budgets.size() && b < rep->meanDifficulty.size(); ++b)
      s += (s.empty() ? "" : ", ") + rep->budgets[b] + " " + fmt(rep->meanDifficulty[b], "%.4f");
    return s;
  }() + ".");
}

void trainingSection(Writer& w, store::Store& st, const store::RunRecord& run) {
  auto ms = st.metrics(run.id);
  if (!ms || ms->empty()) {
    w.p("No training metrics recorded.");
    return;
  }
  std::map<std::string, ChartSeries> losses;
  std::map<std::string, std::pair<int64_t, double>> last;  // name/split -> (step, value)
  for (const auto& m : *ms) {
    const std::string key = m.name + " (" + m.split + ")";
    if (m.name.find("loss") != std::string::npos && m.split == "train") {
      auto& s = losses[key];
      s.name = key;
      s.x.push_back(static_cast<double>(m.step));
      s.y.push_back(m.value);
    }
    auto& l = last[key];
    if (m.step >= l.first) l = {m.step, m.value};
  }
  if (!losses.empty()) {
    std::vector<ChartSeries> series;
    for (auto& [k, s] : losses) series.push_back(s);
    w.chart(series, {"Training loss", "step", "loss", false});
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [k, v] : last) rows.push_back({k, std::to_string(v.first), fmt(v.second, "%.5g")});
  w.table({"metric", "last step", "value"}, rows);
}

// The compute-optimal frontier of the baseline's best-of-N with the search runs.
void compareSection(Writer& w, const Result<search::ComputeOptimalReport>& co) {
  w.h(2, "Compute-optimal scaling");
  if (!co) {
    w.p("Not computed: " + co.error().message);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : co->arms)
    rows.push_back({a.strategy, std::to_string(a.budget), pctWithInterval(a.accuracy, a.ciLow, a.ciHigh), fmt(a.meanFlops, "%.3g")});
  w.table({"strategy", "N", "accuracy [95 % interval]", "generator FLOPs / problem"}, rows);
  rows.clear();
  ChartSeries frontier{"compute-optimal", {}, {}, {}, {}};
  for (const auto& f : co->frontier) {
    rows.push_back({std::to_string(f.budget), pctWithInterval(f.computeOptimal, f.ciLow, f.ciHigh), pct(f.baseline), f.efficiencyText("")});
    frontier.x.push_back(f.meanFlops);
    frontier.y.push_back(100.0 * f.computeOptimal);
    frontier.low.push_back(100.0 * f.ciLow);
    frontier.high.push_back(100.0 * f.ciHigh);
  }
  // Every strategy at its budgets, so per-token compute (Duo routes, routers) and per-problem
  // compute (N, search, revisions) compare on one FLOPs axis.
  std::vector<ChartSeries> all = {frontier};
  std::map<std::string, size_t> at;
  for (const auto& a : co->arms) {
    auto [it, fresh] = at.try_emplace(a.strategy, all.size());
    if (fresh) all.push_back({a.strategy, {}, {}, {}, {}});
    all[it->second].x.push_back(a.meanFlops);
    all[it->second].y.push_back(100.0 * a.accuracy);
  }
  ChartParams cp{"Accuracy vs generator FLOPs: every strategy and the compute-optimal frontier", "generator FLOPs per problem",
                 "accuracy (%)", true};
  cp.width = 820;
  cp.height = 420;
  w.chart(all, cp);
  w.table({"N", "compute-optimal", co->baseline, "efficiency (×)"}, rows);
  w.p("Per difficulty bin and budget, the strategy that did best on the other half of the problems (two-fold cross-validation).");
}

// Snell et al. §7: the baseline's model with test-time compute against the larger model's pass@1 at
// equal total FLOPs, for a few R = inference tokens / pretraining tokens; paired over problems.
void exchangeSection(Writer& w, store::Store& st, const search::ComparisonRuns& roles, const Result<search::ComputeOptimalReport>& co) {
  w.h(2, "Exchange: test-time compute against a larger model");
  if (!co) {
    w.p("Not computed: " + co.error().message);
    return;
  }
  auto ex = search::exchangeFromRuns(st, roles.baseline, co.value(), roles.larger, search::kDefaultExchangeRatios);
  if (!ex) {
    w.p("Not computed: " + ex.error().message);
    return;
  }
  w.p("Run " + std::to_string(roles.larger) + "'s model is " + fmt(ex->sizeRatio, "%.2f") + "× larger than run " + std::to_string(roles.baseline) +
      "'s. At equal total FLOPs (pretraining 6·N·D, inference 2·N·D), the smaller model may spend per problem the FLOPs below, for R = "
      "inference tokens ÷ pretraining tokens; its accuracy is its compute-optimal frontier's best point that fits. Differences are "
      "small − large in points, paired over the problems both ran, with 95 % bootstrap intervals; bins are the smaller model's difficulty. " +
      ex->pretrainingText());
  const auto paired = [](const search::PairedDifference& d) {
    const auto text = d.pointsText();
    return text.empty() ? std::string("—") : text;
  };
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : ex->rows) {
    std::vector<std::string> row = {fmt(r.ratio, "%.3g"),   fmt(r.allowedFlops, "%.3g"), fmt(r.multiplier, "%.1f") + "×",
                                    r.smallBudget > 0 ? std::to_string(r.smallBudget) : "—", pct(r.smallAccuracy), pct(r.largeAccuracy),
                                    paired(r.smallMinusLarge)};
    for (size_t b = 0; b < 5; ++b) row.push_back(b < r.smallMinusLargeByBin.size() ? paired(r.smallMinusLargeByBin[b]) : "—");
    rows.push_back(std::move(row));
  }
  w.table({"R", "matched FLOPs / problem", "× one small sample", "small: N", "small: accuracy", "large: pass@1", "small − large", "bin 1",
           "bin 2", "bin 3", "bin 4", "bin 5"},
          rows);
}

}  // namespace

std::string ReportDocument::standaloneHtml() const {
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escapeXml(title) +
                     "</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
                     "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
                     "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}pre{background:#f7f7f7;padding:8px;overflow:auto}"
                     "</style></head><body>\n";
  std::string body = inlineBody();
  return html + body + "</body></html>\n";
}

std::string ReportDocument::inlineBody() const {
  std::string out = body;
  for (size_t i = charts.size(); i-- > 0;) {
    const std::string marker = "src=\"chart:" + std::to_string(i) + "\"";
    const std::string uri = "src=\"data:image/svg+xml;base64," + base64(charts[i]) + "\"";
    for (size_t at = out.find(marker); at != std::string::npos; at = out.find(marker, at + uri.size())) out.replace(at, marker.size(), uri);
  }
  return out;
}

Result<ReportDocument> buildReport(store::Store& st, const ReportParams& rp) {
  if (rp.runs.empty()) return makeError(ErrorCode::InvalidInput, "report: no runs given");
  ReportDocument doc;
  doc.title = rp.title;
  Writer w{doc};
  w.h(1, rp.title);
  w.p("Written by ComputeLens " + versionString() + " from the results database; every number is read from the stored runs.");
  std::vector<store::RunRecord> runs;
  for (int64_t id : rp.runs) {
    auto run = st.run(id);
    if (!run) return makeError(run.error().code, "report: run " + std::to_string(id) + ": " + run.error().message);
    runs.push_back(*run);
  }
  for (const auto& run : runs) {
    w.h(2, "Run " + std::to_string(run.id) + (run.name.empty() ? "" : ": " + run.name) + " (" + run.kind + ")");
    auto done = st.doneUnits(run.id);
    std::vector<std::vector<std::string>> facts = {
        {"status", store::runStatusName(run.status)},
        {"units", (done ? std::to_string(done->size()) : std::string("?")) + " of " + std::to_string(run.totalUnits)},
        {"seed", std::to_string(run.seed)},
        {"device", run.device},
        {"code", run.codeVersion},
        {"created", run.createdAt},
        {"finished", run.finishedAt}};
    if (auto models = st.runModels(run.id))
      for (const auto& [role, m] : *models) facts.push_back({"model (" + role + ")", m.path + " — " + std::to_string(m.parameterCount) + " parameters"});
    if (!run.error.empty()) facts.push_back({"error", run.error});
    w.table({"", ""}, facts);
    w.raw("<details><summary>Parameters (the spec as run)</summary><pre>" + escapeXml(run.spec.dump(2)) + "</pre></details>\n");
    if (run.kind == "generate") {
      samplingSection(w, st, run, rp);
      if (run.spec.contains("verifier")) verifierSection(w, st, run, rp);
    } else if (run.kind == "search") {
      searchSection(w, st, run);
    } else if (run.kind == "oracle") {
      oracleSection(w, st, run);
    } else {
      trainingSection(w, st, run);
    }
  }
  // Across runs: the compute-optimal frontier of the smallest model's sampling run with the search
  // runs, and the exchange against a larger model's sampling run (search::comparisonRuns).
  auto roles = search::comparisonRuns(st, rp.runs);
  if (!roles) return makeError(roles.error().code, "report: " + roles.error().message);
  if (!roles->baseline || (roles->searches.empty() && !roles->larger)) return doc;
  // Best-of-N of the baseline at every budget asked for that its pool holds (larger ones give no
  // arm); one frontier for both sections.
  search::ComputeOptimalOptions opt;
  opt.budgets = rp.budgets;
  const auto co = search::computeOptimalFromRuns(st, roles->baseline, roles->searches, opt);
  if (!roles->searches.empty()) compareSection(w, co);
  if (roles->larger) exchangeSection(w, st, *roles, co);
  return doc;
}

}  // namespace lens::report
