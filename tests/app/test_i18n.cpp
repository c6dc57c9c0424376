// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench's languages: the Japanese and Vietnamese .ts files translate every source string
// and keep its placeholders; the compiled translations load from the resources, and a window made
// after choosing a language shows its menus in it.
#include <QtTest>

#include <QMenuBar>
#include <QRegularExpression>
#include <QSet>
#include <QXmlStreamReader>

#include "app/gui/i18n.h"
#include "app/gui/main_window.h"

using namespace lens;

namespace {

struct Message {
  QString context, source, translation, type;
};

QVector<Message> readTs(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QXmlStreamReader x(&f);
  QVector<Message> out;
  QString context;
  Message m;
  while (!x.atEnd()) {
    x.readNext();
    if (!x.isStartElement()) continue;
    if (x.name() == QLatin1String("name")) context = x.readElementText();
    else if (x.name() == QLatin1String("message")) m = Message{context, {}, {}, {}};
    else if (x.name() == QLatin1String("source")) m.source = x.readElementText();
    else if (x.name() == QLatin1String("translation")) {
      m.type = x.attributes().value("type").toString();
      m.translation = x.readElementText();
      out.push_back(m);
    }
  }
  return out;
}

QSet<QString> placeholders(const QString& s) {
  QSet<QString> out;
  auto it = QRegularExpression("%\\d").globalMatch(s);
  while (it.hasNext()) out.insert(it.next().captured());
  return out;
}

}  // namespace

class TestI18n : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void tsFilesAreComplete() {
    for (const char* lang : {"ja", "vi"}) {
      const auto msgs = readTs(QString(LENS_SOURCE_DIR) + "/translations/computelens_" + lang + ".ts");
      QVERIFY2(msgs.size() >= 100, lang);
      QSet<QString> contexts;
      for (const auto& m : msgs) {
        contexts.insert(m.context);
        QVERIFY2(m.type.isEmpty(), qPrintable(QString("%1: '%2' is %3").arg(lang, m.source, m.type)));
        QVERIFY2(!m.translation.isEmpty(), qPrintable(QString("%1: '%2' has no translation").arg(lang, m.source)));
        QCOMPARE(placeholders(m.translation), placeholders(m.source));
        QCOMPARE(m.translation.count('\n'), m.source.count('\n'));
      }
      // Contexts are the class names Qt looks up at run time.
      QVERIFY(contexts.contains("lens::app::MainWindow"));
      QVERIFY(contexts.contains("lens::views::SearchView"));
      QVERIFY(contexts.contains("lens::app::JobQueue"));
      for (const auto& c : contexts) QVERIFY2(c.startsWith("lens::") || c == "QObject" || c == "main", qPrintable(c));
      QVERIFY(!contexts.contains("MainWindow"));
    }
  }

  void japaneseMenus() {
    QCOMPARE(app::availableLanguages(), QStringList({"en", "ja", "vi"}));
    QCOMPARE(app::languageName("vi"), QString("Tiếng Việt"));
    QCOMPARE(app::installTranslation(*QCoreApplication::instance(), "en"), QString("en"));
    QCOMPARE(app::installTranslation(*QCoreApplication::instance(), "xx"), QString("en"));
    QCOMPARE(QCoreApplication::translate("lens::app::MainWindow", "&File"), QString("&File"));
    QCOMPARE(app::installTranslation(*QCoreApplication::instance(), "ja"), QString("ja"));
    QCOMPARE(QCoreApplication::translate("lens::app::MainWindow", "&File"), QString("ファイル(&F)"));
    QCOMPARE(QCoreApplication::translate("lens::views::SearchView", "Reference answer: %1").arg("42"), QString("正答: 42"));
    app::MainWindow w;
    QStringList menus;
    for (QAction* a : w.menuBar()->actions()) menus << a->text();
    QCOMPARE(menus, QStringList({"ファイル(&F)", "実験(&X)", "設定(&S)", "ヘルプ(&H)"}));
    // The About box names every linked component with its licence, in the chosen language.
    const QString about = app::MainWindow::aboutText();
    QVERIFY(about.contains("以下のコンポーネント"));
    for (const char* c : {"libtorch", "QCustomPlot</td><td>GPL-3.0-or-later", "SQLite", "nlohmann/json</td><td>MIT", "CLI11", "PCRE2"})
      QVERIFY2(about.contains(c), c);
  }
};

QTEST_MAIN(TestI18n)
#include "test_i18n.moc"
