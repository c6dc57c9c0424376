// SPDX-License-Identifier: GPL-3.0-or-later
// The CLI as a user runs it: a separate process, its stdout, stderr and exit code.
#include <QProcess>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "core/common/atomic_file.h"
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
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
