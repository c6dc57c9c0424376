// SPDX-License-Identifier: GPL-3.0-or-later
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QFile>
#include <QSettings>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <QTimer>

#include "app/gui/i18n.h"
#include "app/gui/main_window.h"
#include "core/common/version.h"
#include "core/store/store.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("ComputeLens");
  QApplication::setApplicationName("ComputeLens");
  QApplication::setApplicationVersion(QString::fromStdString(lens::versionString()));
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
  if (parser.isSet(quitWhenReady)) QTimer::singleShot(0, &app, [] { QApplication::exit(0); });
  return QApplication::exec();
}
