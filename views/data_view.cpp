// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/data_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <set>

namespace lens::views {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
QString firstLine(const std::string& s) {
  QString t = q(s).simplified();
  return t.size() > 160 ? t.left(157) + QStringLiteral("…") : t;
}
}  // namespace

void ProblemTableModel::setProblems(std::shared_ptr<const mathdata::ProblemSet> set) {
  beginResetModel();
  m_set = std::move(set);
  endResetModel();
}

int ProblemTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !m_set ? 0 : static_cast<int>(m_set->problems.size());
}
int ProblemTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ProblemTableModel::data(const QModelIndex& index, int role) const {
  if (!m_set || !index.isValid() || index.row() >= rowCount()) return {};
  const auto& p = m_set->problems[static_cast<size_t>(index.row())];
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case Key: return q(p.key);
      case Subject: return p.subject ? q(*p.subject) : QString();
      case Level: return p.level ? QVariant(*p.level) : QVariant(QStringLiteral("?"));
      case Problem: return firstLine(p.problem);
      case Answer: return p.answer ? q(*p.answer) : QString();
    }
  }
  if (role == Qt::UserRole) {  // for filtering: the level (0 when unknown) and the subject
    if (index.column() == Level) return p.level.value_or(0);
    if (index.column() == Subject) return p.subject ? q(*p.subject) : QString();
  }
  if (role == Qt::ToolTipRole && index.column() == Problem) return q(p.problem);
  return {};
}

QVariant ProblemTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Key: return tr("id");
    case Subject: return tr("subject");
    case Level: return tr("level");
    case Problem: return tr("problem");
    case Answer: return tr("answer");
  }
  return {};
}

void ProblemFilterModel::setSubject(const QString& s) {
  m_subject = s;
  invalidateFilter();
}
void ProblemFilterModel::setLevel(int level) {
  m_level = level;
  invalidateFilter();
}
void ProblemFilterModel::setText(const QString& t) {
  m_text = t.trimmed();
  invalidateFilter();
}

bool ProblemFilterModel::filterAcceptsRow(int row, const QModelIndex& parent) const {
  const auto* m = static_cast<const ProblemTableModel*>(sourceModel());
  if (!m || !m->problems()) return false;
  const auto& p = m->problems()->problems[static_cast<size_t>(row)];
  if (!m_subject.isEmpty() && (!p.subject || QString::fromStdString(*p.subject).compare(m_subject, Qt::CaseInsensitive) != 0)) return false;
  if (m_level > 0 && p.level.value_or(0) != m_level) return false;
  if (m_level < 0 && p.level) return false;
  if (!m_text.isEmpty()) {
    const auto has = [&](const std::string& s) { return QString::fromStdString(s).contains(m_text, Qt::CaseInsensitive); };
    if (!has(p.key) && !has(p.problem) && !has(p.solution) && !(p.answer && has(*p.answer))) return false;
  }
  (void)parent;
  return true;
}

DataView::DataView(QWidget* parent) : QWidget(parent) {
  m_title = new QLabel(tr("No problems loaded."), this);
  m_title->setWordWrap(true);
  auto* openFile = new QPushButton(tr("File\u2026"), this);
  auto* openFolder = new QPushButton(tr("Folder\u2026"), this);
  auto* builtin = new QPushButton(tr("Built-in task"), this);
  openFile->setToolTip(tr("Open a MATH JSONL file (PRM800K fields: problem, solution, answer, subject, level)"));
  openFolder->setToolTip(tr("Open a MATH folder tree (<split>/<subject>/<n>.json)"));
  builtin->setToolTip(tr("The built-in arithmetic task the shipped models were trained on"));
  connect(openFile, &QPushButton::clicked, this, &DataView::openFileRequested);
  connect(openFolder, &QPushButton::clicked, this, &DataView::openFolderRequested);
  connect(builtin, &QPushButton::clicked, this, &DataView::builtinRequested);
  auto* sources = new QHBoxLayout;
  sources->addWidget(openFile);
  sources->addWidget(openFolder);
  sources->addWidget(builtin);
  sources->addStretch(1);

  m_subject = new QComboBox(this);
  m_level = new QComboBox(this);
  m_level->addItem(tr("All levels"), 0);
  for (int l = 1; l <= 5; ++l) m_level->addItem(tr("Level %1").arg(l), l);
  m_level->addItem(tr("Level ?"), -1);
  m_search = new QLineEdit(this);
  m_search->setPlaceholderText(tr("Find in problems, solutions and answers"));
  m_search->setClearButtonEnabled(true);
  auto* filters = new QHBoxLayout;
  filters->addWidget(m_subject, 1);
  filters->addWidget(m_level);
  filters->addWidget(m_search, 2);

  m_model = new ProblemTableModel(this);
  m_filter = new ProblemFilterModel(this);
  m_filter->setSourceModel(m_model);
  m_table = new QTableView(this);
  m_table->setModel(m_filter);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->verticalHeader()->setVisible(false);
  m_table->horizontalHeader()->setStretchLastSection(false);
  m_table->horizontalHeader()->setSectionResizeMode(ProblemTableModel::Problem, QHeaderView::Stretch);
  m_table->setSortingEnabled(true);
  m_table->sortByColumn(-1, Qt::AscendingOrder);  // file order until a header is clicked
  m_detail = new QTextBrowser(this);
  m_detail->setOpenLinks(false);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(m_table);
  split->addWidget(m_detail);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_title);
  layout->addLayout(sources);
  layout->addLayout(filters);
  layout->addWidget(split, 1);

  const auto refresh = [this] {
    m_title->setText(problems() ? tr("%1: %2 of %3 problems").arg(QString::fromStdString(problems()->name)).arg(visibleRows()).arg(problems()->problems.size())
                                : tr("No problems loaded."));
  };
  connect(m_subject, &QComboBox::currentIndexChanged, this, [this, refresh](int) {
    m_filter->setSubject(m_subject->currentData().toString());
    refresh();
  });
  connect(m_level, &QComboBox::currentIndexChanged, this, [this, refresh](int) {
    m_filter->setLevel(m_level->currentData().toInt());
    refresh();
  });
  connect(m_search, &QLineEdit::textChanged, this, [this, refresh](const QString& t) {
    m_filter->setText(t);
    refresh();
  });
  connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& i) { showRow(i.row()); });
  connect(m_model, &QAbstractItemModel::modelReset, this, refresh);
}

int DataView::visibleRows() const { return m_filter->rowCount(); }

void DataView::setProblems(std::shared_ptr<const mathdata::ProblemSet> set) {
  std::set<std::string> subjects;
  if (set)
    for (const auto& p : set->problems)
      if (p.subject) subjects.insert(*p.subject);
  {
    const QSignalBlocker block(m_subject);
    m_subject->clear();
    m_subject->addItem(tr("All subjects"), QString());
    for (const auto& s : subjects) m_subject->addItem(QString::fromStdString(s), QString::fromStdString(s));
    m_filter->setSubject({});
  }
  m_model->setProblems(std::move(set));
  m_detail->clear();
  if (visibleRows() > 0) m_table->selectRow(0);
}

void DataView::showRow(int row) {
  const QModelIndex i = m_filter->index(row, 0);
  if (!i.isValid() || !problems()) {
    m_detail->clear();
    return;
  }
  const auto& p = problems()->problems[static_cast<size_t>(m_filter->mapToSource(i).row())];
  // Plain text, escaped: problem text from a file is never interpreted as HTML.
  QString html = QStringLiteral("<h3>%1</h3>").arg(q(p.key).toHtmlEscaped());
  QStringList meta;
  if (p.subject) meta << q(*p.subject).toHtmlEscaped();
  meta << (p.level ? tr("Level %1").arg(*p.level) : tr("Level ?"));
  html += QStringLiteral("<p><i>%1</i></p>").arg(meta.join(QStringLiteral(" · ")));
  const auto block = [](const QString& title, const std::string& text) {
    return QStringLiteral("<h4>%1</h4><pre style=\"white-space: pre-wrap\">%2</pre>").arg(title, q(text).toHtmlEscaped());
  };
  html += block(tr("Problem"), p.problem);
  if (!p.solution.empty()) html += block(tr("Reference solution"), p.solution);
  if (p.answer) html += block(tr("Answer"), *p.answer);
  m_detail->setHtml(html);
}

}  // namespace lens::views
