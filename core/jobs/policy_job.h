// SPDX-License-Identifier: GPL-3.0-or-later
// The common base of jobs whose units are problems and that sample from one policy model
// (generate, prm-label): the problem set, the model loaded in prepare(), and the spec fields they
// share (name, seed, model, batch, device).
#pragma once

#include <memory>

#include "core/jobs/job.h"
#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/verify/prm.h"

namespace lens::jobs {

class SpecReader;

// A process reward model named by a spec's "verifier" object.
struct VerifierSpec {
  std::string model;  // empty: none
  verify::PrmParams prm;
  std::string aggregation = "last";
};

struct PolicySpec {
  std::string name;
  uint64_t seed = 0;
  std::string model;  // required
  int batch = 8;      // problems per batched generate call
  model::DeviceParams device;
};

// Reads "name", "seed", "model", "batch" and "device" of a spec.
Status readPolicySpec(SpecReader& r, PolicySpec& out);
// Reads a "dataset" object (path, split, count, field, answer_field, subjects, levels, sample,
// sample_seed, offset, limit) into `ds`; fields left out keep the values `ds` has.
Status readDatasetSpec(SpecReader& d, mathdata::ProblemSource& ds);
// Reads a "verifier" object (model, step_tag, good_token, bad_token, separator, system, aggregation).
Status readVerifierSpec(SpecReader& v, VerifierSpec& out);
// Reads a "sampling" object (temperature, top_k, top_p, max_new_tokens, stop, ignore_eos).
Status readSamplingSpec(SpecReader& s, model::SamplingParams& out);
// Reads a "prompt" object (format, system, step_delimiter).
Status readPromptSpec(SpecReader& p, std::string& format, mathdata::PromptParams& out);

class PolicyJob : public Job {
 public:
  std::string name() const override { return m_base.name; }
  uint64_t seed() const override { return m_base.seed; }
  int64_t unitCount() const override { return static_cast<int64_t>(m_problems.problems.size()); }
  std::string unitKey(int64_t unit) const override { return problem(unit).key; }
  const mathdata::ProblemSet* problems() const override { return &m_problems; }
  std::vector<std::pair<std::string, std::string>> modelDirs() const override { return {{"policy", m_base.model}}; }
  int batchSize() const override { return m_base.batch; }
  std::string device() const override { return m_model ? m_model->device() + " " + m_model->dtype() : std::string(); }
  // Loads the policy model, which needs a tokenizer.json to encode problems.
  Status prepare(const RunContext& ctx) override;

 protected:
  PolicyJob(PolicySpec base, mathdata::ProblemSet problems) : m_base(std::move(base)), m_problems(std::move(problems)) {}
  const mathdata::Problem& problem(int64_t unit) const { return m_problems.problems[static_cast<size_t>(unit)]; }

  PolicySpec m_base;
  mathdata::ProblemSet m_problems;
  std::unique_ptr<model::Model> m_model;
};

}  // namespace lens::jobs
