// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/runs_view.h"

#include <QHeaderView>

namespace lens::views {

RunsView::RunsView(QWidget* parent) : QTableWidget(parent) {
  setColumnCount(6);
  setHorizontalHeaderLabels({tr("Id"), tr("Kind"), tr("Name"), tr("Status"), tr("Units"), tr("Updated")});
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setSelectionMode(QAbstractItemView::ExtendedSelection);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  verticalHeader()->setVisible(false);
  horizontalHeader()->setStretchLastSection(true);
  connect(this, &QTableWidget::itemSelectionChanged, this, [this] {
    const auto ids = selectedRunIds();
    if (ids.size() == 1) Q_EMIT runSelected(ids.first());
    if (ids.size() > 1) Q_EMIT runsSelected(ids);
  });
}

void RunsView::setRuns(const std::vector<store::RunRecord>& runs) {
  clearContents();
  setRowCount(static_cast<int>(runs.size()));
  for (int r = 0; r < static_cast<int>(runs.size()); ++r) {
    const auto& run = runs[static_cast<size_t>(r)];
    auto* id = new QTableWidgetItem(QString::number(run.id));
    id->setData(Qt::UserRole, QVariant::fromValue<qlonglong>(run.id));
    setItem(r, 0, id);
    setItem(r, 1, new QTableWidgetItem(QString::fromStdString(run.kind)));
    setItem(r, 2, new QTableWidgetItem(QString::fromStdString(run.name)));
    setItem(r, 3, new QTableWidgetItem(QString::fromLatin1(store::runStatusName(run.status))));
    setItem(r, 4, new QTableWidgetItem(QStringLiteral("%1/%2").arg(run.doneUnits).arg(run.totalUnits)));
    setItem(r, 5, new QTableWidgetItem(QString::fromStdString(run.updatedAt)));
  }
  resizeColumnsToContents();
}

QList<qint64> RunsView::selectedRunIds() const {
  QList<qint64> ids;
  QList<int> rows;
  for (const auto& idx : selectionModel()->selectedRows()) rows << idx.row();
  std::sort(rows.begin(), rows.end());
  for (int r : rows) ids << runIdAt(r);
  return ids;
}

int64_t RunsView::runIdAt(int row) const {
  const auto* it = item(row, 0);
  return it ? it->data(Qt::UserRole).toLongLong() : 0;
}

}  // namespace lens::views
