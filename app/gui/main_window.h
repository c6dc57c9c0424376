// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFutureWatcher>
#include <QMainWindow>
#include <QSet>

#include <memory>
#include <vector>

#include "core/common/result.h"
#include "core/model/model_info.h"
#include "core/search/run_curves.h"
#include "core/store/records.h"
#include "core/mathdata/problems.h"
#include <nlohmann/json.hpp>

class QTabWidget;

namespace lens::views {
class ModelSummaryView;
class RunsView;
class TradeoffView;
class RoutingView;
struct RoutingViewData;
class DataView;
class SearchView;
struct SearchViewData;
struct RunHeatmapData;
}

class QMessageBox;

namespace lens::app {

class JobQueue;
class ExperimentsView;
struct RoutingReportCache;
struct Comparison;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;
  // Inspects the folder on the worker pool; the summary appears when it is read.
  void openModel(const QString& dir);
  // Lists the runs of a results database (read on the worker pool).
  void openDatabase(const QString& path);
  // Compares runs: the first sampling run as best-of-N and the search runs among them, as one
  // accuracy-vs-FLOPs plot of every strategy with the compute-optimal frontier highlighted
  // (computed on the worker pool). With a second sampling run of a larger model, also the exchange
  // analysis (Snell et al. §7): the larger model's pass@1 on the plot, and a table of what the
  // smaller model reaches at matched total FLOPs for inference-to-pretraining ratios of search::kDefaultExchangeRatios.
  void showComparison(const QList<qint64>& runIds);
  // Computes the selected run's accuracy-vs-FLOPs curves on the worker pool and shows them.
  void showRunCurves(qint64 runId);
  views::RunsView* runsView() const { return m_runs; }
  views::TradeoffView* curvesView() const { return m_curves; }
  views::RoutingView* routingView() const { return m_routing; }
  views::SearchView* searchView() const { return m_search; }
  views::DataView* dataView() const { return m_data; }
  // Loads problems into the Data dock on the worker pool: a .jsonl file, a MATH folder, or
  // "builtin:arith" (its test split).
  void openProblems(const QString& path);
  // Experiments → New Experiment: the parameter dialog; the spec it builds is queued into the open
  // database (the settings' device and threads filled in).
  void newExperiment();
  // Queues a spec as the Experiments dock does (settings applied). Returns the job id.
  int queueSpec(nlohmann::json spec);
  // Brings a dock or panel to the front: "runs", "data", "experiments", or a routing panel
  // ("perplexity", "usage", "hardest", "whole-run"). False for an unknown name.
  bool showPanel(const QString& name);
  // The shipped models' folders (resources/models/*), for the Models menu and the dialogs.
  static QStringList builtinModels();
  JobQueue* jobQueue() const { return m_jobs; }
  ExperimentsView* experimentsView() const { return m_experiments; }
  QString databasePath() const { return m_dbPath; }
  // Writes the report of these runs of the open database (core/report) as HTML or, for a .pdf
  // path, PDF.
  Status exportReport(const QList<qint64>& runs, const QString& path);
  // Queues the demo's jobs (demo.h) into the open database (the CLI's default when none is open) and
  // opens it; their results appear as they finish. Returns the job ids (empty when the built-in
  // models cannot be found, with a message).
  // With showResults (the first start's demo), the finished jobs are not shown one by one: once
  // all have finished, the oracle run's token-difficulty view is loaded and then the sampling run's
  // accuracy-vs-FLOPs curves, which stay in front (demoResultsShown then).
  QList<int> runDemo(int problems = 100, bool showResults = false);
  // The first start's welcome (main.cpp: no results database yet): a box that offers the demo;
  // Yes runs it with showResults. The box is open (not modal) and deletes itself when closed.
  QMessageBox* offerDemo(int problems = 100);
  // The About box's text: version, licence, and the components with their licences.
  static QString aboutText();
  // Shows a run: an oracle run's routing (text, heatmap, perplexity vs compute) at sequence
  // `unit`; a search run's tree at problem `unit` (the search inspector); any other run's
  // accuracy-vs-FLOPs curves. Read on the worker pool.
  void showRun(qint64 runId, qint64 unit = 0);

 Q_SIGNALS:
  // The first-start demo's results are on screen (runDemo with showResults).
  void demoResultsShown(qint64 samplingRun, qint64 oracleRun);
  void modelOpened(const QString& dir, bool ok);
  void databaseOpened(const QString& path, bool ok);
  void problemsOpened(const QString& path, bool ok);
  void curvesShown(qint64 runId, bool ok);
  void comparisonShown(bool ok);
  void routingShown(qint64 runId, bool ok);
  void runRoutesShown(qint64 runId, bool ok);
  void searchShown(qint64 runId, bool ok);

 private:
  void chooseModel();
  void chooseJobSpec();
  void chooseReport();
  void chooseDatabase();
  void exportCurves();
  void showAbout();
  void showPreferences();
  // The first-start demo's results: the oracle run's routing, then the sampling run's curves.
  void showDemoResults(qint64 samplingRun, qint64 oracleRun);

  QTabWidget* m_tabs;
  QSet<int> m_quietJobs;  // jobs whose finished run is not shown by itself (the first-start demo)
  views::ModelSummaryView* m_summary;
  views::RunsView* m_runs;
  views::TradeoffView* m_curves;
  views::RoutingView* m_routing;
  views::SearchView* m_search;
  views::DataView* m_data;
  JobQueue* m_jobs;
  ExperimentsView* m_experiments;
  class QDockWidget* m_jobsDock;
  class QDockWidget* m_runsDock;
  class QDockWidget* m_dataDock;
  QString m_dbPath;
  qint64 m_searchRun = 0;
  qint64 m_routingRun = 0;
  // Parented to the window: deliver the workers' results on the GUI thread.
  QFutureWatcher<Result<model::ModelSummary>>* m_inspect;
  QFutureWatcher<Result<std::vector<store::RunRecord>>>* m_listRuns;
  QFutureWatcher<Result<search::RunCurves>>* m_curveJob;
  QFutureWatcher<Result<std::shared_ptr<const Comparison>>>* m_compareJob;
  QFutureWatcher<Result<std::shared_ptr<views::RoutingViewData>>>* m_routingJob;
  QFutureWatcher<Result<std::shared_ptr<views::SearchViewData>>>* m_searchJob;
  QFutureWatcher<Result<std::shared_ptr<const views::RunHeatmapData>>>* m_runRoutesJob;
  QFutureWatcher<Result<std::shared_ptr<const mathdata::ProblemSet>>>* m_problemsJob;
  std::shared_ptr<RoutingReportCache> m_reportCache;
};

}  // namespace lens::app
