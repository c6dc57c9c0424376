// SPDX-License-Identifier: GPL-3.0-or-later
// The CLI as a user runs it: a separate process, its stdout, stderr and exit code.
#include <QProcess>
#include <map>
#include <regex>
#include <set>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "sharded_main.h"
#include "common/tiny_qwen3.h"
#include "core/common/atomic_file.h"
#include "core/routing/router.h"
#include "core/tensor_io/safetensors.h"

using json = nlohmann::json;
using namespace lens;

namespace {
struct Run {
  int code;
  QByteArray out, err;
};
Run cli(const QStringList& args, const QByteArray& input = {}) {
  QProcess p;
  p.start(LENS_CLI_PATH, args);
  p.write(input);
  p.closeWriteChannel();
  if (!p.waitForFinished(120000)) return {-1, {}, "timeout"};
  return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}
QString fx(const char* rel) { return QString::fromStdString(test::fixture(rel)); }

// The names under "Subcommands:" of `computelens-cli ARGS --help`.
std::set<std::string> subcommandsOf(QStringList args) {
  args << "--help";
  const auto r = cli(args);
  std::set<std::string> names;
  bool inList = false;
  for (const QByteArray& line : r.out.split('\n')) {
    if (line.startsWith("Subcommands:")) inList = true;
    else if (inList && line.startsWith("  ") && line.size() > 2 && line[2] != ' ')
      names.insert(line.trimmed().split(' ').first().toStdString());
    else if (inList && !line.trimmed().isEmpty())
      inList = false;
  }
  return names;
}
}  // namespace

class TestCli : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void tokenizeMatchesHuggingFace() {
    auto cases = json::parse(*readFile(test::fixture("tokenizer_cases.json")));
    for (const char* name : {"llama", "qwen2", "gpt2"}) {
      json texts = json::array(), want = json::array();
      for (const auto& c : cases[name]) {
        texts.push_back(c["text"]);
        want.push_back(c["ids"]);
      }
      auto r = cli({"tokenize", "--tokenizer", fx("tok-") + name + "/tokenizer.json"}, QByteArray::fromStdString(texts.dump()));
      QCOMPARE(r.code, 0);
      QCOMPARE(json::parse(r.out.toStdString()), want);
    }
    auto bad = cli({"tokenize", "--tokenizer", fx("tok-gpt2/tokenizer.json")}, "{\"not\": \"an array\"}");
    QCOMPARE(bad.code, 1);
    QVERIFY(bad.err.contains("expected a JSON array of strings"));
  }

  void logitsCommandWritesGoldenValues() {
    QTemporaryDir tmp;
    const QString out = tmp.filePath("l.safetensors");
    auto exp = json::parse(*readFile(test::fixture("tiny-qwen2/expected.json")));
    QStringList ids;
    for (int id : exp["cases"][0]["ids"]) ids << QString::number(id);
    auto r = cli({"logits", fx("tiny-qwen2"), "--ids", ids.join(','), "--out", out});
    QVERIFY2(r.code == 0, r.err.constData());
    auto got = tensor_io::SafetensorsFile::open(out.toStdString());
    LENS_VERIFY_OK(got);
    auto want = tensor_io::SafetensorsFile::open(test::fixture("tiny-qwen2/expected_logits.safetensors"));
    const auto* g = (*got)->find("logits");
    const auto* w = (*want)->find("logits_0");
    QVERIFY(g && w);
    QCOMPARE(g->shape, w->shape);
    QVERIFY(test::maxAbsDiff(reinterpret_cast<const float*>(g->data), reinterpret_cast<const float*>(w->data), w->numel()) <= 1e-4);
  }

  void generateJson() {
    auto exp = json::parse(*readFile(test::fixture("tiny-llama/expected.json")));
    const auto& c = exp["cases"][1];
    auto r = cli({"generate", fx("tiny-llama"), "--prompt", QString::fromStdString(c["prompt"]), "--greedy", "--max-tokens", "12",
                  "--ignore-eos", "--json", "-n", "2", "--device", "cpu"});
    QVERIFY2(r.code == 0, r.err.constData());
    auto j = json::parse(r.out.toStdString());
    QCOMPARE(j["prompt_ids"], c["ids"]);
    QCOMPARE(j["samples"].size(), size_t(2));
    for (const auto& s : j["samples"]) {
      QCOMPARE(s["token_ids"], c["greedy_continuation"]);
      QCOMPARE(s["logprobs"].size(), size_t(12));
      QCOMPARE(s["finish"], json("length"));
    }
  }

  void inspect() {
    auto r = cli({"inspect", fx("tiny-qwen2"), "--json"});
    QCOMPARE(r.code, 0);
    auto j = json::parse(r.out.toStdString());
    QCOMPARE(j["architecture"], json("Qwen2ForCausalLM"));
    QCOMPARE(j["kv_heads"], json(1));
    QCOMPARE(j["tied_embeddings"], json(true));
    QCOMPARE(j["stored_dtype"], json("F32"));
    QCOMPARE(j["tokenizer"], json("byte-level BPE"));
  }

  // Issue 26: a Qwen3 checkpoint as transformers 5 writes one, with Qwen3's form of tokenizer.json
  // ("" subword prefix and suffix), inspects and generates; the greedy continuation is the
  // independent double-precision reference's (test::TinyQwen3).
  void qwen3InspectsAndGenerates() {
    QTemporaryDir tmp;
    const test::TinyQwen3 q3;
    q3.write(tmp.path().toStdString());
    auto r = cli({"inspect", tmp.path(), "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    auto j = json::parse(r.out.toStdString());
    QCOMPARE(j["architecture"], json("Qwen3ForCausalLM"));
    QCOMPARE(j["kv_heads"], json(2));
    QCOMPARE(j["head_dim"], json(16));
    QCOMPARE(j["qk_norm"], json(true));
    QCOMPARE(j["tied_embeddings"], json(true));
    QCOMPARE(j["tokenizer"], json("byte-level BPE"));
    auto tok = cli({"tokenize", "--tokenizer", tmp.filePath("tokenizer.json")}, "[\"x = 12\"]");
    QVERIFY2(tok.code == 0, tok.err.constData());
    const auto prompt = json::parse(tok.out.toStdString())[0].get<std::vector<int32_t>>();
    auto g = cli({"generate", tmp.path(), "--prompt", "x = 12", "--greedy", "--max-tokens", "5", "--ignore-eos", "--json",
                  "--device", "cpu"});
    QVERIFY2(g.code == 0, g.err.constData());
    auto out = json::parse(g.out.toStdString());
    QCOMPARE(out["prompt_ids"].get<std::vector<int32_t>>(), prompt);
    QCOMPARE(out["samples"][0]["token_ids"].get<std::vector<int32_t>>(), q3.greedy(prompt, 5));
  }

  // duoify --method svd: the tiny Llama at rank 8, measured on builtin:arith text (tokenised by
  // the fixture's tokenizer); inspect reports the factored small module, and its FLOPs-based
  // parameter count is the factors' (3 layers x 3 x 8 x (64 + 176) more than the source's).
  void duoifySvd() {
    QTemporaryDir tmp;
    const QString out = tmp.filePath("duo-svd");
    auto r = cli({"duoify", "--model", fx("tiny-llama"), "--out", out, "--method", "svd", "--rank", "8", "--calibration-problems", "8"});
    QVERIFY2(r.code == 0, r.err.constData());
    QVERIFY2(r.out.contains("small FFNs of rank 8"), r.out.constData());
    auto src = json::parse(cli({"inspect", fx("tiny-llama"), "--json"}).out.toStdString());
    auto duo = json::parse(cli({"inspect", out, "--json"}).out.toStdString());
    QCOMPARE(duo["duo_small_rank"], json(8));
    QCOMPARE(duo["parameters"].get<int64_t>() - src["parameters"].get<int64_t>(), int64_t{3 * 3 * 8 * (64 + 176)});
    QVERIFY(cli({"inspect", out}).out.contains("rank 8 factors"));
    auto bad = cli({"duoify", "--model", fx("tiny-llama"), "--out", tmp.filePath("x"), "--method", "svd", "--rank", "65"});
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains("full rank"), bad.err.constData());
  }

  void clearErrors() {
    auto missing = cli({"inspect", "/nonexistent/model"});
    QCOMPARE(missing.code, 1);
    QVERIFY2(missing.err.contains("/nonexistent/model"), missing.err.constData());
    auto badDevice = cli({"generate", fx("tiny-llama"), "-p", "x", "--device", "tpu"});
    QCOMPARE(badDevice.code, 1);
    QVERIFY(badDevice.err.contains("--device 'tpu'"));
    auto badIds = cli({"logits", fx("tiny-llama"), "--ids", "1,x", "--out", "/tmp/never.safetensors"});
    QCOMPARE(badIds.code, 1);
    QVERIFY(badIds.err.contains("--ids: 'x' is not an integer"));
  }

  void benchGenerateRuns() {
    QTemporaryDir tmp;
    const QString out = tmp.filePath("bench.json");
    auto r = cli({"bench", "generate", "--batches", "1,4", "--prompt-tokens", "8", "--new-tokens", "4", "--repeats", "1",
                  "--recompute-tokens", "2", "--device", "cpu", "--out", out});
    QVERIFY2(r.code == 0, r.err.constData());
    auto j = json::parse(*readFile(out.toStdString()));
    QCOMPARE(j["generate"].size(), size_t(2));
    QVERIFY(j["generate"][1]["tokens_per_s"].get<double>() > 0);
    QVERIFY(j["kv_cache"]["speedup"].get<double>() > 0);
    QVERIFY(j["matmul"]["flops_per_s"].get<double>() > 0);
    QVERIFY(j["memory_bandwidth_bytes_per_s"].get<double>() > 0);
    for (const auto& row : j["generate"]) {
      QVERIFY(row["bandwidth_bound_tokens_per_s"].get<double>() > 0);
      QVERIFY(row["fraction_of_best_matmul"].get<double>() <= row["fraction_of_matmul"].get<double>());
      QVERIFY(row["fused_step_speedup"].get<double>() > 0);  // the tensor path, timed in the same run
    }
    // The BLAS kernels that ran are recorded: the ones OPENBLAS_CORETYPE asks for, where it is set.
    const auto kernels = QString::fromStdString(j["machine"]["blas_kernels"].get<std::string>());
    const QString asked = qEnvironmentVariable("OPENBLAS_CORETYPE");
    if (!kernels.isEmpty() && !asked.isEmpty()) QCOMPARE(kernels.toLower(), asked.toLower());
    // --no-tensor-path: each batch decoded once, so no speed-up of the fused step is reported.
    auto fast = cli({"bench", "generate", "--batches", "2", "--prompt-tokens", "8", "--new-tokens", "3", "--repeats", "1",
                     "--recompute-tokens", "2", "--device", "cpu", "--no-tensor-path", "--out", out});
    QVERIFY2(fast.code == 0, fast.err.constData());
    j = json::parse(*readFile(out.toStdString()));
    QCOMPARE(j["generate"].size(), size_t(1));
    QVERIFY(j["generate"][0]["tokens_per_s"].get<double>() > 0);
    QVERIFY(!j["generate"][0].contains("fused_step_speedup"));
  }

  // The README's command list is the program's: every command and subcommand of --help appears as
  // "computelens-cli COMMAND [SUBCOMMAND]" in it, and every such mention names one that exists.
  void readmeListsEveryCommand() {
    const auto readme = readFile(std::string(LENS_SOURCE_DIR) + "/README.md");
    QVERIFY(readme.ok());
    std::map<std::string, std::set<std::string>> program;
    for (const auto& c : subcommandsOf({})) program[c] = subcommandsOf({QString::fromStdString(c)});
    QVERIFY2(program.size() >= 20 && program.count("bench") && program["bench"].count("all"), "--help was not parsed");
    std::map<std::string, std::set<std::string>> listed;
    static const std::regex kMention(R"(computelens-cli ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?)");
    for (auto it = std::sregex_iterator(readme->begin(), readme->end(), kMention); it != std::sregex_iterator(); ++it) {
      const std::string cmd = (*it)[1], sub = (*it)[2];
      QVERIFY2(program.count(cmd), ("README.md names `computelens-cli " + cmd + "`, which computelens-cli --help does not list").c_str());
      listed[cmd];
      if (program[cmd].empty() || sub.empty()) continue;
      QVERIFY2(program[cmd].count(sub),
               ("README.md names `computelens-cli " + cmd + " " + sub + "`, which `" + cmd + " --help` does not list").c_str());
      listed[cmd].insert(sub);
    }
    for (const auto& [cmd, subs] : program) {
      QVERIFY2(listed.count(cmd), ("README.md does not list `computelens-cli " + cmd + "`").c_str());
      for (const auto& sub : subs)
        QVERIFY2(listed[cmd].count(sub), ("README.md does not list `computelens-cli " + cmd + " " + sub + "`").c_str());
    }
  }

  // `bench all --tiny` runs every benchmark of the suite into one JSON file (a smoke test of the
  // suite at its smallest sizes: the figures are not reported). Each part says what it measured, and the
  // parts that compare two ways of computing the same thing agree.
  void benchAllRunsEverySuite() {
    QTemporaryDir tmp;
    const QString out = tmp.filePath("all.json");
    QProcess p;
    p.start(LENS_CLI_PATH, {"bench", "all", "--tiny", "--out", out});
    QVERIFY(p.waitForFinished(-1));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    auto j = json::parse(*readFile(out.toStdString()));
    QVERIFY(j["machine"]["hardware_threads"].get<int>() > 0);
    QCOMPARE(j["size"], "tiny");
    QCOMPARE(j["generate"]["generate"].size(), size_t(3));  // batches 1, 2, 4
    for (const auto& g : j["generate"]["generate"]) QVERIFY(g["tokens_per_s"].get<double>() > 0);
    QVERIFY(j["best_of_n"]["speedup_shared_vs_sequential"].get<double>() > 0);
    QVERIFY(j["beam"]["speedup_forked_vs_recomputed"].get<double>() > 0);
    QVERIFY(j["prm"]["max_abs_difference_of_scores"].get<double>() < 1e-4);  // batched = one at a time
    QVERIFY(j["oracle"]["max_abs_difference_of_best_losses"].get<double>() < 1e-4);
    QVERIFY(j["store"]["read_sequence_ms_median"].get<double>() > 0);
    // Training in micro-batches (4 examples in passes of 4, 2 and 1): the same losses as one pass.
    QCOMPARE(j["train"]["rows"].size(), size_t(3));
    for (const auto& r : j["train"]["rows"]) {
      QVERIFY2(r["seconds_per_step"].get<double>() > 0, r.dump().c_str());
      QVERIFY2(r["max_abs_loss_difference_from_first"].get<double>() < 1e-4, r.dump().c_str());
    }
    for (const char* run : {"best_of_64", "oracle", "sampling_8_problems", "sampling_24_problems"})
      QVERIFY2(j["memory"][run]["peak_rss_mb"].get<double>() > 10, run);
    // One batch of problems against three: the same batch shape, so growth would be held memory.
    QVERIFY2(j["memory"]["growth_ratio_many_over_few"].get<double>() < 1.5, j["memory"].dump().c_str());
    // Every job kind stopped mid-run when cancelled (status "cancelled", so resumable, not "done");
    // how fast is the benchmark's figure (docs/reliability.md), not a test's.
    QCOMPARE(j["cancel"]["jobs"].size(), size_t(4));
    for (const auto& c : j["cancel"]["jobs"]) {
      QVERIFY2(c["statuses"][0] == "cancelled", c.dump().c_str());
      QVERIFY2(c["max_latency_s"].get<double>() >= 0, c.dump().c_str());
    }
    // The workbench's benchmark is built beside the CLI in this tree.
    QVERIFY2(j["heatmap"].contains("first_render_s_median"), j["heatmap"].dump().c_str());
    QCOMPARE(j["heatmap"]["database"]["rows_read"].get<int64_t>(), int64_t(20000));
  }

  // `oracle` stores a run and prints the routing report; `routing --json` reads it back; the report's
  // numbers are consistent with the routes it counts (oracle <= random at every budget).
  void oracleAndRoutingReport() {
    QTemporaryDir tmp;
    const QString db = tmp.filePath("o.db"), model = QString(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small";
    auto r = cli({"oracle", "--model", model, "--problems", "2", "--budget", "k=0,1,4", "--random", "8", "--db", db, "-q"});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(r.out.trimmed(), QByteArray("1"));
    const QString js = tmp.filePath("r.json");
    auto rep = cli({"routing", "1", "--db", db, "--json", "--out", js, "--hardest", "3"});
    QVERIFY2(rep.code == 0, rep.err.constData());
    auto j = json::parse(*readFile(js.toStdString()));
    QCOMPARE(j["sequences"].get<int>(), 2);
    QCOMPARE(j["budgets"], json({"k=0", "k=1", "k=4"}));
    QCOMPARE(j["hardest"].size(), size_t(3));
    std::map<std::string, double> oracle, random;
    for (const auto& p : j["points"]) {
      if (p["policy"] == "oracle") oracle[p["budget"]] = p["mean_loss"];
      if (p["policy"] == "random") random[p["budget"]] = p["mean_loss"];
    }
    QCOMPARE(oracle.size(), size_t(3));
    for (const auto& [b, loss] : oracle) QVERIFY(loss <= random[b]);
    QVERIFY(oracle["k=4"] <= oracle["k=1"] && oracle["k=1"] <= oracle["k=0"]);
    // Big-module use at k=0 is zero in every layer; at k=1 at most one layer per token.
    for (double f : j["big_by_layer"][0]) QCOMPARE(f, 0.0);
    // Intervals over the 2 sequences hold each mean; the paired differences are each oracle budget
    // against the best random routing at it and against all-big. The oracle searches every route of
    // its budget per token, so it is at or below the random routes of that budget, and at k=4 (every
    // route, all-big included) at or below all-big, on every sequence: the whole interval is too.
    for (const auto& p : j["points"])
      QVERIFY2(p["mean_loss_ci_low"].get<double>() <= p["mean_loss"].get<double>() + 1e-12 &&
                   p["mean_loss"].get<double>() <= p["mean_loss_ci_high"].get<double>() + 1e-12,
               p.dump().c_str());
    QCOMPARE(j["differences"].size(), size_t(6));
    for (const auto& d : j["differences"]) {
      QVERIFY2(d["a"].get<std::string>().rfind("oracle k=", 0) == 0, d.dump().c_str());
      QVERIFY2(d["ci_low"].get<double>() <= d["difference"].get<double>() + 1e-12 && d["difference"].get<double>() <= d["ci_high"].get<double>() + 1e-12,
               d.dump().c_str());
      if (d["b"] != "all-big" || d["a"] == "oracle k=4") QVERIFY2(d["ci_high"].get<double>() <= 1e-7, d.dump().c_str());
    }
    LENS_COMPARE_NEAR(j["differences"][5]["difference"].get<double>(), oracle["k=4"] - [&] {
      for (const auto& p : j["points"]) if (p["policy"] == "all-big") return p["mean_loss"].get<double>();
      return 0.0;
    }(), 1e-12);
    QCOMPARE(j["differences"][5]["b"].get<std::string>(), std::string("all-big"));
    auto text = cli({"routing", "1", "--db", db});
    QVERIFY2(text.out.contains("paired differences in loss") && text.out.contains("oracle k=4 - all-big: "), text.out.constData());
    double perToken = 0;
    for (double f : j["big_by_layer"][1]) perToken += f;
    QVERIFY(perToken <= 1.0 + 1e-9);
    // Bad input: a plain (non-Duo) model and a bad budget are refused clearly.
    auto plain = cli({"oracle", "--model", fx("tiny-llama"), "--problems", "1", "--db", tmp.filePath("p.db"), "-q"});
    QCOMPARE(plain.code, 1);
    QVERIFY2(plain.err.contains("not a Duo model"), plain.err.constData());
    auto badBudget = cli({"oracle", "--model", model, "--budget", "k=9", "--db", tmp.filePath("b.db"), "-q"});
    QCOMPARE(badBudget.code, 1);
    QVERIFY2(badBudget.err.contains("k must be a whole number of big modules from 0 to 4"), badBudget.err.constData());
    auto notOracle = cli({"routing", "7", "--db", db});
    QCOMPARE(notOracle.code, 1);
  }

  // `search` stores each problem's tree, finished solutions and compute; a run stopped after two
  // problems and resumed stores exactly what an uninterrupted run does. The shipped model doubles as
  // a step-tag verifier here ('#' after each step, '+' vs '-'): real scores, not a trained PRM.
  // Revision model and sequential revisions end to end: train one on a generate run's samples,
  // search with it (resumable, chains stored as node chains), and compare with a larger model.
  void revisionsTrainSearchAndExchange() {
    QTemporaryDir tmp;
    const QString model = QString(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small";
    const QString db = tmp.filePath("r.db");
    const QString gen = tmp.filePath("gen.json");
    test::writeText(gen.toStdString(), json({{"kind", "generate"}, {"model", model.toStdString()}, {"samples", 4}, {"seed", 3},
                                             {"dataset", {{"path", "builtin:arith"}, {"split", "train"}, {"count", 8}}},
                                             {"sampling", {{"max_new_tokens", 300}}}})
                                           .dump());
    auto g = cli({"run", gen, "--db", db, "-q"});
    QVERIFY2(g.code == 0, g.err.constData());
    const QString rev = tmp.filePath("rev");
    auto t = cli({"revision", "train", "--base", model, "--samples", g.out.trimmed(), "--out", rev, "--steps", "2", "--batch", "2", "--context", "sampled",
                  "--max-previous", "1", "--db", db, "-q"});
    QVERIFY2(t.code == 0, t.err.constData());
    QVERIFY(QFile::exists(rev + "/model.safetensors") && QFile::exists(rev + "/revision_train.json"));
    // Trained with at most one earlier attempt in context, the model says so, and revisions default to it:
    // a chain of 3 with no --max-previous is the chain with --max-previous 1 (the same attempts, the
    // same FLOPs), while --max-previous 2 shows the third attempt both earlier ones (a longer prompt).
    QCOMPARE(json::parse(*readFile((rev + "/config.json").toStdString()))["revision"]["max_previous"].get<int>(), 1);
    {
      const QStringList chain3 = {"search", "--model", rev, "--strategy", "revise", "--n", "3", "--chain-length", "3", "--select", "majority",
                                  "--problems", "1", "--max-tokens", "200", "-q"};
      auto flops = [&](const QStringList& extra, const QString& name) {
        auto r = cli(chain3 + extra + QStringList{"--db", tmp.filePath(name)});
        if (r.code != 0) qWarning("%s", r.err.constData());
        auto e = json::parse(cli({"export", "1", "--db", tmp.filePath(name)}).out.toStdString());
        for (const auto& m : e["units"][0]["metrics"])
          if (m["name"] == "generator-flops") return m["value"].get<double>();
        return -1.0;
      };
      const double byDefault = flops({}, "d.db"), one = flops({"--max-previous", "1"}, "d1.db"), two = flops({"--max-previous", "2"}, "d2.db");
      QVERIFY2(byDefault > 0 && byDefault == one && two > one, qPrintable(QString("%1 %2 %3").arg(byDefault).arg(one).arg(two)));
      // A revision gate every attempt clears (mean log-prob per token >= -1000) stops the chain at its
      // first attempt: the FLOPs of one attempt alone, the two later turns stored as repeats.
      const QStringList single = {"search", "--model", rev, "--strategy", "revise", "--n", "1", "--chain-length", "1", "--select", "majority",
                                  "--problems", "1", "--max-tokens", "200", "-q", "--db", tmp.filePath("s.db")};
      QVERIFY(cli(single).code == 0);
      auto e = json::parse(cli({"export", "1", "--db", tmp.filePath("s.db")}).out.toStdString());
      double alone = -1;
      for (const auto& m : e["units"][0]["metrics"])
        if (m["name"] == "generator-flops") alone = m["value"].get<double>();
      const double gated = flops({"--keep-above", "-1000"}, "g.db");
      QVERIFY2(gated > 0 && gated == alone && gated < byDefault, qPrintable(QString("%1 %2 %3").arg(gated).arg(alone).arg(byDefault)));
      const auto g3 = json::parse(cli({"export", "1", "--db", tmp.filePath("g.db")}).out.toStdString())["units"][0];
      QCOMPARE(g3["samples"].size(), size_t(3));
      QCOMPARE(g3["samples"][0]["finish"].get<std::string>(), std::string("eos"));
      QVERIFY(g3["samples"][0]["logprob"].get<double>() < 0);
      for (int k : {1, 2}) {
        QCOMPARE(g3["samples"][k]["finish"].get<std::string>(), std::string("kept"));
        QCOMPARE(g3["samples"][k]["text"], g3["samples"][0]["text"]);
      }
      std::map<std::string, double> gm;
      for (const auto& m : g3["metrics"]) gm[m["name"].get<std::string>()] = m["value"].get<double>();
      QCOMPARE(gm["revision-kept"], 2.0);
      QCOMPARE(gm["revision-fixed"] + gm["revision-broken"], 0.0);
      auto notRevise = cli({"search", "--model", model, "--prm", model, "--prm-step-tag", "#", "--strategy", "beam", "--n", "2", "--width", "1",
                            "--keep-above", "-0.1", "--db", tmp.filePath("x.db")});
      QCOMPARE(notRevise.code, 1);
      QVERIFY2(notRevise.err.contains("spec.keep_above") && notRevise.err.contains("revise"), notRevise.err.constData());
    }
    auto badContext = cli({"revision", "train", "--base", model, "--samples", g.out.trimmed(), "--out", tmp.filePath("x"), "--context", "random", "--db", db});
    QVERIFY2(badContext.code != 0 && badContext.err.contains("--context"), badContext.err.constData());
    auto badSamples = cli({"revision", "train", "--base", model, "--samples", "99", "--out", tmp.filePath("x"), "--db", db, "-q"});
    QCOMPARE(badSamples.code, 1);
    QVERIFY2(badSamples.err.contains("spec.samples.run"), badSamples.err.constData());

    const QStringList common = {"search", "--model", rev, "--prm", model, "--prm-step-tag", "#", "--strategy", "revise", "--n", "4",
                                "--chain-length", "2", "--select", "hierarchical", "--problems", "3", "--max-tokens", "200", "-q"};
    auto part = cli(common + QStringList{"--max-units", "1", "--db", tmp.filePath("a.db")});
    QVERIFY2(part.code == 0, part.err.constData());
    QVERIFY2(cli({"resume", "1", "--db", tmp.filePath("a.db"), "-q"}).code == 0, "resume");
    auto full = cli(common + QStringList{"--db", tmp.filePath("b.db")});
    QVERIFY2(full.code == 0, full.err.constData());
    auto a = json::parse(cli({"export", "1", "--db", tmp.filePath("a.db")}).out.toStdString());
    auto b = json::parse(cli({"export", "1", "--db", tmp.filePath("b.db")}).out.toStdString());
    QCOMPARE(a["units"].size(), size_t(3));
    for (size_t u = 0; u < 3; ++u) {
      QCOMPARE(a["units"][u]["samples"], b["units"][u]["samples"]);
      const auto& nodes = a["units"][u]["nodes"];
      QCOMPARE(nodes.size(), size_t(4));  // 2 chains of 2 attempts
      for (const auto& n : nodes) {
        const int i = n["index"].get<int>();
        QCOMPARE(n["depth"].get<int>(), i % 2 + 1);
        if (i % 2) QCOMPARE(n["parent"].get<int>(), i - 1);
        else QVERIFY(n["parent"].is_null());
      }
      std::set<std::string> names;
      std::map<std::string, double> value;
      for (const auto& m : a["units"][u]["metrics"]) {
        names.insert(m["name"].get<std::string>());
        value[m["name"].get<std::string>()] = m["value"].get<double>();
      }
      for (const char* k : {"correct", "correct-majority", "correct-weighted", "correct-hierarchical", "turn-correct-1", "turn-correct-2", "generator-flops",
                            "revision-fixed", "revision-broken"})
        QVERIFY2(names.count(k), k);
      // Fixes minus breaks is the change in right chains from the first attempt to the last (2 chains).
      LENS_COMPARE_NEAR(value["revision-fixed"] - value["revision-broken"], 2 * (value["turn-correct-2"] - value["turn-correct-1"]), 1e-12);
      QVERIFY(value["revision-fixed"] + value["revision-broken"] <= 2);
      QCOMPARE(a["units"][u]["samples"][0]["steps"].back()["score"].is_number(), true);
    }
    // Majority needs no verifier; the others do, and say so.
    auto maj = cli({"search", "--model", rev, "--strategy", "revise", "--n", "2", "--chain-length", "2", "--select", "majority", "--problems", "1",
                    "--db", tmp.filePath("m.db")});
    QVERIFY2(maj.code == 0, maj.err.constData());
    QVERIFY2(maj.out.contains("as 1 chains of 2") && maj.out.contains("chains right at attempt 1..2") && maj.out.contains("fixed a wrong answer"),
             maj.out.constData());
    auto noVerifier = cli({"search", "--model", rev, "--strategy", "revise", "--n", "2", "--problems", "1", "--db", tmp.filePath("n.db"), "-q"});
    QCOMPARE(noVerifier.code, 1);
    QVERIFY2(noVerifier.err.contains("spec.verifier") && noVerifier.err.contains("majority selection needs none"), noVerifier.err.constData());
    auto badChain = cli({"search", "--model", rev, "--strategy", "revise", "--n", "4", "--chain-length", "3", "--select", "majority", "--db", tmp.filePath("c.db")});
    QCOMPARE(badChain.code, 1);
    QVERIFY2(badChain.err.contains("spec.chain_length"), badChain.err.constData());

    // The exchange: best-of-N of the small model and the revisions against arith-large's pass@1.
    auto pool = [&](const QString& m, int samples) {
      const QString spec = tmp.filePath(QString("pool%1.json").arg(samples));
      test::writeText(spec.toStdString(), json({{"kind", "generate"}, {"model", m.toStdString()}, {"samples", samples}, {"seed", 1},
                                                {"verifier", {{"model", model.toStdString()}, {"step_tag", "#"}}},
                                                {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", 3}}},
                                                {"sampling", {{"max_new_tokens", 300}}}})
                                              .dump());
      return cli({"run", spec, "--db", tmp.filePath("b.db"), "-q"});
    };
    auto bon = pool(model, 4);
    QVERIFY2(bon.code == 0, bon.err.constData());
    auto large = pool(QString(LENS_SOURCE_DIR) + "/resources/models/arith-large", 2);
    QVERIFY2(large.code == 0, large.err.constData());
    auto co = cli({"compute-optimal", bon.out.trimmed(), "1", "--budgets", "1,2,4", "--large", large.out.trimmed(), "--ratios", "0.5,2",
                   "--json", "--db", tmp.filePath("b.db")});
    QVERIFY2(co.code == 0, co.err.constData());
    auto cj = json::parse(co.out.toStdString());
    QCOMPARE(cj["arms"][3]["strategy"].get<std::string>(), std::string("revise L=2 hierarchical"));
    const auto& ex = cj["exchange"];
    const double M = 6099456.0 / 1209920.0;  // arith-large against arith-duo-small without its small FFNs
    LENS_COMPARE_NEAR(ex["size_ratio"].get<double>(), M, 1e-9);
    QCOMPARE(ex["rows"].size(), size_t(2));
    // With equal tokens per query the multiplier is M + 3(M - 1)/R; tokens differ here, so check the
    // allowed FLOPs against the definition instead: F_large + 6 (N_large - N_small) t / R.
    for (const auto& r : ex["rows"]) QVERIFY(r["allowed_flops"].get<double>() > 0 && r["multiplier"].get<double>() > M);
    // Each row pairs the small model's frontier point with the large model's pass@1 over the 3
    // problems: their difference of means, inside its interval, overall and for bins 1..5.
    for (const auto& r : ex["rows"]) {
      const auto& d = r["small_minus_large"];
      QCOMPARE(d["problems"].get<int>(), 3);
      LENS_COMPARE_NEAR(d["difference"].get<double>(), r["small_accuracy"].get<double>() - r["large_accuracy"].get<double>(), 1e-9);
      QVERIFY(d["ci_low"].get<double>() <= d["difference"].get<double>() && d["difference"].get<double>() <= d["ci_high"].get<double>());
      QCOMPARE(r["small_minus_large_by_bin"].size(), size_t(5));
    }
    QVERIFY(ex["rows"][0]["allowed_flops"].get<double>() > ex["rows"][1]["allowed_flops"].get<double>());
    auto text = cli({"compute-optimal", bon.out.trimmed(), "1", "--budgets", "1,2,4", "--large", large.out.trimmed(), "--db", tmp.filePath("b.db")});
    QVERIFY2(text.code == 0 && text.out.contains("exchange: a 5.04x larger model") && text.out.contains("small-large (paired)"), text.out.constData());
    auto byDefault = cli({"compute-optimal", bon.out.trimmed(), "1", "--budgets", "1,2,4", "--large", large.out.trimmed(), "--json", "--db", tmp.filePath("b.db")});
    QVERIFY2(byDefault.code == 0, byDefault.err.constData());
    const auto dj = json::parse(byDefault.out.toStdString());
    std::vector<double> defaultRatios;  // without --ratios: the paper's three regimes
    for (const auto& r : dj["exchange"]["rows"]) defaultRatios.push_back(r["ratio"].get<double>());
    QCOMPARE(defaultRatios, (std::vector<double>{0.1, 1, 10}));
    auto badRatio = cli({"compute-optimal", bon.out.trimmed(), "--large", large.out.trimmed(), "--ratios", "1,-2", "--db", tmp.filePath("b.db")});
    QVERIFY(badRatio.code == 1 && badRatio.err.contains("'-2' is not a positive number"));
  }

  void searchStoresTreeAndResumes() {
    QTemporaryDir tmp;
    const QString model = QString(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small";
    const QStringList common = {"search", "--model", model, "--prm", model, "--prm-step-tag", "#", "--strategy", "beam",
                                "--n", "4", "--width", "2", "--problems", "4", "-q"};
    auto part = cli(common + QStringList{"--max-units", "2", "--db", tmp.filePath("a.db")});
    QVERIFY2(part.code == 0, part.err.constData());
    QVERIFY(part.err.contains("stopped with 2 units"));
    auto res = cli({"resume", "1", "--db", tmp.filePath("a.db"), "-q"});
    QVERIFY2(res.code == 0, res.err.constData());
    auto full = cli(common + QStringList{"--db", tmp.filePath("b.db")});
    QVERIFY2(full.code == 0, full.err.constData());
    auto ja = cli({"export", "1", "--db", tmp.filePath("a.db")}), jb = cli({"export", "1", "--db", tmp.filePath("b.db")});
    auto a = json::parse(ja.out.toStdString()), b = json::parse(jb.out.toStdString());
    QCOMPARE(a["units"].size(), size_t(4));
    for (size_t u = 0; u < 4; ++u) {
      QCOMPARE(a["units"][u]["nodes"], b["units"][u]["nodes"]);
      QCOMPARE(a["units"][u]["samples"], b["units"][u]["samples"]);
      const auto& nodes = a["units"][u]["nodes"];
      QVERIFY(!nodes.empty());
      int selectedDepth = 0;
      for (const auto& n : nodes) {
        if (!n["parent"].is_null()) QVERIFY(n["parent"].get<int>() < n["index"].get<int>());
        if (n["selected"].get<bool>()) QCOMPARE(n["depth"].get<int>(), ++selectedDepth);  // one chain from the root
      }
      const auto& samples = a["units"][u]["samples"];
      QVERIFY(!samples.empty());
      for (const auto& s : samples) {
        std::string joined;
        for (const auto& st : s["steps"]) joined += st["text"].get<std::string>();
        QCOMPARE(s["text"].get<std::string>(), joined);
      }
      std::set<std::string> names;
      for (const auto& m : a["units"][u]["metrics"]) names.insert(m["name"].get<std::string>());
      for (const char* k : {"correct", "generator-decode-tokens", "verifier-flops", "rounds"}) QVERIFY2(names.count(k), k);
      // All big: the generator's FLOPs are 2 × N per token (prompt once) plus the attention.
      std::map<std::string, double> mv;
      for (const auto& m : a["units"][u]["metrics"]) mv[m["name"].get<std::string>()] = m["value"].get<double>();
      // 1,209,920: arith-duo-small without its small FFNs (4 layers x 3 x 160 x 96), which all big never runs.
      const double matmul = 2.0 * 1209920 * (mv["generator-prefill-tokens"] + mv["generator-decode-tokens"]);
      LENS_COMPARE_NEAR(mv["generator-flops"] - mv["generator-attention-flops"], matmul, 1e-9 * matmul);
      QVERIFY(mv["generator-attention-flops"] > 0 && mv["verifier-flops"] > 2.0 * 1209920 * mv["verifier-tokens"]);
    }
    // compute-optimal: a best-of-N pool of the same problems (scored by the same verifier) and this run.
    const QString spec = tmp.filePath("bon.json");
    test::writeText(spec.toStdString(),
                    json({{"kind", "generate"}, {"model", model.toStdString()}, {"samples", 4}, {"seed", 1},
                          {"verifier", {{"model", model.toStdString()}, {"step_tag", "#"}}},
                          {"dataset", {{"path", "builtin:arith"}, {"split", "test"}, {"limit", 4}}},
                          {"sampling", {{"max_new_tokens", 300}}}})
                        .dump());
    auto bon = cli({"run", spec, "--db", tmp.filePath("b.db"), "-q"});
    QVERIFY2(bon.code == 0, bon.err.constData());
    auto co = cli({"compute-optimal", bon.out.trimmed(), "1", "--budgets", "1,2,4", "--json", "--db", tmp.filePath("b.db")});
    QVERIFY2(co.code == 0, co.err.constData());
    auto cj = json::parse(co.out.toStdString());
    QCOMPARE(cj["budgets"], json({1, 2, 4}));
    QCOMPARE(cj["arms"].size(), size_t(4));  // best-of-N at 1, 2, 4 and beam M=2 at N=4
    QCOMPARE(cj["arms"][3]["strategy"].get<std::string>(), std::string("beam M=2"));
    QCOMPARE(cj["arms"][3]["problems"].get<int>(), 4);  // matched to the pool by problem key
    // With beam among the choices at N=4, the cross-validated frontier there is a real accuracy.
    QVERIFY(cj["frontier"][2]["compute_optimal"].is_number());
    // With the verifier's FLOPs: best-of-N adds N × the pool's verifier FLOPs per sample, the search
    // its own verifier-flops.
    auto wv = cli({"compute-optimal", bon.out.trimmed(), "1", "--budgets", "1,2,4", "--with-verifier", "--json", "--db", tmp.filePath("b.db")});
    QVERIFY2(wv.code == 0, wv.err.constData());
    auto wj = json::parse(wv.out.toStdString());
    auto pool = json::parse(cli({"export", bon.out.trimmed(), "--db", tmp.filePath("b.db")}).out.toStdString());
    double poolVerifier = 0;
    for (const auto& u : pool["units"])
      for (const auto& m : u["metrics"])
        if (m["name"] == "verifier-flops") poolVerifier += m["value"].get<double>() / 4.0 / 4.0;  // per sample, mean over 4 problems
    QVERIFY(poolVerifier > 0);
    LENS_COMPARE_NEAR(wj["arms"][2]["mean_flops"].get<double>() - cj["arms"][2]["mean_flops"].get<double>(), 4 * poolVerifier,
                      1e-6 * wj["arms"][2]["mean_flops"].get<double>());
    QVERIFY(wj["arms"][3]["mean_flops"].get<double>() > cj["arms"][3]["mean_flops"].get<double>());
    auto pred = cli({"compute-optimal", bon.out.trimmed(), "1", "--budgets", "1,2,4", "--bins", "predicted", "--json", "--db", tmp.filePath("b.db")});
    QVERIFY2(pred.code == 0, pred.err.constData());
    QCOMPARE(json::parse(pred.out.toStdString())["arms"].size(), size_t(4));
    auto badBudget = cli({"compute-optimal", bon.out.trimmed(), "--budgets", "1,x", "--db", tmp.filePath("b.db")});
    QVERIFY(badBudget.code == 1 && badBudget.err.contains("'x' is not a positive integer"));

    // Under the all-small route the generator's FLOPs per token fall by the route's matmul cost.
    auto small = cli(common + QStringList{"--route", "all-small", "--db", tmp.filePath("s.db")});
    QVERIFY2(small.code == 0, small.err.constData());
    auto sm = json::parse(cli({"export", "1", "--db", tmp.filePath("s.db")}).out.toStdString());
    auto metric = [](const json& unit, const char* name) {
      for (const auto& m : unit["metrics"])
        if (m["name"] == name) return m["value"].get<double>();
      return -1.0;
    };
    const auto& u0 = sm["units"][0];
    const double tokens = metric(u0, "generator-prefill-tokens") + metric(u0, "generator-decode-tokens");
    const double attention = metric(u0, "generator-attention-flops");
    QVERIFY(attention > 0);
    QVERIFY(metric(u0, "generator-flops") - attention < 0.5 * 2 * 1209920 * tokens);  // all big would be 2 × N × tokens
    auto badRoute = cli(common + QStringList{"--route", "Bs", "--db", tmp.filePath("r.db")});
    QCOMPARE(badRoute.code, 1);
    QVERIFY2(badRoute.err.contains("spec.route"), badRoute.err.constData());

    auto noPrm = cli({"search", "--model", model, "--prm", tmp.filePath("none"), "--db", tmp.filePath("c.db"), "-q"});
    QCOMPARE(noPrm.code, 1);
    QVERIFY2(noPrm.err.contains("none/config.json"), noPrm.err.constData());
  }

  // `router train` in both modes writes a router and its training curve; `oracle --router` evaluates
  // routers beside the oracle. A router that always picks big is the plain model, so its loss must
  // equal the all-big baseline's exactly.
  void routersTrainAndCompare() {
    QTemporaryDir tmp;
    const QString db = tmp.filePath("r.db"), model = QString(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small";
    const QString pen = tmp.filePath("pen"), imi = tmp.filePath("imi"), big = tmp.filePath("big"), wrong = tmp.filePath("wrong");
    auto p = cli({"router", "train", "--model", model, "--out", pen, "--mode", "penalty", "--lambda", "2", "--problems", "4", "--steps", "5",
                  "--train-batch", "2", "--db", db, "-q"});
    QVERIFY2(p.code == 0, p.err.constData());
    auto pr = routing::Router::load(pen.toStdString());
    LENS_VERIFY_OK(pr);
    QCOMPARE(pr->manifest["mode"].get<std::string>(), std::string("penalty"));
    QCOMPARE(pr->manifest["lambda"].get<double>(), 2.0);
    QCOMPARE(pr->layers, 4);
    auto i = cli({"router", "train", "--model", model, "--out", imi, "--mode", "imitate", "--budget", "k=1", "--problems", "2", "--steps", "20",
                  "--db", db, "-q"});
    QVERIFY2(i.code == 0, i.err.constData());
    QCOMPARE(i.out.trimmed(), QByteArray("2"));
    auto metrics = cli({"export", "2", "--format", "csv", "--table", "metrics", "--db", db});
    QVERIFY(metrics.out.contains("oracle-agreement,train,20,"));
    auto penMetrics = cli({"export", "1", "--format", "csv", "--table", "metrics", "--db", db});
    QVERIFY(penMetrics.out.contains("cost-fraction,train,5,"));

    routing::Router allBig;
    allBig.layers = 4;
    allBig.hidden = pr->hidden;
    allBig.weight.assign(static_cast<size_t>(4 * 3 * allBig.hidden), 0.0f);
    allBig.bias = {0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1};
    LENS_VERIFY_OK(allBig.save(big.toStdString()));
    auto o = cli({"oracle", "--model", model, "--problems", "2", "--budget", "k=1,4", "--random", "0", "--router", pen, "--router", imi,
                  "--router", big, "--db", db, "-q"});
    QVERIFY2(o.code == 0, o.err.constData());
    const QString js = tmp.filePath("rep.json");
    auto rep = cli({"routing", o.out.trimmed(), "--db", db, "--json", "--out", js});
    QVERIFY2(rep.code == 0, rep.err.constData());
    auto j = json::parse(*readFile(js.toStdString()));
    QCOMPARE(j["routers"].size(), size_t(3));
    QCOMPARE(j["routers"][0]["name"].get<std::string>(), std::string("pen"));
    QCOMPARE(j["routers"][1]["agreement_by_layer"].size(), size_t(4));
    for (const auto& r : j["routers"])
      for (double a : r["agreement_by_layer"]) QVERIFY(a >= 0 && a <= 1);
    double allBigLoss = -1;
    for (const auto& pt : j["points"])
      if (pt["policy"] == "all-big") allBigLoss = pt["mean_loss"];
    const auto& b = j["routers"][2];
    LENS_COMPARE_NEAR(b["mean_loss"].get<double>(), allBigLoss, 1e-6);
    QCOMPARE(b["flops_fraction"].get<double>(), 1.0);
    QCOMPARE(b["compared_budget"].get<std::string>(), std::string("k=4"));
    for (double f : b["big_by_layer"]) QCOMPARE(f, 1.0);
    // The all-big router against the oracle at k=4 (which may keep all-big): never below it.
    QCOMPARE(b["minus_oracle"]["b"].get<std::string>(), std::string("oracle k=4"));
    QVERIFY2(b["minus_oracle"]["difference"].get<double>() >= 0 && b["minus_oracle"]["ci_low"].get<double>() >= -1e-7, b["minus_oracle"].dump().c_str());
    LENS_COMPARE_NEAR(b["minus_oracle"]["difference"].get<double>(), b["mean_loss"].get<double>() - b["oracle_mean_loss"].get<double>(), 1e-9);
    // A router of another shape is refused before any unit runs, naming it.
    allBig.hidden = 8;
    allBig.weight.assign(static_cast<size_t>(4 * 3 * 8), 0.0f);
    LENS_VERIFY_OK(allBig.save(wrong.toStdString()));
    auto bad = cli({"oracle", "--model", model, "--problems", "1", "--router", wrong, "--db", db, "-q"});
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains("spec.routers[0]") && bad.err.contains("router is for 4 layers of hidden size 8"), bad.err.constData());
    auto badMode = cli({"router", "train", "--model", model, "--out", wrong, "--mode", "imitate", "--budget", "k=7", "--db", db, "-q"});
    QCOMPARE(badMode.code, 1);
    QVERIFY2(badMode.err.contains("spec.budget"), badMode.err.constData());

    // Search under a trained router: the router picks every token's route, so generator FLOPs fall
    // below 2 × N per token when it skips or takes small modules (the λ = 2 router does).
    const QStringList search = {"search", "--model", model, "--prm", model, "--prm-step-tag", "#", "--n", "2", "--width", "1", "--problems", "1", "-q"};
    auto routed = cli(search + QStringList{"--router", pen, "--db", tmp.filePath("s.db")});
    QVERIFY2(routed.code == 0, routed.err.constData());
    auto sj = json::parse(cli({"export", "1", "--db", tmp.filePath("s.db")}).out.toStdString());
    double tokens = 0, flops = 0;
    for (const auto& m : sj["units"][0]["metrics"]) {
      if (m["name"] == "generator-prefill-tokens" || m["name"] == "generator-decode-tokens") tokens += m["value"].get<double>();
      if (m["name"] == "generator-flops") flops += m["value"].get<double>();
      if (m["name"] == "generator-attention-flops") flops -= m["value"].get<double>();  // matmuls only
    }
    QVERIFY2(flops > 0 && flops < 2.0 * 1209920 * tokens, qPrintable(QString("%1 vs %2").arg(flops).arg(2.0 * 1209920 * tokens)));
    auto both = cli(search + QStringList{"--router", pen, "--route", "all-small", "--db", tmp.filePath("t.db")});
    QCOMPARE(both.code, 1);
    QVERIFY2(both.err.contains("spec.router: give a router or a fixed route"), both.err.constData());
  }
};

LENS_QTEST_SHARDED_MAIN(TestCli, QCoreApplication)
#include "test_cli.moc"
