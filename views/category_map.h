// SPDX-License-Identifier: GPL-3.0-or-later
// A QCustomPlot plottable for large categorical heatmaps: rows × columns of small category codes
// (a run's tokens × layers, each cell skip / small / big). QCPColorMap rasterises every cell on each
// data change and scales the whole image on each replot; for a million tokens × 32 layers that is
// seconds and hundreds of megabytes. This one draws only what is on screen, one image column per
// pixel: where a pixel covers several rows it shows their mix (the average of their categories'
// colours), summed from a pyramid of per-bin category fractions built once in setData (at most two
// bins per level per pixel), so a replot costs about pixels × columns × log(rows) whatever the zoom.
//
// Key axis: row r spans [r − 0.5, r + 0.5]; value axis: column c spans [c − 0.5, c + 0.5].
#pragma once

#include <QColor>
#include <QVector>
#include <cstdint>
#include <memory>
#include <vector>

#include "views/plot_widget.h"

namespace lens::views {

class CategoryMap : public QCPAbstractPlottable {
  Q_OBJECT
 public:
  CategoryMap(QCPAxis* keyAxis, QCPAxis* valueAxis);

  // cells[r * columns + c] < colours.size() (larger codes are drawn with the last colour).
  void setData(std::shared_ptr<const std::vector<uint8_t>> cells, int rows, int columns);
  static constexpr int kMaxCategories = 8;
  void setColours(const QVector<QColor>& colours);  // at most kMaxCategories
  int rows() const { return m_rows; }
  int columns() const { return m_columns; }
  int code(int row, int column) const;  // -1 outside the data
  // The colour drawn for rows [first, last) at `column`: the mix of their categories' colours.
  QColor mixedColour(int64_t first, int64_t last, int column) const;
  // The pyramid's size in bytes (memory the map adds to its data).
  size_t pyramidBytes() const;

  double selectTest(const QPointF& pos, bool onlySelectable, QVariant* details = nullptr) const override;
  QCPRange getKeyRange(bool& foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth) const override;
  QCPRange getValueRange(bool& foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth,
                         const QCPRange& inKeyRange = QCPRange()) const override;

 protected:
  void draw(QCPPainter* painter) override;
  void drawLegendIcon(QCPPainter* painter, const QRectF& rect) const override;

 private:
  // Fractions (0..255) of each category per bin and column; level k has bins of kFirstBin << k rows
  // (the last bin of a level may be short).
  struct Level {
    int64_t binRows = 0, bins = 0;
    std::vector<uint8_t> share;  // [bin][column][category]
  };
  static constexpr int64_t kFirstBin = 8;
  void buildPyramid();
  void mixInto(int64_t first, int64_t last, int column, double* rgb) const;

  std::shared_ptr<const std::vector<uint8_t>> m_cells;
  int m_rows = 0, m_columns = 0;
  QVector<QColor> m_colours;
  std::vector<Level> m_levels;
};

}  // namespace lens::views
