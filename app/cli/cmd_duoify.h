// SPDX-License-Identifier: GPL-3.0-or-later
// `duoify`: turn a Hugging Face checkpoint into a Duo model (core/model/duoify.h).
#pragma once

#include <functional>
#include <optional>

namespace CLI {
class App;
}

namespace lens::cli {

// Registers the command; the returned function runs it when it was given (nullopt otherwise).
std::function<std::optional<int>()> addDuoifyCommand(CLI::App& app);

}  // namespace lens::cli
