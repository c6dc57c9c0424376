// SPDX-License-Identifier: GPL-3.0-or-later
// Runs as a user runs them: computelens-cli in a child process, killed with SIGKILL at random
// moments, interrupted with Ctrl-C, split into shards and merged. The database must always pass
// PRAGMA integrity_check, hold every unit exactly once, and match an uninterrupted run.
#include <signal.h>

#include <QProcess>
#include <QtTest>
#include <nlohmann/json.hpp>
#include <cstring>
#include <filesystem>
#include <random>

#include "common/csv_reader.h"
#include "common/test_helpers.h"
#include "core/common/atomic_file.h"
#include "core/store/database.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/tensor_io/safetensors.h"

using json = nlohmann::json;
using namespace lens;

namespace {

constexpr int kUnits = 60;
constexpr int kSamples = 2;

struct Run {
  int code;
  QByteArray out, err;
};

Run cli(const QStringList& args) {
  QProcess p;
  p.start(LENS_CLI_PATH, args);
  if (!p.waitForFinished(300000)) return {-1, {}, "timeout"};
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, p.readAllStandardOutput(), p.readAllStandardError()};
}

QString writeSpec(QTemporaryDir& dir, int maxTokens = 48) {
  json prompts = json::array();
  for (int i = 0; i < kUnits; ++i) prompts.push_back("prompt number " + std::to_string(i));
  json spec = {{"kind", "generate"},
               {"model", test::fixture("tiny-qwen2")},
               {"prompts", prompts},
               {"samples", kSamples},
               {"batch", 1},
               {"seed", 3},
               {"sampling", {{"temperature", 0.9}, {"max_new_tokens", maxTokens}, {"ignore_eos", true}}},
               {"device", {{"device", "cpu"}, {"threads", 1}}}};
  const QString path = dir.filePath(QString("spec-%1.json").arg(maxTokens));
  test::writeText(path.toStdString(), spec.dump(2));
  return path;
}

// Token ids of every sample, by unit, read straight from the database.
std::map<int64_t, std::vector<std::vector<int32_t>>> contents(const std::string& db, int64_t runId) {
  std::map<int64_t, std::vector<std::vector<int32_t>>> out;
  store::StoreParams rp;
  rp.readOnly = true;
  auto st = store::Store::open(db, rp);
  if (!st) return out;
  auto idx = (*st)->unitIndexes(runId);
  if (!idx) return out;
  for (int64_t i : *idx) {
    auto u = (*st)->unit(runId, i);
    if (!u) return {};
    for (const auto& s : u->samples) out[i].push_back(s.tokenIds);
  }
  return out;
}

// -1 while the database or its tables do not exist yet.
int64_t scalar(const std::string& db, const char* sql) {
  auto d = store::Database::open(db, {true, false, 5000});
  if (!d) return -1;
  auto n = (*d)->scalarInt(sql);
  return n ? *n : -1;
}
int64_t committedUnits(const std::string& db) { return scalar(db, "SELECT count(*) FROM units"); }

// A run watched from the outside: when its first unit was committed to `db` and when it ended
// (start-up, model loading and the units' own pace differ between machines and builds).
struct Watched {
  bool ok = false;
  QByteArray err;
  int firstUnitMs = -1, totalMs = 0;
};
Watched watchRun(const QStringList& args, const QString& db) {
  Watched w;
  QElapsedTimer timer;
  timer.start();
  QProcess p;
  p.start(LENS_CLI_PATH, args);
  if (!p.waitForStarted()) return w;
  while (!p.waitForFinished(5)) {
    if (w.firstUnitMs < 0 && committedUnits(db.toStdString()) > 0) w.firstUnitMs = static_cast<int>(timer.elapsed());
    if (timer.elapsed() > 300000) return w;
  }
  w.totalMs = static_cast<int>(timer.elapsed());
  if (w.firstUnitMs < 0) w.firstUnitMs = w.totalMs / 10;
  w.ok = p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
  w.err = p.readAllStandardError();
  return w;
}

// Starts the CLI and SIGKILLs it (no chance to clean up) `afterMs` after it has committed a unit of
// its own to `db`, unless it finishes first. So every attempt makes progress and dies in the middle
// of the next unit, whatever the machine's pace (a kill timed from the start alone can land before
// the first commit on a slow machine, or after the last on a fast one). Returns whether it
// finished by itself.
bool runAndKillAfterACommit(const QStringList& args, const QString& db, int afterMs) {
  const int64_t before = std::max<int64_t>(0, committedUnits(db.toStdString()));
  QProcess p;
  p.start(LENS_CLI_PATH, args);
  if (!p.waitForStarted()) return false;
  QElapsedTimer timer;
  timer.start();
  bool committed = false;
  while (!committed && timer.elapsed() < 300000) {
    if (p.waitForFinished(5)) return true;
    committed = committedUnits(db.toStdString()) > before;
  }
  if (committed && p.waitForFinished(afterMs)) return true;
  // pid 0 would signal our whole process group (ctest included): only a live child.
  if (const auto pid = static_cast<pid_t>(p.processId()); pid > 0) ::kill(pid, SIGKILL);
  p.waitForFinished(10000);
  return false;
}

// How long one unit takes in an uninterrupted run, from its first commit to its end.
int unitMs(const Watched& ref, int units) { return std::max(1, (ref.totalMs - ref.firstUnitMs) / std::max(1, units - 1)); }

}  // namespace

class TestCliRuns : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void killNineAtRandomMomentsLosesAndDuplicatesNothing() {
    QTemporaryDir dir;
    const QString spec = writeSpec(dir, 160);  // long enough that kills land between commits
    const QString refDb = dir.filePath("ref.db"), db = dir.filePath("killed.db");
    const Watched ref = watchRun({"run", spec, "--db", refDb, "-q"}, refDb);
    QVERIFY2(ref.ok, ref.err.constData());
    const auto want = contents(refDb.toStdString(), 1);
    QCOMPARE(want.size(), size_t{kUnits});

    std::mt19937 rng(20261122);
    // Each kill lands at a random moment within the unit after one the run committed itself.
    std::uniform_int_distribution<int> delayMs(0, unitMs(ref, kUnits));
    int midRunKills = 0;
    bool created = false;
    for (int attempt = 0; attempt < 8; ++attempt) {
      const bool finished = runAndKillAfterACommit(
          created ? QStringList{"resume", "1", "--db", db, "-q"} : QStringList{"run", spec, "--db", db, "-q"}, db, delayMs(rng));
      const int64_t n = committedUnits(db.toStdString());
      created = created || scalar(db.toStdString(), "SELECT count(*) FROM runs") > 0;
      if (!finished && n > 0 && n < kUnits) ++midRunKills;
      if (n == kUnits) break;
      // The database is consistent after every kill.
      if (n >= 0) {
        auto d = store::Database::open(db.toStdString());
        LENS_VERIFY_OK(d);
        auto check = (*d)->prepare("PRAGMA integrity_check");
        LENS_VERIFY_OK(check);
        QVERIFY(*check->step());
        QCOMPARE(check->text(0), std::string("ok"));
      }
    }
    qInfo("%d SIGKILLs landed mid-run (reference run: %d ms, first unit at %d ms)", midRunKills, ref.totalMs, ref.firstUnitMs);
    QVERIFY2(midRunKills >= 2, qPrintable(QString("only %1 kills landed mid-run").arg(midRunKills)));
    auto last = cli({"resume", "1", "--db", db, "-q"});
    QVERIFY2(last.code == 0, last.err.constData());

    auto d = store::Database::open(db.toStdString());
    LENS_VERIFY_OK(d);
    auto check = (*d)->prepare("PRAGMA integrity_check");
    QVERIFY(*check->step());
    QCOMPARE(check->text(0), std::string("ok"));
    QCOMPARE(*(*d)->scalarInt("SELECT count(*) FROM runs"), int64_t{1});
    QCOMPARE(*(*d)->scalarInt("SELECT count(*) FROM units"), int64_t{kUnits});
    QCOMPARE(*(*d)->scalarInt("SELECT count(DISTINCT idx) FROM units"), int64_t{kUnits});
    QCOMPARE(*(*d)->scalarInt("SELECT count(*) FROM samples"), int64_t{kUnits * kSamples});
    QCOMPARE(*(*d)->scalarInt("SELECT count(*) FROM (SELECT unit_id FROM samples GROUP BY unit_id HAVING count(*) != 2)"),
             int64_t{0});
    // And the resumed units are the ones an uninterrupted run computes.
    QVERIFY(contents(db.toStdString(), 1) == want);
    auto show = cli({"show", "1", "--db", db, "--json"});
    QCOMPARE(show.code, 0);
    QCOMPARE(json::parse(show.out.toStdString())["status"], json("done"));
  }

  // SIGKILL during training, at random moments, then resume: the run ends with one unit per
  // checkpoint segment, each stored once, and with exactly the weights of an uninterrupted run
  // (every step depends only on the seed and the step). After every kill, each file in the
  // output folder is complete (safetensors validate, JSON parses): checkpoints are written to a
  // temporary and renamed, and the temporaries of killed writers are cleaned up by the next one.
  void killNineDuringTrainingResumesToTheSameModel() {
    QTemporaryDir dir;
    auto spec = [&](const QString& out) {
      json j = {{"kind", "train"}, {"name", "tiny"}, {"out", out.toStdString()}, {"seed", 5}, {"steps", 40},
                {"batch", 8}, {"warmup", 4}, {"checkpoint_every", 4}, {"save_dtype", "float32"},
                {"model", {{"layers", 2}, {"hidden", 64}, {"heads", 2}, {"kv_heads", 1}, {"intermediate", 128},
                           {"small_intermediate", 32}, {"max_positions", 128}}},
                {"data", {{"train_problems", 500}, {"validation_problems", 8}}},
                {"device", {{"device", "cpu"}, {"threads", 1}}}};
      const QString path = out + ".json";
      test::writeText(path.toStdString(), j.dump(2));
      return path;
    };
    const QString refOut = dir.filePath("ref"), out = dir.filePath("killed");
    const QString refDb = dir.filePath("ref.db"), db = dir.filePath("killed.db");
    const Watched ref = watchRun({"run", spec(refOut), "--db", refDb, "-q"}, refDb);
    QVERIFY2(ref.ok, ref.err.constData());

    std::mt19937 rng(20261123);
    std::uniform_int_distribution<int> delayMs(0, unitMs(ref, 10));
    const QString killedSpec = spec(out);
    int midRunKills = 0;
    bool created = false;
    for (int attempt = 0; attempt < 5; ++attempt) {
      const bool finished = runAndKillAfterACommit(
          created ? QStringList{"resume", "1", "--db", db, "-q"} : QStringList{"run", killedSpec, "--db", db, "-q"}, db, delayMs(rng));
      created = created || scalar(db.toStdString(), "SELECT count(*) FROM runs") > 0;
      const int64_t n = committedUnits(db.toStdString());
      if (!finished && n > 0 && n < 10) ++midRunKills;
      // Every file there is whole.
      std::error_code noDir;
      for (const auto& e : std::filesystem::directory_iterator(out.toStdString(), noDir)) {
        const std::string f = e.path().string();
        if (f.find(".tmp.") != std::string::npos) continue;  // a killed writer's temporary
        if (e.path().extension() == ".safetensors") {
          auto st = tensor_io::SafetensorsFile::open(f);
          QVERIFY2(st.ok(), f.c_str());
        } else if (e.path().extension() == ".json") {
          auto text = readFile(f);
          LENS_VERIFY_OK(text);
          QVERIFY2(!json::parse(*text, nullptr, false).is_discarded(), f.c_str());
        }
      }
      if (n == 10) break;
    }
    qInfo("%d SIGKILLs landed mid-training (reference run: %d ms, first unit at %d ms)", midRunKills, ref.totalMs, ref.firstUnitMs);
    QVERIFY2(midRunKills >= 2, qPrintable(QString("only %1 kills landed mid-training").arg(midRunKills)));
    auto last = cli({"resume", "1", "--db", db, "-q"});
    QVERIFY2(last.code == 0, last.err.constData());
    QCOMPARE(scalar(db.toStdString(), "SELECT count(*) FROM units"), int64_t{10});
    QCOMPARE(scalar(db.toStdString(), "SELECT count(DISTINCT idx) FROM units"), int64_t{10});

    auto a = tensor_io::SafetensorsFile::open((refOut + "/training_state.safetensors").toStdString());
    auto b = tensor_io::SafetensorsFile::open((out + "/training_state.safetensors").toStdString());
    LENS_VERIFY_OK(a);
    LENS_VERIFY_OK(b);
    QCOMPARE((*b)->metadata().at("step"), std::string("40"));
    QCOMPARE((*a)->tensors().size(), (*b)->tensors().size());
    for (const auto& t : (*a)->tensors()) {
      const auto* u = (*b)->find(t.name);
      QVERIFY2(u && u->nbytes == t.nbytes, t.name.c_str());
      QVERIFY2(std::memcmp(t.data, u->data, t.nbytes) == 0, ("differs after kills: " + t.name).c_str());
    }
    // No temporaries are left once a later writer has run.
    for (const auto& e : std::filesystem::directory_iterator(out.toStdString()))
      QVERIFY2(e.path().string().find(".tmp.") == std::string::npos, e.path().string().c_str());
  }

  void ctrlCLeavesARunResumable() {
    QTemporaryDir dir;
    const QString spec = writeSpec(dir, 400), db = dir.filePath("a.db");
    QProcess p;
    p.start(LENS_CLI_PATH, {"run", spec, "--db", db});
    QVERIFY(p.waitForStarted());
    // Interrupt once some units are stored.
    QElapsedTimer t;
    t.start();
    while (committedUnits(db.toStdString()) < 2 && t.elapsed() < 60000 && p.state() == QProcess::Running) QTest::qWait(20);
    const auto pid = static_cast<pid_t>(p.processId());
    QVERIFY2(p.state() == QProcess::Running && pid > 0, p.readAllStandardError().constData());
    ::kill(pid, SIGINT);
    QElapsedTimer stop;
    stop.start();
    QVERIFY(p.waitForFinished(10000));
    QVERIFY2(stop.elapsed() < 2000, qPrintable(QString("took %1 ms to stop").arg(stop.elapsed())));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 130);
    QVERIFY(p.readAllStandardError().contains("computelens-cli resume 1"));
    auto show = cli({"show", "1", "--db", db, "--json"});
    auto j = json::parse(show.out.toStdString());
    QCOMPARE(j["status"], json("cancelled"));
    const int64_t stored = j["done_units"].get<int64_t>();
    QVERIFY(stored >= 2 && stored < kUnits);
    auto rest = cli({"resume", "1", "--db", db, "-q", "--max-units", "3"});
    QCOMPARE(rest.code, 0);
    QCOMPARE(committedUnits(db.toStdString()), stored + 3);
  }

  // report --out-dir names each file after its run; a hostile run name stays inside the folder.
  void reportFolderKeepsHostileNamesInside() {
    QTemporaryDir dir;
    const QString db = dir.filePath("a.db"), specPath = dir.filePath("s.json");
    json j = {{"kind", "generate"}, {"name", "../../escape/<script>x</script>"}, {"model", test::fixture("tiny-qwen2")},
              {"prompts", {"a"}}, {"samples", 1}, {"sampling", {{"max_new_tokens", 2}}}, {"device", {{"device", "cpu"}}}};
    test::writeText(specPath.toStdString(), j.dump());
    QCOMPARE(cli({"run", specPath, "--db", db, "-q"}).code, 0);
    QDir(dir.path()).mkpath("a/b/reports");
    const QString out = dir.filePath("a/b/reports");
    auto r = cli({"report", "1", "--db", db, "--out-dir", out});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(QString::fromUtf8(r.out).trimmed(), out + "/1-escape-script-x-script.html");
    QCOMPARE(QDir(out).entryList(QDir::Files), QStringList{"1-escape-script-x-script.html"});
    QVERIFY(!QFileInfo::exists(dir.filePath("escape")) && !QFileInfo::exists(dir.filePath("a/escape")));
    QCOMPARE(QDir(dir.filePath("a/b")).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList{"reports"});
    QFile f(out + "/1-escape-script-x-script.html");
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray html = f.readAll();
    QVERIFY(!html.contains("<script>x"));
    QVERIFY(html.contains("&lt;script&gt;x"));
  }

  void shardsMergeIntoTheWholeRun() {
    QTemporaryDir dir;
    const QString spec = writeSpec(dir, 8);
    const QString refDb = dir.filePath("ref.db");
    QCOMPARE(cli({"run", spec, "--db", refDb, "-q"}).code, 0);
    QStringList shards;
    for (int i = 0; i < 3; ++i) {
      shards << dir.filePath(QString("shard%1.db").arg(i));
      auto r = cli({"run", spec, "--shard", QString("%1/3").arg(i), "--db", shards.back(), "-q"});
      QVERIFY2(r.code == 0, r.err.constData());
      QCOMPARE(committedUnits(shards.back().toStdString()), int64_t{kUnits / 3});
    }
    // A requeued shard (Slurm) finds its run and has nothing left to do.
    auto again = cli({"run", spec, "--shard", "1/3", "--db", shards[1]});
    QCOMPARE(again.code, 0);
    QVERIFY2(again.err.contains("(0 computed now)"), again.err.constData());
    const QString merged = dir.filePath("merged.db");
    auto m = cli(QStringList{"merge"} + shards + QStringList{"--db", merged});
    QVERIFY2(m.code == 0, m.err.constData());
    QVERIFY(m.err.contains("60 units added"));
    QVERIFY(contents(merged.toStdString(), 1) == contents(refDb.toStdString(), 1));
    auto list = cli({"list", "--db", merged, "--json"});
    auto runs = json::parse(list.out.toStdString());
    QCOMPARE(runs.size(), size_t{1});
    QCOMPARE(runs[0]["status"], json("done"));
    QCOMPARE(cli({"run", spec, "--shard", "3/3", "--db", merged}).code, 1);
  }

  // A graded run of the shipped model: `curves` at N = 1 equals the accuracy `show` reports, and
  // --save stores the curves in the run.
  void curvesOfAGradedRun() {
    QTemporaryDir dir;
    const QString db = dir.filePath("a.db"), spec = dir.filePath("arith.json");
    json j = {{"kind", "generate"},
              {"model", std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small"},
              {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"count", 30}}},
              {"samples", 4},
              {"batch", 16},
              {"seed", 1},
              {"sampling", {{"temperature", 1.0}, {"max_new_tokens", 400}}},
              {"device", {{"device", "cpu"}}}};
    test::writeText(spec.toStdString(), j.dump());
    auto r = cli({"run", spec, "--db", db, "-q"});
    QVERIFY2(r.code == 0, r.err.constData());
    auto show = json::parse(cli({"show", "1", "--db", db, "--json"}).out.toStdString());
    const double accuracy = show["summary"]["correct"].get<double>() / show["summary"]["graded"].get<double>();
    QCOMPARE(show["summary"]["graded"], json(120));
    auto c = cli({"curves", "1", "--db", db, "--json", "--budgets", "1,2,4", "--aggregation", "majority", "--save"});
    QVERIFY2(c.code == 0, c.err.constData());
    auto curves = json::parse(c.out.toStdString());
    QCOMPARE(curves[0]["series"], json("all"));
    LENS_COMPARE_NEAR(curves[0]["points"][0]["accuracy"].get<double>(), accuracy, 1e-12);
    QCOMPARE(curves[0]["points"].size(), size_t{3});
    auto st = store::Store::open(db.toStdString());
    auto saved = (*st)->curves(1);
    LENS_VERIFY_OK(saved);
    QVERIFY(saved->size() >= 6);  // all + 5 bins (+ levels)
    QCOMPARE(cli({"curves", "1", "--db", db, "--aggregation", "vote"}).code, 1);
  }

  // `verifier` on a run scored by the shipped PRM: its pooled and within-problem AUROC, and the
  // within-problem AUROC of the samples' mean log-probability per token, equal a count over every
  // (right, wrong) pair of the exported samples; a run without scores is refused.
  void verifierAurocOfAScoredRun() {
    QTemporaryDir dir;
    const QString db = dir.filePath("v.db"), spec = dir.filePath("scored.json");
    json j = {{"kind", "generate"},
              {"model", std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small"},
              {"verifier", {{"model", std::string(LENS_SOURCE_DIR) + "/resources/models/arith-prm"}}},
              {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"count", 20}}},
              {"samples", 4},
              {"batch", 16},
              {"seed", 3},
              {"sampling", {{"temperature", 1.0}, {"max_new_tokens", 400}}},
              {"device", {{"device", "cpu"}}}};
    test::writeText(spec.toStdString(), j.dump());
    auto r = cli({"run", spec, "--db", db, "-q"});
    QVERIFY2(r.code == 0, r.err.constData());
    auto v = cli({"verifier", "1", "--db", db, "--json", "--budgets", "1,4"});
    QVERIFY2(v.code == 0, v.err.constData());
    auto q = json::parse(v.out.toStdString());
    auto exported = json::parse(cli({"export", "1", "--db", db, "--format", "json"}).out.toStdString());
    auto pairs = [](const std::vector<std::pair<double, bool>>& s) {
      double u = 0, n = 0;
      for (const auto& [a, ra] : s)
        for (const auto& [b, rb] : s)
          if (ra && !rb) u += a > b ? 1.0 : a == b ? 0.5 : 0.0, n += 1;
      return n > 0 ? u / n : -1.0;
    };
    std::vector<std::pair<double, bool>> all;
    double within = 0, likelihood = 0;
    int mixed = 0;
    for (const auto& u : exported["units"]) {
      std::vector<std::pair<double, bool>> mine, confidence;
      for (const auto& s : u["samples"]) {
        mine.emplace_back(s["score"].get<double>(), s["correct"].get<bool>());
        confidence.emplace_back(s["logprob"].get<double>() / static_cast<double>(s["token_ids"].size()), s["correct"].get<bool>());
      }
      all.insert(all.end(), mine.begin(), mine.end());
      if (const double a = pairs(mine); a >= 0) within += a, likelihood += pairs(confidence), ++mixed;
    }
    QCOMPARE(q["pooled"]["right"].get<int>() + q["pooled"]["wrong"].get<int>(), 80);
    LENS_COMPARE_NEAR(q["pooled"]["auroc"].get<double>(), pairs(all), 1e-12);
    QCOMPARE(q["within_problem"]["problems"].get<int>(), mixed);
    if (mixed > 0) LENS_COMPARE_NEAR(q["within_problem"]["auroc"].get<double>(), within / mixed, 1e-12);
    // The generator's own confidence (mean log-prob per token) ranked on the same problems.
    QVERIFY(mixed > 0);
    LENS_COMPARE_NEAR(q["likelihood_within_problem"]["auroc"].get<double>(), likelihood / mixed, 1e-12);
    QVERIFY(q["likelihood_within_problem"]["verifier_minus_likelihood"]["ci_low"].get<double>() <=
            q["within_problem"]["auroc"].get<double>() - q["likelihood_within_problem"]["auroc"].get<double>() + 1e-12);
    QVERIFY(q["pooled"]["ci_low"].get<double>() <= q["pooled"]["auroc"].get<double>());
    QVERIFY(q["pooled"]["ci_high"].get<double>() >= q["pooled"]["auroc"].get<double>());
    QVERIFY(cli({"verifier", "1", "--db", db}).out.contains("within problem"));
    // Weighted best-of-N against majority voting on the same subsets: at N = 1 both take the one
    // sample, and majority at N = 4 is what `curves` reports.
    const auto& sel = q["weighted_vs_majority"];
    QCOMPARE(sel.size(), size_t{2});
    QCOMPARE(sel[0]["n"], json(1));
    QCOMPARE(sel[0]["difference"].get<double>(), 0.0);
    QCOMPARE(sel[1]["problems"], json(20));
    QVERIFY(sel[1]["ci_low"].get<double>() <= sel[1]["difference"].get<double>() + 1e-12);
    QVERIFY(sel[1]["ci_high"].get<double>() >= sel[1]["difference"].get<double>() - 1e-12);
    auto curves = json::parse(cli({"curves", "1", "--db", db, "--json", "--budgets", "1", "--aggregation", "majority"}).out.toStdString());
    LENS_COMPARE_NEAR(sel[0]["majority"].get<double>(), curves[0]["points"][0]["accuracy"].get<double>(), 1e-12);
    // A run whose samples carry no scores.
    j.erase("verifier");
    test::writeText(spec.toStdString(), j.dump());
    QCOMPARE(cli({"run", spec, "--db", db, "-q"}).code, 0);
    auto none = cli({"verifier", "2", "--db", db});
    QCOMPARE(none.code, 1);
    QVERIFY2(none.err.contains("carry no verifier scores"), none.err.constData());
  }

  void exportsAndBadInput() {
    QTemporaryDir dir;
    const QString spec = writeSpec(dir, 4), db = dir.filePath("a.db");
    QCOMPARE(cli({"run", spec, "--db", db, "-q", "--name", "first"}).code, 0);
    auto js = cli({"export", "1", "--db", db});
    QCOMPARE(js.code, 0);
    auto j = json::parse(js.out.toStdString());
    QCOMPARE(j["units"].size(), size_t{kUnits});
    QCOMPARE(j["run"]["name"], json("first"));
    const QString csv = dir.filePath("s.csv");
    QCOMPARE(cli({"export", "1", "--db", db, "--format", "csv", "--out", csv}).code, 0);
    auto text = readFile(csv.toStdString());
    LENS_VERIFY_OK(text);
    auto rows = test::parseCsv(*text);
    QCOMPARE(rows.size(), size_t{1 + kUnits * kSamples});
    for (const auto& row : rows) QCOMPARE(row.size(), rows[0].size());

    // A spec with a typo: a clear error, and the database is untouched.
    json bad = json::parse(*readFile(spec.toStdString()));
    bad["sampling"]["temprature"] = 0.5;
    const QString badSpec = dir.filePath("bad.json");
    test::writeText(badSpec.toStdString(), bad.dump());
    const std::string before = *readFile(db.toStdString());
    auto r = cli({"run", badSpec, "--db", db});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("spec.sampling: unknown field \"temprature\""), r.err.constData());
    QVERIFY(*readFile(db.toStdString()) == before);
    // --device, --dtype and --threads set the spec's "device" object (over the file's threads 1);
    // bad values are refused with the field named, and nothing is stored.
    QCOMPARE(cli({"run", spec, "--db", db, "-q", "--threads", "2", "--dtype", "float32"}).code, 0);
    auto shown = cli({"show", "2", "--db", db, "--json"});
    QCOMPARE(shown.code, 0);
    const auto device = json::parse(shown.out.toStdString())["spec"]["device"];
    QCOMPARE(device, json({{"device", "cpu"}, {"dtype", "float32"}, {"threads", 2}}));
    const std::string withTwoRuns = *readFile(db.toStdString());
    r = cli({"run", spec, "--db", db, "--threads", "-1"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("spec.device.threads: -1 is outside"), r.err.constData());
    r = cli({"oracle", "--model", QString(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small", "--device", "tpu", "--db", db});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("spec.device.device: 'tpu' is not auto, cpu, cuda or cuda:N"), r.err.constData());
    QVERIFY(*readFile(db.toStdString()) == withTwoRuns);
    test::writeText(badSpec.toStdString(), "{\"kind\": ");
    r = cli({"run", badSpec, "--db", db});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("not valid JSON"));

    // A database from a newer ComputeLens.
    {
      auto d = store::Database::open(db.toStdString());
      LENS_VERIFY_OK((*d)->exec("PRAGMA user_version = " + std::to_string(store::latestSchemaVersion() + 1)));
    }
    r = cli({"list", "--db", db});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("newer"), r.err.constData());
    r = cli({"run", spec, "--db", db});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("newer ComputeLens"), r.err.constData());
    QCOMPARE(cli({"show", "7", "--db", dir.filePath("missing.db")}).code, 1);
  }
};

QTEST_GUILESS_MAIN(TestCliRuns)
#include "test_cli_runs.moc"
