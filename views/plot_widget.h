// SPDX-License-Identifier: GPL-3.0-or-later
// The one place that includes qcustomplot.h (it uses `signals:`; keep it away from torch).
// Code built with QT_NO_KEYWORDS (the tests, which also see libtorch headers) gets the keywords
// back for this header only.
#pragma once

#if defined(QT_NO_KEYWORDS) && !defined(signals)
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#define LENS_QCP_KEYWORDS_DEFINED
#endif

#include <qcustomplot.h>

#ifdef LENS_QCP_KEYWORDS_DEFINED
#undef signals
#undef slots
#undef emit
#undef foreach
#undef LENS_QCP_KEYWORDS_DEFINED
#endif

#include <QTextStream>
#include <functional>

namespace lens::views {
// A right-click menu on the plot: "Export…" asks for a file and writes the plot as PNG (2×), PDF
// or SVG, or, when `csv` is given, the data behind it as CSV (`csv` writes that file). Failures are
// reported in a message box.
void installExportMenu(QCustomPlot* plot, std::function<QString()> title, std::function<bool(const QString&)> csv = {});

// A tokens × layers heatmap plot: x labelled `xLabel`, y "layer", drag and wheel zoom along x only,
// hover events.
void setupHeatmapPlot(QCustomPlot* plot, const QString& xLabel);

// Writes `header` and the lines `rows` writes to a CSV file; false when it cannot be written.
bool writeCsv(const QString& path, const QString& header, const std::function<void(QTextStream&)>& rows);

// Writes a plot by the path's suffix: .png (twice the on-screen size), .pdf or .svg. At least
// 640 × 420 when the widget is smaller (never shown). False on an unknown suffix or a write error.
bool exportPlotImage(QCustomPlot* plot, const QString& path, const QString& title);
}  // namespace lens::views
