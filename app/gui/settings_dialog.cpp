// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/gui/settings_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

namespace lens::app {

WorkbenchSettings WorkbenchSettings::load() {
  QSettings s;
  WorkbenchSettings w;
  w.device = s.value("jobs/device", w.device).toString();
  w.threads = s.value("jobs/threads", 0).toInt();
  w.database = s.value("store/path").toString();
  return w;
}

void WorkbenchSettings::save() const {
  QSettings s;
  s.setValue("jobs/device", device);
  s.setValue("jobs/threads", threads);
  s.setValue("store/path", database);
}

void WorkbenchSettings::applyTo(nlohmann::json& spec) const {
  if (!spec.is_object()) return;
  if (!spec.contains("device") || !spec["device"].is_object()) spec["device"] = nlohmann::json::object();
  auto& d = spec["device"];
  if (!d.contains("device")) d["device"] = device.toStdString();
  if (!d.contains("threads") && threads > 0) d["threads"] = threads;
}

SettingsDialog::SettingsDialog(const WorkbenchSettings& s, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Preferences"));
  m_device = new QComboBox(this);
  m_device->addItem(tr("Automatic (CUDA when present)"), "auto");
  m_device->addItem(tr("CPU"), "cpu");
  m_device->addItem(tr("CUDA GPU"), "cuda");
  m_device->setCurrentIndex(std::max(0, m_device->findData(s.device)));
  m_threads = new QSpinBox(this);
  m_threads->setRange(0, 4096);
  m_threads->setSpecialValueText(tr("all cores (%1)").arg(QThread::idealThreadCount()));
  m_threads->setValue(s.threads);
  m_db = new QLineEdit(s.database, this);
  m_db->setPlaceholderText(tr("the command-line tool's default database"));
  auto* browse = new QPushButton(tr("Browse\u2026"), this);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, tr("Results database"), m_db->text(), tr("SQLite databases (*.db *.sqlite);;All files (*)"),
                                                   nullptr, QFileDialog::DontConfirmOverwrite);
    if (!p.isEmpty()) m_db->setText(p);
  });
  auto* dbRow = new QHBoxLayout;
  dbRow->addWidget(m_db, 1);
  dbRow->addWidget(browse);
  auto* form = new QFormLayout;
  form->addRow(tr("Device for jobs"), m_device);
  form->addRow(tr("CPU threads per job"), m_threads);
  form->addRow(tr("Results database"), dbRow);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(buttons);
}

WorkbenchSettings SettingsDialog::settings() const {
  WorkbenchSettings s;
  s.device = m_device->currentData().toString();
  s.threads = m_threads->value();
  s.database = m_db->text().trimmed();
  return s;
}

}  // namespace lens::app
