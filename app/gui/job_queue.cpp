// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/gui/job_queue.h"

#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent>

#include "core/jobs/runner.h"

namespace lens::app {

class JobQueue::Worker {
 public:
  QFuture<void> future;
};

JobQueue::JobQueue(QObject* parent) : QObject(parent), m_worker(std::make_unique<Worker>()) {}

JobQueue::~JobQueue() {
  *m_alive = false;
  for (auto& e : m_entries) *e.cancel = true;
  m_worker->future.waitForFinished();
}

QString JobQueue::stateName(State s) {
  switch (s) {
    case State::Queued: return tr("queued");
    case State::Running: return tr("running");
    case State::Done: return tr("done");
    case State::Cancelled: return tr("cancelled");
    case State::Failed: return tr("failed");
  }
  return {};
}

JobQueue::Entry* JobQueue::find(int id) {
  for (auto& e : m_entries)
    if (e.id == id) return &e;
  return nullptr;
}

const JobQueue::Entry* JobQueue::entry(int id) const {
  for (const auto& e : m_entries)
    if (e.id == id) return &e;
  return nullptr;
}

int JobQueue::enqueueResume(qint64 runId, const QString& name, const QString& dbPath) {
  return add(nlohmann::json{{"kind", "resume"}, {"name", name.toStdString()}}, dbPath, runId);
}

int JobQueue::enqueue(const nlohmann::json& spec, const QString& dbPath) { return add(spec, dbPath, 0); }

int JobQueue::add(const nlohmann::json& spec, const QString& dbPath, qint64 resumeRun) {
  Entry e;
  e.id = m_nextId++;
  e.spec = spec;
  if (prepareSpec && resumeRun == 0) prepareSpec(e.spec);
  e.resumeRun = resumeRun;
  e.db = dbPath;
  e.kind = QString::fromStdString(spec.value("kind", std::string("generate")));
  e.name = QString::fromStdString(spec.value("name", std::string()));
  if (e.name.isEmpty()) e.name = e.kind;
  m_entries.push_back(e);
  Q_EMIT changed(e.id);
  if (m_running < 0) startNext();
  return e.id;
}

bool JobQueue::cancel(int id) {
  Entry* e = find(id);
  if (!e) return false;
  if (e->state == State::Queued) {
    e->state = State::Cancelled;
    Q_EMIT changed(id);
    Q_EMIT finished(id, false, 0);
    return true;
  }
  if (e->state == State::Running) {
    *e->cancel = true;  // the runner stops after the current batch and records the run as cancelled
    e->what = tr("stopping…");
    Q_EMIT changed(id);
    return true;
  }
  return false;
}

void JobQueue::startNext() {
  Entry* next = nullptr;
  for (auto& e : m_entries)
    if (e.state == State::Queued) {
      next = &e;
      break;
    }
  if (!next) {
    m_running = -1;
    return;
  }
  next->state = State::Running;
  m_running = next->id;
  Q_EMIT changed(next->id);
  const int id = next->id;
  QPointer<JobQueue> self(this);
  auto alive = m_alive;
  auto cancelFlag = next->cancel;
  const nlohmann::json spec = next->spec;
  const qint64 resume = next->resumeRun;
  const std::string db = next->db.toStdString();
  m_worker->future = QtConcurrent::run([self, alive, cancelFlag, spec, resume, db, id] {
    jobs::RunParams p;
    p.dbPath = db;
    p.cancel = cancelFlag.get();
    p.progress = [self, alive, id](const jobs::ProgressSnapshot& s, std::string_view what) {
      if (!*alive) return;
      QMetaObject::invokeMethod(self, [self, id, s, what = QString::fromUtf8(what.data(), static_cast<int>(what.size()))] {
        if (!self) return;
        if (Entry* e = self->find(id)) {
          e->done = s.done;
          e->total = s.total;
          e->rate = s.ratePerSecond;
          e->eta = s.etaSeconds;
          if (!what.isEmpty()) e->what = what;
          Q_EMIT self->changed(id);
        }
      }, Qt::QueuedConnection);
    };
    auto r = resume > 0 ? jobs::resumeRun(std::to_string(resume), p) : jobs::startRun(spec, p);
    if (!*alive) return;
    const bool ok = r.ok();
    const QString error = ok ? QString() : QString::fromStdString(r.error().describe());
    const qint64 runId = ok ? r.value().run.id : 0;
    const bool cancelled = ok && r.value().run.status == store::RunStatus::Cancelled;
    const qint64 total = ok ? r.value().run.totalUnits : 0;
    QMetaObject::invokeMethod(self, [self, id, ok, error, runId, cancelled, total] {
      if (!self) return;
      Entry* e = self->find(id);
      if (!e) return;
      e->runId = runId;
      e->state = !ok ? State::Failed : cancelled ? State::Cancelled : State::Done;
      e->message = error;
      if (ok && !cancelled) {
        e->done = e->total = total;
        e->eta = 0;
      }
      e->what.clear();
      Q_EMIT self->changed(id);
      Q_EMIT self->finished(id, ok && !cancelled, runId);
      self->startNext();
    }, Qt::QueuedConnection);
  });
}

}  // namespace lens::app
