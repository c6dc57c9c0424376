// SPDX-License-Identifier: GPL-3.0-or-later
// The store-facing commands: run, resume, list, show, export, merge, bench store.
#pragma once

#include <functional>
#include <optional>

namespace CLI {
class App;
}

namespace lens::cli {

// Registers the commands on `app` (and `bench store` on `bench`). The returned function, called
// after parsing, runs whichever of them was given and returns its exit code, or nullopt if none.
std::function<std::optional<int>()> addRunCommands(CLI::App& app, CLI::App& bench);

}  // namespace lens::cli
