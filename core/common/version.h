// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <string>

namespace lens {
std::string versionString();      // "0.1.0"
std::string torchVersionString(); // libtorch this build links, e.g. "1.13.0"
}  // namespace lens
