// SPDX-License-Identifier: GPL-3.0-or-later
// Golden: logits and greedy continuations that Hugging Face transformers 5.17 computed for the
// tiny checkpoints in ../shared/fixtures/hf-tiny (float32 reference, 1e-4 absolute).
#include <sys/resource.h>

#include <QtTest>
#include <c10/core/InferenceMode.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "common/tiny_duo.h"
#include "common/tiny_qwen3.h"
#include "core/model/duoify.h"
#include "core/common/atomic_file.h"
#include "core/model/internal/engine.h"
#include "core/model/model.h"
#include "core/tensor_io/safetensors.h"
#include "core/text/tokenizer.h"

using namespace lens;
using namespace lens::model;
using json = nlohmann::json;
namespace fs = std::filesystem;

#if defined(__SANITIZE_ADDRESS__)
#define LENS_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LENS_UNDER_ASAN 1
#endif
#endif

namespace {

constexpr double kLogitTol = 1e-4;

std::unique_ptr<Model> load(const char* name) {
  DeviceParams d;
  d.device = "cpu";
  d.dtype = "float32";
  auto m = Model::load(test::fixture(name), d);
  if (!m.ok()) qFatal("%s", m.error().describe().c_str());
  return std::move(*m);
}

json expected(const char* name) { return json::parse(*readFile(test::fixture(std::string(name) + "/expected.json"))); }

std::vector<float> referenceLogits(const char* name, int caseIndex) {
  auto f = tensor_io::SafetensorsFile::open(test::fixture(std::string(name) + "/expected_logits.safetensors"));
  const auto* t = (*f)->find("logits_" + std::to_string(caseIndex));
  const auto* p = reinterpret_cast<const float*>(t->data);
  return std::vector<float>(p, p + t->numel());
}

// Logits of a whole sequence computed by one full forward (reference for the cached paths).
torch::Tensor fullLogits(internal::Engine& eng, const std::vector<int64_t>& ids) {
  const auto T = static_cast<int64_t>(ids.size());
  auto cache = eng.makeCache(1, T);
  internal::ForwardBatch fb{torch::tensor(ids, torch::kInt64).view({1, T}), {0}, {0}, {T}};
  return eng.forward(fb, *cache, true)[0];  // [T, V]
}

std::vector<int64_t> widen(const std::vector<int32_t>& v) { return std::vector<int64_t>(v.begin(), v.end()); }

// One decoding step: row b feeds token next[b] into cache slot slots[b] after seqs[b] (and appends
// it there). Returns the step's logits [rows, vocab] and, per row, the largest |difference| from a
// full forward of the row's whole sequence.
std::pair<torch::Tensor, std::vector<double>> decodeStepAgainstFull(internal::Engine& eng, internal::KvCache& cache,
                                                                    std::vector<std::vector<int64_t>>& seqs,
                                                                    const std::vector<int64_t>& slots,
                                                                    const std::vector<int64_t>& next) {
  internal::ForwardBatch fb;
  for (size_t b = 0; b < seqs.size(); ++b) {
    fb.slots.push_back(slots[b]);
    fb.startPos.push_back(static_cast<int64_t>(seqs[b].size()));
    fb.lengths.push_back(1);
    seqs[b].push_back(next[b]);
  }
  fb.tokens = torch::tensor(next).view({static_cast<int64_t>(next.size()), 1});
  auto logits = eng.forward(fb, cache, false);
  std::vector<double> diffs;
  for (size_t b = 0; b < seqs.size(); ++b) {
    auto ref = fullLogits(eng, seqs[b]);
    diffs.push_back((logits[static_cast<int64_t>(b)] - ref[ref.size(0) - 1]).abs().max().item<double>());
  }
  return {logits, diffs};
}

GenerateRequest greedy(const std::vector<int32_t>& prompt, int n) {
  GenerateRequest r;
  r.promptIds = prompt;
  r.sampling.temperature = 0;
  r.sampling.maxNewTokens = n;
  r.sampling.ignoreEos = true;
  return r;
}

}  // namespace

class TestTransformer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // A model folder from the internet may hold code (transformers' trust_remote_code: auto_map in
  // config.json pointing at a modeling_*.py) and pickle files beside the safetensors. ComputeLens
  // reads config.json, tokenizer.json and *.safetensors only: the model loads as the architecture
  // it names, the Python is never run, and the pickle is never opened (safetensors win). An
  // architecture only the code defines is refused by name.
  void codeInAModelFolderIsNeverRun() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("remote-code").toStdString();
    fs::create_directories(dir);
    for (const char* f : {"model.safetensors", "tokenizer.json"}) fs::copy_file(test::fixture(std::string("tiny-llama/") + f), dir + "/" + f);
    auto cfg = json::parse(*readFile(test::fixture("tiny-llama/config.json")));
    cfg["auto_map"] = {{"AutoConfig", "configuration_evil.EvilConfig"}, {"AutoModelForCausalLM", "modeling_evil.EvilForCausalLM"}};
    test::writeText(dir + "/config.json", cfg.dump());
    const std::string marker = tmp.filePath("code-ran").toStdString();
    for (const char* py : {"modeling_evil.py", "configuration_evil.py", "__init__.py"})
      test::writeText(dir + "/" + py, "open(" + json(marker).dump() + ", 'w').write('ran')\n");
    test::writeText(dir + "/pytorch_model.bin", "\x80\x02c__builtin__\neval\n");  // a pickle that would call eval
    DeviceParams d;
    d.device = "cpu";
    auto m = Model::load(dir, d);
    LENS_VERIFY_OK(m);
    QCOMPARE((*m)->config().architecture, std::string("LlamaForCausalLM"));
    QVERIFY(!fs::exists(marker));
    // Same logits as the fixture itself: the weights came from model.safetensors.
    auto ref = load("tiny-llama");
    QCOMPARE(*(*m)->logits({1, 2, 3}), *ref->logits({1, 2, 3}));

    cfg["architectures"] = {"EvilForCausalLM"};
    test::writeText(dir + "/config.json", cfg.dump());
    auto refused = Model::load(dir, d);
    QVERIFY(!refused);
    QVERIFY2(refused.error().message.find("EvilForCausalLM") != std::string::npos, refused.error().message.c_str());
    QVERIFY(!fs::exists(marker));
  }

  // A batch too large for memory is an OutOfMemory error that says to lower the batch, not a crash
  // or an "internal error"; the model stays usable. Memory is capped with RLIMIT_AS (the process's
  // address space) a little above what it uses, and 32768 samples ask for a 6.4 GB KV cache.
  void outOfMemoryIsAClearError() {
#ifdef LENS_UNDER_ASAN
    QSKIP("AddressSanitizer reserves terabytes of address space: RLIMIT_AS cannot be used");
#else
    auto m = load("tiny-llama");
    GenerateRequest r;
    r.promptIds = {289, 312, 287};
    r.numSamples = 32768;
    r.sampling.maxNewTokens = 250;
    r.sampling.ignoreEos = true;
    long pages = 0;
    {
      std::ifstream statm("/proc/self/statm");
      statm >> pages;
    }
    QVERIFY(pages > 0);
    rlimit old{};
    QCOMPARE(::getrlimit(RLIMIT_AS, &old), 0);
    rlimit capped = old;
    capped.rlim_cur = static_cast<rlim_t>(pages) * ::sysconf(_SC_PAGESIZE) + (rlim_t{1} << 30);
    QCOMPARE(::setrlimit(RLIMIT_AS, &capped), 0);
    auto res = m->generate({r});
    ::setrlimit(RLIMIT_AS, &old);
    QVERIFY(!res);
    QCOMPARE(res.error().code, ErrorCode::OutOfMemory);
    const std::string msg = res.error().message;
    QVERIFY2(msg.find("generate: out of memory") == 0, msg.c_str());
    QVERIFY2(msg.find("lower the batch size") != std::string::npos, msg.c_str());
    // Still usable.
    r.numSamples = 2;
    r.sampling.maxNewTokens = 4;
    auto ok = m->generate({r});
    LENS_VERIFY_OK(ok);
    QCOMPARE((*ok)[0][1].tokenIds.size(), size_t{4});
#endif
  }

  void goldenLogits_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("caseIndex");
    for (const char* m : {"tiny-llama", "tiny-qwen2"})
      for (int i = 0; i < 3; ++i) QTest::newRow(qPrintable(QString("%1 case %2").arg(m).arg(i))) << QString(m) << i;
  }
  void goldenLogits() {
    QFETCH(QString, model);
    QFETCH(int, caseIndex);
    const std::string name = model.toStdString();
    auto m = load(name.c_str());
    auto ids = expected(name.c_str())["cases"][caseIndex]["ids"].get<std::vector<int32_t>>();
    auto got = m->logits(ids);
    LENS_VERIFY_OK(got);
    auto want = referenceLogits(name.c_str(), caseIndex);
    QCOMPARE(got->size(), want.size());
    const double diff = test::maxAbsDiff(*got, want);
    QVERIFY2(diff <= kLogitTol, qPrintable(QString("max |logit diff| = %1").arg(diff)));
  }

  // Qwen3 (issue 26): per-head q/k RMSNorm before RoPE, head_dim apart from hidden / heads, tied
  // embeddings, a transformers-5 config.json with null fields. No transformers here, so the
  // reference is test::TinyQwen3::logits, an independent double-precision forward pass.
  void qwen3MatchesReference() {
    QTemporaryDir tmp;
    const test::TinyQwen3 q3;
    q3.write(tmp.path().toStdString());
    auto m = Model::load(tmp.path().toStdString(), test::cpuFloat32());
    LENS_VERIFY_OK(m);
    const ModelConfig& c = (*m)->config();
    QCOMPARE(c.architecture, std::string("Qwen3ForCausalLM"));
    QVERIFY(c.qkNorm && !c.qkvBias && c.tieEmbeddings);
    QCOMPARE(c.headDim * c.numHeads, int64_t{64});
    QCOMPARE(c.hiddenSize, int64_t{48});
    QCOMPARE((*m)->parameterCount(), c.parameterCount());
    const auto ids = (*m)->tokenizer()->encode("The answer is \\frac{3}{4}, so x = 12.<think>");
    QCOMPARE(ids.back(), test::TinyQwen3::thinkId);
    std::vector<int32_t> inVocab(ids.begin(), ids.end() - 1);
    auto got = (*m)->logits(inVocab);
    LENS_VERIFY_OK(got);
    const auto want = q3.logits(inVocab);
    double diff = 0, spread = 0;
    for (size_t t = 0; t < want.size(); ++t)
      for (int64_t v = 0; v < c.vocabSize; ++v) {
        diff = std::max(diff, std::fabs((*got)[t * c.vocabSize + v] - want[t][v]));
        spread = std::max(spread, std::fabs(want[t][v]));
      }
    qInfo("Qwen3: %zu positions, max |logit - reference| = %.3g (largest |logit| %.3g)", want.size(), diff, spread);
    QVERIFY2(diff <= kLogitTol, qPrintable(QString::number(diff)));
    QVERIFY(spread > 1.0);  // logits far from zero: the comparison is not between near-zero numbers
    // Without the q/k norms the logits differ by far more than the tolerance: the test sees them.
    test::TinyQwen3 plain = q3;
    for (auto& [name, w] : plain.w)
      if (name.find("_norm.weight") != std::string::npos && name.find("self_attn") != std::string::npos) std::fill(w.begin(), w.end(), 1.0f);
    QVERIFY(std::fabs(plain.logits(inVocab).back()[5] - want.back()[5]) > 100 * kLogitTol);
    // Greedy decoding (the fused CPU decoding step from the second token on) follows the reference.
    auto res = (*m)->generate({greedy(inVocab, 6)});
    LENS_VERIFY_OK(res);
    QCOMPARE((*res)[0][0].tokenIds, q3.greedy(inVocab, 6));
  }

  // Qwen3 weights go out the way they came in (q_norm / k_norm included): a Duo-ified Qwen3 loads,
  // and its all-big route through the routing oracles' kernel reproduces the plain model's logits.
  void qwen3DuoifiesAndRoutes() {
    QTemporaryDir tmp;
    const std::string src = tmp.filePath("qwen3").toStdString(), duo = tmp.filePath("duo").toStdString();
    test::TinyQwen3().write(src);
    DuoifyParams p;
    p.source = src;
    p.out = duo;
    p.ratio = 0.25;
    p.method = DuoifyParams::Method::WeightNorm;
    LENS_VERIFY_OK(duoify(p));
    auto plain = Model::load(src, test::cpuFloat32());
    auto routed = Model::load(duo, test::cpuFloat32());
    LENS_VERIFY_OK(plain);
    LENS_VERIFY_OK(routed);
    QVERIFY((*routed)->config().qkNorm);
    QCOMPARE((*routed)->config().duoSmallIntermediateSize, int64_t{24});
    c10::InferenceMode guard;
    const std::vector<int64_t> seq{5, 17, 3, 8, 41, 9, 100, 250};
    auto full = fullLogits((*plain)->engine(), seq);
    auto& eng = (*routed)->engine();
    auto cache = eng.makeCache(1, 8);
    internal::ForwardBatch fb{torch::tensor(std::vector<int64_t>(seq.begin(), seq.begin() + 5)).view({1, 5}), {0}, {0}, {5}};
    eng.forward(fb, *cache, true);
    auto bigRoutes = torch::full({1, 3, 2}, 2, torch::kInt64);
    auto viaOracle = eng.routedQueries(internal::Engine::contextOf(*cache, 0, 5), torch::tensor({seq[5], seq[6], seq[7]}), {5, 5, 5},
                                       bigRoutes)[0];
    // Each query sees the context (positions 0-4) and itself at position 5; the first is seq[5]
    // itself, so its logits are the plain model's at position 5.
    QVERIFY((viaOracle[0] - full[5]).abs().max().item<double>() <= kLogitTol);
    QVERIFY((viaOracle[1] - full[5]).abs().max().item<double>() > kLogitTol);
  }

  void greedyContinuations_data() { goldenLogits_data(); }
  void greedyContinuations() {
    QFETCH(QString, model);
    QFETCH(int, caseIndex);
    const std::string name = model.toStdString();
    auto m = load(name.c_str());
    const json c = expected(name.c_str())["cases"][caseIndex];
    auto res = m->generate({greedy(c["ids"].get<std::vector<int32_t>>(), 12)});
    LENS_VERIFY_OK(res);
    QCOMPARE((*res)[0][0].tokenIds, c["greedy_continuation"].get<std::vector<int32_t>>());
    // The first log-prob is log_softmax of transformers' last-position logits at the chosen token.
    auto want = referenceLogits(name.c_str(), caseIndex);
    const int64_t V = m->config().vocabSize, T = static_cast<int64_t>(c["ids"].size());
    double mx = -1e30, sum = 0;
    for (int64_t v = 0; v < V; ++v) mx = std::max(mx, static_cast<double>(want[(T - 1) * V + v]));
    for (int64_t v = 0; v < V; ++v) sum += std::exp(want[(T - 1) * V + v] - mx);
    const double ref = want[(T - 1) * V + (*res)[0][0].tokenIds[0]] - mx - std::log(sum);
    LENS_COMPARE_NEAR((*res)[0][0].logprobs[0], ref, 1e-4);
  }

  void kvCacheMatchesFullForward() {
    c10::InferenceMode guard;
    auto m = load("tiny-llama");
    auto& eng = m->engine();
    const json c = expected("tiny-llama")["cases"][0];
    auto seq = widen(c["ids"].get<std::vector<int32_t>>());
    for (int32_t t : c["greedy_continuation"].get<std::vector<int32_t>>()) seq.push_back(t);
    const auto T = static_cast<int64_t>(seq.size());
    auto full = fullLogits(eng, seq);
    auto cache = eng.makeCache(1, T);
    const int64_t pre = 10;
    internal::ForwardBatch fb{torch::tensor(std::vector<int64_t>(seq.begin(), seq.begin() + pre)).view({1, pre}), {0}, {0}, {pre}};
    auto first = eng.forward(fb, *cache, true)[0];
    QVERIFY(torch::allclose(first, full.narrow(0, 0, pre), 0, kLogitTol));
    for (int64_t p = pre; p < T; ++p) {
      internal::ForwardBatch step{torch::tensor({seq[p]}).view({1, 1}), {0}, {p}, {1}};
      auto row = eng.forward(step, *cache, false)[0];
      const double diff = (row - full[p]).abs().max().item<double>();
      QVERIFY2(diff <= kLogitTol, qPrintable(QString("position %1: %2").arg(p).arg(diff)));
    }
  }

  void batchedDifferentLengths() {
    c10::InferenceMode guard;
    auto m = load("tiny-qwen2");
    auto& eng = m->engine();
    auto cases = expected("tiny-qwen2")["cases"];
    std::vector<std::vector<int64_t>> seqs;
    for (const auto& c : cases) seqs.push_back(widen(c["ids"].get<std::vector<int32_t>>()));
    // One padded prefill for all three prompts, in slots 2, 0, 1 (not in order on purpose).
    const std::vector<int64_t> slots{2, 0, 1};
    int64_t maxLen = 0;
    for (const auto& s : seqs) maxLen = std::max<int64_t>(maxLen, s.size());
    auto cache = eng.makeCache(3, maxLen + 4);
    auto tokens = torch::zeros({3, maxLen}, torch::kInt64);
    internal::ForwardBatch fb;
    for (int b = 0; b < 3; ++b) {
      tokens[b].narrow(0, 0, seqs[b].size()).copy_(torch::tensor(seqs[b]));
      fb.slots.push_back(slots[b]);
      fb.startPos.push_back(0);
      fb.lengths.push_back(static_cast<int64_t>(seqs[b].size()));
    }
    fb.tokens = tokens;
    auto last = eng.forward(fb, *cache, false);  // [3, V]
    // Then three decoding steps, each row at its own position.
    for (int step = 0; step < 3; ++step) {
      std::vector<int64_t> next;
      for (int b = 0; b < 3; ++b) next.push_back(last[b].argmax().item<int64_t>());
      auto [logits, diffs] = decodeStepAgainstFull(eng, *cache, seqs, slots, next);
      last = logits;
      for (int b = 0; b < 3; ++b)
        QVERIFY2(diffs[b] <= kLogitTol, qPrintable(QString("row %1 step %2: %3").arg(b).arg(step).arg(diffs[b])));
    }
  }

  // The CPU decoding kernel (core/model/decode_attention.cpp) against the batched matmul path it
  // replaces for one-token steps: a Mistral-shaped random model whose sliding window is shorter than
  // the sequences, rows at different positions in scattered slots, every step compared with a full
  // forward of the row (which takes the matmul path and its mask).
  void decodeKernelMatchesFullForwardWithSlidingWindow() {
    c10::InferenceMode guard;
    ModelConfig c = test::tinyDuo(2);
    c.architecture = "MistralForCausalLM";
    c.modelType = "mistral";
    c.vocabSize = 97;
    c.slidingWindow = 5;
    auto m = test::randomModel(c, 3);
    auto& eng = m->engine();
    std::vector<std::vector<int64_t>> seqs{{5, 17, 3, 88, 41, 9, 60}, {12, 7, 30}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}};
    const std::vector<int64_t> slots{1, 4, 2};
    auto cache = eng.makeCache(5, 24);
    QVERIFY(eng.fusedDecodeApplies(internal::ForwardBatch{torch::zeros({3, 1}, torch::kInt64), slots, {0, 0, 0}, {1, 1, 1}}, 1));
    for (int b = 0; b < 3; ++b) {
      const auto T = static_cast<int64_t>(seqs[b].size());
      internal::ForwardBatch fb{torch::tensor(seqs[b]).view({1, T}), {slots[b]}, {0}, {T}};
      eng.forward(fb, *cache, false);
    }
    for (int step = 0; step < 6; ++step) {
      std::vector<int64_t> next;
      for (int b = 0; b < 3; ++b) next.push_back((step * 31 + b * 7 + 11) % c.vocabSize);
      const auto diffs = decodeStepAgainstFull(eng, *cache, seqs, slots, next).second;
      for (int b = 0; b < 3; ++b)
        QVERIFY2(diffs[b] <= kLogitTol, qPrintable(QString("row %1 step %2: %3").arg(b).arg(step).arg(diffs[b])));
    }
  }

  // The fused CPU decoding step (decodeLayers: rmsNormRows, ropeIntoCache, the attention kernel,
  // siluMulRows, in-place residual products) against the tensor path it replaces, in one engine:
  // Llama (llama3 RoPE, bf16 checkpoint), Qwen2 (q/k/v biases), and a Duo model with every bias and
  // per-token routes mixing skip, small and big. Logits of every step and the K/V each path wrote
  // to its own cache must agree.
  void fusedDecodeMatchesTensorPath_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("tiny-llama") << "tiny-llama";
    QTest::newRow("tiny-qwen2") << "tiny-qwen2";
    QTest::newRow("duo, biases, routes") << "duo";
    QTest::newRow("qwen3, q/k norms") << "qwen3";
  }
  void fusedDecodeMatchesTensorPath() {
    QFETCH(QString, model);
    c10::InferenceMode guard;
    std::unique_ptr<Model> m;
    if (model == "duo") {
      ModelConfig c = test::tinyDuo(3);
      c.vocabSize = 61;
      c.qkvBias = c.oBias = c.mlpBias = true;
      m = test::randomModel(c, 17);
    } else if (model == "qwen3") {
      QTemporaryDir tmp;
      test::TinyQwen3().write(tmp.path().toStdString());
      auto r = Model::load(tmp.path().toStdString(), test::cpuFloat32());
      LENS_VERIFY_OK(r);
      m = std::move(*r);
    } else {
      m = load(model.toStdString().c_str());
    }
    auto& eng = m->engine();
    const ModelConfig& c = eng.config();
    const bool duo = model == "duo";
    std::vector<std::vector<int64_t>> seqs{{5, 17, 3, 8, 41, 9}, {12, 7}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}};
    const std::vector<int64_t> slots{3, 0, 1};
    auto fused = eng.makeCache(4, 20), tensor = eng.makeCache(4, 20);
    for (int b = 0; b < 3; ++b) {
      const auto T = static_cast<int64_t>(seqs[b].size());
      internal::ForwardBatch fb{torch::tensor(seqs[b]).view({1, T}), {slots[b]}, {0}, {T}};
      if (duo) fb.routes = torch::full({1, T, c.numLayers}, 2, torch::kInt64);
      eng.forward(fb, *fused, false);
      eng.forward(fb, *tensor, false);
    }
    double worst = 0;
    for (int step = 0; step < 5; ++step) {
      internal::ForwardBatch fb;
      std::vector<int64_t> next;
      for (int b = 0; b < 3; ++b) {
        next.push_back((step * 13 + b * 5 + 2) % c.vocabSize);
        fb.slots.push_back(slots[b]);
        fb.startPos.push_back(static_cast<int64_t>(seqs[b].size()));
        fb.lengths.push_back(1);
        seqs[b].push_back(next.back());
      }
      fb.tokens = torch::tensor(next).view({3, 1});
      if (duo) fb.routes = torch::tensor(std::vector<int64_t>{0, 1, 2, 2, 0, 1, 1, 2, 0}).roll(step).view({3, 1, 3});
      eng.setDecodeKernel(true);
      QVERIFY(eng.fusedDecodeApplies(fb, 1));
      auto a = eng.forward(fb, *fused, /*allLogits=*/step % 2 == 1);
      eng.setDecodeKernel(false);
      QVERIFY(!eng.fusedDecodeApplies(fb, 1));
      auto b = eng.forward(fb, *tensor, step % 2 == 1);
      QCOMPARE(a.sizes(), b.sizes());
      worst = std::max(worst, (a - b).abs().max().item<double>());
    }
    eng.setDecodeKernel(true);
    qInfo("largest logit difference %.3g", worst);
    QVERIFY2(worst <= 2e-5, qPrintable(QString::number(worst)));
    double worstKv = 0;
    for (size_t l = 0; l < fused->layers(); ++l)
      for (auto [a, b] : {std::pair{fused->k(l), tensor->k(l)}, std::pair{fused->v(l), tensor->v(l)}})
        worstKv = std::max(worstKv, (a - b).abs().max().item<double>() / b.abs().max().item<double>());
    qInfo("largest K/V difference, relative to the largest entry, %.3g", worstKv);
    QVERIFY2(worstKv <= 1e-5, qPrintable(QString::number(worstKv)));
  }

  // Asked to, the fused decoding step writes its logits into the cache's scratch matrix
  // (Model::generate's steps, so that they do not allocate them), the same values as into a new
  // tensor; other paths (here a prefill) return a new tensor and leave the scratch matrix alone.
  void decodingLogitsGoWhereAsked() {
    c10::InferenceMode guard;
    ModelConfig c = test::tinyDuo(2);
    auto m = test::randomModel(c, 5);
    auto& eng = m->engine();
    auto a = eng.makeCache(2, 8), b = eng.makeCache(2, 8);
    const internal::ForwardBatch pre{torch::tensor(std::vector<int64_t>{3, 1, 4, 1, 5, 9}).view({2, 3}), {0, 1}, {0, 0}, {3, 3}};
    eng.forward(pre, *a, false);
    eng.forward(pre, *b, false);
    const internal::ForwardBatch step{torch::tensor(std::vector<int64_t>{2, 6}).view({2, 1}), {0, 1}, {3, 3}, {1, 1}};
    QVERIFY(eng.fusedDecodeApplies(step, 1));
    auto got = eng.forward(step, *a, false, /*logitsInScratch=*/true);
    QCOMPARE(got.data_ptr<float>(), a->scratch(internal::KvCache::kLogitsScratch, 2, c.vocabSize).data_ptr<float>());
    QVERIFY(torch::equal(got, eng.forward(step, *b, false)));
    auto untouched = b->scratch(internal::KvCache::kLogitsScratch, 2, c.vocabSize).fill_(7.0f);
    auto prefill = eng.forward(pre, *b, false, /*logitsInScratch=*/true);
    QVERIFY(prefill.data_ptr<float>() != untouched.data_ptr<float>());
    QVERIFY(torch::equal(untouched, torch::full({2, c.vocabSize}, 7.0f)));
  }

  // Samples of one prompt read the prompt's K/V once from its own slot (ForwardBatch::shared) and
  // merge it with their own positions. Against the same steps reading every row's own slot: rows 0-2
  // share the prompt, row 3 has its own (no sharing), and row 4 shares alone (a group of one reads
  // its own slot). Without a window, the rows' own copies of the prompt are overwritten with
  // garbage in the shared cache, so equal logits show that the prompt slot was read. With a sliding
  // window shorter than the sequences, rows fall back to their own slots once the window no longer
  // covers the prompt.
  void sharedPrefixMatchesOwnSlots_data() {
    QTest::addColumn<int>("window");
    QTest::newRow("no window, own copies poisoned") << 0;
    QTest::newRow("sliding window 9") << 9;
  }
  void sharedPrefixMatchesOwnSlots() {
    QFETCH(int, window);
    c10::InferenceMode guard;
    ModelConfig c = test::tinyDuo(2);
    c.vocabSize = 97;
    if (window > 0) {
      c.architecture = "MistralForCausalLM";
      c.modelType = "mistral";
      c.slidingWindow = window;
    }
    auto m = test::randomModel(c, 23);
    auto& eng = m->engine();
    const std::vector<int64_t> prompt{4, 8, 15, 16, 23, 42}, other{9, 9, 2, 71, 5, 30};
    const auto P = static_cast<int64_t>(prompt.size());
    const int64_t promptSlot = 6;
    auto shared = eng.makeCache(8, 16), own = eng.makeCache(8, 16);
    for (auto* cache : {shared.get(), own.get()}) {
      eng.forward({torch::tensor(prompt).view({1, P}), {promptSlot}, {0}, {P}}, *cache, false);
      eng.forward({torch::tensor(other).view({1, P}), {3}, {0}, {P}}, *cache, false);
      for (int64_t s : {0, 1, 2, 4}) cache->copyPrefix(promptSlot, s, P);
    }
    if (window == 0)
      for (size_t l = 0; l < shared->layers(); ++l)
        for (int64_t s : {0, 1, 2}) {
          shared->k(l)[s].narrow(1, 0, P).fill_(3.0f);
          shared->v(l)[s].narrow(1, 0, P).fill_(-2.0f);
        }
    const std::vector<int64_t> slots{0, 1, 2, 3, 4};
    double worst = 0;
    for (int step = 0; step < 7; ++step) {
      internal::ForwardBatch fb;
      for (int64_t b = 0; b < 5; ++b) {
        fb.slots.push_back(slots[b]);
        fb.startPos.push_back(P + step);
        fb.lengths.push_back(1);
      }
      std::vector<int64_t> next;
      for (int b = 0; b < 5; ++b) next.push_back((step * 7 + b * 11 + 1) % c.vocabSize);
      fb.tokens = torch::tensor(next).view({5, 1});
      auto reference = eng.forward(fb, *own, false);
      fb.shared.slot = {promptSlot, promptSlot, promptSlot, 0, 7};
      fb.shared.length = {P, P, P, 0, P};
      auto got = eng.forward(fb, *shared, false);
      worst = std::max(worst, (got - reference).abs().max().item<double>());
    }
    qInfo("largest logit difference %.3g", worst);
    QVERIFY2(worst <= 1e-5, qPrintable(QString::number(worst)));
  }

  // Where gradients may be wanted, one-token steps keep the tensor path (autograd does not see the
  // fused kernels): with one trainable weight the step's loss reaches it; without gradients the
  // same engine takes the fused path.
  void fusedDecodeLeavesGradientsToAutograd() {
    auto m = test::randomModel(test::tinyDuo(2), 5);
    const auto& inference = m->engine();
    internal::Weights w = internal::Engine::trainableCopy(inference.weights());
    w.layers[0].wqkv.set_requires_grad(true);
    internal::Engine eng(inference.config(), w, inference.device(), inference.dtype());
    auto cache = eng.makeCache(1, 8);
    internal::ForwardBatch pre{torch::tensor(std::vector<int64_t>{3, 9, 4}).view({1, 3}), {0}, {0}, {3}};
    {
      torch::NoGradGuard ng;
      eng.forward(pre, *cache, false);
    }
    internal::ForwardBatch step{torch::tensor(std::vector<int64_t>{7}).view({1, 1}), {0}, {3}, {1}};
    QVERIFY(!eng.fusedDecodeApplies(step, 1));
    auto logits = eng.forward(step, *cache, false);
    logits.logsumexp(-1).sum().backward();
    QVERIFY(w.layers[0].wqkv.grad().defined());
    QVERIFY(w.layers[0].wqkv.grad().abs().sum().item<double>() > 0);
    torch::NoGradGuard ng;
    QVERIFY(eng.fusedDecodeApplies(step, 1));
  }

  // A cache of several MiB on the CPU is one block in huge pages (kv_cache.cpp): every layer's K
  // and V must still start zeroed, be separate (writing one leaves the others alone) and copy
  // prefixes as the small caches do.
  void largeCacheIsZeroedAndSeparate() {
    c10::InferenceMode guard;
    ModelConfig c = test::randomModel(test::tinyDuo(2), 5)->config();
    c.numLayers = 3;
    c.numKvHeads = 2;
    c.headDim = 64;
    internal::KvCache cache(c, 40, 256, torch::TensorOptions().dtype(torch::kFloat32));  // 3 x 2 x 5 MiB
    QCOMPARE(cache.layers(), size_t{3});
    for (size_t l = 0; l < 3; ++l)
      for (auto* t : {&cache.k(l), &cache.v(l)}) {
        QCOMPARE(t->sizes(), (c10::IntArrayRef{40, 2, 256, 64}));
        QVERIFY(t->is_contiguous());
        QCOMPARE(t->count_nonzero().item<int64_t>(), int64_t{0});
      }
#if defined(__linux__)
    QCOMPARE(reinterpret_cast<uintptr_t>(cache.k(0).data_ptr()) % (uintptr_t{2} << 20), uintptr_t{0});  // the block path
#endif
    for (size_t l = 0; l < 3; ++l) {
      cache.k(l).fill_(static_cast<float>(2 * l + 1));
      cache.v(l).fill_(static_cast<float>(2 * l + 2));
    }
    for (size_t l = 0; l < 3; ++l) {
      QVERIFY(cache.k(l).eq(static_cast<float>(2 * l + 1)).all().item<bool>());
      QVERIFY(cache.v(l).eq(static_cast<float>(2 * l + 2)).all().item<bool>());
    }
    cache.v(2)[39].fill_(-1.0f);
    cache.copyPrefix(39, 0, 100);
    QVERIFY(cache.v(2)[0].narrow(1, 0, 100).eq(-1.0f).all().item<bool>());
    QVERIFY(cache.v(2)[0].narrow(1, 100, 156).eq(6.0f).all().item<bool>());
    QVERIFY(cache.k(2)[0].eq(5.0f).all().item<bool>());
    // The tensors outlive the cache (they share the block).
    auto kept = cache.v(1);
    { internal::KvCache gone(c, 40, 256, torch::TensorOptions().dtype(torch::kFloat32)); kept = gone.v(1); }
    kept.fill_(3.0f);
    QCOMPARE(kept.sum().item<double>(), 3.0 * 40 * 2 * 256 * 64);
  }

  // The sampler is an inverse-CDF draw from softmax(logits / T): known quantiles pick known tokens,
  // on the plain path (no top-k / top-p) and on the masked path alike.
  void samplerFollowsTheSoftmax() {
    c10::InferenceMode guard;
    // Probabilities 0.1, 0.2, 0.3, 0.4 at T = 1; at T = 0.5 they become 1, 4, 9, 16 (/ 30).
    auto logits = torch::tensor({0.0f, std::log(2.0f), std::log(3.0f), std::log(4.0f)}).view({1, 4}).repeat({4, 1});
    SamplingParams p;
    p.temperature = 1.0f;
    double worstLogprob = 0;  // each log-prob is of the untempered distribution
    auto pick = [&](const SamplingParams& sp, std::vector<double> u) {
      auto [tok, lp] = internal::sampleTokens(logits, sp, u);
      std::vector<int64_t> out(tok.data_ptr<int64_t>(), tok.data_ptr<int64_t>() + tok.numel());
      for (int64_t i = 0; i < tok.numel(); ++i)
        worstLogprob = std::max(worstLogprob, std::abs(lp[i].item<double>() - std::log((out[i] + 1) / 10.0)));
      return out;
    };
    QCOMPARE(pick(p, {0.05, 0.25, 0.59, 0.61}), (std::vector<int64_t>{0, 1, 2, 3}));
    p.temperature = 0.5f;
    QCOMPARE(pick(p, {0.02, 0.1, 0.4, 0.5}), (std::vector<int64_t>{0, 1, 2, 3}));
    p.temperature = 1.0f;
    p.topK = 2;  // 3 and 4 (/ 7) remain
    QCOMPARE(pick(p, {0.01, 0.42, 0.43, 0.99}), (std::vector<int64_t>{2, 2, 3, 3}));
    QVERIFY2(worstLogprob < 1e-6, qPrintable(QString::number(worstLogprob)));
    // Random rows: the plain path and the masked path with a mask that removes nothing agree.
    torch::manual_seed(5);
    auto wide = torch::randn({64, 1000}) * 3;
    std::vector<double> u;
    for (int i = 0; i < 64; ++i) u.push_back(internal::uniformDraw(9, i, 0));
    for (float t : {1.0f, 0.7f, 1.5f}) {
      SamplingParams plain, masked;
      plain.temperature = masked.temperature = t;
      masked.topK = 1000;  // takes the masked path, keeps every token
      auto a = internal::sampleTokens(wide, plain, u).first, b = internal::sampleTokens(wide, masked, u).first;
      QVERIFY2(torch::equal(a, b), qPrintable(QString("temperature %1").arg(t)));
    }
  }

  void forkMidway() {
    c10::InferenceMode guard;
    auto m = load("tiny-llama");
    auto& eng = m->engine();
    auto a = widen(expected("tiny-llama")["cases"][0]["ids"].get<std::vector<int32_t>>());  // 19 tokens
    const int64_t T = static_cast<int64_t>(a.size()), forkAt = 12;
    auto cache = eng.makeCache(2, T + 8);
    internal::ForwardBatch fb{torch::tensor(a).view({1, T}), {0}, {0}, {T}};
    eng.forward(fb, *cache, true);
    // Beam-style fork: slot 1 takes slot 0's first 12 positions and continues differently.
    cache->copyPrefix(0, 1, forkAt);
    std::vector<int64_t> b(a.begin(), a.begin() + forkAt);
    const std::vector<int64_t> tail{5, 77, 301, 12};
    internal::ForwardBatch cont{torch::tensor(tail).view({1, 4}), {1}, {forkAt}, {4}};
    auto got = eng.forward(cont, *cache, true)[0];
    b.insert(b.end(), tail.begin(), tail.end());
    auto ref = fullLogits(eng, b).narrow(0, forkAt, 4);
    QVERIFY(torch::allclose(got, ref, 0, kLogitTol));
    // The original sequence in slot 0 is untouched: continuing it matches its own full forward.
    internal::ForwardBatch more{torch::tensor({int64_t(9)}).view({1, 1}), {0}, {T}, {1}};
    auto row = eng.forward(more, *cache, false)[0];
    a.push_back(9);
    QVERIFY(torch::allclose(row, fullLogits(eng, a)[T], 0, kLogitTol));
  }

  void samplingIsSeeded() {
    auto m = load("tiny-llama");
    GenerateRequest r;
    r.promptIds = {289, 312, 287};
    r.numSamples = 4;
    r.seed = 5;
    r.sampling.temperature = 1.0f;
    r.sampling.maxNewTokens = 16;
    r.sampling.ignoreEos = true;
    auto a = m->generate({r});
    auto b = m->generate({r});
    LENS_VERIFY_OK(a);
    LENS_VERIFY_OK(b);
    for (int i = 0; i < 4; ++i) QCOMPARE((*a)[0][i].tokenIds, (*b)[0][i].tokenIds);
    QVERIFY((*a)[0][0].tokenIds != (*a)[0][1].tokenIds);  // distinct streams per sample
    r.seed = 6;
    auto c = m->generate({r});
    QVERIFY((*c)[0][0].tokenIds != (*a)[0][0].tokenIds);
    // A sample's stream does not depend on what else is in the batch.
    GenerateRequest alone = r;
    alone.seed = 5;
    alone.numSamples = 1;
    auto d = m->generate({alone});
    QCOMPARE((*d)[0][0].tokenIds, (*a)[0][0].tokenIds);
    // top_k = 1 and a tiny top_p both reduce to greedy.
    auto g = m->generate({greedy(r.promptIds, 16)});
    GenerateRequest k1 = r;
    k1.sampling.topK = 1;
    QCOMPARE((*m->generate({k1}))[0][2].tokenIds, (*g)[0][0].tokenIds);
    GenerateRequest p0 = r;
    p0.sampling.topP = 1e-6f;
    QCOMPARE((*m->generate({p0}))[0][3].tokenIds, (*g)[0][0].tokenIds);
    for (float lp : (*a)[0][0].logprobs) QVERIFY(lp <= 0.0f && std::isfinite(lp));
  }

  void stopsAtStringsEosAndLength() {
    auto m = load("tiny-llama");
    const json c = expected("tiny-llama")["cases"][1];
    const auto prompt = c["ids"].get<std::vector<int32_t>>();
    const auto cont = c["greedy_continuation"].get<std::vector<int32_t>>();
    // Stop string: the text of the third greedy token.
    const std::string stop = m->tokenizer()->tokenBytes(cont[2]);
    GenerateRequest r = greedy(prompt, 12);
    r.sampling.stopStrings = {stop};
    auto s = (*m->generate({r}))[0][0];
    QCOMPARE(s.finish, FinishReason::Stop);
    QVERIFY(s.tokenIds.size() <= 3);
    QVERIFY(s.text.size() >= stop.size() && s.text.compare(s.text.size() - stop.size(), stop.size(), stop) == 0);
    // EOS: declare the fifth greedy token an end-of-sequence id.
    GenerateRequest e = greedy(prompt, 12);
    e.sampling.ignoreEos = false;
    e.sampling.eosIds = {cont[4]};
    auto se = (*m->generate({e}))[0][0];
    QCOMPARE(se.finish, FinishReason::Eos);
    QCOMPARE(se.tokenIds, std::vector<int32_t>(cont.begin(), cont.begin() + 5));
    auto sl = (*m->generate({greedy(prompt, 7)}))[0][0];
    QCOMPARE(sl.finish, FinishReason::Length);
    QCOMPARE(sl.tokenIds.size(), size_t(7));
    QCOMPARE(sl.text, m->tokenizer()->decode(sl.tokenIds));
  }

  void severalRequestsInOneBatch() {
    auto m = load("tiny-qwen2");
    auto cases = expected("tiny-qwen2")["cases"];
    std::vector<GenerateRequest> reqs;
    for (const auto& c : cases) reqs.push_back(greedy(c["ids"].get<std::vector<int32_t>>(), 12));
    reqs[1].numSamples = 3;
    reqs[1].sampling.maxNewTokens = 5;  // finishes early: the others are compacted and go on
    auto res = m->generate(reqs);
    LENS_VERIFY_OK(res);
    for (size_t i = 0; i < cases.size(); ++i) {
      auto want = cases[i]["greedy_continuation"].get<std::vector<int32_t>>();
      if (i == 1) want.resize(5);
      for (const auto& s : (*res)[i]) QCOMPARE(s.tokenIds, want);
    }
  }

  void llama3RopeScaling() {
    // Reference: transformers' _compute_llama3_parameters evaluated in float64 for Llama 3.2's
    // settings (head_dim 64, theta 5e5, factor 32, low 1, high 4, original 8192 positions):
    // indices 0-10 keep their frequency, 15 is interpolated, 20+ are divided by 32.
    ModelConfig c;
    c.headDim = 64;
    c.rope.theta = 500000;
    c.rope.type = "llama3";
    c.rope.factor = 32;
    c.rope.lowFreqFactor = 1;
    c.rope.highFreqFactor = 4;
    c.rope.originalMaxPositions = 8192;
    c.dtype = "float32";
    auto f = internal::ropeInverseFrequencies(c);
    const std::pair<int, double> ref[] = {{0, 1.0},
                                          {5, 0.12868737343265052},
                                          {10, 0.016560440080994446},
                                          {15, 0.001290547928209264},
                                          {20, 8.570255489881478e-06},
                                          {25, 1.102883668639601e-06},
                                          {31, 9.418306725434909e-08}};
    for (auto [i, v] : ref) LENS_COMPARE_NEAR(f[i].item<double>() / v, 1.0, 1e-5);
    // A bf16 checkpoint runs with frequencies rounded to bf16, as transformers does.
    c.dtype = "bfloat16";
    auto b = internal::ropeInverseFrequencies(c);
    QVERIFY(torch::equal(b, f.to(torch::kBFloat16).to(torch::kFloat32)));
    QVERIFY(!torch::equal(b, f));
  }

  void refusesBrokenWeights() {
    QTemporaryDir tmp;
    const fs::path dir = tmp.path().toStdString();
    for (const char* f : {"config.json", "tokenizer.json"}) fs::copy_file(test::fixture(std::string("tiny-llama/") + f), dir / f);
    auto src = tensor_io::SafetensorsFile::open(test::fixture("tiny-llama/model.safetensors"));
    auto write = [&](const std::string& drop, const std::string& reshape) {
      std::vector<tensor_io::TensorToWrite> ts;
      for (const auto& t : (*src)->tensors()) {
        if (t.name == drop) continue;
        auto shape = t.shape;
        if (t.name == reshape) shape = {t.numel()};
        ts.push_back({t.name, t.dtype, shape, t.data});
      }
      return tensor_io::writeSafetensors((dir / "model.safetensors").string(), ts);
    };
    LENS_VERIFY_OK(write("model.layers.1.mlp.up_proj.weight", ""));
    auto missing = Model::load(dir.string(), {"cpu", "float32", 0});
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().message.find("no tensor 'model.layers.1.mlp.up_proj.weight'") != std::string::npos, missing.error().message.c_str());
    LENS_VERIFY_OK(write("", "model.layers.0.self_attn.k_proj.weight"));
    auto shape = Model::load(dir.string(), {"cpu", "float32", 0});
    QVERIFY(!shape.ok());
    QVERIFY2(shape.error().message.find("'model.layers.0.self_attn.k_proj.weight' has shape [2048] but config.json implies [32, 64]") != std::string::npos,
             shape.error().message.c_str());
    auto badIds = load("tiny-llama")->logits({1, 700});
    QVERIFY(!badIds.ok());
    QVERIFY(badIds.error().message.find("token id 700 is outside the vocabulary") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestTransformer)
#include "test_transformer.moc"
