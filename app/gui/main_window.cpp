// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/gui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QtConcurrent>

#include "core/common/version.h"
#include "views/model_summary_view.h"

namespace lens::app {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("ComputeLens"));
  m_summary = new views::ModelSummaryView(this);
  setCentralWidget(m_summary);
  m_inspect = new QFutureWatcher<Result<model::ModelSummary>>(this);

  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open Model Folder\u2026"), this, &MainWindow::chooseModel);
  open->setShortcut(QKeySequence::Open);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
  quit->setShortcut(QKeySequence::Quit);
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About ComputeLens"), this, &MainWindow::showAbout);

  connect(m_inspect, &QFutureWatcherBase::finished, this, [this] {
    const auto r = m_inspect->result();
    const QString dir = m_inspect->property("dir").toString();
    if (r.ok()) {
      m_summary->setSummary(r.value());
      statusBar()->showMessage(tr("Loaded %1").arg(dir), 5000);
      QSettings().setValue("models/lastDir", dir);
    } else {
      m_summary->clear();
      statusBar()->showMessage(tr("Could not open %1").arg(dir));
      QMessageBox::warning(this, tr("Cannot open model"), QString::fromStdString(r.error().describe()));
    }
    Q_EMIT modelOpened(dir, r.ok());
  });
  restoreGeometry(QSettings().value("window/geometry").toByteArray());
  statusBar()->showMessage(tr("Ready"));
}

MainWindow::~MainWindow() {
  QSettings().setValue("window/geometry", saveGeometry());
  m_inspect->waitForFinished();  // the owner waits for its job (no worker outlives the window)
}

void MainWindow::openModel(const QString& dir) {
  if (m_inspect->isRunning()) m_inspect->waitForFinished();
  m_inspect->setProperty("dir", dir);
  statusBar()->showMessage(tr("Reading %1\u2026").arg(dir));
  m_inspect->setFuture(QtConcurrent::run([d = dir.toStdString()] { return model::inspectModel(d); }));
}

void MainWindow::chooseModel() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a Hugging Face model folder"),
                                                        QSettings().value("models/lastDir").toString());
  if (!dir.isEmpty()) openModel(dir);
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About ComputeLens"),
                     tr("<h3>ComputeLens %1</h3><p>Where a language model's compute goes, and where more of it would pay.</p>"
                        "<p>Licensed under the GNU General Public License, version 3 or later. Uses Qt %2, libtorch %3 and "
                        "QCustomPlot (GPL).</p>")
                         .arg(QString::fromStdString(versionString()), QString::fromLatin1(qVersion()),
                              QString::fromStdString(torchVersionString())));
}

}  // namespace lens::app
