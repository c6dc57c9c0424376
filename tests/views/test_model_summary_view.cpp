// SPDX-License-Identifier: GPL-3.0-or-later
#include <QApplication>
#include <QLabel>
#include <QtTest>

#include "common/test_helpers.h"
#include "views/model_summary_view.h"

class TestModelSummaryView : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void showsTheFixture() {
    auto s = lens::model::inspectModel(lens::test::fixture("tiny-llama"));
    LENS_VERIFY_OK(s);
    lens::views::ModelSummaryView v;
    v.setSummary(*s);
    QCOMPARE(v.fieldText("Architecture"), QString("LlamaForCausalLM"));
    QVERIFY(v.fieldText("Attention").contains("2 KV heads"));
    QVERIFY(v.fieldText("Tokenizer").contains("byte-level BPE"));
    QVERIFY(v.fieldText("Parameters").contains("BF16"));
    QVERIFY(v.fieldText("Runs on").isEmpty());  // no device given: no row
    v.setSummary(*s, "cpu, float32");
    QCOMPARE(v.fieldText("Runs on"), QString("cpu, float32"));
    v.clear();
    QVERIFY(v.fieldText("Architecture").isEmpty());
    // After a failed open the window must not still name the previous folder.
    const auto labels = v.findChildren<QLabel*>();
    for (const QLabel* l : labels) QVERIFY2(!l->text().contains("tiny-llama"), qPrintable(l->text()));
    QCOMPARE(v.fieldText("MLP size"), QString());
  }

  void showsADuoModel() {
    auto s = lens::model::inspectModel(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small");
    LENS_VERIFY_OK(s);
    lens::views::ModelSummaryView v;
    v.setSummary(*s);
    QCOMPARE(v.fieldText("MLP size"), QString("480 (Duo: also a small FFN of 96 per layer)"));
    QVERIFY(v.fieldText("Parameters").startsWith("1,394,240") || v.fieldText("Parameters").startsWith("1394240"));
  }
};

QTEST_MAIN(TestModelSummaryView)
#include "test_model_summary_view.moc"
