// SPDX-License-Identifier: GPL-3.0-or-later
// A small SVG line chart for reports (no Qt, so the headless CLI writes the same report as the
// workbench): series of points with markers, a linear or log10 x axis, ticks, axis labels and a
// legend, and a shaded band per series where it has intervals. Torch-free and Qt-free.
#pragma once

#include <string>
#include <vector>

namespace lens::report {

struct ChartSeries {
  std::string name;
  std::vector<double> x, y;
  // Optional interval of each y (e.g. a 95 % bootstrap interval), drawn as a translucent band in
  // the series' colour under its line; empty, or non-finite at a point, for none there.
  std::vector<double> low, high;
};

struct ChartParams {
  std::string title, xLabel, yLabel;
  bool logX = false;
  int width = 640, height = 360;
};

// The chart as a standalone SVG document. Points with a non-finite coordinate (or x <= 0 on a log
// axis) are left out.
std::string lineChartSvg(const std::vector<ChartSeries>& series, const ChartParams& params);

// Escapes text for HTML and SVG.
std::string escapeXml(const std::string& s);
// Standard base64 (for data: URIs).
std::string base64(const std::string& bytes);

}  // namespace lens::report
