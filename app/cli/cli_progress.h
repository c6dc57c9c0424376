// SPDX-License-Identifier: GPL-3.0-or-later
// Terminal progress for long CLI jobs: a bar with rate and ETA on a TTY, plain lines otherwise (every
// 10 %, and every 30 s while what the job is doing changes).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/jobs/progress.h"

namespace lens::cli {

class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::string label);
  ~ProgressPrinter();  // ends the bar's line
  // Thread-safe enough for one worker: called from the thread running the job.
  void update(int64_t done, int64_t total, std::string_view what);
  // With rate and ETA computed by the caller (the job runner's meter).
  void update(const jobs::ProgressSnapshot& s, std::string_view what);

 private:
  std::string m_label;
  bool m_tty;
  jobs::ProgressMeter m_meter;
  std::chrono::steady_clock::time_point m_lastPrint;
  bool m_printed = false;
  int64_t m_lastPlainPercent = 0;
  std::string m_lastWhat;
};

}  // namespace lens::cli
