// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/common/version.h"

#include <torch/version.h>

namespace lens {
std::string versionString() { return LENS_VERSION; }
std::string torchVersionString() { return TORCH_VERSION; }
}  // namespace lens
