// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/category_map.h"

#include <algorithm>
#include <cmath>

namespace lens::views {

CategoryMap::CategoryMap(QCPAxis* keyAxis, QCPAxis* valueAxis) : QCPAbstractPlottable(keyAxis, valueAxis) {
  setSelectable(QCP::stNone);
  m_colours = {QColor(225, 225, 225), QColor(86, 180, 233), QColor(213, 94, 0)};
}

void CategoryMap::setData(std::shared_ptr<const std::vector<uint8_t>> cells, int rows, int columns) {
  if (!cells || rows <= 0 || columns <= 0 || cells->size() < static_cast<size_t>(rows) * static_cast<size_t>(columns)) {
    m_cells.reset();
    m_rows = m_columns = 0;
  } else {
    m_cells = std::move(cells);
    m_rows = rows;
    m_columns = columns;
  }
  buildPyramid();
}

void CategoryMap::setColours(const QVector<QColor>& colours) {
  if (colours.isEmpty()) return;
  m_colours = colours.mid(0, kMaxCategories);
  buildPyramid();
}

int CategoryMap::code(int row, int column) const {
  if (!m_cells || row < 0 || row >= m_rows || column < 0 || column >= m_columns) return -1;
  return (*m_cells)[static_cast<size_t>(row) * m_columns + column];
}

size_t CategoryMap::pyramidBytes() const {
  size_t n = 0;
  for (const auto& l : m_levels) n += l.share.size();
  return n;
}

void CategoryMap::buildPyramid() {
  m_levels.clear();
  if (!m_cells || m_rows <= 2 * kFirstBin) return;
  const int C = static_cast<int>(m_colours.size()), L = m_columns;
  const size_t stride = static_cast<size_t>(L) * C;
  const uint8_t* cells = m_cells->data();
  // Exact counts per bin, two levels alive at a time; each level's shares are rounded from its own
  // counts, so rounding does not build up from level to level.
  std::vector<uint32_t> count(static_cast<size_t>((m_rows + kFirstBin - 1) / kFirstBin) * stride, 0);
  for (int64_t r = 0; r < m_rows; ++r) {
    uint32_t* out = count.data() + static_cast<size_t>(r / kFirstBin) * stride;
    const uint8_t* row = cells + r * L;
    for (int l = 0; l < L; ++l) ++out[static_cast<size_t>(l) * C + std::min<int>(row[l], C - 1)];
  }
  int64_t binRows = kFirstBin;
  while (true) {
    Level lv;
    lv.binRows = binRows;
    lv.bins = (m_rows + binRows - 1) / binRows;
    lv.share.resize(static_cast<size_t>(lv.bins) * stride);
    for (int64_t b = 0; b < lv.bins; ++b) {
      const double n = static_cast<double>(std::min<int64_t>((b + 1) * binRows, m_rows) - b * binRows);
      for (size_t i = 0; i < stride; ++i)
        lv.share[static_cast<size_t>(b) * stride + i] = static_cast<uint8_t>(std::lround(255.0 * count[static_cast<size_t>(b) * stride + i] / n));
    }
    const int64_t bins = lv.bins;
    m_levels.push_back(std::move(lv));
    if (bins <= 2) break;
    std::vector<uint32_t> up(static_cast<size_t>((bins + 1) / 2) * stride, 0);
    for (int64_t b = 0; b < bins; ++b)
      for (size_t i = 0; i < stride; ++i) up[static_cast<size_t>(b / 2) * stride + i] += count[static_cast<size_t>(b) * stride + i];
    count.swap(up);
    binRows *= 2;
  }
}

void CategoryMap::mixInto(int64_t first, int64_t last, int column, double* rgb) const {
  const int C = static_cast<int>(m_colours.size());
  double weight[kMaxCategories] = {};
  const size_t stride = static_cast<size_t>(m_columns) * C;
  // [first, last) as raw rows at its ends and the largest aligned pyramid bins inside: exact but
  // for each level's 8-bit rounding, at most two bins per level.
  int64_t r = first;
  while (r < last) {
    if (m_levels.empty() || r % kFirstBin != 0 || r + kFirstBin > last) {
      weight[std::min<int>((*m_cells)[static_cast<size_t>(r) * m_columns + column], C - 1)] += 255.0;
      ++r;
      continue;
    }
    size_t k = 0;
    while (k + 1 < m_levels.size() && r % m_levels[k + 1].binRows == 0 && r + m_levels[k + 1].binRows <= last) ++k;
    const Level& lv = m_levels[k];
    const uint8_t* s = lv.share.data() + static_cast<size_t>(r / lv.binRows) * stride + static_cast<size_t>(column) * C;
    const double rowsIn = static_cast<double>(lv.binRows);
    for (int c = 0; c < C; ++c) weight[c] += rowsIn * s[c];
    r += lv.binRows;
  }
  double total = 0;
  for (double w : weight) total += w;
  rgb[0] = rgb[1] = rgb[2] = 0;
  if (total <= 0) return;
  for (int c = 0; c < C; ++c) {
    const double w = weight[c] / total;
    rgb[0] += w * m_colours[c].red();
    rgb[1] += w * m_colours[c].green();
    rgb[2] += w * m_colours[c].blue();
  }
}

QColor CategoryMap::mixedColour(int64_t first, int64_t last, int column) const {
  first = std::max<int64_t>(first, 0);
  last = std::min<int64_t>(last, m_rows);
  if (!m_cells || first >= last || column < 0 || column >= m_columns) return {};
  double rgb[3];
  mixInto(first, last, column, rgb);
  return QColor(static_cast<int>(std::lround(rgb[0])), static_cast<int>(std::lround(rgb[1])), static_cast<int>(std::lround(rgb[2])));
}

double CategoryMap::selectTest(const QPointF&, bool, QVariant*) const { return -1; }

QCPRange CategoryMap::getKeyRange(bool& foundRange, QCP::SignDomain) const {
  foundRange = m_rows > 0;
  return QCPRange(-0.5, m_rows - 0.5);
}

QCPRange CategoryMap::getValueRange(bool& foundRange, QCP::SignDomain, const QCPRange&) const {
  foundRange = m_columns > 0;
  return QCPRange(-0.5, m_columns - 0.5);
}

void CategoryMap::draw(QCPPainter* painter) {
  QCPAxis* keyAxis = mKeyAxis.data();
  QCPAxis* valueAxis = mValueAxis.data();
  if (!m_cells || !keyAxis || !valueAxis || keyAxis->orientation() != Qt::Horizontal) return;
  const QRect clip = clipRect();
  double x0 = keyAxis->coordToPixel(-0.5), x1 = keyAxis->coordToPixel(m_rows - 0.5);
  if (x0 > x1) std::swap(x0, x1);
  const int left = std::max(clip.left(), static_cast<int>(std::floor(x0)));
  const int right = std::min(clip.right() + 1, static_cast<int>(std::ceil(x1)));
  if (right <= left) return;
  const int width = right - left;
  const double yTop = valueAxis->coordToPixel(m_columns - 0.5), yBottom = valueAxis->coordToPixel(-0.5);
  const bool flipped = yTop > yBottom;  // a reversed value axis: column 0 at the top
  QImage image(width, m_columns, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::transparent);
  double rgb[3];
  for (int px = 0; px < width; ++px) {
    double c0 = keyAxis->pixelToCoord(left + px), c1 = keyAxis->pixelToCoord(left + px + 1);
    if (c0 > c1) std::swap(c0, c1);
    int64_t first = static_cast<int64_t>(std::floor(c0 + 0.5)), last = static_cast<int64_t>(std::floor(c1 + 0.5));
    if (last <= first) last = first + 1;
    first = std::max<int64_t>(first, 0);
    last = std::min<int64_t>(last, m_rows);
    if (first >= last) continue;
    for (int c = 0; c < m_columns; ++c) {
      mixInto(first, last, c, rgb);
      const int y = flipped ? c : m_columns - 1 - c;
      reinterpret_cast<QRgb*>(image.scanLine(y))[px] =
          qRgb(static_cast<int>(std::lround(rgb[0])), static_cast<int>(std::lround(rgb[1])), static_cast<int>(std::lround(rgb[2])));
    }
  }
  painter->save();
  // Pixel columns land on pixels: no antialiasing (which would shift and blur them) nor smoothing.
  painter->setAntialiasing(false);
  painter->setRenderHint(QPainter::SmoothPixmapTransform, false);
  painter->setClipRect(clip);
  const int top = static_cast<int>(std::lround(std::min(yTop, yBottom))), bottom = static_cast<int>(std::lround(std::max(yTop, yBottom)));
  painter->drawImage(QRect(left, top, width, std::max(1, bottom - top)), image);
  painter->restore();
}

void CategoryMap::drawLegendIcon(QCPPainter* painter, const QRectF& rect) const {
  painter->fillRect(rect, m_colours.value(m_colours.size() - 1));
}

}  // namespace lens::views
