// SPDX-License-Identifier: GPL-3.0-or-later
// Trade-off curves: accuracy against inference FLOPs per problem (log axis), one line per series
// (a strategy, a difficulty bin, a level), as in Snell et al. 2024's figures. Hover shows the
// nearest point's values; every export writes exactly what is shown (PNG at 2×, PDF, SVG, CSV).
// A series with intervals gets a shaded band between them, in its colour.
#pragma once

#include <QPair>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QLabel;
class QMouseEvent;
class QTableWidget;

namespace lens::views {

struct TradeoffSeries {
  QString name;
  QVector<double> flops;     // x: inference FLOPs per problem
  QVector<double> accuracy;  // y: in [0, 1]
  QVector<int> n;            // samples per problem behind each point
  // The 95 % interval of each point's accuracy over problems, drawn as a shaded band; empty (or
  // NaN at a point) when there is none.
  QVector<double> low, high;
  bool highlight = false;    // drawn thicker (the "all" series, a compute-optimal frontier)
};

class TradeoffView : public QWidget {
  Q_OBJECT
 public:
  explicit TradeoffView(QWidget* parent = nullptr);
  void setSeries(const QString& title, const QVector<TradeoffSeries>& series);
  void clear();
  int seriesCount() const { return m_series.size(); }
  QCustomPlot* plot() const { return m_plot; }
  // Series i is graph(i); its band, when it has one, is the pair of graphs bandGraphs(i) after all
  // the series (the upper one filled down to the lower), hidden and shown with it.
  QPair<QCPGraph*, QCPGraph*> bandGraphs(int i) const { return m_bands.value(i); }
  // Shows or hides series i (a click on its legend entry does the same); false when out of range.
  bool toggleSeries(int i);
  bool seriesVisible(int i) const;
  // The tooltip text for a position in plot pixels: the nearest point within 12 px, else empty.
  QString toolTipAt(const QPointF& pixel) const;

  bool exportPng(const QString& path) const;  // twice the widget's size
  bool exportPdf(const QString& path) const;
  bool exportSvg(const QString& path) const;
  bool exportCsv(const QString& path) const;  // series, n, flops_per_problem, accuracy, ci_low, ci_high
  // By suffix (.png, .pdf, .svg, .csv).
  bool exportTo(const QString& path) const;

  // A table under the plot (the exchange analysis of a comparison); hidden when `rows` is empty.
  // setSeries and clear hide it again.
  void setTable(const QString& caption, const QStringList& headers, const QVector<QStringList>& rows);
  QTableWidget* table() const { return m_table; }
  QString tableCaption() const;

 private:
  void onMouseMove(QMouseEvent* event);
  QCustomPlot* m_plot;
  QLabel* m_caption;
  QTableWidget* m_table;
  QVector<TradeoffSeries> m_series;
  QVector<QPair<QCPGraph*, QCPGraph*>> m_bands;  // per series: lower, upper (nullptr: none)
  QString m_title;
};

}  // namespace lens::views
