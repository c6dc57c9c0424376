// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

#include "core/model/model_info.h"

class QFormLayout;
class QLabel;

namespace lens::views {

// The summary of one model folder: architecture, size, attention layout, tokenizer.
class ModelSummaryView : public QWidget {
  Q_OBJECT
 public:
  explicit ModelSummaryView(QWidget* parent = nullptr);
  // `device`: where jobs on it would run, e.g. "cpu, float32" (empty: the row is left out).
  void setSummary(const model::ModelSummary& s, const QString& device = QString());
  void clear();  // back to the empty state, title included
  QString fieldText(const QString& key) const;  // for tests and accessibility

 private:
  static QString emptyTitle();
  QFormLayout* m_form;
  QLabel* m_title;
};

}  // namespace lens::views
