// SPDX-License-Identifier: GPL-3.0-or-later
// Verifier-guided tree search. Scripted steps and scores make every choice checkable by hand (beam,
// DVTS, lookahead, the final weighted vote); on the shipped model, the decode session's forked
// sequences reproduce plain generation token for token, and a beam search over real steps builds
// a consistent tree.
#include <QtTest>

#include <map>
#include <set>

#include "common/test_helpers.h"
#include "core/mathdata/answer.h"
#include "core/mathdata/prompt.h"
#include <c10/core/InferenceMode.h>

#include "core/model/internal/engine.h"
#include "core/model/model.h"
#include "core/model/session.h"
#include "core/search/search_sources.h"
#include "core/search/tree_search.h"
#include "core/text/tokenizer.h"

using namespace lens;
using namespace lens::search;

namespace {

// Node n's step is its label: the parent's label plus a letter per child ("a", "b", ... at depth 1),
// followed by "\n\n"; at `finalDepth` the step carries \boxed{answers[label]} and ends the path.
class ScriptedSource : public StepSource {
 public:
  int finalDepth = 3;
  std::map<std::string, std::string> answers;
  std::map<int, std::string> label;  // node -> label
  std::vector<std::vector<int>> expandedParents;
  std::set<int> released;
  std::map<std::string, std::string> rollouts;  // label -> rollout text

  Result<std::vector<std::vector<StepText>>> expand(const std::vector<int>& parents, const std::vector<std::vector<int>>& ids,
                                                    const RunContext*) override {
    expandedParents.push_back(parents);
    std::vector<std::vector<StepText>> out(parents.size());
    for (size_t i = 0; i < parents.size(); ++i) {
      const std::string base = parents[i] < 0 ? "" : label.at(parents[i]);
      for (size_t c = 0; c < ids[i].size(); ++c) {
        const std::string l = base + static_cast<char>('a' + c);
        label[ids[i][c]] = l;
        const bool fin = static_cast<int>(l.size()) == finalDepth;
        std::string text = l + (fin ? " \\boxed{" + answers[l] + "}" : "\n\n");
        out[i].push_back({text, static_cast<int>(l.size()), fin, {}});
      }
    }
    return out;
  }
  Result<std::vector<StepText>> rollout(const std::vector<int>& nodes, int, const RunContext*) override {
    std::vector<StepText> out;
    for (int n : nodes) out.push_back({rollouts[label.at(n)], 1, false, {}});
    return out;
  }
  void release(int node) override { released.insert(node); }
};

// The score of a path is looked up by its last step's label (the text before the delimiter).
class ScriptedScorer : public StepScorer {
 public:
  std::map<std::string, double> score_;
  Result<std::vector<double>> score(const std::vector<std::vector<std::string>>& paths, const RunContext*) override {
    std::vector<double> out;
    for (const auto& p : paths) {
      std::string last = p.back();
      last = last.substr(0, last.find_first_of(" \n"));
      out.push_back(score_.count(last) ? score_.at(last) : 0.0);
    }
    return out;
  }
};

std::optional<std::string> boxed(const std::string& s) { return mathdata::extractAnswer(s); }

model::DeviceParams cpu() {
  model::DeviceParams d;
  d.device = "cpu";
  d.dtype = "float32";
  return d;
}

}  // namespace

class TestTreeSearch : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void beamSearchByHand() {
    ScriptedSource src;
    src.answers = {{"caa", "1"}, {"cab", "2"}, {"cba", "1"}, {"cbb", "3"}};
    ScriptedScorer sc;
    sc.score_ = {{"a", .1}, {"b", .9}, {"c", .5}, {"d", .3}, {"ba", .2}, {"bb", .4}, {"ca", .8}, {"cb", .7},
                 {"caa", .6}, {"cab", .9}, {"cba", .5}, {"cbb", .1}};
    SearchParams p;
    p.n = 4;
    p.width = 2;
    auto r = runSearch(src, sc, p, boxed);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    // Round 1: four first steps from the root. Round 2: the best two (b .9, c .5), two children each.
    // Round 3: the best two of ba .2, bb .4, ca .8, cb .7 are ca and cb.
    QCOMPARE(src.expandedParents.size(), size_t{3});
    QCOMPARE(src.expandedParents[0], std::vector<int>{-1});
    QCOMPARE(src.label.at(src.expandedParents[1][0]), std::string("b"));
    QCOMPARE(src.label.at(src.expandedParents[1][1]), std::string("c"));
    QCOMPARE(src.label.at(src.expandedParents[2][0]), std::string("ca"));
    QCOMPARE(src.label.at(src.expandedParents[2][1]), std::string("cb"));
    QCOMPARE(r->nodes.size(), size_t{12});
    QCOMPARE(r->finished.size(), size_t{4});
    QCOMPARE(r->rounds, 3);
    // Weighted vote: answer 1 has .6 + .5 = 1.1 > answer 2's .9 (best-of-N would pick 2).
    QVERIFY(r->chosen);
    const std::string chosen = src.label.at(*r->chosen);
    QVERIFY2(chosen == "caa" || chosen == "cba", chosen.c_str());
    QCOMPARE(*boxed(r->nodes[static_cast<size_t>(*r->chosen)].text), std::string("1"));
    // The selected nodes are exactly the chosen path.
    int selected = 0;
    for (const auto& n : r->nodes) selected += n.selected;
    QCOMPARE(selected, 3);
    QCOMPARE(r->path(*r->chosen).size(), size_t{3});
    // Every node was released once its children were sampled, or when it was dropped or finished.
    QCOMPARE(src.released.size(), size_t{12});
  }

  void dvtsKeepsTheBestPerSubtree() {
    ScriptedSource src;
    src.finalDepth = 2;
    src.answers = {{"aa", "7"}, {"ab", "8"}, {"ba", "8"}, {"bb", "9"}};
    ScriptedScorer sc;
    // Subtree 0 gets first steps a, b (scores .2, .6); subtree 1 also a, b (its own nodes).
    sc.score_ = {{"a", .2}, {"b", .6}, {"ba", .3}, {"bb", .4}};
    SearchParams p;
    p.strategy = Strategy::Dvts;
    p.n = 4;
    p.width = 2;
    auto r = runSearch(src, sc, p, boxed);
    LENS_VERIFY_OK(r);
    QCOMPARE(src.expandedParents[0], (std::vector<int>{-1, -1}));  // two subtrees from the root
    QCOMPARE(src.expandedParents[1].size(), size_t{2});             // each continues its best node
    for (int n : src.expandedParents[1]) QCOMPARE(src.label.at(n), std::string("b"));
    QCOMPARE(r->finished.size(), size_t{2});  // one answer per subtree: bb in both
    for (int leaf : r->finished) QCOMPARE(src.label.at(leaf), std::string("bb"));
    QCOMPARE(*boxed(r->nodes[static_cast<size_t>(*r->chosen)].text), std::string("9"));
  }

  void lookaheadScoresTheRollout() {
    ScriptedSource src;
    src.finalDepth = 2;
    src.answers = {{"aa", "1"}, {"ab", "1"}, {"ba", "2"}, {"bb", "2"}};
    // Without lookahead b (.9) beats a (.1); the rollout from a reaches a step scored .95.
    src.rollouts = {{"a", "good"}, {"b", "bad"}};
    ScriptedScorer sc;
    sc.score_ = {{"a", .1}, {"b", .9}, {"good", .95}, {"bad", .05}};
    SearchParams p;
    p.n = 2;
    p.width = 2;  // keep one
    auto beam = runSearch(src, sc, p, boxed);
    LENS_VERIFY_OK(beam);
    QCOMPARE(*boxed(beam->nodes[static_cast<size_t>(*beam->chosen)].text), std::string("2"));
    ScriptedSource src2 = src;
    src2.expandedParents.clear();
    p.strategy = Strategy::Lookahead;
    p.lookahead = 1;
    auto look = runSearch(src2, sc, p, boxed);
    LENS_VERIFY_OK(look);
    QCOMPARE(src2.label.at(src2.expandedParents[1][0]), std::string("a"));
    QCOMPARE(*boxed(look->nodes[static_cast<size_t>(*look->chosen)].text), std::string("1"));
    QCOMPARE(look->rolloutTokens, int64_t{2});
  }

  void badParameters() {
    ScriptedSource src;
    ScriptedScorer sc;
    SearchParams p;
    p.n = 2;
    p.width = 4;
    auto r = runSearch(src, sc, p, boxed);
    QVERIFY(!r.ok() && r.error().message.find("width") != std::string::npos);
    p.width = 1;
    p.strategy = Strategy::Lookahead;
    r = runSearch(src, sc, p, boxed);
    QVERIFY(!r.ok() && r.error().message.find("lookahead") != std::string::npos);
    QVERIFY(!parseStrategy("mcts").ok());
  }

  // Forked session slots continue exactly as plain generation of the same text does, sampling
  // included: the session draws from the same (seed, stream, step) as generate()'s samples.
  void sessionMatchesGenerate() {
    auto m = model::Model::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small", cpu());
    LENS_VERIFY_OK(m);
    const std::string prompt = mathdata::formatPrompt("What is $3+4\\cdot 2$?", mathdata::PromptFormat::Raw, {});
    auto ids = (*m)->tokenizer()->encode(prompt, false);
    model::GenerateRequest req;
    req.promptIds = ids;
    req.numSamples = 3;
    req.seed = 17;
    req.sampling.temperature = 0.8f;
    req.sampling.maxNewTokens = 40;
    auto gen = (*m)->generate({req});
    LENS_VERIFY_OK(gen);
    auto s = model::DecodeSession::open(**m, 4, 256);
    LENS_VERIFY_OK(s);
    LENS_VERIFY_OK((*s)->start(0, ids));
    for (int64_t i = 1; i <= 3; ++i) LENS_VERIFY_OK((*s)->fork(0, i));
    auto ext = (*s)->extend({1, 2, 3}, req.sampling, 17, {0, 1, 2});
    LENS_VERIFY_OK(ext);
    for (size_t i = 0; i < 3; ++i) {
      QCOMPARE((*ext)[i].tokenIds, (*gen)[0][i].tokenIds);
      QCOMPARE((*ext)[i].text, (*gen)[0][i].text);
    }
    QCOMPARE((*s)->prefilledTokens(), static_cast<int64_t>(ids.size()) - 1);  // the prompt once, not per sample
    // Continuing a forked path greedily equals generating from its whole text.
    model::SamplingParams greedy;
    greedy.temperature = 0;
    greedy.maxNewTokens = 12;
    LENS_VERIFY_OK((*s)->fork(2, 0));
    auto more = (*s)->extend({0}, greedy, 0, {0});
    LENS_VERIFY_OK(more);
    model::GenerateRequest whole;
    whole.promptIds = ids;
    whole.promptIds.insert(whole.promptIds.end(), (*gen)[0][1].tokenIds.begin(), (*gen)[0][1].tokenIds.end());
    whole.sampling = greedy;
    auto ref = (*m)->generate({whole});
    LENS_VERIFY_OK(ref);
    QCOMPARE((*more)[0].tokenIds, (*ref)[0][0].tokenIds);
    QVERIFY(!(*s)->fork(0, 9).ok());
  }

  // A session under a fixed Duo route decodes what a plain routed forward pass predicts; all-big is
  // the plain model.
  void sessionUnderARoute() {
    auto m = model::Model::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small", cpu());
    LENS_VERIFY_OK(m);
    auto ids = (*m)->tokenizer()->encode(mathdata::formatPrompt("What is $7\\cdot 6$?", mathdata::PromptFormat::Raw, {}), false);
    model::SamplingParams greedy;
    greedy.temperature = 0;
    greedy.maxNewTokens = 10;
    greedy.ignoreEos = true;
    auto decode = [&](const std::vector<uint8_t>& route) {
      auto s = model::DecodeSession::open(**m, 1, 256);
      if (!s.ok()) qFatal("%s", s.error().message.c_str());
      if (!(*s)->setRoute(route).ok() || !(*s)->start(0, ids).ok()) qFatal("session");
      return (*(*s)->extend({0}, greedy, 0, {0}))[0].tokenIds;
    };
    model::GenerateRequest plain{ids, 1, 0, greedy};
    QCOMPARE(decode({2, 2, 2, 2}), (*(*m)->generate({plain}))[0][0].tokenIds);
    // Each greedy token is the arg-max of a full routed forward pass over the text so far.
    for (int64_t code : {1, 0}) {
      const auto routed = decode(std::vector<uint8_t>(4, static_cast<uint8_t>(code)));
      std::vector<int32_t> text = ids;
      for (int32_t next : routed) {
        c10::InferenceMode guard;
        auto& e = (*m)->engine();
        const int64_t T = static_cast<int64_t>(text.size());
        model::internal::ForwardBatch fb;
        fb.tokens = torch::tensor(std::vector<int64_t>(text.begin(), text.end()), torch::kInt64).view({1, T});
        fb.slots = {0};
        fb.startPos = {0};
        fb.lengths = {T};
        fb.routes = torch::full({1, T, 4}, code, torch::kInt64);
        auto cache = e.makeCache(1, T);
        QCOMPARE(static_cast<int32_t>(e.forward(fb, *cache, false)[0].argmax().item<int64_t>()), next);
        text.push_back(next);
      }
    }
    QVERIFY(decode({0, 0, 0, 0}) != decode({2, 2, 2, 2}));  // skipping every FFN changes what is generated
    auto s = model::DecodeSession::open(**m, 1, 16);
    QVERIFY(!(*s)->setRoute({1, 1}).ok());
    QVERIFY(!(*s)->setRoute({1, 1, 3, 1}).ok());
  }

  // Beam search over the shipped model's own steps (a scorer that prefers longer steps stands in
  // for a PRM): the tree is consistent and every step but a path's last ends with the delimiter.
  void beamOverRealSteps() {
    auto m = model::Model::load(std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small", cpu());
    LENS_VERIFY_OK(m);
    const std::string prompt = mathdata::formatPrompt("Compute $(12-5)\\cdot 3+4$.", mathdata::PromptFormat::Raw, {});
    auto ids = (*m)->tokenizer()->encode(prompt, false);
    SearchParams p;
    p.n = 8;
    p.width = 2;
    p.maxSteps = 12;
    model::SamplingParams step;
    step.temperature = 1.0f;
    step.maxNewTokens = 96;
    step.stopStrings = {"\n\n"};
    auto src = ModelStepSource::open(**m, ids, step, 3, searchSlots(p), 1024);
    LENS_VERIFY_OK(src);
    struct Longer : StepScorer {
      Result<std::vector<double>> score(const std::vector<std::vector<std::string>>& paths, const RunContext*) override {
        std::vector<double> out;
        for (const auto& pth : paths) out.push_back(static_cast<double>(pth.back().size()) / 100.0);
        return out;
      }
    } scorer;
    auto r = runSearch(**src, scorer, p, boxed);
    LENS_VERIFY_OK(r);
    QVERIFY(!r->finished.empty());
    for (const auto& n : r->nodes) {
      if (n.parent >= 0) QCOMPARE(n.depth, r->nodes[static_cast<size_t>(n.parent)].depth + 1);
      if (!n.final) QVERIFY2(n.text.size() >= 2 && n.text.substr(n.text.size() - 2) == "\n\n", n.text.c_str());
    }
    // Each round samples at most n steps.
    std::map<int, int> perDepth;
    for (const auto& n : r->nodes) perDepth[n.depth] += 1;
    for (const auto& [d, count] : perDepth) QVERIFY(count <= p.n);
    QVERIFY((*src)->decodedTokens() > 0);
    QCOMPARE((*src)->prefilledTokens(), static_cast<int64_t>(ids.size()) - 1);
  }
};

QTEST_APPLESS_MAIN(TestTreeSearch)
#include "test_tree_search.moc"
