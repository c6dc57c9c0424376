// SPDX-License-Identifier: GPL-3.0-or-later
// Rate and ETA of a job, shared by the CLI's bar and the GUI's status line. The rate counts only
// work done since the meter started, so a resumed run does not claim its earlier units as speed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace lens::jobs {

struct ProgressSnapshot {
  int64_t done = 0, total = 0;
  double ratePerSecond = 0.0;  // units per second since start
  double etaSeconds = -1.0;    // < 0: unknown yet
  double elapsedSeconds = 0.0;
  double stepsPerSecond = 0.0;  // the run's steps (a training's), when the job reports them
};

// Units are the runner's (a problem, a checkpoint segment); a training also reports its optimizer
// steps of the whole run (steps()), which come far more often than units: a single-unit PRM
// training or a segment of 250 steps would leave the ETA unknown for its whole length. When steps
// are known and some were made since the first report, the ETA follows them (the remaining steps
// at the rate since that report; a report with another total, a new phase, starts the count again).
class ProgressMeter {
 public:
  ProgressMeter() : m_start(std::chrono::steady_clock::now()) {}
  void steps(int64_t done, int64_t total) {
    if (total <= 0) return;
    if (m_firstStep < 0 || total != m_stepTotal) {  // the first report, or a phase with another count
      m_firstStep = done;
      m_firstStepTime = std::chrono::steady_clock::now();
    }
    m_step = done;
    m_stepTotal = total;
    m_stepTime = std::chrono::steady_clock::now();
  }
  ProgressSnapshot update(int64_t done, int64_t total) {
    if (m_first < 0) m_first = done;
    ProgressSnapshot s;
    s.done = done;
    s.total = total;
    s.elapsedSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const int64_t fresh = done - m_first;
    if (fresh > 0 && s.elapsedSeconds > 0) {
      s.ratePerSecond = static_cast<double>(fresh) / s.elapsedSeconds;
      s.etaSeconds = total > done ? static_cast<double>(total - done) / s.ratePerSecond : 0.0;
    } else if (total > 0 && done >= total) {
      s.etaSeconds = 0.0;
    }
    const double stepSeconds = std::chrono::duration<double>(m_stepTime - m_firstStepTime).count();
    if (m_step > m_firstStep && stepSeconds > 0 && !(total > 0 && done >= total)) {
      s.stepsPerSecond = static_cast<double>(m_step - m_firstStep) / stepSeconds;
      s.etaSeconds = static_cast<double>(std::max<int64_t>(0, m_stepTotal - m_step)) / s.stepsPerSecond;
    }
    return s;
  }

 private:
  std::chrono::steady_clock::time_point m_start, m_firstStepTime, m_stepTime;
  int64_t m_first = -1;
  int64_t m_firstStep = -1, m_step = -1, m_stepTotal = 0;
};

// A duration for people: "42 s", "12:05", "1:02:03"; `unknown` for a negative one (an ETA not
// known yet: no new unit done).
inline std::string durationText(double seconds, const char* unknown) {
  if (seconds < 0) return unknown;
  const long long s = static_cast<long long>(seconds + 0.5);
  char buf[48];
  if (s < 60) std::snprintf(buf, sizeof buf, "%lld s", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

}  // namespace lens::jobs
