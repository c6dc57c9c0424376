// SPDX-License-Identifier: GPL-3.0-or-later
// "revision-train": trains a revision model (core/train/revision_trainer.h) on the graded samples of
// a "generate" run (many samples per problem; Snell et al. 2024 §6.1 sample 64): each correct
// sample becomes a target after up to max_previous incorrect samples of the same problem chosen by
// edit distance, or (context "sampled") after up to max_previous of its samples drawn at random
// (core/train/revision_data.h). One unit: the whole training; its loss curve and the
// held-out losses before and after commit with it, and the model is written to "out".
#include "core/jobs/job.h"
#include "core/jobs/spec_reader.h"
#include "core/jobs/stored_samples.h"
#include "core/train/revision_trainer.h"

using json = nlohmann::json;

namespace lens::jobs {

namespace {

class RevisionTrainJob final : public Job {
 public:
  RevisionTrainJob(train::RevisionTrainParams p, train::RevisionDataParams d, std::string name, std::string db, std::string run)
      : m_params(std::move(p)), m_data(d), m_name(std::move(name)), m_db(std::move(db)), m_run(std::move(run)) {}
  std::string kind() const override { return "revision-train"; }
  std::string name() const override { return m_name; }
  uint64_t seed() const override { return m_params.seed; }
  int64_t unitCount() const override { return 1; }
  bool reportsRunSteps() const override { return true; }  // the optimizer's steps
  std::string unitKey(int64_t) const override { return "revision"; }
  std::vector<std::pair<std::string, std::string>> modelDirs() const override { return {{"base", m_params.base}}; }

  Status prepare(const RunContext& ctx) override {
    ctx.report(0, 0, "reading graded samples from " + m_db);
    auto stored = readStoredSamples(m_db, m_run, {"generate"}, "spec.samples");
    if (!stored) return stored.error();
    std::vector<train::ProblemAttempts> problems;
    int64_t graded = 0;
    for (const auto& p : *stored) {
      train::ProblemAttempts pa{p.problem, {}};
      for (const auto& s : p.samples)
        if (s.correct) {
          pa.attempts.push_back({s.text, *s.correct});
          ++graded;
        }
      problems.push_back(std::move(pa));
    }
    if (graded == 0) return makeError(ErrorCode::InvalidInput, "spec.samples.run: run " + m_run + " has no graded samples (its problems need reference answers)");
    m_examples = train::buildRevisionExamples(problems, m_data);
    if (m_examples.empty()) return makeError(ErrorCode::InvalidInput, "spec.samples.run: run " + m_run + " has no problem with a correct sample to learn from");
    return Status::success();
  }

  Result<std::vector<store::UnitResult>> runUnits(const std::vector<int64_t>& units, const RunContext& ctx) override {
    return runTrainingUnit(units, unitKey(0), [&](store::UnitResult& r) -> Status {
      auto rep = train::trainRevisionModel(m_examples, m_params, &ctx, [&](const train::RevisionTrainStep& s) {
        r.metrics.push_back({"loss", "train", s.step, s.loss});
      });
      if (!rep) return rep.error();
      r.metrics.push_back({"loss", "validation", 0, rep->validationLossBefore});
      r.metrics.push_back({"loss", "validation", m_params.steps, rep->validationLossAfter});
      r.metrics.push_back({"revision-loss", "validation", 0, rep->revisionLossBefore});
      r.metrics.push_back({"revision-loss", "validation", m_params.steps, rep->revisionLossAfter});
      r.metrics.push_back({"examples", "train", 0, static_cast<double>(rep->trainExamples)});
      r.metrics.push_back({"previous-attempts", "train", 0, rep->meanPrevious});
      return Status::success();
    });
  }

 private:
  train::RevisionTrainParams m_params;
  train::RevisionDataParams m_data;
  std::string m_name, m_db, m_run;
  std::vector<train::RevisionExample> m_examples;
};

}  // namespace

Result<std::unique_ptr<Job>> createRevisionTrainJob(const json& j) {
  train::RevisionTrainParams p;
  train::RevisionDataParams d;
  std::string kind, name, db, run;
  SpecReader r(j, "spec");
  r.text("kind", kind).text("name", name);
  LENS_TRY_STATUS(readFineTuneSpec(r, p));
  std::string context = train::revisionContextName(d.context);
  r.integer("max_previous", d.maxPrevious, 0, 64).integer("targets_per_problem", d.targetsPerProblem, 1, 1 << 16).text("context", context);
  if (auto c = train::parseRevisionContext(context)) d.context = *c;
  else r.fail("context", c.error().message);
  if (auto s = r.object("samples")) {
    s->text("db", db, /*required=*/true).text("run", run, /*required=*/true);
    LENS_TRY_STATUS(s->finish());
  } else {
    r.fail("samples", "required: {\"db\": database, \"run\": a generate run with several graded samples per problem}");
  }
  LENS_TRY_STATUS(readRouteMixSpec(r, p.routes));
  LENS_TRY_STATUS(r.finish());
  d.seed = p.seed;
  p.command = j;
  return std::unique_ptr<Job>(new RevisionTrainJob(std::move(p), d, name, db, run));
}

}  // namespace lens::jobs
