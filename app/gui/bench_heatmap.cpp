// SPDX-License-Identifier: GPL-3.0-or-later
// computelens-bench-heatmap: the workbench's responsiveness, measured (the GUI part of
// `computelens-cli bench all`). Writes one JSON object:
//   - the whole-run heatmap of 1,000,000 tokens × 32 layers: time to first render (data handed to
//     the view, to the plot painted) and time per pan and per zoom replot at three zoom levels,
//     against QCustomPlot's own QCPColorMap on the same data in the same run (the ratio);
//   - a database with those tokens as an oracle run: reading them on the worker pool, and the
//     longest the GUI thread went without running its event loop meanwhile;
//   - application start to a usable window: `computelens --quit-when-ready` launched as a process.
// Timings are medians of several repeats after a warm-up.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFutureWatcher>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>
#include <QtConcurrent>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/bench/bench.h"
#include "core/routing/analysis.h"
#include "core/store/store.h"
#include "views/category_map.h"
#include "views/plot_widget.h"
#include "views/run_heatmap_view.h"

using json = nlohmann::json;
using lens::views::RunHeatmapData;
using lens::views::RunHeatmapView;

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}
double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Routes with the texture of real ones: a token's difficulty drifts along the text, harder tokens
// take more big modules, and late layers are used more than early ones.
struct Synthetic {
  std::vector<uint8_t> routes;  // [row][layer]
  std::vector<float> gain;
  std::vector<int32_t> tokens;
};
Synthetic synthesise(int64_t rows, int layers) {
  Synthetic s;
  s.routes.resize(static_cast<size_t>(rows) * layers);
  s.gain.resize(static_cast<size_t>(rows));
  s.tokens.resize(static_cast<size_t>(rows));
  uint64_t st = 7;
  for (int64_t r = 0; r < rows; ++r) {
    const double hard = 0.5 + 0.4 * std::sin(static_cast<double>(r) / 900.0) * std::sin(static_cast<double>(r) / 37.0);
    s.gain[static_cast<size_t>(r)] = static_cast<float>(hard * 2.0);
    s.tokens[static_cast<size_t>(r)] = static_cast<int32_t>(splitmix(st) % 97);
    for (int l = 0; l < layers; ++l) {
      const double u = static_cast<double>(splitmix(st) >> 11) / 9007199254740992.0;
      const double pBig = hard * (0.5 + 0.5 * l / std::max(1, layers - 1)), pSmall = 0.3;
      s.routes[static_cast<size_t>(r) * layers + l] = u < pBig ? 2 : (u < pBig + pSmall ? 1 : 0);
    }
  }
  return s;
}

std::shared_ptr<RunHeatmapData> heatmapData(const Synthetic& s, int layers, int sequenceLength) {
  auto d = std::make_shared<RunHeatmapData>();
  d->title = "bench";
  d->routeSet = "k=16";
  d->layers = layers;
  d->cells = std::make_shared<const std::vector<uint8_t>>(s.routes);
  d->gain = s.gain;
  d->tokens = s.tokens;
  for (int64_t r = 0; r < static_cast<int64_t>(s.gain.size()); r += sequenceLength) {
    d->units.push_back(static_cast<int64_t>(d->units.size()));
    d->firstRow.push_back(r);
    d->firstPosition.push_back(8);
  }
  for (int i = 0; i < 97; ++i) d->vocabulary << QStringLiteral("t%1").arg(i);
  return d;
}

// Pan and zoom replots of a plot at a visible width of `span` rows, each drawn at once (no queue).
json panZoom(QCustomPlot* plot, int64_t rows, double span, int repeats) {
  std::vector<double> pan, zoom;
  const double centre = static_cast<double>(rows) / 2.0;
  plot->xAxis->setRange(centre - span / 2, centre + span / 2);
  plot->replot(QCustomPlot::rpImmediateRefresh);
  for (int i = 0; i < repeats + 1; ++i) {
    const QCPRange r = plot->xAxis->range();
    const double step = (i % 2 ? -0.05 : 0.05) * r.size();  // back and forth: stays inside the data
    const auto t0 = Clock::now();
    plot->xAxis->setRange(r.lower + step, r.upper + step);
    plot->replot(QCustomPlot::rpImmediateRefresh);
    if (i > 0) pan.push_back(since(t0));
  }
  for (int i = 0; i < repeats + 1; ++i) {
    const double f = i % 2 ? 1.0 / 0.85 : 0.85;  // in and out again
    const auto t0 = Clock::now();
    plot->xAxis->scaleRange(f, plot->xAxis->range().center());
    plot->replot(QCustomPlot::rpImmediateRefresh);
    if (i > 0) zoom.push_back(since(t0));
  }
  return {{"visible_rows", span},
          {"pan_ms_median", median(pan) * 1e3},
          {"pan_ms_p95", percentile(pan, 0.95) * 1e3},
          {"zoom_ms_median", median(zoom) * 1e3},
          {"zoom_ms_p95", percentile(zoom, 0.95) * 1e3}};
}

// QCPColorMap with the same cells (the straightforward way): first render and one pan.
json colorMapBaseline(const Synthetic& s, int64_t rows, int layers, int repeats) {
  std::vector<double> first, pan;
  for (int i = 0; i < repeats; ++i) {
    QCustomPlot plot;
    plot.resize(1280, 400);
    plot.show();
    auto* map = new QCPColorMap(plot.xAxis, plot.yAxis);
    map->setInterpolate(false);
    map->setDataRange(QCPRange(0, 2));
    const auto t0 = Clock::now();
    map->data()->setSize(static_cast<int>(rows), layers);
    map->data()->setRange(QCPRange(0, static_cast<double>(rows - 1)), QCPRange(0, layers - 1));
    for (int64_t r = 0; r < rows; ++r)
      for (int l = 0; l < layers; ++l) map->data()->setCell(static_cast<int>(r), l, s.routes[static_cast<size_t>(r) * layers + l]);
    plot.xAxis->setRange(-0.5, static_cast<double>(rows) - 0.5);
    plot.yAxis->setRange(-0.5, layers - 0.5);
    plot.replot(QCustomPlot::rpImmediateRefresh);
    QApplication::processEvents();
    first.push_back(since(t0));
    const auto t1 = Clock::now();
    plot.xAxis->moveRange(static_cast<double>(rows) * 0.01);
    plot.replot(QCustomPlot::rpImmediateRefresh);
    pan.push_back(since(t1));
  }
  // It keeps a double per cell and an ARGB image of every cell, and scales that image on each
  // replot: one cell in rows / pixels is shown where the view is zoomed out, the rest never.
  return {{"first_render_s_median", median(first)},
          {"pan_ms_median", median(pan) * 1e3},
          {"repeats", repeats},
          {"data_bytes", rows * layers * 8},
          {"image_bytes", rows * layers * 4}};
}

// An oracle run of `rows` tokens in sequences of `sequenceLength`, written to `path`.
lens::Result<int64_t> writeOracleRun(const std::string& path, const Synthetic& s, int layers, int sequenceLength) {
  auto st = lens::store::Store::open(path);
  if (!st) return st.error();
  const int64_t rows = static_cast<int64_t>(s.gain.size());
  const int64_t sequences = (rows + sequenceLength - 1) / sequenceLength;
  lens::store::NewRun nr;
  nr.kind = "oracle";
  nr.name = "bench-heatmap";
  nr.spec = json{{"budgets", "k=4,16"}};
  nr.totalUnits = sequences;
  auto run = (*st)->createRun(nr);
  if (!run) return run.error();
  std::vector<lens::store::UnitResult> batch;
  for (int64_t q = 0; q < sequences; ++q) {
    const int64_t r0 = q * sequenceLength, n = std::min<int64_t>(sequenceLength, rows - r0);
    lens::store::UnitResult u;
    u.index = q;
    u.key = "seq-" + std::to_string(q);
    lens::store::RoutingSequence seq;
    seq.layerCount = layers;
    seq.budgets = {4, 16};
    seq.tokenIds.assign(s.tokens.begin() + r0, s.tokens.begin() + r0 + n);
    seq.tokenIds.push_back(0);  // the last token is only predicted
    for (int64_t t = 0; t < n; ++t)
      for (int b = 0; b < 2; ++b) {
        const uint8_t* r = &s.routes[static_cast<size_t>(r0 + t) * layers];
        seq.routes.insert(seq.routes.end(), r, r + layers);
        seq.losses.push_back(2.0f - s.gain[static_cast<size_t>(r0 + t)] * (b + 1) / 2.0f);
      }
    for (int64_t t = 0; t < n; ++t) seq.fixedLosses.insert(seq.fixedLosses.end(), {2.0f, 1.5f, 1.0f});
    u.routing.push_back(std::move(seq));
    batch.push_back(std::move(u));
    if (batch.size() == 64 || q + 1 == sequences) {
      auto c = (*st)->commitUnits(run->id, batch);
      if (!c) return c.error();
      batch.clear();
    }
  }
  return run->id;
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
    qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QCommandLineParser parser;
  parser.setApplicationDescription("ComputeLens heatmap and start-up benchmark (JSON on standard output)");
  parser.addHelpOption();
  QCommandLineOption tokensOpt("tokens", "tokens in the heatmap", "n", "1000000");
  QCommandLineOption layersOpt("layers", "layers", "n", "32");
  QCommandLineOption repeatsOpt("repeats", "repeats per timing (after a warm-up)", "n", "5");
  QCommandLineOption outOpt("out", "also write the JSON here", "path");
  QCommandLineOption guiOpt("gui", "the workbench executable for the start-up timing (default: beside this program)", "path");
  QCommandLineOption noBaseline("no-baseline", "skip the QCPColorMap comparison");
  parser.addOptions({tokensOpt, layersOpt, repeatsOpt, outOpt, guiOpt, noBaseline});
  parser.process(app);
  const int64_t rows = std::max<qint64>(1000, parser.value(tokensOpt).toLongLong());
  const int layers = std::clamp(parser.value(layersOpt).toInt(), 1, 256);
  const int repeats = std::max(1, parser.value(repeatsOpt).toInt());
  const int sequenceLength = 1000;

  json out = {{"benchmark", "heatmap"}, {"tokens", rows}, {"layers", layers}, {"repeats", repeats}};
  out["machine"] = lens::bench::machineDescription(lens::model::DeviceParams{});
  out["platform"] = QApplication::platformName().toStdString();
  std::fprintf(stderr, "bench heatmap: %lld tokens x %d layers\n", static_cast<long long>(rows), layers);
  const Synthetic s = synthesise(rows, layers);

  // 1. Time to first render: a shown view gets the data, builds its pyramid and paints.
  std::vector<double> first, table;
  std::unique_ptr<RunHeatmapView> view;
  size_t pyramidBytes = 0;
  for (int i = 0; i < repeats + 1; ++i) {
    auto d = heatmapData(s, layers, sequenceLength);
    const auto tTable = Clock::now();
    d->computeByToken();  // done by the loader on the worker pool; timed for the record
    table.push_back(since(tTable));
    view = std::make_unique<RunHeatmapView>();
    view->resize(1280, 800);
    view->show();
    QApplication::processEvents();
    const auto t0 = Clock::now();
    view->setData(d);
    view->heatmap()->replot(QCustomPlot::rpImmediateRefresh);
    QApplication::processEvents();
    if (i > 0) first.push_back(since(t0));
    pyramidBytes = view->map()->pyramidBytes();
  }
  out["first_render_s_median"] = median(first);
  out["by_token_table_s_median"] = median(table);
  out["cells_bytes"] = static_cast<int64_t>(rows) * layers;
  out["pyramid_bytes"] = pyramidBytes;
  out["plot_pixels"] = {view->heatmap()->axisRect()->width(), view->heatmap()->axisRect()->height()};
  std::fprintf(stderr, "  first render %.3f s\n", median(first));

  // 2. Pan and zoom at the whole run, 20,000 tokens and 500 tokens on screen.
  json levels = json::array();
  for (double span : {static_cast<double>(rows), 20000.0, 500.0}) levels.push_back(panZoom(view->heatmap(), rows, std::min<double>(span, rows), 10 * repeats));
  out["pan_zoom"] = levels;
  double worst = 0;
  for (const auto& l : levels) worst = std::max({worst, l["pan_ms_median"].get<double>(), l["zoom_ms_median"].get<double>()});
  out["replot_ms_median_worst"] = worst;
  std::fprintf(stderr, "  replot (worst median) %.2f ms\n", worst);
  view.reset();

  // 3. The same cells in a QCPColorMap.
  if (!parser.isSet(noBaseline)) {
    const json base = colorMapBaseline(s, rows, layers, std::min(repeats, 3));
    out["qcpcolormap"] = base;
    out["first_render_speedup_vs_qcpcolormap"] = base["first_render_s_median"].get<double>() / std::max(1e-9, out["first_render_s_median"].get<double>());
    out["pan_speedup_vs_qcpcolormap"] = base["pan_ms_median"].get<double>() / std::max(1e-6, levels[0]["pan_ms_median"].get<double>());
    std::fprintf(stderr, "  QCPColorMap first render %.3f s\n", base["first_render_s_median"].get<double>());
  }

  // 4. Reading the run from a database on the worker pool while the GUI thread keeps ticking.
  {
    QTemporaryDir dir;
    const std::string db = QDir(dir.path()).filePath("heatmap.db").toStdString();
    const auto tw = Clock::now();
    auto run = writeOracleRun(db, s, layers, sequenceLength);
    if (!run) {
      std::fprintf(stderr, "bench heatmap: %s\n", run.error().describe().c_str());
      return 1;
    }
    out["database_write_s"] = since(tw);
    std::vector<double> loads, gaps;
    std::atomic<int64_t> rowsRead{0};
    for (int i = 0; i < std::min(repeats, 3); ++i) {
      QElapsedTimer tick;
      double maxGap = 0;
      QTimer timer;
      timer.setInterval(1);
      QObject::connect(&timer, &QTimer::timeout, [&] {
        maxGap = std::max(maxGap, tick.nsecsElapsed() / 1e6);
        tick.restart();
      });
      QFutureWatcher<bool> watcher;
      QEventLoop loop;
      QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
      const auto t0 = Clock::now();
      tick.start();
      timer.start();
      watcher.setFuture(QtConcurrent::run([&db, &rowsRead, id = *run, layers] {
        lens::store::StoreParams sp;
        sp.readOnly = true;
        auto st = lens::store::Store::open(db, sp);
        if (!st) return false;
        auto rr = lens::routing::runRoutes(**st, id, 1);
        if (!rr || rr->layers != layers) return false;
        RunHeatmapData d;
        d.layers = rr->layers;
        d.gain = std::move(rr->gain);
        d.tokens = std::move(rr->tokens);
        d.cells = std::make_shared<const std::vector<uint8_t>>(std::move(rr->routes));
        d.computeByToken();
        rowsRead = d.rows();
        return true;
      }));
      loop.exec();
      timer.stop();
      loads.push_back(since(t0));
      gaps.push_back(maxGap);
      if (!watcher.result()) {
        std::fprintf(stderr, "bench heatmap: reading the run back failed\n");
        return 1;
      }
    }
    std::error_code ec;
    if (rowsRead.load() != rows) {
      std::fprintf(stderr, "bench heatmap: read %lld rows back, wrote %lld\n", static_cast<long long>(rowsRead.load()), static_cast<long long>(rows));
      return 1;
    }
    out["database"] = {{"bytes", std::filesystem::file_size(db, ec)},
                       {"rows_read", rowsRead.load()},
                       {"load_s_median", median(loads)},
                       {"gui_thread_longest_gap_ms", *std::max_element(gaps.begin(), gaps.end())}};
    std::fprintf(stderr, "  database load %.2f s, longest GUI gap %.1f ms\n", median(loads), *std::max_element(gaps.begin(), gaps.end()));
  }

  // 5. Start-up: process start to the window shown with the event loop running, then it quits.
  const QString gui = parser.isSet(guiOpt) ? parser.value(guiOpt) : QDir(QCoreApplication::applicationDirPath()).filePath("computelens");
  if (QFile::exists(gui)) {
    QTemporaryDir home;
    std::vector<double> starts;
    bool ok = true;
    for (int i = 0; i < repeats + 1 && ok; ++i) {
      QProcess p;
      QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
      env.insert("QT_QPA_PLATFORM", QApplication::platformName() == "offscreen" ? "offscreen" : env.value("QT_QPA_PLATFORM"));
      env.insert("XDG_CONFIG_HOME", home.path());  // no saved settings, no database to open
      env.insert("XDG_DATA_HOME", home.path());
      p.setProcessEnvironment(env);
      const auto t0 = Clock::now();
      p.start(gui, {"--quit-when-ready"});
      ok = p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
      if (i > 0) starts.push_back(since(t0));
    }
    if (ok) out["startup_s_median"] = median(starts);
    else out["startup_error"] = "the workbench did not start and quit cleanly";
    if (ok) std::fprintf(stderr, "  start-up %.3f s\n", median(starts));
  } else {
    out["startup_error"] = "no workbench at " + gui.toStdString();
  }
  out["goal"] = {{"first_render_s_below", 1.0}, {"replot_ms_below", 16.0}, {"startup_s_below", 1.0}};

  const std::string text = out.dump(2);
  std::printf("%s\n", text.c_str());
  if (parser.isSet(outOpt)) {
    QFile f(parser.value(outOpt));
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(QByteArray::fromStdString(text + "\n")) < 0) {
      std::fprintf(stderr, "bench heatmap: cannot write %s\n", qPrintable(parser.value(outOpt)));
      return 1;
    }
  }
  return 0;
}
