// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench end to end: a real run of the shipped model goes into a database, the main window
// lists it (read on the worker pool), and selecting it draws its accuracy-vs-FLOPs curves.
#include <cmath>
#include <QSignalSpy>
#include <QtTest>
#include <QMessageBox>
#include <QPointer>
#include <nlohmann/json.hpp>

#include "app/gui/demo.h"
#include "app/gui/experiments_view.h"
#include "app/gui/job_dialog.h"
#include "app/gui/job_queue.h"
#include "app/gui/settings_dialog.h"
#include "core/search/exchange.h"
#include "core/search/run_curves.h"
#include "views/data_view.h"
#include "sharded_main.h"
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QTextBrowser>
#include "app/gui/main_window.h"
#include <QProgressBar>
#include "common/test_helpers.h"
#include "core/jobs/runner.h"
#include "views/plot_widget.h"
#include "views/runs_view.h"
#include "views/tradeoff_view.h"
#include "views/category_map.h"
#include "views/routing_view.h"
#include "views/run_heatmap_view.h"
#include "views/search_view.h"
#include <QTreeWidget>
#include <QTableWidget>
#include "core/routing/router.h"
#include "core/store/store.h"

#include <QImage>
#include <QMouseEvent>

using namespace lens;

namespace {
// Opens DB in the window, shows problem UNIT of run RUN and checks that the view's signal
// (searchShown or routingShown: run id, ok) reports it shown.
template <typename Shown>
void showRunIn(app::MainWindow& w, const QString& db, int64_t run, int unit, Shown shownSignal) {
  w.resize(1000, 800);
  w.show();
  QSignalSpy opened(&w, &app::MainWindow::databaseOpened);
  w.openDatabase(db);
  QVERIFY(opened.wait(30000));
  QSignalSpy shown(&w, shownSignal);
  w.showRun(run, unit);
  QVERIFY(shown.wait(60000));
  QCOMPARE(shown.first().at(1).toBool(), true);
}
}  // namespace

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

  // The Experiments dock: a job spec file starts a real run through the queue (progress to the
  // end, the run in the database, the runs list refreshed); a queued job can be dropped and a
  // running one stopped (its run recorded as cancelled, resumable); a bad spec is refused with why.
  void jobQueueRunsAndCancels() {
    QTemporaryDir dir;
    const QString db = dir.filePath("jobs.db");
    auto spec = [&](const QString& name, int problems, int samples) {
      const QString path = dir.filePath(name + ".json");
      test::writeText(path.toStdString(), nlohmann::json({{"kind", "generate"}, {"name", name.toStdString()},
                                                          {"model", std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small"},
                                                          {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"count", problems}}},
                                                          {"samples", samples}, {"batch", 4}, {"seed", 1},
                                                          {"device", {{"device", "cpu"}}}})
                                              .dump());
      return path;
    };
    app::MainWindow w;
    w.show();
    auto* q = w.jobQueue();
    QSignalSpy done(q, &app::JobQueue::finished);
    auto first = w.experimentsView()->startSpecFile(spec("small", 8, 2), db);
    LENS_VERIFY_OK(first);
    QVERIFY(done.wait(120000));
    const auto* e = q->entry(*first);
    QCOMPARE(e->state, app::JobQueue::State::Done);
    QCOMPARE(e->done, qint64{8});
    QCOMPARE(e->total, qint64{8});
    QVERIFY(e->runId > 0);
    const int row = w.experimentsView()->rowOf(*first);
    QVERIFY(row >= 0);
    auto* bar = qobject_cast<QProgressBar*>(w.experimentsView()->table()->cellWidget(row, 2));
    QVERIFY(bar && bar->value() == 8 && bar->maximum() == 8);
    QVERIFY(w.experimentsView()->table()->item(row, 5)->text().startsWith("done"));
    auto st = store::Store::open(db.toStdString());
    LENS_VERIFY_OK(st);
    QCOMPARE((*st)->run(e->runId)->status, store::RunStatus::Done);

    // A long job, and one queued behind it: drop the queued one, stop the long one once it has started.
    QSignalSpy changed(q, &app::JobQueue::changed);
    auto longJob = w.experimentsView()->startSpecFile(spec("long", 400, 4), db);
    auto queued = w.experimentsView()->startSpecFile(spec("queued", 4, 1), db);
    LENS_VERIFY_OK(longJob);
    LENS_VERIFY_OK(queued);
    QCOMPARE(q->entry(*queued)->state, app::JobQueue::State::Queued);
    QVERIFY(q->cancel(*queued));
    QCOMPARE(q->entry(*queued)->state, app::JobQueue::State::Cancelled);
    QTRY_VERIFY_WITH_TIMEOUT(q->entry(*longJob)->done > 0, 120000);
    QVERIFY(q->cancel(*longJob));
    QTRY_VERIFY_WITH_TIMEOUT(q->entry(*longJob)->state == app::JobQueue::State::Cancelled, 120000);
    const auto* l = q->entry(*longJob);
    QVERIFY(l->runId > 0);
    auto run = (*st)->run(l->runId);
    LENS_VERIFY_OK(run);
    QCOMPARE(run->status, store::RunStatus::Cancelled);
    QVERIFY((*st)->unitIndexes(l->runId)->size() < 400);
    QVERIFY(!q->busy());
    QVERIFY(!q->cancel(*first));  // finished jobs stay as they are

    auto bad = w.experimentsView()->startSpecFile(dir.filePath("missing.json"), db);
    QVERIFY(!bad.ok() && bad.error().message.find("cannot open the job spec") != std::string::npos);
    test::writeText(dir.filePath("bad.json").toStdString(), R"({"kind": "generate", "samples": 2})");
    auto badSpec = w.experimentsView()->startSpecFile(dir.filePath("bad.json"), db);
    QVERIFY2(!badSpec.ok() && badSpec.error().message.find("spec") != std::string::npos, badSpec.ok() ? "" : badSpec.error().message.c_str());
  }

  // Help → Run the Demo, at a small size: its three jobs (sampling scored by the PRM, a routing
  // oracle, a beam search) run from the queue with the shipped models and land in the database.
  void demoRunsFromTheQueue() {
    QTemporaryDir dir;
    const QString db = dir.filePath("demo.db");
    LENS_VERIFY_OK(store::Store::open(db.toStdString()));  // an empty database, opened like any other
    QVERIFY(!app::findResources().isEmpty());
    QCOMPARE(app::demoSpecs(app::findResources(), 10).size(), size_t{3});
    app::MainWindow w;
    w.show();
    QSignalSpy opened(&w, &app::MainWindow::databaseOpened);
    w.openDatabase(db);
    QVERIFY(opened.wait(30000));
    QSignalSpy done(w.jobQueue(), &app::JobQueue::finished);
    const auto ids = w.runDemo(6);
    QCOMPARE(ids.size(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, 300000);
    for (int id : ids) QCOMPARE(w.jobQueue()->entry(id)->state, app::JobQueue::State::Done);
    auto st = store::Store::open(db.toStdString());
    LENS_VERIFY_OK(st);
    auto runs = (*st)->runs();
    LENS_VERIFY_OK(runs);
    QCOMPARE(runs->size(), size_t{3});
    QCOMPARE(runs->at(0).kind, std::string("generate"));
    QCOMPARE(runs->at(1).kind, std::string("oracle"));
    QCOMPARE(runs->at(2).kind, std::string("search"));
    QTRY_COMPARE_WITH_TIMEOUT(w.runsView()->rowCount(), 3, 30000);
  }

  // The first start (no results database yet): the welcome box offers the demo; Yes runs it, and
  // once its three jobs have finished the oracle run's token difficulty and the sampling run's
  // curves open with no further click, the curves in front.
  void firstStartDemoOpensItsResults() {
    QTemporaryDir dir;
    const QString db = dir.filePath("first.db");
    const QByteArray savedDb = qgetenv("LENS_DB");
    qputenv("LENS_DB", db.toUtf8());  // the default database, as on a first start
    struct Restore {
      QByteArray v;
      ~Restore() { v.isNull() ? qunsetenv("LENS_DB") : qputenv("LENS_DB", v); }
    } restore{savedDb};
    app::MainWindow w;
    w.show();
    QPointer<QMessageBox> box = w.offerDemo(6);
    QTRY_VERIFY_WITH_TIMEOUT(box && box->isVisible(), 10000);
    QSignalSpy shown(&w, &app::MainWindow::demoResultsShown);
    QSignalSpy searchShown(&w, &app::MainWindow::searchShown);
    box->button(QMessageBox::Yes)->click();
    QTRY_VERIFY(!box);  // closed and deleted
    QVERIFY(shown.wait(300000));
    const qint64 sampling = shown.first().at(0).toLongLong(), oracle = shown.first().at(1).toLongLong();
    auto st = store::Store::open(db.toStdString());
    LENS_VERIFY_OK(st);
    auto sRun = (*st)->run(sampling), oRun = (*st)->run(oracle);
    LENS_VERIFY_OK(sRun);
    LENS_VERIFY_OK(oRun);
    QCOMPARE(sRun->kind, std::string("generate"));
    QCOMPARE(oRun->kind, std::string("oracle"));
    QCOMPARE(sRun->status, store::RunStatus::Done);
    QTRY_VERIFY(w.curvesView()->isVisible());  // the Curves tab in front
    QVERIFY(!w.routingView()->isVisible());
    QVERIFY(w.curvesView()->seriesCount() > 0);
    QVERIFY(w.curvesView()->plot()->graph(0)->dataCount() > 0);
    QVERIFY(!w.routingView()->data().tokens.isEmpty());  // the oracle run's text with its difficulty
    QVERIFY(!w.routingView()->data().lossBig.isEmpty());
    QCOMPARE(searchShown.count(), 0);  // the demo's search run did not take the front
    QTRY_COMPARE_WITH_TIMEOUT(w.runsView()->rowCount(), 3, 30000);
  }

  // Selecting a sampling run and a search run together compares them: every strategy against
  // FLOPs, the compute-optimal frontier drawn thicker, series toggled from the legend.
  void comparesRunsWithTheFrontier() {
    QTemporaryDir dir;
    const QString db = dir.filePath("cmp.db");
    const std::string model = std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small";
    const std::string prm = std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm";
    jobs::RunParams p;
    p.dbPath = db.toStdString();
    const nlohmann::json data = {{"path", "builtin:arith"}, {"split", "test"}, {"limit", 4}};
    LENS_VERIFY_OK(jobs::startRun({{"kind", "generate"}, {"model", model}, {"verifier", {{"model", prm}}}, {"samples", 4}, {"seed", 1},
                                   {"dataset", data}, {"device", {{"device", "cpu"}}}},
                                  p));
    LENS_VERIFY_OK(jobs::startRun({{"kind", "search"}, {"model", model}, {"verifier", {{"model", prm}}}, {"n", 4}, {"width", 2}, {"seed", 1},
                                   {"dataset", data}, {"device", {{"device", "cpu"}}}},
                                  p));
    app::MainWindow w;
    w.show();
    QSignalSpy opened(&w, &app::MainWindow::databaseOpened);
    w.openDatabase(db);
    QVERIFY(opened.wait(30000));
    QSignalSpy shown(&w, &app::MainWindow::comparisonShown);
    w.runsView()->selectAll();
    QVERIFY(shown.wait(60000));
    QCOMPARE(shown.first().at(0).toBool(), true);
    auto* v = w.curvesView();
    QCOMPARE(v->seriesCount(), 3);  // the frontier, best-of-N weighted, beam M=2
    auto* plot = v->plot();
    QCOMPARE(plot->graph(0)->name(), QString("compute-optimal"));
    QCOMPARE(plot->graph(0)->pen().widthF(), 3.0);
    QCOMPARE(plot->graph(2)->name(), QString("beam M=2"));
    QCOMPARE(plot->graph(1)->dataCount(), 3);  // best-of-N at N = 1, 2, 4: the pool has 4 samples per problem
    plot->replot();
    // The legend is beside the axes, not over them, and lists every series.
    QCOMPARE(plot->legend->itemCount(), 3);
    QVERIFY(plot->legend->outerRect().width() > 0);
    QVERIFY2(!plot->legend->outerRect().intersects(plot->axisRect()->rect()), "the legend covers the curves");
    // Hover finds the beam point; hidden, it is no longer found.
    auto beam = plot->graph(2)->data()->at(0);
    const QPointF px(plot->xAxis->coordToPixel(beam->key), plot->yAxis->coordToPixel(beam->value));
    QVERIFY(v->toolTipAt(px).contains("beam M=2"));
    QVERIFY(v->toggleSeries(2));
    QVERIFY(!v->seriesVisible(2));
    plot->replot();
    QVERIFY(!v->toolTipAt(px).contains("beam M=2"));
    QVERIFY(v->toggleSeries(2) && v->seriesVisible(2));
    QVERIFY(!v->toggleSeries(7));
    QVERIFY(!v->table()->isVisibleTo(v));  // one model: no exchange

    // With arith-large's samples of the same problems, the comparison adds the exchange analysis:
    // its pass@1 point on the plot and the table of matched FLOPs, as the core computes them.
    const std::string large = std::string(LENS_SOURCE_DIR) + "/resources/models/arith-large";
    auto lr = jobs::startRun({{"kind", "generate"}, {"model", large}, {"samples", 2}, {"seed", 1}, {"dataset", data}, {"device", {{"device", "cpu"}}}}, p);
    LENS_VERIFY_OK(lr);
    QSignalSpy reopened(&w, &app::MainWindow::databaseOpened);
    w.openDatabase(db);
    QVERIFY(reopened.wait(30000));
    QSignalSpy shown2(&w, &app::MainWindow::comparisonShown);
    w.runsView()->selectAll();
    QVERIFY(shown2.wait(60000));
    QCOMPARE(shown2.first().at(0).toBool(), true);
    QCOMPARE(v->seriesCount(), 4);
    QCOMPARE(plot->graph(3)->name(), QString("larger model, pass@1 (run %1)").arg(lr->run.id));
    QVERIFY(v->table()->isVisibleTo(v));
    QCOMPARE(v->table()->rowCount(), 3);
    auto st = store::Store::open(db.toStdString());
    LENS_VERIFY_OK(st);
    search::ComputeOptimalOptions opt;
    auto co = search::computeOptimalFromRuns(**st, 1, {2}, opt);
    LENS_VERIFY_OK(co);
    auto ex = search::exchangeFromRuns(**st, 1, *co, lr->run.id, {0.1, 1.0, 10.0});
    LENS_VERIFY_OK(ex);
    QVERIFY(v->tableCaption().contains(QString::number(ex->sizeRatio, 'f', 2) + "× larger"));
    // And whether the two were pretrained alike, from their manifests: arith-duo-small read
    // 4,000 x 128 examples, arith-large 3,000 x 96.
    QCOMPARE(ex->smallExamples, int64_t{512000});
    QCOMPARE(ex->largeExamples, int64_t{288000});
    QVERIFY2(v->tableCaption().contains(QString("they read %1 and %2 training examples").arg(QLocale().toString(qlonglong{512000}), QLocale().toString(qlonglong{288000}))),
             qPrintable(v->tableCaption()));
    for (int i = 0; i < 3; ++i) {
      QCOMPARE(v->table()->item(i, 0)->text(), QString::number(ex->rows[i].ratio, 'g', 3));
      QCOMPARE(v->table()->item(i, 2)->text(), QString::number(ex->rows[i].multiplier, 'f', 1) + "×");
      // The paired difference small − large with its interval, in points.
      const auto& d = ex->rows[i].smallMinusLarge;
      QVERIFY(!std::isnan(d.difference));
      QCOMPARE(v->table()->item(i, 6)->text(), QString::asprintf("%+.1f [%+.1f, %+.1f] points", 100.0 * d.difference, 100.0 * d.low, 100.0 * d.high));
    }
    // The paper's multiplier, M + 3(M − 1)/R, for R = 1 (the small model's FLOPs per sample are
    // its all-big parameters', so this holds up to the attention's share).
    QVERIFY(std::abs(ex->rows[1].multiplier - (ex->sizeRatio + 3 * (ex->sizeRatio - 1))) / ex->rows[1].multiplier < 0.25);
  }

  // The Data dock: MATH-500 from ../shared filtered by subject, level and text, as the file says.
  void dataDockFiltersProblems() {
    const QString path = QString::fromStdString(test::sharedDir()) + "/data/math/test.jsonl";
    if (!QFileInfo::exists(path)) QSKIP("../shared/data/math/test.jsonl is not here");
    int algebra = 0, algebra5 = 0, total = 0;
    {
      QFile f(path);
      QVERIFY(f.open(QIODevice::ReadOnly));
      while (!f.atEnd()) {
        const QByteArray line = f.readLine().trimmed();
        if (line.isEmpty()) continue;
        const auto j = nlohmann::json::parse(line.toStdString());
        ++total;
        if (j.value("subject", std::string()) == "Algebra") {
          ++algebra;
          if (j.value("level", 0) == 5) ++algebra5;
        }
      }
    }
    app::MainWindow w;
    w.show();
    QSignalSpy opened(&w, &app::MainWindow::problemsOpened);
    w.openProblems(path);
    QVERIFY(opened.wait(30000));
    QCOMPARE(opened.first().at(1).toBool(), true);
    auto* d = w.dataView();
    QCOMPARE(d->visibleRows(), total);
    QCOMPARE(d->subjectBox()->count(), 8);  // "All subjects" and MATH's seven
    d->subjectBox()->setCurrentIndex(d->subjectBox()->findData("Algebra"));
    QCOMPARE(d->visibleRows(), algebra);
    d->levelBox()->setCurrentIndex(d->levelBox()->findData(5));
    QCOMPARE(d->visibleRows(), algebra5);
    // The first visible problem's text, solution and answer, escaped, in the detail pane.
    d->showRow(0);
    const QString shown = d->detail()->toPlainText();
    QVERIFY(shown.contains("Reference solution"));
    QVERIFY(shown.contains("Level 5"));
    d->searchEdit()->setText("no problem contains this 7f3a");
    QCOMPARE(d->visibleRows(), 0);
    d->searchEdit()->clear();
    d->levelBox()->setCurrentIndex(0);
    d->subjectBox()->setCurrentIndex(0);
    QCOMPARE(d->visibleRows(), total);
    // The built-in task; and a file that is not there gives a message, not a crash.
    QSignalSpy builtin(&w, &app::MainWindow::problemsOpened);
    w.openProblems("builtin:arith");
    QVERIFY(builtin.wait(30000));
    QVERIFY(d->visibleRows() > 0);
    QCOMPARE(QString::fromStdString(d->problems()->problems.front().problem).isEmpty(), false);
  }

  // Experiments → New Experiment builds the spec the CLI would run; the core checks it; queued, it
  // runs and its run appears. Resume continues a stopped run with only its missing units.
  void newExperimentDialogQueuesAndResumes() {
    QTemporaryDir dir;
    const QStringList models = app::MainWindow::builtinModels();
    QVERIFY(models.size() >= 3);
    app::JobDialog dialog(models, "cpu");
    dialog.setKind(app::JobDialog::Kind::Oracle);
    dialog.problemsBox()->setValue(2);
    dialog.budgetsEdit()->setText("k=0,2");
    const nlohmann::json spec = dialog.spec();
    QCOMPARE(spec["kind"], "oracle");
    QCOMPARE(spec["budgets"], "k=0,2");
    QCOMPARE(spec["dataset"]["path"], "builtin:arith");
    QCOMPARE(spec["dataset"]["limit"], 2);
    QCOMPARE(spec["device"]["device"], "cpu");
    QVERIFY(QString::fromStdString(spec["model"].get<std::string>()).endsWith("arith-duo-small"));
    QVERIFY2(dialog.validate().isEmpty(), qPrintable(dialog.validate()));
    // A bad budget is refused with the core's message, and the dialog stays open.
    dialog.budgetsEdit()->setText("k=banana");
    QVERIFY(!dialog.validate().isEmpty());
    dialog.accept();
    QVERIFY(!dialog.errorLabel()->text().isEmpty());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    dialog.budgetsEdit()->setText("k=0,2");
    // Search and router-training specs carry their own fields.
    dialog.setKind(app::JobDialog::Kind::Search);
    dialog.strategyBox()->setCurrentText("dvts");
    dialog.widthBox()->setValue(2);
    QCOMPARE(dialog.spec()["strategy"], "dvts");
    QCOMPARE(dialog.spec()["width"], 2);
    QVERIFY(QString::fromStdString(dialog.spec()["verifier"]["model"].get<std::string>()).endsWith("arith-prm-likelihood"));
    QVERIFY2(dialog.validate().isEmpty(), qPrintable(dialog.validate()));
    QVERIFY(!dialog.spec().contains("keep_above"));  // not a revision
    dialog.strategyBox()->setCurrentText("revise");
    QVERIFY(!dialog.spec().contains("keep_above"));  // the gate's minimum reads "none"
    dialog.keepAboveBox()->setValue(-0.01);
    QCOMPARE(dialog.spec()["keep_above"].get<double>(), -0.01);
    QVERIFY2(dialog.validate().isEmpty(), qPrintable(dialog.validate()));
    dialog.setKind(app::JobDialog::Kind::RouterTraining);
    QCOMPARE(dialog.spec()["kind"], "router-train");
    QCOMPARE(dialog.spec()["dataset"]["split"], "train");
    QVERIFY2(dialog.validate().isEmpty(), qPrintable(dialog.validate()));

    // Settings fill in the device and threads of queued specs that leave them out.
    app::WorkbenchSettings ws;
    ws.device = "cpu";
    ws.threads = 1;
    nlohmann::json bare = {{"kind", "oracle"}}, named = {{"kind", "oracle"}, {"device", {{"device", "cuda"}}}};
    ws.applyTo(bare);
    ws.applyTo(named);
    QCOMPARE(bare["device"]["device"], "cpu");
    QCOMPARE(bare["device"]["threads"], 1);
    QCOMPARE(named["device"]["device"], "cuda");

    LENS_VERIFY_OK(store::Store::open(dir.filePath("exp.db").toStdString()));  // an empty database
    app::MainWindow w;
    w.show();
    QSignalSpy opened(&w, &app::MainWindow::databaseOpened);
    w.openDatabase(dir.filePath("exp.db"));
    QVERIFY(opened.wait(30000));
    dialog.setKind(app::JobDialog::Kind::Oracle);
    QSignalSpy done(w.jobQueue(), &app::JobQueue::finished);
    QSignalSpy routing(&w, &app::MainWindow::routingShown);
    w.queueSpec(dialog.spec());
    QVERIFY(done.wait(300000));
    QCOMPARE(done.first().at(1).toBool(), true);
    const qint64 runId = done.first().at(2).toLongLong();
    QVERIFY(routing.wait(60000));  // the finished run is shown
    QCOMPARE(w.routingView()->data().budgets, QStringList({"k=0", "k=2"}));

    // A run stopped after one of its three units, resumed from the queue.
    jobs::RunParams p;
    p.dbPath = dir.filePath("exp.db").toStdString();
    p.maxNewUnits = 1;
    nlohmann::json three = dialog.spec();
    three["dataset"]["limit"] = 3;
    auto stopped = jobs::startRun(three, p);
    LENS_VERIFY_OK(stopped);
    QVERIFY(stopped->run.id != runId);
    QSignalSpy resumed(w.jobQueue(), &app::JobQueue::finished);
    w.jobQueue()->enqueueResume(stopped->run.id, "resume", dir.filePath("exp.db"));
    QVERIFY(resumed.wait(300000));
    QCOMPARE(resumed.first().at(1).toBool(), true);
    QCOMPARE(resumed.first().at(2).toLongLong(), stopped->run.id);
    auto st = store::Store::open(p.dbPath);
    LENS_VERIFY_OK(st);
    auto units = (*st)->unitIndexes(stopped->run.id);
    LENS_VERIFY_OK(units);
    QCOMPARE(units->size(), size_t(3));
  }

  // A gated revision run: the title names the gate, and the turns it kept are marked in the tree.
  void searchInspectorMarksKeptAttempts() {
    QTemporaryDir dir;
    const QString db = dir.filePath("revise.db");
    nlohmann::json spec = {{"kind", "search"},
                           {"model", std::string(LENS_SOURCE_DIR) + "/resources/models/arith-revise"},
                           {"strategy", "revise"},
                           {"select", "majority"},
                           {"n", 3},
                           {"chain_length", 3},
                           {"keep_above", -1000.0},  // every first attempt clears it
                           {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", 1}}},
                           {"seed", 1},
                           {"device", {{"device", "cpu"}}}};
    jobs::RunParams p;
    p.dbPath = db.toStdString();
    auto r = jobs::startRun(spec, p);
    LENS_VERIFY_OK(r);
    app::MainWindow w;
    showRunIn(w, db, r->run.id, 0, &app::MainWindow::searchShown);
    if (QTest::currentTestFailed()) return;
    auto* v = w.searchView();
    QVERIFY2(v->header().contains("chains of 3, kept above a mean log-prob of -1000"), qPrintable(v->header()));
    QCOMPARE(v->tree()->topLevelItemCount(), 1);
    const QTreeWidgetItem* first = v->tree()->topLevelItem(0);
    QVERIFY(!first->text(0).startsWith("(kept)"));
    QCOMPARE(first->childCount(), 1);
    const QTreeWidgetItem* second = first->child(0);
    QVERIFY2(second->text(0).startsWith("(kept) ") && second->text(2) == "0", qPrintable(second->text(0)));
    QCOMPARE(second->text(0).mid(7), first->text(0));  // the same attempt
  }

  // The search inspector: a beam search of the shipped model and PRM; selecting the run shows a
  // problem's tree exactly as stored (nodes under their parents, the chosen path marked, scores),
  // its solutions with their grades, and moving to another problem reads that one.
  void searchInspectorShowsTheTree() {
    QTemporaryDir dir;
    const QString db = dir.filePath("search.db");
    const std::string model = std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small";
    nlohmann::json spec = {{"kind", "search"},
                           {"model", model},
                           {"verifier", {{"model", std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm"}}},
                           {"strategy", "beam"},
                           {"n", 4},
                           {"width", 2},
                           {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", 2}}},
                           {"seed", 1},
                           {"device", {{"device", "cpu"}}}};
    jobs::RunParams p;
    p.dbPath = db.toStdString();
    auto r = jobs::startRun(spec, p);
    LENS_VERIFY_OK(r);
    auto st = store::Store::open(db.toStdString());
    LENS_VERIFY_OK(st);
    auto unit = (*st)->unit(r->run.id, 1);
    LENS_VERIFY_OK(unit);

    app::MainWindow w;
    showRunIn(w, db, r->run.id, 1, &app::MainWindow::searchShown);
    if (QTest::currentTestFailed()) return;
    auto* v = w.searchView();
    QVERIFY2(v->header().contains("problem 2 of 2") && v->header().contains("Reference answer: "), qPrintable(v->header()));
    // Every stored node appears once, under its parent, with its score; the chosen path is bold.
    int items = 0, bold = 0;
    std::function<void(QTreeWidgetItem*, int)> walk = [&](QTreeWidgetItem* it, int parent) {
      const int id = it->data(0, Qt::UserRole).toInt();
      const auto& n = unit->nodes[static_cast<size_t>(id)];
      QCOMPARE(n.parent.value_or(-1), parent);
      QCOMPARE(it->text(1), QString::number(*n.score, 'f', 3));
      QCOMPARE(it->font(0).bold(), n.selected);
      ++items;
      bold += n.selected;
      for (int c = 0; c < it->childCount(); ++c) walk(it->child(c), id);
    };
    for (int i = 0; i < v->tree()->topLevelItemCount(); ++i) walk(v->tree()->topLevelItem(i), -1);
    QCOMPARE(items, static_cast<int>(unit->nodes.size()));
    QVERIFY(bold >= 1);
    // The deepest chosen node is current from the start, its whole path shown, first step first, down
    // to the returned answer's last step; selecting it again shows the same.
    int deepest = -1;
    for (const auto& n : unit->nodes)
      if (n.selected && (deepest < 0 || n.depth > unit->nodes[static_cast<size_t>(deepest)].depth)) deepest = n.index;
    QVERIFY(v->tree()->currentItem());
    QCOMPARE(v->tree()->currentItem()->data(0, Qt::UserRole).toInt(), deepest);
    int first = deepest;
    while (unit->nodes[static_cast<size_t>(first)].parent) first = *unit->nodes[static_cast<size_t>(first)].parent;
    const QString shown = v->pathText();
    QVERIFY2(shown.startsWith(QString::fromStdString(unit->nodes[static_cast<size_t>(first)].text).trimmed()), qPrintable(shown));
    QVERIFY2(shown.contains(QString::fromStdString(unit->nodes[static_cast<size_t>(deepest)].text).trimmed()), qPrintable(shown));
    QVERIFY(v->selectNode(deepest));
    QCOMPARE(v->pathText(), shown);
    QVERIFY(!v->selectNode(100000));
    // The finished solutions with their answers and grades.
    QCOMPARE(v->samples()->rowCount(), static_cast<int>(unit->samples.size()));
    for (int i = 0; i < v->samples()->rowCount(); ++i) {
      const auto& s = unit->samples[static_cast<size_t>(i)];
      QCOMPARE(v->samples()->item(i, 1)->text(), QString(s.correct.value_or(false) ? "yes" : "no"));
    }
    // The run's report, as HTML and as PDF.
    LENS_VERIFY_OK(w.exportReport({r->run.id}, dir.filePath("report.html")));
    LENS_VERIFY_OK(w.exportReport({r->run.id}, dir.filePath("report.pdf")));
    QFile html(dir.filePath("report.html")), pdf(dir.filePath("report.pdf"));
    QVERIFY(html.open(QIODevice::ReadOnly) && pdf.open(QIODevice::ReadOnly));
    QVERIFY(html.readAll().contains("Accuracy and compute per problem"));
    const QByteArray pdfBytes = pdf.readAll();
    QVERIFY(pdfBytes.startsWith("%PDF-") && pdfBytes.size() > 1000);
    QVERIFY(!w.exportReport({424242}, dir.filePath("none.html")).ok());
    // Another problem on request.
    QSignalSpy again(&w, &app::MainWindow::searchShown);
    Q_EMIT v->unitRequested(0);
    QVERIFY(again.wait(60000));
    QVERIFY(v->header().contains("problem 1 of 2"));
  }

  // An oracle run of the shipped Duo model: selecting it fills the token view and the heatmap with
  // exactly what the store holds, and the two stay in sync.
  void showsOracleRoutingSynced() {
    QTemporaryDir dir;
    const QString db = dir.filePath("routing.db");
    // A router that sends every token through the small module at every layer.
    routing::Router small;
    small.layers = 4;
    small.hidden = 160;
    small.weight.assign(4 * 3 * 160, 0.0f);
    small.bias = {0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0};
    LENS_VERIFY_OK(small.save(dir.filePath("small").toStdString()));
    nlohmann::json spec = {{"kind", "oracle"},
                           {"routers", {dir.filePath("small").toStdString()}},
                           {"name", "routing test"},
                           {"model", std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small"},
                           {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", 2}}},
                           {"budgets", "k=0,1,4"},
                           {"random_routings", 10},
                           {"device", {{"device", "cpu"}}}};
    jobs::RunParams p;
    p.dbPath = db.toStdString();
    auto r = jobs::startRun(spec, p);
    LENS_VERIFY_OK(r);
    auto st = store::Store::open(db.toStdString());
    LENS_VERIFY_OK(st);
    auto seq = (*st)->routingSequence(r->run.id, 1, 0);
    LENS_VERIFY_OK(seq);

    app::MainWindow w;
    showRunIn(w, db, r->run.id, 1, &app::MainWindow::routingShown);
    if (QTest::currentTestFailed()) return;
    auto* v = w.routingView();
    QCOMPARE(v->data().budgets, QStringList({"k=0", "k=1", "k=4", "router small"}));
    QCOMPARE(v->data().oracleBudgets, 3);
    QCOMPARE(v->data().sequences, 2);
    QCOMPARE(v->sequenceBox()->value(), 1);
    const int S = v->data().scored(), L = 4;
    QCOMPARE(static_cast<size_t>(S), seq->positions());
    QCOMPARE(v->data().tokens.size(), static_cast<int>(seq->tokenIds.size()));
    QCOMPARE(v->data().tokens.join(QString()).left(9), QString("Problem: "));  // the byte tokenizer's text

    // The colour key names the heatmap's colours (the ones the pixel checks below expect).
    const QString key = v->findChild<QLabel*>("colourKey")->text();
    QVERIFY(key.contains("#e1e1e1") && key.contains("#56b4e9") && key.contains("#d55e00"));
    // The heatmap shows the stored routes of the chosen budget, cell by cell.
    v->setBudget(1);
    v->heatmap()->replot();
    auto* map = static_cast<views::CategoryMap*>(v->heatmap()->plottable(0));
    for (int t = 0; t < S; ++t)
      for (int l = 0; l < L; ++l) QCOMPARE(map->code(t, l), static_cast<int>(seq->routes[(t * 3 + 1) * L + l]));
    {  // and draws each cell in its module's colour
      const QImage shot = v->heatmap()->toPixmap(v->heatmap()->width(), v->heatmap()->height(), 1.0).toImage();
      const QColor colour[3] = {QColor(225, 225, 225), QColor(86, 180, 233), QColor(213, 94, 0)};
      for (int t = 0; t < S; t += 7)
        for (int l = 0; l < L; ++l)
          // (a quarter cell off the centre, clear of the axes' tick marks)
          QCOMPARE(shot.pixelColor(static_cast<int>(v->heatmap()->xAxis->coordToPixel(t + 0.25)),
                                   static_cast<int>(v->heatmap()->yAxis->coordToPixel(l + 0.25))),
                   colour[seq->routes[(t * 3 + 1) * L + l]]);
    }
    // Hover over a cell names its module and the token's metrics from the store.
    const int row = S / 2, layer = 3;
    const QPointF px(v->heatmap()->xAxis->coordToPixel(row), v->heatmap()->yAxis->coordToPixel(layer));
    const QString tip = v->heatmapToolTipAt(px);
    const char* names[] = {"skip", "small", "big"};
    QVERIFY2(tip.startsWith(QString("layer 3: %1 (k=1)").arg(names[seq->routes[(row * 3 + 1) * L + 3]])), qPrintable(tip));
    QVERIFY2(tip.contains(QString("all-big %1").arg(seq->fixedLosses[row * 3 + 2], 0, 'f', 4)), qPrintable(tip));
    QVERIFY(v->heatmapToolTipAt(QPointF(-10, -10)).isEmpty());

    // Clicking a token selects its column in the heatmap; clicking the heatmap selects the token.
    QSignalSpy selected(v, &views::RoutingView::rowSelected);
    QTest::mouseClick(v->strip(), Qt::LeftButton, {}, v->strip()->boxOf(5).center());
    QCOMPARE(v->selectedRow(), 5);
    QCOMPARE(selected.last().at(0).toInt(), 5);
    QTest::mouseClick(v->heatmap(), Qt::LeftButton, {}, QPoint(static_cast<int>(v->heatmap()->xAxis->coordToPixel(row)),
                                                             static_cast<int>(v->heatmap()->yAxis->coordToPixel(1))));
    QCOMPARE(v->strip()->selected(), row);
    // The most difficult token at k=4 is shaded darkest; its gain is all-skip minus the oracle.
    QCOMPARE(v->difficulty(row, 2), seq->fixedLosses[row * 3] - seq->losses[row * 3 + 2]);

    // The router's routes: small everywhere, with its stored losses in the token's tooltip.
    v->setBudget(3);
    for (int t = 0; t < S; ++t)
      for (int l = 0; l < L; ++l) QCOMPARE(map->code(t, l), 1);
    QVERIFY(v->heatmapToolTipAt(px).startsWith("layer 3: small (router small)"));
    QVERIFY2(v->tokenToolTip(row).contains(QString("router small: %1 via ssss").arg(seq->routerLosses[static_cast<size_t>(row)], 0, 'f', 4)),
             qPrintable(v->tokenToolTip(row)));

    // Perplexity vs compute: oracle, random, best-of-10 random, the three fixed routes and the router.
    QCOMPARE(v->curves()->graphCount(), 7);
    // Each point carries the 95 % interval of its perplexity over sequences (exp of the loss's
    // interval, from the routing report), drawn as an error bar that spans exactly that interval.
    int bars = 0, wide = 0;
    for (int i = 0; i < v->curves()->plottableCount(); ++i) {
      auto* eb = qobject_cast<QCPErrorBars*>(v->curves()->plottable(i));
      if (!eb) continue;
      ++bars;
      auto* g = qobject_cast<QCPGraph*>(eb->dataPlottable());
      QVERIFY(g);
      QCOMPARE(eb->dataCount(), g->dataCount());
      for (int k = 0; k < g->dataCount(); ++k) {
        const double x = g->data()->at(k)->key, y = g->data()->at(k)->value;
        const auto p = std::find_if(v->data().points.begin(), v->data().points.end(),
                                    [&](const auto& p) { return p.policy == g->name() && p.flopsFraction == x && p.perplexity == y; });
        QVERIFY2(p != v->data().points.end(), qPrintable(g->name()));
        QVERIFY(p->perplexityLow <= p->perplexity && p->perplexity <= p->perplexityHigh);
        QVERIFY(std::abs(y - eb->data()->at(k).errorMinus - p->perplexityLow) < 1e-9);
        QVERIFY(std::abs(y + eb->data()->at(k).errorPlus - p->perplexityHigh) < 1e-9);
        wide += p->perplexityHigh > p->perplexityLow;
      }
    }
    QCOMPARE(bars, 7);
    QVERIFY(wide > 0);

    QTemporaryDir out;
    QVERIFY(v->exportHeatmap(out.filePath("h.png")));
    QVERIFY(v->exportHeatmap(out.filePath("h.pdf")));
    QVERIFY(v->exportHeatmap(out.filePath("h.svg")));
    QVERIFY(v->exportHeatmap(out.filePath("h.csv")));
    QCOMPARE(QImage(out.filePath("h.png")).width(), 2 * std::max(v->heatmap()->width(), 640));
    QFile csv(out.filePath("h.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts).size(), 1 + S * L);
    // The perplexity and layer-usage plots export too (right-click → Export… on every plot).
    for (QCustomPlot* plot : {v->heatmap(), v->curves(), v->usagePlot(), v->runHeatmap()->heatmap()})
      QCOMPARE(plot->contextMenuPolicy(), Qt::CustomContextMenu);
    QVERIFY(v->exportCurves(out.filePath("c.svg")) && v->exportUsage(out.filePath("u.pdf")));
    QVERIFY(v->exportCurves(out.filePath("c.csv")) && v->exportUsage(out.filePath("u.csv")));
    QFile curvesCsv(out.filePath("c.csv")), usageCsv(out.filePath("u.csv"));
    QVERIFY(curvesCsv.open(QIODevice::ReadOnly) && usageCsv.open(QIODevice::ReadOnly));
    const QStringList curveLines = QString::fromUtf8(curvesCsv.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(curveLines.size(), 1 + v->data().points.size());
    QCOMPARE(curveLines.first(), QString("policy,budget,flops_fraction,perplexity,perplexity_ci_low,perplexity_ci_high"));
    for (int i = 1; i < curveLines.size(); ++i) {  // every row: low <= perplexity <= high
      const QStringList f = curveLines[i].split(',');
      QVERIFY2(f.size() == 6 && f[4].toDouble() <= f[3].toDouble() && f[3].toDouble() <= f[5].toDouble(), qPrintable(curveLines[i]));
    }
    const QStringList usageLines = QString::fromUtf8(usageCsv.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(usageLines.size(), 1 + 4 * L);  // three budgets and the router, four layers each
    // Each row's shares sum to one.
    for (int i = 1; i < usageLines.size(); ++i) {
      const QStringList f = usageLines[i].split(',');
      QVERIFY(std::abs(f[2].toDouble() + f[3].toDouble() + f[4].toDouble() - 1.0) < 1e-9);
    }

    // Over the whole run (both sequences), by hand from the store: layer usage at k=1, the hardest
    // token at k=4, and every route in the whole-run heatmap.
    auto seq0 = (*st)->routingSequence(r->run.id, 0, 0);
    LENS_VERIFY_OK(seq0);
    const store::RoutingSequence* both[2] = {&*seq0, &*seq};
    std::vector<double> big(L, 0), smallUse(L, 0);
    double hardest = -1e9;
    size_t positions = 0;
    for (const auto* q : both) {
      for (size_t t = 0; t < q->positions(); ++t) {
        for (int l = 0; l < L; ++l) {
          big[l] += q->routes[(t * 3 + 1) * L + l] == 2;
          smallUse[l] += q->routes[(t * 3 + 1) * L + l] == 1;
        }
        hardest = std::max(hardest, static_cast<double>(q->fixedLosses[t * 3] - q->losses[t * 3 + 2]));
      }
      positions += q->positions();
    }
    v->setBudget(1);
    QCOMPARE(v->usagePlot()->plottableCount(), 3);  // skip, small, big bars
    auto* bigBars = static_cast<QCPBars*>(v->usagePlot()->plottable(2));
    auto* smallBars = static_cast<QCPBars*>(v->usagePlot()->plottable(1));
    for (int l = 0; l < L; ++l) {
      QVERIFY(std::abs(bigBars->data()->at(l)->value - big[l] / positions) < 1e-9);
      QVERIFY(std::abs(smallBars->data()->at(l)->value - smallUse[l] / positions) < 1e-9);
    }
    QVERIFY(v->hardestTable()->rowCount() > 5);
    QCOMPARE(v->hardestTable()->item(0, 4)->text(), QString::number(hardest, 'f', 4));
    // A double-click on the hardest token opens its sequence with that token selected.
    const int hardUnit = v->hardestTable()->item(0, 0)->text().toInt(), hardPos = v->hardestTable()->item(0, 1)->text().toInt();
    QSignalSpy reshown(&w, &app::MainWindow::routingShown);
    Q_EMIT v->hardestTable()->cellDoubleClicked(0, 2);
    if (hardUnit != 1) QVERIFY(reshown.wait(60000));
    QCOMPARE(v->data().sequence, hardUnit);
    QCOMPARE(v->data().firstPosition + v->selectedRow(), hardPos);

    QSignalSpy runShown(&w, &app::MainWindow::runRoutesShown);
    v->panels()->setCurrentWidget(v->runHeatmap());
    QVERIFY(runShown.wait(60000));
    const auto* whole = v->runHeatmap()->data();
    QVERIFY(whole);
    QCOMPARE(whole->routeSet, QString("k=1"));
    QCOMPARE(whole->rows(), static_cast<int64_t>(positions));
    QCOMPARE(whole->units, std::vector<int64_t>({0, 1}));
    for (size_t t = 0; t < seq->positions(); ++t)
      for (int l = 0; l < L; ++l)
        QCOMPARE((*whole->cells)[(seq0->positions() + t) * L + l], seq->routes[(t * 3 + 1) * L + l]);
    // Another budget reads that route set; a double-click opens the token in the sequence view.
    v->setBudget(2);
    QVERIFY(runShown.wait(60000));
    QCOMPARE(v->runHeatmap()->data()->routeSet, QString("k=4"));
    QSignalSpy opened0(&w, &app::MainWindow::routingShown);
    Q_EMIT v->runHeatmap()->tokenActivated(0, 3);
    if (v->data().sequence != 0) QVERIFY(opened0.wait(60000));
    QCOMPARE(v->data().sequence, 0);
    QCOMPARE(v->selectedRow(), 3);
  }
};

LENS_QTEST_SHARDED_MAIN(TestWorkbench, QApplication)
#include "test_workbench.moc"
