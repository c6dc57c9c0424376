// SPDX-License-Identifier: GPL-3.0-or-later
// A thin RAII layer over one SQLite connection. Errors are values that name the database file and
// the statement. sqlite3.h stays out of this header (the GPU server has it only under /opt).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace lens::store {

class Database;

// A prepared statement. Owned by the caller; must not outlive its Database.
class Statement {
 public:
  Statement() = default;
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, double v);
  Statement& bind(int i, std::string_view text);
  Statement& bind(int i, const char* text) { return bind(i, std::string_view(text)); }
  Statement& bind(int i, const std::string& text) { return bind(i, std::string_view(text)); }
  Statement& bindBlob(int i, const void* data, size_t bytes);
  Statement& bindNull(int i);
  template <class T>
  Statement& bind(int i, const std::optional<T>& v) { return v ? bind(i, *v) : bindNull(i); }

  // true: a row is ready; false: done. Errors name the SQL.
  Result<bool> step();
  Status run();  // step to completion, expecting no rows
  // Calls onRow for each remaining row; onRow may return a Status to stop early with an error.
  template <class F>
  Status each(F&& onRow);
  void reset();  // clears bindings too

  bool isNull(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::optional<std::string> optText(int col) const;
  std::optional<double> optReal(int col) const;
  std::optional<int64_t> optInt64(int col) const;
  std::vector<uint8_t> blob(int col) const;
  template <class T>
  std::vector<T> blobAs(int col) const;  // a packed little-endian array of T

 private:
  friend class Database;
  Statement(Database* db, sqlite3_stmt* s, std::string sql) : m_db(db), m_stmt(s), m_sql(std::move(sql)) {}
  const void* blobData(int col, size_t* bytes) const;
  Database* m_db = nullptr;
  sqlite3_stmt* m_stmt = nullptr;
  std::string m_sql;
  int m_bindError = 0;
};

template <class F>
Status Statement::each(F&& onRow) {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return Status::success();
    if constexpr (std::is_same_v<std::invoke_result_t<F>, Status>) {
      Status s = onRow();
      if (!s) {
        reset();
        return s;
      }
    } else {
      onRow();
    }
  }
}

template <class T>
std::vector<T> Statement::blobAs(int col) const {
  size_t bytes = 0;
  const void* p = blobData(col, &bytes);
  std::vector<T> out(bytes / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), p, out.size() * sizeof(T));
  return out;
}

struct OpenParams {
  bool readOnly = false;
  bool create = true;           // create the file when missing (ignored when readOnly)
  int busyTimeoutMs = 30000;    // wait this long for another process's write lock
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path, const OpenParams& params = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return m_path; }
  Status exec(const std::string& sql);
  // exec, retried while another connection holds a lock SQLite will not wait for through its busy
  // handler (changing the journal mode while another connection creates the schema), up to
  // `timeoutMs`.
  Status execRetryingBusy(const std::string& sql, int timeoutMs);  // one or more statements, no results
  Result<Statement> prepare(const std::string& sql);
  // A prepared statement kept for the connection's life (hot paths prepare once).
  Result<Statement*> cached(const std::string& sql);
  int64_t lastInsertId() const;
  int changes() const;
  Result<int64_t> scalarInt(const std::string& sql);  // first column of the first row
  // An error that names this file, the failed operation and SQLite's message.
  Error error(std::string_view what, int rc) const;
  sqlite3* handle() { return m_db; }

 private:
  Database() = default;
  sqlite3* m_db = nullptr;
  std::string m_path;
  std::vector<std::pair<std::string, std::unique_ptr<Statement>>> m_cache;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed. IMMEDIATE takes the
// write lock up front, so a second writer waits (busy timeout) instead of failing mid-transaction.
class Transaction {
 public:
  explicit Transaction(Database& db) : m_db(db) {}
  ~Transaction();
  Status begin();
  Status commit();

 private:
  Database& m_db;
  bool m_open = false;
};

}  // namespace lens::store
