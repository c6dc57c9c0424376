// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace lens::report {

namespace {

const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string num(double v, int precision = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", precision, v);
  return buf;
}

std::string fixed(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// About five round tick values covering [lo, hi].
std::vector<double> niceTicks(double lo, double hi) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / 5.0, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return out;
}

}  // namespace

std::string escapeXml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

std::string lineChartSvg(const std::vector<ChartSeries>& series, const ChartParams& p) {
  const double left = 70, right = 230, top = 30, bottom = 50;
  const double W = p.width, H = p.height, pw = W - left - right, ph = H - top - bottom;
  auto tx = [&](double x) { return p.logX ? std::log10(x) : x; };
  auto usable = [&](double x, double y) { return std::isfinite(x) && std::isfinite(y) && (!p.logX || x > 0); };
  // Point i of s has a band when both ends are finite.
  auto banded = [&](const ChartSeries& s, size_t i) {
    return i < s.low.size() && i < s.high.size() && usable(s.x[i], s.low[i]) && std::isfinite(s.high[i]);
  };
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : series)
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
      if (usable(s.x[i], s.y[i])) {
        x0 = std::min(x0, tx(s.x[i]));
        x1 = std::max(x1, tx(s.x[i]));
        y0 = std::min(y0, s.y[i]);
        y1 = std::max(y1, s.y[i]);
        if (banded(s, i)) y0 = std::min(y0, s.low[i]), y1 = std::max(y1, s.high[i]);
      }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 - x0 < 1e-12) x0 -= 0.5, x1 += 0.5;
  if (y1 - y0 < 1e-12) y0 -= 0.5, y1 += 0.5;
  const double padX = (x1 - x0) * 0.04, padY = (y1 - y0) * 0.06;
  x0 -= padX, x1 += padX, y0 -= padY, y1 += padY;
  auto px = [&](double x) { return left + (tx(x) - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return top + (1.0 - (y - y0) / (y1 - y0)) * ph; };

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W, 6) + "\" height=\"" + num(H, 6) + "\" viewBox=\"0 0 " +
                    num(W, 6) + " " + num(H, 6) + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + fixed(left + pw / 2) + "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">" + escapeXml(p.title) + "</text>\n";
  svg += "<rect x=\"" + fixed(left) + "\" y=\"" + fixed(top) + "\" width=\"" + fixed(pw) + "\" height=\"" + fixed(ph) + "\" fill=\"none\" stroke=\"#444\"/>\n";
  // Ticks: on a log axis at powers of ten (and the ends when the range is under a decade).
  std::vector<double> xt;
  if (p.logX) {
    for (double e = std::ceil(x0); e <= x1; e += 1.0) xt.push_back(e);
    if (xt.size() < 2) xt = niceTicks(x0, x1);
  } else {
    xt = niceTicks(x0, x1);
  }
  for (double t : xt) {
    const double x = left + (t - x0) / (x1 - x0) * pw;
    if (x < left - 0.5 || x > left + pw + 0.5) continue;
    svg += "<line x1=\"" + fixed(x) + "\" y1=\"" + fixed(top + ph) + "\" x2=\"" + fixed(x) + "\" y2=\"" + fixed(top + ph + 4) + "\" stroke=\"#444\"/>";
    svg += "<text x=\"" + fixed(x) + "\" y=\"" + fixed(top + ph + 16) + "\" text-anchor=\"middle\">" + escapeXml(num(p.logX ? std::pow(10.0, t) : t)) + "</text>\n";
  }
  for (double t : niceTicks(y0, y1)) {
    const double y = py(t);
    if (y < top - 0.5 || y > top + ph + 0.5) continue;
    svg += "<line x1=\"" + fixed(left - 4) + "\" y1=\"" + fixed(y) + "\" x2=\"" + fixed(left + pw) + "\" y2=\"" + fixed(y) + "\" stroke=\"#ddd\"/>";
    svg += "<text x=\"" + fixed(left - 7) + "\" y=\"" + fixed(y + 4) + "\" text-anchor=\"end\">" + escapeXml(num(t)) + "</text>\n";
  }
  svg += "<text x=\"" + fixed(left + pw / 2) + "\" y=\"" + fixed(H - 12) + "\" text-anchor=\"middle\">" + escapeXml(p.xLabel + (p.logX ? " (log)" : "")) + "</text>\n";
  svg += "<text transform=\"translate(16," + fixed(top + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" + escapeXml(p.yLabel) + "</text>\n";
  // Bands first, so that every line is drawn over them: one polygon per run of banded points
  // (upper ends left to right, then lower ends back), an error bar for a banded point alone.
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const std::string color = kColors[k % (sizeof kColors / sizeof *kColors)];
    const size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i < n;) {
      size_t j = i;
      while (j < n && banded(s, j)) ++j;
      if (j - i >= 2) {
        std::string poly;
        for (size_t a = i; a < j; ++a) poly += fixed(px(s.x[a])) + "," + fixed(py(s.high[a])) + " ";
        for (size_t a = j; a-- > i;) poly += fixed(px(s.x[a])) + "," + fixed(py(s.low[a])) + " ";
        svg += "<polygon class=\"band\" fill=\"" + color + "\" fill-opacity=\"0.15\" stroke=\"none\" points=\"" + poly + "\"/>\n";
      } else if (j - i == 1) {  // a point alone: an error bar
        svg += "<line class=\"band\" x1=\"" + fixed(px(s.x[i])) + "\" y1=\"" + fixed(py(s.low[i])) + "\" x2=\"" + fixed(px(s.x[i])) + "\" y2=\"" +
               fixed(py(s.high[i])) + "\" stroke=\"" + color + "\" stroke-opacity=\"0.4\" stroke-width=\"4\"/>\n";
      }
      i = j == i ? i + 1 : j;
    }
  }
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const std::string color = kColors[k % (sizeof kColors / sizeof *kColors)];
    std::string pts;
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
      if (usable(s.x[i], s.y[i])) pts += fixed(px(s.x[i])) + "," + fixed(py(s.y[i])) + " ";
    if (!pts.empty()) {
      // Past the palette, dashed lines keep the series apart.
      const std::string dash = k >= sizeof kColors / sizeof *kColors ? "\" stroke-dasharray=\"6,3" : "";
      svg += "<polyline fill=\"none\" stroke=\"" + color + dash + "\" stroke-width=\"1.8\" points=\"" + pts + "\"/>\n";
      for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
        if (usable(s.x[i], s.y[i]))
          svg += "<g><title>" + escapeXml(s.name + ": " + num(s.x[i], 4) + ", " + num(s.y[i], 4)) + "</title><circle cx=\"" +
                 fixed(px(s.x[i])) + "\" cy=\"" + fixed(py(s.y[i])) + "\" r=\"3\" fill=\"" + color + "\"/></g>\n";
    }
    const double ly = top + 8 + 16.0 * static_cast<double>(k);
    svg += "<line x1=\"" + fixed(left + pw + 12) + "\" y1=\"" + fixed(ly) + "\" x2=\"" + fixed(left + pw + 30) + "\" y2=\"" + fixed(ly) +
           "\" stroke=\"" + color + (k >= sizeof kColors / sizeof *kColors ? "\" stroke-dasharray=\"6,3" : "") +
           "\" stroke-width=\"2\"/><text x=\"" + fixed(left + pw + 35) + "\" y=\"" + fixed(ly + 4) + "\">" +
           escapeXml(s.name) + "</text>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace lens::report
