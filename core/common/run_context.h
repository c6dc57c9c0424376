// SPDX-License-Identifier: GPL-3.0-or-later
// Passed to every long core call (QGIS QgsFeedback / llama.cpp progress+abort callbacks).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

namespace lens {

struct RunContext {
  std::atomic<bool>* cancel = nullptr;  // set from any thread; polled between forward passes
  // Called on the worker thread that runs the job; must be cheap and thread-safe.
  std::function<void(int64_t done, int64_t total, std::string_view what)> progress;

  bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
  void report(int64_t done, int64_t total, std::string_view what) const {
    if (progress) progress(done, total, what);
  }
};

}  // namespace lens
