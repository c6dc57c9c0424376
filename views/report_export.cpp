// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/report_export.h"

#include <QFile>
#include <QImage>
#include <QPainter>
#include <QPageSize>
#include <QPdfWriter>
#include <QSvgRenderer>
#include <QTextDocument>
#include <QUrl>

#include "core/report/report.h"

namespace lens::views {

Status exportReport(const report::ReportDocument& doc, const QString& path) {
  if (!path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive)) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
      return makeError(ErrorCode::Io, path.toStdString() + ": cannot write: " + f.errorString().toStdString());
    const std::string html = doc.standaloneHtml();
    if (f.write(html.data(), static_cast<qint64>(html.size())) != static_cast<qint64>(html.size()))
      return makeError(ErrorCode::Io, path.toStdString() + ": cannot write: " + f.errorString().toStdString());
    return Status::success();
  }
  QTextDocument text;
  for (size_t i = 0; i < doc.charts.size(); ++i) {
    QSvgRenderer svg(QByteArray::fromStdString(doc.charts[i]));
    if (!svg.isValid()) return makeError(ErrorCode::Internal, "report: chart " + std::to_string(i) + " is not valid SVG");
    QImage img(svg.defaultSize() * 2, QImage::Format_ARGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    svg.render(&p);
    p.end();
    text.addResource(QTextDocument::ImageResource, QUrl(QStringLiteral("chart:%1").arg(i)), img);
  }
  text.setHtml(QString::fromStdString(doc.body));
  QPdfWriter pdf(path);
  pdf.setPageSize(QPageSize(QPageSize::A4));
  pdf.setResolution(150);
  pdf.setTitle(QString::fromStdString(doc.title));
  pdf.setCreator(QStringLiteral("ComputeLens"));
  text.print(&pdf);
  QFile check(path);
  if (!check.exists() || check.size() == 0) return makeError(ErrorCode::Io, path.toStdString() + ": the PDF was not written");
  return Status::success();
}

}  // namespace lens::views
