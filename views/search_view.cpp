// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/search_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTextEdit>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <map>

#include "core/store/store.h"

namespace lens::views {

namespace {

QString qs(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<int>(s.size())); }

// One line for a tree row: the text with its line breaks shown as spaces.
QString oneLine(const QString& s) {
  QString t = s;
  t.replace(QLatin1Char('\n'), QLatin1Char(' '));
  return t.simplified();
}

}  // namespace

Result<SearchViewData> loadSearchView(const std::string& db, int64_t runId, int64_t unit) {
  store::StoreParams sp;
  sp.readOnly = true;
  auto st = store::Store::open(db, sp);
  if (!st) return st.error();
  auto run = (*st)->run(runId);
  if (!run) return run.error();
  if (run->kind != "search") return makeError(ErrorCode::InvalidInput, "run " + std::to_string(runId) + " is a " + run->kind + " run, not a search run");
  auto units = (*st)->unitIndexes(runId);
  if (!units) return units.error();
  if (units->empty()) return makeError(ErrorCode::InvalidInput, "run " + std::to_string(runId) + " has no finished problems yet");
  const int64_t u = std::clamp<int64_t>(unit, 0, static_cast<int64_t>(units->size()) - 1);
  auto r = (*st)->unit(runId, (*units)[static_cast<size_t>(u)]);
  if (!r) return r.error();
  SearchViewData d;
  d.strategy = qs(run->spec.value("strategy", std::string("beam")));
  const int n = run->spec.value("n", 16);
  QString how = d.strategy == QLatin1String("revise")
                    ? QObject::tr("revise, N=%1, chains of %2").arg(n).arg(run->spec.value("chain_length", 4))
                    : QObject::tr("%1, N=%2, M=%3").arg(d.strategy).arg(n).arg(run->spec.value("width", 4));
  if (const auto gate = run->spec.find("keep_above"); d.strategy == QLatin1String("revise") && gate != run->spec.end() && gate->is_number())
    how += QObject::tr(", kept above a mean log-prob of %1").arg(gate->get<double>());
  d.title = QObject::tr("Run %1 (%2), problem %3 of %4: %5").arg(runId).arg(how).arg(u + 1).arg(units->size()).arg(qs(r->key));
  d.unit = static_cast<int>(u);
  d.units = static_cast<int>(units->size());
  if (run->datasetId && r->problemIndex) {
    auto problems = (*st)->problems(*run->datasetId);
    if (problems && *r->problemIndex >= 0 && *r->problemIndex < static_cast<int64_t>(problems->size())) {
      const auto& p = (*problems)[static_cast<size_t>(*r->problemIndex)];
      d.problem = qs(p.problem);
      if (p.answer) d.reference = qs(*p.answer);
    }
  }
  for (const auto& nd : r->nodes)
    d.nodes.push_back({nd.index, nd.parent.value_or(-1), nd.depth, nd.tokenCount, qs(nd.text), nd.score.value_or(-1.0), nd.selected});
  for (const auto& s : r->samples)
    d.samples.push_back({qs(s.text), s.answer ? qs(*s.answer) : QString(), s.correct ? (*s.correct ? 1 : 0) : -1, s.score.value_or(-1.0)});
  for (const auto& m : r->metrics) {
    if (m.name == "correct") d.correct = m.value > 0.5 ? 1 : 0;
    d.metrics.push_back({qs(m.name), m.value});
  }
  return d;
}

SearchView::SearchView(QWidget* parent) : QWidget(parent) {
  m_header = new QLabel(this);
  m_header->setWordWrap(true);
  m_header->setTextFormat(Qt::PlainText);
  m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_unit = new QSpinBox(this);
  m_unit->setPrefix(tr("Problem "));
  m_unit->setRange(1, 1);
  m_tree = new QTreeWidget(this);
  m_tree->setColumnCount(3);
  m_tree->setHeaderLabels({tr("Step"), tr("Score"), tr("Tokens")});
  m_tree->header()->setStretchLastSection(false);
  m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  m_path = new QTextEdit(this);
  m_path->setReadOnly(true);
  m_samples = new QTableWidget(this);
  m_samples->setColumnCount(4);
  m_samples->setHorizontalHeaderLabels({tr("Answer"), tr("Right"), tr("Score"), tr("Solution")});
  m_samples->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_samples->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_samples->horizontalHeader()->setStretchLastSection(true);

  auto* top = new QHBoxLayout;
  top->addWidget(m_header, 1);
  top->addWidget(m_unit);
  auto* right = new QSplitter(Qt::Vertical, this);
  right->addWidget(m_path);
  right->addWidget(m_samples);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(m_tree);
  split->addWidget(right);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* lay = new QVBoxLayout(this);
  lay->addLayout(top);
  lay->addWidget(split, 1);

  connect(m_unit, qOverload<int>(&QSpinBox::valueChanged), this, [this](int v) {
    if (v - 1 != m_data.unit) Q_EMIT unitRequested(v - 1);
  });
  connect(m_tree, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* it, QTreeWidgetItem*) {
    if (it) selectNode(it->data(0, Qt::UserRole).toInt());
  });
  clear();
}

void SearchView::clear() {
  m_data = SearchViewData();
  m_header->setText(tr("Select a search run to inspect its trees."));
  m_tree->clear();
  m_path->clear();
  m_samples->setRowCount(0);
}

QString SearchView::header() const { return m_header->text(); }
QString SearchView::pathText() const { return m_path->toPlainText(); }

void SearchView::setData(const SearchViewData& d) {
  m_data = d;
  QString head = d.title + QLatin1Char('\n') + tr("Problem: %1").arg(d.problem);
  if (!d.reference.isEmpty()) head += QLatin1Char('\n') + tr("Reference answer: %1").arg(d.reference);
  if (d.correct >= 0) head += QLatin1Char('\n') + (d.correct ? tr("The returned answer is right.") : tr("The returned answer is wrong."));
  QStringList compute;
  for (const auto& [name, value] : d.metrics)
    if (name.endsWith(QLatin1String("-flops")) || name.endsWith(QLatin1String("-tokens")) || name == QLatin1String("rounds"))
      compute << QStringLiteral("%1 %2").arg(name).arg(value, 0, 'g', 4);
  if (!compute.isEmpty()) head += QLatin1Char('\n') + compute.join(QLatin1String(", "));
  m_header->setText(head);
  {
    const QSignalBlocker block(m_unit);
    m_unit->setRange(1, std::max(1, d.units));
    m_unit->setValue(d.unit + 1);
  }
  m_tree->clear();
  m_path->clear();
  std::map<int, QTreeWidgetItem*> items;
  QFont bold = m_tree->font();
  bold.setBold(true);
  for (const auto& n : d.nodes) {
    QTreeWidgetItem* parent = n.parent >= 0 && items.count(n.parent) ? items[n.parent] : nullptr;
    auto* it = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_tree);
    // A revision chain's turn the gate filled with the attempt before it generated nothing.
    const bool kept = m_data.strategy == QLatin1String("revise") && n.depth > 1 && n.tokens == 0;
    it->setText(0, kept ? tr("(kept) %1").arg(oneLine(n.text)) : oneLine(n.text));
    it->setText(1, n.score >= 0 ? QString::number(n.score, 'f', 3) : QStringLiteral("—"));
    it->setText(2, QString::number(n.tokens));
    it->setData(0, Qt::UserRole, n.id);
    it->setToolTip(0, n.text);
    if (n.selected) {
      for (int c = 0; c < 3; ++c) {
        it->setFont(c, bold);
        it->setForeground(c, QColor(0x1b, 0x7f, 0x3b));
      }
    }
    items[n.id] = it;
  }
  m_tree->expandAll();
  // The returned answer's path is shown from the start: its deepest chosen node is the current one.
  const SearchViewData::Node* deepest = nullptr;
  for (const auto& n : d.nodes)
    if (n.selected && (!deepest || n.depth > deepest->depth)) deepest = &n;
  if (deepest && items.count(deepest->id)) m_tree->setCurrentItem(items[deepest->id]);
  m_samples->setRowCount(d.samples.size());
  for (int r = 0; r < d.samples.size(); ++r) {
    const auto& s = d.samples[r];
    m_samples->setItem(r, 0, new QTableWidgetItem(s.answer.isEmpty() ? tr("(none)") : s.answer));
    m_samples->setItem(r, 1, new QTableWidgetItem(s.correct < 0 ? QStringLiteral("—") : s.correct ? tr("yes") : tr("no")));
    m_samples->setItem(r, 2, new QTableWidgetItem(s.score >= 0 ? QString::number(s.score, 'f', 3) : QStringLiteral("—")));
    auto* text = new QTableWidgetItem(oneLine(s.text));
    text->setToolTip(s.text);
    m_samples->setItem(r, 3, text);
  }
  m_samples->resizeColumnsToContents();
}

bool SearchView::selectNode(int id) {
  std::map<int, const SearchViewData::Node*> byId;
  for (const auto& n : m_data.nodes) byId[n.id] = &n;
  auto it = byId.find(id);
  if (it == byId.end()) return false;
  // The path from the first step (or the chain's first attempt) to this node.
  QStringList parts;
  for (const SearchViewData::Node* n = it->second; n; n = n->parent >= 0 && byId.count(n->parent) ? byId[n->parent] : nullptr) {
    const QString score = n->score >= 0 ? QStringLiteral(" [%1]").arg(n->score, 0, 'f', 3) : QString();
    parts.prepend(m_data.strategy == QLatin1String("revise") ? tr("Attempt %1%2:\n%3").arg(n->depth).arg(score).arg(n->text)
                                                             : n->text.trimmed() + score);
  }
  m_path->setPlainText(parts.join(m_data.strategy == QLatin1String("revise") ? QStringLiteral("\n\n") : QStringLiteral("\n")));
  return true;
}

}  // namespace lens::views
