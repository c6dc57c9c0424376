// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/store/database.h"

#include <chrono>
#include <thread>

#include <sqlite3.h>

namespace lens::store {

namespace {
ErrorCode codeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_NOMEM: return ErrorCode::OutOfMemory;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PERM: return ErrorCode::Io;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH: return ErrorCode::InvalidInput;
    default: return ErrorCode::Internal;
  }
}
}  // namespace

// ---- Statement -------------------------------------------------------------------------------

Statement::Statement(Statement&& o) noexcept { *this = std::move(o); }
Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (m_stmt) sqlite3_finalize(m_stmt);
    m_db = o.m_db;
    m_stmt = o.m_stmt;
    m_sql = std::move(o.m_sql);
    m_bindError = o.m_bindError;
    o.m_stmt = nullptr;
  }
  return *this;
}
Statement::~Statement() {
  if (m_stmt) sqlite3_finalize(m_stmt);
}

// Bind errors are remembered and reported by the next step(): callers chain binds fluently.
Statement& Statement::bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(m_stmt, i, v);
  if (rc != SQLITE_OK && !m_bindError) m_bindError = rc;
  return *this;
}
Statement& Statement::bind(int i, double v) {
  int rc = sqlite3_bind_double(m_stmt, i, v);
  if (rc != SQLITE_OK && !m_bindError) m_bindError = rc;
  return *this;
}
Statement& Statement::bind(int i, std::string_view text) {
  int rc = sqlite3_bind_text64(m_stmt, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && !m_bindError) m_bindError = rc;
  return *this;
}
Statement& Statement::bindBlob(int i, const void* data, size_t bytes) {
  // A zero-length blob must still be a blob, not NULL: SQLite needs a non-null pointer for that.
  static const char kEmpty = 0;
  int rc = sqlite3_bind_blob64(m_stmt, i, bytes ? data : &kEmpty, bytes, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && !m_bindError) m_bindError = rc;
  return *this;
}
Statement& Statement::bindNull(int i) {
  int rc = sqlite3_bind_null(m_stmt, i);
  if (rc != SQLITE_OK && !m_bindError) m_bindError = rc;
  return *this;
}

Result<bool> Statement::step() {
  if (m_bindError) {
    int rc = m_bindError;
    m_bindError = 0;
    return m_db->error("binding parameters of '" + m_sql + "'", rc);
  }
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = m_db->error("'" + m_sql + "'", rc);
  sqlite3_reset(m_stmt);
  return e;
}

Status Statement::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.error();
    if (!*r) break;
  }
  reset();
  return Status::success();
}

void Statement::reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
  m_bindError = 0;
}

bool Statement::isNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
int64_t Statement::int64(int col) const { return sqlite3_column_int64(m_stmt, col); }
double Statement::real(int col) const { return sqlite3_column_double(m_stmt, col); }
std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(m_stmt, col))) : std::string();
}
std::optional<std::string> Statement::optText(int col) const {
  if (isNull(col)) return std::nullopt;
  return text(col);
}
std::optional<double> Statement::optReal(int col) const {
  if (isNull(col)) return std::nullopt;
  return real(col);
}
std::optional<int64_t> Statement::optInt64(int col) const {
  if (isNull(col)) return std::nullopt;
  return int64(col);
}
const void* Statement::blobData(int col, size_t* bytes) const {
  const void* p = sqlite3_column_blob(m_stmt, col);
  *bytes = static_cast<size_t>(sqlite3_column_bytes(m_stmt, col));
  return p;
}
std::vector<uint8_t> Statement::blob(int col) const { return blobAs<uint8_t>(col); }

// ---- Database --------------------------------------------------------------------------------

Result<std::unique_ptr<Database>> Database::open(const std::string& path, const OpenParams& params) {
  std::unique_ptr<Database> db(new Database());
  db->m_path = path;
  int flags = SQLITE_OPEN_NOMUTEX;  // one connection per thread; never shared without a lock
  if (params.readOnly) flags |= SQLITE_OPEN_READONLY;
  else flags |= SQLITE_OPEN_READWRITE | (params.create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db->m_db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = db->error("opening the database", rc);
    if ((rc & 0xff) == SQLITE_CANTOPEN) e.code = ErrorCode::NotFound;
    return e;
  }
  sqlite3_extended_result_codes(db->m_db, 1);
  sqlite3_busy_timeout(db->m_db, params.busyTimeoutMs);
  return db;
}

Database::~Database() {
  m_cache.clear();  // statements first: sqlite3_close refuses while statements are open
  if (m_db) sqlite3_close(m_db);
}

Error Database::error(std::string_view what, int rc) const {
  std::string msg = m_path + ": " + std::string(what) + " failed: ";
  msg += m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    msg += " (the file is not a ComputeLens database or is damaged; it was left untouched)";
  else if (primary == SQLITE_BUSY)
    msg += " (another process holds the write lock; wait for it or use another --db)";
  else if (primary == SQLITE_FULL)
    msg += " (the disk, or the database's size limit, is full: nothing of this write was stored and what was stored before is "
           "intact; free some space and resume the run)";
  return makeError(codeFor(rc), msg);
}

Status Database::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    sqlite3_free(err);  // the same text as sqlite3_errmsg, which error() reads
    return error("'" + sql.substr(0, 80) + (sql.size() > 80 ? "...'" : "'"), rc);
  }
  return Status::success();
}

Status Database::execRetryingBusy(const std::string& sql, int timeoutMs) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (true) {
    char* err = nullptr;
    const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc == SQLITE_OK) return Status::success();
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline)
      return error("'" + sql.substr(0, 80) + (sql.size() > 80 ? "...'" : "'"), rc);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Result<Statement> Database::prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(m_db, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return error("preparing '" + sql + "'", rc);
  return Statement(this, s, sql);
}

Result<Statement*> Database::cached(const std::string& sql) {
  for (auto& [text, st] : m_cache)
    if (text == sql) {
      st->reset();
      return st.get();
    }
  auto st = prepare(sql);
  if (!st) return st.error();
  m_cache.emplace_back(sql, std::make_unique<Statement>(std::move(*st)));
  return m_cache.back().second.get();
}

int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(m_db); }
int Database::changes() const { return sqlite3_changes(m_db); }

Result<int64_t> Database::scalarInt(const std::string& sql) {
  auto st = prepare(sql);
  if (!st) return st.error();
  auto r = st->step();
  if (!r) return r.error();
  if (!*r) return makeError(ErrorCode::Internal, m_path + ": '" + sql + "' returned no row");
  return st->int64(0);
}

// ---- Transaction -----------------------------------------------------------------------------

Transaction::~Transaction() {
  if (m_open) (void)m_db.exec("ROLLBACK");
}
Status Transaction::begin() {
  LENS_TRY_STATUS(m_db.exec("BEGIN IMMEDIATE"));
  m_open = true;
  return Status::success();
}
Status Transaction::commit() {
  LENS_TRY_STATUS(m_db.exec("COMMIT"));
  m_open = false;
  return Status::success();
}

}  // namespace lens::store
