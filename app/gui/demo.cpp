// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/gui/demo.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace lens::app {

QString findResources() {
  QStringList candidates;
  if (const QByteArray env = qgetenv("LENS_RESOURCES"); !env.isEmpty()) candidates << QString::fromLocal8Bit(env);
  const QString exe = QCoreApplication::applicationDirPath();
  candidates << exe + "/../share/computelens/resources";
#ifdef LENS_SOURCE_DIR
  candidates << QStringLiteral(LENS_SOURCE_DIR "/resources");
#endif
  for (const QString& c : candidates)
    if (QFileInfo::exists(c + "/models/arith-duo-small/config.json")) return QDir(c).canonicalPath();
  return {};
}

std::vector<nlohmann::json> demoSpecs(const QString& resources, int problems) {
  const std::string r = resources.toStdString();
  const std::string model = r + "/models/arith-duo-small", prm = r + "/models/arith-prm";
  const int n = std::max(1, problems);
  return {
      {{"kind", "generate"}, {"name", "demo: arith-duo-small, 4 samples per problem, scored by arith-prm"}, {"model", model},
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

}  // namespace lens::app
