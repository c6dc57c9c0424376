// SPDX-License-Identifier: GPL-3.0-or-later
// The trade-off view shows what it is given: points on a log FLOPs axis, the nearest point's values
// on hover, and exports (PNG, PDF, SVG, CSV) that are valid files holding exactly those points.
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include "views/plot_widget.h"
#include "views/tradeoff_view.h"

using lens::views::TradeoffSeries;
using lens::views::TradeoffView;

class TestTradeoffView : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void showsHoversAndExports() {
    TradeoffView v;
    v.resize(640, 420);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    TradeoffSeries all{"all", {1e9, 2e9, 4e9}, {0.5, 0.6, 0.7}, {1, 2, 4}};
    TradeoffSeries hard{"bin 5", {1e9, 2e9, 4e9}, {0.1, 0.15, 0.2}, {1, 2, 4}};
    v.setSeries("Run 1: majority", {all, hard});
    v.plot()->replot();
    QCOMPARE(v.seriesCount(), 2);
    QCOMPARE(v.plot()->graphCount(), 2);
    QCOMPARE(v.plot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(v.plot()->xAxis->range().contains(1e9) && v.plot()->xAxis->range().contains(4e9));
    // Hover over the middle point of "all".
    const QPointF at(v.plot()->xAxis->coordToPixel(2e9), v.plot()->yAxis->coordToPixel(0.6));
    const QString tip = v.toolTipAt(at + QPointF(3, -2));
    QVERIFY2(tip.startsWith("all\nN = 2 samples"), qPrintable(tip));
    QVERIFY(tip.contains("accuracy 60.0 %"));
    QVERIFY(v.toolTipAt(QPointF(-500, -500)).isEmpty());

    QTemporaryDir dir;
    const QString png = dir.filePath("c.png"), pdf = dir.filePath("c.pdf"), svg = dir.filePath("c.svg"), csv = dir.filePath("c.csv");
    QVERIFY(v.exportTo(png));
    QVERIFY(v.exportTo(pdf));
    QVERIFY(v.exportTo(svg));
    QVERIFY(v.exportTo(csv));
    QVERIFY(!v.exportTo(dir.filePath("c.bmp")));
    QImage img(png);
    QCOMPARE(img.width(), 2 * v.plot()->width());  // 2× for print
    QFile p(pdf);
    QVERIFY(p.open(QIODevice::ReadOnly));
    QVERIFY(p.read(5) == "%PDF-");
    QFile s(svg);
    QVERIFY(s.open(QIODevice::ReadOnly));
    const QByteArray svgText = s.readAll();
    QVERIFY(svgText.contains("<svg"));
    QFile c(csv);
    QVERIFY(c.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(c.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 6);
    QCOMPARE(lines[0], QString("series,n,flops_per_problem,accuracy,ci_low,ci_high"));
    QCOMPARE(lines[2], QString("\"all\",2,2000000000,0.59999999999999998,,"));
  }

  // A series with intervals is drawn with a band between them, in its colour, that is hidden with
  // it; series i stays graph(i); the tooltip and the CSV carry the interval.
  void drawsIntervalBands() {
    TradeoffView v;
    v.resize(640, 420);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    TradeoffSeries all{"all", {1e9, 2e9, 4e9}, {0.5, 0.6, 0.7}, {1, 2, 4}, {0.4, 0.5, 0.6}, {0.6, 0.7, 0.8}};
    TradeoffSeries bare{"bin 1", {1e9, 2e9, 4e9}, {0.1, 0.15, 0.2}, {1, 2, 4}};
    v.setSeries("Run 1: majority", {all, bare});
    QCOMPARE(v.seriesCount(), 2);
    QCOMPARE(v.plot()->graphCount(), 4);
    QCOMPARE(v.plot()->graph(0)->name(), QString("all"));
    QCOMPARE(v.plot()->graph(1)->name(), QString("bin 1"));
    const auto band = v.bandGraphs(0);
    QVERIFY(band.first && band.second);
    QVERIFY(!v.bandGraphs(1).first && !v.bandGraphs(1).second);
    QCOMPARE(band.second->channelFillGraph(), band.first);
    QCOMPARE(v.plot()->legend->itemCount(), 2);  // the bands are not in the legend
    QCOMPARE(band.first->data()->at(1)->value, 0.5);
    QCOMPARE(band.second->data()->at(1)->value, 0.7);

    // Inside the band (above the line, below the upper end) the plot is tinted; the same height
    // beside the other series (no band) is the background.
    v.plot()->replot();
    const QImage img = v.plot()->toPixmap().toImage();
    auto pixel = [&](double x, double y) {
      return img.pixelColor(static_cast<int>(v.plot()->xAxis->coordToPixel(x)), static_cast<int>(v.plot()->yAxis->coordToPixel(y)));
    };
    const QColor inBand = pixel(1.5e9, 0.63), background = pixel(1.5e9, 0.95);
    QVERIFY2(inBand != background, qPrintable(inBand.name()));
    QCOMPARE(background, QColor(Qt::white));

    const QPointF at(v.plot()->xAxis->coordToPixel(2e9), v.plot()->yAxis->coordToPixel(0.6));
    QVERIFY2(v.toolTipAt(at).contains("(95 % interval 50.0–70.0)"), qPrintable(v.toolTipAt(at)));

    QVERIFY(v.toggleSeries(0));
    QVERIFY(!band.first->visible() && !band.second->visible());
    v.plot()->replot();
    const QImage hidden = v.plot()->toPixmap().toImage();
    QCOMPARE(hidden.pixelColor(static_cast<int>(v.plot()->xAxis->coordToPixel(1.5e9)), static_cast<int>(v.plot()->yAxis->coordToPixel(0.63))),
             QColor(Qt::white));
    QVERIFY(v.toggleSeries(0));
    QVERIFY(band.first->visible() && band.second->visible());

    QTemporaryDir dir;
    QVERIFY(v.exportTo(dir.filePath("c.csv")));
    QFile c(dir.filePath("c.csv"));
    QVERIFY(c.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(c.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines[2], QString("\"all\",2,2000000000,0.59999999999999998,0.5,0.69999999999999996"));
    QCOMPARE(lines[5], QString("\"bin 1\",2,2000000000,0.14999999999999999,,"));
  }
};

QTEST_MAIN(TestTradeoffView)
#include "test_tradeoff_view.moc"
