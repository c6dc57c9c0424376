// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/routing_view.h"

#include <QComboBox>
#include <QHeaderView>
#include <QTabWidget>
#include <QTableWidget>
#include <QFile>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTextStream>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

#include "views/category_map.h"
#include "views/plot_widget.h"
#include "views/run_heatmap_view.h"

namespace lens::views {

namespace {
const char* kModuleName[3] = {"skip", "small", "big"};
// Skip / small / big: grey, light blue, dark orange (distinguishable without colour vision too by
// lightness).
const QColor kModuleColour[3] = {QColor(225, 225, 225), QColor(86, 180, 233), QColor(213, 94, 0)};
}  // namespace

QString visibleToken(const QString& t) {
  QString s = t;
  s.replace('\n', QStringLiteral("\u21b5"));
  return s;
}

QString moduleColourKey() {
  const QString names[3] = {RoutingView::tr("skip"), RoutingView::tr("small"), RoutingView::tr("big")};
  QString html;
  for (int m = 0; m < 3; ++m)
    html += QStringLiteral("<span style=\"color:%1\">&#9632;</span>&nbsp;%2&nbsp;&nbsp;").arg(kModuleColour[m].name(), names[m]);
  return html;
}

// ---- TokenStrip ----

TokenStrip::TokenStrip(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void TokenStrip::setTokens(const QStringList& text, const QVector<double>& shade, int firstScored) {
  m_text = text;
  m_shade = shade;
  m_first = firstScored;
  m_selected = -1;
  layoutBoxes();
  update();
}

void TokenStrip::setSelected(int row) {
  m_selected = row;
  update();
}

QRect TokenStrip::boxOf(int row) const {
  const int i = m_first + 1 + row;  // the predicted token of scored row `row`
  return i >= 0 && i < m_boxes.size() ? m_boxes[i] : QRect();
}

int TokenStrip::rowAt(const QPoint& p) const {
  for (int i = m_first + 1; i < m_boxes.size(); ++i)
    if (m_boxes[i].contains(p)) return i - m_first - 1;
  return -1;
}

void TokenStrip::layoutBoxes() {
  const QFontMetrics fm(font());
  const int lineH = fm.height() + 4, w = std::max(width(), 200);
  int x = 2, y = 2;
  m_boxes.clear();
  for (const QString& t : m_text) {
    const int tw = fm.horizontalAdvance(visibleToken(t)) + 2;
    if (x + tw > w - 2 && x > 2) {
      x = 2;
      y += lineH;
    }
    m_boxes.push_back(QRect(x, y, tw, lineH - 2));
    x += tw;
    if (t.contains('\n')) {
      x = 2;
      y += lineH;
    }
  }
  m_height = y + lineH + 2;
  updateGeometry();
}

QSize TokenStrip::sizeHint() const { return QSize(400, std::max(m_height, 60)); }

void TokenStrip::resizeEvent(QResizeEvent*) { layoutBoxes(); }

void TokenStrip::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  for (int i = 0; i < m_boxes.size() && i < m_text.size(); ++i) {
    const int row = i - m_first - 1;
    if (row >= 0 && row < m_shade.size()) {
      const double s = std::clamp(m_shade[row], 0.0, 1.0);
      p.fillRect(m_boxes[i], QColor::fromRgbF(1.0, 1.0 - 0.75 * s, 1.0 - 0.85 * s));
    }
    p.setPen(row >= 0 ? palette().text().color() : palette().placeholderText().color());
    p.drawText(m_boxes[i], Qt::AlignLeft | Qt::AlignVCenter, visibleToken(m_text[i]));
  }
  if (m_selected >= 0) {
    p.setPen(QPen(palette().highlight().color(), 2));
    p.drawRect(boxOf(m_selected).adjusted(0, 0, -1, -1));
  }
}

void TokenStrip::mousePressEvent(QMouseEvent* e) {
  const int row = rowAt(e->position().toPoint());
  if (row >= 0) Q_EMIT rowClicked(row);
}

bool TokenStrip::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* he = static_cast<QHelpEvent*>(e);
    const int row = rowAt(he->pos());
    if (row >= 0 && toolTipFor) QToolTip::showText(he->globalPos(), toolTipFor(row), this);
    else QToolTip::hideText();
    return true;
  }
  return QWidget::event(e);
}

// ---- RoutingView ----

RoutingView::RoutingView(QWidget* parent) : QWidget(parent) {
  auto* top = new QHBoxLayout;
  m_budgetBox = new QComboBox(this);
  m_sequence = new QSpinBox(this);
  m_sequence->setMinimum(0);
  m_sequence->setMaximum(0);
  m_summary = new QLabel(this);
  top->addWidget(new QLabel(tr("Routes:"), this));
  top->addWidget(m_budgetBox);
  top->addWidget(new QLabel(tr("Sequence:"), this));
  top->addWidget(m_sequence);
  top->addWidget(m_summary, 1);
  auto* key = new QLabel(moduleColourKey(), this);
  key->setObjectName("colourKey");
  top->addWidget(key);

  m_strip = new TokenStrip(this);
  m_strip->toolTipFor = [this](int row) { return tokenToolTip(row); };
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(m_strip);
  scroll->setWidgetResizable(true);

  m_heatmap = new QCustomPlot(this);
  setupHeatmapPlot(m_heatmap, tr("token (scored position)"));
  m_map = new CategoryMap(m_heatmap->xAxis, m_heatmap->yAxis);
  m_map->setColours({kModuleColour[0], kModuleColour[1], kModuleColour[2]});
  m_cursor = new QCPItemRect(m_heatmap);
  m_cursor->setPen(QPen(Qt::black, 2));
  m_cursor->setBrush(Qt::NoBrush);
  m_cursor->setVisible(false);

  m_curves = new QCustomPlot(this);
  m_curves->xAxis->setLabel(tr("FLOPs per token (fraction of all big)"));
  m_curves->yAxis->setLabel(tr("perplexity"));
  m_curves->legend->setVisible(true);
  m_curves->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);

  // Layer usage over the run: stacked skip / small / big shares per layer for the chosen route set.
  m_usage = new QCustomPlot(this);
  m_usage->xAxis->setLabel(tr("layer"));
  m_usage->yAxis->setLabel(tr("share of tokens"));
  m_usage->yAxis->setRange(0, 1);
  m_usage->legend->setVisible(true);
  m_usage->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  m_usage->yAxis2->setVisible(false);

  m_hardest = new QTableWidget(0, 8, this);
  m_hardest->setHorizontalHeaderLabels({tr("sequence"), tr("position"), tr("token"), tr("next"), tr("gain"), tr("loss all-skip"),
                                        tr("loss all-big"), tr("oracle route")});
  m_hardest->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_hardest->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_hardest->verticalHeader()->setVisible(false);
  m_hardest->horizontalHeader()->setStretchLastSection(true);
  m_hardest->setToolTip(tr("Double-click a token to open it in its sequence."));

  m_runMap = new RunHeatmapView(this);

  m_panels = new QTabWidget(this);
  m_panels->addTab(m_curves, tr("Perplexity vs compute"));
  m_panels->addTab(m_usage, tr("Layer usage"));
  m_panels->addTab(m_hardest, tr("Hardest tokens"));
  m_panels->addTab(m_runMap, tr("Whole run"));

  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(scroll);
  split->addWidget(m_heatmap);
  split->addWidget(m_panels);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 2);
  split->setStretchFactor(2, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(split, 1);

  // Right-click → Export… on every plot.
  installExportMenu(m_heatmap, [this] { return m_data.title; }, [this](const QString& p) { return exportHeatmap(p); });
  installExportMenu(m_curves, [this] { return m_data.title; }, [this](const QString& p) { return exportCurves(p); });
  installExportMenu(m_usage, [this] { return m_data.title; }, [this](const QString& p) { return exportUsage(p); });
  connect(m_budgetBox, &QComboBox::currentIndexChanged, this, [this](int b) {
    if (b >= 0) setBudget(b);
  });
  connect(m_sequence, &QSpinBox::valueChanged, this, [this](int u) { Q_EMIT sequenceRequested(u); });
  connect(m_hardest, &QTableWidget::cellDoubleClicked, this, [this](int i, int) {
    if (i < 0 || i >= m_data.hardest.size()) return;
    const auto& h = m_data.hardest[i];
    // The row of a position in its sequence is found once the sequence arrives (see setData).
    m_pendingUnit = static_cast<int>(h.unit);
    m_pendingRow = -1;
    m_pendingPosition = h.position;  // resolved against the sequence's first scored position
    if (h.unit == m_data.sequence) setData(m_data);
    else Q_EMIT sequenceRequested(static_cast<int>(h.unit));
  });
  connect(m_runMap, &RunHeatmapView::tokenActivated, this, [this](qint64 unit, int row) { selectRowWhenShown(static_cast<int>(unit), row); });
  // The whole-run map is read when it is first looked at, and again when the budget changes.
  connect(m_panels, &QTabWidget::currentChanged, this, [this](int) {
    if (m_panels->currentWidget() == m_runMap && !m_data.budgets.isEmpty() &&
        (!m_runMap->data() || m_runMap->data()->routeSet != m_data.budgets.value(m_budget)))
      Q_EMIT runRoutesRequested(m_budget);
  });
  connect(m_strip, &TokenStrip::rowClicked, this, &RoutingView::selectRow);
  connect(m_heatmap, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
    const double key = m_heatmap->xAxis->pixelToCoord(e->position().x());
    const int row = static_cast<int>(std::lround(key));
    if (row >= 0 && row < m_data.scored()) selectRow(row);
  });
  connect(m_heatmap, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
    const QString t = heatmapToolTipAt(e->position());
    if (t.isEmpty()) QToolTip::hideText();
    else QToolTip::showText(e->globalPosition().toPoint(), t, m_heatmap);
  });
}

void RoutingView::clear() { setData({}); }

void RoutingView::setData(const RoutingViewData& data) {
  if (data.run != m_data.run || data.budgets != m_data.budgets) m_runMap->clear();
  m_data = data;
  const QSignalBlocker block(m_budgetBox);
  m_budgetBox->clear();
  m_budgetBox->addItems(data.budgets);
  m_budget = std::clamp(m_budget, 0, std::max(0, static_cast<int>(data.budgets.size()) - 1));
  m_budgetBox->setCurrentIndex(m_budget);
  {
    const QSignalBlocker blockSeq(m_sequence);
    m_sequence->setMaximum(std::max(0, data.sequences - 1));
    m_sequence->setValue(data.sequence);
  }
  // Perplexity vs compute: one series per policy, points in budget order, each with its error bars.
  m_curves->clearPlottables();
  QStringList policies;
  for (const auto& p : data.points)
    if (!policies.contains(p.policy)) policies << p.policy;
  const QColor colours[] = {QColor(0, 0, 0), QColor(230, 159, 0), QColor(86, 180, 233), QColor(0, 158, 115),
                            QColor(0, 114, 178), QColor(213, 94, 0), QColor(204, 121, 167)};
  double ymin = HUGE_VAL, ymax = 0;
  for (int i = 0; i < policies.size(); ++i) {
    auto* g = m_curves->addGraph();
    g->setName(policies[i]);
    g->setPen(QPen(colours[i % 7], policies[i] == QLatin1String("oracle") ? 2.5 : 1.5));
    const bool fixed = !std::any_of(data.points.begin(), data.points.end(), [&](const auto& p) { return p.policy == policies[i] && !p.budget.isEmpty(); });
    g->setLineStyle(fixed ? QCPGraph::lsNone : QCPGraph::lsLine);
    g->setScatterStyle(QCPScatterStyle(fixed ? QCPScatterStyle::ssDiamond : QCPScatterStyle::ssCircle, fixed ? 9 : 5));
    // The policy's points by FLOPs (the graph keeps its data sorted, and error bar k belongs to point k).
    QVector<const RoutingViewData::Point*> mine;
    for (const auto& p : data.points)
      if (p.policy == policies[i]) mine << &p;
    std::stable_sort(mine.begin(), mine.end(), [](const auto* a, const auto* b) { return a->flopsFraction < b->flopsFraction; });
    QVector<double> x, y, below, above;
    bool intervals = false;
    for (const auto* p : mine) {
      x << p->flopsFraction;
      y << p->perplexity;
      const bool has = !std::isnan(p->perplexityLow) && !std::isnan(p->perplexityHigh);
      intervals = intervals || has;
      below << (has ? p->perplexity - p->perplexityLow : qQNaN());
      above << (has ? p->perplexityHigh - p->perplexity : qQNaN());
      ymin = std::min(ymin, has ? p->perplexityLow : p->perplexity);
      ymax = std::max(ymax, has ? p->perplexityHigh : p->perplexity);
    }
    g->setData(x, y, /*alreadySorted=*/true);
    if (intervals) {  // the 95 % interval over sequences of each point
      auto* bars = new QCPErrorBars(m_curves->xAxis, m_curves->yAxis);
      bars->setName(policies[i] + QStringLiteral(" 95%"));
      bars->removeFromLegend();
      bars->setSelectable(QCP::stNone);
      bars->setPen(QPen(colours[i % 7], 1.0));
      bars->setDataPlottable(g);
      bars->setData(below, above);
    }
  }
  m_curves->xAxis->setRange(0, 1.05);
  if (ymax > 0) m_curves->yAxis->setRange(ymin - 0.05 * (ymax - ymin) - 1e-4, ymax + 0.05 * (ymax - ymin) + 1e-4);
  m_curves->replot(QCustomPlot::rpQueuedReplot);
  fillHardest();
  rebuild();
  if (m_pendingUnit == data.sequence && (m_pendingRow >= 0 || m_pendingPosition >= 0)) {
    const int row = m_pendingRow >= 0 ? m_pendingRow : m_pendingPosition - data.firstPosition;
    m_pendingUnit = m_pendingRow = m_pendingPosition = -1;
    if (row >= 0 && row < data.scored()) selectRow(row);
  }
}

void RoutingView::setRunRoutes(std::shared_ptr<const RunHeatmapData> data) { m_runMap->setData(std::move(data)); }

void RoutingView::selectRowWhenShown(int unit, int row) {
  if (unit == m_data.sequence && !m_data.budgets.isEmpty()) {
    selectRow(row);
    return;
  }
  m_pendingUnit = unit;
  m_pendingRow = row;
  m_pendingPosition = -1;
  Q_EMIT sequenceRequested(unit);
}

void RoutingView::fillHardest() {
  m_hardest->setRowCount(m_data.hardest.size());
  for (int i = 0; i < m_data.hardest.size(); ++i) {
    const auto& h = m_data.hardest[i];
    const QStringList cells = {QString::number(h.unit), QString::number(h.position), visibleToken(h.token), visibleToken(h.next),
                               QString::number(h.difficulty, 'f', 4), QString::number(h.lossSkip, 'f', 4), QString::number(h.lossBig, 'f', 4), h.route};
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (c != 2 && c != 3 && c != 7) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      m_hardest->setItem(i, c, item);
    }
  }
}

void RoutingView::rebuildUsage() {
  m_usage->clearPlottables();
  const int b = m_budget;
  if (b < 0 || b >= m_data.bigByLayer.size()) {
    m_usage->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  QVector<double> layers;
  for (int l = 0; l < m_data.layers; ++l) layers << l;
  const QString module[3] = {tr("skip"), tr("small"), tr("big")};
  const QVector<double>* shares[3] = {&m_data.skipByLayer[b], &m_data.smallByLayer[b], &m_data.bigByLayer[b]};
  QCPBars* below = nullptr;
  for (int m = 0; m < 3; ++m) {
    auto* bars = new QCPBars(m_usage->xAxis, m_usage->yAxis);
    bars->setName(module[m]);
    bars->setWidth(0.8);
    bars->setPen(Qt::NoPen);
    bars->setBrush(kModuleColour[m]);
    bars->setData(layers, *shares[m], true);
    if (below) bars->moveAbove(below);
    below = bars;
  }
  m_usage->xAxis->setRange(-0.6, m_data.layers - 0.4);
  m_usage->yAxis->setRange(0, 1.0);
  m_usage->replot(QCustomPlot::rpQueuedReplot);
}

void RoutingView::setBudget(int b) {
  if (b < 0 || b >= m_data.budgets.size()) return;
  m_budget = b;
  if (m_budgetBox->currentIndex() != b) m_budgetBox->setCurrentIndex(b);
  rebuild();
}

float RoutingView::difficulty(int row, int b) const { return m_data.lossSkip[row] - m_data.loss[b][row]; }

void RoutingView::rebuild() {
  const int S = m_data.scored(), L = m_data.layers;
  const int sel = selectedRow();
  QVector<double> shade(S, 0.0);
  double maxD = 0;
  if (!m_data.budgets.isEmpty()) {
    for (int t = 0; t < S; ++t) maxD = std::max(maxD, static_cast<double>(difficulty(t, m_budget)));
    for (int t = 0; t < S; ++t) shade[t] = maxD > 0 ? std::max(0.0, static_cast<double>(difficulty(t, m_budget))) / maxD : 0.0;
  }
  m_strip->setTokens(m_data.tokens, shade, m_data.firstPosition);
  if (!m_data.budgets.isEmpty()) {
    m_cells = std::make_shared<std::vector<uint8_t>>(m_data.routes[m_budget].begin(), m_data.routes[m_budget].end());
    m_map->setData(m_cells, S, L);
  } else {
    m_map->setData(nullptr, 0, 0);
  }
  m_heatmap->xAxis->setRange(-0.5, std::max(S, 1) - 0.5);
  m_heatmap->yAxis->setRange(-0.5, std::max(L, 1) - 0.5);
  m_summary->setText(m_data.budgets.isEmpty() ? tr("Select an oracle run.")
                                              : tr("%1 — %2 scored tokens; largest gain %3 nats at %4")
                                                    .arg(m_data.title)
                                                    .arg(S)
                                                    .arg(maxD, 0, 'f', 3)
                                                    .arg(m_data.budgets.value(m_budget)));
  selectRow(sel < S ? sel : -1);
  m_heatmap->replot(QCustomPlot::rpQueuedReplot);
  rebuildUsage();
  if (m_panels->currentWidget() == m_runMap && !m_data.budgets.isEmpty() &&
      (!m_runMap->data() || m_runMap->data()->routeSet != m_data.budgets.value(m_budget)))
    Q_EMIT runRoutesRequested(m_budget);
}

void RoutingView::selectRow(int row) {
  m_strip->setSelected(row);
  m_cursor->setVisible(row >= 0);
  if (row >= 0) {
    m_cursor->topLeft->setCoords(row - 0.5, m_data.layers - 0.5);
    m_cursor->bottomRight->setCoords(row + 0.5, -0.5);
    Q_EMIT rowSelected(row);
  }
  m_heatmap->replot(QCustomPlot::rpQueuedReplot);
}

QString RoutingView::tokenToolTip(int row) const {
  if (row < 0 || row >= m_data.scored()) return {};
  const int L = m_data.layers, input = m_data.firstPosition + row;
  QString s = tr("“%1” after “%2” (position %3)\n").arg(visibleToken(m_data.tokens.value(input + 1)), visibleToken(m_data.tokens.value(input))).arg(input);
  s += tr("loss: all-skip %1, all-small %2, all-big %3\n").arg(m_data.lossSkip[row], 0, 'f', 4).arg(m_data.lossSmall[row], 0, 'f', 4).arg(m_data.lossBig[row], 0, 'f', 4);
  for (int b = 0; b < m_data.budgets.size(); ++b) {
    QString route;
    for (int l = 0; l < L; ++l) route += QLatin1Char("-sB"[m_data.routes[b][row * L + l]]);
    const QString who = b < m_data.oracleBudgets ? tr("oracle %1").arg(m_data.budgets[b]) : m_data.budgets[b];
    s += tr("%1: %2 via %3, gain %4\n").arg(who).arg(m_data.loss[b][row], 0, 'f', 4).arg(route).arg(difficulty(row, b), 0, 'f', 4);
  }
  return s.trimmed();
}

QString RoutingView::heatmapToolTipAt(const QPointF& pixel) const {
  if (m_data.budgets.isEmpty() || !m_heatmap->axisRect()->rect().contains(pixel.toPoint())) return {};
  const int row = static_cast<int>(std::lround(m_heatmap->xAxis->pixelToCoord(pixel.x())));
  const int layer = static_cast<int>(std::lround(m_heatmap->yAxis->pixelToCoord(pixel.y())));
  if (row < 0 || row >= m_data.scored() || layer < 0 || layer >= m_data.layers) return {};
  const int code = m_data.routes[m_budget][row * m_data.layers + layer];
  // Shown to the user, so translated (the CSV export keeps the English names as data).
  const QString module[3] = {tr("skip"), tr("small"), tr("big")};
  return tr("layer %1: %2 (%3)\n").arg(layer).arg(module[code], m_data.budgets[m_budget]) + tokenToolTip(row);
}

bool RoutingView::exportHeatmap(const QString& path) const {
  if (!path.toLower().endsWith(".csv")) return exportPlotImage(m_heatmap, path, m_data.title);
  return writeCsv(path, QStringLiteral("budget,row,position,layer,module,gain"), [this](QTextStream& out) {
    const int L = m_data.layers;
    for (int t = 0; t < m_data.scored(); ++t)
      for (int l = 0; l < L; ++l)
        out << m_data.budgets.value(m_budget) << ',' << t << ',' << m_data.firstPosition + t << ',' << l << ','
            << kModuleName[m_data.routes[m_budget][t * L + l]] << ',' << QString::number(difficulty(t, m_budget), 'g', 9) << '\n';
  });
}

bool RoutingView::exportCurves(const QString& path) const {
  if (!path.toLower().endsWith(".csv")) return exportPlotImage(m_curves, path, m_data.title);
  return writeCsv(path, QStringLiteral("policy,budget,flops_fraction,perplexity,perplexity_ci_low,perplexity_ci_high"), [this](QTextStream& out) {
    const auto num = [](double v) { return std::isnan(v) ? QString() : QString::number(v, 'g', 9); };
    for (const auto& p : m_data.points)
      out << p.policy << ',' << p.budget << ',' << num(p.flopsFraction) << ',' << num(p.perplexity) << ',' << num(p.perplexityLow) << ','
          << num(p.perplexityHigh) << '\n';
  });
}

bool RoutingView::exportUsage(const QString& path) const {
  if (!path.toLower().endsWith(".csv")) return exportPlotImage(m_usage, path, m_data.title);
  return writeCsv(path, QStringLiteral("route_set,layer,skip,small,big"), [this](QTextStream& out) {
    for (int b = 0; b < m_data.bigByLayer.size(); ++b)
      for (int l = 0; l < m_data.bigByLayer[b].size(); ++l)
        out << m_data.budgets.value(b) << ',' << l << ',' << QString::number(m_data.skipByLayer[b][l], 'g', 9) << ','
            << QString::number(m_data.smallByLayer[b][l], 'g', 9) << ',' << QString::number(m_data.bigByLayer[b][l], 'g', 9) << '\n';
  });
}

}  // namespace lens::views
