// SPDX-License-Identifier: GPL-3.0-or-later
// "train": trains one of ComputeLens's own models on builtin:arith (core/train). A unit is a
// segment of checkpoint_every steps; its training curve commits with it. The trainer's checkpoint
// is the authority on progress: a unit whose steps the checkpoint already covers (a crash after
// the checkpoint, before the commit) returns the recorded curve instead of training again.
#include <chrono>

#include "core/jobs/job.h"
#include "core/jobs/spec_reader.h"
#include "core/train/trainer.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

class TrainJob final : public Job {
 public:
  TrainJob(train::TrainParams p, std::string name) : m_params(std::move(p)), m_name(std::move(name)) {}
  std::string kind() const override { return "train"; }
  std::string name() const override { return m_name; }
  uint64_t seed() const override { return m_params.seed; }
  int64_t unitCount() const override { return (m_params.steps + m_params.checkpointEvery - 1) / m_params.checkpointEvery; }
  bool reportsRunSteps() const override { return true; }  // the trainer reports its step of all steps
  std::string unitKey(int64_t u) const override {
    return "steps " + std::to_string(begin(u) + 1) + "-" + std::to_string(end(u));
  }
  std::string device() const override { return m_trainer ? m_trainer->device() : std::string(); }

  Status prepare(const RunContext& ctx) override {
    ctx.report(0, 0, "preparing data and model");
    auto t = train::Trainer::open(m_params);
    if (!t) return t.error();
    m_trainer = std::move(*t);
    return Status::success();
  }

  Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) override {
    std::vector<store::UnitResult> out;
    for (int64_t u : units) {
      store::UnitResult r;
      r.index = u;
      r.key = unitKey(u);
      const auto t0 = std::chrono::steady_clock::now();
      if (m_trainer->step() < end(u)) {
        auto done = m_trainer->trainUntil(end(u), ctx);
        if (!done) return done.error();
      }
      r.metrics = m_trainer->history(begin(u), end(u));
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  int64_t begin(int64_t u) const { return u * m_params.checkpointEvery; }
  int64_t end(int64_t u) const { return std::min(m_params.steps, (u + 1) * m_params.checkpointEvery); }
  train::TrainParams m_params;
  std::string m_name;
  std::unique_ptr<train::Trainer> m_trainer;
};

}  // namespace

Result<std::unique_ptr<Job>> createTrainJob(const json& j) {
  train::TrainParams p;
  std::string kind, name;
  SpecReader r(j, "spec");
  r.text("kind", kind).text("name", name).unsignedInteger("seed", p.seed).text("out", p.outDir, /*required=*/true);
  r.integer("steps", p.steps, 1, int64_t{1} << 32)
      .integer("batch", p.batch, 1, 4096)
      .integer("micro_batch", p.microBatch, 0, 4096)
      .number("lr", p.lr, 0.0, 1.0, /*loExclusive=*/true)
      .number("min_lr_ratio", p.minLrRatio, 0.0, 1.0)
      .integer("warmup", p.warmup, 0, int64_t{1} << 32)
      .number("weight_decay", p.weightDecay, 0.0, 10.0)
      .number("clip", p.clip, 0.0, 1e6, /*loExclusive=*/true)
      .integer("checkpoint_every", p.checkpointEvery, 1, int64_t{1} << 32)
      .oneOf("save_dtype", p.saveDtype, {"float32", "bfloat16", "float16"});
  if (auto m = r.object("model")) {
    m->integer("layers", p.shape.layers, 1, 256)
        .integer("hidden", p.shape.hidden, 8, 65536)
        .integer("heads", p.shape.heads, 1, 1024)
        .integer("kv_heads", p.shape.kvHeads, 1, 1024)
        .integer("intermediate", p.shape.intermediate, 1, 1 << 20)
        .integer("small_intermediate", p.shape.smallIntermediate, 0, 1 << 20)
        .integer("max_positions", p.shape.maxPositions, 16, 1 << 20)
        .number("rope_theta", p.shape.ropeTheta, 1.0, 1e9);
    LENS_TRY_STATUS(m->finish());
  }
  if (auto d = r.object("data")) {
    d->integer("train_problems", p.trainProblems, 1, int64_t{1} << 28)
        .integer("validation_problems", p.validationProblems, 1, 500);
    LENS_TRY_STATUS(d->finish());
  }
  LENS_TRY_STATUS(readRouteMixSpec(r, p.routes));
  LENS_TRY_STATUS(readDeviceSpec(r, p.device));
  LENS_TRY_STATUS(r.finish());
  const auto& s = p.shape;
  if (s.hidden % s.heads != 0 || (s.hidden / s.heads) % 2 != 0)
    return makeError(ErrorCode::InvalidInput, "spec.model: hidden (" + std::to_string(s.hidden) + ") must split into " +
                                                  std::to_string(s.heads) + " heads of even size");
  if (s.heads % s.kvHeads != 0)
    return makeError(ErrorCode::InvalidInput, "spec.model: heads must be a multiple of kv_heads");
  p.command = j;
  return std::unique_ptr<Job>(new TrainJob(std::move(p), name));
}

}  // namespace lens::jobs
