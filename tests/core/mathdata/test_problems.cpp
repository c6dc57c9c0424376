// SPDX-License-Identifier: GPL-3.0-or-later
// Problem sets: the MATH splits as shipped in ../shared, the original MATH folder layout, filters
// and reproducible sampling, the builtin:arith generator (its answers checked by an independent
// evaluation of each problem), and prompt formats.
#include <QtTest>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "common/test_helpers.h"
#include "core/common/atomic_file.h"
#include "core/mathdata/answer.h"
#include "core/mathdata/arith.h"
#include "core/mathdata/problems.h"
#include "core/mathdata/prompt.h"
#include "core/text/tokenizer.h"

using namespace lens;
using namespace lens::mathdata;
using json = nlohmann::json;

namespace {
std::string mathFile(const char* name) { return test::sharedDir() + "/data/math/" + name; }

// The value an arith problem asks for, computed from its statement alone.
std::optional<std::string> solveIndependently(const std::string& problem) {
  std::smatch m;
  static const std::regex kCompute(R"(^Compute \$(.*)\$\.)");
  static const std::regex kSolve(R"(^Solve for \$x\$: \$(.*) = (.*)\$\.$)");
  if (std::regex_search(problem, m, kCompute)) {
    std::string e = m[1].str();
    e.erase(std::remove(e.begin(), e.end(), ' '), e.end());
    auto v = evaluateLatex(e);
    if (!v) return std::nullopt;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.12g", *v);
    return std::string(buf);
  }
  if (std::regex_match(problem, m, kSolve)) {
    // Linear in x: f(x) = lhs - rhs; x = -f(0) / (f(1) - f(0)).
    auto f = [&](double x) -> std::optional<double> {
      std::vector<double> vars(26, 0.0);
      vars['x' - 'a'] = x;
      auto strip = [](std::string e) {
        e.erase(std::remove(e.begin(), e.end(), ' '), e.end());
        return e;
      };
      auto l = evaluateLatex(strip(m[1].str()), vars), r = evaluateLatex(strip(m[2].str()), vars);
      if (!l || !r) return std::nullopt;
      return *l - *r;
    };
    auto f0 = f(0), f1 = f(1);
    if (!f0 || !f1 || *f1 == *f0) return std::nullopt;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.12g", -*f0 / (*f1 - *f0));
    return std::string(buf);
  }
  return std::nullopt;
}
}  // namespace

class TestProblems : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void loadsMath500() {
    auto s = loadJsonl(mathFile("test.jsonl"));
    LENS_VERIFY_OK(s);
    QCOMPARE(s->problems.size(), size_t{500});
    const auto& p = s->problems[0];
    QCOMPARE(p.key, std::string("test/precalculus/807.json"));
    QCOMPARE(p.subject, std::optional<std::string>("Precalculus"));
    QCOMPARE(p.level, std::optional<int>(2));
    QCOMPARE(p.answer, std::optional<std::string>("\\left( 3, \\frac{\\pi}{2} \\right)"));
    std::set<int> levels;
    for (const auto& q : s->problems) levels.insert(q.level.value_or(0));
    QCOMPARE(levels, (std::set<int>{1, 2, 3, 4, 5}));
  }

  void trainSplitToleratesUnknownLevels() {
    auto s = loadJsonl(mathFile("train.jsonl"));
    LENS_VERIFY_OK(s);
    QCOMPARE(s->problems.size(), size_t{12000});
    int unknown = 0;
    for (const auto& p : s->problems) unknown += p.level ? 0 : 1;
    QCOMPARE(unknown, 2);
  }

  void badJsonlNamesTheLine() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.jsonl").toStdString();
    test::writeText(path, "{\"problem\": \"1+1\", \"answer\": \"2\"}\n\n{not json}\n");
    auto s = loadJsonl(path);
    QVERIFY(!s.ok());
    QCOMPARE(s.error().message, path + ":3: not JSON");
    test::writeText(path, "{\"question\": \"1+1\"}\n");
    QVERIFY(loadJsonl(path).error().message.find(":1: no string field \"problem\"") != std::string::npos);
  }

  void loadsTheOriginalMathTree() {
    QTemporaryDir dir;
    namespace fs = std::filesystem;
    const fs::path root = fs::path(dir.path().toStdString()) / "MATH" / "test";
    auto write = [&](const std::string& rel, const json& j) {
      fs::create_directories((root / rel).parent_path());
      test::writeText((root / rel).string(), j.dump());
    };
    write("algebra/10.json", {{"problem", "p10"}, {"level", "Level 3"}, {"type", "Algebra"}, {"solution", "so \\boxed{10}"}});
    write("algebra/2.json", {{"problem", "p2"}, {"level", "Level 1"}, {"type", "Algebra"}, {"solution", "\\boxed{\\frac{1}{2}}"}});
    write("geometry/7.json", {{"problem", "p7"}, {"level", "Level ?"}, {"type", "Geometry"}, {"solution", "\\fbox{7}"}});
    auto s = loadMathTree(root.string());
    LENS_VERIFY_OK(s);
    QCOMPARE(s->problems.size(), size_t{3});
    QCOMPARE(s->problems[0].key, std::string("test/algebra/2.json"));  // numeric order within a folder
    QCOMPARE(s->problems[1].key, std::string("test/algebra/10.json"));
    QCOMPARE(s->problems[1].answer, std::optional<std::string>("10"));
    QCOMPARE(s->problems[0].level, std::optional<int>(1));
    QVERIFY(!s->problems[2].level);
    QCOMPARE(s->problems[2].subject, std::optional<std::string>("Geometry"));
    QCOMPARE(s->problems[2].answer, std::optional<std::string>("7"));
    write("algebra/bad.json", json::array());
    QVERIFY(!loadMathTree(root.string()).ok());
  }

  void filtersAndReproducibleSampling() {
    ProblemSource src;
    src.path = mathFile("test.jsonl");
    src.filter.subjects = {"algebra", "Number Theory"};
    src.filter.levels = {4, 5};
    auto s = loadProblems(src);
    LENS_VERIFY_OK(s);
    QVERIFY(!s->problems.empty());
    for (const auto& p : s->problems) {
      QVERIFY(*p.subject == "Algebra" || *p.subject == "Number Theory");
      QVERIFY(*p.level >= 4);
    }
    src.filter = {};
    src.filter.sample = 50;
    src.filter.sampleSeed = 7;
    auto a = loadProblems(src), b = loadProblems(src);
    src.filter.sampleSeed = 8;
    auto c = loadProblems(src);
    QCOMPARE(a->problems.size(), size_t{50});
    QCOMPARE(a->fingerprint, b->fingerprint);
    QVERIFY(a->fingerprint != c->fingerprint);
    for (size_t i = 1; i < a->problems.size(); ++i)  // file order kept
      QVERIFY(std::stoi(a->problems[i - 1].key.substr(a->problems[i - 1].key.rfind('/') + 1)) >= 0);
    src.filter = {};
    src.filter.levels = {9};
    QVERIFY(loadProblems(src).error().message.find("no problems left") != std::string::npos);
  }

  void arithIsDeterministicAndWellFormed() {
    for (int level = 1; level <= 5; ++level)
      for (uint64_t seed = 0; seed < 200; ++seed) {
        auto p = generateArith(level, seed);
        QCOMPARE(generateArith(level, seed).problem, p.problem);
        QCOMPARE(p.level, level);
        // MATH format: steps separated by blank lines, the last one boxes the answer.
        QVERIFY(p.solution.find("\n\n") != std::string::npos);
        QCOMPARE(lastBoxed(p.solution), std::optional<std::string>(p.answer));
        QVERIFY(p.solution.find("\n\n\n") == std::string::npos);
        // The answer is right: an independent evaluation of the statement agrees.
        auto v = solveIndependently(p.problem);
        QVERIFY2(v.has_value(), p.problem.c_str());
        QVERIFY2(answersEqual(*v, p.answer), (p.problem + " -> " + p.answer + " but evaluates to " + *v).c_str());
      }
  }

  void arithLevelsGrowInLength() {
    double prev = 0;
    for (int level = 1; level <= 5; ++level) {
      double steps = 0;
      for (uint64_t seed = 0; seed < 100; ++seed) {
        const auto s = generateArith(level, seed).solution;
        for (size_t pos = 0; (pos = s.find("\n\n", pos)) != std::string::npos; pos += 2) steps += 1;
      }
      QVERIFY2(steps / 100 >= prev, qPrintable(QString("level %1: %2 steps").arg(level).arg(steps / 100)));
      prev = steps / 100;
    }
  }

  void arithSplitsAreFixedAndDisjoint() {
    auto test = arithProblemSet(ArithSplit::Test), val = arithProblemSet(ArithSplit::Validation);
    auto train = arithProblemSet(ArithSplit::Train, 5000);
    LENS_VERIFY_OK(test);
    LENS_VERIFY_OK(val);
    LENS_VERIFY_OK(train);
    QCOMPARE(test->problems.size(), size_t{500});
    QCOMPARE(arithProblemSet(ArithSplit::Test)->fingerprint, test->fingerprint);
    std::map<int, int> perLevel;
    for (const auto& p : test->problems) ++perLevel[*p.level];
    QCOMPARE(perLevel, (std::map<int, int>{{1, 100}, {2, 100}, {3, 100}, {4, 100}, {5, 100}}));
    std::set<std::string> held;
    for (const auto& p : test->problems) held.insert(p.problem);
    for (const auto& p : val->problems) held.insert(p.problem);
    for (const auto& p : train->problems) QVERIFY2(!held.count(p.problem), p.problem.c_str());
    QVERIFY(!arithProblemSet(ArithSplit::Train).ok());  // train needs a count
    ProblemSource src;
    src.path = "builtin:arith";
    src.split = "validation";
    src.filter.levels = {5};
    QCOMPARE(loadProblems(src)->problems.size(), size_t{100});
    src.path = "builtin:nope";
    QVERIFY(!loadProblems(src).ok());
  }

  void promptFormats() {
    auto qwen = text::Tokenizer::load(test::fixture("tok-qwen2/tokenizer.json"));
    auto gpt2 = text::Tokenizer::load(test::fixture("tok-gpt2/tokenizer.json"));
    LENS_VERIFY_OK(qwen);
    LENS_VERIFY_OK(gpt2);
    QCOMPARE(resolvePromptFormat(PromptFormat::Auto, qwen->get()), PromptFormat::ChatMl);
    QCOMPARE(resolvePromptFormat(PromptFormat::Auto, gpt2->get()), PromptFormat::Raw);
    QCOMPARE(resolvePromptFormat(PromptFormat::Llama3, qwen->get()), PromptFormat::Llama3);  // overridable
    // A vocabulary with Llama 3's header tokens.
    json tj = json::parse(*readFile(test::fixture("tok-gpt2/tokenizer.json")));
    tj["added_tokens"].push_back({{"id", 50300}, {"content", "<|start_header_id|>"}, {"single_word", false}, {"lstrip", false},
                                  {"rstrip", false}, {"normalized", false}, {"special", true}});
    auto llama3 = text::Tokenizer::fromJson(tj.dump(), "llama3-like");
    LENS_VERIFY_OK(llama3);
    QCOMPARE(resolvePromptFormat(PromptFormat::Auto, llama3->get()), PromptFormat::Llama3);

    PromptParams p;
    const std::string chat = formatPrompt("What is 1+1?", PromptFormat::ChatMl, p);
    QVERIFY(chat.rfind("<|im_start|>system\nPlease reason step by step", 0) == 0);
    QVERIFY(chat.find("<|im_start|>user\nWhat is 1+1?<|im_end|>\n<|im_start|>assistant\n") != std::string::npos);
    // The chat text encodes with its special tokens as single ids.
    auto ids = (*qwen)->encode(chat, false);
    QCOMPARE(std::count(ids.begin(), ids.end(), *(*qwen)->tokenId("<|im_start|>")), 3L);
    QVERIFY(!addSpecialTokens(PromptFormat::ChatMl));
    QCOMPARE(formatPrompt("1+1", PromptFormat::Raw, p), std::string("Problem: 1+1\n\nSolution: "));
    p.stepDelimiter = "\n";
    QCOMPARE(formatPrompt("1+1", PromptFormat::Raw, p), std::string("Problem: 1+1\nSolution: "));
    QVERIFY(formatPrompt("q", PromptFormat::Llama3, p).find("<|start_header_id|>assistant<|end_header_id|>\n\n") != std::string::npos);
    QVERIFY(!parsePromptFormat("vicuna").ok());
  }
};

QTEST_GUILESS_MAIN(TestProblems)
#include "test_problems.moc"
