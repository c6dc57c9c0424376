// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/gui/demo.h"

#include <QCoreApplication>

#include "core/jobs/demo.h"

namespace lens::app {

QString findResources() {
#ifdef LENS_SOURCE_DIR
  const std::string source = LENS_SOURCE_DIR;
#else
  const std::string source;
#endif
  return QString::fromStdString(jobs::findResources(QCoreApplication::applicationDirPath().toStdString(), source));
}

std::vector<nlohmann::json> demoSpecs(const QString& resources, int problems) { return jobs::demoSpecs(resources.toStdString(), problems); }

}  // namespace lens::app
