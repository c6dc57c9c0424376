// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench end to end: a real run of the shipped model goes into a database, the main window
// lists it (read on the worker pool), and selecting it draws its accuracy-vs-FLOPs curves.
#include <QSignalSpy>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "app/gui/main_window.h"
#include "common/test_helpers.h"
#include "core/jobs/runner.h"
#include "views/plot_widget.h"
#include "views/runs_view.h"
#include "views/tradeoff_view.h"

using namespace lens;

class TestWorkbench : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void listsRunsAndDrawsCurves() {
    QTemporaryDir dir;
    const QString db = dir.filePath("results.db");
    nlohmann::json spec = {{"kind", "generate"},
                           {"name", "workbench test"},
                           {"model", std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small"},
                           {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"count", 20}}},
                           {"samples", 4},
                           {"batch", 10},
                           {"seed", 3},
                           {"sampling", {{"temperature", 1.0}, {"max_new_tokens", 400}}},
                           {"device", {{"device", "cpu"}}}};
    jobs::RunParams p;
    p.dbPath = db.toStdString();
    auto r = jobs::startRun(spec, p);
    LENS_VERIFY_OK(r);

    app::MainWindow w;
    w.show();
    QSignalSpy opened(&w, &app::MainWindow::databaseOpened);
    w.openDatabase(db);
    QVERIFY(opened.wait(30000));
    QCOMPARE(opened.first().at(1).toBool(), true);
    QCOMPARE(w.runsView()->rowCount(), 1);
    QCOMPARE(w.runsView()->item(0, 2)->text(), QString("workbench test"));
    QCOMPARE(w.runsView()->item(0, 4)->text(), QString("20/20"));

    QSignalSpy shown(&w, &app::MainWindow::curvesShown);
    w.runsView()->selectRow(0);
    QVERIFY(shown.wait(60000));
    QCOMPARE(shown.first().at(1).toBool(), true);
    // all + 5 bins + the 5 levels; budgets up to the 4 samples per problem.
    QCOMPARE(w.curvesView()->seriesCount(), 11);
    auto* all = w.curvesView()->plot()->graph(0);
    QCOMPARE(all->name(), QString("all"));
    QCOMPARE(all->dataCount(), 3);  // N = 1, 2, 4
    QVERIFY(all->data()->at(0)->key > 0);

    // A broken database: a clear message, nothing shown.
    const QString bad = dir.filePath("bad.db");
    test::writeText(bad.toStdString(), "not a database at all, just text");
    QSignalSpy opened2(&w, &app::MainWindow::databaseOpened);
    QTimer::singleShot(0, [] {
      // The warning dialog is modal: close it once it appears.
      QTimer* t = new QTimer;
      QObject::connect(t, &QTimer::timeout, [t] {
        if (auto* m = qobject_cast<QWidget*>(QApplication::activeModalWidget())) {
          m->close();
          t->deleteLater();
        }
      });
      t->start(50);
    });
    w.openDatabase(bad);
    QVERIFY(opened2.wait(30000));
    QCOMPARE(opened2.first().at(1).toBool(), false);
    QCOMPARE(w.runsView()->rowCount(), 0);
  }
};

QTEST_MAIN(TestWorkbench)
#include "test_workbench.moc"
