// SPDX-License-Identifier: GPL-3.0-or-later
// The Data dock: a problem set (MATH JSONL files or folders, or the built-in task) as a table
// filterable by subject, level and text, with the chosen problem's statement, reference solution
// and answer below. Loading happens elsewhere (the window reads files on the worker pool); this
// shows what it is given.
#pragma once

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QWidget>
#include <memory>

#include "core/mathdata/problems.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTextBrowser;

namespace lens::views {

class ProblemTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Key, Subject, Level, Problem, Answer, ColumnCount };
  using QAbstractTableModel::QAbstractTableModel;
  void setProblems(std::shared_ptr<const mathdata::ProblemSet> set);
  const mathdata::ProblemSet* problems() const { return m_set.get(); }
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

 private:
  std::shared_ptr<const mathdata::ProblemSet> m_set;
};

// Rows of a subject (empty: any), a level (0: any, -1: unknown) containing a text (any column).
class ProblemFilterModel : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;
  void setSubject(const QString& s);
  void setLevel(int level);
  void setText(const QString& t);

 protected:
  bool filterAcceptsRow(int row, const QModelIndex& parent) const override;

 private:
  QString m_subject, m_text;
  int m_level = 0;
};

class DataView : public QWidget {
  Q_OBJECT
 public:
  explicit DataView(QWidget* parent = nullptr);
  void setProblems(std::shared_ptr<const mathdata::ProblemSet> set);
  const mathdata::ProblemSet* problems() const { return m_model->problems(); }
  int visibleRows() const;
  QComboBox* subjectBox() const { return m_subject; }
  QComboBox* levelBox() const { return m_level; }
  QLineEdit* searchEdit() const { return m_search; }
  QTableView* table() const { return m_table; }
  QTextBrowser* detail() const { return m_detail; }
  // Shows problem `row` of the visible (filtered) rows.
  void showRow(int row);

 Q_SIGNALS:
  void openFileRequested();
  void openFolderRequested();
  void builtinRequested();

 private:
  QLabel* m_title;
  QComboBox* m_subject;
  QComboBox* m_level;
  QLineEdit* m_search;
  QTableView* m_table;
  QTextBrowser* m_detail;
  ProblemTableModel* m_model;
  ProblemFilterModel* m_filter;
};

}  // namespace lens::views
