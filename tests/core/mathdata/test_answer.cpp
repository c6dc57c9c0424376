// SPDX-License-Identifier: GPL-3.0-or-later
// Answer extraction and equivalence: a table of pairs after the MATH and PRM800K graders'
// normalisations, and the MATH-500 references checked against their own solutions.
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "core/mathdata/answer.h"

using namespace lens::mathdata;

namespace {
struct Pair {
  const char* given;
  const char* reference;
  bool equal;
};

// clang-format off
const Pair kPairs[] = {
  // identical and whitespace
  {"5", "5", true}, {" 5 ", "5", true}, {"x + 1", "x+1", true}, {"\\frac{1}{2}", "\\frac{1} {2}", true},
  {"5", "6", false}, {"-5", "5", false}, {"", "5", false}, {"5", "", false},
  // \left / \right, \dfrac / \tfrac
  {"\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})", true},
  {"\\dfrac{3}{4}", "\\frac{3}{4}", true}, {"\\tfrac{3}{4}", "\\frac34", true}, {"\\dfrac{3}{4}", "\\frac{4}{3}", false},
  // \frac12 and \sqrt2 shorthands
  {"\\frac12", "\\frac{1}{2}", true}, {"\\frac1{2}", "0.5", true}, {"\\frac{1}2", "1/2", true},
  {"\\sqrt2", "\\sqrt{2}", true}, {"\\frac{\\sqrt3}{2}", "\\frac{\\sqrt{3}}{2}", true}, {"\\sqrt3", "\\sqrt{2}", false},
  {"2\\sqrt2", "\\sqrt{8}", true}, {"\\sqrt{12}", "2\\sqrt{3}", true}, {"\\sqrt{12}", "3\\sqrt{2}", false},
  // units and \text
  {"10\\text{ inches}", "10", true}, {"10 \\text{cm}", "10", true}, {"10\\text{ cm}^2", "10", false},
  {"12 square units", "12", true}, {"5 cm", "5", true}, {"\\text{(C)}", "(C)", true}, {"\\text{C}", "C", true},
  {"\\text{east}", "east", true}, {"\\text{East}", "east", true}, {"\\textbf{(A)}", "(A)", true},
  {"\\mbox{Sunday}", "\\text{Sunday}", true}, {"\\text{Monday}", "\\text{Sunday}", false},
  {"7\\text{ dollars}", "7", true}, {"8 \\mbox{ ways}", "8", true},
  // degrees
  {"30^\\circ", "30", true}, {"30^{\\circ}", "30", true}, {"30°", "30", true}, {"45^\\circ", "30", false},
  // dollars and percent
  {"\\$5.50", "5.50", true}, {"\\$5.50", "5.5", true}, {"$5$", "5", true}, {"25\\%", "25", true}, {"25%", "25", true},
  {"\\$1,000", "1000", true}, {"25\\%", "0.25", false},
  // leading "x ="
  {"x = 5", "5", true}, {"x=5", "5", true}, {"k = -3", "-3", true}, {"y = 2x + 1", "2x+1", true},
  {"x_1 = 4", "4", true}, {"\\theta = \\frac{\\pi}{4}", "\\frac{\\pi}{4}", true}, {"x = 5", "6", false},
  {"f(x) = x^2", "x^2", true},
  // trailing periods
  {"5.", "5", true}, {"5. ", "5", true}, {"\\frac{1}{2}.", "\\frac12", true},
  // thousands separators vs tuples
  {"1,000", "1000", true}, {"1,000,000", "1000000", true}, {"12,345.5", "12345.5", true}, {"1{,}000", "1000", true},
  {"1,00", "100", false}, {"1\\!000", "1000", true},
  // integers, decimals, fractions
  {"0.5", "\\frac{1}{2}", true}, {".5", "\\frac12", true}, {"0.25", "\\frac{1}{4}", true}, {"2.0", "2", true},
  {"3", "3.0", true}, {"-0.5", "-\\frac{1}{2}", true}, {"\\frac{-1}{2}", "-\\frac{1}{2}", true},
  {"\\frac{6}{8}", "\\frac{3}{4}", true}, {"0.33", "\\frac{1}{3}", false}, {"0.333333", "\\frac13", false},
  {"\\frac{1}{3}", "\\frac{2}{6}", true}, {"1/3", "\\frac{1}{3}", true}, {"4/2", "2", true}, {"2", "\\frac{5}{2}", false},
  {"1.5", "\\frac{3}{2}", true}, {"-2.5", "-\\frac52", true}, {"10^{3}", "1000", true}, {"2^{10}", "1024", true},
  {"2^{-1}", "0.5", true}, {"1.25\\times 10^2", "125", true},
  // pi and simple expressions
  {"\\pi", "3.14159265358979", true}, {"2\\pi", "2 \\pi", true}, {"\\frac{\\pi}{2}", "\\frac{1}{2}\\pi", true},
  {"3\\pi", "\\pi\\cdot 3", true}, {"\\pi/4", "\\frac{\\pi}{4}", true}, {"\\pi", "3.14", false},
  {"\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", true}, {"\\sqrt{2}/2", "\\frac{\\sqrt{2}}{2}", true},
  {"1+\\sqrt{3}", "\\sqrt{3}+1", true}, {"1-\\sqrt{3}", "\\sqrt{3}-1", false}, {"2(3+4)", "14", true},
  {"3 \\cdot 4", "12", true}, {"3 \\times 4", "12", true}, {"12 \\div 4", "3", true}, {"5!", "120", true},
  {"\\sqrt[3]{8}", "2", true}, {"\\frac{3\\sqrt{5}}{5}", "\\frac{3}{\\sqrt{5}}", true},
  // expressions with variables
  {"x+1", "1+x", true}, {"2x", "x+x", true}, {"x^2+2x+1", "(x+1)^2", true}, {"x+1", "x+2", false},
  {"x", "y", false}, {"\\frac{x}{2}", "0.5x", true}, {"3a+2b", "2b+3a", true}, {"ab", "ba", true},
  {"x^2-1", "(x-1)(x+1)", true}, {"2x+3", "3x+2", false}, {"\\frac{1}{x}", "x^{-1}", true},
  {"-x^2", "-(x^2)", true}, {"\\sin\\theta", "\\sin \\theta", true},
  // words are not products of variables
  {"east", "seat", false}, {"\\text{yes}", "yes", true}, {"\\text{no}", "\\text{yes}", false}, {"odd", "\\text{odd}", true},
  {"neither", "\\text{neither}", true}, {"even", "odd", false},
  // tuples and points, in order
  {"(1, 2)", "(1,2)", true}, {"(2,1)", "(1,2)", false}, {"(1,2,3)", "(1,2)", false}, {"(0.5, 3)", "(\\frac12,3)", true},
  {"\\left(-2, \\frac{1}{3}\\right)", "(-2,\\frac{1}{3})", true}, {"(3, \\pi)", "(3,\\pi)", true},
  {"(1, 2)", "[1, 2]", false}, {"(a, b)", "(a,b)", true},
  // intervals, brackets matter
  {"[1, 2)", "[1,2)", true}, {"[1, 2)", "(1,2]", false}, {"(-\\infty, 3]", "(-\\infty,3]", true},
  {"(-\\infty, 3)", "(-\\infty,3]", false}, {"(-\\infty,0)\\cup(1,\\infty)", "(-\\infty, 0) \\cup (1, \\infty)", true},
  {"[0.5, 1]", "[\\frac12, 1]", true}, {"(2,\\infty)", "(2, \\infty)", true}, {"(2,\\infty)", "(3,\\infty)", false},
  // sets and comma lists, any order
  {"\\{1, 2, 3\\}", "\\{3,2,1\\}", true}, {"\\{1,2\\}", "\\{1,3\\}", false}, {"\\{1,2\\}", "\\{1,2,3\\}", false},
  {"1, 2", "2, 1", true}, {"-2, 1", "1,-2", true}, {"1, 2", "1, 3", false}, {"3, 5, 7", "7,3,5", true},
  {"\\frac12, 2", "2, 0.5", true}, {"1, 1, 2", "1, 2, 2", false}, {"\\{-1, \\frac{1}{2}\\}", "\\frac12,-1", true},
  // matrices
  {"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", true},
  {"\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", true},
  {"\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix}1&2\\\\4&3\\end{pmatrix}", false},
  {"\\begin{pmatrix} 0.5 \\\\ -1 \\end{pmatrix}", "\\begin{pmatrix}\\frac{1}{2}\\\\-1\\end{pmatrix}", true},
  {"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\\\3\\end{pmatrix}", false},
  {"\\begin{bmatrix} 1 & 0 \\\\ 0 & 1 \\end{bmatrix}", "\\begin{bmatrix}1&0\\\\0&1\\end{bmatrix}", true},
  {"(1,2)", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", false},
  // boxed answers given whole, \! and thin spaces
  {"\\boxed{7}", "7", true}, {"\\boxed{\\frac{1}{2}}", "0.5", true}, {"1\\,000", "1000", true},
  // multiple choice and letters
  {"(A)", "(A)", true}, {"(A)", "(B)", false}, {"A", "a", true}, {"B", "A", false},
  // infinity, negatives, zero
  {"\\infty", "\\infty", true}, {"-\\infty", "\\infty", false}, {"0", "-0", true}, {"0", "0.0", true}, {"-0.0", "0", true},
  // large and small numbers
  {"1000000", "10^6", true}, {"0.001", "\\frac{1}{1000}", true}, {"123456789", "123456788", false},
  // pm is not one number
  {"1\\pm\\sqrt{2}", "1+\\sqrt{2}", false},
  // equations that are not "x = value"
  {"y = 2x + 3", "y=2x+3", true}, {"x + y = 5", "5", false},
  // base subscripts compare as text
  {"1011_2", "1011_2", true}, {"1011_2", "1011", false},
  // mixed numbers, as PRM800K reads them (MATH-500 has 1\frac{4}{5} and 137 \frac{1}{2})
  {"2\\frac{1}{4}", "\\frac{9}{4}", true}, {"2 \\frac14", "\\frac94", true}, {"2 1/4", "9/4", true},
  {"2\\dfrac{1}{4}", "2.25", true}, {"1\\frac{4}{5}", "\\frac{9}{5}", true}, {"137 \\frac{1}{2}", "137.5", true},
  {"-2\\frac{1}{4}", "-\\frac{9}{4}", true}, {"2\\frac{1}{4}", "\\frac{1}{2}", false}, {"2 1/4", "21/4", false},
  {"2\\frac{1}{4}\\text{ inches}", "\\frac94", true}, {"(1\\frac12, 3)", "(\\frac32,3)", true},
  {"2\\frac{\\sqrt{3}}{3}", "\\frac{2\\sqrt{3}}{3}", true}, {"3\\frac{x}{2}", "1.5x", true},
  {"2^3\\frac{1}{2}", "4", true}, {"\\frac{1}{2} 3/4", "\\frac{5}{4}", false},
  // PRM800K's words: "or" / "and" between solutions, million and billion
  {"1 or 2", "1, 2", true}, {"3 and -1", "-1, 3", true}, {"1 or 2", "1, 3", false},
  {"5 months", "5", true}, {"12 yards", "12", true}, {"3 million", "3000000", true}, {"2.5 billion", "2500000000", true}, {"3 million", "300000", false},
};
// clang-format on
}  // namespace

class TestAnswer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void pairs_data() {
    QTest::addColumn<QString>("given");
    QTest::addColumn<QString>("reference");
    QTest::addColumn<bool>("equal");
    int i = 0;
    for (const auto& p : kPairs)
      QTest::addRow("%d: %s vs %s", i++, p.given, p.reference) << QString(p.given) << QString(p.reference) << p.equal;
  }
  void pairs() {
    QFETCH(QString, given);
    QFETCH(QString, reference);
    QFETCH(bool, equal);
    const bool got = answersEqual(given.toStdString(), reference.toStdString());
    QVERIFY2(got == equal, qPrintable(QString("normalised: '%1' vs '%2'")
                                          .arg(QString::fromStdString(normalizeAnswer(given.toStdString())))
                                          .arg(QString::fromStdString(normalizeAnswer(reference.toStdString())))));
    // Equivalence is symmetric.
    QCOMPARE(answersEqual(reference.toStdString(), given.toStdString()), equal);
  }
  void atLeast150Pairs() { QVERIFY(sizeof kPairs / sizeof *kPairs >= 150); }

  void extraction_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("answer");  // "<none>" when nothing should be found
    QTest::newRow("boxed") << "so $x = \\boxed{5}$." << "5";
    QTest::newRow("nested") << "\\boxed{\\frac{1}{\\sqrt{2}}}" << "\\frac{1}{\\sqrt{2}}";
    QTest::newRow("last of two") << "\\boxed{1} then \\boxed{2}" << "2";
    QTest::newRow("fbox") << "\\fbox{(3,4)}" << "(3,4)";
    QTest::newRow("fbox after boxed") << "\\boxed{1} \\fbox{9}" << "9";
    QTest::newRow("boxed space") << "$\\boxed 7$" << "7";
    QTest::newRow("escaped brace") << "\\boxed{\\{1,2\\}}" << "\\{1,2\\}";
    QTest::newRow("unclosed") << "\\boxed{12" << "<none>";
    QTest::newRow("minerva") << "Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct." << "\\frac{3}{4}";
    QTest::newRow("the answer is") << "We add them.\nThe answer is 42." << "42";
    QTest::newRow("answer colon") << "Answer: -7" << "-7";
    QTest::newRow("none") << "I do not know." << "<none>";
    QTest::newRow("box wins") << "The answer is 3. Actually \\boxed{4}" << "4";
  }
  void extraction() {
    QFETCH(QString, text);
    QFETCH(QString, answer);
    auto got = extractAnswer(text.toStdString());
    QCOMPARE(QString::fromStdString(got.value_or("<none>")), answer);
  }

  void evaluator() {
    const double nan = std::nan("");
    LENS_COMPARE_NEAR(evaluateLatex("\\frac{1}{2}+\\sqrt{4}").value_or(nan), 2.5, 1e-12);
    QVERIFY(!evaluateLatex("2^3^2"));  // a double superscript is a LaTeX error, not a number
    LENS_COMPARE_NEAR(evaluateLatex("-2^2").value_or(nan), -4.0, 1e-12);
    std::vector<double> vars(26, 0.0);
    vars['x' - 'a'] = 3.0;
    LENS_COMPARE_NEAR(evaluateLatex("x^2+2x", vars).value_or(nan), 15.0, 1e-12);
    QVERIFY(!evaluateLatex("x^2", {1.0}));  // x is unbound
    QVERIFY(!evaluateLatex("1+"));
    QVERIFY(!evaluateLatex("\\frac{1}"));
    QVERIFY(!evaluateLatex("(1,2)"));
  }

  // Every MATH-500 reference answer equals its solution's last box, and answers of different
  // problems are rarely "equal" (a grader that says yes to everything would pass the first check).
  void math500() {
    std::ifstream in(lens::test::sharedDir() + "/data/math/test.jsonl");
    QVERIFY(in.good());
    std::vector<std::string> answers;
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line);
      const std::string ref = j["answer"], solution = j["solution"];
      auto boxed = lastBoxed(solution);
      QVERIFY2(boxed.has_value(), j["unique_id"].get<std::string>().c_str());
      QVERIFY2(answersEqual(*boxed, ref), (j["unique_id"].get<std::string>() + ": " + *boxed + " vs " + ref).c_str());
      QVERIFY(answersEqual(extractAnswer(solution).value_or(""), ref));
      answers.push_back(ref);
    }
    QCOMPARE(answers.size(), size_t{500});
    int coincidences = 0;
    for (size_t i = 0; i + 1 < answers.size(); ++i)
      coincidences += answersEqual(answers[i], answers[i + 1]) && normalizeAnswer(answers[i]) != normalizeAnswer(answers[i + 1]);
    QVERIFY2(coincidences <= 2, qPrintable(QString::number(coincidences)));
  }
};

QTEST_GUILESS_MAIN(TestAnswer)
#include "test_answer.moc"
