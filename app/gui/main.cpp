// SPDX-License-Identifier: GPL-3.0-or-later
#include <QApplication>
#include <QCommandLineParser>

#include "app/gui/main_window.h"
#include "core/common/version.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("ComputeLens");
  QApplication::setApplicationName("ComputeLens");
  QApplication::setApplicationVersion(QString::fromStdString(lens::versionString()));
  QCommandLineParser parser;
  parser.setApplicationDescription(QApplication::translate("main", "ComputeLens workbench"));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("model", QApplication::translate("main", "a model folder to open"));
  parser.process(app);
  lens::app::MainWindow w;
  w.resize(900, 600);
  w.show();
  if (!parser.positionalArguments().isEmpty()) w.openModel(parser.positionalArguments().first());
  return QApplication::exec();
}
