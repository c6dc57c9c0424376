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
// Whether `d` has the form a device takes: auto, cpu, cuda or cuda:N (N of up to 4 digits). The spec
// reader checks it before a run is created; resolveDevice checks it and then the machine.
bool isDeviceName(const std::string& d);
// Resolves "auto"s; refuses a CUDA device when none is present, naming the option to change.
Result<DeviceParams> resolveDevice(DeviceParams p);
void setTorchThreads(int threads);

// The kernel set OpenBLAS runs ("Haswell", "SkylakeX", ...; OPENBLAS_CORETYPE overrides its own
// choice); empty when the BLAS is not OpenBLAS. Benchmarks record it with the machine.
std::string blasCore();
int torchThreads();

// OpenBLAS 0.3.21 (Debian 12's) runs its SSE3 "Prescott" kernels on x86-64 CPUs it does not know,
// recent Xeons among them, at a quarter of the matrix-multiply rate of its AVX-512 kernels. When
// OpenBLAS fell back that way and the CPU has AVX-512 (F, BW, DQ, VL, CD) or AVX2 with FMA, this
// switches it to its "SkylakeX" or "Haswell" kernels. It does nothing when OPENBLAS_CORETYPE is
// set (which also lets a user keep OpenBLAS's choice), when the BLAS is not OpenBLAS, or when
// OpenBLAS recognised the CPU. Call once at the start of a program, before its threads and any
// BLAS call. Returns what it did, in words; blasKernelsDescription() repeats it.
std::string chooseBlasKernelsForCpu();
std::string blasKernelsDescription();

}  // namespace lens::model
