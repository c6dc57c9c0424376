// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/jobs/demo.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace lens::jobs {

std::string programDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

std::string findResources(const std::string& exeDir, const std::string& sourceDir) {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("LENS_RESOURCES"); env && *env) candidates.emplace_back(env);
  if (!exeDir.empty()) candidates.push_back(fs::path(exeDir) / ".." / "share" / "computelens" / "resources");
  if (!sourceDir.empty()) candidates.push_back(fs::path(sourceDir) / "resources");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::exists(c / "models" / "arith-duo-small" / "config.json", ec)) return fs::canonical(c, ec).string();
  }
  return {};
}

std::vector<nlohmann::json> demoSpecs(const std::string& r, int problems) {
  // The verifier whose weighted best-of-N beats majority voting (resources/models/README.md).
  const std::string model = r + "/models/arith-duo-small", prm = r + "/models/arith-prm-likelihood";
  const int n = std::max(1, problems);
  return {
      {{"kind", "generate"}, {"name", "demo: arith-duo-small, 4 samples per problem, scored by arith-prm-likelihood"}, {"model", model},
       {"verifier", {{"model", prm}}}, {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", n}}}, {"samples", 4},
       {"batch", 16}, {"seed", 1}, {"sampling", {{"temperature", 1.0}, {"max_new_tokens", 400}}}},
      {{"kind", "oracle"}, {"name", "demo: routing oracle on arith-duo-small"}, {"model", model},
       {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", std::max(2, n / 12)}}}, {"budgets", "k=0,1,2,4"},
       {"random_routings", 20}, {"seed", 1}},
      {{"kind", "search"}, {"name", "demo: PRM-guided beam search, N=4"}, {"model", model}, {"verifier", {{"model", prm}}},
       {"strategy", "beam"}, {"n", 4}, {"width", 2}, {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", std::max(2, n / 5)}}},
       {"seed", 1}},
  };
}

}  // namespace lens::jobs
