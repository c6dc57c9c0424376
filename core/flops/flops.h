// SPDX-License-Identifier: GPL-3.0-or-later
// FLOPs accounting of Snell et al. 2024 (§7, after Kaplan et al. 2020): a forward pass costs about
// 2·N FLOPs per token and training about 6·N per token, N the parameter count.
#pragma once

#include <cstdint>

namespace lens::flops {

inline double inferenceFlops(int64_t parameters, double tokens) { return 2.0 * static_cast<double>(parameters) * tokens; }
inline double trainingFlops(int64_t parameters, double tokens) { return 6.0 * static_cast<double>(parameters) * tokens; }

}  // namespace lens::flops
