// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/cli/cli_progress.h"

#include <unistd.h>

#include <cstdio>

namespace lens::cli {

ProgressPrinter::ProgressPrinter(std::string label)
    : m_label(std::move(label)), m_tty(::isatty(STDERR_FILENO) != 0) {}

ProgressPrinter::~ProgressPrinter() {
  if (m_tty && m_printed) std::fputc('\n', stderr);
}

void ProgressPrinter::update(int64_t done, int64_t total, std::string_view what) { update(m_meter.update(done, total), what); }

void ProgressPrinter::update(const jobs::ProgressSnapshot& s, std::string_view what) {
  const auto now = std::chrono::steady_clock::now();
  const int64_t done = s.done, total = s.total;
  const double rate = s.ratePerSecond;
  const std::string eta = jobs::durationText(s.etaSeconds, "?");
  const int pct = total > 0 ? static_cast<int>(100 * done / total) : 0;
  if (m_tty) {
    if (m_printed && done < total && now - m_lastPrint < std::chrono::milliseconds(100)) return;
    m_lastPrint = now;
    const int width = 30, fill = total > 0 ? static_cast<int>(width * done / total) : 0;
    std::string bar(fill, '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%s [%s] %3d%% %lld/%lld  %.1f/s  ETA %s  %.*s\033[K", m_label.c_str(), bar.c_str(), pct,
                 static_cast<long long>(done), static_cast<long long>(total), rate, eta.c_str(), static_cast<int>(what.size()), what.data());
    m_printed = true;
  } else {
    // Plain lines for logs: one every 10 %, and one at least every 30 s while what the job is doing
    // changes (a training is one unit: its lines carry the step and the loss).
    const bool newDecade = !m_printed || pct / 10 != m_lastPlainPercent / 10 || done >= total;
    if (!newDecade && (now - m_lastPrint < std::chrono::seconds(30) || what == m_lastWhat)) return;
    m_lastPlainPercent = pct;
    m_lastPrint = now;
    m_lastWhat.assign(what.data(), what.size());
    m_printed = true;
    std::fprintf(stderr, "%s: %lld/%lld (%d%%) %.1f/s ETA %s %.*s\n", m_label.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total), pct, rate, eta.c_str(), static_cast<int>(what.size()), what.data());
  }
  std::fflush(stderr);
}

}  // namespace lens::cli
