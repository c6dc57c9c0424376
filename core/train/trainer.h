// SPDX-License-Identifier: GPL-3.0-or-later
// Training ComputeLens's own models with libtorch: a Duo transformer (Alizadeh et al. 2024: every
// layer has a big and a small FFN, and a token may also skip the layer) trained as a causal LM on
// MATH-format solutions, with routes sampled per token and layer so that every route works.
// AdamW with decoupled weight decay, linear warm-up then cosine decay, gradient clipping,
// checkpoints (model.safetensors + config.json + tokenizer.json, so every command loads them, plus
// training_state.safetensors and manifest.json), and exact resumption: the batch and the routes
// of step s depend only on (seed, s). Torch-free interface; the torch code is in trainer.cpp.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/model/device.h"
#include "core/store/records.h"

namespace lens::train {

struct DuoShape {
  int layers = 4;
  int hidden = 160;
  int heads = 4;
  int kvHeads = 2;
  int intermediate = 480;       // the big FFN
  int smallIntermediate = 96;   // the small FFN (0: a plain model)
  int maxPositions = 512;
  double ropeTheta = 10000.0;
};

// Probability of each route for a token at a layer during training.
struct RouteMix {
  double big = 0.6, small = 0.25, skip = 0.15;
};

// What every fine-tuning of an existing model folder takes (the PRM, the revision model).
// The learning rate at step s (from 0) of `steps`: linear warm-up over `warmup` steps, then a
// cosine decay to lr × minLrRatio at the last step (minLrRatio 1 and warmup 0: constant).
double warmupCosineLr(double lr, int64_t step, int64_t steps, int64_t warmup, double minLrRatio);

struct FineTuneParams {
  std::string base;  // the causal LM to start from (with its tokenizer)
  std::string outDir;
  int64_t steps = 300;
  int batch = 16;
  double lr = 3e-4;
  double weightDecay = 0.0;
  int64_t warmup = 0;               // learning-rate schedule (warmupCosineLr); the defaults keep it constant
  double minLrRatio = 1.0;
  double validationFraction = 0.1;  // the last examples, held out
  int64_t maxTokens = 512;          // tokens of one example at most
  uint64_t seed = 1;
  std::string saveDtype = "float32";
  model::DeviceParams device;
  nlohmann::json command;  // recorded in the output's manifest (the spec that started the run)
};

struct TrainParams {
  DuoShape shape;
  std::string outDir;                  // checkpoints go here; an existing checkpoint is resumed
  int64_t trainProblems = 200000;      // builtin:arith train split size
  int64_t steps = 2000;
  int batch = 64;
  int microBatch = 0;                  // examples per forward pass, sorted by length (0: 8 on a CPU, the whole batch on a GPU)
  double lr = 3e-3;
  double minLrRatio = 0.1;             // cosine decays to lr × this
  int64_t warmup = 100;
  double weightDecay = 0.1;            // on matrices only, not on norms
  double clip = 1.0;                   // global gradient norm
  int64_t checkpointEvery = 500;
  uint64_t seed = 1;
  RouteMix routes;
  std::string saveDtype = "bfloat16";  // of model.safetensors (the fp32 master is in the training state)
  int validationProblems = 250;        // teacher-forced validation loss at each checkpoint
  model::DeviceParams device;
  nlohmann::json command;              // recorded in the manifest (the spec that started the run)
};

class Trainer {
 public:
  // Creates a fresh model, or resumes from outDir/training_state.safetensors when it exists and
  // matches the shape. Errors name what does not match.
  static Result<std::unique_ptr<Trainer>> open(const TrainParams& params);
  ~Trainer();

  int64_t step() const;          // steps done
  int64_t parameterCount() const;
  double trainingFlops() const;  // 6·N·D so far (D: tokens trained on)
  std::string device() const;
  // Trains up to `untilStep`, checkpointing every checkpointEvery steps and at untilStep. Returns the
  // metrics of the steps run (train loss and lr per step; validation loss at checkpoints).
  // Cancellation stops between steps and leaves the last checkpoint.
  Result<std::vector<store::MetricPoint>> trainUntil(int64_t untilStep, const RunContext& ctx);
  // Metrics recorded for steps in (from, to], from the manifest (resumed runs keep their history).
  std::vector<store::MetricPoint> history(int64_t from, int64_t to) const;

 private:
  Trainer();
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace lens::train
