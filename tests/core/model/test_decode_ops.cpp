// SPDX-License-Identifier: GPL-3.0-or-later
// The CPU decoding step's fused operations (core/model/decode_ops.cpp, fast_math.h) against the
// formulas they implement, computed here in double precision element by element. The whole step
// against the tensor path is in test_transformer (fusedDecodeMatchesTensorPath).
#include <QtTest>
#include <c10/core/InferenceMode.h>
#include <cmath>
#include <functional>
#include <limits>

#include "common/test_helpers.h"
#include "core/model/internal/engine.h"
#include "core/model/internal/fast_math.h"

using namespace lens::model::internal;

namespace {

double relErr(double got, double want) { return std::abs(got - want) / std::max(std::abs(want), 1e-30); }

}  // namespace

class TestDecodeOps : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void expMatchesLibmOverItsRange() {
    double worst = 0;
    for (double x = -87.0; x <= 88.0; x += 0.000917) worst = std::max(worst, relErr(expClamped(static_cast<float>(x)), std::exp(static_cast<double>(static_cast<float>(x)))));
    QVERIFY2(worst < 4e-7, qPrintable(QString::number(worst)));  // a few float ulps
    QCOMPARE(expClamped(0.0f), 1.0f);
    // Outside the range: clamped (finite), or exactly zero for the masked form.
    QVERIFY(std::isfinite(expClamped(1000.0f)) && expClamped(1000.0f) > 1e38f);
    QCOMPARE(expOrZero(-87.5f), 0.0f);
    QCOMPARE(expOrZero(-std::numeric_limits<float>::infinity()), 0.0f);
    QVERIFY(expOrZero(-86.0f) > 0.0f);
    QVERIFY(std::isnan(expClamped(std::numeric_limits<float>::quiet_NaN())));  // and no undefined conversion (UBSan)
  }

  void rmsNormRowsIsTheFormula() {
    c10::InferenceMode guard;
    torch::manual_seed(3);
    auto x = torch::randn({37, 3, 96}) * 4, w = torch::randn({96});
    auto y = rmsNormRows(x, w, 1e-5);
    QCOMPARE(y.sizes(), (c10::IntArrayRef{111, 96}));
    auto xd = x.reshape({111, 96}).to(torch::kFloat64), wd = w.to(torch::kFloat64);
    auto want = wd * xd * torch::rsqrt(xd.pow(2).mean(-1, true) + 1e-5);
    const double worst = ((y.to(torch::kFloat64) - want).abs() / (want.abs() + 1e-6)).max().item<double>();
    QVERIFY2(worst < 2e-6, qPrintable(QString::number(worst)));
  }

  void siluMulRowsIsTheFormula() {
    c10::InferenceMode guard;
    torch::manual_seed(4);
    auto gu = torch::randn({29, 2 * 77}) * 6;
    gu[0][0] = -200.0f;  // far into the tail: silu is ~0 there, not NaN
    gu[0][1] = 200.0f;
    auto out = siluMulRows(gu);
    QCOMPARE(out.sizes(), (c10::IntArrayRef{29, 77}));
    auto g = gu.narrow(1, 0, 77).to(torch::kFloat64), u = gu.narrow(1, 77, 77).to(torch::kFloat64);
    auto want = g / (1 + torch::exp(-g)) * u;
    QVERIFY(std::abs(out[0][0].item<double>()) < 1e-30);
    const double worst = ((out.to(torch::kFloat64) - want).abs() / (want.abs() + 1e-6)).max().item<double>();
    QVERIFY2(worst < 2e-6, qPrintable(QString::number(worst)));
  }

  // decodeAttention against softmax(scale · q Kᵀ) V over each row's allowed positions, in double
  // precision. Head sizes that take the AVX-512 tiles (64, 128: whole vectors; 128 in two passes of
  // 64 values) and that do not (8, 40); query heads per KV head 1-4 (pairs of queries and a last
  // one); contexts whose lengths are not multiples of the 8- and 16-key blocks. Rows 0-10 share a
  // prompt of 13 positions held in slot 0 (two chunks of 8 and 3 rows), rows 11-12 share another of
  // 19 (slot 1), row 13 shares 7 positions of slot 1 alone (it reads its own slot), and rows 14-15 share nothing. The
  // rows' own copies of the prompts hold other values, so the prompt slot must be the one read;
  // with a sliding window no row's window starts at 0 and every row reads its own slot.
  void decodeAttentionIsSoftmaxAttention_data() {
    QTest::addColumn<int>("D");
    QTest::addColumn<int>("G");
    QTest::addColumn<int>("window");
    QTest::newRow("head 64, 2 per KV head") << 64 << 2 << 0;
    QTest::newRow("head 64, 4 per KV head") << 64 << 4 << 0;
    QTest::newRow("head 128, 3 per KV head") << 128 << 3 << 0;
    QTest::newRow("head 128, 1 per KV head") << 128 << 1 << 0;
    QTest::newRow("head 8, 2 per KV head") << 8 << 2 << 0;
    QTest::newRow("head 40, 3 per KV head") << 40 << 3 << 0;
    QTest::newRow("head 64, 2 per KV head, window 6") << 64 << 2 << 6;
  }
  void decodeAttentionIsSoftmaxAttention() {
    QFETCH(int, D);
    QFETCH(int, G);
    QFETCH(int, window);
    c10::InferenceMode guard;
    torch::manual_seed(static_cast<uint64_t>(11 * D + G));
    const int64_t B = 16, Hkv = 2, H = Hkv * G, cap = 64, slots = B + 2;
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    auto k = torch::randn({slots, Hkv, cap, D}) * 1.5, v = torch::randn({slots, Hkv, cap, D});
    auto q = torch::randn({B, H, D}) * 1.5;
    std::vector<int64_t> slot(B), pos(B);
    SharedPrefix shared{std::vector<int64_t>(B, 0), std::vector<int64_t>(B, 0)};
    for (int64_t b = 0; b < B; ++b) {
      slot[static_cast<size_t>(b)] = b + 2;
      pos[static_cast<size_t>(b)] = 13 + (b * 7) % 41;  // 13 ... 53 (positions [0, pos] attended)
      if (b <= 10) shared.length[static_cast<size_t>(b)] = 13;
      if (b == 11 || b == 12) {
        shared.slot[static_cast<size_t>(b)] = 1;
        shared.length[static_cast<size_t>(b)] = 19;
        pos[static_cast<size_t>(b)] = std::max<int64_t>(pos[static_cast<size_t>(b)], 19);
      }
      if (b == 13) {  // slot 1 again, but a prefix length of its own
        shared.slot[static_cast<size_t>(b)] = 1;
        shared.length[static_cast<size_t>(b)] = 7;
      }
    }
    // What each row reads: its prompt from the prompt slot, the rest from its own slot.
    auto kRef = torch::empty({B, Hkv, cap, D}), vRef = torch::empty({B, Hkv, cap, D});
    for (int64_t b = 0; b < B; ++b) {
      kRef[b].copy_(k[slot[static_cast<size_t>(b)]]);
      vRef[b].copy_(v[slot[static_cast<size_t>(b)]]);
      const int64_t P = shared.length[static_cast<size_t>(b)];
      if (P > 0 && b != 13 && window == 0) {
        kRef[b].narrow(1, 0, P).copy_(k[shared.slot[static_cast<size_t>(b)]].narrow(1, 0, P));
        vRef[b].narrow(1, 0, P).copy_(v[shared.slot[static_cast<size_t>(b)]].narrow(1, 0, P));
      }
    }
    const std::optional<int64_t> win = window > 0 ? std::optional<int64_t>(window) : std::nullopt;
    auto got = decodeAttention(q, k, v, slot, pos, win, scale, {}, &shared).view({B, H, D}).to(torch::kFloat64);
    double worst = 0;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t p = pos[static_cast<size_t>(b)], lo = win ? std::max<int64_t>(0, p - *win + 1) : 0;
      for (int64_t h = 0; h < H; ++h) {
        auto K = kRef[b][h / G].narrow(0, lo, p - lo + 1).to(torch::kFloat64), V = vRef[b][h / G].narrow(0, lo, p - lo + 1).to(torch::kFloat64);
        auto want = torch::softmax(torch::mv(K, q[b][h].to(torch::kFloat64)) * scale, 0).matmul(V);
        worst = std::max(worst, ((got[b][h] - want).abs() / (want.abs().max() + 1e-12)).max().item<double>());
      }
    }
    QVERIFY2(worst < 2e-6, qPrintable(QString::number(worst)));
  }

  // Row b: queries rotated into q, keys rotated into cache slot slots[b] at positions[b], values
  // copied there; every other cache entry untouched.
  void ropeIntoCacheWritesTheRotatedRow() {
    c10::InferenceMode guard;
    torch::manual_seed(6);
    const int64_t B = 3, H = 4, Hkv = 2, D = 8, cap = 9;
    auto qkv = torch::randn({B, (H + 2 * Hkv) * D});
    auto invFreq = torch::tensor({1.0f, 0.1f, 0.01f, 0.001f});
    auto k = torch::full({5, Hkv, cap, D}, 7.0f), v = torch::full({5, Hkv, cap, D}, 7.0f);
    const std::vector<int64_t> slots{4, 0, 2}, pos{0, 8, 3};
    auto q = ropeIntoCache(qkv, slots, pos, invFreq, k, v, H);
    QCOMPARE(q.sizes(), (c10::IntArrayRef{B, H, D}));
    auto rotate = [&](int64_t b, int64_t offset) {  // head at column offset of row b, in double
      std::vector<double> out(D);
      for (int64_t i = 0; i < D / 2; ++i) {
        const double a = static_cast<double>(static_cast<float>(pos[b]) * invFreq[i].item<float>());
        const double x1 = qkv[b][offset + i].item<double>(), x2 = qkv[b][offset + i + D / 2].item<double>();
        out[i] = x1 * std::cos(a) - x2 * std::sin(a);
        out[i + D / 2] = x2 * std::cos(a) + x1 * std::sin(a);
      }
      return out;
    };
    double worst = 0;
    auto written = torch::zeros({5, Hkv, cap}, torch::kBool);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t h = 0; h < H; ++h) {
        const auto want = rotate(b, h * D);
        for (int64_t d = 0; d < D; ++d) worst = std::max(worst, std::abs(q[b][h][d].item<double>() - want[d]));
      }
      for (int64_t h = 0; h < Hkv; ++h) {
        const auto want = rotate(b, (H + h) * D);
        for (int64_t d = 0; d < D; ++d) {
          worst = std::max(worst, std::abs(k[slots[b]][h][pos[b]][d].item<double>() - want[d]));
          QCOMPARE(v[slots[b]][h][pos[b]][d].item<float>(), qkv[b][(H + Hkv + h) * D + d].item<float>());
        }
        written[slots[b]][h][pos[b]] = true;
      }
    }
    QVERIFY2(worst < 1e-5, qPrintable(QString::number(worst)));
    auto untouched = written.logical_not().unsqueeze(-1).expand({5, Hkv, cap, D});
    QVERIFY(k.masked_select(untouched).eq(7.0f).all().item<bool>());
    QVERIFY(v.masked_select(untouched).eq(7.0f).all().item<bool>());
    // A position past the cache is refused before anything is written.
    auto before = k.clone();
    QVERIFY_THROWS_EXCEPTION(c10::Error, ropeIntoCache(qkv, slots, {0, 9, 3}, invFreq, k, v, H));
    QVERIFY(torch::equal(before, k));
  }

  // The weight products against the product in double precision, over shapes that cover every
  // tail of the kernel's tiles (rows mod 4, weight rows mod 6, k mod 16, k in chunks), with and without bias,
  // written and accumulated. The kernel runs only on CPUs with AVX-512; the BLAS path everywhere.
  void rowsTimesWeightsIsTheProduct() {
    c10::InferenceMode guard;
    torch::manual_seed(9);
    std::vector<WeightProduct> paths{WeightProduct::Blas, WeightProduct::Auto};
    if (rowsTimesWeightsKernelAvailable()) paths.push_back(WeightProduct::Kernel);
    int cases = 0;
    for (int64_t rows : {1, 2, 3, 4, 5, 7, 9, 64})
      for (int64_t n : {1, 5, 6, 7, 13, 50})
        for (int64_t k : {0, 1, 15, 16, 17, 100, 1100}) {  // 0: bias (or nothing) alone; 1100: chunks of 512, 512 and 76
          auto in = torch::randn({rows, k}), w = torch::randn({n, k}), b = torch::randn({n}), start = torch::randn({rows, n});
          const auto want = torch::mm(in.to(torch::kFloat64), w.to(torch::kFloat64).t());
          for (auto how : paths)
            for (bool withBias : {false, true})
              for (bool accumulate : {false, true}) {
                auto out = start.clone();
                auto got = rowsTimesWeights(in, w, withBias ? b : torch::Tensor(), out, accumulate, how);
                QCOMPARE(got.data_ptr<float>(), out.data_ptr<float>());
                auto expect = want + (withBias ? b.to(torch::kFloat64) : torch::zeros({n}, torch::kFloat64)) +
                              (accumulate ? start.to(torch::kFloat64) : torch::zeros({rows, n}, torch::kFloat64));
                const double worst = (got.to(torch::kFloat64) - expect).abs().max().item<double>();
                if (worst > 1e-4 * std::sqrt(static_cast<double>(std::max<int64_t>(k, 1))))
                  QFAIL(qPrintable(QString("rows %1 n %2 k %3 path %4 bias %5 acc %6: error %7")
                                       .arg(rows).arg(n).arg(k).arg(static_cast<int>(how)).arg(withBias).arg(accumulate).arg(worst)));
                ++cases;
              }
        }
    QCOMPARE(cases, 8 * 6 * 7 * 4 * static_cast<int>(paths.size()));
    // Strided operands take the BLAS path (and give the same product); the kernel refuses them.
    auto in = torch::randn({6, 40}), w = torch::randn({40, 10});
    QVERIFY(torch::allclose(rowsTimesWeights(in, w.t()), torch::mm(in, w), 1e-5, 1e-5));
    QVERIFY_THROWS_EXCEPTION(c10::Error, rowsTimesWeights(in, w.t(), {}, {}, false, WeightProduct::Kernel));
    QVERIFY_THROWS_EXCEPTION(c10::Error, rowsTimesWeights(in, torch::randn({10, 39})));
    if (!rowsTimesWeightsKernelAvailable()) qInfo("no AVX-512 on this CPU: the kernel was not exercised");
  }

  // Every operation writes into a preallocated output of the right size (the decoding step's
  // scratch matrices) and refuses one of the wrong size or dtype, naming itself (decodeOutput).
  void outputsAreCheckedAndFilledInPlace() {
    c10::InferenceMode guard;
    torch::manual_seed(8);
    auto message = [](const std::function<void()>& fn) -> std::string {
      try {
        fn();
      } catch (const c10::Error& e) {
        return e.what_without_backtrace();
      }
      return "(nothing thrown)";
    };
    auto refused = [&](const std::function<void()>& fn, const char* op) {
      const std::string m = message(fn);
      if (m.find(std::string(op) + ": the output must be") == std::string::npos) qWarning("%s", m.c_str());
      return m.find(std::string(op) + ": the output must be") != std::string::npos;
    };
    auto x = torch::randn({5, 16}), w = torch::randn({16});
    auto y = torch::empty({80});
    QCOMPARE(rmsNormRows(x, w, 1e-5, y).data_ptr<float>(), y.data_ptr<float>());
    QVERIFY(torch::allclose(y.view({5, 16}), rmsNormRows(x, w, 1e-5)));
    QVERIFY(refused([&] { rmsNormRows(x, w, 1e-5, torch::empty({79})); }, "rmsNormRows"));
    QVERIFY(refused([&] { rmsNormRows(x, w, 1e-5, torch::empty({80}, torch::kFloat64)); }, "rmsNormRows"));
    QVERIFY(refused([&] { siluMulRows(x, torch::empty({5, 9})); }, "siluMulRows"));
    // Attention: 3 rows, 4 heads over 2 KV heads of 8, contexts of 1, 5 and 2 positions.
    const int64_t B = 3, H = 4, Hkv = 2, D = 8;
    auto q = torch::randn({B, H, D}), k = torch::randn({3, Hkv, 6, D}), v = torch::randn({3, Hkv, 6, D});
    const std::vector<int64_t> slots{0, 1, 2}, pos{0, 4, 1};
    auto a = torch::empty({B, H * D});
    QCOMPARE(decodeAttention(q, k, v, slots, pos, std::nullopt, 0.35, a).data_ptr<float>(), a.data_ptr<float>());
    QVERIFY(torch::allclose(a, decodeAttention(q, k, v, slots, pos, std::nullopt, 0.35)));
    QVERIFY(refused([&] { decodeAttention(q, k, v, slots, pos, std::nullopt, 0.35, torch::empty({B, H * D - 1})); }, "decodeAttention"));
    QVERIFY(refused([&] { decodeAttention(q, k, v, slots, pos, std::nullopt, 0.35, torch::empty({B * H * D}, torch::kInt32)); },
                    "decodeAttention"));
    QVERIFY(refused([&] { decodeAttention(q, k, v, slots, pos, std::nullopt, 0.35, torch::empty({H * D, B}).t()); }, "decodeAttention"));
  }

  void plainSamplingTakesTheCdfAndGivesUp() {
    c10::InferenceMode guard;
    // Masked tokens (-inf) are never drawn, at any quantile.
    auto logits = torch::tensor({0.0f, -std::numeric_limits<float>::infinity(), 1.0f, -std::numeric_limits<float>::infinity()})
                      .view({1, 4})
                      .repeat({5, 1});
    torch::Tensor tok, lp;
    QVERIFY(samplePlainRows(logits, 1.0f, {0.0, 0.2, 0.26, 0.27, 0.999999}, tok, lp));
    const double p0 = 1 / (1 + std::exp(1.0));  // probability of token 0
    QCOMPARE(std::vector<int64_t>(tok.data_ptr<int64_t>(), tok.data_ptr<int64_t>() + 5), (std::vector<int64_t>{0, 0, 0, 2, 2}));
    LENS_COMPARE_NEAR(lp[0].item<double>(), std::log(p0), 1e-6);
    LENS_COMPARE_NEAR(lp[4].item<double>(), std::log(1 - p0), 1e-6);
    QVERIFY(p0 > 0.26 && p0 < 0.27);  // what the quantiles above rely on
    // Not for it: NaN rows (the tensor path decides), other dtypes, greedy decoding.
    auto bad = logits.clone();
    bad[2][0] = std::numeric_limits<float>::quiet_NaN();
    torch::Tensor untouched;
    QVERIFY(!samplePlainRows(bad, 1.0f, {0.1, 0.1, 0.1, 0.1, 0.1}, untouched, lp));
    QVERIFY(!untouched.defined());
    QVERIFY(!samplePlainRows(logits.to(torch::kFloat64), 1.0f, {0.1, 0.1, 0.1, 0.1, 0.1}, untouched, lp));
    QVERIFY(!samplePlainRows(logits, 0.0f, {0.1, 0.1, 0.1, 0.1, 0.1}, untouched, lp));
  }
};

QTEST_GUILESS_MAIN(TestDecodeOps)
#include "test_decode_ops.moc"
