// SPDX-License-Identifier: GPL-3.0-or-later
// Experiment reports: the SVG chart maps data to the plot area and escapes text; base64 against
// RFC 4648's examples; a report of real runs (sampling and search with the shipped models) has
// each run's parameters, its tables and charts, the compute-optimal section, and no dangling chart
// references once standalone; an oracle run's section has every policy's loss interval, the paired
// differences and a chart with bands; with a larger model's sampling run, the exchange section
// (which run is the baseline goes by model size, not by the order given).
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/test_helpers.h"
#include "core/common/file_names.h"
#include "core/jobs/runner.h"
#include "core/report/report.h"
#include "core/report/svg_chart.h"
#include "core/routing/analysis.h"
#include "core/search/run_curves.h"
#include "core/store/store.h"

using namespace lens;

class TestReport : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void base64AndEscaping() {
    QCOMPARE(report::base64(""), std::string(""));
    QCOMPARE(report::base64("f"), std::string("Zg=="));
    QCOMPARE(report::base64("fo"), std::string("Zm8="));
    QCOMPARE(report::base64("foo"), std::string("Zm9v"));
    QCOMPARE(report::base64("foobar"), std::string("Zm9vYmFy"));
    QCOMPARE(report::escapeXml("a<b & \"c\">"), std::string("a&lt;b &amp; &quot;c&quot;&gt;"));
  }

  void chartPlacesPoints() {
    report::ChartParams p;
    p.title = "t <1>";
    p.width = 640;
    p.height = 360;
    // Plot area: x 70..410, y 30..310 (the legend takes the right); 4 % / 6 % padding around the data.
    auto svg = report::lineChartSvg({{"s", {0, 10}, {0, 1}}}, p);
    QVERIFY(svg.find("<svg") == 0);
    QVERIFY(svg.find("t &lt;1&gt;") != std::string::npos);
    // x = 0 sits 4 % of the padded range from the left edge: 70 + 340 * 0.4 / 10.8.
    const double x0 = 70 + 340 * (0.4 / 10.8), x1 = 70 + 340 * (10.4 / 10.8);
    char pts[128];
    std::snprintf(pts, sizeof pts, "points=\"%.1f,%.1f %.1f,%.1f \"", x0, 30 + 280 * (1 - 0.06 / 1.12), x1, 30 + 280 * (1 - 1.06 / 1.12));
    QVERIFY2(svg.find(pts) != std::string::npos, pts);
    // A log axis leaves out x <= 0 and NaN.
    p.logX = true;
    auto logSvg = report::lineChartSvg({{"s", {-1, 10, 100, std::nan("")}, {0, 1, 2, 3}}}, p);
    int circles = 0;
    for (size_t at = logSvg.find("<circle"); at != std::string::npos; at = logSvg.find("<circle", at + 1)) ++circles;
    QCOMPARE(circles, 2);
  }

  // Intervals become a band polygon (upper ends forwards, lower ends back) drawn before the line;
  // the y range covers the band; a point alone gets an error bar; no intervals, no band.
  void chartDrawsBands() {
    report::ChartParams p;
    p.width = 640;
    p.height = 360;
    report::ChartSeries s{"s", {0, 10}, {0.5, 0.5}, {0, 0.25}, {1, 0.75}};
    auto svg = report::lineChartSvg({s}, p);
    // y range 0..1 padded by 6 %: y maps to 30 + 280 * (1 - (y + 0.06) / 1.12).
    auto Y = [](double y) { return 30 + 280 * (1 - (y + 0.06) / 1.12); };
    const double x0 = 70 + 340 * (0.4 / 10.8), x1 = 70 + 340 * (10.4 / 10.8);
    char poly[200];
    std::snprintf(poly, sizeof poly, "points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f \"", x0, Y(1), x1, Y(0.75), x1, Y(0.25), x0, Y(0));
    const size_t band = svg.find("<polygon class=\"band\"");
    QVERIFY(band != std::string::npos);
    QVERIFY2(svg.find(poly, band) != std::string::npos, poly);
    QVERIFY(band < svg.find("<polyline"));
    s.low[1] = std::nan("");
    auto lone = report::lineChartSvg({s}, p);
    QVERIFY(lone.find("<polygon") == std::string::npos);
    QVERIFY(lone.find("<line class=\"band\"") != std::string::npos);
    auto bare = report::lineChartSvg({{"s", {0, 10}, {0.5, 0.5}}}, p);
    QVERIFY(bare.find("class=\"band\"") == std::string::npos);
  }

  void reportOfRealRuns() {
    QTemporaryDir dir;
    const std::string db = dir.filePath("r.db").toStdString();
    const std::string model = std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small";
    const std::string prm = std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm";
    jobs::RunParams rp;
    rp.dbPath = db;
    nlohmann::json gen = {{"kind", "generate"}, {"name", "pool"}, {"model", model}, {"verifier", {{"model", prm}}}, {"samples", 4}, {"seed", 1},
                          {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", 6}}}, {"device", {{"device", "cpu"}}}};
    auto g = jobs::startRun(gen, rp);
    LENS_VERIFY_OK(g);
    nlohmann::json srch = {{"kind", "search"}, {"model", model}, {"verifier", {{"model", prm}}}, {"strategy", "beam"}, {"n", 4}, {"width", 2},
                           {"seed", 1}, {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", 6}}}, {"device", {{"device", "cpu"}}}};
    auto s = jobs::startRun(srch, rp);
    LENS_VERIFY_OK(s);
    auto st = store::Store::open(db);
    LENS_VERIFY_OK(st);
    report::ReportParams p;
    p.runs = {g->run.id, s->run.id};
    p.budgets = {1, 2, 4};
    p.title = "Test & report";
    auto doc = report::buildReport(**st, p);
    LENS_VERIFY_OK(doc);
    const std::string& b = doc->body;
    QVERIFY(b.find("<h1>Test &amp; report</h1>") != std::string::npos);
    QVERIFY(b.find("Run 1: pool (generate)") != std::string::npos);
    QVERIFY(b.find("Run 2") != std::string::npos && b.find("(search)") != std::string::npos);
    QVERIFY(b.find("&quot;samples&quot;: 4") != std::string::npos);  // the spec as run
    QVERIFY(b.find("majority voting") != std::string::npos && b.find("weighted best-of-N") != std::string::npos);
    QVERIFY(b.find("Compute-optimal scaling") != std::string::npos);
    QVERIFY(b.find("Verifier: right against wrong samples") != std::string::npos);
    QVERIFY(b.find("within problem") != std::string::npos && b.find("weighted − majority") != std::string::npos);
    QVERIFY(b.find("own likelihood") != std::string::npos);
    QVERIFY(b.find("beam M=2") != std::string::npos);
    QCOMPARE(doc->charts.size(), size_t{3});  // two accuracy charts and the frontier
    for (size_t i = 0; i < doc->charts.size(); ++i) QVERIFY(b.find("src=\"chart:" + std::to_string(i) + "\"") != std::string::npos);
    const std::string html = doc->standaloneHtml();
    QVERIFY(html.find("chart:") == std::string::npos);
    QVERIFY(html.find("data:image/svg+xml;base64," + report::base64(doc->charts[0])) != std::string::npos);
    p.runs = {99};
    auto bad = report::buildReport(**st, p);
    QVERIFY(!bad.ok() && bad.error().message.find("run 99") != std::string::npos);
  }

  // Two sampling runs of models of different sizes: the smaller one is the baseline whatever the
  // order given, the larger one's pass@1 is compared with it in an exchange section whose table
  // shows the analysis's paired differences; a sampling run without a verifier gets its curves and
  // no training section.
  void reportWithALargerModel() {
    QTemporaryDir dir;
    const std::string db = dir.filePath("x.db").toStdString();
    const std::string models = std::string(LENS_SOURCE_DIR) + "/resources/models/";
    jobs::RunParams rp;
    rp.dbPath = db;
    const nlohmann::json data = {{"path", "builtin:arith"}, {"split", "test"}, {"limit", 8}};
    nlohmann::json small = {{"kind", "generate"}, {"name", "tiny pool"}, {"model", models + "arith-tiny"}, {"verifier", {{"model", models + "arith-prm"}}},
                            {"samples", 4}, {"seed", 1}, {"dataset", data}, {"device", {{"device", "cpu"}}}};
    nlohmann::json large = {{"kind", "generate"}, {"name", "large pass@1"}, {"model", models + "arith-duo-small"}, {"samples", 2}, {"seed", 1},
                            {"dataset", data}, {"device", {{"device", "cpu"}}}};
    auto l = jobs::startRun(large, rp);
    LENS_VERIFY_OK(l);
    auto s = jobs::startRun(small, rp);
    LENS_VERIFY_OK(s);
    auto st = store::Store::open(db);
    LENS_VERIFY_OK(st);
    auto roles = search::comparisonRuns(**st, {l->run.id, s->run.id});
    LENS_VERIFY_OK(roles);
    QCOMPARE(roles->baseline, s->run.id);
    QCOMPARE(roles->larger, l->run.id);
    QVERIFY(roles->searches.empty());
    report::ReportParams p;
    p.runs = {l->run.id, s->run.id};
    p.budgets = {1, 2, 4, 8};
    auto doc = report::buildReport(**st, p);
    LENS_VERIFY_OK(doc);
    const std::string& b = doc->body;
    QVERIFY(b.find("Exchange: test-time compute against a larger model") != std::string::npos);
    // arith-duo-small's all-big route has 1,209,920 parameters, arith-tiny 110,976.
    QVERIFY(b.find("Run " + std::to_string(l->run.id) + "'s model is 10.90× larger than run " + std::to_string(s->run.id)) != std::string::npos);
    // The exchange's assumption, read from the models' manifests: arith-tiny read 2,500 x 128
    // examples, arith-duo-small 4,000 x 128.
    QVERIFY(b.find("the small one read 320,000 training examples and the large one 512,000 (38 % apart)") != std::string::npos);
    QVERIFY(b.find("Compute-optimal scaling") == std::string::npos);  // no search run
    QVERIFY(b.find("No training metrics recorded.") == std::string::npos);
    // A budget beyond the pool of 4 gives no best-of-N arm (the report asks for 8 below).
    search::ComputeOptimalOptions opt;
    opt.budgets = {1, 2, 4, 8};
    auto co = search::computeOptimalFromRuns(**st, s->run.id, {}, opt);
    LENS_VERIFY_OK(co);
    QCOMPARE(co->budgets, std::vector<int>({1, 2, 4}));
    QCOMPARE(co->arms.size(), size_t{3});
    QCOMPARE(co->problemKeys.size(), size_t{8});
    search::ComputeOptimalOptions beyond;
    beyond.budgets = {8, 16};
    auto none = search::computeOptimalFromRuns(**st, s->run.id, {}, beyond);
    QVERIFY(!none.ok() && none.error().message.find("fewer samples per problem than every budget asked for (smallest: 8)") != std::string::npos);
    auto keyless = *co;
    keyless.problemKeys.clear();
    auto noKeys = search::exchangeFromRuns(**st, s->run.id, keyless, l->run.id, {1.0});
    QVERIFY(!noKeys.ok() && noKeys.error().message.find("no problem keys") != std::string::npos);
    auto ex = search::exchangeFromRuns(**st, s->run.id, *co, l->run.id, {0.1, 1.0, 10.0});
    LENS_VERIFY_OK(ex);
    QCOMPARE(ex->rows.size(), size_t{3});
    for (const auto& r : ex->rows) {
      const auto& d = r.smallMinusLarge;
      QCOMPARE(d.problems, 8);
      QVERIFY(std::abs(d.difference - (r.smallAccuracy - r.largeAccuracy)) < 1e-9);
      char cell[96];
      std::snprintf(cell, sizeof cell, "<td>%+.1f [%+.1f, %+.1f]</td>", 100 * d.difference, 100 * d.low, 100 * d.high);
      QVERIFY2(b.find(cell) != std::string::npos, cell);
    }
    // One model only: no exchange.
    p.runs = {s->run.id};
    auto one = report::buildReport(**st, p);
    LENS_VERIFY_OK(one);
    QVERIFY(one->body.find("Exchange:") == std::string::npos);
  }

  // An oracle run's section: every policy's loss with its 95 % interval over sequences (holding the
  // loss), the paired differences (the oracle at k = 4 is below all-big on every token, so its whole
  // interval is <= 0), and the perplexity chart with the intervals as bands.
  void reportOfAnOracleRun() {
    QTemporaryDir dir;
    const std::string db = dir.filePath("o.db").toStdString();
    const std::string model = std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small";
    jobs::RunParams rp;
    rp.dbPath = db;
    nlohmann::json spec = {{"kind", "oracle"}, {"name", "oracle"}, {"model", model}, {"budgets", "k=1,4"}, {"random_routings", 5},
                           {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", 3}}}, {"device", {{"device", "cpu"}}}};
    auto o = jobs::startRun(spec, rp);
    LENS_VERIFY_OK(o);
    auto st = store::Store::open(db);
    LENS_VERIFY_OK(st);
    auto rep = routing::routingReport(**st, o->run, 10);
    LENS_VERIFY_OK(rep);
    report::ReportParams p;
    p.runs = {o->run.id};
    auto doc = report::buildReport(**st, p);
    LENS_VERIFY_OK(doc);
    const std::string& b = doc->body;
    QVERIFY(b.find("Perplexity vs compute by routing policy (3 sequences") != std::string::npos);
    QVERIFY(b.find("95 % interval over sequences") != std::string::npos);
    // Each policy's row: its loss, then its interval, which holds it.
    int rows = 0;
    for (const auto& pnt : rep->points) {
      QVERIFY(!std::isnan(pnt.lossCiLow) && pnt.lossCiLow <= pnt.meanLoss && pnt.meanLoss <= pnt.lossCiHigh);
      char cell[160];
      std::snprintf(cell, sizeof cell, "<td>%.4f</td><td>[%.4f, %.4f]</td>", pnt.meanLoss, pnt.lossCiLow, pnt.lossCiHigh);
      QVERIFY2(b.find(cell) != std::string::npos, cell);
      ++rows;
    }
    QVERIFY(rows >= 6);  // oracle at 2 budgets, random, best of random, 3 fixed routes
    QVERIFY(b.find("Paired differences in loss") != std::string::npos);
    const auto d = std::find_if(rep->differences.begin(), rep->differences.end(),
                                [](const auto& d) { return d.a == "oracle k=4" && d.b == "all-big"; });
    QVERIFY(d != rep->differences.end());
    QVERIFY(d->difference < 0 && d->ciHigh <= 0);
    char diff[200];
    std::snprintf(diff, sizeof diff, "<td>oracle k=4</td><td>all-big</td><td>%+.4f</td><td>[%.4f, %.4f]</td>", d->difference, d->ciLow, d->ciHigh);
    QVERIFY2(b.find(diff) != std::string::npos, diff);
    QCOMPARE(doc->charts.size(), size_t{1});
    QVERIFY(doc->charts[0].find("class=\"band\"") != std::string::npos);
  }

  // Names from runs and models become file names that cannot leave the chosen folder.
  void fileNamesFromRunNamesStayInTheFolder() {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"../../etc/passwd", "etc-passwd"},
        {"/abs/path", "abs-path"},
        {"..", "run"},
        {".", "run"},
        {"", "run"},
        {"a\\b:c*d?e\"f<g>h|i", "a-b-c-d-e-f-g-h-i"},
        {std::string("nul\0byte\n\t", 11), "nul-byte"},
        {".hidden", "hidden"},
        {"<script>alert(1)</script>", "script-alert-1-script"},
        {"'; DROP TABLE runs; --", "DROP-TABLE-runs"},
        {"best-of-64 v1.2_final", "best-of-64-v1.2_final"},
        {"\xe6\x97\xa5\xe6\x9c\xac run", "run"},
    };
    for (const auto& [in, want] : cases)
      QVERIFY2(safeFileStem(in) == want, (in + " -> " + safeFileStem(in)).c_str());
    QCOMPARE(safeFileStem(std::string(500, 'x')).size(), size_t{80});
    QCOMPARE(safeFileStem("///", 80, "oracle"), std::string("oracle"));
    for (const std::string& bad : std::vector<std::string>{"..", ".", "", "a/b", "../x", "a\\b", std::string("a\0b", 3)}) {
      auto r = fileInFolder("/tmp/out", bad);
      QVERIFY2(!r, bad.c_str());
      QVERIFY(r.error().message.find("/tmp/out") != std::string::npos);
    }
    auto ok = fileInFolder("/tmp/out", "1-" + safeFileStem("../../x") + ".html");
    LENS_VERIFY_OK(ok);
    QCOMPARE(*ok, std::string("/tmp/out/1-x.html"));
  }

  // Hostile text: a run named with markup and SQL is stored and read back exactly as given (every
  // statement binds its values), the runs table survives, and the report shows the name as text.
  void hostileNamesAreDataNotCodeOrMarkup() {
    QTemporaryDir dir;
    const std::string db = dir.filePath("h.db").toStdString();
    const std::string name = "<script>alert(1)</script> '; DROP TABLE runs; -- \"quoted\" & more";
    jobs::RunParams rp;
    rp.dbPath = db;
    nlohmann::json gen = {{"kind", "generate"}, {"name", name}, {"model", std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small"},
                          {"prompts", {"<b>2+2</b>=", "'); DELETE FROM units; --"}}, {"samples", 1}, {"seed", 1},
                          {"sampling", {{"max_new_tokens", 4}}}, {"device", {{"device", "cpu"}}}};
    auto g = jobs::startRun(gen, rp);
    LENS_VERIFY_OK(g);
    auto st = store::Store::open(db);
    LENS_VERIFY_OK(st);
    auto runs = (*st)->runs();
    LENS_VERIFY_OK(runs);
    QCOMPARE(runs->size(), size_t{1});
    QCOMPARE(runs->front().name, name);
    auto units = (*st)->unitIndexes(g->run.id);
    LENS_VERIFY_OK(units);
    QCOMPARE(units->size(), size_t{2});
    report::ReportParams p;
    p.runs = {g->run.id};
    p.title = name;
    auto doc = report::buildReport(**st, p);
    LENS_VERIFY_OK(doc);
    const std::string html = doc->standaloneHtml();
    QVERIFY(html.find("<script") == std::string::npos);
    QVERIFY(html.find("<b>2+2") == std::string::npos);
    QVERIFY(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &#39;; DROP TABLE runs; --") != std::string::npos ||
            html.find("&lt;script&gt;alert(1)&lt;/script&gt; '; DROP TABLE runs; --") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestReport)
#include "test_report.moc"
