// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/gui/experiments_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <fstream>
#include <sstream>

#include "app/gui/job_queue.h"
#include "core/jobs/job.h"
#include "core/jobs/progress.h"

namespace lens::app {

namespace {

QString duration(double seconds) { return QString::fromStdString(jobs::durationText(seconds, "—")); }

}  // namespace

ExperimentsView::ExperimentsView(JobQueue* queue, QWidget* parent) : QWidget(parent), m_queue(queue) {
  m_table = new QTableWidget(this);
  m_table->setColumnCount(6);
  m_table->setHorizontalHeaderLabels({tr("Job"), tr("Kind"), tr("Progress"), tr("Rate"), tr("ETA"), tr("State")});
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->setVisible(false);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_new = new QPushButton(tr("New…"), this);
  m_new->setToolTip(tr("Set up a sampling, search, oracle or router-training run"));
  m_start = new QPushButton(tr("Start from Spec…"), this);
  m_cancel = new QPushButton(tr("Cancel"), this);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_new);
  buttons->addWidget(m_start);
  buttons->addWidget(m_cancel);
  buttons->addStretch(1);
  auto* lay = new QVBoxLayout(this);
  lay->addLayout(buttons);
  lay->addWidget(m_table, 1);
  connect(m_start, &QPushButton::clicked, this, &ExperimentsView::startRequested);
  connect(m_new, &QPushButton::clicked, this, &ExperimentsView::newRequested);
  connect(m_cancel, &QPushButton::clicked, this, [this] {
    const auto rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) return;
    m_queue->cancel(m_table->item(rows.first().row(), 0)->data(Qt::UserRole).toInt());
  });
  connect(m_queue, &JobQueue::changed, this, &ExperimentsView::refresh);
}

int ExperimentsView::rowOf(int jobId) const {
  for (int r = 0; r < m_table->rowCount(); ++r)
    if (m_table->item(r, 0) && m_table->item(r, 0)->data(Qt::UserRole).toInt() == jobId) return r;
  return -1;
}

void ExperimentsView::refresh(int jobId) {
  const JobQueue::Entry* e = m_queue->entry(jobId);
  if (!e) return;
  int row = rowOf(jobId);
  if (row < 0) {
    row = m_table->rowCount();
    m_table->insertRow(row);
    auto* name = new QTableWidgetItem(e->name);
    name->setData(Qt::UserRole, e->id);
    name->setToolTip(e->db);
    m_table->setItem(row, 0, name);
    m_table->setItem(row, 1, new QTableWidgetItem(e->kind));
    auto* bar = new QProgressBar(m_table);
    bar->setRange(0, 1);
    bar->setValue(0);
    m_table->setCellWidget(row, 2, bar);
    for (int c = 3; c < 6; ++c) m_table->setItem(row, c, new QTableWidgetItem);
  }
  auto* bar = qobject_cast<QProgressBar*>(m_table->cellWidget(row, 2));
  if (bar && e->total > 0) {
    bar->setRange(0, static_cast<int>(e->total));
    bar->setValue(static_cast<int>(std::min(e->done, e->total)));
    bar->setFormat(QStringLiteral("%v / %m"));
  }
  m_table->item(row, 3)->setText(e->rate > 0 ? tr("%1 units/s").arg(e->rate, 0, 'g', 3) : QStringLiteral("—"));
  m_table->item(row, 4)->setText(e->state == JobQueue::State::Running ? duration(e->eta) : QStringLiteral("—"));
  QString state = JobQueue::stateName(e->state);
  if (e->state == JobQueue::State::Running && !e->what.isEmpty()) state += QStringLiteral(": ") + e->what;
  if (e->state == JobQueue::State::Done || e->state == JobQueue::State::Cancelled) {
    if (e->runId > 0) state += QStringLiteral(" (") + tr("run %1").arg(e->runId) + QLatin1Char(')');
  }
  if (e->state == JobQueue::State::Failed) state += QStringLiteral(": ") + e->message;
  m_table->item(row, 5)->setText(state);
  m_table->item(row, 5)->setToolTip(state);
}

Result<int> ExperimentsView::startSpecFile(const QString& path, const QString& dbPath) {
  std::ifstream in(path.toStdString());
  if (!in) return makeError(ErrorCode::NotFound, path.toStdString() + ": cannot open the job spec");
  std::stringstream ss;
  ss << in.rdbuf();
  auto spec = nlohmann::json::parse(ss.str(), nullptr, false);
  if (spec.is_discarded() || !spec.is_object()) return makeError(ErrorCode::InvalidInput, path.toStdString() + ": not a JSON object");
  // Checked now, so a bad spec is refused with its reason instead of failing in the queue.
  auto job = jobs::createJob(spec);
  if (!job) return makeError(job.error().code, path.toStdString() + ": " + job.error().message);
  return m_queue->enqueue(spec, dbPath);
}

}  // namespace lens::app
