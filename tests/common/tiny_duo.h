// SPDX-License-Identifier: GPL-3.0-or-later
// Tiny Duo models with random weights for the routing tests (oracles, routers): small enough that
// brute force over every route stays instant, with grouped-query attention.
#pragma once

#include <QtTest>

#include <memory>

#include "core/model/config.h"
#include "core/model/model.h"

namespace lens::test {

inline model::ModelConfig tinyDuo(int layers) {
  model::ModelConfig c;
  c.architecture = "LlamaForCausalLM";
  c.modelType = "llama";
  c.vocabSize = 23;
  c.hiddenSize = 16;
  c.intermediateSize = 32;
  c.duoSmallIntermediateSize = 8;
  c.numLayers = layers;
  c.numHeads = 4;
  c.numKvHeads = 2;
  c.headDim = 4;
  c.maxPositions = 64;
  c.rmsNormEps = 1e-5;
  c.dtype = "float32";
  return c;
}

inline model::DeviceParams cpuFloat32() {
  model::DeviceParams d;
  d.device = "cpu";
  d.dtype = "float32";
  return d;
}

inline std::unique_ptr<model::Model> randomModel(const model::ModelConfig& c, uint64_t seed) {
  auto m = model::Model::random(c, seed, cpuFloat32());
  if (!m.ok()) qFatal("%s", m.error().describe().c_str());
  return std::move(*m);
}

}  // namespace lens::test
