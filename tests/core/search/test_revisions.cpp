// SPDX-License-Identifier: GPL-3.0-or-later
// Sequential revisions (Snell et al. 2024 §6). Scripted attempts and scores make the three answer
// selections checkable by hand; each attempt sees the chain's most recent earlier attempts; bad
// parameters are refused. On the shipped model, a first attempt is exactly what plain generation
// samples from the same stream, a later attempt's prompt holds the earlier ones, and attempts that
// would not fit are dropped oldest first.
#include <QtTest>

#include <cmath>
#include <limits>
#include <map>

#include "common/test_helpers.h"
#include "core/mathdata/answer.h"
#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/search/revisions.h"
#include "core/search/search_sources.h"
#include "core/text/tokenizer.h"

using namespace lens;
using namespace lens::search;

namespace {

// Attempt t of chain c is "c<c>t<t> \boxed{answer}" (chain and turn read from its stream); the
// scorer scores it from a table. With logprobs set, each attempt has three tokens whose log-probs
// sum to logprobs[c][t].
class ScriptedAttempts : public AttemptSource {
 public:
  std::vector<std::vector<std::string>> answers;  // [chain][turn]
  std::vector<std::vector<double>> logprobs;       // [chain][turn], or empty: no tokens given
  std::vector<std::vector<std::vector<std::string>>> seen;  // histories per round
  std::vector<std::vector<uint64_t>> streams;
  Result<std::vector<StepText>> attempt(const std::vector<std::vector<std::string>>& histories, const std::vector<uint64_t>& st,
                                        const RunContext*) override {
    seen.push_back(histories);
    streams.push_back(st);
    std::vector<StepText> out;
    for (uint64_t stream : st) {
      const size_t c = stream >> 20, t = stream & 0xFFFFF;
      const std::string text = "c" + std::to_string(c) + "t" + std::to_string(t) + "\n\n\\boxed{" + answers[c][t] + "}";
      if (logprobs.empty()) out.push_back({text, 3, true, {}});
      else out.push_back({text, 3, true, {1, 2, 3}, logprobs[c][t]});
    }
    return out;
  }
};

class TableScorer : public StepScorer {
 public:
  std::map<std::string, double> table;  // first step -> score
  int calls = 0;
  Result<std::vector<double>> score(const std::vector<std::vector<std::string>>& paths, const RunContext*) override {
    ++calls;
    std::vector<double> out;
    for (const auto& p : paths) out.push_back(table.at(p.front()));
    return out;
  }
};

std::optional<std::string> boxed(const std::string& s) { return mathdata::extractAnswer(s); }

// Three chains of three: majority, weighted and hierarchical selection each pick a different answer.
//   chain 0: 7 (.9), 7 (.8), 3 (.1)
//   chain 1: 5 (.95), 3 (.1), 3 (.2)
//   chain 2: 3 (.05), 5 (.5), 3 (.1)
void script(ScriptedAttempts& src, TableScorer& sc) {
  src.answers = {{"7", "7", "3"}, {"5", "3", "3"}, {"3", "5", "3"}};
  const double s[3][3] = {{.9, .8, .1}, {.95, .1, .2}, {.05, .5, .1}};
  for (int c = 0; c < 3; ++c)
    for (int t = 0; t < 3; ++t) sc.table["c" + std::to_string(c) + "t" + std::to_string(t)] = s[c][t];
}

}  // namespace

class TestRevisions : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void selectionsByHand() {
    ScriptedAttempts src;
    TableScorer sc;
    script(src, sc);
    RevisionParams p;
    p.n = 9;
    p.chainLength = 3;
    p.select = RevisionSelect::Hierarchical;
    auto r = runRevisions(src, &sc, p, boxed);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->chains.size(), size_t{3});
    QCOMPARE(sc.calls, 3);  // one batch per round
    QCOMPARE(r->scoredPaths, int64_t{9});
    // Majority: "3" five times; the class's first attempt in chain order is chain 0's third.
    QVERIFY(r->majority && *r->majority == (AttemptRef{0, 2}));
    // Weighted: 7 sums 1.7 > 5 with 1.45 > 3 with .55; its best attempt is chain 0's first.
    QVERIFY(r->weighted && *r->weighted == (AttemptRef{0, 0}));
    // Hierarchical: chain bests are 7 (.9), 5 (.95), 5 (.5); 5 sums 1.45 > .9: chain 1's first.
    QVERIFY(r->hierarchical && *r->hierarchical == (AttemptRef{1, 0}));
    QVERIFY(r->chosen && *r->chosen == *r->hierarchical);
    QCOMPARE(r->chains[1][0].answer.value_or(""), std::string("5"));
    QCOMPARE(r->chains[2][1].score, 0.5);
  }

  void attemptsSeeTheirChainsRecentAttempts() {
    ScriptedAttempts src;
    TableScorer sc;
    script(src, sc);
    RevisionParams p;
    p.n = 9;
    p.chainLength = 3;
    p.maxPrevious = 1;
    auto r = runRevisions(src, &sc, p, boxed);
    QVERIFY(r.ok());
    QCOMPARE(src.seen.size(), size_t{3});
    for (size_t c = 0; c < 3; ++c) {
      QVERIFY(src.seen[0][c].empty());                               // first attempts see nothing
      QCOMPARE(src.seen[1][c], std::vector<std::string>{r->chains[c][0].text});
      QCOMPARE(src.seen[2][c], std::vector<std::string>{r->chains[c][1].text});  // only the most recent one
      for (size_t t = 0; t < 3; ++t) QCOMPARE(src.streams[t][c], revisionStream(static_cast<int>(c), static_cast<int>(t)));
    }
    ScriptedAttempts src2;
    script(src2, sc);
    p.maxPrevious = 4;
    QVERIFY(runRevisions(src2, &sc, p, boxed).ok());
    QCOMPARE(src2.seen[2][1], (std::vector<std::string>{r->chains[1][0].text, r->chains[1][1].text}));  // oldest first
    QVERIFY(revisionStream(0, 1) != revisionStream(1, 0));
  }

  void parallelOnlyAndMajorityWithoutVerifier() {
    ScriptedAttempts src;
    src.answers = {{"1"}, {"2"}, {"2"}, {"4"}};
    RevisionParams p;
    p.n = 4;
    p.chainLength = 1;  // plain parallel sampling
    p.select = RevisionSelect::Majority;
    auto r = runRevisions(src, nullptr, p, boxed);
    QVERIFY(r.ok());
    QCOMPARE(src.seen.size(), size_t{1});
    QVERIFY(r->majority && *r->majority == (AttemptRef{1, 0}));
    QVERIFY(!r->weighted && !r->hierarchical);
    QCOMPARE(r->scoredPaths, int64_t{0});
  }

  // The gate: a chain whose attempt has a mean log-prob per token of at least keepAbove makes no
  // more attempts; its later turns repeat that attempt (no tokens, its score, not scored again).
  void gateKeepsConfidentAttempts() {
    ScriptedAttempts src;
    TableScorer sc;
    script(src, sc);
    src.logprobs = {{-0.3, -9, -9}, {-6, -0.6, -9}, {-6, -6, -6}};  // means -0.1, -2; -2, -0.2, -3; -2 each
    RevisionParams p;
    p.n = 9;
    p.chainLength = 3;
    p.maxPrevious = 1;
    p.keepAbove = -0.5;
    auto r = runRevisions(src, &sc, p, boxed);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(src.seen.size(), size_t{3});
    QCOMPARE(src.streams[1], (std::vector<uint64_t>{revisionStream(1, 1), revisionStream(2, 1)}));  // chain 0 stopped
    QCOMPARE(src.streams[2], std::vector<uint64_t>{revisionStream(2, 2)});                         // and chain 1
    QCOMPARE(src.seen[2], std::vector<std::vector<std::string>>{{r->chains[2][1].text}});
    QCOMPARE(r->keptAttempts, int64_t{3});
    QCOMPARE(r->scoredPaths, int64_t{6});
    for (int t : {1, 2}) {
      const auto& kept = r->chains[0][static_cast<size_t>(t)];
      QVERIFY(kept.kept);
      QCOMPARE(kept.tokens, 0);
      QCOMPARE(kept.text, r->chains[0][0].text);
      QCOMPARE(kept.score, 0.9);
      QCOMPARE(kept.answer.value_or(""), std::string("7"));
    }
    QVERIFY(!r->chains[1][1].kept && r->chains[1][2].kept && r->chains[1][2].text == r->chains[1][1].text);
    QCOMPARE(r->chains[1][1].meanLogprob(), -0.2);
    for (const auto& a : r->chains[2]) QVERIFY(!a.kept);
    // Answers 7,7,7 / 5,3,3 / 3,5,3: "3" four times (first at chain 1's second attempt); weighted:
    // 7 sums 2.7 (.9 three times) > 5 with 1.45 > 3 with .35.
    QVERIFY(r->majority && *r->majority == (AttemptRef{1, 1}));
    QVERIFY(r->weighted && *r->weighted == (AttemptRef{0, 0}));
    // A source that gives no tokens has no mean log-prob: nothing is kept.
    ScriptedAttempts plain;
    script(plain, sc);
    auto all = runRevisions(plain, &sc, p, boxed);
    QVERIFY(all.ok());
    QCOMPARE(all->keptAttempts, int64_t{0});
    QVERIFY(std::isnan(all->chains[0][0].meanLogprob()));
    p.keepAbove = std::numeric_limits<double>::infinity();
    auto bad = runRevisions(plain, &sc, p, boxed);
    QVERIFY(!bad.ok() && bad.error().message.find("gate") != std::string::npos);
  }

  void refusesBadParameters() {
    ScriptedAttempts src;
    src.answers = {{"1", "1"}, {"1", "1"}};
    TableScorer sc;
    RevisionParams p;
    p.n = 6;
    p.chainLength = 4;
    auto bad = runRevisions(src, &sc, p, boxed);
    QVERIFY(!bad.ok() && bad.error().message.find("must divide n") != std::string::npos);
    p.n = 4;
    p.chainLength = 2;
    p.select = RevisionSelect::Weighted;
    auto noVerifier = runRevisions(src, nullptr, p, boxed);
    QVERIFY(!noVerifier.ok() && noVerifier.error().message.find("needs a verifier") != std::string::npos);
    QVERIFY(!parseRevisionSelect("best").ok());
    QCOMPARE(std::string(revisionSelectName(*parseRevisionSelect("hierarchical"))), std::string("hierarchical"));
  }

  void modelAttemptsMatchGenerationAndCarryHistory() {
    model::DeviceParams d;
    d.device = "cpu";
    d.dtype = "float32";
    auto m = model::Model::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small", d);
    LENS_VERIFY_OK(m);
    const std::string problem = "Compute $12 \\times 4 - 7$.";
    model::SamplingParams sp;
    sp.temperature = 1.0f;
    sp.maxNewTokens = 120;
    const mathdata::PromptParams pp;
    auto src = ModelAttemptSource::open(**m, problem, mathdata::PromptFormat::Raw, pp, sp, 5, 2, 512);
    LENS_VERIFY_OK(src);
    auto first = (*src)->attempt({{}, {}}, {revisionStream(0, 0), revisionStream(1, 0)}, nullptr);
    LENS_VERIFY_OK(first);
    const auto* tok = (*m)->tokenizer();
    const auto ids = tok->encode(mathdata::formatPrompt(problem, mathdata::PromptFormat::Raw, pp), true);
    auto plain = (*m)->generate({{ids, 1, 5, sp}});
    LENS_VERIFY_OK(plain);
    // Chain 0's first attempt is sample 0 of plain generation with the same seed (stream 0).
    QCOMPARE((*first)[0].tokenIds, (*plain)[0][0].tokenIds);
    double logprob = 0.0;  // the attempt carries its tokens' log-probs (the revision gate reads them)
    for (float lp : (*plain)[0][0].logprobs) logprob += lp;
    QVERIFY(logprob < 0.0);
    QCOMPARE((*first)[0].logprob, logprob);
    QVERIFY((*first)[0].text.find("boxed") != std::string::npos);
    QCOMPARE((*src)->promptTokens(), static_cast<int64_t>(2 * ids.size()));
    // The next attempt's prompt holds the first one.
    const std::string a0 = (*first)[0].text;
    auto second = (*src)->attempt({{a0}, {(*first)[1].text}}, {revisionStream(0, 1), revisionStream(1, 1)}, nullptr);
    LENS_VERIFY_OK(second);
    const auto withHistory = tok->encode(mathdata::formatRevisionPrompt(problem, {a0}, mathdata::PromptFormat::Raw, pp), true);
    QVERIFY(withHistory.size() > ids.size() + a0.size());
    QVERIFY(mathdata::formatRevisionPrompt(problem, {a0}, mathdata::PromptFormat::Raw, pp).find("Previous attempt:\n" + a0) != std::string::npos);
    QCOMPARE((*src)->droppedAttempts(), int64_t{0});
    // In a small window the oldest attempts are dropped until the prompt leaves room to answer.
    auto tight = ModelAttemptSource::open(**m, problem, mathdata::PromptFormat::Raw, pp, sp, 5, 1, 260);
    LENS_VERIFY_OK(tight);
    const std::string filler(60, '1');
    auto cut = (*tight)->attempt({{filler + "a", filler + "b", filler + "c"}}, {revisionStream(0, 3)}, nullptr);
    LENS_VERIFY_OK(cut);
    QVERIFY((*tight)->droppedAttempts() >= 1);
    QVERIFY((*tight)->promptTokens() + sp.maxNewTokens <= 260);
  }
};

QTEST_APPLESS_MAIN(TestRevisions)
#include "test_revisions.moc"
