// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mathdata/answer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <regex>

namespace lens::mathdata {

namespace {

bool startsWith(const std::string& s, size_t pos, const char* p) { return s.compare(pos, std::strlen(p), p) == 0; }

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// Index of the '}' matching the '{' at `open`, or npos.
size_t matchBrace(const std::string& s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
      ++i;  // an escaped brace does not nest
      continue;
    }
    if (s[i] == '{') ++depth;
    else if (s[i] == '}' && --depth == 0) return i;
  }
  return std::string::npos;
}

// \cmd{content} → replace(content) for every occurrence (inner first is unnecessary: no nesting of
// the same text command in answers).
template <class F>
void rewriteCommand(std::string& s, const std::string& cmd, F&& replace) {
  for (size_t pos = s.find(cmd); pos != std::string::npos; pos = s.find(cmd, pos)) {
    size_t open = pos + cmd.size();
    while (open < s.size() && s[open] == ' ') ++open;
    if (open >= s.size() || s[open] != '{') {
      pos += cmd.size();
      continue;
    }
    size_t close = matchBrace(s, open);
    if (close == std::string::npos) return;
    std::string inner = s.substr(open + 1, close - open - 1);
    std::string rep = replace(inner, pos, close + 1);
    s.replace(pos, close + 1 - pos, rep);
    pos += rep.size();
  }
}

// \sqrt2 → \sqrt{2}; \frac12 → \frac{1}{2}, \frac1{2} → \frac{1}{2}, \frac{1}2 → \frac{1}{2}.
void fixShortArguments(std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (startsWith(s, i, "\\sqrt") && i + 5 < s.size() && s[i + 5] != '{' && s[i + 5] != '[' && s[i + 5] != '\\') {
      out += "\\sqrt{";
      out += s[i + 5];
      out += "}";
      i += 6;
      continue;
    }
    if (startsWith(s, i, "\\frac") && i + 5 < s.size()) {
      size_t j = i + 5;
      std::string args[2];
      bool ok = true;
      for (auto& a : args) {
        if (j >= s.size()) {
          ok = false;
          break;
        }
        if (s[j] == '{') {
          size_t close = matchBrace(s, j);
          if (close == std::string::npos) {
            ok = false;
            break;
          }
          a = s.substr(j, close - j + 1);
          j = close + 1;
        } else if (s[j] == '\\') {
          ok = false;  // \frac\pi2: rare; leave as is
          break;
        } else {
          a = std::string("{") + s[j] + "}";
          ++j;
        }
      }
      if (ok) {
        std::string a0 = args[0], a1 = args[1];
        fixShortArguments(a0);
        fixShortArguments(a1);
        out += "\\frac" + a0 + a1;
        i = j;
        continue;
      }
    }
    out += s[i++];
  }
  s = out;
}

// A mixed number written the MATH way, 2\frac{1}{4}, 2 \frac14 or 2 1/4, becomes the improper
// fraction \frac{9}{4} (PRM800K's grader reads them so; a sign in front applies to the whole
// number, -2\frac14 = -\frac{9}{4}). Only a whole number of digits followed by a fraction of two
// whole numbers counts, and only where nothing binds to either side: 2\frac{\sqrt3}{3}, x 1/4,
// 2^3\frac12 and 2\frac12x stay products. Runs before spaces are removed ("2 1/4" ≠ "21/4").
void rewriteMixedNumbers(std::string& s) {
  auto oneOf = [](char c, const char* set) { return c != '\0' && std::strchr(set, c) != nullptr; };
  auto digitsAt = [&](size_t i) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    return j - i;
  };
  auto spacesAt = [&](size_t i) {
    while (i < s.size() && s[i] == ' ') ++i;
    return i;
  };
  // A fraction's argument: {digits} (spaces allowed inside) or one digit; sets `end` past it.
  auto wholeArgument = [&](size_t i, std::string& out, size_t& end) {
    i = spacesAt(i);
    if (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      out = s.substr(i, 1);
      end = i + 1;
      return true;
    }
    if (i >= s.size() || s[i] != '{') return false;
    size_t a = spacesAt(i + 1), n = digitsAt(a), b = spacesAt(a + n);
    if (n == 0 || b >= s.size() || s[b] != '}') return false;
    out = s.substr(a, n);
    end = b + 1;
    return true;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) continue;
    const size_t start = i, n = digitsAt(i);
    i += n - 1;  // the loop's ++i moves past this number whatever follows
    if (start > 0 && !oneOf(s[start - 1], " (,[{=+-")) continue;
    if (start > 0 && s[start - 1] == '{' && start > 1 && s[start - 2] == '^') continue;
    size_t j = spacesAt(start + n);
    std::string num, den;
    size_t end = 0;
    if (startsWith(s, j, "\\frac") && !std::isalpha(static_cast<unsigned char>(j + 5 < s.size() ? s[j + 5] : ' '))) {
      size_t mid = 0;
      if (!wholeArgument(j + 5, num, mid) || !wholeArgument(mid, den, end)) continue;
    } else if (j > start + n) {  // "2 1/4": a space, then digits/digits
      size_t a = digitsAt(j);
      if (a == 0 || j + a >= s.size() || s[j + a] != '/') continue;
      size_t b = digitsAt(j + a + 1);
      if (b == 0) continue;
      num = s.substr(j, a);
      den = s.substr(j + a + 1, b);
      end = j + a + 1 + b;
    } else {
      continue;
    }
    const size_t after = spacesAt(end);
    if (after < s.size() && !oneOf(s[after], ",)]}+-=;&") && !startsWith(s, after, "\\}") &&
        !startsWith(s, after, "\\\\"))
      continue;
    if (n > 9 || num.size() > 9 || den.size() > 9) continue;
    const long long whole = std::stoll(s.substr(start, n)), p = std::stoll(num), q = std::stoll(den);
    if (q == 0) continue;
    const std::string improper = "\\frac{" + std::to_string(whole * q + p) + "}{" + std::to_string(q) + "}";
    s.replace(start, end - start, improper);
    i = start + improper.size() - 1;
  }
}

const std::vector<std::string>& unitWords() {
  static const std::vector<std::string> u = {
      "square units", "sq units", "square feet", "square inches", "square meters", "square centimeters", "sq ft",
      "cubic units",  "cubic feet", "cubic inches", "units", "unit", "degrees", "degree", "centimeters", "centimeter",
      "meters",       "meter",    "cm",            "mm",            "km",            "inches", "inch", "feet", "foot",
      "ft",           "miles",    "mile",          "mph",           "hours",         "hour",   "minutes", "minute",
      "seconds",      "second",   "days",          "day",           "weeks",         "week",    "months", "month", "years", "year", "yards", "yard",  "cents", "cent",
      "dollars",      "dollar",   "pounds",        "ounces",        "liters",        "gallons", "people", "ways"};
  return u;
}

bool hasDigit(const std::string& s) { return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }); }

}  // namespace

std::optional<std::string> lastBoxed(const std::string& text) {
  size_t a = text.rfind("\\boxed"), b = text.rfind("\\fbox");
  size_t pos = a == std::string::npos ? b : (b == std::string::npos ? a : std::max(a, b));
  if (pos == std::string::npos) return std::nullopt;
  size_t i = pos + (pos == a ? 6 : 5);
  if (i < text.size() && text[i] == ' ') {
    // "\boxed 5$": up to the closing dollar (MATH's last_boxed_only_string).
    size_t end = text.find('$', i);
    return trim(text.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1));
  }
  while (i < text.size() && text[i] == ' ') ++i;
  if (i >= text.size() || text[i] != '{') return std::nullopt;
  size_t close = matchBrace(text, i);
  if (close == std::string::npos) return std::nullopt;
  return text.substr(i + 1, close - i - 1);
}

std::optional<std::string> extractAnswer(const std::string& text) {
  if (auto b = lastBoxed(text)) return b;
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* marker : {"final answer is", "the answer is", "answer:"}) {
    size_t pos = lower.rfind(marker);
    if (pos == std::string::npos) continue;
    std::string rest = text.substr(pos + std::strlen(marker));
    size_t hope = rest.find("I hope");
    if (hope != std::string::npos) rest = rest.substr(0, hope);
    size_t nl = rest.find('\n');
    if (nl != std::string::npos) rest = rest.substr(0, nl);
    rest = trim(rest);
    while (!rest.empty() && (rest.back() == '.' || rest.back() == ' ')) rest.pop_back();
    // "$x$" → x
    if (rest.size() >= 2 && rest.front() == '$' && rest.back() == '$') rest = rest.substr(1, rest.size() - 2);
    rest = trim(rest);
    if (!rest.empty()) return rest;
  }
  return std::nullopt;
}

std::string normalizeAnswer(const std::string& answer) {
  std::string s = trim(answer);
  if (auto b = lastBoxed(s); b && s.rfind("\\boxed", 0) == 0) s = *b;  // a boxed answer given as is
  replaceAll(s, "\n", "");
  replaceAll(s, "\r", "");
  // Thin spaces (\! \, \; \: "\ "), but not the row break "\\" of a matrix followed by a space.
  replaceAll(s, "\\\\", "\x01");
  for (const char* thin : {"\\!", "\\,", "\\;", "\\:", "\\ ", "~"}) replaceAll(s, thin, " ");
  replaceAll(s, "\x01", "\\\\");
  replaceAll(s, "\\dfrac", "\\frac");
  replaceAll(s, "\\tfrac", "\\frac");
  replaceAll(s, "\\left", "");
  replaceAll(s, "\\right", "");
  replaceAll(s, "\\displaystyle", "");
  for (const char* deg : {"^{\\circ}", "^\\circ", "{}^\\circ", "°", "^{\\circ }"}) replaceAll(s, deg, "");
  replaceAll(s, "\\$", "");
  replaceAll(s, "$", "");
  replaceAll(s, "\\%", "");
  replaceAll(s, "%", "");
  replaceAll(s, "{,}", "");
  // \text{…}: a unit after a quantity is dropped ("10\text{ inches}"), other text is unwrapped.
  for (const char* cmd : {"\\text", "\\textbf", "\\mbox", "\\mathrm", "\\textnormal", "\\mathbf"}) {
    rewriteCommand(s, cmd, [&](const std::string& inner, size_t begin, size_t end) -> std::string {
      const std::string before = s.substr(0, begin);
      const bool trailing = trim(s.substr(end)).empty();
      if (trailing && hasDigit(before)) return "";
      return inner;
    });
  }
  s = trim(s);
  // PRM800K's words: "1 or 2" and "1 and 2" list solutions; "3 million" is 3·10^6.
  replaceAll(s, " or ", ", ");
  replaceAll(s, " and ", ", ");
  static const std::regex kLarge(R"((\d)\s*(million|billion|trillion)$)");
  std::smatch large;
  if (std::regex_search(s, large, kLarge)) {
    const std::string& w = large[2].str();
    s = s.substr(0, static_cast<size_t>(large.position(0))) + large[1].str() + "\\cdot10^{" +
        (w == "million" ? "6" : w == "billion" ? "9" : "12") + "}";
  }
  // Unit words after a number: "5 cm", "12 square units".
  for (const auto& w : unitWords()) {
    if (s.size() > w.size() + 1 && s.compare(s.size() - w.size(), w.size(), w) == 0) {
      std::string head = trim(s.substr(0, s.size() - w.size()));
      if (!head.empty() && (std::isdigit(static_cast<unsigned char>(head.back())) || head.back() == '}')) {
        s = head;
        break;
      }
    }
  }
  // A leading "x =" / "k=" (one short name on the left, one '=' in all).
  if (std::count(s.begin(), s.end(), '=') == 1) {
    size_t eq = s.find('=');
    std::string lhs = trim(s.substr(0, eq));
    static const std::regex kName(R"(^(\\?[A-Za-z]+(_\{?\w+\}?)?|[A-Za-z]\([A-Za-z]\))$)");
    if (!lhs.empty() && lhs.size() <= 7 && std::regex_match(lhs, kName)) s = trim(s.substr(eq + 1));
  }
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
  if (s.size() >= 2 && s.compare(s.size() - 2, 2, "\\.") == 0) s.resize(s.size() - 2);
  rewriteMixedNumbers(s);
  s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); }), s.end());
  fixShortArguments(s);
  // Thousands separators: 1,000,000 (not a tuple: every group after the first has three digits).
  static const std::regex kThousands(R"(^-?\d{1,3}(,\d{3})+(\.\d+)?$)");
  if (std::regex_match(s, kThousands)) replaceAll(s, ",", "");
  // .5 → 0.5
  if (!s.empty() && s[0] == '.') s = "0" + s;
  replaceAll(s, "{.", "{0.");
  replaceAll(s, "(.", "(0.");
  replaceAll(s, "-.", "-0.");
  // Words compare without case ("Sunday" = "sunday").
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalpha(c); }))
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// ---- numeric evaluation -----------------------------------------------------------------------

namespace {

class LatexEval {
 public:
  LatexEval(const std::string& s, const std::vector<double>& vars) : m_s(s), m_vars(vars) {}
  std::optional<double> run() {
    auto v = expr();
    if (!v || m_i != m_s.size()) return std::nullopt;
    return v;
  }

 private:
  bool peekCmd(const char* c) const { return startsWith(m_s, m_i, c) && !std::isalpha(static_cast<unsigned char>(at(m_i + std::strlen(c)))); }
  char at(size_t i) const { return i < m_s.size() ? m_s[i] : '\0'; }
  bool eat(char c) {
    if (at(m_i) == c) {
      ++m_i;
      return true;
    }
    return false;
  }
  bool eatCmd(const char* c) {
    if (!peekCmd(c)) return false;
    m_i += std::strlen(c);
    return true;
  }

  std::optional<double> expr() {
    auto v = term();
    if (!v) return v;
    for (;;) {
      if (eat('+')) {
        auto r = term();
        if (!r) return r;
        *v += *r;
      } else if (eat('-')) {
        auto r = term();
        if (!r) return r;
        *v -= *r;
      } else if (eatCmd("\\pm")) {
        return std::nullopt;  // two values: not a single number
      } else {
        return v;
      }
    }
  }

  bool startsPrimary() const {
    char c = at(m_i);
    if (std::isdigit(static_cast<unsigned char>(c)) || std::isalpha(static_cast<unsigned char>(c)) || c == '(' || c == '{' ||
        c == '.')
      return true;
    if (c == '\\')
      return !(peekCmd("\\cdot") || peekCmd("\\times") || peekCmd("\\div") || peekCmd("\\pm") || peekCmd("\\le") ||
               peekCmd("\\ge") || peekCmd("\\cup") || peekCmd("\\in"));
    return false;
  }

  std::optional<double> term() {
    auto v = unary();
    if (!v) return v;
    for (;;) {
      if (eat('*') || eatCmd("\\cdot") || eatCmd("\\times")) {
        auto r = unary();
        if (!r) return r;
        *v *= *r;
      } else if (eat('/') || eatCmd("\\div")) {
        auto r = unary();
        if (!r) return r;
        *v /= *r;
      } else if (startsPrimary()) {  // implicit multiplication: 2\pi, 3x, 2(x+1)
        auto r = power();
        if (!r) return r;
        *v *= *r;
      } else {
        return v;
      }
    }
  }

  std::optional<double> unary() {
    if (eat('-')) {
      auto v = unary();
      if (v) *v = -*v;
      return v;
    }
    if (eat('+')) return unary();
    return power();
  }

  std::optional<double> power() {
    auto base = postfix();
    if (!base) return base;
    if (eat('^')) {
      std::optional<double> e;
      if (at(m_i) == '{' || at(m_i) == '(') e = primary();
      else if (at(m_i) == '-') {
        ++m_i;
        e = primary();
        if (e) *e = -*e;
      } else e = single();
      if (!e) return e;
      return std::pow(*base, *e);
    }
    return base;
  }

  std::optional<double> postfix() {
    auto v = primary();
    while (v && at(m_i) == '!') {
      ++m_i;
      if (*v < 0 || *v > 20 || std::floor(*v) != *v) return std::nullopt;
      double f = 1;
      for (int k = 2; k <= static_cast<int>(*v); ++k) f *= k;
      v = f;
    }
    return v;
  }

  // One character as an exponent or argument: x^2, \sqrt2 (already fixed), 2^x.
  std::optional<double> single() {
    char c = at(m_i);
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++m_i;
      return static_cast<double>(c - '0');
    }
    return primary();
  }

  std::optional<double> group(char open, char close) {
    if (!eat(open)) return std::nullopt;
    auto v = expr();
    if (!v || !eat(close)) return std::nullopt;
    return v;
  }

  std::optional<double> primary() {
    char c = at(m_i);
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      size_t j = m_i;
      bool dot = false;
      while (std::isdigit(static_cast<unsigned char>(at(j))) || (at(j) == '.' && !dot && std::isdigit(static_cast<unsigned char>(at(j + 1))))) {
        if (at(j) == '.') dot = true;
        ++j;
      }
      if (j == m_i) return std::nullopt;
      double v = std::stod(m_s.substr(m_i, j - m_i));
      m_i = j;
      return v;
    }
    if (c == '(') return group('(', ')');
    if (c == '{') return group('{', '}');
    if (c == '[') return group('[', ']');
    if (std::isalpha(static_cast<unsigned char>(c))) {
      ++m_i;
      return variable(static_cast<size_t>(std::tolower(static_cast<unsigned char>(c)) - 'a'));
    }
    if (c != '\\') return std::nullopt;
    if (eatCmd("\\frac")) {
      auto a = group('{', '}');
      if (!a) return a;
      auto b = group('{', '}');
      if (!b) return b;
      return *a / *b;
    }
    if (eatCmd("\\sqrt")) {
      double n = 2;
      if (at(m_i) == '[') {
        auto k = group('[', ']');
        if (!k) return k;
        n = *k;
      }
      auto a = group('{', '}');
      if (!a) return a;
      if (*a < 0) return std::nullopt;
      return std::pow(*a, 1.0 / n);
    }
    if (eatCmd("\\pi")) return M_PI;
    if (eatCmd("\\infty")) return HUGE_VAL;
    struct Fn {
      const char* name;
      double (*f)(double);
    };
    static const Fn kFns[] = {{"\\sin", std::sin}, {"\\cos", std::cos}, {"\\tan", std::tan},
                              {"\\ln", std::log},  {"\\log", std::log10}, {"\\exp", std::exp}};
    for (const auto& fn : kFns)
      if (eatCmd(fn.name)) {
        auto a = power();
        if (!a) return a;
        return fn.f(*a);
      }
    // Greek letters and other symbols are variables too (\theta, \alpha).
    size_t j = m_i + 1;
    while (std::isalpha(static_cast<unsigned char>(at(j)))) ++j;
    std::string name = m_s.substr(m_i + 1, j - m_i - 1);
    static const char* kGreek[] = {"alpha", "beta", "gamma", "delta", "theta", "lambda", "mu", "phi", "omega", "sigma"};
    for (size_t g = 0; g < sizeof kGreek / sizeof *kGreek; ++g)
      if (name == kGreek[g]) {
        m_i = j;
        return variable(26 + g);
      }
    return std::nullopt;
  }

  std::optional<double> variable(size_t index) {
    if (index >= m_vars.size()) return std::nullopt;
    return m_vars[index];
  }

  const std::string& m_s;
  const std::vector<double>& m_vars;
  size_t m_i = 0;
};

// Splits at top-level commas (outside (), [], {}, \{ \}).
std::vector<std::string> splitTopLevel(const std::string& s, char sep = ',') {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    else if (c == ')' || c == ']' || c == '}') --depth;
    if (c == sep && depth == 0) parts.emplace_back();
    else parts.back() += c;
  }
  return parts;
}

bool isSet(const std::string& s) {
  return s.size() >= 4 && s.rfind("\\{", 0) == 0 && s.compare(s.size() - 2, 2, "\\}") == 0;
}

// (a,b), [a,b), … with a top-level comma inside.
bool isTuple(const std::string& s) {
  if (s.size() < 3) return false;
  if ((s.front() != '(' && s.front() != '[') || (s.back() != ')' && s.back() != ']')) return false;
  // The outer brackets must enclose everything: ")(" in "(1,2)\cup(3,4)" is not one tuple.
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    else if (c == ')' || c == ']' || c == '}') --depth;
    if (depth == 0 && i + 1 < s.size()) return false;
  }
  return splitTopLevel(s.substr(1, s.size() - 2)).size() > 1;
}

std::optional<std::vector<std::vector<std::string>>> matrixCells(const std::string& s) {
  static const std::regex kMatrix(R"(^\\begin\{([pbvBV]?matrix|array)\}(\{[^}]*\})?(.*)\\end\{\1\}$)");
  std::smatch m;
  if (!std::regex_match(s, m, kMatrix)) return std::nullopt;
  std::vector<std::vector<std::string>> rows;
  std::string body = m[3].str();
  size_t start = 0;
  for (;;) {
    size_t next = body.find("\\\\", start);
    std::string row = body.substr(start, next == std::string::npos ? std::string::npos : next - start);
    if (!row.empty()) rows.push_back(splitTopLevel(row, '&'));
    if (next == std::string::npos) break;
    start = next + 2;
  }
  return rows;
}

// Letters outside LaTeX commands; three or more in a row means words, not a product of variables.
bool looksLikeWords(const std::string& s) {
  int run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      while (i + 1 < s.size() && std::isalpha(static_cast<unsigned char>(s[i + 1]))) ++i;
      run = 0;
      continue;
    }
    run = std::isalpha(static_cast<unsigned char>(s[i])) ? run + 1 : 0;
    if (run >= 3) return true;
  }
  return false;
}

bool numericEqual(const std::string& a, const std::string& b) {
  if (looksLikeWords(a) || looksLikeWords(b)) return false;
  // Variables take several unrelated values, so x+1 = 1+x but x+1 ≠ x+2 and x ≠ y.
  static const double kPoints[3][2] = {{0.7131, 0.1379}, {1.9173, 0.5309}, {-0.4419, 1.2917}};
  for (const auto& p : kPoints) {
    std::vector<double> vars(36);
    for (size_t k = 0; k < vars.size(); ++k) vars[k] = p[0] + p[1] * static_cast<double>(k) * 1.1173;
    auto x = LatexEval(a, vars).run(), y = LatexEval(b, vars).run();
    if (!x || !y) return false;
    if (std::isnan(*x) || std::isnan(*y)) return false;
    if (std::isinf(*x) || std::isinf(*y)) {
      if (*x != *y) return false;
      continue;
    }
    // Tight: 0.333333 is not 1/3, and 123456789 is not 123456788 (graders compare exact values).
    if (std::fabs(*x - *y) > 1e-9 * std::max({1.0, std::fabs(*x), std::fabs(*y)})) return false;
  }
  return true;
}

bool equalNormalized(const std::string& g, const std::string& r);

bool unorderedEqual(std::vector<std::string> g, std::vector<std::string> r) {
  if (g.size() != r.size()) return false;
  for (const auto& item : r) {
    auto it = std::find_if(g.begin(), g.end(), [&](const std::string& x) { return equalNormalized(x, item); });
    if (it == g.end()) return false;
    g.erase(it);
  }
  return true;
}

bool equalNormalized(const std::string& g, const std::string& r) {
  if (g.empty() || r.empty()) return false;
  if (g == r) return true;
  auto mg = matrixCells(g), mr = matrixCells(r);
  if (mg || mr) {
    if (!mg || !mr || mg->size() != mr->size()) return false;
    for (size_t i = 0; i < mr->size(); ++i) {
      if ((*mg)[i].size() != (*mr)[i].size()) return false;
      for (size_t j = 0; j < (*mr)[i].size(); ++j)
        if (!equalNormalized((*mg)[i][j], (*mr)[i][j])) return false;
    }
    return true;
  }
  if (isSet(g) || isSet(r)) {
    auto inner = [](const std::string& s) { return isSet(s) ? s.substr(2, s.size() - 4) : s; };
    return unorderedEqual(splitTopLevel(inner(g)), splitTopLevel(inner(r)));
  }
  if (isTuple(r) || isTuple(g)) {
    // Ordered, and the brackets matter: (1,2] is not [1,2].
    if (!isTuple(r) || !isTuple(g) || g.front() != r.front() || g.back() != r.back()) return false;
    auto a = splitTopLevel(g.substr(1, g.size() - 2)), b = splitTopLevel(r.substr(1, r.size() - 2));
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!equalNormalized(a[i], b[i])) return false;
    return true;
  }
  auto lg = splitTopLevel(g), lr = splitTopLevel(r);
  if (lg.size() > 1 || lr.size() > 1) return unorderedEqual(lg, lr);  // "1, -2": solutions in any order
  return numericEqual(g, r);
}

}  // namespace

std::optional<double> evaluateLatex(const std::string& expr, const std::vector<double>& vars) {
  return LatexEval(expr, vars).run();
}

bool answersEqual(const std::string& given, const std::string& reference) {
  return equalNormalized(normalizeAnswer(given), normalizeAnswer(reference));
}

}  // namespace lens::mathdata
