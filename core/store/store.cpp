// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/store/store.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "core/common/hash.h"
#include "core/common/version.h"
#include "core/store/database.h"
#include "core/store/schema.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::store {

namespace {

template <class T>
void bindVector(Statement& st, int i, const std::vector<T>& v) {
  st.bindBlob(i, v.data(), v.size() * sizeof(T));
}

const char* kRunColumns =
    "r.id, r.uid, r.kind, r.name, r.spec_json, r.seed, r.code_version, r.device, r.status, r.error, "
    "r.total_units, r.shard_index, r.shard_count, r.dataset_id, r.created_at, r.started_at, r.finished_at, "
    "r.updated_at, (SELECT count(*) FROM units u WHERE u.run_id = r.id)";

RunRecord readRun(const Statement& st) {
  RunRecord r;
  r.id = st.int64(0);
  r.uid = st.text(1);
  r.kind = st.text(2);
  r.name = st.text(3);
  r.spec = json::parse(st.text(4), nullptr, /*allow_exceptions=*/false);
  r.seed = static_cast<uint64_t>(st.int64(5));
  r.codeVersion = st.text(6);
  r.device = st.text(7);
  r.status = parseRunStatus(st.text(8)).value_or(RunStatus::Failed);
  r.error = st.optText(9).value_or("");
  r.totalUnits = st.int64(10);
  r.shardIndex = static_cast<int>(st.int64(11));
  r.shardCount = static_cast<int>(st.int64(12));
  r.datasetId = st.optInt64(13);
  r.createdAt = st.text(14);
  r.startedAt = st.optText(15).value_or("");
  r.finishedAt = st.optText(16).value_or("");
  r.updatedAt = st.text(17);
  r.doneUnits = st.int64(18);
  return r;
}

}  // namespace

const char* runStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::Running: return "running";
    case RunStatus::Cancelled: return "cancelled";
    case RunStatus::Failed: return "failed";
    case RunStatus::Done: return "done";
  }
  return "failed";
}

std::optional<RunStatus> parseRunStatus(const std::string& s) {
  for (auto st : {RunStatus::Running, RunStatus::Cancelled, RunStatus::Failed, RunStatus::Done})
    if (s == runStatusName(st)) return st;
  return std::nullopt;
}

std::string nowIso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];  // room for any int the fields could hold (the compiler checks the worst case)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string defaultDatabasePath() {
  if (const char* p = std::getenv("LENS_DB"); p && *p) return p;
  fs::path base;
#if defined(_WIN32)
  if (const char* a = std::getenv("APPDATA")) base = a;
#elif defined(__APPLE__)
  if (const char* h = std::getenv("HOME")) base = fs::path(h) / "Library" / "Application Support";
#else
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) base = x;
  else if (const char* h = std::getenv("HOME")) base = fs::path(h) / ".local" / "share";
#endif
  if (base.empty()) base = fs::current_path();
  return (base / "ComputeLens" / "computelens.db").string();
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path, const StoreParams& params) {
  if (!params.readOnly) {
    std::error_code ec;
    fs::path parent = fs::path(path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (ec) return makeError(ErrorCode::Io, path + ": cannot create the folder " + parent.string() + ": " + ec.message());
  } else if (!fs::exists(path)) {
    return makeError(ErrorCode::NotFound, path + ": no such database (run a job first, or pass --db)");
  }
  OpenParams op;
  op.readOnly = params.readOnly;
  auto db = Database::open(path, op);
  if (!db) return db.error();
  std::unique_ptr<Store> s(new Store());
  s->m_db = std::move(*db);
  Database& d = *s->m_db;
  if (params.readOnly) {
    auto v = schemaVersion(d);
    if (!v) return v.error();
    if (*v > latestSchemaVersion() || *v < 1)
      return makeError(ErrorCode::Unsupported, path + ": schema version " + std::to_string(*v) + " but this build reads " +
                                                   std::to_string(latestSchemaVersion()) +
                                                   " (open it once for writing to upgrade, or use a newer computelens)");
  } else {
    LENS_TRY_STATUS(migrate(d));
    LENS_TRY_STATUS(d.execRetryingBusy("PRAGMA journal_mode = WAL", op.busyTimeoutMs));
    LENS_TRY_STATUS(d.exec(params.durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
  }
  LENS_TRY_STATUS(d.exec("PRAGMA foreign_keys = ON"));
  return s;
}

Store::~Store() = default;
const std::string& Store::path() const { return m_db->path(); }

// ---- models and data ---------------------------------------------------------------------------

Result<int64_t> Store::addModel(const ModelRecord& m) {
  auto st = m_db->cached(
      "INSERT INTO models(path, fingerprint, architecture, config_json, parameter_count, created_at) "
      "VALUES(?,?,?,?,?,?) ON CONFLICT(fingerprint, path) DO UPDATE SET path = excluded.path RETURNING id");
  if (!st) return st.error();
  (*st)->bind(1, m.path).bind(2, m.fingerprint).bind(3, m.architecture).bind(4, m.config.dump())
      .bind(5, m.parameterCount).bind(6, nowIso8601());
  auto row = (*st)->step();
  if (!row) return row.error();
  int64_t id = (*st)->int64(0);
  (*st)->reset();
  return id;
}

Result<int64_t> Store::addDataset(const DatasetRecord& d, const std::vector<ProblemRecord>& problems) {
  {
    auto st = m_db->cached("SELECT id FROM datasets WHERE fingerprint = ?");
    if (!st) return st.error();
    (*st)->bind(1, d.fingerprint);
    auto row = (*st)->step();
    if (!row) return row.error();
    if (*row) {
      int64_t id = (*st)->int64(0);
      (*st)->reset();
      return id;
    }
  }
  Transaction tx(*m_db);
  LENS_TRY_STATUS(tx.begin());
  auto ins = m_db->prepare("INSERT INTO datasets(name, source, fingerprint, problem_count, created_at) VALUES(?,?,?,?,?)");
  if (!ins) return ins.error();
  ins->bind(1, d.name).bind(2, d.source).bind(3, d.fingerprint).bind(4, static_cast<int64_t>(problems.size()))
      .bind(5, nowIso8601());
  LENS_TRY_STATUS(ins->run());
  int64_t id = m_db->lastInsertId();
  auto p = m_db->prepare(
      "INSERT INTO problems(dataset_id, idx, key, problem, answer, subject, level) VALUES(?,?,?,?,?,?,?)");
  if (!p) return p.error();
  for (const auto& pr : problems) {
    p->bind(1, id).bind(2, pr.index).bind(3, pr.key).bind(4, pr.problem).bind(5, pr.answer).bind(6, pr.subject);
    if (pr.level) p->bind(7, *pr.level);
    else p->bindNull(7);
    LENS_TRY_STATUS(p->run());
  }
  LENS_TRY_STATUS(tx.commit());
  return id;
}

Result<DatasetRecord> Store::dataset(int64_t datasetId) {
  auto st = m_db->prepare("SELECT id, name, source, fingerprint, problem_count FROM datasets WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, datasetId);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return makeError(ErrorCode::NotFound, path() + ": no dataset " + std::to_string(datasetId));
  return DatasetRecord{st->int64(0), st->text(1), st->text(2), st->text(3), st->int64(4)};
}

Result<std::vector<ProblemRecord>> Store::problems(int64_t datasetId) {
  auto st = m_db->prepare(
      "SELECT idx, key, problem, answer, subject, level FROM problems WHERE dataset_id = ? ORDER BY idx");
  if (!st) return st.error();
  st->bind(1, datasetId);
  std::vector<ProblemRecord> out;
  LENS_TRY_STATUS(st->each([&] {
    ProblemRecord p;
    p.index = st->int64(0);
    p.key = st->text(1);
    p.problem = st->text(2);
    p.answer = st->optText(3);
    p.subject = st->optText(4);
    if (auto l = st->optInt64(5)) p.level = static_cast<int>(*l);
    out.push_back(std::move(p));
  }));
  return out;
}

Result<std::vector<std::pair<std::string, ModelRecord>>> Store::runModels(int64_t runId) {
  auto st = m_db->prepare(
      "SELECT rm.role, m.id, m.path, m.fingerprint, m.architecture, m.config_json, m.parameter_count "
      "FROM run_models rm JOIN models m ON m.id = rm.model_id WHERE rm.run_id = ? ORDER BY rm.role");
  if (!st) return st.error();
  st->bind(1, runId);
  std::vector<std::pair<std::string, ModelRecord>> out;
  LENS_TRY_STATUS(st->each([&] {
    ModelRecord m{st->int64(1), st->text(2), st->text(3), st->text(4),
                  json::parse(st->text(5), nullptr, false), st->int64(6)};
    out.emplace_back(st->text(0), std::move(m));
  }));
  return out;
}

// ---- runs ----------------------------------------------------------------------------------------

Result<RunRecord> Store::createRun(const NewRun& r) {
  Transaction tx(*m_db);
  LENS_TRY_STATUS(tx.begin());
  auto st = m_db->prepare(
      "INSERT INTO runs(uid, kind, name, spec_json, seed, code_version, device, status, total_units, shard_index, "
      "shard_count, dataset_id, created_at, started_at, updated_at) VALUES(?,?,?,?,?,?,?,'running',?,?,?,?,?,?,?)");
  if (!st) return st.error();
  std::string now = nowIso8601();
  std::string uid = r.uid.empty() ? randomHex(16) : r.uid;
  st->bind(1, uid).bind(2, r.kind).bind(3, r.name).bind(4, r.spec.dump()).bind(5, static_cast<int64_t>(r.seed))
      .bind(6, versionString()).bind(7, r.device).bind(8, r.totalUnits).bind(9, r.shardIndex).bind(10, r.shardCount)
      .bind(11, r.datasetId).bind(12, now).bind(13, now).bind(14, now);
  if (auto s = st->run(); !s) {
    if (s.error().message.find("UNIQUE") != std::string::npos)
      return makeError(ErrorCode::InvalidInput, path() + ": a run with uid " + uid + " (shard " +
                                                    std::to_string(r.shardIndex) + "/" + std::to_string(r.shardCount) +
                                                    ") already exists; resume it instead");
    return s.error();
  }
  int64_t id = m_db->lastInsertId();
  auto rm = m_db->prepare("INSERT INTO run_models(run_id, role, model_id) VALUES(?,?,?)");
  if (!rm) return rm.error();
  for (const auto& [role, mid] : r.models) {
    rm->bind(1, id).bind(2, role).bind(3, mid);
    LENS_TRY_STATUS(rm->run());
  }
  LENS_TRY_STATUS(tx.commit());
  return run(id);
}

Result<std::vector<RunRecord>> Store::queryRuns(const std::string& where, int64_t arg) {
  auto st = m_db->prepare(std::string("SELECT ") + kRunColumns + " FROM runs r " + where + " ORDER BY r.id");
  if (!st) return st.error();
  if (where.find('?') != std::string::npos) st->bind(1, arg);
  std::vector<RunRecord> out;
  LENS_TRY_STATUS(st->each([&] {
    out.push_back(readRun(*st));
  }));
  return out;
}

Result<RunRecord> Store::run(int64_t id) {
  auto rs = queryRuns("WHERE r.id = ?", id);
  if (!rs) return rs.error();
  if (rs->empty()) return makeError(ErrorCode::NotFound, path() + ": no run " + std::to_string(id) + " (see `list`)");
  return rs->front();
}

Result<std::vector<RunRecord>> Store::runs() { return queryRuns("", 0); }

Result<RunRecord> Store::findRun(const std::string& ref) {
  if (!ref.empty() && ref.find_first_not_of("0123456789") == std::string::npos) return run(std::stoll(ref));
  auto all = runs();
  if (!all) return all.error();
  std::vector<RunRecord> hits;
  for (auto& r : *all)
    if (r.uid.compare(0, ref.size(), ref) == 0) hits.push_back(r);
  if (hits.size() == 1) return hits.front();
  if (hits.empty()) return makeError(ErrorCode::NotFound, path() + ": no run with id or uid '" + ref + "' (see `list`)");
  return makeError(ErrorCode::InvalidInput, path() + ": '" + ref + "' matches " + std::to_string(hits.size()) +
                                                " runs; give the numeric id or more of the uid");
}

Status Store::setRunStatus(int64_t runId, RunStatus status, const std::string& error) {
  auto st = m_db->cached(
      "UPDATE runs SET status = ?, error = ?, updated_at = ?, "
      "finished_at = CASE WHEN ? THEN ? ELSE finished_at END WHERE id = ?");
  if (!st) return st.error();
  std::string now = nowIso8601();
  (*st)->bind(1, runStatusName(status));
  if (error.empty()) (*st)->bindNull(2);
  else (*st)->bind(2, error);
  (*st)->bind(3, now).bind(4, status == RunStatus::Done ? 1 : 0).bind(5, now).bind(6, runId);
  return (*st)->run();
}

Status Store::setRunDevice(int64_t runId, const std::string& device) {
  auto st = m_db->cached("UPDATE runs SET device = ? WHERE id = ?");
  if (!st) return st.error();
  (*st)->bind(1, device).bind(2, runId);
  return (*st)->run();
}

// ---- units ---------------------------------------------------------------------------------------

Result<std::set<int64_t>> Store::doneUnits(int64_t runId) {
  auto idx = unitIndexes(runId);
  if (!idx) return idx.error();
  return std::set<int64_t>(idx->begin(), idx->end());
}

Result<std::vector<int64_t>> Store::unitIndexes(int64_t runId) {
  auto st = m_db->prepare("SELECT idx FROM units WHERE run_id = ? ORDER BY idx");
  if (!st) return st.error();
  st->bind(1, runId);
  std::vector<int64_t> out;
  LENS_TRY_STATUS(st->each([&] {
    out.push_back(st->int64(0));
  }));
  return out;
}

Result<SampleSummary> Store::sampleSummary(int64_t runId) {
  SampleSummary out;
  auto st = m_db->prepare(
      "SELECT count(*), coalesce(sum(s.token_count), 0), coalesce(sum(s.flops), 0), count(s.correct), coalesce(sum(s.correct), 0) "
      "FROM samples s JOIN units u ON u.id = s.unit_id WHERE u.run_id = ?");
  if (!st) return st.error();
  st->bind(1, runId);
  LENS_TRY_STATUS(st->each([&] {
    out.samples = st->int64(0);
    out.generatedTokens = st->int64(1);
    out.inferenceFlops = st->real(2);
    out.graded = st->int64(3);
    out.correct = st->int64(4);
  }));
  auto lv = m_db->prepare(
      "SELECT p.level, coalesce(sum(s.correct), 0), count(s.correct) FROM samples s JOIN units u ON u.id = s.unit_id "
      "JOIN problems p ON p.id = u.problem_id WHERE u.run_id = ? AND p.level IS NOT NULL AND s.correct IS NOT NULL "
      "GROUP BY p.level ORDER BY p.level");
  if (!lv) return lv.error();
  lv->bind(1, runId);
  LENS_TRY_STATUS(lv->each([&] { out.byLevel[static_cast<int>(lv->int64(0))] = {lv->int64(1), lv->int64(2)}; }));
  return out;
}

Status Store::writeUnit(int64_t runId, const UnitResult& u, bool* inserted) {
  // ON CONFLICT DO NOTHING + changes(): the unique (run_id, idx) makes a repeated unit a no-op.
  auto st = m_db->cached(
      "INSERT INTO units(run_id, idx, key, problem_id, seconds, finished_at) VALUES(?1, ?2, ?3, "
      "(SELECT p.id FROM problems p JOIN runs r ON r.dataset_id = p.dataset_id WHERE r.id = ?1 AND p.idx = ?4), ?5, ?6) "
      "ON CONFLICT(run_id, idx) DO NOTHING");
  if (!st) return st.error();
  (*st)->bind(1, runId).bind(2, u.index).bind(3, u.key).bind(4, u.problemIndex).bind(5, u.seconds).bind(6, nowIso8601());
  LENS_TRY_STATUS((*st)->run());
  *inserted = m_db->changes() > 0;
  if (!*inserted) return Status::success();
  const int64_t unitId = m_db->lastInsertId();

  auto sampleSt = m_db->cached(
      "INSERT INTO samples(unit_id, idx, text, token_ids, token_count, logprob, finish, answer, correct, score, flops) "
      "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  if (!sampleSt) return sampleSt.error();
  auto stepSt = m_db->cached("INSERT INTO steps(sample_id, idx, text, score) VALUES(?,?,?,?)");
  if (!stepSt) return stepSt.error();
  for (const auto& s : u.samples) {
    Statement& q = **sampleSt;
    q.bind(1, unitId).bind(2, s.index).bind(3, s.text);
    bindVector(q, 4, s.tokenIds);
    q.bind(5, static_cast<int64_t>(s.tokenIds.size())).bind(6, s.logprob).bind(7, s.finish).bind(8, s.answer);
    if (s.correct) q.bind(9, *s.correct ? 1 : 0);
    else q.bindNull(9);
    q.bind(10, s.score).bind(11, s.flops);
    LENS_TRY_STATUS(q.run());
    const int64_t sampleId = m_db->lastInsertId();
    for (size_t i = 0; i < s.steps.size(); ++i) {
      (*stepSt)->bind(1, sampleId).bind(2, static_cast<int64_t>(i)).bind(3, s.steps[i].text).bind(4, s.steps[i].score);
      LENS_TRY_STATUS((*stepSt)->run());
    }
  }
  if (!u.nodes.empty()) {
    auto nodeSt = m_db->cached(
        "INSERT INTO search_nodes(unit_id, idx, parent, depth, text, token_count, score, selected) VALUES(?,?,?,?,?,?,?,?)");
    if (!nodeSt) return nodeSt.error();
    for (const auto& n : u.nodes) {
      (*nodeSt)->bind(1, unitId).bind(2, n.index);
      if (n.parent) (*nodeSt)->bind(3, *n.parent);
      else (*nodeSt)->bindNull(3);
      (*nodeSt)->bind(4, n.depth).bind(5, n.text).bind(6, n.tokenCount).bind(7, n.score).bind(8, n.selected ? 1 : 0);
      LENS_TRY_STATUS((*nodeSt)->run());
    }
  }
  if (!u.routing.empty()) {
    auto rSt = m_db->cached(
        "INSERT INTO routing_sequences(unit_id, idx, token_count, layer_count, budgets, token_ids, routes, losses, "
        "fixed_losses, random_losses, best_random_losses, router_routes, router_losses) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!rSt) return rSt.error();
    for (const auto& r : u.routing) {
      const size_t B = r.budgets.size(), P = r.positions(), L = static_cast<size_t>(r.layerCount);
      const bool ok = B > 0 && r.losses.size() == P * B && P < r.tokenIds.size() && r.routes.size() == P * B * L &&
                      (r.fixedLosses.empty() || r.fixedLosses.size() == P * 3) &&
                      (r.randomLosses.empty() || r.randomLosses.size() == P * B) &&
                      (r.bestRandomLosses.empty() || r.bestRandomLosses.size() == P * B) &&
                      r.routerRoutes.size() == r.routerLosses.size() * L && (P == 0 || r.routerLosses.size() % P == 0);
      if (!ok)
        return makeError(ErrorCode::Internal, "routing sequence " + std::to_string(r.index) + " of unit " + std::to_string(u.index) +
                                                  ": array sizes do not match positions × budgets × layers");
      Statement& q = **rSt;
      q.bind(1, unitId).bind(2, r.index).bind(3, static_cast<int64_t>(r.tokenIds.size())).bind(4, r.layerCount);
      bindVector(q, 5, r.budgets);
      bindVector(q, 6, r.tokenIds);
      bindVector(q, 7, r.routes);
      bindVector(q, 8, r.losses);
      auto optional = [&](int i, const std::vector<float>& v) {
        if (v.empty()) q.bindNull(i);
        else bindVector(q, i, v);
      };
      optional(9, r.fixedLosses);
      optional(10, r.randomLosses);
      optional(11, r.bestRandomLosses);
      if (r.routerRoutes.empty()) q.bindNull(12);
      else bindVector(q, 12, r.routerRoutes);
      optional(13, r.routerLosses);
      LENS_TRY_STATUS(q.run());
    }
  }
  if (!u.metrics.empty()) {
    auto mSt = m_db->cached(
        "INSERT OR REPLACE INTO metrics(run_id, name, split, step, value, unit_id) VALUES(?,?,?,?,?,?)");
    if (!mSt) return mSt.error();
    for (const auto& m : u.metrics) {
      (*mSt)->bind(1, runId).bind(2, m.name).bind(3, m.split).bind(4, m.step).bind(5, m.value).bind(6, unitId);
      LENS_TRY_STATUS((*mSt)->run());
    }
  }
  return Status::success();
}

Result<int> Store::commitUnits(int64_t runId, const std::vector<UnitResult>& units) {
  if (units.empty()) return 0;
  Transaction tx(*m_db);
  LENS_TRY_STATUS(tx.begin());
  int added = 0;
  for (const auto& u : units) {
    bool inserted = false;
    LENS_TRY_STATUS(writeUnit(runId, u, &inserted));
    added += inserted ? 1 : 0;
  }
  auto st = m_db->cached("UPDATE runs SET updated_at = ? WHERE id = ?");
  if (!st) return st.error();
  (*st)->bind(1, nowIso8601()).bind(2, runId);
  LENS_TRY_STATUS((*st)->run());
  LENS_TRY_STATUS(tx.commit());
  return added;
}

Result<UnitResult> Store::unit(int64_t runId, int64_t unitIndex) {
  auto st = m_db->prepare(
      "SELECT u.id, u.key, p.idx, u.seconds FROM units u LEFT JOIN problems p ON p.id = u.problem_id "
      "WHERE u.run_id = ? AND u.idx = ?");
  if (!st) return st.error();
  st->bind(1, runId).bind(2, unitIndex);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row)
    return makeError(ErrorCode::NotFound, path() + ": run " + std::to_string(runId) + " has no unit " + std::to_string(unitIndex));
  UnitResult u;
  const int64_t unitId = st->int64(0);
  u.index = unitIndex;
  u.key = st->text(1);
  u.problemIndex = st->optInt64(2);
  u.seconds = st->real(3);

  auto ss = m_db->prepare(
      "SELECT id, idx, text, token_ids, logprob, finish, answer, correct, score, flops FROM samples "
      "WHERE unit_id = ? ORDER BY idx");
  if (!ss) return ss.error();
  auto steps = m_db->prepare("SELECT text, score FROM steps WHERE sample_id = ? ORDER BY idx");
  if (!steps) return steps.error();
  ss->bind(1, unitId);
  LENS_TRY_STATUS(ss->each([&]() -> Status {
    SampleRecord s;
    s.index = static_cast<int>(ss->int64(1));
    s.text = ss->text(2);
    s.tokenIds = ss->blobAs<int32_t>(3);
    s.logprob = ss->real(4);
    s.finish = ss->text(5);
    s.answer = ss->optText(6);
    if (auto c = ss->optInt64(7)) s.correct = *c != 0;
    s.score = ss->optReal(8);
    s.flops = ss->real(9);
    steps->bind(1, ss->int64(0));
    LENS_TRY_STATUS(steps->each([&] { s.steps.push_back({steps->text(0), steps->optReal(1)}); }));
    steps->reset();
    u.samples.push_back(std::move(s));
    return Status::success();
  }));

  auto ns = m_db->prepare(
      "SELECT idx, parent, depth, text, token_count, score, selected FROM search_nodes WHERE unit_id = ? ORDER BY idx");
  if (!ns) return ns.error();
  ns->bind(1, unitId);
  LENS_TRY_STATUS(ns->each([&] {
    SearchNodeRecord n;
    n.index = static_cast<int>(ns->int64(0));
    if (auto p = ns->optInt64(1)) n.parent = static_cast<int>(*p);
    n.depth = static_cast<int>(ns->int64(2));
    n.text = ns->text(3);
    n.tokenCount = static_cast<int>(ns->int64(4));
    n.score = ns->optReal(5);
    n.selected = ns->int64(6) != 0;
    u.nodes.push_back(std::move(n));
  }));

  auto rs = m_db->prepare("SELECT idx FROM routing_sequences WHERE unit_id = ? ORDER BY idx");
  if (!rs) return rs.error();
  rs->bind(1, unitId);
  std::vector<int> seqs;
  LENS_TRY_STATUS(rs->each([&] {
    seqs.push_back(static_cast<int>(rs->int64(0)));
  }));
  for (int i : seqs) {
    auto seq = routingSequence(runId, unitIndex, i);
    if (!seq) return seq.error();
    u.routing.push_back(std::move(*seq));
  }

  auto ms = m_db->prepare("SELECT name, split, step, value FROM metrics WHERE unit_id = ? ORDER BY name, split, step");
  if (!ms) return ms.error();
  ms->bind(1, unitId);
  LENS_TRY_STATUS(ms->each([&] {
    u.metrics.push_back({ms->text(0), ms->text(1), ms->int64(2), ms->real(3)});
  }));
  return u;
}

Result<RoutingSequence> Store::routingSequence(int64_t runId, int64_t unitIndex, int sequenceIndex) {
  auto st = m_db->cached(
      "SELECT rs.layer_count, rs.budgets, rs.token_ids, rs.routes, rs.losses, rs.fixed_losses, rs.random_losses, "
      "rs.best_random_losses, rs.router_routes, rs.router_losses FROM routing_sequences rs "
      "JOIN units u ON u.id = rs.unit_id WHERE u.run_id = ? AND u.idx = ? AND rs.idx = ?");
  if (!st) return st.error();
  Statement& q = **st;
  q.bind(1, runId).bind(2, unitIndex).bind(3, sequenceIndex);
  auto row = q.step();
  if (!row) return row.error();
  if (!*row)
    return makeError(ErrorCode::NotFound, path() + ": run " + std::to_string(runId) + " unit " + std::to_string(unitIndex) +
                                              " has no routing sequence " + std::to_string(sequenceIndex));
  RoutingSequence r;
  r.index = sequenceIndex;
  r.layerCount = static_cast<int>(q.int64(0));
  r.budgets = q.blobAs<float>(1);
  r.tokenIds = q.blobAs<int32_t>(2);
  r.routes = q.blobAs<uint8_t>(3);
  r.losses = q.blobAs<float>(4);
  if (!q.isNull(5)) r.fixedLosses = q.blobAs<float>(5);
  if (!q.isNull(6)) r.randomLosses = q.blobAs<float>(6);
  if (!q.isNull(7)) r.bestRandomLosses = q.blobAs<float>(7);
  if (!q.isNull(8)) r.routerRoutes = q.blobAs<uint8_t>(8);
  if (!q.isNull(9)) r.routerLosses = q.blobAs<float>(9);
  q.reset();
  return r;
}

Status Store::addMetrics(int64_t runId, const std::vector<MetricPoint>& points) {
  Transaction tx(*m_db);
  LENS_TRY_STATUS(tx.begin());
  auto st = m_db->cached("INSERT OR REPLACE INTO metrics(run_id, name, split, step, value, unit_id) VALUES(?,?,?,?,?,NULL)");
  if (!st) return st.error();
  for (const auto& m : points) {
    (*st)->bind(1, runId).bind(2, m.name).bind(3, m.split).bind(4, m.step).bind(5, m.value);
    LENS_TRY_STATUS((*st)->run());
  }
  return tx.commit();
}

Result<std::vector<MetricPoint>> Store::metrics(int64_t runId, bool runLevelOnly) {
  auto st = m_db->prepare(std::string("SELECT name, split, step, value FROM metrics WHERE run_id = ?") +
                          (runLevelOnly ? " AND unit_id IS NULL" : "") + " ORDER BY name, split, step");
  if (!st) return st.error();
  st->bind(1, runId);
  std::vector<MetricPoint> out;
  LENS_TRY_STATUS(st->each([&] {
    out.push_back({st->text(0), st->text(1), st->int64(2), st->real(3)});
  }));
  return out;
}

Status Store::putCurve(int64_t runId, const CurveRecord& c) {
  json pts = json::array();
  for (auto [x, y] : c.points) pts.push_back({x, y});
  auto st = m_db->prepare(
      "INSERT OR REPLACE INTO curves(run_id, name, series, x_label, y_label, points_json, created_at) VALUES(?,?,?,?,?,?,?)");
  if (!st) return st.error();
  st->bind(1, runId).bind(2, c.name).bind(3, c.series).bind(4, c.xLabel).bind(5, c.yLabel).bind(6, pts.dump())
      .bind(7, nowIso8601());
  return st->run();
}

Result<std::vector<CurveRecord>> Store::curves(int64_t runId) {
  auto st = m_db->prepare(
      "SELECT name, series, x_label, y_label, points_json FROM curves WHERE run_id = ? ORDER BY name, series");
  if (!st) return st.error();
  st->bind(1, runId);
  std::vector<CurveRecord> out;
  LENS_TRY_STATUS(st->each([&] {
    CurveRecord c{st->text(0), st->text(1), st->text(2), st->text(3), {}};
    json pts = json::parse(st->text(4), nullptr, false);
    if (pts.is_array())
      for (const auto& p : pts)
        if (p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number())
          c.points.emplace_back(p[0].get<double>(), p[1].get<double>());
    out.push_back(std::move(c));
  }));
  return out;
}

}  // namespace lens::store
