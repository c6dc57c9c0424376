// SPDX-License-Identifier: GPL-3.0-or-later
// Experiments → New Experiment: a dialog that builds a job spec (the same JSON the CLI runs; see
// docs/jobs.md) from the parameters of a sampling (best-of-N), search, routing-oracle or
// router-training run. The spec is checked by the core (jobs::createJob) before the dialog
// accepts; an invalid one keeps the dialog open with the core's message.
#pragma once

#include <QDialog>
#include <QString>
#include <QStringList>
#include <nlohmann/json.hpp>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;

namespace lens::app {

class JobDialog : public QDialog {
  Q_OBJECT
 public:
  enum class Kind { Sampling, Search, Oracle, RouterTraining };
  // `builtinModels`: folders offered beside "browse" (the shipped models); `device`: "auto", "cpu",
  // "cuda" (from the settings).
  explicit JobDialog(const QStringList& builtinModels, const QString& device = QStringLiteral("auto"), QWidget* parent = nullptr);

  void setKind(Kind k);
  Kind kind() const;
  // The spec for the current fields (not yet checked).
  nlohmann::json spec() const;
  // Checks spec() with the core; empty when it is valid, else the core's message.
  QString validate() const;
  void accept() override;

  // The fields, for tests and for presets.
  QLineEdit* nameEdit() const { return m_name; }
  QComboBox* modelBox() const { return m_model; }
  QComboBox* datasetBox() const { return m_dataset; }
  QSpinBox* problemsBox() const { return m_problems; }
  QSpinBox* samplesBox() const { return m_samples; }
  QComboBox* verifierBox() const { return m_verifier; }
  QComboBox* strategyBox() const { return m_strategy; }
  QSpinBox* widthBox() const { return m_width; }
  QDoubleSpinBox* keepAboveBox() const { return m_keepAbove; }
  QLineEdit* budgetsEdit() const { return m_budgets; }
  QLineEdit* outEdit() const { return m_out; }
  QLabel* errorLabel() const { return m_error; }

 private:
  QComboBox* m_kind;
  QLineEdit* m_name;
  QComboBox* m_model;
  QComboBox* m_dataset;
  QSpinBox* m_problems;
  QSpinBox* m_seed;
  QComboBox* m_device;
  QStackedWidget* m_pages;
  // Sampling
  QSpinBox* m_samples;
  QDoubleSpinBox* m_temperature;
  QSpinBox* m_maxTokens;
  QComboBox* m_verifier;
  // Search
  QComboBox* m_strategy;
  QSpinBox* m_searchN;
  QSpinBox* m_width;
  QSpinBox* m_lookahead;
  QSpinBox* m_chain;
  QDoubleSpinBox* m_keepAbove;  // the revision gate; its minimum reads "none"
  QComboBox* m_route;
  QComboBox* m_searchVerifier;
  // Oracle
  QLineEdit* m_budgets;
  QComboBox* m_scope;
  QSpinBox* m_random;
  // Router training
  QLineEdit* m_out;
  QComboBox* m_mode;
  QDoubleSpinBox* m_lambda;
  QLineEdit* m_routerBudget;
  QSpinBox* m_steps;
  QLabel* m_error;
};

}  // namespace lens::app
