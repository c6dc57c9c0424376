// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/model/device.h"

#include <torch/torch.h>

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <strings.h>
#include <thread>

namespace lens::model {

bool cudaAvailable() { return torch::cuda::is_available(); }

bool isDeviceName(const std::string& d) {
  if (d == "auto" || d == "cpu" || d == "cuda") return true;
  return d.size() > 5 && d.size() <= 9 && d.compare(0, 5, "cuda:") == 0 &&
         std::all_of(d.begin() + 5, d.end(), [](unsigned char c) { return std::isdigit(c); });
}

Result<DeviceParams> resolveDevice(DeviceParams p) {
  if (!isDeviceName(p.device)) return makeError(ErrorCode::InvalidInput, "--device '" + p.device + "' is not auto, cpu, cuda or cuda:N");
  if (p.device == "auto") p.device = cudaAvailable() ? "cuda:0" : "cpu";
  if (p.device == "cuda") p.device = "cuda:0";
  if (p.device.rfind("cuda", 0) == 0) {
    if (!cudaAvailable())
      return makeError(ErrorCode::Unsupported, "--device " + p.device + ": this machine or build has no CUDA; use --device cpu");
    try {
      torch::Device d(p.device);
      if (d.index() >= static_cast<int>(torch::cuda::device_count()))
        return makeError(ErrorCode::InvalidInput, "--device " + p.device + ": only " + std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
    } catch (const std::exception&) {
      return makeError(ErrorCode::InvalidInput, "--device '" + p.device + "' is not cpu, cuda or cuda:N");
    }
  }
  if (p.dtype == "auto") p.dtype = p.device == "cpu" ? "float32" : "bfloat16";
  if (p.dtype == "bf16") p.dtype = "bfloat16";
  if (p.dtype == "fp16" || p.dtype == "half") p.dtype = "float16";
  if (p.dtype == "fp32") p.dtype = "float32";
  if (p.dtype != "float32" && p.dtype != "bfloat16" && p.dtype != "float16")
    return makeError(ErrorCode::InvalidInput, "--dtype '" + p.dtype + "' is not auto, float32, bfloat16 or float16");
  if (p.threads < 0) return makeError(ErrorCode::InvalidInput, "--threads must be 0 (all cores) or positive");
  // Debian's libtorch starts with one intra-op thread; 0 means every core, set explicitly.
  if (p.threads == 0) p.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return p;
}

void setTorchThreads(int threads) {
  if (threads > 0) torch::set_num_threads(threads);
}

int torchThreads() { return torch::get_num_threads(); }

std::string blasCore() {
  using CoreName = char* (*)();
  auto fn = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* name = fn ? fn() : nullptr;
  return name ? std::string(name) : std::string();
}

namespace {

std::string& blasChoice() {
  static std::string d = "blas: as the library chose";
  return d;
}

// The OpenBLAS kernel set this CPU can run best among those a fallback would miss; empty: none.
const char* blasKernelsForThisCpu() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return "";
}

}  // namespace

std::string chooseBlasKernelsForCpu() {
  std::string& d = blasChoice();
  if (std::getenv("OPENBLAS_CORETYPE")) return d = "blas: OPENBLAS_CORETYPE set in the environment";
  using Fn = void (*)();
  auto quit = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit"));
  auto init = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init"));
  const std::string chosen = blasCore();
  if (!quit || !init || chosen.empty()) return d = "blas: not OpenBLAS with runtime kernel selection; left as it is";
  if (strcasecmp(chosen.c_str(), "Prescott") != 0) return d = "blas: OpenBLAS chose its " + chosen + " kernels";
  const std::string better = blasKernelsForThisCpu();
  if (better.empty()) return d = "blas: OpenBLAS chose its Prescott kernels; this CPU has neither AVX-512 nor AVX2";
  // OpenBLAS reads OPENBLAS_CORETYPE when it selects its kernel table; children inherit it too.
  auto reselect = [&] {
    quit();
    init();
  };
  setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
  reselect();
  if (strcasecmp(blasCore().c_str(), better.c_str()) == 0)
    return d = "blas: OpenBLAS fell back to Prescott on this CPU; switched to its " + better + " kernels";
  unsetenv("OPENBLAS_CORETYPE");
  reselect();
  return d = "blas: OpenBLAS fell back to Prescott on this CPU and refused " + better + "; left as " + blasCore();
}

std::string blasKernelsDescription() { return blasChoice(); }

}  // namespace lens::model
