// SPDX-License-Identifier: GPL-3.0-or-later
// The demo: the built-in models on the built-in task, as three job specs whose results fill every
// view — best-of-N sampling graded and scored by the shipped PRM (accuracy-vs-FLOPs curves), a
// routing oracle (token difficulty and the layer heatmap) and a PRM-guided beam search (the search
// inspector). `computelens-cli demo` and the workbench's Help → Run the Demo run the same specs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lens::jobs {

// The folder holding models/ and jobs/: $LENS_RESOURCES, else next to an installed program
// (<exeDir>/../share/computelens/resources), else `sourceDir`/resources (the tree it was built from).
// Empty when none has the built-in models.
std::string findResources(const std::string& exeDir, const std::string& sourceDir = {});
// The folder of the running program (/proc/self/exe on Linux; empty when unknown).
std::string programDir();

// The demo's job specs with paths under `resources`; `problems` test problems for the sampling run
// (fewer for the oracle and the search).
std::vector<nlohmann::json> demoSpecs(const std::string& resources, int problems = 100);

}  // namespace lens::jobs
