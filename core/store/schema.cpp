// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/store/schema.h"

#include <string>
#include <vector>

#include "core/store/database.h"

namespace lens::store {

namespace {

// Never edit a migration that has shipped: add a new one. Version N = the first N entries applied.
const std::vector<const char*>& migrations() {
  static const std::vector<const char*> m = {
      // v1: models, data, runs, units and generated samples with their steps.
      R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE models(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  architecture TEXT NOT NULL,
  config_json TEXT NOT NULL,
  parameter_count INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE(fingerprint, path));
CREATE TABLE datasets(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  source TEXT NOT NULL,
  fingerprint TEXT NOT NULL UNIQUE,
  problem_count INTEGER NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE problems(
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  key TEXT NOT NULL,
  problem TEXT NOT NULL,
  answer TEXT,
  subject TEXT,
  level INTEGER,
  UNIQUE(dataset_id, idx));
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  spec_json TEXT NOT NULL,
  seed INTEGER NOT NULL,
  code_version TEXT NOT NULL,
  device TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK(status IN ('running','cancelled','failed','done')),
  error TEXT,
  total_units INTEGER NOT NULL,
  shard_index INTEGER NOT NULL DEFAULT 0,
  shard_count INTEGER NOT NULL DEFAULT 1,
  dataset_id INTEGER REFERENCES datasets(id),
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  updated_at TEXT NOT NULL,
  UNIQUE(uid, shard_index, shard_count));
CREATE TABLE run_models(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  model_id INTEGER NOT NULL REFERENCES models(id),
  PRIMARY KEY(run_id, role));
CREATE TABLE units(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  key TEXT NOT NULL,
  problem_id INTEGER REFERENCES problems(id),
  seconds REAL NOT NULL,
  finished_at TEXT NOT NULL,
  UNIQUE(run_id, idx));
CREATE TABLE samples(
  id INTEGER PRIMARY KEY,
  unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  text TEXT NOT NULL,
  token_ids BLOB NOT NULL,
  token_count INTEGER NOT NULL,
  logprob REAL NOT NULL,
  finish TEXT NOT NULL,
  answer TEXT,
  correct INTEGER,
  score REAL,
  flops REAL NOT NULL,
  UNIQUE(unit_id, idx));
CREATE TABLE steps(
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  text TEXT NOT NULL,
  score REAL,
  PRIMARY KEY(sample_id, idx)) WITHOUT ROWID;
)sql",
      // v2: search trees, per-token routing, training metrics and derived curves.
      R"sql(
CREATE TABLE search_nodes(
  unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  parent INTEGER,
  depth INTEGER NOT NULL,
  text TEXT NOT NULL,
  token_count INTEGER NOT NULL,
  score REAL,
  selected INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(unit_id, idx)) WITHOUT ROWID;
CREATE TABLE routing_sequences(
  id INTEGER PRIMARY KEY,
  unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  token_count INTEGER NOT NULL,
  layer_count INTEGER NOT NULL,
  budgets BLOB NOT NULL,
  token_ids BLOB NOT NULL,
  routes BLOB NOT NULL,
  losses BLOB NOT NULL,
  UNIQUE(unit_id, idx));
CREATE TABLE metrics(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  split TEXT NOT NULL,
  step INTEGER NOT NULL,
  value REAL NOT NULL,
  unit_id INTEGER REFERENCES units(id) ON DELETE CASCADE,
  PRIMARY KEY(run_id, name, split, step)) WITHOUT ROWID;
CREATE TABLE curves(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  series TEXT NOT NULL,
  x_label TEXT NOT NULL,
  y_label TEXT NOT NULL,
  points_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE(run_id, name, series));
CREATE INDEX units_problem ON units(problem_id);
)sql",
      // v3: routing baselines (fixed and random routes) next to the oracle; routes hold one route
      // per position and budget.
      R"sql(
ALTER TABLE routing_sequences ADD COLUMN fixed_losses BLOB;
ALTER TABLE routing_sequences ADD COLUMN random_losses BLOB;
ALTER TABLE routing_sequences ADD COLUMN best_random_losses BLOB;
)sql",
      // v4: trained routers evaluated next to the oracle.
      R"sql(
ALTER TABLE routing_sequences ADD COLUMN router_routes BLOB;
ALTER TABLE routing_sequences ADD COLUMN router_losses BLOB;
)sql",
  };
  return m;
}

}  // namespace

int latestSchemaVersion() { return static_cast<int>(migrations().size()); }

Result<int> schemaVersion(Database& db) {
  auto v = db.scalarInt("PRAGMA user_version");
  if (!v) return v.error();
  return static_cast<int>(*v);
}

Status migrate(Database& db, int targetVersion) {
  const int latest = latestSchemaVersion();
  if (targetVersion < 0) targetVersion = latest;
  // Reading the header is the first touch: a file that is not SQLite fails here, unchanged.
  if (auto app = db.scalarInt("PRAGMA application_id"); !app) return app.error();
  // Then one migration per write transaction, each checking the file's identity and version again
  // inside it: another connection (the workbench's runs list and a job it queued, two shards
  // starting at once) may be creating or upgrading the same file meanwhile.
  while (true) {
    Transaction tx(db);
    LENS_TRY_STATUS(tx.begin());
    auto app = db.scalarInt("PRAGMA application_id");
    if (!app) return app.error();
    auto version = schemaVersion(db);
    if (!version) return version.error();
    auto tables = db.scalarInt("SELECT count(*) FROM sqlite_schema");
    if (!tables) return tables.error();
    if (*app != kApplicationId && (*app != 0 || *tables != 0))
      return makeError(ErrorCode::InvalidInput,
                       db.path() + ": a SQLite database of another application (application_id " + std::to_string(*app) +
                           ", " + std::to_string(*tables) + " schema objects); it was left untouched. Choose another --db.");
    if (*version > latest)
      return makeError(ErrorCode::Unsupported,
                       db.path() + ": written by a newer ComputeLens (schema version " + std::to_string(*version) +
                           "; this build reads up to " + std::to_string(latest) +
                           "). It was left untouched; open it with a newer computelens.");
    if (*version >= targetVersion) return tx.commit();
    LENS_TRY_STATUS(db.exec(migrations()[static_cast<size_t>(*version)]));
    LENS_TRY_STATUS(db.exec("PRAGMA application_id = " + std::to_string(kApplicationId)));
    LENS_TRY_STATUS(db.exec("PRAGMA user_version = " + std::to_string(*version + 1)));
    LENS_TRY_STATUS(tx.commit());
  }
}

}  // namespace lens::store
