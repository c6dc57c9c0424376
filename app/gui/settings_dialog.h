// SPDX-License-Identifier: GPL-3.0-or-later
// Settings → Preferences: where jobs run (device, CPU threads) and which results database the
// workbench opens. Stored with QSettings; jobs queued from the workbench get the device and thread
// count unless their spec names them.
#pragma once

#include <QDialog>
#include <QString>
#include <nlohmann/json.hpp>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace lens::app {

struct WorkbenchSettings {
  QString device = QStringLiteral("auto");  // auto | cpu | cuda
  int threads = 0;                          // CPU threads per job; 0: all cores
  QString database;                         // empty: the CLI's default database

  static WorkbenchSettings load();
  void save() const;
  // Fills spec["device"]["device"] and ["threads"] where the spec leaves them out.
  void applyTo(nlohmann::json& spec) const;
};

class SettingsDialog : public QDialog {
  Q_OBJECT
 public:
  explicit SettingsDialog(const WorkbenchSettings& s, QWidget* parent = nullptr);
  WorkbenchSettings settings() const;
  QComboBox* deviceBox() const { return m_device; }
  QSpinBox* threadsBox() const { return m_threads; }
  QLineEdit* databaseEdit() const { return m_db; }

 private:
  QComboBox* m_device;
  QSpinBox* m_threads;
  QLineEdit* m_db;
};

}  // namespace lens::app
