// SPDX-License-Identifier: GPL-3.0-or-later
// "prm-train": trains a process reward model (core/train/prm_trainer.h: a step tag, or a likelihood head) on the Monte Carlo
// step labels of a "prm-label" run, read from a database (by default the one this run goes to). One
// unit: the whole training; its loss curve and validation loss/accuracy before and after commit
// with it, and the PRM is written to "out". Training is deterministic given the seed.
#include <cmath>

#include "core/jobs/job.h"
#include "core/jobs/spec_reader.h"
#include "core/jobs/stored_samples.h"
#include "core/train/prm_trainer.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

class PrmTrainJob final : public Job {
 public:
  PrmTrainJob(train::PrmTrainParams p, std::string name, std::string labelsDb, std::string labelsRun)
      : m_params(std::move(p)), m_name(std::move(name)), m_db(std::move(labelsDb)), m_run(std::move(labelsRun)) {}
  std::string kind() const override { return "prm-train"; }
  std::string name() const override { return m_name; }
  uint64_t seed() const override { return m_params.seed; }
  int64_t unitCount() const override { return 1; }
  bool reportsRunSteps() const override { return true; }  // the optimizer's steps
  std::string unitKey(int64_t) const override { return "prm"; }
  std::vector<std::pair<std::string, std::string>> modelDirs() const override { return {{"base", m_params.base}}; }

  Status prepare(const RunContext& ctx) override {
    ctx.report(0, 0, "reading step labels from " + m_db);
    auto stored = readStoredSamples(m_db, m_run, {"prm-label"}, "spec.labels");
    if (!stored) return stored.error();
    m_examples.clear();
    for (const auto& p : *stored)
      for (const auto& s : p.samples) {
        train::PrmExample ex;
        ex.problem = p.problem;
        for (const auto& step : s.steps) {
          if (!step.score) break;  // labels cover every step of a labelled sample
          ex.steps.push_back(step.text);
          ex.labels.push_back(*step.score);
        }
        if (!ex.steps.empty() && ex.steps.size() == s.steps.size()) m_examples.push_back(std::move(ex));
      }
    if (m_examples.empty()) return makeError(ErrorCode::InvalidInput, "spec.labels.run: run " + m_run + " has no labelled steps yet");
    return Status::success();
  }

  Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) override {
    return runTrainingUnit(units, unitKey(0), [&](store::UnitResult& r) -> Status {
      auto rep = train::trainPrm(m_examples, m_params, &ctx, [&](const train::PrmTrainStep& s) {
        r.metrics.push_back({"loss", "train", s.step, s.loss});
      });
      if (!rep) return rep.error();
      r.metrics.push_back({"loss", "validation", 0, rep->validationLossBefore});
      r.metrics.push_back({"loss", "validation", m_params.steps, rep->validationLossAfter});
      r.metrics.push_back({"accuracy", "validation", 0, rep->validationAccuracyBefore});
      r.metrics.push_back({"accuracy", "validation", m_params.steps, rep->validationAccuracyAfter});
      r.metrics.push_back({"label-entropy", "validation", 0, rep->labelEntropy});
      if (rep->slippedExamples) r.metrics.push_back({"slipped-examples", "train", 0, static_cast<double>(rep->slippedExamples)});
      if (std::isfinite(rep->validationFinalAurocBefore) && std::isfinite(rep->validationFinalAurocAfter)) {
        r.metrics.push_back({"final-auroc", "validation", 0, rep->validationFinalAurocBefore});
        r.metrics.push_back({"final-auroc", "validation", m_params.steps, rep->validationFinalAurocAfter});
      }
      if (std::isfinite(rep->validationWithinAurocBefore) && std::isfinite(rep->validationWithinAurocAfter)) {
        r.metrics.push_back({"within-auroc", "validation", 0, rep->validationWithinAurocBefore});
        r.metrics.push_back({"within-auroc", "validation", m_params.steps, rep->validationWithinAurocAfter});
      }
      return Status::success();
    });
  }

 private:
  train::PrmTrainParams m_params;
  std::string m_name, m_db, m_run;
  std::vector<train::PrmExample> m_examples;
};

}  // namespace

Result<std::unique_ptr<Job>> createPrmTrainJob(const json& j) {
  train::PrmTrainParams p;
  std::string kind, name, db, run;
  SpecReader r(j, "spec");
  r.text("kind", kind).text("name", name);
  LENS_TRY_STATUS(readFineTuneSpec(r, p));
  r.text("step_tag", p.stepTag).text("good_token", p.goodToken).text("bad_token", p.badToken);
  r.number("lm_weight", p.lmWeight, 0.0, 100.0).number("slipped", p.slipped, 0.0, 1.0).text("head", p.head);
  if (p.head != "tag" && p.head != "likelihood") r.fail("head", "\"" + p.head + "\" is not a PRM head (tag, likelihood)");
  if (p.head == "likelihood" && (p.lmWeight > 0 || p.slipped > 0))
    r.fail("head", "the likelihood head trains none of the base's weights: lm_weight and slipped must be 0");
  if (auto l = r.object("labels")) {
    l->text("db", db, /*required=*/true).text("run", run, /*required=*/true);
    LENS_TRY_STATUS(l->finish());
  } else {
    r.fail("labels", "required: {\"db\": database, \"run\": the prm-label run}");
  }
  LENS_TRY_STATUS(r.finish());
  p.command = j;
  return std::unique_ptr<Job>(new PrmTrainJob(std::move(p), name, db, run));
}

}  // namespace lens::jobs
