// SPDX-License-Identifier: GPL-3.0-or-later
// The search inspector: one problem of a search run (beam, lookahead, DVTS or sequential
// revisions) — the problem and its reference answer, the search tree (every sampled step, or every
// attempt of every revision chain, with the verifier's score; the path of the returned answer
// highlighted), the finished solutions with their answers and whether each is right, and the
// compute the problem took. Click a node for its whole path. Shows what core stored; never runs a
// model.
#pragma once

#include <QString>
#include <QVector>
#include <QWidget>

#include "core/common/result.h"

class QLabel;
class QSpinBox;
class QTableWidget;
class QTextEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace lens::views {

struct SearchViewData {
  QString title;     // "Run 3 (beam, N=16, M=4), problem 2 of 80"
  QString strategy;  // beam | lookahead | dvts | revise
  QString problem, reference;
  struct Node {
    int id = 0, parent = -1, depth = 0, tokens = 0;
    QString text;
    double score = -1;  // < 0: not scored
    bool selected = false;
  };
  QVector<Node> nodes;
  struct Sample {
    QString text, answer;
    int correct = -1;  // -1 not graded, 0 wrong, 1 right
    double score = -1;
  };
  QVector<Sample> samples;
  int correct = -1;  // the returned answer: -1 not graded
  QVector<QPair<QString, double>> metrics;  // the unit's metrics (name, value)
  int unit = 0, units = 0;
};

// Reads unit `unit` of search run `runId` from a results database (opened read-only).
Result<SearchViewData> loadSearchView(const std::string& db, int64_t runId, int64_t unit);

class SearchView : public QWidget {
  Q_OBJECT
 public:
  explicit SearchView(QWidget* parent = nullptr);
  void setData(const SearchViewData& data);
  void clear();

  QTreeWidget* tree() const { return m_tree; }
  QTableWidget* samples() const { return m_samples; }
  QString pathText() const;  // the path of the node last clicked
  QString header() const;
  // Selects node `id` as a click would (shows its path); false when there is no such node.
  bool selectNode(int id);

 Q_SIGNALS:
  void unitRequested(int unit);

 private:
  QLabel* m_header;
  QSpinBox* m_unit;
  QTreeWidget* m_tree;
  QTextEdit* m_path;
  QTableWidget* m_samples;
  SearchViewData m_data;
};

}  // namespace lens::views
