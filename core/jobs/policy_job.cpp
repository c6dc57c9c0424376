// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/jobs/policy_job.h"

#include "core/jobs/spec_reader.h"

namespace lens::jobs {

Status readPolicySpec(SpecReader& r, PolicySpec& out) {
  r.text("name", out.name).unsignedInteger("seed", out.seed).text("model", out.model, /*required=*/true).integer("batch", out.batch, 1, 1024);
  return readDeviceSpec(r, out.device);
}

Status readDatasetSpec(SpecReader& d, mathdata::ProblemSource& ds) {
  d.text("path", ds.path)
      .oneOf("split", ds.split, {"train", "validation", "test"})
      .integer("count", ds.count, 0, int64_t{1} << 32)
      .text("field", ds.jsonl.problemField)
      .text("answer_field", ds.jsonl.answerField)
      .texts("subjects", ds.filter.subjects)
      .integer("sample", ds.filter.sample, 0, INT64_MAX)
      .unsignedInteger("sample_seed", ds.filter.sampleSeed)
      .integer("offset", ds.filter.offset, 0, INT64_MAX)
      .integer("limit", ds.filter.limit, 0, INT64_MAX);
  d.integers("levels", ds.filter.levels, 1, 5);
  if (ds.path.empty()) d.fail("path", "required: a JSONL file, a MATH folder or builtin:arith");
  return d.finish();
}

Status readVerifierSpec(SpecReader& v, VerifierSpec& out) {
  v.text("model", out.model, /*required=*/true)
      .text("step_tag", out.prm.stepTag)
      .text("good_token", out.prm.goodToken)
      .text("bad_token", out.prm.badToken)
      .text("separator", out.prm.separator)
      .text("system", out.prm.system)
      .oneOf("aggregation", out.aggregation, {"last", "min", "product"});
  return v.finish();
}

Status readSamplingSpec(SpecReader& s, model::SamplingParams& out) {
  s.number("temperature", out.temperature, 0.0, 100.0)
      .integer("top_k", out.topK, 0, 1 << 30)
      .number("top_p", out.topP, 0.0, 1.0, /*loExclusive=*/true)
      .integer("max_new_tokens", out.maxNewTokens, 1, 1 << 20)
      .texts("stop", out.stopStrings)
      .boolean("ignore_eos", out.ignoreEos);
  return s.finish();
}

Status readPromptSpec(SpecReader& p, std::string& format, mathdata::PromptParams& out) {
  p.oneOf("format", format, {"auto", "raw", "chatml", "llama3"}).text("system", out.system).text("step_delimiter", out.stepDelimiter);
  return p.finish();
}

Status PolicyJob::prepare(const RunContext& ctx) {
  ctx.report(0, 0, "loading " + m_base.model);
  auto m = model::Model::load(m_base.model, m_base.device);
  if (!m) return m.error();
  if (!(*m)->tokenizer())
    return makeError(ErrorCode::InvalidInput, m_base.model + ": no tokenizer.json; " + kind() + " needs one to encode problems");
  m_model = std::move(*m);
  return Status::success();
}

}  // namespace lens::jobs
