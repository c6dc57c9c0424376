// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mathdata/arith.h"

#include "core/common/hash.h"

#include <numeric>
#include <unordered_set>

namespace lens::mathdata {

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : m_gen(seed) {}
  int64_t uniform(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(m_gen.below(static_cast<uint64_t>(hi - lo + 1))); }
  bool coin() { return m_gen.next() & 1; }

 private:
  SplitMix64 m_gen;
};

struct Frac {
  int64_t n = 0, d = 1;
  Frac(int64_t num = 0, int64_t den = 1) : n(num), d(den) {
    if (d < 0) n = -n, d = -d;
    int64_t g = std::gcd(n < 0 ? -n : n, d);
    if (g > 1) n /= g, d /= g;
  }
  Frac operator+(Frac o) const { return Frac(n * o.d + o.n * d, d * o.d); }
  Frac operator-(Frac o) const { return Frac(n * o.d - o.n * d, d * o.d); }
  Frac operator*(Frac o) const { return Frac(n * o.n, d * o.d); }
};

std::string tex(Frac f) {
  if (f.d == 1) return std::to_string(f.n);
  return std::string(f.n < 0 ? "-" : "") + "\\frac{" + std::to_string(f.n < 0 ? -f.n : f.n) + "}{" + std::to_string(f.d) + "}";
}
std::string num(int64_t v) { return v < 0 ? "(" + std::to_string(v) + ")" : std::to_string(v); }
std::string fracTex(int64_t a, int64_t b) { return "\\frac{" + std::to_string(a) + "}{" + std::to_string(b) + "}"; }

ArithProblem finish(int level, std::string statement, std::vector<std::string> steps, Frac answer) {
  ArithProblem p;
  p.level = level;
  p.problem = std::move(statement);
  p.answer = tex(answer);
  steps.push_back("The answer is $\\boxed{" + p.answer + "}$.");
  for (size_t i = 0; i < steps.size(); ++i) p.solution += (i ? "\n\n" : "") + steps[i];
  return p;
}

// a op b, one step.
ArithProblem level1(Rng& r) {
  int64_t a = r.uniform(1, 20), b = r.uniform(1, 20);
  if (r.coin()) return finish(1, "Compute $" + num(a) + " + " + num(b) + "$.", {"We add: $" + num(a) + " + " + num(b) + " = " + std::to_string(a + b) + "$."}, a + b);
  if (a < b) std::swap(a, b);
  return finish(1, "Compute $" + num(a) + " - " + num(b) + "$.", {"We subtract: $" + num(a) + " - " + num(b) + " = " + std::to_string(a - b) + "$."}, a - b);
}

// a ± b × c or a × b ± c: multiplication first.
ArithProblem level2(Rng& r) {
  int64_t a = r.uniform(2, 99), b = r.uniform(2, 19), c = r.uniform(2, 12);
  const bool plus = r.coin();
  const char* op = plus ? " + " : " - ";
  if (r.coin()) {
    int64_t m = b * c, res = plus ? a + m : a - m;
    return finish(2, "Compute $" + num(a) + op + num(b) + " \\times " + num(c) + "$.",
                  {"Multiplication comes first: $" + num(b) + " \\times " + num(c) + " = " + std::to_string(m) + "$.",
                   std::string(plus ? "Then we add: $" : "Then we subtract: $") + num(a) + op + std::to_string(m) + " = " + std::to_string(res) + "$."},
                  res);
  }
  int64_t m = b * c, res = plus ? m + a : m - a;
  return finish(2, "Compute $" + num(b) + " \\times " + num(c) + op + num(a) + "$.",
                {"Multiplication comes first: $" + num(b) + " \\times " + num(c) + " = " + std::to_string(m) + "$.",
                 std::string(plus ? "Then we add: $" : "Then we subtract: $") + std::to_string(m) + op + num(a) + " = " + std::to_string(res) + "$."},
                res);
}

// (a ± b) × c ± d.
ArithProblem level3(Rng& r) {
  int64_t a = r.uniform(10, 99), b = r.uniform(10, 99), c = r.uniform(3, 19), d = r.uniform(10, 500);
  const bool inner = r.coin(), outer = r.coin();
  int64_t s = inner ? a + b : a - b, m = s * c, res = outer ? m + d : m - d;
  const std::string io = inner ? " + " : " - ", oo = outer ? " + " : " - ";
  return finish(3, "Compute $(" + num(a) + io + num(b) + ") \\times " + num(c) + oo + num(d) + "$.",
                {"First the brackets: $" + num(a) + io + num(b) + " = " + std::to_string(s) + "$.",
                 "Then the multiplication: $" + num(s) + " \\times " + num(c) + " = " + std::to_string(m) + "$.",
                 "Finally: $" + num(m) + oo + num(d) + " = " + std::to_string(res) + "$."},
                res);
}

ArithProblem level4(Rng& r) {
  if (r.coin()) {
    // a/b ± c/d
    int64_t b = r.uniform(2, 15), d = r.uniform(2, 15), a = r.uniform(1, b * 3), c = r.uniform(1, d * 3);
    const bool plus = r.coin();
    const int64_t den = std::lcm(b, d), an = a * (den / b), cn = c * (den / d), sum = plus ? an + cn : an - cn;
    const std::string op = plus ? " + " : " - ";
    return finish(4, "Compute $" + fracTex(a, b) + op + fracTex(c, d) + "$. Express your answer in lowest terms.",
                  {"The common denominator is $" + std::to_string(den) + "$, so $" + fracTex(a, b) + op + fracTex(c, d) + " = " +
                       fracTex(an, den) + op + fracTex(cn, den) + "$.",
                   "Combining the numerators: $" + fracTex(an, den) + op + fracTex(cn, den) + " = " + fracTex(sum, den) + "$.",
                   "In lowest terms this is $" + tex(Frac(sum, den)) + "$."},
                  Frac(sum, den));
  }
  // a x + b = c with an integer solution
  int64_t a = r.uniform(3, 19), x = r.uniform(-40, 60), b = r.uniform(-300, 300);
  if (b == 0) b = 7;
  int64_t c = a * x + b;
  const std::string lhs = std::to_string(a) + "x " + (b < 0 ? "- " : "+ ") + std::to_string(b < 0 ? -b : b);
  return finish(4, "Solve for $x$: $" + lhs + " = " + std::to_string(c) + "$.",
                {std::string(b < 0 ? "Add $" : "Subtract $") + std::to_string(b < 0 ? -b : b) + "$ from both sides: $" +
                     std::to_string(a) + "x = " + std::to_string(c) + (b < 0 ? " + " : " - ") + std::to_string(b < 0 ? -b : b) +
                     " = " + std::to_string(a * x) + "$.",
                 "Divide both sides by $" + std::to_string(a) + "$: $x = " + fracTex(a * x, a) + " = " + std::to_string(x) + "$.",
                 "Check: $" + std::to_string(a) + " \\times " + num(x) + (b < 0 ? " - " : " + ") + std::to_string(b < 0 ? -b : b) +
                     " = " + std::to_string(c) + "$."},
                x);
}

ArithProblem level5(Rng& r) {
  switch (r.uniform(0, 2)) {
    case 0: {
      // a(x + b) - c = d
      int64_t a = r.uniform(3, 19), x = r.uniform(-50, 80), b = r.uniform(5, 60), c = r.uniform(10, 500);
      int64_t d = a * (x + b) - c;
      return finish(5, "Solve for $x$: $" + std::to_string(a) + "(x + " + std::to_string(b) + ") - " + std::to_string(c) + " = " + std::to_string(d) + "$.",
                    {"Add $" + std::to_string(c) + "$ to both sides: $" + std::to_string(a) + "(x + " + std::to_string(b) + ") = " +
                         std::to_string(d + c) + "$.",
                     "Divide by $" + std::to_string(a) + "$: $x + " + std::to_string(b) + " = " + std::to_string(x + b) + "$.",
                     "Subtract $" + std::to_string(b) + "$: $x = " + std::to_string(x) + "$.",
                     "Check: $" + std::to_string(a) + "(" + num(x) + " + " + std::to_string(b) + ") - " + std::to_string(c) + " = " +
                         std::to_string(d) + "$."},
                    x);
    }
    case 1: {
      // a x + b = c x + d, a > c
      int64_t c = r.uniform(2, 15), a = c + r.uniform(2, 14), x = r.uniform(-40, 60), b = r.uniform(-300, 300);
      int64_t d = (a - c) * x + b;
      auto side = [](int64_t k, int64_t m) { return std::to_string(k) + "x " + (m < 0 ? "- " : "+ ") + std::to_string(m < 0 ? -m : m); };
      return finish(5, "Solve for $x$: $" + side(a, b) + " = " + side(c, d) + "$.",
                    {"Subtract $" + std::to_string(c) + "x$ from both sides: $" + side(a - c, b) + " = " + std::to_string(d) + "$.",
                     "Subtract $" + num(b) + "$ from both sides: $" + std::to_string(a - c) + "x = " + std::to_string(d - b) + "$.",
                     "Divide by $" + std::to_string(a - c) + "$: $x = " + std::to_string(x) + "$.",
                     "Check: both sides equal $" + std::to_string(a * x + b) + "$ at $x = " + std::to_string(x) + "$."},
                    x);
    }
    default: {
      // a/b × c/d + e/f
      int64_t b = r.uniform(2, 12), d = r.uniform(2, 12), f = r.uniform(2, 15);
      int64_t a = r.uniform(1, 15), c = r.uniform(1, 15), e = r.uniform(1, 15);
      Frac p = Frac(a, b) * Frac(c, d), res = p + Frac(e, f);
      const int64_t den = std::lcm(p.d, f), pn = p.n * (den / p.d), en = e * (den / f);
      return finish(5, "Compute $" + fracTex(a, b) + " \\times " + fracTex(c, d) + " + " + fracTex(e, f) + "$. Express your answer in lowest terms.",
                    {"Multiply first: $" + fracTex(a, b) + " \\times " + fracTex(c, d) + " = " + fracTex(a * c, b * d) + " = " + tex(p) + "$.",
                     "The common denominator of $" + tex(p) + "$ and $" + fracTex(e, f) + "$ is $" + std::to_string(den) + "$: $" +
                         fracTex(pn, den) + " + " + fracTex(en, den) + " = " + fracTex(pn + en, den) + "$.",
                     "In lowest terms this is $" + tex(res) + "$."},
                    res);
    }
  }
}

// Seeds of the evaluation splits and of train live in disjoint streams.
constexpr uint64_t kTestStream = 0x7e57000000000000ULL, kValStream = 0x7a1d000000000000ULL, kTrainStream = 0x7a10000000000000ULL;

ProblemSet evalSplit(uint64_t stream, const std::string& name, int64_t count) {
  ProblemSet s;
  s.name = "arith-" + name;
  s.source = "builtin:arith";
  for (int64_t i = 0; i < count; ++i) {
    const int level = static_cast<int>(i % 5) + 1;
    auto a = generateArith(level, stream + static_cast<uint64_t>(i));
    s.problems.push_back({"arith/" + name + "/" + std::to_string(i), a.problem, a.solution, a.answer, "Arithmetic", level});
  }
  s.fingerprint = fingerprintOf(s.problems);
  return s;
}

}  // namespace

Result<ArithSplit> parseArithSplit(const std::string& name) {
  if (name == "train") return ArithSplit::Train;
  if (name == "validation") return ArithSplit::Validation;
  if (name == "test") return ArithSplit::Test;
  return makeError(ErrorCode::InvalidInput, "builtin:arith: unknown split '" + name + "' (train, validation, test)");
}

ArithProblem generateArith(int level, uint64_t seed) {
  Rng r(seed * 31 + static_cast<uint64_t>(level));
  switch (level) {
    case 1: return level1(r);
    case 2: return level2(r);
    case 3: return level3(r);
    case 4: return level4(r);
    default: return level5(r);
  }
}

Result<ProblemSet> arithProblemSet(ArithSplit split, int64_t count) {
  if (split == ArithSplit::Test) {
    if (count > kArithEvalSplitSize) return makeError(ErrorCode::InvalidInput, "dataset.count: " + std::to_string(count) + " is more than the 500 problems of builtin:arith test");
    return evalSplit(kTestStream, "test", count > 0 ? count : kArithEvalSplitSize);
  }
  if (split == ArithSplit::Validation) {
    if (count > kArithEvalSplitSize) return makeError(ErrorCode::InvalidInput, "dataset.count: " + std::to_string(count) + " is more than the 500 problems of builtin:arith validation");
    return evalSplit(kValStream, "validation", count > 0 ? count : kArithEvalSplitSize);
  }
  if (count <= 0) return makeError(ErrorCode::InvalidInput, "builtin:arith train: give a count (it is unlimited)");
  std::unordered_set<std::string> held;
  for (uint64_t stream : {kTestStream, kValStream})
    for (const auto& p : evalSplit(stream, "x", kArithEvalSplitSize).problems) held.insert(p.problem);
  ProblemSet s;
  s.name = "arith-train";
  s.source = "builtin:arith";
  for (uint64_t seed = 0; static_cast<int64_t>(s.problems.size()) < count; ++seed) {
    const int level = static_cast<int>(seed % 5) + 1;
    auto a = generateArith(level, kTrainStream + seed);
    if (held.count(a.problem)) continue;
    s.problems.push_back({"arith/train/" + std::to_string(seed), a.problem, a.solution, a.answer, "Arithmetic", level});
  }
  s.fingerprint = fingerprintOf(s.problems);
  return s;
}

}  // namespace lens::mathdata
