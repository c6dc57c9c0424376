// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>

#include "core/common/result.h"

namespace lens::model {

struct DeviceParams {
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  std::string dtype = "auto";   // auto (float32 on CPU, bfloat16 on CUDA) | float32 | bfloat16 | float16
  int threads = 0;              // intra-op threads for CPU work; 0 = all cores
};

bool cudaAvailable();
// Resolves "auto"s; refuses a CUDA device when none is present, naming the option to change.
Result<DeviceParams> resolveDevice(DeviceParams p);
void setTorchThreads(int threads);

// The kernel set OpenBLAS runs ("Haswell", "SkylakeX", ...; OPENBLAS_CORETYPE overrides its own
// choice); empty when the BLAS is not OpenBLAS. Benchmarks record it with the machine.
std::string blasCore();
int torchThreads();

}  // namespace lens::model
