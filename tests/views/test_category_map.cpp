// SPDX-License-Identifier: GPL-3.0-or-later
// The categorical heatmap draws what its data holds: each on-screen pixel column shows the mix of
// the rows it covers, from the cells at its ends and the bin pyramid inside (exact but for 8-bit
// rounding); the whole-run view maps pixels back to sequences and tokens.
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>
#include <random>

#include "views/category_map.h"
#include "views/plot_widget.h"
#include "views/run_heatmap_view.h"

using lens::views::CategoryMap;
using lens::views::RunHeatmapData;
using lens::views::RunHeatmapView;

namespace {
const QVector<QColor> kColours = {QColor(200, 200, 200), QColor(0, 100, 255), QColor(255, 60, 0)};

// The mix of rows [first, last) at a column, straight from the cells.
QColor directMix(const std::vector<uint8_t>& cells, int columns, int64_t first, int64_t last, int column) {
  double rgb[3] = {0, 0, 0};
  for (int64_t r = first; r < last; ++r) {
    const QColor& c = kColours[cells[static_cast<size_t>(r) * columns + column]];
    rgb[0] += c.red();
    rgb[1] += c.green();
    rgb[2] += c.blue();
  }
  const double n = static_cast<double>(last - first);
  return QColor(qRound(rgb[0] / n), qRound(rgb[1] / n), qRound(rgb[2] / n));
}

int colourDistance(const QColor& a, const QColor& b) {
  return std::max({std::abs(a.red() - b.red()), std::abs(a.green() - b.green()), std::abs(a.blue() - b.blue())});
}
}  // namespace

class TestCategoryMap : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void mixesExactlyAndFromThePyramid() {
    QCustomPlot plot;
    auto* map = new CategoryMap(plot.xAxis, plot.yAxis);
    map->setColours(kColours);
    const int rows = 100000, columns = 4;
    // Column 0 all big, column 1 alternating skip / big, columns 2 and 3 random with drifting odds.
    auto cells = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(rows) * columns);
    std::mt19937 rng(7);
    for (int r = 0; r < rows; ++r) {
      (*cells)[static_cast<size_t>(r) * columns + 0] = 2;
      (*cells)[static_cast<size_t>(r) * columns + 1] = r % 2 ? 2 : 0;
      const double pBig = 0.5 + 0.45 * std::sin(r / 5000.0);
      for (int c = 2; c < columns; ++c) {
        const double u = std::uniform_real_distribution<double>(0, 1)(rng);
        (*cells)[static_cast<size_t>(r) * columns + c] = u < pBig ? 2 : (u < pBig + (1 - pBig) / 2 ? 1 : 0);
      }
    }
    map->setData(cells, rows, columns);
    QCOMPARE(map->rows(), rows);
    QCOMPARE(map->code(3, 1), 2);
    QCOMPARE(map->code(4, 1), 0);
    QCOMPARE(map->code(rows, 0), -1);
    // The pyramid adds at most 2 × (rows / 8) bins × columns × 3 categories of one byte.
    QVERIFY(map->pyramidBytes() > 0 && map->pyramidBytes() <= 2u * (rows / 8 + 20) * columns * 3);

    QCOMPARE(map->mixedColour(10, 11, 1), kColours[0]);
    QCOMPARE(map->mixedColour(0, 5000, 0), kColours[2]);
    // Half skip, half big: the average of the two colours.
    const QColor half(228, 130, 100);  // (200, 200, 200) and (255, 60, 0) halved
    QVERIFY(colourDistance(map->mixedColour(0, 4096, 1), half) <= 1);
    QVERIFY(colourDistance(map->mixedColour(0, 10, 1), half) <= 1);
    // Wide spans at odd offsets come from the pyramid and agree with the cells to within rounding.
    for (int i = 0; i < 200; ++i) {
      const int64_t first = std::uniform_int_distribution<int64_t>(0, rows - 2)(rng);
      const int64_t last = std::uniform_int_distribution<int64_t>(first + 1, std::min<int64_t>(rows, first + 40000))(rng);
      const int column = 2 + i % 2;
      const QColor got = map->mixedColour(first, last, column), want = directMix(*cells, columns, first, last, column);
      // Exact but for each level's 8-bit rounding of its shares.
      QVERIFY2(colourDistance(got, want) <= 2, qPrintable(QString("rows [%1, %2) column %3: got %4, want %5")
                                                                     .arg(first).arg(last).arg(column).arg(got.name(), want.name())));
    }

    // What is drawn: pixel columns of the plot show the mix of the rows under them.
    plot.resize(500, 300);
    plot.xAxis->setRange(-0.5, rows - 0.5);
    plot.yAxis->setRange(-0.5, columns - 0.5);
    plot.replot();
    const QImage img = plot.toPixmap(500, 300, 1.0).toImage();
    int checked = 0;
    for (int x = plot.axisRect()->left() + 8; x < plot.axisRect()->right() - 5; x += 37) {
      const int64_t first = static_cast<int64_t>(std::floor(plot.xAxis->pixelToCoord(x) + 0.5));
      const int64_t last = static_cast<int64_t>(std::floor(plot.xAxis->pixelToCoord(x + 1) + 0.5));
      for (int c = 0; c < columns; ++c) {
        const int y = static_cast<int>(plot.yAxis->coordToPixel(c + 0.25));  // clear of the tick marks
        const QColor want = map->mixedColour(first, last, c);
        QVERIFY2(colourDistance(img.pixelColor(x, y), want) <= 1,
                 qPrintable(QString("pixel %1, column %2: %3 vs %4").arg(x).arg(c).arg(img.pixelColor(x, y).name(), want.name())));
        ++checked;
      }
    }
    QVERIFY(checked > 40);
    // Zoomed in, one row spans many pixels and shows its own colour.
    plot.xAxis->setRange(99.5, 109.5);
    plot.replot();
    const QImage zoomed = plot.toPixmap(500, 300, 1.0).toImage();
    for (int r = 100; r < 109; ++r)
      QCOMPARE(zoomed.pixelColor(static_cast<int>(plot.xAxis->coordToPixel(r + 0.25)), static_cast<int>(plot.yAxis->coordToPixel(1.25))),
               kColours[(*cells)[static_cast<size_t>(r) * columns + 1]]);
  }

  void runViewLocatesTokensAndCountsByToken() {
    auto d = std::make_shared<RunHeatmapData>();
    d->title = "Run 1";
    d->routeSet = "k=1";
    d->layers = 2;
    // Two sequences (units 4 and 9) of 3 and 2 rows; token 7 takes big at layer 0 each time.
    d->cells = std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{2, 0, 1, 1, 2, 0, 0, 0, 2, 2});
    d->gain = {0.5f, 0.1f, 0.3f, 0.0f, 0.9f};
    d->tokens = {7, 8, 7, 5, 7};
    d->units = {4, 9};
    d->firstRow = {0, 3};
    d->firstPosition = {10, 20};
    d->vocabulary = {"a", "b", "c", "d", "e", "five", "f", "seven", "eight"};
    d->computeByToken();
    QCOMPARE(d->byToken.size(), 3);
    QCOMPARE(d->byToken[0].text, QString("seven"));  // seen 3 times; the others once
    QCOMPARE(d->byToken[0].count, 3);
    QCOMPARE(d->byToken[0].big, 4.0 / 3.0);  // rows 0, 2, 4: one, one and two big modules
    QVERIFY(std::abs(d->byToken[0].gain - (0.5 + 0.3 + 0.9) / 3.0) < 1e-6);  // float gains
    QCOMPARE(d->tokenText(99), QString("[99]"));

    RunHeatmapView v;
    v.resize(800, 600);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    v.setData(d);
    v.heatmap()->replot();
    QCOMPARE(v.tokenTable()->rowCount(), 3);
    int64_t unit = 0;
    int row = 0;
    QVERIFY(v.locate(4, &unit, &row));
    QCOMPARE(unit, int64_t(9));
    QCOMPARE(row, 1);
    QVERIFY(!v.locate(5, &unit, &row));
    const QPointF px(v.heatmap()->xAxis->coordToPixel(3), v.heatmap()->yAxis->coordToPixel(1));
    QCOMPARE(v.toolTipAt(px), QString("sequence 9, position 20: “five”\nlayer 1: skip (k=1)\ngain 0.0000 nats"));
    QSignalSpy activated(&v, &RunHeatmapView::tokenActivated);
    QTest::mouseDClick(v.heatmap(), Qt::LeftButton, {}, px.toPoint());
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated.first().at(0).toLongLong(), 9);
    QCOMPARE(activated.first().at(1).toInt(), 0);
    QTemporaryDir dir;
    QVERIFY(v.exportImage(dir.filePath("run.png")));
    QVERIFY(v.exportImage(dir.filePath("run.svg")));
    QVERIFY(!QImage(dir.filePath("run.png")).isNull());
  }
};

QTEST_MAIN(TestCategoryMap)
#include "test_category_map.moc"
