// SPDX-License-Identifier: GPL-3.0-or-later
// The routing results of an oracle run (Duo-LLM): the token difficulty view (the sequence's text,
// each predicted token coloured by how much it gains from compute at the chosen budget; hover for
// every metric, click to pin), the layer heatmap (scored tokens × layers, each cell the oracle's
// module: skip / small / big; hover, zoom and pan; selection synced with the text), and perplexity
// vs compute per routing policy. Trained routers evaluated in the run appear beside the budgets:
// their routes in the heatmap, their gain over all-skip in the text. Shows what core computed;
// never runs torch.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPItemRect;
class QLabel;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace lens::views {

class CategoryMap;
class RunHeatmapView;
struct RunHeatmapData;

// A token's text as the views show it: a newline as ↵.
QString visibleToken(const QString& t);

// The heatmaps' colour key: a square of each module's colour before its name.
QString moduleColourKey();

struct RoutingViewData {
  qint64 run = 0;
  QString title;
  int layers = 0;
  // Labels of the route sets: the oracle's budgets ("k=0", ...), then the trained routers evaluated
  // in the run ("router NAME"); the first `oracleBudgets` are the oracle's.
  QStringList budgets;
  int oracleBudgets = 0;
  QStringList tokens;     // display text of every token of the sequence
  int firstPosition = 0;  // scored row t is token firstPosition + t predicting the token after it
  QVector<QVector<quint8>> routes;  // [budget][t * layers + l], 0 skip, 1 small, 2 big
  QVector<QVector<float>> loss;     // [budget][t]: the oracle's loss
  QVector<float> lossSkip, lossSmall, lossBig;  // [t]: fixed routes
  struct Point {
    QString policy, budget;
    double flopsFraction = 0, perplexity = 0;
    // The 95 % interval of the perplexity over sequences (exp of the mean loss's bootstrap
    // interval; NaN when the run has none): drawn as an error bar.
    double perplexityLow = std::numeric_limits<double>::quiet_NaN(), perplexityHigh = std::numeric_limits<double>::quiet_NaN();
  };
  QVector<Point> points;  // over the whole run
  // Layer usage over the whole run, per route set (budgets, then routers): fractions of tokens
  // taking each module at each layer.
  QVector<QVector<double>> bigByLayer, smallByLayer, skipByLayer;
  // Big modules per token by scored position (bins starting at positionBins), per oracle budget.
  QVector<qint64> positionBins;
  QVector<QVector<double>> bigByPosition;
  struct Hard {
    qint64 unit = 0;
    int position = 0;
    QString token, next, route;
    float difficulty = 0, lossSkip = 0, lossBig = 0, lossOracle = 0;
  };
  QVector<Hard> hardest;  // across the run, at the largest budget
  int sequence = 0, sequences = 0;  // which sequence of the run this is, and how many there are
  int scored() const { return lossSkip.size(); }
};

// The sequence's text as token boxes flowing in lines; each box is a scored token's prediction.
class TokenStrip : public QWidget {
  Q_OBJECT
 public:
  explicit TokenStrip(QWidget* parent = nullptr);
  void setTokens(const QStringList& text, const QVector<double>& shade, int firstScored);
  void setSelected(int row);  // -1: none
  int selected() const { return m_selected; }
  // The scored row under a point of the widget, -1 when none.
  int rowAt(const QPoint& p) const;
  QRect boxOf(int row) const;
  QSize sizeHint() const override;
  std::function<QString(int)> toolTipFor;

 Q_SIGNALS:
  void rowClicked(int row);

 protected:
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;
  void mousePressEvent(QMouseEvent*) override;
  bool event(QEvent* e) override;

 private:
  void layoutBoxes();
  QStringList m_text;
  QVector<double> m_shade;  // per scored row, 0..1
  QVector<QRect> m_boxes;   // per token of the sequence
  int m_first = 0, m_selected = -1, m_height = 0;
};

class RoutingView : public QWidget {
  Q_OBJECT
 public:
  explicit RoutingView(QWidget* parent = nullptr);
  void setData(const RoutingViewData& data);
  void clear();
  void setBudget(int b);
  int budget() const { return m_budget; }
  void selectRow(int row);  // syncs the text and the heatmap
  int selectedRow() const { return m_strip ? m_strip->selected() : -1; }
  const RoutingViewData& data() const { return m_data; }
  float difficulty(int row, int budget) const;

  QString tokenToolTip(int row) const;
  QString heatmapToolTipAt(const QPointF& pixel) const;  // empty outside the map
  QCustomPlot* heatmap() const { return m_heatmap; }
  QCustomPlot* curves() const { return m_curves; }
  QCustomPlot* usagePlot() const { return m_usage; }
  QTableWidget* hardestTable() const { return m_hardest; }
  RunHeatmapView* runHeatmap() const { return m_runMap; }
  QTabWidget* panels() const { return m_panels; }
  // The whole-run heatmap's data (read by the window on the worker pool after runRoutesRequested).
  void setRunRoutes(std::shared_ptr<const RunHeatmapData> data);
  // Selects this scored row once the sequence's data arrives (after sequenceRequested).
  void selectRowWhenShown(int unit, int row);
  TokenStrip* strip() const { return m_strip; }
  QSpinBox* sequenceBox() const { return m_sequence; }

  // Heatmap exports (PNG at 2×, PDF, SVG) and the data behind it as CSV (row, token, layer, module).
  bool exportHeatmap(const QString& path) const;
  // The data behind the perplexity-vs-compute plot (policy, budget, flops_fraction, perplexity) and
  // the layer-usage plot (route_set, layer, skip, small, big) as CSV; images as for the heatmap.
  bool exportCurves(const QString& path) const;
  bool exportUsage(const QString& path) const;

 Q_SIGNALS:
  void rowSelected(int row);
  void sequenceRequested(int unit);
  // The whole-run heatmap wants the routes of this route set (a budget index, or budgets + router).
  void runRoutesRequested(int routeSet);

 private:
  void rebuild();
  void rebuildUsage();
  void fillHardest();
  QComboBox* m_budgetBox;
  QSpinBox* m_sequence;
  QLabel* m_summary;
  TokenStrip* m_strip;
  QCustomPlot* m_heatmap;
  QCustomPlot* m_curves;
  QCustomPlot* m_usage;
  QTableWidget* m_hardest;
  RunHeatmapView* m_runMap;
  QTabWidget* m_panels;
  CategoryMap* m_map = nullptr;
  std::shared_ptr<std::vector<uint8_t>> m_cells;  // the heatmap's cells at the current budget
  int m_pendingUnit = -1, m_pendingRow = -1, m_pendingPosition = -1;
  QCPItemRect* m_cursor = nullptr;
  RoutingViewData m_data;
  int m_budget = 0;
};

}  // namespace lens::views
