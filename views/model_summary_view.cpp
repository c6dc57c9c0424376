// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/model_summary_view.h"

#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

namespace lens::views {

ModelSummaryView::ModelSummaryView(QWidget* parent) : QWidget(parent) {
  auto* v = new QVBoxLayout(this);
  m_title = new QLabel(emptyTitle(), this);
  m_title->setWordWrap(true);
  QFont f = m_title->font();
  f.setPointSizeF(f.pointSizeF() * 1.3);
  f.setBold(true);
  m_title->setFont(f);
  v->addWidget(m_title);
  m_form = new QFormLayout();
  v->addLayout(m_form);
  v->addStretch(1);
}

void ModelSummaryView::clear() {
  while (m_form->rowCount() > 0) m_form->removeRow(0);
  m_title->setText(emptyTitle());
}

QString ModelSummaryView::emptyTitle() { return tr("No model loaded. Use File \u2192 Open Model Folder\u2026"); }

void ModelSummaryView::setSummary(const model::ModelSummary& s, const QString& device) {
  clear();
  const auto& c = s.config;
  const QLocale loc;
  m_title->setText(QString::fromStdString(s.dir));
  auto row = [&](const QString& key, const QString& value) {
    auto* label = new QLabel(value, this);
    label->setObjectName(key);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_form->addRow(key + ":", label);
  };
  row(tr("Architecture"), QString::fromStdString(c.architecture));
  row(tr("Parameters"), tr("%1 (%2 on disk)").arg(loc.toString(static_cast<qlonglong>(s.parameterCount)), QString::fromStdString(s.storedDtype)));
  row(tr("Layers"), QString::number(c.numLayers));
  row(tr("Hidden size"), QString::number(c.hiddenSize));
  row(tr("MLP size"), c.duoSmallIntermediateSize > 0
                          ? tr("%1 (Duo: also a small FFN of %2 per layer)").arg(c.intermediateSize).arg(c.duoSmallIntermediateSize)
                          : QString::number(c.intermediateSize));
  row(tr("Attention"), tr("%1 heads, %2 KV heads, head dim %3").arg(c.numHeads).arg(c.numKvHeads).arg(c.headDim));
  row(tr("RoPE"), tr("theta %1 (%2)").arg(c.rope.theta).arg(QString::fromStdString(c.rope.type)));
  row(tr("Vocabulary"), c.tieEmbeddings ? tr("%1 (tied embeddings)").arg(c.vocabSize) : QString::number(c.vocabSize));
  row(tr("Tokenizer"), s.tokenizerKind.empty() ? tr("none") : tr("%1, %2 tokens").arg(QString::fromStdString(s.tokenizerKind)).arg(s.tokenizerVocab));
  row(tr("Weight files"), QString::number(s.weightFiles.size()));
  if (!device.isEmpty()) row(tr("Runs on"), device);
}

QString ModelSummaryView::fieldText(const QString& key) const {
  auto* label = findChild<QLabel*>(key);
  return label ? label->text() : QString();
}

}  // namespace lens::views
