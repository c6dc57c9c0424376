// SPDX-License-Identifier: GPL-3.0-or-later
// The store's schema as an ordered list of migrations (docs/store-schema.md describes the tables).
// PRAGMA user_version holds the number of migrations applied; application_id marks our files.
#pragma once

#include "core/common/result.h"

namespace lens::store {

class Database;

constexpr int kApplicationId = 0x434c454e;  // "CLEN"

int latestSchemaVersion();
// Applies the migrations after the file's version, each in its own transaction (a failure leaves
// the file at the last complete version). Refuses files from a newer ComputeLens and SQLite files
// that belong to another application, touching nothing.
Status migrate(Database& db, int targetVersion = -1);
Result<int> schemaVersion(Database& db);

}  // namespace lens::store
