// SPDX-License-Identifier: GPL-3.0-or-later
// The runs of a results database, one row each: id, kind, name, status, units, last update.
// Selecting one run shows it; selecting several (Ctrl/Shift-click) compares them.
#pragma once

#include <QTableWidget>
#include <vector>

#include "core/store/records.h"

namespace lens::views {

class RunsView : public QTableWidget {
  Q_OBJECT
 public:
  explicit RunsView(QWidget* parent = nullptr);
  void setRuns(const std::vector<store::RunRecord>& runs);
  int64_t runIdAt(int row) const;  // 0 when out of range
  QList<qint64> selectedRunIds() const;

 Q_SIGNALS:
  void runSelected(qint64 runId);
  void runsSelected(const QList<qint64>& runIds);  // two or more
};

}  // namespace lens::views
