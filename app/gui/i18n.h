// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench's languages: English (the source), Japanese and Vietnamese, compiled from
// translations/*.ts into the program's resources (:/i18n). The choice is a setting ("ui/language":
// empty for the system's language); it applies from the next start.
#pragma once

#include <QString>
#include <QStringList>

class QCoreApplication;

namespace lens::app {

// Codes of the languages the workbench speaks: "en", "ja", "vi".
QStringList availableLanguages();
// The language's own name ("English", "日本語", "Tiếng Việt").
QString languageName(const QString& code);
// Installs the translation of `language` (a code; empty: the system locale's language when one of
// the available ones) into the application, with Qt's own strings when the system has them.
// Returns the code installed, "en" when none was needed or none matched.
QString installTranslation(QCoreApplication& app, const QString& language);

}  // namespace lens::app
