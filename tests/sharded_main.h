// SPDX-License-Identifier: GPL-3.0-or-later
// A Qt Test main() that can run one share of a test's functions, so that CTest runs a long test's
// shares side by side (lens_add_test(... SHARDS n) in tests/CMakeLists.txt). With LENS_TEST_SHARD
// set to "k/n" (1 <= k <= n) and no function named on the command line, it runs the functions
// whose position in declaration order is k-1 modulo n; otherwise it is QTEST_MAIN. Every function
// runs in exactly one share; initTestCase and cleanupTestCase run in each.
#pragma once

#include <QByteArray>
#include <QMetaMethod>
#include <QtTest>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace lens::test {

class ShardArgs {
 public:
  ShardArgs(const QMetaObject& mo, int argc, char** argv) {
    for (int i = 0; i < argc; ++i) m_args.emplace_back(argv[i]);
    const char* spec = std::getenv("LENS_TEST_SHARD");
    int k = 0, n = 0;
    if (!spec || std::sscanf(spec, "%d/%d", &k, &n) != 2 || n < 1 || k < 1 || k > n || namesAFunction(mo)) return;
    int position = 0;
    for (int m = mo.methodOffset(); m < mo.methodCount(); ++m) {
      const QMetaMethod method = mo.method(m);
      if (!isTestFunction(method)) continue;
      if (position++ % n == k - 1) m_args.emplace_back(method.name().toStdString());
    }
    if (position > 0 && m_args.size() == static_cast<size_t>(argc)) m_empty = true;  // more shares than functions
  }
  int argc() const { return static_cast<int>(m_args.size()); }
  char** argv() {
    m_ptrs.clear();
    for (auto& a : m_args) m_ptrs.push_back(a.data());
    m_ptrs.push_back(nullptr);
    return m_ptrs.data();
  }
  bool empty() const { return m_empty; }

 private:
  static bool isTestFunction(const QMetaMethod& m) {
    if (m.methodType() != QMetaMethod::Slot || m.access() != QMetaMethod::Private || m.parameterCount() != 0) return false;
    const QByteArray name = m.name();
    return !name.endsWith("_data") && name != "initTestCase" && name != "cleanupTestCase" && name != "init" && name != "cleanup";
  }
  // True when an argument names one of the functions (the user chose what to run).
  bool namesAFunction(const QMetaObject& mo) const {
    for (size_t i = 1; i < m_args.size(); ++i)
      for (int m = mo.methodOffset(); m < mo.methodCount(); ++m)
        if (isTestFunction(mo.method(m)) && m_args[i].rfind(mo.method(m).name().toStdString(), 0) == 0) return true;
    return false;
  }
  std::vector<std::string> m_args;
  std::vector<char*> m_ptrs;
  bool m_empty = false;
};

}  // namespace lens::test

// QTEST_MAIN / QTEST_GUILESS_MAIN with sharding; App is the application class the test needs.
#define LENS_QTEST_SHARDED_MAIN(TestObject, App)                          \
  int main(int argc, char* argv[]) {                                      \
    App app(argc, argv);                                                  \
    app.setAttribute(Qt::AA_Use96Dpi, true);                              \
    TestObject tc;                                                        \
    QTEST_SET_MAIN_SOURCE_PATH                                            \
    lens::test::ShardArgs shard(TestObject::staticMetaObject, argc, argv); \
    if (shard.empty()) return 0;                                          \
    return QTest::qExec(&tc, shard.argc(), shard.argv());                 \
  }
