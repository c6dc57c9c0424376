// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/gui/job_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "core/jobs/job.h"

namespace lens::app {

namespace {
QSpinBox* spin(int lo, int hi, int value, QWidget* parent) {
  auto* s = new QSpinBox(parent);
  s->setRange(lo, hi);
  s->setValue(value);
  return s;
}
// A path field: an editable list of suggestions and a button that browses for a folder or file.
QWidget* withBrowse(QComboBox* box, bool folder, QWidget* parent) {
  box->setEditable(true);
  box->setMinimumContentsLength(40);
  box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  auto* w = new QWidget(parent);
  auto* row = new QHBoxLayout(w);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(box, 1);
  auto* browse = new QPushButton(JobDialog::tr("Browse\u2026"), w);
  row->addWidget(browse);
  QObject::connect(browse, &QPushButton::clicked, w, [box, folder, w] {
    const QString path = folder ? QFileDialog::getExistingDirectory(w, JobDialog::tr("Choose a folder"), box->currentText())
                                : QFileDialog::getOpenFileName(w, JobDialog::tr("Choose a problem file"), box->currentText(),
                                                               JobDialog::tr("MATH problems (*.jsonl);;All files (*)"));
    if (!path.isEmpty()) box->setCurrentText(path);
  });
  return w;
}
QString modelNamed(const QStringList& models, const QString& name) {
  for (const QString& m : models)
    if (QDir(m).dirName() == name) return m;
  return {};
}
}  // namespace

JobDialog::JobDialog(const QStringList& builtinModels, const QString& device, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("New Experiment"));
  m_kind = new QComboBox(this);
  m_kind->addItem(tr("Sampling: best-of-N, majority and PRM-weighted"));
  m_kind->addItem(tr("Search: PRM-guided beam, lookahead, DVTS or revisions"));
  m_kind->addItem(tr("Routing oracle: best routes per token under budgets"));
  m_kind->addItem(tr("Router training: learn routes from the model"));
  m_name = new QLineEdit(this);
  m_name->setPlaceholderText(tr("a name for the run (optional)"));
  m_model = new QComboBox(this);
  m_model->addItems(builtinModels);
  if (const QString duo = modelNamed(builtinModels, "arith-duo-small"); !duo.isEmpty()) m_model->setCurrentText(duo);
  m_dataset = new QComboBox(this);
  m_dataset->addItem(QStringLiteral("builtin:arith"));
  m_problems = spin(0, 1000000, 20, this);
  m_problems->setSpecialValueText(tr("all"));
  m_seed = spin(0, 1 << 30, 1, this);
  m_device = new QComboBox(this);
  m_device->addItems({"auto", "cpu", "cuda"});
  m_device->setCurrentText(device);

  auto* common = new QFormLayout;
  common->addRow(tr("Experiment"), m_kind);
  common->addRow(tr("Name"), m_name);
  common->addRow(tr("Model"), withBrowse(m_model, true, this));
  common->addRow(tr("Problems"), withBrowse(m_dataset, false, this));
  common->addRow(tr("How many"), m_problems);
  common->addRow(tr("Seed"), m_seed);
  common->addRow(tr("Device"), m_device);

  // The default verifier: the shipped PRM whose weighted best-of-N beats majority voting.
  QString prm = modelNamed(builtinModels, "arith-prm-likelihood");
  if (prm.isEmpty()) prm = modelNamed(builtinModels, "arith-prm");
  m_pages = new QStackedWidget(this);
  {  // Sampling
    auto* page = new QWidget(m_pages);
    auto* f = new QFormLayout(page);
    m_samples = spin(1, 4096, 8, page);
    m_temperature = new QDoubleSpinBox(page);
    m_temperature->setRange(0, 100);
    m_temperature->setValue(1.0);
    m_temperature->setSingleStep(0.1);
    m_maxTokens = spin(1, 1 << 20, 400, page);
    m_verifier = new QComboBox(page);
    m_verifier->addItem(QString());  // none
    m_verifier->addItems(builtinModels);
    m_verifier->setCurrentText(prm);
    f->addRow(tr("Samples per problem (N)"), m_samples);
    f->addRow(tr("Temperature"), m_temperature);
    f->addRow(tr("Max new tokens"), m_maxTokens);
    f->addRow(tr("Verifier (PRM; empty: none)"), withBrowse(m_verifier, true, page));
    m_pages->addWidget(page);
  }
  {  // Search
    auto* page = new QWidget(m_pages);
    auto* f = new QFormLayout(page);
    m_strategy = new QComboBox(page);
    m_strategy->addItems({"beam", "lookahead", "dvts", "revise"});
    m_searchN = spin(1, 4096, 16, page);
    m_width = spin(1, 4096, 4, page);
    m_lookahead = spin(0, 64, 2, page);
    m_chain = spin(1, 4096, 4, page);
    m_keepAbove = new QDoubleSpinBox(page);
    m_keepAbove->setRange(-5.0, 0.0);
    m_keepAbove->setDecimals(4);
    m_keepAbove->setSingleStep(0.005);
    m_keepAbove->setValue(-5.0);
    m_keepAbove->setSpecialValueText(tr("none (every turn revises)"));
    m_keepAbove->setToolTip(tr("A chain stops revising at an attempt whose mean log-probability per token is at least this; "
                               "its later turns repeat that attempt at no cost."));
    m_route = new QComboBox(page);
    m_route->setEditable(true);
    m_route->addItems({"all-big", "all-small"});
    m_searchVerifier = new QComboBox(page);
    m_searchVerifier->addItems(builtinModels);
    m_searchVerifier->setCurrentText(prm);
    f->addRow(tr("Strategy"), m_strategy);
    f->addRow(tr("Budget N (generations)"), m_searchN);
    f->addRow(tr("Beam width M"), m_width);
    f->addRow(tr("Lookahead steps"), m_lookahead);
    f->addRow(tr("Revision chain length"), m_chain);
    f->addRow(tr("Keep attempts above (mean log-prob)"), m_keepAbove);
    f->addRow(tr("Route (Duo models)"), m_route);
    f->addRow(tr("Verifier (PRM)"), withBrowse(m_searchVerifier, true, page));
    m_pages->addWidget(page);
  }
  {  // Oracle
    auto* page = new QWidget(m_pages);
    auto* f = new QFormLayout(page);
    m_budgets = new QLineEdit(QStringLiteral("k=0,1,2,4"), page);
    m_scope = new QComboBox(page);
    m_scope->addItems({"token", "sequence"});
    m_random = spin(0, 100000, 20, page);
    f->addRow(tr("Budgets (k=… or flops=…)"), m_budgets);
    f->addRow(tr("Scope"), m_scope);
    f->addRow(tr("Random routings per budget"), m_random);
    m_pages->addWidget(page);
  }
  {  // Router training
    auto* page = new QWidget(m_pages);
    auto* f = new QFormLayout(page);
    m_out = new QLineEdit(QDir::home().filePath("computelens-routers/router"), page);
    m_mode = new QComboBox(page);
    m_mode->addItems({"penalty", "imitate"});
    m_lambda = new QDoubleSpinBox(page);
    m_lambda->setRange(0, 100);
    m_lambda->setDecimals(3);
    m_lambda->setValue(0.5);
    m_routerBudget = new QLineEdit(QStringLiteral("k=1"), page);
    m_steps = spin(1, 1000000, 200, page);
    f->addRow(tr("Save the router to"), m_out);
    f->addRow(tr("Mode"), m_mode);
    f->addRow(tr("Compute penalty λ (penalty)"), m_lambda);
    f->addRow(tr("Oracle budget (imitate)"), m_routerBudget);
    f->addRow(tr("Steps"), m_steps);
    m_pages->addWidget(page);
  }
  connect(m_kind, &QComboBox::currentIndexChanged, m_pages, &QStackedWidget::setCurrentIndex);

  m_error = new QLabel(this);
  m_error->setWordWrap(true);
  m_error->setStyleSheet("color: #b00020");
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Queue"));
  connect(buttons, &QDialogButtonBox::accepted, this, &JobDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &JobDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(common);
  layout->addWidget(m_pages);
  layout->addWidget(m_error);
  layout->addWidget(buttons);
}

void JobDialog::setKind(Kind k) { m_kind->setCurrentIndex(static_cast<int>(k)); }
JobDialog::Kind JobDialog::kind() const { return static_cast<Kind>(m_kind->currentIndex()); }

nlohmann::json JobDialog::spec() const {
  using json = nlohmann::json;
  const std::string model = m_model->currentText().trimmed().toStdString();
  const std::string data = m_dataset->currentText().trimmed().toStdString();
  const bool builtin = data.rfind("builtin:", 0) == 0;
  json dataset = {{"path", data}};
  const int n = m_problems->value();
  json s = {{"model", model}, {"seed", m_seed->value()}, {"device", {{"device", m_device->currentText().toStdString()}}}};
  if (!m_name->text().trimmed().isEmpty()) s["name"] = m_name->text().trimmed().toStdString();
  switch (kind()) {
    case Kind::Sampling:
      s["kind"] = "generate";
      s["samples"] = m_samples->value();
      s["sampling"] = {{"temperature", m_temperature->value()}, {"max_new_tokens", m_maxTokens->value()}};
      if (!m_verifier->currentText().trimmed().isEmpty()) s["verifier"] = {{"model", m_verifier->currentText().trimmed().toStdString()}};
      break;
    case Kind::Search: {
      const std::string strategy = m_strategy->currentText().toStdString();
      s["kind"] = "search";
      s["strategy"] = strategy;
      s["n"] = m_searchN->value();
      s["verifier"] = {{"model", m_searchVerifier->currentText().trimmed().toStdString()}};
      if (strategy == "revise") {
        s["chain_length"] = m_chain->value();
        if (m_keepAbove->value() > m_keepAbove->minimum()) s["keep_above"] = m_keepAbove->value();
      } else {
        s["width"] = m_width->value();
        if (strategy == "lookahead") s["lookahead"] = m_lookahead->value();
        if (!m_route->currentText().trimmed().isEmpty()) s["route"] = m_route->currentText().trimmed().toStdString();
      }
      break;
    }
    case Kind::Oracle:
      s["kind"] = "oracle";
      s["budgets"] = m_budgets->text().trimmed().toStdString();
      s["scope"] = m_scope->currentText().toStdString();
      s["random_routings"] = m_random->value();
      break;
    case Kind::RouterTraining:
      s["kind"] = "router-train";
      s["out"] = m_out->text().trimmed().toStdString();
      s["mode"] = m_mode->currentText().toStdString();
      s["steps"] = m_steps->value();
      if (m_mode->currentText() == "penalty") s["lambda"] = m_lambda->value();
      else s["budget"] = m_routerBudget->text().trimmed().toStdString();
      break;
  }
  // The built-in task: test problems to evaluate on, generated training problems to train on.
  if (builtin) {
    if (kind() == Kind::RouterTraining) {
      dataset["split"] = "train";
      dataset["count"] = n > 0 ? n : 200;
    } else {
      dataset["split"] = "test";
      if (n > 0) dataset["limit"] = n;
    }
  } else if (n > 0) {
    dataset["limit"] = n;
  }
  s["dataset"] = dataset;
  return s;
}

QString JobDialog::validate() const {
  auto job = jobs::createJob(spec());
  return job ? QString() : QString::fromStdString(job.error().message);
}

void JobDialog::accept() {
  const QString e = validate();
  m_error->setText(e);
  if (e.isEmpty()) QDialog::accept();
}

}  // namespace lens::app
