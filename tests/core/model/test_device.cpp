// SPDX-License-Identifier: GPL-3.0-or-later
// OpenBLAS's kernels. On an x86-64 CPU it does not know, OpenBLAS 0.3.21 falls back to its SSE3
// "Prescott" kernels (seen on a recent Xeon: a 1024^3 matmul at 39 GFLOP/s against 259 with its
// AVX-512 ones). chooseBlasKernelsForCpu switches to the AVX-512 or AVX2 kernels where the CPU has
// them, leaves OpenBLAS's own choice otherwise, and never overrides OPENBLAS_CORETYPE.
#include <c10/core/InferenceMode.h>
#include <torch/torch.h>

#include <QtTest>
#include <dlfcn.h>
#include <strings.h>

#include <cstdlib>
#include <string>

#include "core/model/device.h"

using namespace lens;

namespace {

bool isOpenBlasWithKernelChoice() {
  return !model::blasCore().empty() && dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init") && dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
}

// Makes OpenBLAS select its kernels again, as at start-up, with OPENBLAS_CORETYPE = `core` (or
// unset when empty).
void reselectKernels(const char* core) {
  using Fn = void (*)();
  if (core && *core)
    setenv("OPENBLAS_CORETYPE", core, 1);
  else
    unsetenv("OPENBLAS_CORETYPE");
  reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit"))();
  reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init"))();
}

bool cpuHasAvx2() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

// The largest error of a float32 product against the same product in double, relative to the
// largest entry.
double productError() {
  c10::InferenceMode guard;
  torch::manual_seed(7);
  auto a = torch::randn({300, 500}), b = torch::randn({500, 200});
  auto exact = torch::matmul(a.to(torch::kDouble), b.to(torch::kDouble));
  auto got = torch::matmul(a, b).to(torch::kDouble);
  return ((got - exact).abs().max() / exact.abs().max()).item<double>();
}

}  // namespace

class TestDevice : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    if (!isOpenBlasWithKernelChoice()) QSKIP("the BLAS is not OpenBLAS with runtime kernel selection");
  }

  // A user's OPENBLAS_CORETYPE wins, even when it names the fallback.
  void environmentWins() {
    reselectKernels("Prescott");
    const std::string said = model::chooseBlasKernelsForCpu();
    QVERIFY2(said.find("OPENBLAS_CORETYPE set") != std::string::npos, said.c_str());
    QCOMPARE(model::blasCore(), std::string("Prescott"));
    QCOMPARE(model::blasKernelsDescription(), said);
  }

  // OpenBLAS on the fallback kernels (as on a CPU it does not know): switched to the best it has
  // for this CPU, and the products stay right.
  void fallbackIsReplacedOnAnAvxCpu() {
    reselectKernels("Prescott");
    unsetenv("OPENBLAS_CORETYPE");  // as at start-up on an unknown CPU: fallen back, nothing asked
    const std::string said = model::chooseBlasKernelsForCpu();
    if (!cpuHasAvx2()) {
      QCOMPARE(model::blasCore(), std::string("Prescott"));
      QVERIFY2(said.find("neither AVX-512 nor AVX2") != std::string::npos, said.c_str());
      return;
    }
    const std::string now = model::blasCore();
    QVERIFY2(strcasecmp(now.c_str(), "Prescott") != 0, said.c_str());
    QVERIFY2(said.find("switched to its " + now + " kernels") != std::string::npos, said.c_str());
    // Child processes (the benchmarks' runs) inherit the choice.
    QCOMPARE(std::string(std::getenv("OPENBLAS_CORETYPE")), now);
    QVERIFY2(productError() < 1e-5, qPrintable(QString::number(productError())));
  }

  // Where OpenBLAS recognised the CPU (or ran the kernels it was told), its choice stands.
  void ownChoiceStands() {
    if (!cpuHasAvx2()) QSKIP("this CPU has no AVX2: no kernel set to compare with the fallback");
    reselectKernels("Haswell");
    unsetenv("OPENBLAS_CORETYPE");
    const std::string said = model::chooseBlasKernelsForCpu();
    QCOMPARE(model::blasCore(), std::string("Haswell"));
    QCOMPARE(said, std::string("blas: OpenBLAS chose its Haswell kernels"));
    QVERIFY(productError() < 1e-5);
  }

  void cleanupTestCase() {
    if (isOpenBlasWithKernelChoice()) reselectKernels(nullptr);
  }
};

QTEST_GUILESS_MAIN(TestDevice)
#include "test_device.moc"
