// SPDX-License-Identifier: GPL-3.0-or-later
// Duo-ifying a real checkpoint (the Hugging Face tiny Llama fixture): the result still computes the
// logits transformers computes for the source (all big), a small module that keeps every neuron is
// the big one (every route without skips gives the same logits), the kept neurons are the top ones
// by the score and their weights are the source's, distillation lowers the error it reports, and
// bad requests are refused without writing anything. The truncated-SVD small module: its error falls
// with the rank and full rank is the big module. A Duo model Duo-ified gets new small modules in
// place of its own and keeps everything else.
#include <QtTest>
#include <c10/core/InferenceMode.h>

#include <filesystem>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

#include "common/test_helpers.h"
#include "core/common/atomic_file.h"
#include "core/flops/flops.h"
#include "core/model/duoify.h"
#include "core/model/internal/engine.h"
#include "core/model/model.h"
#include "core/tensor_io/checkpoint.h"
#include "core/tensor_io/safetensors.h"

using namespace lens;
using namespace lens::model;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

DeviceParams cpu() {
  DeviceParams d;
  d.device = "cpu";
  d.dtype = "float32";
  return d;
}

std::vector<std::vector<int32_t>> calibration() {
  auto exp = json::parse(*readFile(test::fixture("tiny-llama/expected.json")));
  std::vector<std::vector<int32_t>> out;
  for (const auto& c : exp["cases"]) out.push_back(c["ids"].get<std::vector<int32_t>>());
  return out;
}

// Logits [T, V] of `ids` with every token on `route` (codes per layer).
torch::Tensor routedLogits(Model& m, const std::vector<int32_t>& ids, const std::vector<int64_t>& route) {
  c10::InferenceMode guard;
  auto& e = m.engine();
  const int64_t T = static_cast<int64_t>(ids.size()), L = static_cast<int64_t>(route.size());
  internal::ForwardBatch fb;
  fb.tokens = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64).view({1, T});
  fb.slots = {0};
  fb.startPos = {0};
  fb.lengths = {T};
  fb.routes = torch::tensor(route, torch::kInt64).view({1, 1, L}).expand({1, T, L}).contiguous();
  auto cache = e.makeCache(1, T);
  return e.forward(fb, *cache, true)[0].clone();
}

}  // namespace

class TestDuoify : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void keepingEveryNeuronIsTheBigModule() {
    QTemporaryDir tmp;
    DuoifyParams p;
    p.source = test::fixture("tiny-llama");
    p.out = tmp.filePath("duo").toStdString();
    p.ratio = 1.0;
    p.method = DuoifyParams::Method::WeightNorm;
    auto rep = duoify(p);
    QVERIFY2(rep.ok(), rep.ok() ? "" : rep.error().message.c_str());
    QCOMPARE(rep->small, int64_t{176});
    auto m = Model::load(p.out, cpu());
    LENS_VERIFY_OK(m);
    QCOMPARE((*m)->config().duoSmallIntermediateSize, int64_t{176});
    QVERIFY((*m)->tokenizer() != nullptr);
    // All big: transformers' logits for the source model.
    auto exp = json::parse(*readFile(test::fixture("tiny-llama/expected.json")));
    auto golden = tensor_io::SafetensorsFile::open(test::fixture("tiny-llama/expected_logits.safetensors"));
    LENS_VERIFY_OK(golden);
    for (int i = 0; i < 3; ++i) {
      auto ids = exp["cases"][i]["ids"].get<std::vector<int32_t>>();
      auto got = (*m)->logits(ids);
      LENS_VERIFY_OK(got);
      const auto* t = (*golden)->find("logits_" + std::to_string(i));
      const float* want = reinterpret_cast<const float*>(t->data);
      QVERIFY(test::maxAbsDiff(got->data(), want, got->size()) < 1e-4);
      // The small module holds the same neurons (in another order): routes without skips agree.
      auto big = routedLogits(**m, ids, {2, 2, 2});
      for (std::vector<int64_t> r : {std::vector<int64_t>{1, 1, 1}, {2, 1, 2}, {1, 2, 1}})
        QVERIFY((routedLogits(**m, ids, r) - big).abs().max().item<float>() < 1e-4);
      // Skipping does change them (the test can tell routes apart).
      QVERIFY((routedLogits(**m, ids, {0, 2, 2}) - big).abs().max().item<float>() > 1e-3);
    }
  }

  void keptNeuronsAreTheTopScoredOnes() {
    QTemporaryDir tmp;
    DuoifyParams p;
    p.source = test::fixture("tiny-llama");
    p.out = tmp.filePath("duo").toStdString();
    p.small = 44;
    p.method = DuoifyParams::Method::WeightNorm;
    auto rep = duoify(p);
    LENS_VERIFY_OK(rep);
    auto src = tensor_io::Checkpoint::open(p.source);
    auto dst = tensor_io::Checkpoint::open(p.out);
    LENS_VERIFY_OK(src);
    LENS_VERIFY_OK(dst);
    for (int l = 0; l < 3; ++l) {
      const std::string pre = "model.layers." + std::to_string(l) + ".";
      auto w = [&](const tensor_io::Checkpoint& ck, const std::string& n) { return internal::toTorch(*ck.find(pre + n)).to(torch::kFloat32); };
      auto g = w(*src, "mlp.gate_proj.weight"), u = w(*src, "mlp.up_proj.weight"), d = w(*src, "mlp.down_proj.weight");
      auto score = g.norm(2, 1) * u.norm(2, 1) * d.norm(2, 0);
      const auto& kept = rep->layers[static_cast<size_t>(l)].kept;
      QCOMPARE(kept.size(), size_t{44});
      QVERIFY(std::is_sorted(kept.begin(), kept.end()));
      // Every kept neuron scores at least as high as every dropped one.
      auto mask = torch::zeros({176}, torch::kBool);
      for (int64_t k : kept) mask[k] = true;
      QVERIFY(score.masked_select(mask).min().item<float>() >= score.masked_select(mask.logical_not()).max().item<float>());
      // The stored small module is exactly those rows / columns (the source is bf16, and so is the copy).
      auto idx = torch::tensor(kept, torch::kInt64);
      QVERIFY(torch::equal(w(*dst, "small_mlp.gate_proj.weight"), g.index_select(0, idx)));
      QVERIFY(torch::equal(w(*dst, "small_mlp.down_proj.weight"), d.index_select(1, idx)));
      // The big module is untouched.
      QVERIFY(torch::equal(w(*dst, "mlp.up_proj.weight"), u));
    }
    auto report = json::parse(*readFile(p.out + "/duoify.json"));
    QCOMPARE(report["method"].get<std::string>(), std::string("weight-norm"));
    QVERIFY(report["layers"][0]["relative_error_before"].is_null());  // no calibration text given
  }

  void distillationLowersTheError() {
    QTemporaryDir tmp;
    DuoifyParams p;
    p.source = test::fixture("tiny-llama");
    p.small = 22;
    p.method = DuoifyParams::Method::Activation;
    p.calibration = calibration();
    p.out = tmp.filePath("pruned").toStdString();
    auto pruned = duoify(p);
    LENS_VERIFY_OK(pruned);
    QVERIFY(pruned->calibrationTokens > 10);
    p.out = tmp.filePath("distilled").toStdString();
    p.distillSteps = 200;
    p.distillLr = 3e-3;
    auto distilled = duoify(p);
    LENS_VERIFY_OK(distilled);
    for (size_t l = 0; l < 3; ++l) {
      const auto& a = pruned->layers[l];
      const auto& b = distilled->layers[l];
      QCOMPARE(a.kept, b.kept);  // the same pruning; distillation starts from it
      QVERIFY(a.errorBefore > 0 && a.errorBefore < 1.5);
      QCOMPARE(a.errorAfter, a.errorBefore);
      QVERIFY2(b.errorAfter < 0.9 * b.errorBefore, qPrintable(QString("layer %1: %2 -> %3").arg(l).arg(b.errorBefore).arg(b.errorAfter)));
    }
    // Keeping more neurons by the same score fits better.
    p.distillSteps = 0;
    p.small = 88;
    p.out = tmp.filePath("wider").toStdString();
    auto wider = duoify(p);
    LENS_VERIFY_OK(wider);
    for (size_t l = 0; l < 3; ++l) QVERIFY(wider->layers[l].errorBefore < pruned->layers[l].errorBefore);
  }

  // Truncated SVD: the error of the factored module falls with its rank, and at full rank (the
  // hidden size, 64) it is the big module. Checked against Eckart–Young from the stored factors
  // (the squared error of the rank-r product is the energy of the dropped singular values), the
  // FLOPs and parameter counts against the factors' shapes, and the loaded model's all-small
  // logits against its all-big ones (transformers' logits, checked in the first test).
  void svdErrorFallsWithRankAndFullRankIsTheBigModule() {
    QTemporaryDir tmp;
    DuoifyParams p;
    p.source = test::fixture("tiny-llama");
    p.method = DuoifyParams::Method::Svd;
    p.calibration = calibration();
    p.smallDtype = "float32";
    auto src = tensor_io::Checkpoint::open(p.source);
    LENS_VERIFY_OK(src);
    std::vector<double> previous(3, std::numeric_limits<double>::infinity());
    std::vector<double> previousKept(9, 0.0);  // energy kept per layer and matrix: rises with the rank
    for (int64_t r : {1, 4, 16, 32, 48, 64}) {
      p.rank = r;
      p.out = tmp.filePath(QString("rank-%1").arg(r)).toStdString();
      auto rep = duoify(p);
      LENS_VERIFY_OK(rep);
      QCOMPARE(rep->rank, r);
      QCOMPARE(rep->small, int64_t{176});
      auto dst = tensor_io::Checkpoint::open(p.out);
      LENS_VERIFY_OK(dst);
      for (size_t l = 0; l < 3; ++l) {
        const auto& L = rep->layers[l];
        // The fixture's weights are random (a flat spectrum): ranks 1 and 4 keep almost nothing of
        // the module (its output error is about 1, measured 1.000 and 1.002-1.007), then the error
        // falls at every step: 0.94-0.98, 0.76-0.81, 0.46-0.48, 5e-7.
        QVERIFY2(L.errorBefore < 1.05, qPrintable(QString("rank %1 layer %2: %3").arg(r).arg(l).arg(L.errorBefore)));
        if (r >= 16)
          QVERIFY2(L.errorBefore < previous[l], qPrintable(QString("rank %1 layer %2: %3 after %4").arg(r).arg(l).arg(L.errorBefore).arg(previous[l])));
        previous[l] = L.errorBefore;
        QCOMPARE(L.errorAfter, L.errorBefore);  // no distillation
        const std::string pre = "model.layers." + std::to_string(l) + ".";
        auto w = [&](const tensor_io::Checkpoint& ck, const std::string& n) { return internal::toTorch(*ck.find(pre + n)).to(torch::kFloat64); };
        int i = 0;
        for (const char* m : {"gate_proj", "up_proj", "down_proj"}) {
          auto big = w(*src, std::string("mlp.") + m + ".weight");
          auto a = w(*dst, std::string("small_mlp.") + m + ".weight_a"), b = w(*dst, std::string("small_mlp.") + m + ".weight_b");
          QCOMPARE(a.size(0), r);
          QCOMPARE(b.size(1), r);
          const double dropped = (big - b.matmul(a)).pow(2).sum().item<double>() / big.pow(2).sum().item<double>();
          const double kept = L.energyKept.at(static_cast<size_t>(i));
          QVERIFY(kept > previousKept[3 * l + static_cast<size_t>(i)]);
          previousKept[3 * l + static_cast<size_t>(i++)] = kept;
          QVERIFY2(std::abs(dropped - (1.0 - kept)) < 1e-5, qPrintable(QString("%1 rank %2: %3 vs %4").arg(m).arg(r).arg(dropped).arg(1.0 - kept)));
        }
      }
    }
    for (size_t l = 0; l < 3; ++l) QVERIFY2(previous[l] < 1e-5, qPrintable(QString("layer %1 at full rank: %2").arg(l).arg(previous[l])));
    auto m = Model::load(p.out, cpu());
    LENS_VERIFY_OK(m);
    const auto& c = (*m)->config();
    QCOMPARE(c.duoSmallRank, int64_t{64});
    QCOMPARE(flops::ffnFlops(c, 1), 2.0 * 3 * 64 * (64 + 176));
    int64_t stored = 0;
    auto dst = tensor_io::Checkpoint::open(p.out);
    LENS_VERIFY_OK(dst);
    for (const auto* t : dst->tensors()) stored += std::accumulate(t->shape.begin(), t->shape.end(), int64_t{1}, std::multiplies<>());
    QCOMPARE(c.parameterCount(), stored);
    for (const auto& ids : calibration()) {
      auto big = routedLogits(**m, ids, {2, 2, 2});
      auto small = routedLogits(**m, ids, {1, 1, 1});
      QVERIFY2((small - big).abs().max().item<float>() < 1e-4, qPrintable(QString::number((small - big).abs().max().item<float>())));
    }
    // A lower rank computes something else, and its routes are told apart.
    auto low = Model::load(tmp.filePath("rank-4").toStdString(), cpu());
    LENS_VERIFY_OK(low);
    const auto ids = calibration()[0];
    QVERIFY((routedLogits(**low, ids, {1, 1, 1}) - routedLogits(**low, ids, {2, 2, 2})).abs().max().item<float>() > 1e-3);
    // The default rank costs --ratio of the big module: 0.25 * 64 * 176 / 240 = 11.7 -> 12.
    QCOMPARE(svdRankForRatio(64, 176, 0.25), int64_t{12});
    QCOMPARE(svdRankForRatio(64, 176, 1.0), int64_t{47});
    QCOMPARE(svdRankForRatio(64, 176, 1e-6), int64_t{1});
  }

  void svdDistillationLowersTheError() {
    QTemporaryDir tmp;
    DuoifyParams p;
    p.source = test::fixture("tiny-llama");
    p.method = DuoifyParams::Method::Svd;
    p.rank = 8;
    p.calibration = calibration();
    p.distillSteps = 200;
    p.distillLr = 3e-3;
    p.out = tmp.filePath("distilled").toStdString();
    auto rep = duoify(p);
    LENS_VERIFY_OK(rep);
    for (size_t l = 0; l < 3; ++l)
      QVERIFY2(rep->layers[l].errorAfter < 0.9 * rep->layers[l].errorBefore,
               qPrintable(QString("layer %1: %2 -> %3").arg(l).arg(rep->layers[l].errorBefore).arg(rep->layers[l].errorAfter)));
    auto report = json::parse(*readFile(p.out + "/duoify.json"));
    QCOMPARE(report["method"].get<std::string>(), std::string("svd"));
    QCOMPARE(report["rank"].get<int64_t>(), int64_t{8});
    QCOMPARE(report["small_dtype"].get<std::string>(), std::string("bfloat16"));  // the source's
    auto m = Model::load(p.out, cpu());
    LENS_VERIFY_OK(m);
    QCOMPARE((*m)->config().duoSmallRank, int64_t{8});
  }

  // arith-duo-small (trained as a Duo model, small FFN 96 of 480 neurons) Duo-ified again: its own
  // small modules are dropped and the new ones (pruned by weight norm, or factored) take their
  // names; every other tensor is the source's byte for byte, so the all-big logits are the source's.
  void duoifyingADuoModelReplacesItsSmallModules() {
    QTemporaryDir tmp;
    DuoifyParams p;
    p.source = std::string(LENS_SOURCE_DIR) + "/resources/models/arith-duo-small";
    p.ratio = 0.2;
    auto src = tensor_io::Checkpoint::open(p.source);
    LENS_VERIFY_OK(src);
    const std::vector<int32_t> ids = {80, 114, 111, 98, 108, 101, 109, 58, 32, 51, 42, 55, 10};
    auto srcModel = Model::load(p.source, cpu());
    LENS_VERIFY_OK(srcModel);
    auto srcLogits = (*srcModel)->logits(ids);
    LENS_VERIFY_OK(srcLogits);
    for (auto method : {DuoifyParams::Method::WeightNorm, DuoifyParams::Method::Svd}) {
      const bool svd = method == DuoifyParams::Method::Svd;
      p.method = method;
      p.out = tmp.filePath(svd ? "svd" : "pruned").toStdString();
      auto rep = duoify(p);
      LENS_VERIFY_OK(rep);
      QCOMPARE(rep->small, svd ? int64_t{480} : int64_t{96});
      auto dst = tensor_io::Checkpoint::open(p.out);
      LENS_VERIFY_OK(dst);
      size_t small = 0, others = 0;
      for (const auto* t : dst->tensors()) {
        if (t->name.find(".small_mlp.") != std::string::npos) {
          ++small;
          QVERIFY2((t->name.find("weight_a") != std::string::npos || t->name.find("weight_b") != std::string::npos) == svd, t->name.c_str());
          continue;
        }
        const auto* s = src->find(t->name);
        QVERIFY2(s && s->nbytes == t->nbytes && std::equal(t->data, t->data + t->nbytes, s->data), t->name.c_str());
        ++others;
      }
      QCOMPARE(small, static_cast<size_t>(svd ? 24 : 12));  // 4 layers: gate, up, down (each two factors when factored)
      size_t srcOthers = 0;
      for (const auto* t : src->tensors()) srcOthers += t->name.find(".small_mlp.") == std::string::npos ? 1 : 0;
      QCOMPARE(others, srcOthers);
      if (!svd) {  // the kept rows of the big gate, not the source's own small gate
        auto w = [](const tensor_io::Checkpoint& ck, const std::string& n) { return internal::toTorch(*ck.find(n)).to(torch::kFloat32); };
        auto idx = torch::tensor(rep->layers[0].kept, torch::kInt64);
        auto gate = w(*dst, "model.layers.0.small_mlp.gate_proj.weight");
        QVERIFY(torch::equal(gate, w(*src, "model.layers.0.mlp.gate_proj.weight").index_select(0, idx)));
        QVERIFY(!torch::equal(gate, w(*src, "model.layers.0.small_mlp.gate_proj.weight")));
      }
      auto m = Model::load(p.out, cpu());
      LENS_VERIFY_OK(m);
      QCOMPARE((*m)->config().duoSmallIntermediateSize, svd ? int64_t{480} : int64_t{96});
      QCOMPARE((*m)->config().duoSmallRank, svd ? int64_t{24} : int64_t{0});  // 3·r·(160 + 480) = 0.2 · 3·160·480
      auto got = (*m)->logits(ids);
      LENS_VERIFY_OK(got);
      QVERIFY(test::maxAbsDiff(got->data(), srcLogits->data(), got->size()) < 1e-5);
      auto report = json::parse(*readFile(p.out + "/duoify.json"));
      QCOMPARE(report["replaced_small_intermediate_size"].get<int64_t>(), int64_t{96});
    }
  }

  void refusesBadRequests() {
    QTemporaryDir tmp;
    DuoifyParams p;
    p.source = test::fixture("tiny-llama");
    p.out = tmp.filePath("x").toStdString();
    p.small = 177;
    p.method = DuoifyParams::Method::WeightNorm;
    auto tooWide = duoify(p);
    QVERIFY(!tooWide.ok() && tooWide.error().message.find("1..176 neurons") != std::string::npos);
    p.small = 10;
    p.method = DuoifyParams::Method::Activation;
    auto noText = duoify(p);
    QVERIFY(!noText.ok() && noText.error().message.find("calibration") != std::string::npos);
    p.method = DuoifyParams::Method::WeightNorm;
    p.out = p.source;
    auto same = duoify(p);
    QVERIFY(!same.ok() && same.error().message.find("source folder") != std::string::npos);
    p.out = tmp.filePath("x").toStdString();
    p.small = 0;
    p.method = DuoifyParams::Method::Svd;
    p.rank = 65;
    auto tooHigh = duoify(p);
    QVERIFY(!tooHigh.ok() && tooHigh.error().message.find("full rank min(hidden_size, intermediate_size) = 64") != std::string::npos);
    p.rank = 8;
    p.small = 44;
    auto smallWithSvd = duoify(p);
    QVERIFY(!smallWithSvd.ok() && smallWithSvd.error().message.find("--rank, not --small") != std::string::npos);
    p.small = 0;
    p.smallDtype = "int8";
    auto badType = duoify(p);
    QVERIFY(!badType.ok() && badType.error().message.find("'int8'") != std::string::npos);
    QVERIFY(!fs::exists(tmp.filePath("x").toStdString()));
  }
};

QTEST_APPLESS_MAIN(TestDuoify)
#include "test_duoify.moc"
