// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/tradeoff_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>

#include <QFile>
#include <QTextStream>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

#include "views/plot_widget.h"

namespace lens::views {

namespace {
// Okabe-Ito: distinguishable for colour-blind readers, and in print.
const QColor kColours[] = {QColor(0, 0, 0),       QColor(230, 159, 0),   QColor(86, 180, 233), QColor(0, 158, 115),
                           QColor(240, 228, 66),  QColor(0, 114, 178),   QColor(213, 94, 0),   QColor(204, 121, 167)};
}  // namespace

TradeoffView::TradeoffView(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_plot, 3);
  m_caption = new QLabel(this);
  m_caption->setWordWrap(true);
  m_table = new QTableWidget(this);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->setVisible(false);
  m_table->horizontalHeader()->setStretchLastSection(true);
  layout->addWidget(m_caption);
  layout->addWidget(m_table, 1);
  m_caption->hide();
  m_table->hide();
  m_plot->xAxis->setLabel(tr("inference FLOPs per problem"));
  m_plot->yAxis->setLabel(tr("accuracy"));
  m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
  QSharedPointer<QCPAxisTickerLog> logTicker(new QCPAxisTickerLog);
  m_plot->xAxis->setTicker(logTicker);
  m_plot->xAxis->setNumberFormat("eb");
  m_plot->xAxis->setNumberPrecision(0);
  m_plot->yAxis->setRange(0, 1.02);
  m_plot->legend->setVisible(true);
  // The legend sits right of the axes, at the top, so it never hides a curve (accuracy curves end at
  // the top right, where an inset legend would be).
  m_plot->axisRect()->insetLayout()->take(m_plot->legend);
  auto* side = new QCPLayoutGrid;
  m_plot->plotLayout()->addElement(0, 1, side);
  m_plot->plotLayout()->setColumnStretchFactor(1, 0.001);
  side->addElement(0, 0, m_plot->legend);
  side->addElement(1, 0, new QCPLayoutElement(m_plot));
  side->setRowStretchFactor(0, 0.001);
  side->setAutoMargins(QCP::msNone);
  side->setMargins(QMargins(0, 4, 6, 0));  // the legend's border clear of the widget's edge
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  m_plot->setMouseTracking(true);
  connect(m_plot, &QCustomPlot::mouseMove, this, &TradeoffView::onMouseMove);
  installExportMenu(m_plot, [this] { return m_title; }, [this](const QString& p) { return exportCsv(p); });
  // A click on a legend entry hides or shows its series.
  connect(m_plot, &QCustomPlot::legendClick, this, [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
    if (auto* pi = qobject_cast<QCPPlottableLegendItem*>(item))
      for (int i = 0; i < m_series.size(); ++i)
        if (m_plot->graph(i) == pi->plottable()) toggleSeries(i);
  });
}

bool TradeoffView::toggleSeries(int i) {
  if (i < 0 || i >= m_series.size()) return false;
  auto* g = m_plot->graph(i);
  g->setVisible(!g->visible());
  for (auto* band : {m_bands[i].first, m_bands[i].second})
    if (band) band->setVisible(g->visible());
  if (auto* item = m_plot->legend->itemWithPlottable(g)) item->setTextColor(g->visible() ? Qt::black : Qt::gray);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
  return true;
}

bool TradeoffView::seriesVisible(int i) const { return i >= 0 && i < m_series.size() && m_plot->graph(i)->visible(); }

void TradeoffView::setTable(const QString& caption, const QStringList& headers, const QVector<QStringList>& rows) {
  m_caption->setText(caption);
  m_table->clear();
  m_table->setColumnCount(headers.size());
  m_table->setHorizontalHeaderLabels(headers);
  m_table->setRowCount(rows.size());
  for (int r = 0; r < rows.size(); ++r)
    for (int c = 0; c < rows[r].size() && c < headers.size(); ++c) {
      auto* item = new QTableWidgetItem(rows[r][c]);
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      m_table->setItem(r, c, item);
    }
  m_table->resizeColumnsToContents();
  m_caption->setVisible(!rows.isEmpty());
  m_table->setVisible(!rows.isEmpty());
}

QString TradeoffView::tableCaption() const { return m_caption->text(); }

void TradeoffView::clear() {
  setTable({}, {}, {});
  m_series.clear();
  m_bands.clear();
  m_plot->clearGraphs();
  m_plot->plotLayout()->setRowStretchFactor(0, 1);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void TradeoffView::setSeries(const QString& title, const QVector<TradeoffSeries>& series) {
  setTable({}, {}, {});
  m_series = series;
  m_title = title;
  m_plot->clearGraphs();
  double xmin = HUGE_VAL, xmax = 0;
  for (int i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    auto* g = m_plot->addGraph();
    g->setName(s.name);
    QPen pen(kColours[i % 8]);
    pen.setWidthF(s.highlight || s.name == QLatin1String("all") ? 3.0 : 1.5);
    if (i >= 8) pen.setStyle(Qt::DashLine);
    g->setPen(pen);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    g->setData(s.flops, s.accuracy, /*alreadySorted=*/true);
    for (double x : s.flops) {
      xmin = std::min(xmin, x);
      xmax = std::max(xmax, x);
    }
  }
  // Bands after every series, so that series i stays graph(i); a gap where a point has no interval.
  m_bands = QVector<QPair<QCPGraph*, QCPGraph*>>(series.size(), {nullptr, nullptr});
  for (int i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    if (s.low.size() != s.flops.size() || s.high.size() != s.flops.size()) continue;
    QVector<double> lo(s.low), hi(s.high);
    bool any = false;
    for (int k = 0; k < lo.size(); ++k) {
      if (std::isnan(lo[k]) || std::isnan(hi[k])) lo[k] = hi[k] = qQNaN();
      else any = true;
    }
    if (!any) continue;
    auto* lower = m_plot->addGraph();
    auto* upper = m_plot->addGraph();
    QColor fill = kColours[i % 8];
    fill.setAlpha(s.highlight || s.name == QLatin1String("all") ? 60 : 30);
    for (auto* g : {lower, upper}) {
      g->setPen(Qt::NoPen);
      g->removeFromLegend();
      g->setSelectable(QCP::stNone);
    }
    lower->setName(s.name + QStringLiteral(" 95% low"));
    upper->setName(s.name + QStringLiteral(" 95% high"));
    lower->setData(s.flops, lo, /*alreadySorted=*/true);
    upper->setData(s.flops, hi, /*alreadySorted=*/true);
    upper->setBrush(fill);
    upper->setChannelFillGraph(lower);
    m_bands[i] = {lower, upper};
  }
  if (xmax > 0) m_plot->xAxis->setRange(xmin / 1.5, xmax * 1.5);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString TradeoffView::toolTipAt(const QPointF& pixel) const {
  double best = 12.0 * 12.0;
  QString text;
  for (int i = 0; i < m_series.size(); ++i) {
    if (!seriesVisible(i)) continue;
    const auto& s = m_series[i];
    for (int k = 0; k < s.flops.size(); ++k) {
      const double px = m_plot->xAxis->coordToPixel(s.flops[k]), py = m_plot->yAxis->coordToPixel(s.accuracy[k]);
      const double d = (px - pixel.x()) * (px - pixel.x()) + (py - pixel.y()) * (py - pixel.y());
      if (d <= best) {
        best = d;
        text = tr("%1\nN = %2 samples\n%3 FLOPs per problem\naccuracy %4 %")
                   .arg(s.name)
                   .arg(s.n.value(k))
                   .arg(s.flops[k], 0, 'g', 3)
                   .arg(100.0 * s.accuracy[k], 0, 'f', 1);
        const double lo = s.low.value(k, qQNaN()), hi = s.high.value(k, qQNaN());
        if (!std::isnan(lo) && !std::isnan(hi))
          text += tr(" (95 % interval %1–%2)").arg(100.0 * lo, 0, 'f', 1).arg(100.0 * hi, 0, 'f', 1);
      }
    }
  }
  return text;
}

void TradeoffView::onMouseMove(QMouseEvent* event) {
  const QString text = toolTipAt(event->position());
  if (text.isEmpty()) QToolTip::hideText();
  else QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
}

bool TradeoffView::exportPng(const QString& path) const { return exportPlotImage(m_plot, path, m_title); }
bool TradeoffView::exportPdf(const QString& path) const { return exportPlotImage(m_plot, path, m_title); }
bool TradeoffView::exportSvg(const QString& path) const { return exportPlotImage(m_plot, path, m_title); }

bool TradeoffView::exportCsv(const QString& path) const {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
  QTextStream out(&f);
  out << "series,n,flops_per_problem,accuracy,ci_low,ci_high\n";
  // An empty field where a point has no interval.
  auto number = [](double v) { return std::isnan(v) ? QString() : QString::number(v, 'g', 17); };
  for (const auto& s : m_series)
    for (int k = 0; k < s.flops.size(); ++k)
      out << '"' << QString(s.name).replace('"', "\"\"") << "\"," << s.n.value(k) << ',' << number(s.flops[k]) << ','
          << number(s.accuracy[k]) << ',' << number(s.low.value(k, qQNaN())) << ',' << number(s.high.value(k, qQNaN())) << '\n';
  return out.status() == QTextStream::Ok;
}

bool TradeoffView::exportTo(const QString& path) const {
  const QString lower = path.toLower();
  if (lower.endsWith(".png")) return exportPng(path);
  if (lower.endsWith(".pdf")) return exportPdf(path);
  if (lower.endsWith(".svg")) return exportSvg(path);
  if (lower.endsWith(".csv")) return exportCsv(path);
  return false;
}

}  // namespace lens::views
