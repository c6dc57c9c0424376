// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench's job queue: jobs (any core job spec: generate, search, oracle, train, ...) run one
// at a time on the worker pool through jobs::startRun, exactly as the CLI runs them, into a results
// database. Progress (units done, rate, ETA) arrives on the GUI thread; Cancel stops a running job
// after its current batch (the run stays resumable) or drops a queued one.
#pragma once

#include <QObject>
#include <QString>
#include <QVector>

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

namespace lens::app {

class JobQueue : public QObject {
  Q_OBJECT
 public:
  enum class State { Queued, Running, Done, Cancelled, Failed };
  struct Entry {
    int id = 0;
    QString name, kind, db;
    nlohmann::json spec;
    qint64 resumeRun = 0;  // > 0: continue this stored run instead of starting a new one
    State state = State::Queued;
    qint64 runId = 0;
    qint64 done = 0, total = 0;
    double rate = 0, eta = -1;  // units per second; seconds left (< 0 unknown)
    QString what;               // what the job is doing now
    QString message;            // the error of a failed job
    std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
  };

  explicit JobQueue(QObject* parent = nullptr);
  ~JobQueue() override;  // cancels the running job and waits for it

  // Applied to every spec as it is queued (the workbench fills in its device and thread settings).
  std::function<void(nlohmann::json&)> prepareSpec;
  // Queues a job; it starts when the jobs before it have finished. Returns its id.
  int enqueue(const nlohmann::json& spec, const QString& dbPath);
  // Queues the continuation of a stored run of `dbPath` (only its missing units are computed).
  int enqueueResume(qint64 runId, const QString& name, const QString& dbPath);
  // Cancels a queued or running job; false when it has already finished or is unknown.
  bool cancel(int id);
  const QVector<Entry>& entries() const { return m_entries; }
  const Entry* entry(int id) const;
  bool busy() const { return m_running >= 0; }
  static QString stateName(State s);

 Q_SIGNALS:
  void changed(int id);                           // state or progress
  void finished(int id, bool ok, qint64 runId);   // done (ok), cancelled or failed

 private:
  void startNext();
  int add(const nlohmann::json& spec, const QString& dbPath, qint64 resumeRun);
  Entry* find(int id);

  QVector<Entry> m_entries;
  int m_nextId = 1;
  int m_running = -1;  // id of the running job, -1 when idle
  std::shared_ptr<std::atomic<bool>> m_alive = std::make_shared<std::atomic<bool>>(true);
  class Worker;
  std::unique_ptr<Worker> m_worker;
};

}  // namespace lens::app
