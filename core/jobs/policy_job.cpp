// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/jobs/policy_job.h"

#include "core/jobs/spec_reader.h"

namespace lens::jobs {

Status readPolicySpec(SpecReader& r, PolicySpec& out) {
  r.text("name", out.name).unsignedInteger("seed", out.seed).text("model", out.model, /*required=*/true).integer("batch", out.batch, 1, 1024);
  return readDeviceSpec(r, out.device);
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
