// SPDX-License-Identifier: GPL-3.0-or-later
// Writes an experiment report (core/report) as HTML (one self-contained file) or PDF (the same
// HTML laid out by QTextDocument, the charts rendered from their SVG at twice the resolution).
#pragma once

#include <QString>

#include "core/common/result.h"

namespace lens::report {
struct ReportDocument;
}

namespace lens::views {

// The format follows the suffix: .pdf, else HTML. Errors say what could not be written.
Status exportReport(const report::ReportDocument& doc, const QString& path);

}  // namespace lens::views
