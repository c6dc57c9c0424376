// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "core/common/atomic_file.h"
#include "core/tensor_io/checkpoint.h"
#include "core/tensor_io/safetensors.h"

using namespace lens;
using namespace lens::tensor_io;

namespace {
// A safetensors file built by hand, so that every field can be broken on purpose.
std::string build(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  return out + header + data;
}
}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void roundTripAllDtypes() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("t.safetensors").toStdString();
    std::vector<float> f32{1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
    std::vector<uint16_t> bf16{0x3f80, 0xc000};  // 1.0, -2.0
    std::vector<int64_t> i64{-1, 1LL << 40};
    std::vector<int32_t> i32{42};
    std::vector<uint8_t> u8{0, 255, 7};
    std::vector<int8_t> i8{-128, 127};
    std::vector<uint16_t> f16{0x3c00};
    LENS_VERIFY_OK(writeSafetensors(path,
                                    {{"a.f32", DType::F32, {2, 3}, f32.data()},
                                     {"b.bf16", DType::BF16, {2}, bf16.data()},
                                     {"c.i64", DType::I64, {2}, i64.data()},
                                     {"d.i32", DType::I32, {1}, i32.data()},
                                     {"e.u8", DType::U8, {3}, u8.data()},
                                     {"f.i8", DType::I8, {2}, i8.data()},
                                     {"g.f16", DType::F16, {1, 1}, f16.data()},
                                     {"h.empty", DType::F32, {0, 4}, nullptr}},
                                    {{"format", "pt"}}));
    auto file = SafetensorsFile::open(path);
    LENS_VERIFY_OK(file);
    QCOMPARE((*file)->tensors().size(), size_t(8));
    QCOMPARE((*file)->metadata().at("format"), std::string("pt"));
    const TensorView* a = (*file)->find("a.f32");
    QVERIFY(a);
    QCOMPARE(a->shape, (std::vector<int64_t>{2, 3}));
    QCOMPARE(std::memcmp(a->data, f32.data(), 24), 0);
    QCOMPARE(std::memcmp((*file)->find("c.i64")->data, i64.data(), 16), 0);
    QCOMPARE((*file)->find("b.bf16")->dtype, DType::BF16);
    QCOMPARE((*file)->find("h.empty")->nbytes, size_t(0));
    QVERIFY(!(*file)->find("missing"));
    // The data section starts 8-byte aligned.
    auto bytes = readFile(path);
    uint64_t hl = 0;
    std::memcpy(&hl, bytes->data(), 8);
    QCOMPARE(hl % 8, uint64_t(0));
  }

  void readsTransformersFile() {
    auto f = SafetensorsFile::open(test::fixture("tiny-llama/model.safetensors"));
    LENS_VERIFY_OK(f);
    const TensorView* e = (*f)->find("model.embed_tokens.weight");
    QVERIFY(e);
    QCOMPARE(e->dtype, DType::BF16);
    QCOMPARE(e->shape, (std::vector<int64_t>{700, 64}));
  }

  void rejectsBadFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expect");  // a phrase the message must contain
    auto add = [](const char* name, const std::string& b, const char* expect) {
      QTest::newRow(name) << QByteArray(b.data(), static_cast<int>(b.size())) << QString(expect);
    };
    const std::string data8(8, '\0');
    add("too short", std::string(5, '\0'), "too short");
    add("header past end", std::string("d\0\0\0\0\0\0\0{}", 10), "runs past the end");
    {
      std::string huge(8, '\xff');
      add("absurd header", huge + "{}", "exceeds the 100 MB limit");
    }
    add("not json", build("{not json", data8), "not well-formed JSON");
    add("not object", build("[1,2]", data8), "not a JSON object");
    add("unknown dtype", build(R"({"x":{"dtype":"F128","shape":[1],"data_offsets":[0,8]}})", data8), "unknown dtype 'F128'");
    add("no shape", build(R"({"x":{"dtype":"F32","data_offsets":[0,4]}})", data8), "tensor 'x' has no 'shape'");
    add("negative dim", build(R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", data8), "non-negative");
    add("offsets past data", build(R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data8), "truncated");
    add("size mismatch", build(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8), "needs 12");
    add("begin after end", build(R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", data8), "begin 8 > end 4");
    add("overlap", build(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8), "overlaps");
    add("metadata not string", build(R"({"__metadata__":{"k":1}})", data8), "is not a string");
  }
  void rejectsBadFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expect);
    auto f = SafetensorsFile::fromBytes(std::string(bytes.constData(), bytes.size()), "bad.safetensors");
    QVERIFY(!f.ok());
    const QString msg = QString::fromStdString(f.error().message);
    QVERIFY2(msg.startsWith("bad.safetensors: "), qPrintable(msg));
    QVERIFY2(msg.contains(expect), qPrintable(msg));
  }

  void truncatedFileOnDisk() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("m.safetensors").toStdString();
    auto whole = readFile(test::fixture("tiny-llama/model.safetensors"));
    LENS_VERIFY_OK(whole);
    test::writeText(path, whole->substr(0, whole->size() - 100));
    auto f = SafetensorsFile::open(path);
    QVERIFY(!f.ok());
    QVERIFY2(f.error().message.find("truncated") != std::string::npos, f.error().message.c_str());
    QVERIFY(f.error().message.find("model.norm.weight") != std::string::npos ||
            f.error().message.find("tensor '") != std::string::npos);
  }

  void shardedCheckpoint() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    std::vector<float> a{1, 2}, b{3, 4, 5};
    LENS_VERIFY_OK(writeSafetensors(dir + "/model-00001-of-00002.safetensors", {{"a", DType::F32, {2}, a.data()}}));
    LENS_VERIFY_OK(writeSafetensors(dir + "/model-00002-of-00002.safetensors", {{"b", DType::F32, {3}, b.data()}}));
    test::writeText(dir + "/model.safetensors.index.json",
                    R"({"metadata":{"total_size":20},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}})");
    auto ck = Checkpoint::open(dir);
    LENS_VERIFY_OK(ck);
    QCOMPARE(ck->files().size(), size_t(2));
    QCOMPARE(ck->parameterCount(), int64_t(5));
    QCOMPARE(reinterpret_cast<const float*>(ck->find("b")->data)[2], 5.0f);

    // A tensor listed in a shard that does not hold it.
    test::writeText(dir + "/model.safetensors.index.json",
                    R"({"weight_map":{"a":"model-00002-of-00002.safetensors"}})");
    auto bad = Checkpoint::open(dir);
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().message.find("'a' is listed in shard") != std::string::npos);
    // A shard name that would leave the folder.
    test::writeText(dir + "/model.safetensors.index.json", R"({"weight_map":{"a":"../outside.safetensors"}})");
    auto escape = Checkpoint::open(dir);
    QVERIFY(!escape.ok());
    QVERIFY(escape.error().message.find("not a file name in the folder") != std::string::npos);
  }

  void refusesPickle() {
    QTemporaryDir tmp;
    test::writeText(tmp.filePath("pytorch_model.bin").toStdString(), "\x80\x02pickle");
    auto ck = Checkpoint::open(tmp.path().toStdString());
    QVERIFY(!ck.ok());
    QCOMPARE(ck.error().code, ErrorCode::Unsupported);
    QVERIFY(ck.error().message.find("never loads pickle") != std::string::npos);
    QVERIFY(ck.error().message.find("safe_serialization=True") != std::string::npos);
  }

  void atomicWriteKeepsOldFileOnFailure() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("x.safetensors").toStdString();
    std::vector<float> a{1};
    LENS_VERIFY_OK(writeSafetensors(path, {{"a", DType::F32, {1}, a.data()}}));
    // Duplicate names are refused before anything is written: the old file is untouched.
    auto st = writeSafetensors(path, {{"a", DType::F32, {1}, a.data()}, {"a", DType::F32, {1}, a.data()}});
    QVERIFY(!st.ok());
    auto f = SafetensorsFile::open(path);
    LENS_VERIFY_OK(f);
    QCOMPARE((*f)->tensors().size(), size_t(1));
    QCOMPARE(QDir(tmp.path()).entryList(QDir::Files).size(), 1);  // no temporary left behind
  }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
