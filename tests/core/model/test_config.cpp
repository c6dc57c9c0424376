// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "core/model/config.h"
#include "core/model/model_info.h"

using namespace lens;
using namespace lens::model;
using json = nlohmann::json;

namespace {
json llama32Style() {  // as transformers 4 wrote Llama-3.2-1B's config.json
  return json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256, "hidden_size": 2048,
    "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
    "head_dim": 64, "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
    "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "tie_word_embeddings": true, "hidden_act": "silu", "bos_token_id": 128000,
    "eos_token_id": [128001, 128008, 128009], "torch_dtype": "bfloat16"})");
}
}  // namespace

class TestConfig : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void fixtures() {
    auto l = ModelConfig::load(test::fixture("tiny-llama/config.json"));
    LENS_VERIFY_OK(l);
    QCOMPARE(l->architecture, std::string("LlamaForCausalLM"));
    QCOMPARE(l->numKvHeads, int64_t(2));
    QCOMPARE(l->headDim, int64_t(16));
    QCOMPARE(l->rope.theta, 500000.0);  // from transformers 5's rope_parameters
    QVERIFY(!l->tieEmbeddings);
    QVERIFY(!l->qkvBias);
    auto q = ModelConfig::load(test::fixture("tiny-qwen2/config.json"));
    LENS_VERIFY_OK(q);
    QVERIFY(q->qkvBias);
    QVERIFY(!q->oBias);
    QVERIFY(q->tieEmbeddings);
    QCOMPARE(q->rope.theta, 1e6);
    // Parameter count from the config equals the elements stored in the checkpoint.
    for (const char* m : {"tiny-llama", "tiny-qwen2"}) {
      auto s = inspectModel(test::fixture(m));
      LENS_VERIFY_OK(s);
      QCOMPARE(s->config.parameterCount(), s->parameterCount);
    }
  }

  void transformers4Llama32() {
    auto c = ModelConfig::fromJson(llama32Style(), "config.json");
    LENS_VERIFY_OK(c);
    QCOMPARE(c->rope.theta, 500000.0);
    QCOMPARE(c->rope.type, std::string("llama3"));
    QCOMPARE(c->rope.factor, 32.0);
    QCOMPARE(c->rope.originalMaxPositions, int64_t(8192));
    QCOMPARE(c->eosTokenIds, (std::vector<int32_t>{128001, 128008, 128009}));
    QCOMPARE(c->parameterCount(), int64_t(1235814400));  // Llama-3.2-1B's published count
    // Round trip through toJson.
    auto again = ModelConfig::fromJson(c->toJson(), "round trip");
    LENS_VERIFY_OK(again);
    QCOMPARE(again->toJson(), c->toJson());
  }

  void derivedHeadDimAndMistral() {
    json j = {{"architectures", {"MistralForCausalLM"}}, {"vocab_size", 32000}, {"hidden_size", 4096},
              {"intermediate_size", 14336}, {"num_hidden_layers", 32}, {"num_attention_heads", 32},
              {"num_key_value_heads", 8}, {"rope_theta", 1e6}, {"sliding_window", 4096}};
    auto c = ModelConfig::fromJson(j, "config.json");
    LENS_VERIFY_OK(c);
    QCOMPARE(c->headDim, int64_t(128));
    QCOMPARE(c->modelType, std::string("mistral"));
    QCOMPARE(*c->slidingWindow, int64_t(4096));
  }

  // Qwen3-0.6B's config.json as published (transformers 4.51): head_dim 128 apart from
  // hidden / heads (1024 / 16 = 64), q/k norms, no q/k/v bias, rope_scaling null.
  void qwen3() {
    const json j = json::parse(R"({"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
      "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024,
      "initializer_range": 0.02, "intermediate_size": 3072, "max_position_embeddings": 40960, "max_window_layers": 28,
      "model_type": "qwen3", "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8,
      "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null,
      "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.51.0", "use_cache": true,
      "use_sliding_window": false, "vocab_size": 151936})");
    auto c = ModelConfig::fromJson(j, "config.json");
    LENS_VERIFY_OK(c);
    QCOMPARE(c->modelType, std::string("qwen3"));
    QCOMPARE(c->headDim, int64_t(128));
    QVERIFY(c->qkNorm);
    QVERIFY(!c->qkvBias && !c->oBias);
    QVERIFY(c->tieEmbeddings);
    QCOMPARE(c->rope.theta, 1e6);
    QCOMPARE(c->parameterCount(), int64_t(596049920));  // the safetensors of Qwen3-0.6B hold 596,049,920
    auto again = ModelConfig::fromJson(c->toJson(), "round trip");
    LENS_VERIFY_OK(again);
    QCOMPARE(again->toJson(), c->toJson());
    QVERIFY(again->qkNorm);
    // model_type alone names the architecture too.
    json bare = j;
    bare.erase("architectures");
    auto fromType = ModelConfig::fromJson(bare, "config.json");
    LENS_VERIFY_OK(fromType);
    QCOMPARE(fromType->architecture, std::string("Qwen3ForCausalLM"));
  }

  // A field present with its neutral value (null, as transformers writes a setting left at its
  // default, or false / 1 / all full attention) reads as if it were absent.
  void neutralValuesAreAccepted() {
    json j = llama32Style();
    for (const char* f : {"attention_bias", "mlp_bias", "tie_word_embeddings", "pretraining_tp", "quantization_config",
                          "rope_theta", "rms_norm_eps", "hidden_act", "torch_dtype", "use_sliding_window"})
      j[f] = nullptr;
    j["rope_scaling"] = nullptr;
    j["layer_types"] = json::array({"full_attention", "full_attention"});
    auto c = ModelConfig::fromJson(j, "config.json");
    LENS_VERIFY_OK(c);
    QCOMPARE(c->rope.theta, 10000.0);
    QCOMPARE(c->rmsNormEps, 1e-6);
    QVERIFY(!c->qkvBias && !c->tieEmbeddings);
    QCOMPARE(c->dtype, std::string("float32"));
  }

  void outOfRangeTokenIdsAreDropped() {
    json j = llama32Style();
    j["bos_token_id"] = 1e300;
    j["eos_token_id"] = json::array({128001, -1, 1e300, 4294967297LL});
    auto c = ModelConfig::fromJson(j, "config.json");
    LENS_VERIFY_OK(c);
    QVERIFY(!c->bosTokenId);
    QCOMPARE(c->eosTokenIds, std::vector<int32_t>{128001});
  }

  void refusals_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expect");
    auto row = [](const char* name, const json& j, const char* expect) { QTest::newRow(name) << QString::fromStdString(j.dump()) << QString(expect); };
    json a = llama32Style();
    a["architectures"] = {"GPT2LMHeadModel"};
    row("unknown architecture", a, "field 'architectures' names 'GPT2LMHeadModel'");
    json b = llama32Style();
    b["hidden_act"] = "gelu";
    row("gelu", b, "field 'hidden_act' is 'gelu'");
    json c = llama32Style();
    c["rope_scaling"]["rope_type"] = "yarn";
    row("yarn", c, "field 'rope_scaling.rope_type' is 'yarn'");
    json d = llama32Style();
    d.erase("hidden_size");
    row("missing hidden_size", d, "field 'hidden_size' is missing");
    json e = llama32Style();
    e["num_key_value_heads"] = 5;
    row("kv heads", e, "field 'num_key_value_heads' must divide");
    json f = llama32Style();
    f["vocab_size"] = "many";
    row("string vocab", f, "field 'vocab_size' must be a positive integer");
    json g = {{"architectures", {"Qwen2ForCausalLM"}}, {"vocab_size", 10}, {"hidden_size", 8}, {"intermediate_size", 8},
              {"num_hidden_layers", 1}, {"num_attention_heads", 2}, {"use_sliding_window", true}};
    row("qwen2 sliding window", g, "field 'use_sliding_window'");
    // Numbers out of an integer's range: nlohmann's get<int>() on them is undefined behaviour
    // (fuzz_config found the first two); each must be refused by name.
    json h = llama32Style();
    h["pretraining_tp"] = 1e300;
    row("pretraining_tp 1e300", h, "field 'pretraining_tp' is not 1");
    json i = llama32Style();
    i["rope_scaling"]["original_max_position_embeddings"] = -1e300;
    row("original positions -1e300", i, "rope_scaling: field 'original_max_position_embeddings' must be a positive integer");
    json k = llama32Style();
    k["hidden_size"] = std::numeric_limits<uint64_t>::max();
    row("hidden_size 2^64-1", k, "field 'hidden_size' must be a positive integer");
    json m = llama32Style();
    m["num_hidden_layers"] = 16.0;
    row("float layers", m, "field 'num_hidden_layers' must be a positive integer");
    json n = {{"architectures", {"MistralForCausalLM"}}, {"vocab_size", 10}, {"hidden_size", 8}, {"intermediate_size", 8},
              {"num_hidden_layers", 1}, {"num_attention_heads", 2}, {"sliding_window", 1e300}};
    row("sliding_window 1e300", n, "field 'sliding_window' must be a positive integer");
    // Sizes no model has: their parameter count overflowed int64_t (fuzz_config).
    json big = llama32Style();
    big["hidden_size"] = int64_t{1} << 40;
    row("hidden_size 2^40", big, "field 'hidden_size' must be a positive integer no larger than 1048576");
    json lt = llama32Style();
    lt["layer_types"] = {"full_attention", "sliding_attention"};
    row("a sliding-attention layer", lt, "field 'layer_types[1]' is \"sliding_attention\"");
    json qc = llama32Style();
    qc["quantization_config"] = {{"quant_method", "awq"}, {"bits", 4}};
    row("quantised", qc, "field 'quantization_config' is set");
    json q3 = {{"architectures", {"Qwen3ForCausalLM"}}, {"vocab_size", 10}, {"hidden_size", 8}, {"intermediate_size", 8},
               {"num_hidden_layers", 1}, {"num_attention_heads", 2}, {"use_sliding_window", true}};
    row("qwen3 sliding window", q3, "field 'use_sliding_window' is true");
    json o = llama32Style();
    o["duo_small_intermediate_size"] = -5;
    row("negative duo size", o, "field 'duo_small_intermediate_size' must be a non-negative integer");
  }
  void refusals() {
    QFETCH(QString, json);
    QFETCH(QString, expect);
    auto c = ModelConfig::fromJson(json::parse(json.toStdString()), "model/config.json");
    QVERIFY(!c.ok());
    QVERIFY2(QString::fromStdString(c.error().message).contains(expect), c.error().message.c_str());
    QVERIFY(c.error().message.rfind("model/config.json: ", 0) == 0);
  }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "test_config.moc"
