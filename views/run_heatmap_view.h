// SPDX-License-Identifier: GPL-3.0-or-later
// The layer usage of a whole oracle run: every scored token of the run (sequences one after
// another) × layers, each cell the module a route set takes (an oracle budget or a trained router),
// drawn by CategoryMap so a million tokens pan and zoom at screen rate; hover for the token, its
// sequence and gain; double-click to open that token in the sequence view. Beside it, compute by
// token: which tokens of the vocabulary get the big modules, and how much they gain.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>
#include <cstdint>
#include <memory>
#include <vector>

class QCustomPlot;
class QLabel;
class QTableWidget;

namespace lens::views {

class CategoryMap;

struct RunHeatmapData {
  QString title;     // "Run 3"
  QString routeSet;  // "k=2", "router NAME"
  int layers = 0;
  std::shared_ptr<const std::vector<uint8_t>> cells;  // [row * layers + layer]
  std::vector<float> gain;                            // [row]
  std::vector<int32_t> tokens;                        // [row]: the input token's id
  std::vector<int64_t> units, firstRow;               // per sequence
  std::vector<int32_t> firstPosition;                 // per sequence
  QStringList vocabulary;                             // id → text; empty: ids are shown
  struct TokenUsage {
    QString text;
    int64_t count = 0;
    double big = 0, small = 0, gain = 0;  // means per occurrence: big and small modules, gain
  };
  QVector<TokenUsage> byToken;  // most big modules per occurrence first

  int64_t rows() const { return static_cast<int64_t>(gain.size()); }
  QString tokenText(int32_t id) const;
  // Fills byToken from the rows (at most `limit` token kinds, those seen at least twice first).
  void computeByToken(int limit = 500);
};

class RunHeatmapView : public QWidget {
  Q_OBJECT
 public:
  explicit RunHeatmapView(QWidget* parent = nullptr);
  void setData(std::shared_ptr<const RunHeatmapData> data);
  void clear();
  const RunHeatmapData* data() const { return m_data.get(); }
  QCustomPlot* heatmap() const { return m_plot; }
  CategoryMap* map() const { return m_map; }
  QTableWidget* tokenTable() const { return m_table; }
  QString toolTipAt(const QPointF& pixel) const;  // empty outside the data
  // Which sequence (unit) and scored row of it a run row is; false outside.
  bool locate(int64_t row, int64_t* unit, int* rowInSequence) const;
  // Shows rows [first, last) (zoom and pan do the same).
  void showRows(double first, double last);
  bool exportImage(const QString& path) const;  // PNG (2×), PDF or SVG

 Q_SIGNALS:
  // A double-click on the map: open this scored row of this sequence.
  void tokenActivated(qint64 unit, int rowInSequence);

 private:
  QLabel* m_summary;
  QCustomPlot* m_plot;
  CategoryMap* m_map;
  QTableWidget* m_table;
  std::shared_ptr<const RunHeatmapData> m_data;
};

}  // namespace lens::views
