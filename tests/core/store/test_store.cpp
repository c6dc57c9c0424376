// SPDX-License-Identifier: GPL-3.0-or-later
// The experiment store: schema versions and migrations, refusal of bad files without touching them,
// atomic and exactly-once units, concurrent readers, exports and shard merges.
#include <QtTest>
#include <atomic>
#include <filesystem>
#include <sstream>
#include <thread>

#include "common/csv_reader.h"
#include "common/test_helpers.h"
#include "core/common/atomic_file.h"
#include "core/store/database.h"
#include "core/store/export.h"
#include "core/store/schema.h"
#include "core/store/store.h"

using namespace lens;
using namespace lens::store;
using json = nlohmann::json;

namespace {

std::string tmpPath(QTemporaryDir& dir, const char* name) { return dir.filePath(name).toStdString(); }

// A unit with one of everything, so a round trip checks every table.
UnitResult richUnit(int64_t index) {
  UnitResult u;
  u.index = index;
  u.key = "problem-" + std::to_string(index);
  u.problemIndex = index % 3;
  u.seconds = 0.25 + index;
  SampleRecord s;
  s.index = 0;
  s.text = "Step 1: 1, \"two\"\nthree\n\n\\boxed{4}";
  s.tokenIds = {5, 17, -1, 2147483647};
  s.logprob = -3.125;
  s.finish = "stop";
  s.answer = "4";
  s.correct = true;
  s.score = 0.875;
  s.flops = 1.5e9;
  s.steps = {{"Step 1: 1, \"two\"", 0.5}, {"three", std::nullopt}};
  SampleRecord s2;
  s2.index = 1;
  s2.text = "";
  s2.finish = "length";
  s2.correct = false;
  u.samples = {s, s2};
  u.nodes = {{0, std::nullopt, 0, "root", 3, 0.1, true}, {1, 0, 1, "child a", 7, 0.7, true}, {2, 0, 1, "child b", 5, std::nullopt, false}};
  RoutingSequence r;
  r.index = 0;
  r.layerCount = 3;
  r.budgets = {0.25f, 1.0f};
  r.tokenIds = {1, 2, 3};                               // 2 positions: 1 -> 2, 2 -> 3
  r.routes = {0, 1, 2, 2, 2, 2, 2, 1, 0, 1, 1, 1};     // [position, budget, layer]
  r.losses = {3.5f, 2.25f, 1.0f, 0.5f};
  r.fixedLosses = {5.f, 4.f, 3.f, 6.f, 5.f, 4.f};
  r.randomLosses = {4.f, 3.f, 2.f, 1.f};
  r.bestRandomLosses = {3.75f, 2.5f, 1.5f, 0.75f};
  r.routerRoutes = {2, 1, 0, 0, 0, 2};  // one router: [position, router, layer]
  r.routerLosses = {2.0f, 0.25f};
  u.routing = {r};
  u.metrics = {{"loss", "train", index, 1.0 / (1 + index)}};
  return u;
}

std::vector<ProblemRecord> threeProblems() {
  return {{0, "a", "1+1", "2", "Algebra", 1}, {1, "b", "2+2", "4", std::nullopt, std::nullopt}, {2, "c", "3,3", std::nullopt, "Geometry", 5}};
}

Result<int64_t> makeRun(Store& st, int64_t units, const std::string& uid = {}) {
  auto ds = st.addDataset({0, "toy", "inline", "fp-toy", 3}, threeProblems());
  if (!ds) return ds.error();
  ModelRecord m{0, "/models/m", "fp-model", "LlamaForCausalLM", json{{"layers", 2}}, 1234};
  auto mid = st.addModel(m);
  if (!mid) return mid.error();
  NewRun nr;
  nr.uid = uid;
  nr.kind = "generate";
  nr.name = "test";
  nr.spec = {{"kind", "generate"}, {"model", "/models/m"}};
  nr.seed = 42;
  nr.totalUnits = units;
  nr.datasetId = *ds;
  nr.models = {{"policy", *mid}};
  auto r = st.createRun(nr);
  if (!r) return r.error();
  return r->id;
}

std::string fileBytes(const std::string& path) { return readFile(path).ok() ? *readFile(path) : std::string("<unreadable>"); }

}  // namespace

class TestStore : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void newDatabaseIsAtLatestVersionInWal() {
    QTemporaryDir dir;
    auto st = Store::open(tmpPath(dir, "sub/folder/a.db"));  // creates missing folders
    LENS_VERIFY_OK(st);
    QCOMPARE(*schemaVersion((*st)->database()), latestSchemaVersion());
    auto mode = (*st)->database().prepare("PRAGMA journal_mode");
    LENS_VERIFY_OK(mode);
    QVERIFY(*mode->step());
    QCOMPARE(mode->text(0), std::string("wal"));
    QCOMPARE(*(*st)->database().scalarInt("PRAGMA application_id"), int64_t{kApplicationId});
  }

  // Data written at every earlier schema version survives the upgrade to the latest.
  // Several connections creating the same new database at once (the workbench's runs list and a
  // job it queued; shards starting together): every one opens it, and the schema is made once.
  void concurrentCreatorsAllSucceed() {
    for (int round = 0; round < 20; ++round) {
      QTemporaryDir dir;
      const std::string path = dir.filePath("race.db").toStdString();
      std::vector<std::thread> threads;
      std::atomic<int> ok{0};
      std::vector<std::string> errors(4);
      for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
          auto st = Store::open(path);
          if (st) ++ok;
          else errors[static_cast<size_t>(t)] = st.error().describe();
        });
      for (auto& t : threads) t.join();
      for (const auto& e : errors) QVERIFY2(e.empty(), e.c_str());
      QCOMPARE(ok.load(), 4);
      auto st = Store::open(path);
      LENS_VERIFY_OK(st);
      auto v = schemaVersion(st.value()->database());
      LENS_VERIFY_OK(v);
      QCOMPARE(*v, latestSchemaVersion());
    }
  }

  void migratesFromEveryEarlierVersion() {
    for (int v = 1; v < latestSchemaVersion(); ++v) {
      QTemporaryDir dir;
      const std::string path = tmpPath(dir, "old.db");
      {
        auto db = Database::open(path);
        LENS_VERIFY_OK(db);
        LENS_VERIFY_OK(migrate(**db, v));
        QCOMPARE(*schemaVersion(**db), v);
        // Rows as a build of version v wrote them (v1 tables only use v1 columns).
        LENS_VERIFY_OK((*db)->exec(
            "INSERT INTO runs(id, uid, kind, spec_json, seed, code_version, status, total_units, created_at, updated_at) "
            "VALUES(1, 'old', 'generate', '{\"kind\":\"generate\"}', 7, '0.0.1', 'cancelled', 2, 't0', 't1');"
            "INSERT INTO units(id, run_id, idx, key, seconds, finished_at) VALUES(1, 1, 0, 'k0', 1.5, 't1');"
            "INSERT INTO samples(unit_id, idx, text, token_ids, token_count, logprob, finish, flops) "
            "VALUES(1, 0, 'old text', x'01000000', 1, -0.5, 'eos', 10);"));
      }
      auto st = Store::open(path);
      LENS_VERIFY_OK(st);
      QCOMPARE(*schemaVersion((*st)->database()), latestSchemaVersion());
      auto run = (*st)->run(1);
      LENS_VERIFY_OK(run);
      QCOMPARE(run->uid, std::string("old"));
      QCOMPARE(run->doneUnits, int64_t{1});
      QCOMPARE(run->status, RunStatus::Cancelled);
      auto u = (*st)->unit(1, 0);
      LENS_VERIFY_OK(u);
      QCOMPARE(u->samples.size(), size_t{1});
      QCOMPARE(u->samples[0].text, std::string("old text"));
      QCOMPARE(u->samples[0].tokenIds, std::vector<int32_t>{1});
      // The tables of later versions work on the upgraded file.
      UnitResult nu = richUnit(1);
      nu.problemIndex.reset();
      auto added = (*st)->commitUnits(1, {nu});
      LENS_VERIFY_OK(added);
      QCOMPARE(*added, 1);
      QCOMPARE((*st)->unit(1, 1)->routing.size(), size_t{1});
    }
  }

  void refusesNewerSchemaWithoutTouchingIt() {
    QTemporaryDir dir;
    const std::string path = tmpPath(dir, "future.db");
    {
      auto st = Store::open(path);
      LENS_VERIFY_OK(st);
      LENS_VERIFY_OK(makeRun(**st, 3));
      LENS_VERIFY_OK((*st)->database().exec("PRAGMA journal_mode = DELETE"));  // one file to compare
      LENS_VERIFY_OK((*st)->database().exec("PRAGMA user_version = " + std::to_string(latestSchemaVersion() + 1)));
    }
    const std::string before = fileBytes(path);
    auto st = Store::open(path);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, ErrorCode::Unsupported);
    QVERIFY2(st.error().message.find("newer ComputeLens") != std::string::npos, st.error().message.c_str());
    QVERIFY(st.error().message.find(path) != std::string::npos);
    QVERIFY(fileBytes(path) == before);
    QVERIFY(!std::filesystem::exists(path + "-wal"));
  }

  void refusesCorruptAndForeignFilesWithoutTouchingThem() {
    QTemporaryDir dir;
    const std::string garbage = tmpPath(dir, "garbage.db");
    test::writeText(garbage, std::string(4096, 'x') + "definitely not SQLite");
    auto st = Store::open(garbage);
    QVERIFY(!st.ok());
    QVERIFY2(st.error().message.find("not a ComputeLens database") != std::string::npos, st.error().message.c_str());
    QVERIFY(fileBytes(garbage) == std::string(4096, 'x') + "definitely not SQLite");

    // A truncated ComputeLens database (half of its pages missing).
    const std::string truncated = tmpPath(dir, "truncated.db");
    {
      auto s = Store::open(truncated);
      LENS_VERIFY_OK(s);
      auto run = makeRun(**s, 100);
      LENS_VERIFY_OK(run);
      std::vector<UnitResult> us;
      for (int i = 0; i < 100; ++i) us.push_back(richUnit(i));
      LENS_VERIFY_OK((*s)->commitUnits(*run, us));
      LENS_VERIFY_OK((*s)->database().exec("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE"));
    }
    std::string bytes = fileBytes(truncated);
    bytes.resize(bytes.size() / 2);
    test::writeText(truncated, bytes);
    auto t = Store::open(truncated);
    if (t.ok()) {
      // The header survives truncation; the damage shows when the pages are read.
      auto units = (*t)->unitIndexes(1);
      bool failed = !units.ok();
      for (int i = 0; !failed && i < 100; ++i) failed = !(*t)->unit(1, i).ok();
      QVERIFY(failed);
    } else {
      QVERIFY(!t.error().message.empty());
    }

    const std::string foreign = tmpPath(dir, "foreign.db");
    {
      auto db = Database::open(foreign);
      LENS_VERIFY_OK(db);
      LENS_VERIFY_OK((*db)->exec("CREATE TABLE notes(text TEXT); INSERT INTO notes VALUES('mine')"));
    }
    const std::string fb = fileBytes(foreign);
    auto f = Store::open(foreign);
    QVERIFY(!f.ok());
    QVERIFY2(f.error().message.find("another application") != std::string::npos, f.error().message.c_str());
    QVERIFY(fileBytes(foreign) == fb);
  }

  void unitRoundTripsAndCommitsExactlyOnce() {
    QTemporaryDir dir;
    auto st = Store::open(tmpPath(dir, "a.db"));
    LENS_VERIFY_OK(st);
    auto run = makeRun(**st, 3);
    LENS_VERIFY_OK(run);
    const UnitResult u = richUnit(2);
    auto added = (*st)->commitUnits(*run, {u});
    LENS_VERIFY_OK(added);
    QCOMPARE(*added, 1);
    auto back = (*st)->unit(*run, 2);
    LENS_VERIFY_OK(back);
    QCOMPARE(back->key, u.key);
    QCOMPARE(back->problemIndex, std::optional<int64_t>(2));
    QCOMPARE(back->seconds, u.seconds);
    QCOMPARE(back->samples.size(), size_t{2});
    const auto& s = back->samples[0];
    QCOMPARE(s.text, u.samples[0].text);
    QCOMPARE(s.tokenIds, u.samples[0].tokenIds);
    QCOMPARE(s.logprob, -3.125);
    QCOMPARE(s.answer, std::optional<std::string>("4"));
    QCOMPARE(s.correct, std::optional<bool>(true));
    QCOMPARE(s.score, std::optional<double>(0.875));
    QCOMPARE(s.steps.size(), size_t{2});
    QCOMPARE(s.steps[0].score, std::optional<double>(0.5));
    QVERIFY(!s.steps[1].score);
    QCOMPARE(back->samples[1].tokenIds.size(), size_t{0});
    QCOMPARE(back->samples[1].correct, std::optional<bool>(false));
    QVERIFY(!back->samples[1].answer);
    QCOMPARE(back->nodes.size(), size_t{3});
    QVERIFY(!back->nodes[0].parent);
    QCOMPARE(back->nodes[2].parent, std::optional<int>(0));
    QVERIFY(!back->nodes[2].selected);
    QCOMPARE(back->routing[0].routes, u.routing[0].routes);
    QCOMPARE(back->routing[0].losses, u.routing[0].losses);
    QCOMPARE(back->routing[0].budgets, u.routing[0].budgets);
    QCOMPARE(back->routing[0].fixedLosses, u.routing[0].fixedLosses);
    QCOMPARE(back->routing[0].bestRandomLosses, u.routing[0].bestRandomLosses);
    QCOMPARE(back->routing[0].routerRoutes, u.routing[0].routerRoutes);
    QCOMPARE(back->routing[0].routerLosses, u.routing[0].routerLosses);
    QCOMPARE(back->metrics.size(), size_t{1});

    // The same unit again (a second process resuming, an overlapping merge) is skipped whole.
    auto again = (*st)->commitUnits(*run, {u, richUnit(0)});
    LENS_VERIFY_OK(again);
    QCOMPARE(*again, 1);
    QCOMPARE(*(*st)->database().scalarInt("SELECT count(*) FROM samples"), int64_t{4});
    QCOMPARE(*(*st)->database().scalarInt("SELECT count(*) FROM search_nodes"), int64_t{6});
    QCOMPARE((*st)->doneUnits(*run)->size(), size_t{2});
  }

  void failedCommitLeavesNothingHalfWritten() {
    QTemporaryDir dir;
    auto st = Store::open(tmpPath(dir, "a.db"));
    LENS_VERIFY_OK(st);
    auto run = makeRun(**st, 3);
    LENS_VERIFY_OK(run);
    UnitResult good = richUnit(0), bad = richUnit(1);
    bad.routing[0].routes.pop_back();  // inconsistent sizes: the write is refused
    auto r = (*st)->commitUnits(*run, {good, bad});
    QVERIFY(!r.ok());
    // The whole batch rolled back: not even the good unit or the bad unit's samples are there.
    QCOMPARE(*(*st)->database().scalarInt("SELECT count(*) FROM units"), int64_t{0});
    QCOMPARE(*(*st)->database().scalarInt("SELECT count(*) FROM samples"), int64_t{0});
  }

  // A full disk, made with SQLite's page limit: the write that does not fit fails with a message
  // that says so, and every unit committed before it is still there, in an intact database.
  void fullDiskFailsCleanlyAndKeepsWhatWasStored() {
    QTemporaryDir dir;
    const std::string path = tmpPath(dir, "full.db");
    auto st = Store::open(path);
    LENS_VERIFY_OK(st);
    auto run = makeRun(**st, 1000);
    LENS_VERIFY_OK(run);
    auto pages = (*st)->database().scalarInt("PRAGMA page_count");
    LENS_VERIFY_OK(pages);
    LENS_VERIFY_OK((*st)->database().exec("PRAGMA max_page_count = " + std::to_string(*pages + 40)));
    int stored = 0;
    Error full;
    for (int i = 0; i < 1000; ++i) {
      UnitResult u = richUnit(i);
      u.samples[0].text = std::string(20000, 'x');  // large enough to fill the limit in a few units
      auto r = (*st)->commitUnits(*run, {u});
      if (!r) {
        full = r.error();
        break;
      }
      ++stored;
    }
    QVERIFY(stored > 0);
    QVERIFY2(full.message.find("is full") != std::string::npos && full.message.find("intact") != std::string::npos, full.message.c_str());
    QCOMPARE(full.code, ErrorCode::Io);
    // Everything committed before is there, readable from a fresh connection, and the file is sound.
    st->reset();
    StoreParams ro;
    ro.readOnly = true;
    auto again = Store::open(path, ro);
    LENS_VERIFY_OK(again);
    QCOMPARE(*(*again)->database().scalarInt("SELECT count(*) FROM units"), int64_t{stored});
    auto check = (*again)->database().prepare("PRAGMA integrity_check");
    LENS_VERIFY_OK(check);
    QVERIFY(*check->step());
    QCOMPARE(check->text(0), std::string("ok"));
  }

  // WAL: a reader on its own connection reads consistent snapshots while the writer commits.
  void readersDoNotBlockTheWriter() {
    QTemporaryDir dir;
    const std::string path = tmpPath(dir, "a.db");
    auto st = Store::open(path);
    LENS_VERIFY_OK(st);
    const int kUnits = 300;
    auto run = makeRun(**st, kUnits);
    LENS_VERIFY_OK(run);
    std::atomic<bool> writing{true};
    std::atomic<int> readsDuringWrite{0}, readErrors{0}, nonMonotonic{0}, partialUnits{0};
    std::thread reader([&] {
      StoreParams rp;
      rp.readOnly = true;
      auto r = Store::open(path, rp);
      if (!r) {
        ++readErrors;
        return;
      }
      size_t last = 0;
      while (writing.load()) {
        auto idx = (*r)->unitIndexes(*run);
        if (!idx) {
          ++readErrors;
          continue;
        }
        if (idx->size() < last) ++nonMonotonic;
        last = idx->size();
        if (!idx->empty()) {
          auto u = (*r)->unit(*run, idx->back());
          if (!u) ++readErrors;
          else if (u->samples.size() != 2 || u->routing.size() != 1) ++partialUnits;  // never half a unit
        }
        ++readsDuringWrite;
      }
    });
    for (int i = 0; i < kUnits; ++i) {
      auto a = (*st)->commitUnits(*run, {richUnit(i)});
      QVERIFY(a.ok());
    }
    writing = false;
    reader.join();
    QCOMPARE(readErrors.load(), 0);
    QCOMPARE(nonMonotonic.load(), 0);
    QCOMPARE(partialUnits.load(), 0);
    QVERIFY2(readsDuringWrite.load() > 10, qPrintable(QString::number(readsDuringWrite.load())));
    QCOMPARE((*st)->doneUnits(*run)->size(), size_t{kUnits});
  }

  void jsonExportRoundTrips() {
    QTemporaryDir dir;
    auto st = Store::open(tmpPath(dir, "a.db"));
    LENS_VERIFY_OK(st);
    auto run = makeRun(**st, 3);
    LENS_VERIFY_OK(run);
    LENS_VERIFY_OK((*st)->commitUnits(*run, {richUnit(0), richUnit(2)}));
    LENS_VERIFY_OK((*st)->addMetrics(*run, {{"accuracy", "validation", 100, 0.5}}));
    LENS_VERIFY_OK((*st)->putCurve(*run, {"accuracy-vs-flops", "best-of-N", "FLOPs", "accuracy", {{1e9, 0.1}, {2e9, 0.25}}}));
    auto j = exportRunJson(**st, *run);
    LENS_VERIFY_OK(j);
    // Through text, as a user's tool would read it.
    json parsed = json::parse(j->dump());
    QCOMPARE(parsed["format"], json("computelens-run"));
    QCOMPARE(parsed["run"]["uid"], json((*st)->run(*run)->uid));
    QCOMPARE(parsed["dataset"]["problems"].size(), size_t{3});
    QCOMPARE(parsed["models"]["policy"]["parameters"], json(1234));
    QCOMPARE(parsed["units"].size(), size_t{2});
    for (size_t i = 0; i < 2; ++i) {
      auto u = unitFromJson(parsed["units"][i], "units[" + std::to_string(i) + "]");
      LENS_VERIFY_OK(u);
      auto stored = (*st)->unit(*run, u->index);
      LENS_VERIFY_OK(stored);
      // Byte-exact round trip, floats included (float → JSON → float is exact).
      QCOMPARE(u->samples[0].text, stored->samples[0].text);
      QCOMPARE(u->samples[0].tokenIds, stored->samples[0].tokenIds);
      QCOMPARE(u->routing[0].losses, stored->routing[0].losses);
      QCOMPARE(u->routing[0].routerRoutes, stored->routing[0].routerRoutes);
      QCOMPARE(u->nodes[1].parent, stored->nodes[1].parent);
      QCOMPARE(unitToJson(*u), unitToJson(*stored));
    }
    QCOMPARE(parsed["metrics"][0]["value"], json(0.5));
    QCOMPARE(parsed["curves"][0]["points"][1][1], json(0.25));
    // Malformed input names the path.
    json broken = parsed["units"][0];
    broken["samples"][0]["token_ids"] = "oops";
    auto e = unitFromJson(broken, "units[0]");
    QVERIFY(!e.ok());
    QCOMPARE(e.error().message, std::string("units[0].samples[0].token_ids: wrong type"));
  }

  void csvExportParsesBack() {
    QTemporaryDir dir;
    auto st = Store::open(tmpPath(dir, "a.db"));
    LENS_VERIFY_OK(st);
    auto run = makeRun(**st, 3);
    LENS_VERIFY_OK(run);
    LENS_VERIFY_OK((*st)->commitUnits(*run, {richUnit(0), richUnit(1)}));
    std::ostringstream out;
    LENS_VERIFY_OK(exportRunCsv(**st, *run, CsvTable::Samples, out));
    auto rows = test::parseCsv(out.str());
    QCOMPARE(rows.size(), size_t{1 + 4});
    QCOMPARE(rows[0].back(), std::string("text"));
    for (const auto& r : rows) QCOMPARE(r.size(), rows[0].size());
    QCOMPARE(rows[1][0], std::string("0"));
    QCOMPARE(rows[1][1], std::string("problem-0"));
    QCOMPARE(rows[1][7], std::string("4"));
    QCOMPARE(rows[1][8], std::string("1"));
    QCOMPARE(rows[1].back(), richUnit(0).samples[0].text);  // commas, quotes, newlines survive
    QCOMPARE(std::stod(rows[1][6]), -3.125);
    QCOMPARE(rows[2][8], std::string("0"));

    std::ostringstream routing;
    LENS_VERIFY_OK(exportRunCsv(**st, *run, CsvTable::Routing, routing));
    auto rr = test::parseCsv(routing.str());
    QCOMPARE(rr.size(), size_t{1 + 4});  // 2 units × 2 positions
    QCOMPARE(rr[0][5], std::string("routes"));
    QCOMPARE(rr[1][4], std::string("2"));  // the token position 0 predicts
    QCOMPARE(rr[1][5], std::string("012;222"));
    QCOMPARE(rr[2][5], std::string("210;111"));
    QCOMPARE(rr[1][6], std::string("3.5;2.25"));
    QCOMPARE(QString::fromStdString(rr[2][7]), QString("6.0;5.0;4.0"));
    QCOMPARE(rr[2][9], std::string("1.5;0.75"));
    QCOMPARE(rr[0][10], std::string("router_routes"));
    QCOMPARE(rr[1][10], std::string("210"));
    QCOMPARE(rr[2][10], std::string("002"));
    QCOMPARE(QString::fromStdString(rr[2][11]), QString("0.25"));
  }

  void mergeCombinesShardsOnce() {
    QTemporaryDir dir;
    const std::string a = tmpPath(dir, "shard0.db"), b = tmpPath(dir, "shard1.db"), out = tmpPath(dir, "merged.db");
    for (int shard = 0; shard < 2; ++shard) {
      auto st = Store::open(shard ? b : a);
      LENS_VERIFY_OK(st);
      auto run = makeRun(**st, 6, "shared-uid");
      LENS_VERIFY_OK(run);
      std::vector<UnitResult> us;
      for (int i = shard; i < 6; i += 2) us.push_back(richUnit(i));
      if (shard == 1) us.push_back(richUnit(0));  // overlap: unit 0 is in both
      LENS_VERIFY_OK((*st)->commitUnits(*run, us));
    }
    auto st = Store::open(out);
    LENS_VERIFY_OK(st);
    auto rep = mergeStores(**st, {a, b});
    LENS_VERIFY_OK(rep);
    QCOMPARE(rep->runs, 2);
    QCOMPARE(rep->unitsAdded, int64_t{6});
    QCOMPARE(rep->unitsSkipped, int64_t{1});
    auto runs = (*st)->runs();
    QCOMPARE(runs->size(), size_t{1});
    QCOMPARE(runs->front().doneUnits, int64_t{6});
    QCOMPARE(runs->front().status, RunStatus::Done);
    QCOMPARE(*(*st)->database().scalarInt("SELECT count(*) FROM datasets"), int64_t{1});
    QCOMPARE(*(*st)->database().scalarInt("SELECT count(*) FROM samples"), int64_t{12});
    QCOMPARE((*st)->unit(runs->front().id, 3)->problemIndex, std::optional<int64_t>(0));
    // Merging again adds nothing.
    auto again = mergeStores(**st, {a, b});
    LENS_VERIFY_OK(again);
    QCOMPARE(again->unitsAdded, int64_t{0});
    QCOMPARE(*(*st)->database().scalarInt("SELECT count(*) FROM units"), int64_t{6});
  }

  void findsRunsByIdOrUidPrefix() {
    QTemporaryDir dir;
    auto st = Store::open(tmpPath(dir, "a.db"));
    LENS_VERIFY_OK(st);
    LENS_VERIFY_OK(makeRun(**st, 1, "abc123"));
    LENS_VERIFY_OK(makeRun(**st, 1, "abd456"));
    QCOMPARE((*st)->findRun("2")->uid, std::string("abd456"));
    QCOMPARE((*st)->findRun("abc")->id, int64_t{1});
    QVERIFY(!(*st)->findRun("ab").ok());  // ambiguous
    QVERIFY((*st)->findRun("ab").error().message.find("matches 2 runs") != std::string::npos);
    QCOMPARE((*st)->findRun("zzz").error().code, ErrorCode::NotFound);
    QCOMPARE((*st)->findRun("99").error().code, ErrorCode::NotFound);
  }
};

QTEST_GUILESS_MAIN(TestStore)
#include "test_store.moc"
