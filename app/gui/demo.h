// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench's demo (Help → Run the Demo): the built-in models on the built-in task, as three
// queued jobs whose results fill the views — best-of-N sampling graded and scored by the shipped
// PRM (accuracy-vs-FLOPs curves), a routing oracle (token difficulty and the layer heatmap) and a
// PRM-guided beam search (the search inspector).
#pragma once

#include <QString>

#include <nlohmann/json.hpp>
#include <vector>

namespace lens::app {

// The folder holding models/ and jobs/: $LENS_RESOURCES, else next to an installed program
// (../share/computelens/resources), else the source tree it was built from. Empty when none has the
// built-in models.
QString findResources();

// The demo's job specs with paths under `resources`; `problems` test problems for the sampling run
// (fewer for the oracle and the search).
std::vector<nlohmann::json> demoSpecs(const QString& resources, int problems = 100);

}  // namespace lens::app
