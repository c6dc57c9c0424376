// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFutureWatcher>
#include <QMainWindow>

#include "core/common/result.h"
#include "core/model/model_info.h"

namespace lens::views {
class ModelSummaryView;
}

namespace lens::app {

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;
  // Inspects the folder on the worker pool; the summary appears when it is read.
  void openModel(const QString& dir);

 Q_SIGNALS:
  void modelOpened(const QString& dir, bool ok);

 private:
  void chooseModel();
  void showAbout();

  views::ModelSummaryView* m_summary;
  // Parented to the window: delivers the worker's result on the GUI thread.
  QFutureWatcher<Result<model::ModelSummary>>* m_inspect;
};

}  // namespace lens::app
