// SPDX-License-Identifier: GPL-3.0-or-later
// Experiment reports: for each run, its parameters (the spec as run, models, data, device, code
// version), its results as tables and charts by kind (accuracy-vs-FLOPs curves of sampling runs,
// accuracy and compute of search runs, perplexity vs FLOPs of routing oracles, loss curves of
// trainings), and across runs (search::comparisonRuns says which is which) the compute-optimal
// frontier when a sampling run and search runs are given together, and the exchange analysis when
// sampling runs of two model sizes are. The CLI writes it as one HTML file; the workbench also prints it to PDF. Read
// only; torch-free and Qt-free.
#pragma once

#include <string>
#include <vector>

#include "core/common/result.h"

namespace lens::store {
class Store;
}

namespace lens::report {

struct ReportParams {
  std::vector<int64_t> runs;
  std::vector<int> budgets = {1, 2, 4, 8, 16, 32, 64};  // best-of-N budgets of sampling runs
  std::string title = "ComputeLens report";
};

struct ReportDocument {
  std::string title;
  // The HTML body. Chart i appears as <img src="chart:i" ...>, so a viewer can supply the images
  // its own way (the workbench renders the SVGs for its PDF).
  std::string body;
  std::vector<std::string> charts;  // SVG documents
  // One self-contained HTML file: the charts inlined as data: URIs.
  std::string standaloneHtml() const;
  // The body with the charts inlined (standaloneHtml without the page around it).
  std::string inlineBody() const;
};

// Errors name the run that cannot be read; a run whose results cannot be summarised (no graded
// samples, say) gets a note in its section instead.
Result<ReportDocument> buildReport(store::Store& store, const ReportParams& params);

}  // namespace lens::report
