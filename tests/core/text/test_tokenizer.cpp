// SPDX-License-Identifier: GPL-3.0-or-later
// Golden: ids and decoded text that Hugging Face tokenizers 0.23 computed (../shared/fixtures/hf-tiny).
#include <QtTest>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "common/tiny_qwen3.h"
#include "core/common/atomic_file.h"
#include "core/text/tokenizer.h"

using namespace lens;
using json = nlohmann::json;
Q_DECLARE_METATYPE(std::vector<int32_t>)

namespace {

std::vector<int32_t> ids(const json& j) { return j.get<std::vector<int32_t>>(); }

// A Llama-2-style SentencePiece BPE tokenizer.json small enough to work out by hand.
json spTokenizer(bool byteFallback, bool metaspace) {
  json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    vocab[name] = 3 + b;
  }
  const char* pieces[] = {"\xE2\x96\x81", "h", "e", "l", "o", "w", "r", "d", "\xE2\x96\x81h", "ll", "ell", "\xE2\x96\x81hell",
                          "\xE2\x96\x81w", "or", "\xE2\x96\x81wor"};
  int id = 259;
  for (const char* p : pieces) vocab[p] = id++;
  json model = {{"type", "BPE"}, {"vocab", vocab}, {"unk_token", "<unk>"}, {"fuse_unk", true}, {"byte_fallback", byteFallback},
                {"merges", {"\xE2\x96\x81 h", "l l", "e ll", "\xE2\x96\x81h ell", "\xE2\x96\x81 w", "o r", "\xE2\x96\x81w or"}}};
  json t = {{"version", "1.0"},
            {"model", model},
            {"added_tokens",
             {{{"id", 0}, {"content", "<unk>"}, {"special", true}},
              {{"id", 1}, {"content", "<s>"}, {"special", true}},
              {{"id", 2}, {"content", "</s>"}, {"special", true}}}},
            {"post_processor",
             {{"type", "TemplateProcessing"},
              {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
              {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}}};
  if (metaspace) {  // Mistral / newer Llama 2 exports
    t["normalizer"] = nullptr;
    t["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "first"}, {"split", false}};
    t["decoder"] = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "first"}, {"split", false}};
  } else {  // original Llama 2 export
    t["normalizer"] = {{"type", "Sequence"},
                       {"normalizers",
                        {{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
                         {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}}}};
    t["pre_tokenizer"] = nullptr;
    t["decoder"] = {{"type", "Sequence"},
                    {"decoders",
                     {{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
                      {{"type", "ByteFallback"}},
                      {{"type", "Fuse"}},
                      {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  }
  return t;
}

// The same tokenizer.json with each BPE setting nulled the way older files write them.
json olderForm(json t) {
  for (const char* f : {"continuing_subword_prefix", "end_of_word_suffix", "dropout", "unk_token"})
    if (!t["model"].contains(f)) t["model"][f] = nullptr;
  return t;
}

std::shared_ptr<text::Tokenizer> loadJson(const json& j) {
  auto t = text::Tokenizer::fromJson(j.dump(), "test tokenizer.json");
  if (!t.ok()) qWarning("%s", t.error().describe().c_str());
  return t.ok() ? *t : nullptr;
}

}  // namespace

class TestTokenizer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void matchesHuggingFace_data() {
    QTest::addColumn<QString>("tokenizer");
    QTest::addColumn<QString>("text");
    QTest::addColumn<std::vector<int32_t>>("expected");
    QTest::addColumn<QString>("decoded");
    auto cases = json::parse(*readFile(test::fixture("tokenizer_cases.json")));
    for (const char* name : {"llama", "qwen2", "gpt2"}) {
      int i = 0;
      for (const auto& c : cases[name]) {
        QTest::newRow(qPrintable(QString("%1 #%2").arg(name).arg(i++)))
            << QString("tok-%1/tokenizer.json").arg(name) << QString::fromStdString(c["text"].get<std::string>())
            << ids(c["ids"]) << QString::fromStdString(c["decoded"].get<std::string>());
      }
    }
    // The tokenizers of the two tiny checkpoints, on the prompts of their golden files.
    for (const char* model : {"tiny-llama", "tiny-qwen2"}) {
      auto exp = json::parse(*readFile(test::fixture(std::string(model) + "/expected.json")));
      int i = 0;
      for (const auto& c : exp["cases"])
        QTest::newRow(qPrintable(QString("%1 prompt %2").arg(model).arg(i++)))
            << QString("%1/tokenizer.json").arg(model) << QString::fromStdString(c["prompt"].get<std::string>())
            << ids(c["ids"]) << QString::fromStdString(c["prompt"].get<std::string>());
    }
  }
  void matchesHuggingFace() {
    QFETCH(QString, tokenizer);
    QFETCH(QString, text);
    QFETCH(std::vector<int32_t>, expected);
    QFETCH(QString, decoded);
    auto tok = text::Tokenizer::load(test::fixture(tokenizer.toStdString()));
    LENS_VERIFY_OK(tok);
    const std::string s = text.toStdString();
    auto got = (*tok)->encode(s);
    QCOMPARE(got, expected);
    QCOMPARE(QString::fromStdString((*tok)->decode(got)), decoded);
    QCOMPARE((*tok)->decode((*tok)->encode(s)), s);
  }

  // Issue 26: a tokenizer.json saved by current tokenizers (model.continuing_subword_prefix and
  // end_of_word_suffix "", as in Qwen3's) loads and encodes exactly as the older null form does,
  // for every family we hold: the byte-level fixtures on their golden cases, and the
  // SentencePiece-style tokenizer on texts worked out by hand.
  void bothSavedFormsEncodeAlike_data() {
    QTest::addColumn<QString>("family");
    for (const char* f : {"llama", "qwen2", "gpt2", "sentencepiece", "sentencepiece-metaspace"}) QTest::newRow(f) << QString(f);
  }
  void bothSavedFormsEncodeAlike() {
    QFETCH(QString, family);
    json original;
    struct Case {
      std::string text;
      std::vector<int32_t> ids;
      std::string decoded;
    };
    std::vector<Case> cases;
    if (family.startsWith("sentencepiece")) {
      original = spTokenizer(true, family.endsWith("metaspace"));
      // The Metaspace variant has no ByteFallback decoder: the bytes of "€" decode as their names.
      cases = {{"hello world", {270, 263, 273, 262, 266}, "hello world"}, {"hello", {270, 263}, "hello"}};
      if (!family.endsWith("metaspace")) cases.push_back({"h\xE2\x82\xAC", {267, 3 + 0xE2, 3 + 0x82, 3 + 0xAC}, "h\xE2\x82\xAC"});
    } else {
      original = json::parse(*readFile(test::fixture("tok-" + family.toStdString() + "/tokenizer.json")));
      const json all = json::parse(*readFile(test::fixture("tokenizer_cases.json")));
      for (const auto& c : all[family.toStdString()])
        cases.push_back({c["text"].get<std::string>(), ids(c["ids"]), c["decoded"].get<std::string>()});
    }
    QVERIFY(cases.size() >= 2);
    const json newer = test::newerTokenizerForm(original);
    QCOMPARE(newer["model"]["continuing_subword_prefix"], json(""));
    QCOMPARE(newer["model"]["end_of_word_suffix"], json(""));
    for (const json& form : {olderForm(original), newer}) {
      auto tok = loadJson(form);
      QVERIFY(tok);
      for (const auto& c : cases) {
        QCOMPARE(tok->encode(c.text), c.ids);
        QCOMPARE(tok->decode(c.ids), c.decoded);
      }
    }
  }

  // Qwen3's form of the tokenizer (test::qwen3Tokenizer: Qwen2's split pattern and vocabulary under
  // exactly Qwen3's header; the real 11 MB file is not on this machine) encodes the Qwen2 fixture's
  // golden cases to the same ids, and matches its non-special added token "<think>" in text.
  void qwen3TokenizerForm() {
    const int32_t think = 703;
    auto tok = loadJson(test::qwen3Tokenizer(think));
    QVERIFY(tok);
    int checked = 0;
    const json all = json::parse(*readFile(test::fixture("tokenizer_cases.json")));
    for (const auto& c : all["qwen2"]) {
      QCOMPARE(tok->encode(c["text"].get<std::string>()), ids(c["ids"]));
      ++checked;
    }
    QVERIFY(checked >= 10);
    const auto ab = tok->encode("a<think>b");
    QCOMPARE(ab.size(), size_t{3});
    QCOMPARE(ab[1], think);
    QVERIFY(!tok->isSpecial(think));
    QCOMPARE(tok->decode(ab, /*skipSpecial=*/true), std::string("a<think>b"));
  }

  void specialTokensRecognisedInText() {
    auto tok = text::Tokenizer::load(test::fixture("tok-qwen2/tokenizer.json"));
    LENS_VERIFY_OK(tok);
    QVERIFY((*tok)->isSpecial(1));
    QCOMPARE(*(*tok)->tokenId("<|im_start|>"), 1);
    auto got = (*tok)->encode("a<|im_start|>b");
    QVERIFY(std::find(got.begin(), got.end(), 1) != got.end());
    QCOMPARE((*tok)->decode(got, /*skipSpecial=*/true), std::string("ab"));
  }

  void sentencePieceByHand() {
    auto tok = loadJson(spTokenizer(/*byteFallback=*/true, /*metaspace=*/false));
    QVERIFY(tok);
    QCOMPARE(tok->kind(), std::string("SentencePiece BPE"));
    // "▁hello▁world": ▁h, ll, ell, ▁hell, ▁w, or, ▁wor in rank order -> ▁hell o ▁wor l d
    QCOMPARE(tok->encode("hello world"), (std::vector<int32_t>{270, 263, 273, 262, 266}));
    QCOMPARE(tok->encode("hello world", /*addSpecial=*/true), (std::vector<int32_t>{1, 270, 263, 273, 262, 266}));
    QCOMPARE(tok->decode({270, 263, 273, 262, 266}), std::string("hello world"));
    QCOMPARE(tok->decode({1, 270, 263}, /*skipSpecial=*/true), std::string("hello"));
    // Byte fallback: "€" is not in the vocabulary -> its three UTF-8 bytes.
    const std::vector<int32_t> euro{267, 3 + 0xE2, 3 + 0x82, 3 + 0xAC};
    QCOMPARE(tok->encode("h\xE2\x82\xAC"), euro);
    QCOMPARE(tok->decode(euro), std::string("h\xE2\x82\xAC"));
    // Without byte fallback, unknown characters become one fused <unk>.
    auto noFallback = loadJson(spTokenizer(false, false));
    QVERIFY(noFallback);
    QCOMPARE(noFallback->encode("h\xE2\x82\xAC\xE2\x82\xAC"), (std::vector<int32_t>{267, 0}));
  }

  void metaspacePreTokenizer() {
    auto tok = loadJson(spTokenizer(true, /*metaspace=*/true));
    QVERIFY(tok);
    QCOMPARE(tok->encode("hello world"), (std::vector<int32_t>{270, 263, 273, 262, 266}));
    QCOMPARE(tok->decode({270, 263, 273, 262, 266}), std::string("hello world"));
  }

  void refusesWhatItCannotRead_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expect");
    json base = spTokenizer(true, false);
    auto row = [](const char* name, const json& j, const char* expect) { QTest::newRow(name) << QString::fromStdString(j.dump()) << QString(expect); };
    QTest::newRow("not json") << QString("{\"model\": ") << QString("not well-formed JSON");
    json wp = base;
    wp["model"]["type"] = "WordPiece";
    row("wordpiece", wp, "model.type 'WordPiece' is not supported");
    json uni = base;
    uni["model"]["type"] = "Unigram";
    row("unigram", uni, "model.type 'Unigram'");
    json pre = base;
    pre["pre_tokenizer"] = {{"type", "Whitespace"}};
    row("whitespace pre-tokenizer", pre, "pre_tokenizer: pre-tokenizer type 'Whitespace' is not supported");
    json m3 = base;
    m3["model"]["merges"] = {"a b c"};
    row("three-part merge", m3, "merges entry 0 is not two tokens");
    json mx = base;
    mx["model"]["merges"] = {"q z"};
    row("merge of unknown tokens", mx, "uses a token missing from the vocabulary");
    json norm = base;
    norm["normalizer"] = {{"type", "NFKC"}};
    row("nfkc", norm, "normalizer type 'NFKC' is not supported");
    json dec = base;
    dec["decoder"] = {{"type", "WordPiece"}};
    row("wordpiece decoder", dec, "decoder type 'WordPiece'");
    json rx = base;
    rx["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
    row("bad regex", rx, "regex does not compile");
    // Numbers an integer cannot hold: reading them with get<int>() is undefined behaviour or wraps
    // (4294967297 would become id 1); each is refused by name.
    json vf = base;
    vf["model"]["vocab"]["or"] = 1e300;
    row("vocab id 1e300", vf, "model.vocab entry 'or' has no valid id");
    json aw = base;
    aw["added_tokens"][1]["id"] = 4294967297LL;
    row("added token id past int32", aw, "added_tokens entry '<s>' has a bad id");
    json tf = base;
    tf["post_processor"]["special_tokens"]["<s>"]["ids"] = {1e300};
    row("template id 1e300", tf, "special token '<s>' has an id that is not a token id");
    // Settings that change the encoding are refused with their value (issue 26); their neutral
    // values ("" / null / 0) are accepted (bothSavedFormsEncodeAlike).
    json cp = base;
    cp["model"]["continuing_subword_prefix"] = "##";
    row("continuing_subword_prefix ##", cp, "model.continuing_subword_prefix is \"##\"; only an empty or null one");
    json ew = base;
    ew["model"]["end_of_word_suffix"] = "</w>";
    row("end_of_word_suffix </w>", ew, "model.end_of_word_suffix is \"</w>\"");
    json dr = base;
    dr["model"]["dropout"] = 0.1;
    row("dropout 0.1", dr, "model.dropout is 0.1");
    json sw = base;
    sw["added_tokens"][1]["single_word"] = true;
    row("single_word added token", sw, "added_tokens entry '<s>' has single_word=true");
    json sf = base;
    sf["decoder"]["decoders"][3]["start"] = 1e300;
    row("strip start 1e300", sf, "only Strip(' ', start=N, stop=0)");
  }
  void refusesWhatItCannotRead() {
    QFETCH(QString, json);
    QFETCH(QString, expect);
    auto t = text::Tokenizer::fromJson(json.toStdString(), "bad/tokenizer.json");
    QVERIFY(!t.ok());
    const QString msg = QString::fromStdString(t.error().message);
    QVERIFY2(msg.startsWith("bad/tokenizer.json"), qPrintable(msg));
    QVERIFY2(msg.contains(expect), qPrintable(msg));
  }

  void arbitraryBytesDoNotCrash() {
    auto tok = text::Tokenizer::load(test::fixture("tok-llama/tokenizer.json"));
    LENS_VERIFY_OK(tok);
    const std::string junk("\xff\xfe\x80 abc \xc3\x28 \xe2\x82", 14);
    auto got = (*tok)->encode(junk);
    QVERIFY(!got.empty());
    // Byte-level BPE represents every byte: the raw bytes come back exactly.
    std::string bytes;
    for (int32_t id : got) bytes += (*tok)->tokenBytes(id);
    QCOMPARE(bytes, junk);
  }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
