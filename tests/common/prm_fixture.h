// SPDX-License-Identifier: GPL-3.0-or-later
// A Qwen2ForProcessRewardModel checkpoint built from the tiny-qwen2 fixture and a reward head of
// the test's choosing, written with our safetensors writer.
#pragma once

#include <QTemporaryDir>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/test_helpers.h"
#include "core/common/atomic_file.h"
#include "core/tensor_io/safetensors.h"

namespace lens::test {

inline void copyFile(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

// tiny-qwen2 with a reward head: W1, b1 [H,H],[H]; W2, b2 [2,H],[2].
inline std::string rewardModel(QTemporaryDir& dir, const std::vector<float>& w1, const std::vector<float>& b1,
                        const std::vector<float>& w2, const std::vector<float>& b2) {
  const std::string out = dir.path().toStdString();
  auto cfg = nlohmann::json::parse(*readFile(fixture("tiny-qwen2/config.json")));
  cfg["architectures"] = {"Qwen2ForProcessRewardModel"};
  writeText(out + "/config.json", cfg.dump());
  copyFile(fixture("tiny-qwen2/tokenizer.json"), out + "/tokenizer.json");
  auto src = tensor_io::SafetensorsFile::open(fixture("tiny-qwen2/model.safetensors"));
  std::vector<tensor_io::TensorToWrite> ts;
  for (const auto& t : (*src)->tensors())
    if (t.name != "lm_head.weight") ts.push_back({t.name, t.dtype, t.shape, t.data});
  const int64_t h = cfg["hidden_size"].get<int64_t>();
  ts.push_back({"score.0.weight", tensor_io::DType::F32, {h, h}, w1.data()});
  ts.push_back({"score.0.bias", tensor_io::DType::F32, {h}, b1.data()});
  ts.push_back({"score.2.weight", tensor_io::DType::F32, {2, h}, w2.data()});
  ts.push_back({"score.2.bias", tensor_io::DType::F32, {2}, b2.data()});
  auto st = tensor_io::writeSafetensors(out + "/model.safetensors", ts);
  if (!st.ok()) qFatal("%s", st.error().message.c_str());
  return out;
}

}  // namespace lens::test
