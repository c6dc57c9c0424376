// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/run_heatmap_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMouseEvent>
#include <QSplitter>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "views/category_map.h"
#include "views/plot_widget.h"
#include "views/routing_view.h"

namespace lens::views {

QString RunHeatmapData::tokenText(int32_t id) const {
  if (id >= 0 && id < vocabulary.size()) return visibleToken(vocabulary[id]);
  return QStringLiteral("[%1]").arg(id);
}

void RunHeatmapData::computeByToken(int limit) {
  struct Acc {
    int64_t count = 0, big = 0, small = 0;
    double gain = 0;
  };
  std::unordered_map<int32_t, Acc> acc;
  const uint8_t* c = cells ? cells->data() : nullptr;
  for (int64_t r = 0; c && r < rows(); ++r) {
    Acc& a = acc[tokens[static_cast<size_t>(r)]];
    ++a.count;
    a.gain += gain[static_cast<size_t>(r)];
    for (int l = 0; l < layers; ++l) {
      const uint8_t m = c[r * layers + l];
      a.big += m == 2;
      a.small += m == 1;
    }
  }
  byToken.clear();
  for (const auto& [id, a] : acc)
    byToken.push_back({tokenText(id), a.count, static_cast<double>(a.big) / a.count, static_cast<double>(a.small) / a.count, a.gain / a.count});
  // Tokens seen once say little about a token kind: they go after the rest.
  std::sort(byToken.begin(), byToken.end(), [](const TokenUsage& x, const TokenUsage& y) {
    if ((x.count > 1) != (y.count > 1)) return x.count > 1;
    if (x.big != y.big) return x.big > y.big;
    if (x.small != y.small) return x.small > y.small;
    return x.text < y.text;
  });
  if (byToken.size() > limit) byToken.resize(limit);
}

RunHeatmapView::RunHeatmapView(QWidget* parent) : QWidget(parent) {
  m_summary = new QLabel(tr("Select an oracle run."), this);
  m_summary->setWordWrap(true);
  m_plot = new QCustomPlot(this);
  setupHeatmapPlot(m_plot, tr("scored token of the run"));
  m_plot->setNoAntialiasingOnDrag(true);
  m_map = new CategoryMap(m_plot->xAxis, m_plot->yAxis);
  m_table = new QTableWidget(0, 5, this);
  m_table->setHorizontalHeaderLabels({tr("token"), tr("occurrences"), tr("big / token"), tr("small / token"), tr("mean gain")});
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->verticalHeader()->setVisible(false);
  m_table->horizontalHeader()->setStretchLastSection(true);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(m_plot);
  split->addWidget(m_table);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  auto* head = new QHBoxLayout;
  head->addWidget(m_summary, 1);
  head->addWidget(new QLabel(moduleColourKey(), this));
  layout->addLayout(head);
  layout->addWidget(split, 1);

  installExportMenu(m_plot, [this] { return m_data ? m_data->title + QLatin1String(", ") + m_data->routeSet : QString(); });
  // Keep the view inside the data when panning and zooming.
  connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this](const QCPRange& r) {
    if (!m_data || m_data->rows() == 0) return;
    const double lo = -0.5, hi = static_cast<double>(m_data->rows()) - 0.5;
    QCPRange c = r;
    if (c.size() > hi - lo) c = QCPRange(lo, hi);
    if (c.size() < 4) c = QCPRange(c.center() - 2, c.center() + 2);
    if (c.lower < lo) c = QCPRange(lo, lo + c.size());
    if (c.upper > hi) c = QCPRange(hi - c.size(), hi);
    if (c != r) m_plot->xAxis->setRange(c);
  });
  connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
    const QString t = toolTipAt(e->position());
    if (t.isEmpty()) QToolTip::hideText();
    else QToolTip::showText(e->globalPosition().toPoint(), t, m_plot);
  });
  connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* e) {
    const int64_t row = std::llround(m_plot->xAxis->pixelToCoord(e->position().x()));
    int64_t unit = 0;
    int inSeq = 0;
    if (locate(row, &unit, &inSeq)) Q_EMIT tokenActivated(unit, inSeq);
  });
}

void RunHeatmapView::clear() { setData(nullptr); }

void RunHeatmapView::setData(std::shared_ptr<const RunHeatmapData> data) {
  m_data = std::move(data);
  const int64_t rows = m_data ? m_data->rows() : 0;
  const int layers = m_data ? m_data->layers : 0;
  m_map->setData(m_data ? m_data->cells : nullptr, static_cast<int>(rows), layers);
  m_plot->xAxis->setRange(-0.5, std::max<double>(static_cast<double>(rows), 1) - 0.5);
  m_plot->yAxis->setRange(-0.5, std::max(layers, 1) - 0.5);
  if (!m_data) {
    m_summary->setText(tr("Select an oracle run."));
  } else {
    int64_t big = 0, small = 0;
    for (int64_t i = 0; i < rows * layers; ++i) {
      const uint8_t m = (*m_data->cells)[static_cast<size_t>(i)];
      big += m == 2;
      small += m == 1;
    }
    const double cellsN = std::max<double>(1.0, static_cast<double>(rows * layers));
    m_summary->setText(tr("%1, %2: %3 tokens in %4 sequences × %5 layers; big %6 %, small %7 %, skip %8 % of the cells. "
                          "Drag to pan, wheel to zoom, double-click a token to open it.")
                           .arg(m_data->title, m_data->routeSet)
                           .arg(rows)
                           .arg(m_data->units.size())
                           .arg(layers)
                           .arg(100.0 * big / cellsN, 0, 'f', 1)
                           .arg(100.0 * small / cellsN, 0, 'f', 1)
                           .arg(100.0 * (cellsN - big - small) / cellsN, 0, 'f', 1));
  }
  m_table->setRowCount(0);
  if (m_data) {
    m_table->setRowCount(m_data->byToken.size());
    for (int i = 0; i < m_data->byToken.size(); ++i) {
      const auto& u = m_data->byToken[i];
      const QStringList cells = {u.text, QString::number(u.count), QString::number(u.big, 'f', 2), QString::number(u.small, 'f', 2),
                                 QString::number(u.gain, 'f', 4)};
      for (int c = 0; c < cells.size(); ++c) {
        auto* item = new QTableWidgetItem(cells[c]);
        if (c > 0) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_table->setItem(i, c, item);
      }
    }
  }
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

bool RunHeatmapView::locate(int64_t row, int64_t* unit, int* rowInSequence) const {
  if (!m_data || row < 0 || row >= m_data->rows() || m_data->firstRow.empty()) return false;
  const size_t s = static_cast<size_t>(std::upper_bound(m_data->firstRow.begin(), m_data->firstRow.end(), row) - m_data->firstRow.begin() - 1);
  *unit = m_data->units[s];
  *rowInSequence = static_cast<int>(row - m_data->firstRow[s]);
  return true;
}

QString RunHeatmapView::toolTipAt(const QPointF& pixel) const {
  if (!m_data || !m_plot->axisRect()->rect().contains(pixel.toPoint())) return {};
  const double c0 = m_plot->xAxis->pixelToCoord(pixel.x()), c1 = m_plot->xAxis->pixelToCoord(pixel.x() + 1);
  const int64_t row = std::llround(c0);
  const int layer = static_cast<int>(std::lround(m_plot->yAxis->pixelToCoord(pixel.y())));
  int64_t unit = 0;
  int inSeq = 0;
  if (layer < 0 || layer >= m_data->layers || !locate(row, &unit, &inSeq)) return {};
  const size_t s = static_cast<size_t>(std::upper_bound(m_data->firstRow.begin(), m_data->firstRow.end(), row) - m_data->firstRow.begin() - 1);
  const QString module[3] = {tr("skip"), tr("small"), tr("big")};
  QString t = tr("sequence %1, position %2: “%3”\nlayer %4: %5 (%6)\ngain %7 nats")
                  .arg(unit)
                  .arg(m_data->firstPosition[s] + inSeq)
                  .arg(m_data->tokenText(m_data->tokens[static_cast<size_t>(row)]))
                  .arg(layer)
                  .arg(module[std::min<int>(m_map->code(static_cast<int>(row), layer), 2)], m_data->routeSet)
                  .arg(m_data->gain[static_cast<size_t>(row)], 0, 'f', 4);
  // Zoomed out, a pixel covers many tokens and shows their mix.
  const int64_t span = static_cast<int64_t>(std::floor(std::abs(c1 - c0)));
  if (span > 1) t += tr("\n(this pixel mixes %1 tokens)").arg(span);
  return t;
}

void RunHeatmapView::showRows(double first, double last) {
  m_plot->xAxis->setRange(first - 0.5, last - 0.5);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

bool RunHeatmapView::exportImage(const QString& path) const {
  return exportPlotImage(m_plot, path, m_data ? m_data->title + QLatin1String(", ") + m_data->routeSet : QString());
}

}  // namespace lens::views
