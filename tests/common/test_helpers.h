// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the tests: where the fixtures are, temporary folders, and the one numeric tolerance
// helper every comparison goes through (LabPlot's CommonTest idea).
#pragma once

#include <QString>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <string>
#include <vector>

namespace lens::test {

inline std::string sharedDir() { return LENS_SHARED_DIR; }
inline std::string fixture(const std::string& rel) { return sharedDir() + "/fixtures/hf-tiny/" + rel; }

// Largest |a - b| over two equally long arrays; -1 when the lengths differ.
inline double maxAbsDiff(const float* a, const float* b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, static_cast<double>(std::fabs(a[i] - b[i])));
  return m;
}
inline double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return -1;
  return maxAbsDiff(a.data(), b.data(), a.size());
}

inline void writeText(const std::string& path, const std::string& text) {
  QFile f(QString::fromStdString(path));
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(text.data(), static_cast<qint64>(text.size()));
}

}  // namespace lens::test

// Fails the test with both numbers shown when |a - b| > tol.
#define LENS_COMPARE_NEAR(a, b, tol)                                                                        \
  do {                                                                                                      \
    const double lens_a_ = (a), lens_b_ = (b);                                                              \
    if (!(std::fabs(lens_a_ - lens_b_) <= (tol)))                                                           \
      QFAIL(qPrintable(QString("%1 = %2, %3 = %4, differ by more than %5").arg(#a).arg(lens_a_, 0, 'g', 9) \
                           .arg(#b).arg(lens_b_, 0, 'g', 9).arg(tol)));                                     \
  } while (0)

// Fails with the error message when a lens Result / Status is not ok.
// Evaluates `r` exactly once (QVERIFY2 evaluates its message eagerly).
#define LENS_VERIFY_OK(r)                                                                                  \
  do {                                                                                                     \
    const auto& lens_r_ = (r);                                                                             \
    QVERIFY2(lens_r_.ok(), lens_r_.ok() ? "" : qPrintable(QString::fromStdString(lens_r_.error().describe()))); \
  } while (0)
