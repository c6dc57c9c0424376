// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/gui/i18n.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace lens::app {

QStringList availableLanguages() { return {QStringLiteral("en"), QStringLiteral("ja"), QStringLiteral("vi")}; }

QString languageName(const QString& code) {
  if (code == QLatin1String("ja")) return QStringLiteral("日本語");
  if (code == QLatin1String("vi")) return QStringLiteral("Tiếng Việt");
  return QStringLiteral("English");
}

QString installTranslation(QCoreApplication& app, const QString& language) {
  QString code = language;
  if (code.isEmpty()) {
    code = QStringLiteral("en");
    for (const QString& ui : QLocale::system().uiLanguages()) {
      const QString two = ui.left(2).toLower();
      if (availableLanguages().contains(two)) {
        code = two;
        break;
      }
    }
  }
  if (code == QLatin1String("en") || !availableLanguages().contains(code)) return QStringLiteral("en");
  auto* ours = new QTranslator(&app);
  if (!ours->load(QStringLiteral(":/i18n/computelens_%1.qm").arg(code))) {
    delete ours;
    return QStringLiteral("en");
  }
  app.installTranslator(ours);
  // Qt's own dialogs (file chooser, message boxes), when the system ships their translation.
  auto* qt = new QTranslator(&app);
  if (qt->load(QStringLiteral("qtbase_%1").arg(code), QLibraryInfo::path(QLibraryInfo::TranslationsPath))) app.installTranslator(qt);
  else delete qt;
  return code;
}

}  // namespace lens::app
