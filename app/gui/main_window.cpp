// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/gui/main_window.h"

#include <QAbstractButton>
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHash>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QtConcurrent>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <optional>

#include "app/gui/demo.h"
#include "app/gui/experiments_view.h"
#include "app/gui/i18n.h"
#include "app/gui/job_dialog.h"
#include "app/gui/job_queue.h"
#include "app/gui/settings_dialog.h"
#include "core/common/version.h"
#include "core/model/device.h"
#include "core/report/report.h"
#include "core/routing/analysis.h"
#include "core/routing/oracle.h"
#include "core/search/exchange.h"
#include "core/store/store.h"
#include "core/text/tokenizer.h"
#include "views/data_view.h"
#include "views/model_summary_view.h"
#include "views/report_export.h"
#include "views/routing_view.h"
#include "views/run_heatmap_view.h"
#include "views/runs_view.h"
#include "views/search_view.h"
#include "views/tradeoff_view.h"

namespace lens::app {

// What a comparison of runs shows: the compute-optimal report and, with a larger model's sampling
// run among them, the exchange analysis.
struct Comparison {
  search::ComputeOptimalReport optimal;
  std::optional<search::ExchangeReport> exchange;
  int64_t largeRun = 0;
  double largeFlops = 0, largeAccuracy = 0;  // its pass@1 point
};

namespace {
Result<std::shared_ptr<const views::RunHeatmapData>> loadRunRoutes(const std::string& db, int64_t runId, int routeSet, QString label);

// The compute-optimal report of the runs and, with a larger model's sampling run among them, the
// exchange analysis (which run is which: search::comparisonRuns). Runs on a worker.
Result<std::shared_ptr<const Comparison>> compareRuns(const std::string& db, const QList<qint64>& runIds) {
  store::StoreParams sp;
  sp.readOnly = true;
  auto st = store::Store::open(db, sp);
  if (!st) return st.error();
  auto roles = search::comparisonRuns(**st, std::vector<int64_t>(runIds.begin(), runIds.end()));
  if (!roles) return roles.error();
  if (!roles->baseline) return makeError(ErrorCode::InvalidInput, "compare: select a sampling (generate) run as the best-of-N baseline, with search runs");
  search::ComputeOptimalOptions opt;
  auto co = search::computeOptimalFromRuns(**st, roles->baseline, roles->searches, opt);
  if (!co) return co.error();
  auto out = std::make_shared<Comparison>();
  out->optimal = std::move(*co);
  if (roles->larger) {
    const int64_t large = roles->larger;
    auto ex = search::exchangeFromRuns(**st, roles->baseline, out->optimal, large, search::kDefaultExchangeRatios);
    if (!ex) return ex.error();
    auto curve = search::computeRunCurves(**st, large, search::Aggregation::WeightedBestOfN, {1});
    if (!curve) return curve.error();
    for (const auto& s : curve->series)
      if (s.name == "all" && !s.points.empty()) {
        out->largeFlops = s.points.front().flopsPerProblem;
        out->largeAccuracy = s.points.front().accuracy;
      }
    out->exchange = std::move(*ex);
    out->largeRun = large;
  }
  return std::shared_ptr<const Comparison>(std::move(out));
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("ComputeLens"));
  m_tabs = new QTabWidget(this);
  m_summary = new views::ModelSummaryView(m_tabs);
  m_curves = new views::TradeoffView(m_tabs);
  m_tabs->addTab(m_summary, tr("Model"));
  m_tabs->addTab(m_curves, tr("Curves"));
  m_routing = new views::RoutingView(m_tabs);
  m_tabs->addTab(m_routing, tr("Routing"));
  m_search = new views::SearchView(m_tabs);
  m_tabs->addTab(m_search, tr("Search"));
  setCentralWidget(m_tabs);
  m_runs = new views::RunsView(this);
  auto* dock = new QDockWidget(tr("Runs"), this);
  dock->setObjectName("runsDock");
  dock->setWidget(m_runs);
  addDockWidget(Qt::LeftDockWidgetArea, dock);
  m_jobs = new JobQueue(this);
  m_experiments = new ExperimentsView(m_jobs, this);
  m_jobsDock = new QDockWidget(tr("Experiments"), this);
  m_jobsDock->setObjectName("experimentsDock");
  m_jobsDock->setWidget(m_experiments);
  // Beside the runs (a tab of the same dock area), so the views keep the window's height; it comes
  // to the front when a job is queued.
  addDockWidget(Qt::LeftDockWidgetArea, m_jobsDock);
  tabifyDockWidget(dock, m_jobsDock);
  m_data = new views::DataView(this);
  auto* dataDock = new QDockWidget(tr("Data"), this);
  dataDock->setObjectName("dataDock");
  dataDock->setWidget(m_data);
  addDockWidget(Qt::LeftDockWidgetArea, dataDock);
  tabifyDockWidget(dock, dataDock);
  m_runsDock = dock;
  m_dataDock = dataDock;
  dock->raise();
  m_jobs->prepareSpec = [](nlohmann::json& spec) { WorkbenchSettings::load().applyTo(spec); };
  connect(m_jobs, &JobQueue::changed, this, [this](int id) {
    if (const auto* e = m_jobs->entry(id); e && e->state == JobQueue::State::Queued) m_jobsDock->raise();
  });
  m_inspect = new QFutureWatcher<Result<model::ModelSummary>>(this);
  m_listRuns = new QFutureWatcher<Result<std::vector<store::RunRecord>>>(this);
  m_curveJob = new QFutureWatcher<Result<search::RunCurves>>(this);
  m_compareJob = new QFutureWatcher<Result<std::shared_ptr<const Comparison>>>(this);
  m_routingJob = new QFutureWatcher<Result<std::shared_ptr<views::RoutingViewData>>>(this);
  m_runRoutesJob = new QFutureWatcher<Result<std::shared_ptr<const views::RunHeatmapData>>>(this);
  m_reportCache = std::make_shared<RoutingReportCache>();
  m_searchJob = new QFutureWatcher<Result<std::shared_ptr<views::SearchViewData>>>(this);
  m_problemsJob = new QFutureWatcher<Result<std::shared_ptr<const mathdata::ProblemSet>>>(this);

  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open Model Folder\u2026"), this, &MainWindow::chooseModel);
  open->setShortcut(QKeySequence::Open);
  file->addAction(tr("Open &Results Database\u2026"), this, &MainWindow::chooseDatabase);
  file->addAction(tr("&Export Curves\u2026"), this, &MainWindow::exportCurves);
  QMenu* builtin = file->addMenu(tr("Open &Built-in Model"));
  for (const QString& dir : builtinModels()) builtin->addAction(QDir(dir).dirName(), this, [this, dir] { openModel(dir); });
  builtin->setEnabled(!builtin->isEmpty());
  file->addAction(tr("Open &Problems\u2026"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open problems"), QSettings().value("data/last").toString(),
                                                      tr("MATH problems (*.jsonl);;All files (*)"));
    if (!path.isEmpty()) openProblems(path);
  });
  file->addAction(tr("Export &Report\u2026"), this, &MainWindow::chooseReport);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
  quit->setShortcut(QKeySequence::Quit);
  QMenu* experiments = menuBar()->addMenu(tr("E&xperiments"));
  QAction* newExp = experiments->addAction(tr("&New Experiment\u2026"), this, &MainWindow::newExperiment);
  newExp->setShortcut(QKeySequence::New);
  experiments->addAction(tr("&Start Job from Spec\u2026"), this, &MainWindow::chooseJobSpec);
  experiments->addAction(tr("&Resume Selected Run"), this, [this] {
    const qint64 run = m_runs->currentRow() >= 0 ? m_runs->runIdAt(m_runs->currentRow()) : 0;
    if (run <= 0) {
      QMessageBox::information(this, tr("Resume"), tr("Select a run first."));
      return;
    }
    m_jobs->enqueueResume(run, tr("resume run %1").arg(run), m_dbPath);
  });
  QMenu* settings = menuBar()->addMenu(tr("&Settings"));
  settings->addAction(tr("&Preferences\u2026"), this, &MainWindow::showPreferences);
  QMenu* language = settings->addMenu(tr("&Language"));
  auto* languages = new QActionGroup(this);
  const QString current = QSettings().value("ui/language").toString();
  QAction* system = language->addAction(tr("System default"));
  system->setCheckable(true);
  system->setChecked(current.isEmpty());
  system->setData(QString());
  languages->addAction(system);
  for (const QString& code : availableLanguages()) {
    QAction* a = language->addAction(languageName(code));
    a->setCheckable(true);
    a->setChecked(code == current);
    a->setData(code);
    languages->addAction(a);
  }
  connect(languages, &QActionGroup::triggered, this, [this](QAction* a) {
    QSettings().setValue("ui/language", a->data().toString());
    statusBar()->showMessage(tr("The language changes when ComputeLens starts again."), 10000);
  });
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("Run the &Demo"), this, [this] { runDemo(); });
  help->addAction(tr("&About ComputeLens"), this, &MainWindow::showAbout);

  connect(m_inspect, &QFutureWatcherBase::finished, this, [this] {
    const auto r = m_inspect->result();
    const QString dir = m_inspect->property("dir").toString();
    if (r.ok()) {
      // Where its jobs would run with the current settings (Settings → Preferences).
      model::DeviceParams dp;
      dp.device = WorkbenchSettings::load().device.toStdString();
      auto resolved = model::resolveDevice(dp);
      m_summary->setSummary(r.value(), resolved ? QStringLiteral("%1, %2").arg(QString::fromStdString(resolved->device), QString::fromStdString(resolved->dtype))
                                                : QString::fromStdString(resolved.error().message));
      statusBar()->showMessage(tr("Loaded %1").arg(dir), 5000);
      QSettings().setValue("models/lastDir", dir);
    } else {
      m_summary->clear();
      statusBar()->showMessage(tr("Could not open %1").arg(dir));
      QMessageBox::warning(this, tr("Cannot open model"), QString::fromStdString(r.error().describe()));
    }
    Q_EMIT modelOpened(dir, r.ok());
  });
  connect(m_listRuns, &QFutureWatcherBase::finished, this, [this] {
    const auto r = m_listRuns->result();
    if (r.ok()) {
      m_runs->setRuns(r.value());
      statusBar()->showMessage(tr("%1: %2 runs").arg(m_dbPath).arg(r.value().size()), 5000);
      QSettings().setValue("store/path", m_dbPath);
    } else {
      m_runs->setRuns({});
      statusBar()->showMessage(tr("Could not open %1").arg(m_dbPath));
      QMessageBox::warning(this, tr("Cannot open database"), QString::fromStdString(r.error().describe()));
    }
    Q_EMIT databaseOpened(m_dbPath, r.ok());
  });
  connect(m_runs, &views::RunsView::runSelected, this, [this](qint64 id) { showRun(id, 0); });
  connect(m_runs, &views::RunsView::runsSelected, this, &MainWindow::showComparison);
  connect(m_compareJob, &QFutureWatcherBase::finished, this, [this] {
    const auto r = m_compareJob->result();
    if (r.ok()) {
      const auto& co = r.value()->optimal;
      QVector<views::TradeoffSeries> series;
      views::TradeoffSeries frontier;
      frontier.name = tr("compute-optimal");
      frontier.highlight = true;
      for (const auto& f : co.frontier) {
        if (std::isnan(f.computeOptimal)) continue;
        frontier.flops << f.meanFlops;
        frontier.accuracy << f.computeOptimal;
        frontier.n << f.budget;
      }
      series << frontier;
      QMap<QString, int> at;
      for (const auto& a : co.arms) {
        if (std::isnan(a.accuracy) || std::isnan(a.meanFlops)) continue;  // a budget larger than the pool
        const QString name = QString::fromStdString(a.strategy);
        if (!at.contains(name)) {
          at[name] = series.size();
          views::TradeoffSeries s;
          s.name = name;
          series << s;
        }
        auto& s = series[at[name]];
        s.flops << a.meanFlops;
        s.accuracy << a.accuracy;
        s.n << a.budget;
      }
      const Comparison& cmp = *r.value();
      if (cmp.exchange) {
        views::TradeoffSeries large;
        large.name = tr("larger model, pass@1 (run %1)").arg(cmp.largeRun);
        large.flops << cmp.largeFlops;
        large.accuracy << cmp.largeAccuracy;
        large.n << 1;
        series << large;
      }
      m_curves->setSeries(tr("Compute-optimal: %1 strategies").arg(series.size() - 1 - (cmp.exchange ? 1 : 0)), series);
      if (cmp.exchange) {
        const auto pct = [](double a) { return std::isnan(a) ? QStringLiteral("—") : QString::number(100.0 * a, 'f', 1) + " %"; };
        const auto paired = [](const search::PairedDifference& d) {
          const auto text = d.pointsText();
          return text.empty() ? QStringLiteral("—") : QStringLiteral("%1 points").arg(QString::fromStdString(text));
        };
        QVector<QStringList> rows;
        for (const auto& row : cmp.exchange->rows)
          rows << QStringList{QString::number(row.ratio, 'g', 3), QString::number(row.allowedFlops, 'e', 2), QString::number(row.multiplier, 'f', 1) + "×",
                              row.smallBudget > 0 ? QString::number(row.smallBudget) : QStringLiteral("—"), pct(row.smallAccuracy), pct(row.largeAccuracy),
                              paired(row.smallMinusLarge)};
        // The formula's assumption, checked from the models' manifests.
        const auto& ex = *cmp.exchange;
        using Pretraining = search::ExchangeReport::Pretraining;
        const QString pretraining =
            ex.pretraining() == Pretraining::NotRecorded
                ? tr("It assumes both models were pretrained on the same tokens; their training is not recorded, so that is not checked.")
            : ex.pretraining() == Pretraining::Same
                ? tr("Both models were pretrained on the same number of examples (%L1), as it assumes.").arg(ex.smallExamples)
                : tr("It assumes both models were pretrained on the same tokens; they read %L1 and %L2 training examples, so it "
                     "compares them as trained.")
                      .arg(ex.smallExamples)
                      .arg(ex.largeExamples);
        m_curves->setTable(tr("Exchange (Snell et al. §7): run %1's model is %2× larger. At equal total FLOPs (pretraining 6·N·D, inference 2·N·D), "
                              "the smaller model may spend per problem what the table shows, for R = inference tokens ÷ pretraining tokens.")
                                   .arg(cmp.largeRun)
                                   .arg(cmp.exchange->sizeRatio, 0, 'f', 2) +
                               " " + pretraining,
                           {tr("R"), tr("matched FLOPs per problem"), tr("× one small sample"), tr("small: best N that fits"), tr("small: accuracy"),
                            tr("large: pass@1"), tr("small − large, paired 95 % interval")},
                           rows);
      }
      m_tabs->setCurrentWidget(m_curves);
    } else {
      statusBar()->showMessage(QString::fromStdString(r.error().message));
    }
    Q_EMIT comparisonShown(r.ok());
  });
  connect(m_routing, &views::RoutingView::sequenceRequested, this, [this](int unit) {
    if (m_routingRun > 0) showRun(m_routingRun, unit);
  });
  connect(m_routing, &views::RoutingView::runRoutesRequested, this, [this](int routeSet) {
    if (m_routingRun <= 0) return;
    m_runRoutesJob->setProperty("run", m_routingRun);
    statusBar()->showMessage(tr("Reading every route of run %1…").arg(m_routingRun));
    m_runRoutesJob->setFuture(QtConcurrent::run([p = m_dbPath.toStdString(), run = m_routingRun, routeSet, label = m_routing->data().budgets.value(routeSet)] {
      return loadRunRoutes(p, run, routeSet, label);
    }));
  });
  connect(m_runRoutesJob, &QFutureWatcherBase::finished, this, [this] {
    const auto r = m_runRoutesJob->result();
    const qint64 runId = m_runRoutesJob->property("run").toLongLong();
    if (r.ok() && runId == m_routingRun) {
      m_routing->setRunRoutes(r.value());
      statusBar()->showMessage(tr("Run %1: %2 tokens").arg(runId).arg(r.value()->rows()), 5000);
    } else if (!r.ok()) {
      statusBar()->showMessage(QString::fromStdString(r.error().message));
    }
    Q_EMIT runRoutesShown(runId, r.ok());
  });
  connect(m_routingJob, &QFutureWatcherBase::finished, this, [this] {
    const auto r = m_routingJob->result();
    const qint64 runId = m_routingJob->property("run").toLongLong();
    if (r.ok()) {
      m_routingRun = runId;
      m_routing->setData(*r.value());
      m_tabs->setCurrentWidget(m_routing);
      statusBar()->showMessage(r.value()->title, 5000);
    } else {
      statusBar()->showMessage(QString::fromStdString(r.error().message));
    }
    Q_EMIT routingShown(runId, r.ok());
  });
  connect(m_experiments, &ExperimentsView::startRequested, this, &MainWindow::chooseJobSpec);
  connect(m_experiments, &ExperimentsView::newRequested, this, &MainWindow::newExperiment);
  connect(m_data, &views::DataView::openFileRequested, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open problems"), QSettings().value("data/last").toString(),
                                                      tr("MATH problems (*.jsonl);;All files (*)"));
    if (!path.isEmpty()) openProblems(path);
  });
  connect(m_data, &views::DataView::openFolderRequested, this, [this] {
    const QString path = QFileDialog::getExistingDirectory(this, tr("Open a MATH folder"), QSettings().value("data/last").toString());
    if (!path.isEmpty()) openProblems(path);
  });
  connect(m_data, &views::DataView::builtinRequested, this, [this] { openProblems(QStringLiteral("builtin:arith")); });
  connect(m_problemsJob, &QFutureWatcherBase::finished, this, [this] {
    const auto r = m_problemsJob->result();
    const QString path = m_problemsJob->property("path").toString();
    if (r.ok()) {
      m_data->setProblems(r.value());
      if (!path.startsWith("builtin:")) QSettings().setValue("data/last", path);
      statusBar()->showMessage(tr("%1: %2 problems").arg(path).arg(r.value()->problems.size()), 5000);
    } else {
      statusBar()->showMessage(tr("Could not open %1").arg(path));
      QMessageBox::warning(this, tr("Cannot open problems"), QString::fromStdString(r.error().describe()));
    }
    Q_EMIT problemsOpened(path, r.ok());
  });
  // A finished job's run appears in the runs list (when it went to the open database) and is shown.
  connect(m_jobs, &JobQueue::finished, this, [this](int id, bool ok, qint64 runId) {
    const auto* e = m_jobs->entry(id);
    if (!e) return;
    statusBar()->showMessage(tr("Job %1: %2").arg(e->name, JobQueue::stateName(e->state)), 10000);
    if (e->db != m_dbPath) return;
    openDatabase(m_dbPath);
    if (ok && runId > 0 && !m_quietJobs.contains(id)) showRun(runId, 0);
  });
  connect(m_search, &views::SearchView::unitRequested, this, [this](int unit) {
    if (m_searchRun > 0) showRun(m_searchRun, unit);
  });
  connect(m_searchJob, &QFutureWatcherBase::finished, this, [this] {
    const auto r = m_searchJob->result();
    const qint64 runId = m_searchJob->property("run").toLongLong();
    if (r.ok()) {
      m_searchRun = runId;
      m_search->setData(*r.value());
      m_tabs->setCurrentWidget(m_search);
      statusBar()->showMessage(r.value()->title, 5000);
    } else {
      statusBar()->showMessage(QString::fromStdString(r.error().message));
    }
    Q_EMIT searchShown(runId, r.ok());
  });
  connect(m_curveJob, &QFutureWatcherBase::finished, this, [this] {
    const auto r = m_curveJob->result();
    const qint64 runId = m_curveJob->property("run").toLongLong();
    if (r.ok()) {
      QVector<views::TradeoffSeries> series;
      for (const auto& s : r.value().series) {
        views::TradeoffSeries ts;
        ts.name = QString::fromStdString(s.name);
        for (const auto& p : s.points) {
          ts.flops.push_back(p.flopsPerProblem);
          ts.accuracy.push_back(p.accuracy);
          ts.n.push_back(p.n);
          ts.low.push_back(p.ciLow);
          ts.high.push_back(p.ciHigh);
        }
        series.push_back(ts);
      }
      m_curves->setSeries(tr("Run %1: %2").arg(runId).arg(QString::fromLatin1(search::aggregationName(r.value().aggregation))), series);
      m_tabs->setCurrentWidget(m_curves);
      statusBar()->showMessage(tr("Run %1: %2 graded problems").arg(runId).arg(r.value().problems), 5000);
    } else {
      m_curves->clear();
      statusBar()->showMessage(QString::fromStdString(r.error().message));
    }
    Q_EMIT curvesShown(runId, r.ok());
  });
  resizeDocks({m_runsDock}, {440}, Qt::Horizontal);  // wide enough for the tables; a saved state wins
  restoreGeometry(QSettings().value("window/geometry").toByteArray());
  restoreState(QSettings().value("window/state").toByteArray());
  statusBar()->showMessage(tr("Ready"));
}

MainWindow::~MainWindow() {
  QSettings().setValue("window/geometry", saveGeometry());
  QSettings().setValue("window/state", saveState());
  // The owner waits for its jobs (no worker outlives the window).
  m_inspect->waitForFinished();
  m_listRuns->waitForFinished();
  m_curveJob->waitForFinished();
  m_compareJob->waitForFinished();
  m_routingJob->waitForFinished();
  m_runRoutesJob->waitForFinished();
  m_searchJob->waitForFinished();
  m_problemsJob->waitForFinished();
}

namespace {

// Text of every token id of the tokenizer of the run's model when its folder is still there.
std::shared_ptr<text::Tokenizer> runTokenizer(store::Store& st, int64_t runId) {
  if (auto models = st.runModels(runId); models && !models->empty()) {
    const auto path = std::filesystem::path(models->front().second.path) / "tokenizer.json";
    std::error_code ec;
    if (std::filesystem::exists(path, ec))
      if (auto t = text::Tokenizer::load(path.string())) return *t;
  }
  return nullptr;
}

}  // namespace

// The run-wide routing report, read once per run (every sequence shown reuses it; a run still
// being written is read again when it has more units).
struct RoutingReportCache {
  std::mutex mutex;
  std::string db;
  int64_t run = 0;
  size_t units = 0;
  std::shared_ptr<const routing::RoutingReport> report;

  Result<std::shared_ptr<const routing::RoutingReport>> get(store::Store& st, const std::string& path, const store::RunRecord& run, size_t unitCount) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (report && db == path && this->run == run.id && units == unitCount) return report;
    }
    auto rep = routing::routingReport(st, run, 50);
    if (!rep) return rep.error();
    auto shared = std::make_shared<const routing::RoutingReport>(std::move(*rep));
    std::lock_guard<std::mutex> lock(mutex);
    db = path;
    this->run = run.id;
    units = unitCount;
    report = shared;
    return shared;
  }
};

namespace {

// Everything the routing view shows for one sequence of an oracle run (runs on a worker).
Result<std::shared_ptr<views::RoutingViewData>> loadRouting(const std::string& db, int64_t runId, int64_t unit, RoutingReportCache& cache) {
  store::StoreParams sp;
  sp.readOnly = true;
  auto st = store::Store::open(db, sp);
  if (!st) return st.error();
  auto run = (*st)->run(runId);
  if (!run) return run.error();
  auto units = (*st)->unitIndexes(runId);
  if (!units) return units.error();
  auto shared = cache.get(**st, db, *run, units->size());
  if (!shared) return shared.error();
  const routing::RoutingReport* rep = shared->get();
  const int64_t u = std::clamp<int64_t>(unit, 0, static_cast<int64_t>(units->size()) - 1);
  auto seq = (*st)->routingSequence(runId, (*units)[static_cast<size_t>(u)], 0);
  if (!seq) return seq.error();
  auto d = std::make_shared<views::RoutingViewData>();
  d->run = runId;
  d->title = QObject::tr("Run %1, sequence %2 of %3").arg(runId).arg(u).arg(units->size());
  d->layers = seq->layerCount;
  d->sequence = static_cast<int>(u);
  d->sequences = static_cast<int>(units->size());
  for (const auto& b : rep->budgets) d->budgets << QString::fromStdString(b);
  d->oracleBudgets = d->budgets.size();
  // Token text from the model's tokenizer when its folder is still there; ids otherwise.
  const std::shared_ptr<text::Tokenizer> tok = runTokenizer(**st, runId);
  const auto tokenText = [&](int32_t id) { return tok ? QString::fromUtf8(QByteArray::fromStdString(tok->tokenBytes(id))) : QStringLiteral("[%1]").arg(id); };
  for (int32_t id : seq->tokenIds) d->tokens << tokenText(id);
  d->firstPosition = static_cast<int>(seq->firstPosition());
  const size_t B = seq->budgets.size(), P = seq->positions(), L = static_cast<size_t>(seq->layerCount);
  d->routes.resize(static_cast<int>(B));
  d->loss.resize(static_cast<int>(B));
  for (size_t t = 0; t < P; ++t) {
    for (size_t b = 0; b < B; ++b) {
      for (size_t l = 0; l < L; ++l) d->routes[static_cast<int>(b)].push_back(seq->routes[(t * B + b) * L + l]);
      d->loss[static_cast<int>(b)].push_back(seq->losses[t * B + b]);
    }
    if (!seq->routerLosses.empty()) {
      const size_t R = seq->routerLosses.size() / P;
      d->routes.resize(static_cast<int>(B + R));
      d->loss.resize(static_cast<int>(B + R));
      for (size_t r = 0; r < R; ++r) {
        for (size_t l = 0; l < L; ++l) d->routes[static_cast<int>(B + r)].push_back(seq->routerRoutes[(t * R + r) * L + l]);
        d->loss[static_cast<int>(B + r)].push_back(seq->routerLosses[t * R + r]);
      }
    }
    if (!seq->fixedLosses.empty()) {
      d->lossSkip << seq->fixedLosses[t * 3];
      d->lossSmall << seq->fixedLosses[t * 3 + 1];
      d->lossBig << seq->fixedLosses[t * 3 + 2];
    } else {
      d->lossSkip << 0.f;
      d->lossSmall << 0.f;
      d->lossBig << 0.f;
    }
  }
  if (!seq->routerLosses.empty())
    for (const auto& r : rep->routers) d->budgets << QObject::tr("router %1").arg(QString::fromStdString(r.name));
  if (d->budgets.size() != d->routes.size()) {  // routers without names (an edited spec): show the oracle only
    d->routes.resize(static_cast<int>(B));
    d->loss.resize(static_cast<int>(B));
    d->budgets = d->budgets.mid(0, static_cast<int>(B));
  }
  for (const auto& p : rep->points)
    d->points.push_back({QString::fromStdString(p.policy), QString::fromStdString(p.budget), p.flopsFraction, p.perplexity, p.perplexityCiLow(),
                         p.perplexityCiHigh()});
  const auto toQ = [](const std::vector<double>& v) { return QVector<double>(v.begin(), v.end()); };
  for (size_t b = 0; b < rep->budgets.size(); ++b) {
    d->bigByLayer << toQ(rep->bigByLayer[b]);
    d->smallByLayer << toQ(rep->smallByLayer[b]);
    d->skipByLayer << toQ(rep->skipByLayer[b]);
    d->bigByPosition << toQ(rep->bigByPosition[b]);
  }
  if (d->budgets.size() > static_cast<int>(B))
    for (const auto& r : rep->routers) {
      d->bigByLayer << toQ(r.bigByLayer);
      d->smallByLayer << toQ(r.smallByLayer);
      d->skipByLayer << toQ(r.skipByLayer);
    }
  for (int64_t b : rep->positionBins) d->positionBins << b;
  for (const auto& h : rep->hardest)
    d->hardest.push_back({h.unit, static_cast<int>(h.position), tokenText(h.token), tokenText(h.next), QString::fromStdString(h.route), h.difficulty,
                          h.lossSkip, h.lossBig, h.lossOracle});
  return d;
}

// The whole-run heatmap of one route set (runs on a worker).
Result<std::shared_ptr<const views::RunHeatmapData>> loadRunRoutes(const std::string& db, int64_t runId, int routeSet, QString label) {
  store::StoreParams sp;
  sp.readOnly = true;
  auto st = store::Store::open(db, sp);
  if (!st) return st.error();
  auto rr = routing::runRoutes(**st, runId, routeSet);
  if (!rr) return rr.error();
  auto d = std::make_shared<views::RunHeatmapData>();
  d->title = QObject::tr("Run %1").arg(runId);
  d->routeSet = std::move(label);
  d->layers = rr->layers;
  d->gain = std::move(rr->gain);
  d->tokens = std::move(rr->tokens);
  d->units = std::move(rr->units);
  d->firstRow = std::move(rr->firstRow);
  d->firstPosition = std::move(rr->firstPosition);
  d->cells = std::make_shared<const std::vector<uint8_t>>(std::move(rr->routes));
  if (auto tok = runTokenizer(**st, runId))
    for (int32_t id = 0; id < tok->vocabSize(); ++id) d->vocabulary << QString::fromUtf8(QByteArray::fromStdString(tok->tokenBytes(id)));
  d->computeByToken();
  return std::shared_ptr<const views::RunHeatmapData>(std::move(d));
}

}  // namespace

void MainWindow::showRun(qint64 runId, qint64 unit) {
  // The run's kind decides the view; reading it is one indexed row.
  store::StoreParams sp;
  sp.readOnly = true;
  auto st = store::Store::open(m_dbPath.toStdString(), sp);
  std::string kind;
  if (st)
    if (auto run = (*st)->run(runId)) kind = run->kind;
  if (kind == "search") {
    if (m_searchJob->isRunning()) m_searchJob->waitForFinished();
    m_searchJob->setProperty("run", runId);
    statusBar()->showMessage(tr("Reading the search trees of run %1…").arg(runId));
    m_searchJob->setFuture(QtConcurrent::run([p = m_dbPath.toStdString(), runId, unit]() -> Result<std::shared_ptr<views::SearchViewData>> {
      auto d = views::loadSearchView(p, runId, unit);
      if (!d) return d.error();
      return std::make_shared<views::SearchViewData>(std::move(*d));
    }));
    return;
  }
  if (kind != "oracle") {
    showRunCurves(runId);
    return;
  }
  // A load still running is left to finish on its own; its result is dropped (no waiting here).
  m_routingJob->setProperty("run", runId);
  statusBar()->showMessage(tr("Reading the routing of run %1…").arg(runId));
  m_routingJob->setFuture(QtConcurrent::run([p = m_dbPath.toStdString(), runId, unit, cache = m_reportCache] { return loadRouting(p, runId, unit, *cache); }));
}

void MainWindow::openModel(const QString& dir) {
  if (m_inspect->isRunning()) m_inspect->waitForFinished();
  m_inspect->setProperty("dir", dir);
  statusBar()->showMessage(tr("Reading %1\u2026").arg(dir));
  m_inspect->setFuture(QtConcurrent::run([d = dir.toStdString()] { return model::inspectModel(d); }));
}

void MainWindow::openDatabase(const QString& path) {
  if (m_listRuns->isRunning()) m_listRuns->waitForFinished();
  m_dbPath = path;
  statusBar()->showMessage(tr("Reading %1\u2026").arg(path));
  m_listRuns->setFuture(QtConcurrent::run([p = path.toStdString()]() -> Result<std::vector<store::RunRecord>> {
    // A database that does not exist yet is created (empty), as the CLI does; an existing one is
    // read only: the workbench reads while the CLI may be writing (WAL).
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) {
      auto created = store::Store::open(p);
      if (!created) return created.error();
    }
    store::StoreParams sp;
    sp.readOnly = true;
    auto st = store::Store::open(p, sp);
    if (!st) return st.error();
    return (*st)->runs();
  }));
}

void MainWindow::showComparison(const QList<qint64>& runIds) {
  statusBar()->showMessage(tr("Comparing %1 runs…").arg(runIds.size()));
  m_compareJob->setFuture(QtConcurrent::run([p = m_dbPath.toStdString(), runIds] { return compareRuns(p, runIds); }));
}

void MainWindow::showRunCurves(qint64 runId) {
  if (m_curveJob->isRunning()) m_curveJob->waitForFinished();
  m_curveJob->setProperty("run", runId);
  statusBar()->showMessage(tr("Computing the curves of run %1\u2026").arg(runId));
  m_curveJob->setFuture(QtConcurrent::run([p = m_dbPath.toStdString(), runId]() -> Result<search::RunCurves> {
    store::StoreParams sp;
    sp.readOnly = true;
    auto st = store::Store::open(p, sp);
    if (!st) return st.error();
    return search::computeRunCurves(**st, runId, search::Aggregation::Majority, {1, 2, 4, 8, 16, 32, 64, 128, 256});
  }));
}

void MainWindow::chooseDatabase() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open a results database"),
                                                    QSettings().value("store/path", QString::fromStdString(store::defaultDatabasePath())).toString(),
                                                    tr("ComputeLens databases (*.db *.sqlite);;All files (*)"));
  if (!path.isEmpty()) openDatabase(path);
}

void MainWindow::exportCurves() {
  if (m_curves->seriesCount() == 0) {
    QMessageBox::information(this, tr("Export curves"), tr("Select a run with graded samples first."));
    return;
  }
  const QString path = QFileDialog::getSaveFileName(this, tr("Export curves"), QString(),
                                                    tr("PNG image (*.png);;PDF (*.pdf);;SVG (*.svg);;CSV data (*.csv)"));
  if (path.isEmpty()) return;
  if (!m_curves->exportTo(path)) QMessageBox::warning(this, tr("Export curves"), tr("Could not write %1").arg(path));
}

void MainWindow::chooseJobSpec() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Start a job"), QSettings().value("jobs/lastSpec").toString(),
                                                    tr("Job specs (*.json);;All files (*)"));
  if (path.isEmpty()) return;
  QSettings().setValue("jobs/lastSpec", path);
  if (m_dbPath.isEmpty()) m_dbPath = QString::fromStdString(store::defaultDatabasePath());
  auto r = m_experiments->startSpecFile(path, m_dbPath);
  if (!r) QMessageBox::warning(this, tr("Cannot start the job"), QString::fromStdString(r.error().describe()));
}

Status MainWindow::exportReport(const QList<qint64>& runs, const QString& path) {
  store::StoreParams sp;
  sp.readOnly = true;
  auto st = store::Store::open(m_dbPath.toStdString(), sp);
  if (!st) return st.error();
  report::ReportParams rp;
  for (qint64 id : runs) rp.runs.push_back(id);
  auto doc = report::buildReport(**st, rp);
  if (!doc) return doc.error();
  return views::exportReport(*doc, path);
}

QList<int> MainWindow::runDemo(int problems, bool showResults) {
  const QString resources = findResources();
  if (resources.isEmpty()) {
    QMessageBox::warning(this, tr("Run the demo"),
                         tr("The built-in models were not found. Set LENS_RESOURCES to the folder that holds models/arith-duo-small."));
    return {};
  }
  if (m_dbPath.isEmpty()) m_dbPath = QString::fromStdString(store::defaultDatabasePath());
  QList<int> ids;
  int samplingJob = -1, oracleJob = -1;
  for (const auto& spec : demoSpecs(resources, problems)) {
    const int id = m_jobs->enqueue(spec, m_dbPath);
    ids << id;
    if (spec.value("kind", "") == "generate") samplingJob = id;
    if (spec.value("kind", "") == "oracle") oracleJob = id;
    if (showResults) m_quietJobs.insert(id);
  }
  statusBar()->showMessage(tr("Running the demo: %1 jobs (see Experiments)").arg(ids.size()), 10000);
  if (showResults) {
    // Waits for every demo job; the connection goes with the last one.
    struct Pending {
      QSet<int> left;
      QHash<int, qint64> runs;
      QMetaObject::Connection connection;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = QSet<int>(ids.begin(), ids.end());
    pending->connection = connect(m_jobs, &JobQueue::finished, this, [this, pending, samplingJob, oracleJob](int id, bool ok, qint64 runId) {
      if (!pending->left.remove(id)) return;
      m_quietJobs.remove(id);
      if (ok) pending->runs.insert(id, runId);
      if (!pending->left.isEmpty()) return;
      const qint64 sampling = pending->runs.value(samplingJob), oracle = pending->runs.value(oracleJob);
      disconnect(pending->connection);
      showDemoResults(sampling, oracle);
    });
  }
  return ids;
}

void MainWindow::showDemoResults(qint64 samplingRun, qint64 oracleRun) {
  auto curves = [this, samplingRun, oracleRun] {
    if (samplingRun <= 0) {
      Q_EMIT demoResultsShown(samplingRun, oracleRun);
      return;
    }
    connect(this, &MainWindow::curvesShown, this, [this, samplingRun, oracleRun](qint64, bool) {
      statusBar()->showMessage(tr("The demo has finished: run %1's accuracy against FLOPs is in Curves, run %2's token difficulty in Routing")
                                   .arg(samplingRun)
                                   .arg(oracleRun));
      Q_EMIT demoResultsShown(samplingRun, oracleRun);
    }, Qt::SingleShotConnection);
    showRunCurves(samplingRun);
  };
  if (oracleRun <= 0) {
    curves();
    return;
  }
  connect(this, &MainWindow::routingShown, this, [curves](qint64, bool) { curves(); }, Qt::SingleShotConnection);
  showRun(oracleRun, 0);
}

QMessageBox* MainWindow::offerDemo(int problems) {
  auto* box = new QMessageBox(QMessageBox::Question, tr("Welcome to ComputeLens"),
                              tr("Run the demo now? The built-in models solve the built-in task: sampling scored by a "
                                 "process reward model, a routing oracle and a beam search. It takes about a minute on "
                                 "two CPU cores; then the accuracy-vs-FLOPs curves and the routing oracle's token "
                                 "difficulty open by themselves. (Help → Run the Demo runs it again.)"),
                              QMessageBox::Yes | QMessageBox::No, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  connect(box, &QMessageBox::buttonClicked, this, [this, box, problems](QAbstractButton* b) {
    if (box->standardButton(b) == QMessageBox::Yes) runDemo(problems, true);
  });
  QTimer::singleShot(0, box, [box] { box->open(); });
  return box;
}

void MainWindow::chooseReport() {
  const qint64 run = m_runs->currentRow() >= 0 ? m_runs->runIdAt(m_runs->currentRow()) : 0;
  if (run <= 0) {
    QMessageBox::information(this, tr("Export report"), tr("Select a run first."));
    return;
  }
  const QString path = QFileDialog::getSaveFileName(this, tr("Export report"), QString(), tr("HTML (*.html);;PDF (*.pdf)"));
  if (path.isEmpty()) return;
  if (auto s = exportReport({run}, path); !s) QMessageBox::warning(this, tr("Export report"), QString::fromStdString(s.error().describe()));
  else statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
}

void MainWindow::chooseModel() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a Hugging Face model folder"),
                                                        QSettings().value("models/lastDir").toString());
  if (!dir.isEmpty()) openModel(dir);
}

QString MainWindow::aboutText() {
  // The components ComputeLens links and the licences they come under (names are not translated).
  const QString components = QStringLiteral(
      "<table>"
      "<tr><td>Qt %1</td><td>LGPL-3.0-only</td></tr>"
      "<tr><td>libtorch %2</td><td>BSD-3-Clause</td></tr>"
      "<tr><td>QCustomPlot</td><td>GPL-3.0-or-later</td></tr>"
      "<tr><td>SQLite</td><td>public domain</td></tr>"
      "<tr><td>nlohmann/json</td><td>MIT</td></tr>"
      "<tr><td>CLI11</td><td>BSD-3-Clause</td></tr>"
      "<tr><td>PCRE2</td><td>BSD-3-Clause</td></tr>"
      "<tr><td>OpenBLAS</td><td>BSD-3-Clause</td></tr>"
      "</table>")
                                 .arg(QString::fromLatin1(qVersion()), QString::fromStdString(torchVersionString()));
  return tr("<h3>ComputeLens %1</h3><p>Where a language model's compute goes, and where more of it would pay.</p>"
            "<p>Licensed under the GNU General Public License, version 3 or later. Uses Qt %2, libtorch %3 and "
            "QCustomPlot (GPL).</p>")
             .arg(QString::fromStdString(versionString()), QString::fromLatin1(qVersion()), QString::fromStdString(torchVersionString())) +
         tr("<p>Built on these components, under their licences:</p>") + components +
         tr("<p>The built-in models in resources/models were trained by ComputeLens and are distributed under the same licence.</p>");
}

void MainWindow::showAbout() { QMessageBox::about(this, tr("About ComputeLens"), aboutText()); }

QStringList MainWindow::builtinModels() {
  QStringList out;
  const QString resources = findResources();
  if (resources.isEmpty()) return out;
  const QDir models(resources + "/models");
  for (const QString& d : models.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
    if (QFileInfo::exists(models.filePath(d) + "/config.json")) out << models.filePath(d);
  return out;
}

void MainWindow::openProblems(const QString& path) {
  m_problemsJob->setProperty("path", path);
  statusBar()->showMessage(tr("Reading %1\u2026").arg(path));
  m_problemsJob->setFuture(QtConcurrent::run([p = path.toStdString()]() -> Result<std::shared_ptr<const mathdata::ProblemSet>> {
    mathdata::ProblemSource src;
    src.path = p;
    auto set = mathdata::loadProblems(src);
    if (!set) return set.error();
    return std::shared_ptr<const mathdata::ProblemSet>(std::make_shared<mathdata::ProblemSet>(std::move(*set)));
  }));
}

int MainWindow::queueSpec(nlohmann::json spec) {
  if (m_dbPath.isEmpty()) m_dbPath = QString::fromStdString(store::defaultDatabasePath());
  return m_jobs->enqueue(spec, m_dbPath);
}

void MainWindow::newExperiment() {
  JobDialog dialog(builtinModels(), WorkbenchSettings::load().device, this);
  if (m_data->problems() && !m_data->problems()->source.empty() && m_data->problems()->source != "inline")
    dialog.datasetBox()->setCurrentText(QString::fromStdString(m_data->problems()->source));
  if (dialog.exec() != QDialog::Accepted) return;
  queueSpec(dialog.spec());
}

void MainWindow::showPreferences() {
  SettingsDialog dialog(WorkbenchSettings::load(), this);
  if (dialog.exec() != QDialog::Accepted) return;
  const WorkbenchSettings s = dialog.settings();
  s.save();
  if (!s.database.isEmpty() && s.database != m_dbPath) openDatabase(s.database);
}

bool MainWindow::showPanel(const QString& name) {
  if (name == "runs") m_runsDock->raise();
  else if (name == "data") m_dataDock->raise();
  else if (name == "experiments") m_jobsDock->raise();
  else {
    const QStringList panels = {"perplexity", "usage", "hardest", "whole-run"};
    const int i = panels.indexOf(name);
    if (i < 0) return false;
    m_tabs->setCurrentWidget(m_routing);
    m_routing->panels()->setCurrentIndex(i);
  }
  return true;
}

}  // namespace lens::app
