// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFutureWatcher>
#include <QMainWindow>

#include <vector>

#include "core/common/result.h"
#include "core/model/model_info.h"
#include "core/search/run_curves.h"
#include "core/store/records.h"

class QTabWidget;

namespace lens::views {
class ModelSummaryView;
class RunsView;
class TradeoffView;
}

namespace lens::app {

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;
  // Inspects the folder on the worker pool; the summary appears when it is read.
  void openModel(const QString& dir);
  // Lists the runs of a results database (read on the worker pool).
  void openDatabase(const QString& path);
  // Computes the selected run's accuracy-vs-FLOPs curves on the worker pool and shows them.
  void showRunCurves(qint64 runId);
  views::RunsView* runsView() const { return m_runs; }
  views::TradeoffView* curvesView() const { return m_curves; }

 Q_SIGNALS:
  void modelOpened(const QString& dir, bool ok);
  void databaseOpened(const QString& path, bool ok);
  void curvesShown(qint64 runId, bool ok);

 private:
  void chooseModel();
  void chooseDatabase();
  void exportCurves();
  void showAbout();

  QTabWidget* m_tabs;
  views::ModelSummaryView* m_summary;
  views::RunsView* m_runs;
  views::TradeoffView* m_curves;
  QString m_dbPath;
  // Parented to the window: deliver the workers' results on the GUI thread.
  QFutureWatcher<Result<model::ModelSummary>>* m_inspect;
  QFutureWatcher<Result<std::vector<store::RunRecord>>>* m_listRuns;
  QFutureWatcher<Result<search::RunCurves>>* m_curveJob;
};

}  // namespace lens::app
