// SPDX-License-Identifier: GPL-3.0-or-later
// The Experiments dock: the job queue as a table (job, kind, progress bar, rate, ETA, state) with
// Start (a job spec file, as `computelens-cli run SPEC.json` takes) and Cancel.
#pragma once

#include <QWidget>

#include "core/common/result.h"

class QPushButton;
class QTableWidget;

namespace lens::app {

class JobQueue;

class ExperimentsView : public QWidget {
  Q_OBJECT
 public:
  ExperimentsView(JobQueue* queue, QWidget* parent = nullptr);
  // Reads a job spec (JSON) and queues it into `dbPath`; the error says what is wrong with the file.
  Result<int> startSpecFile(const QString& path, const QString& dbPath);
  QTableWidget* table() const { return m_table; }
  int rowOf(int jobId) const;  // -1 when not shown

 Q_SIGNALS:
  void startRequested();  // the Start button: the window asks for a file and a database
  void newRequested();    // the New button: the window opens the parameter dialog

 private:
  void refresh(int jobId);

  JobQueue* m_queue;
  QTableWidget* m_table;
  QPushButton* m_start;
  QPushButton* m_new;
  QPushButton* m_cancel;
};

}  // namespace lens::app
