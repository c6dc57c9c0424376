// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/plot_widget.h"

#include <QFile>
#include <QSvgGenerator>

namespace lens::views {

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
