// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/plot_widget.h"

#include <QCoreApplication>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>

#include <QFile>
#include <QSvgGenerator>

namespace lens::views {

void setupHeatmapPlot(QCustomPlot* plot, const QString& xLabel) {
  plot->xAxis->setLabel(xLabel);
  plot->yAxis->setLabel(QCoreApplication::translate("lens::views::RoutingView", "layer"));
  plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot->axisRect()->setRangeZoom(Qt::Horizontal);
  plot->axisRect()->setRangeDrag(Qt::Horizontal);
  plot->setMouseTracking(true);
}

bool writeCsv(const QString& path, const QString& header, const std::function<void(QTextStream&)>& rows) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
  QTextStream out(&f);
  out << header << '\n';
  rows(out);
  return out.status() == QTextStream::Ok;
}

void installExportMenu(QCustomPlot* plot, std::function<QString()> title, std::function<bool(const QString&)> csv) {
  plot->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot, title, csv](const QPoint& at) {
    QMenu menu(plot);
    QAction* exportAction = menu.addAction(QCoreApplication::translate("lens::views::PlotExport", "Export\u2026"));
    if (menu.exec(plot->mapToGlobal(at)) != exportAction) return;
    QString filters = QCoreApplication::translate("lens::views::PlotExport", "PNG image (*.png);;PDF (*.pdf);;SVG (*.svg)");
    if (csv) filters += QCoreApplication::translate("lens::views::PlotExport", ";;CSV data (*.csv)");
    const QString path = QFileDialog::getSaveFileName(plot, QCoreApplication::translate("lens::views::PlotExport", "Export plot"), QString(), filters);
    if (path.isEmpty()) return;
    const bool ok = path.toLower().endsWith(".csv") ? (csv && csv(path)) : exportPlotImage(plot, path, title());
    if (!ok)
      QMessageBox::warning(plot, QCoreApplication::translate("lens::views::PlotExport", "Export plot"),
                           QCoreApplication::translate("lens::views::PlotExport", "Could not write %1 (use .png, .pdf, .svg%2).")
                               .arg(path, csv ? QStringLiteral(", .csv") : QString()));
  });
}

bool exportPlotImage(QCustomPlot* plot, const QString& path, const QString& title) {
  const int w = std::max(plot->width(), 640), h = std::max(plot->height(), 420);
  const QString lower = path.toLower();
  if (lower.endsWith(".png")) return plot->savePng(path, w, h, 2.0);
  if (lower.endsWith(".pdf")) return plot->savePdf(path, w, h);
  if (!lower.endsWith(".svg")) return false;
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(QSize(w, h));
  svg.setViewBox(QRect(0, 0, w, h));
  svg.setTitle(title);
  QCPPainter painter;
  if (!painter.begin(&svg)) return false;
  plot->toPainter(&painter, w, h);
  painter.end();
  return QFile::exists(path);
}

}  // namespace lens::views
