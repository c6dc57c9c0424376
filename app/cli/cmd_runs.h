// SPDX-License-Identifier: GPL-3.0-or-later
// The store-facing commands: run, resume, list, show, export, merge, bench store.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace CLI {
class App;
}

namespace lens::cli {

// Registers the commands on `app` (and `bench store` on `bench`). The returned function, called
// after parsing, runs whichever of them was given and returns its exit code, or nullopt if none.
std::function<std::optional<int>()> addRunCommands(CLI::App& app, CLI::App& bench);

// "1,2,4" -> {1, 2, 4}: positive integers; errors name the option and the bad item.
Result<std::vector<int>> parsePositiveIntList(const std::string& s, const std::string& option);

}  // namespace lens::cli
