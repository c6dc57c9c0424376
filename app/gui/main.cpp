// SPDX-License-Identifier: GPL-3.0-or-later
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QFile>
#include <QIcon>
#include <QSettings>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <QAbstractButton>
#include <QElapsedTimer>
#include <QMessageBox>
#include <QTimer>
#include <algorithm>

#include "app/gui/job_queue.h"

#include "app/gui/i18n.h"
#include "app/gui/main_window.h"
#include "core/common/allocator.h"
#include "core/common/version.h"
#include "core/model/device.h"
#include "core/store/store.h"

int main(int argc, char** argv) {
  lens::tuneAllocatorForTensors();
  lens::model::chooseBlasKernelsForCpu();
  QApplication app(argc, argv);
  QApplication::setOrganizationName("ComputeLens");
  QApplication::setApplicationName("ComputeLens");
  QApplication::setApplicationVersion(QString::fromStdString(lens::versionString()));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/computelens-256.png")));
  QGuiApplication::setDesktopFileName(QStringLiteral("io.github.computelens.ComputeLens"));
  lens::app::installTranslation(app, QSettings().value("ui/language").toString());
  QCommandLineParser parser;
  parser.setApplicationDescription(QApplication::translate("main", "ComputeLens workbench"));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("model", QApplication::translate("main", "a model folder to open"));
  QCommandLineOption db("db", QApplication::translate("main", "the results database to open"), "path");
  parser.addOption(db);
  QCommandLineOption run("run", QApplication::translate("main", "a run of the database to show"), "id");
  parser.addOption(run);
  // For the start-up benchmark (computelens-bench-heatmap): quit once the window is up and the
  // event loop has run.
  QCommandLineOption compare("compare", QApplication::translate("main", "runs to compare (comma-separated ids)"), "ids");
  parser.addOption(compare);
  QCommandLineOption show("show", QApplication::translate("main", "a dock or panel to bring to the front: runs, data, experiments, perplexity, usage, hardest, whole-run"),
                          "name");
  parser.addOption(show);
  QCommandLineOption spec("spec", QApplication::translate("main", "a job spec to queue (may be repeated)"), "file");
  parser.addOption(spec);
  QCommandLineOption demo("demo", QApplication::translate("main", "run the demo (the built-in models on the built-in task) at start"));
  parser.addOption(demo);
  QCommandLineOption quitWhenDone("quit-when-done", QApplication::translate("main", "quit once every queued job has finished (exit status 1 if one failed)"));
  parser.addOption(quitWhenDone);
  QCommandLineOption quitWhenReady("quit-when-ready", QApplication::translate("main", "quit as soon as the window is shown"));
  parser.addOption(quitWhenReady);
  parser.process(app);
  lens::app::MainWindow w;
  w.resize(900, 600);
  w.show();
  // The model given, else the built-in Duo model; the built-in task in the Data dock.
  if (!parser.positionalArguments().isEmpty()) {
    w.openModel(parser.positionalArguments().first());
  } else {
    for (const QString& m : lens::app::MainWindow::builtinModels())
      if (m.endsWith("/arith-duo-small")) w.openModel(m);
  }
  w.openProblems(QStringLiteral("builtin:arith"));
  // The database given, else the one chosen in the settings, else the CLI's default, when it exists.
  const QString saved = QSettings().value("store/path").toString();
  const QString dbPath = parser.isSet(db) ? parser.value(db)
                         : !saved.isEmpty() && QFileInfo::exists(saved) ? saved
                                                                        : QString::fromStdString(lens::store::defaultDatabasePath());
  if (parser.isSet(run))
    QObject::connect(&w, &lens::app::MainWindow::databaseOpened, &w, [&w, id = parser.value(run).toLongLong()](const QString&, bool ok) {
      if (ok) w.showRun(id);
    }, Qt::SingleShotConnection);
  if (parser.isSet(compare)) {
    QList<qint64> ids;
    for (const QString& id : parser.value(compare).split(',', Qt::SkipEmptyParts)) ids << id.toLongLong();
    QObject::connect(&w, &lens::app::MainWindow::databaseOpened, &w, [&w, ids](const QString&, bool ok) {
      if (ok) w.showComparison(ids);
    }, Qt::SingleShotConnection);
  }
  if (parser.isSet(show)) {
    const QString name = parser.value(show);
    if (!w.showPanel(name)) {
      std::fprintf(stderr, "computelens: --show %s: not a dock or panel\n", qPrintable(name));
      return 2;
    }
    // A routing panel shows once the run's routing has arrived.
    QObject::connect(&w, &lens::app::MainWindow::routingShown, &w, [&w, name](qint64, bool) { w.showPanel(name); });
  }
  if (parser.isSet(db) || QFileInfo::exists(dbPath)) w.openDatabase(dbPath);
  for (const QString& file : parser.values(spec)) {
    QFile f(file);
    nlohmann::json j;
    try {
      if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot open it");
      j = nlohmann::json::parse(f.readAll().toStdString());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "computelens: --spec %s: %s\n", qPrintable(file), e.what());
      return 2;
    }
    w.queueSpec(j);
  }
  if (parser.isSet(demo) && w.runDemo().isEmpty()) return 1;
  if (parser.isSet(quitWhenDone)) {
    // Once the queue is idle (and the last run has had a moment to be shown), quit; say how long it took.
    static QElapsedTimer clock;  // lives until the program ends, as the connection does
    clock.start();
    QObject::connect(w.jobQueue(), &lens::app::JobQueue::finished, &w, [&w](int, bool, qint64) {
      using State = lens::app::JobQueue::State;
      const auto& entries = w.jobQueue()->entries();
      if (std::any_of(entries.begin(), entries.end(), [](const auto& e) { return e.state == State::Queued || e.state == State::Running; }))
        return;
      for (const auto& e : entries)
        if (e.state != State::Done) std::fprintf(stderr, "computelens: job %s: %s %s\n", qPrintable(e.name), qPrintable(lens::app::JobQueue::stateName(e.state)), qPrintable(e.message));
      const bool ok = std::all_of(entries.begin(), entries.end(), [](const auto& e) { return e.state == lens::app::JobQueue::State::Done; });
      std::fprintf(stderr, "computelens: %d jobs finished in %.1f s%s\n", static_cast<int>(entries.size()), clock.elapsed() / 1000.0,
                   ok ? "" : " (one or more failed)");
      QTimer::singleShot(1000, qApp, [ok] { QApplication::exit(ok ? 0 : 1); });
    });
    if (w.jobQueue()->entries().isEmpty()) QTimer::singleShot(0, &app, [] { QApplication::exit(0); });
  }
  // The first start with nothing asked for and no results database yet: offer the demo (once).
  const bool plainStart = argc == 1;
  if (plainStart && !QFileInfo::exists(dbPath) && !QSettings().value("firstRun/offered").toBool()) {
    QSettings().setValue("firstRun/offered", true);
    w.offerDemo();
  }
  if (parser.isSet(quitWhenReady)) QTimer::singleShot(0, &app, [] { QApplication::exit(0); });
  return QApplication::exec();
}
