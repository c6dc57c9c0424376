// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/jobs/spec_reader.h"

#include "core/model/device.h"
#include "core/train/trainer.h"

#include <cmath>
#include <sstream>

using json = nlohmann::json;

namespace lens::jobs {

namespace {
std::string show(const json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}
std::string fmt(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}
}  // namespace

SpecReader::SpecReader(const json& j, std::string path)
    : m_j(j), m_path(std::move(path)), m_error(std::make_shared<std::optional<Error>>()) {
  if (!m_j.is_object()) fail("", "expected a JSON object, got " + show(m_j));
}

void SpecReader::fail(const std::string& key, const std::string& message) {
  if (*m_error) return;  // keep the first
  *m_error = makeError(ErrorCode::InvalidInput, (key.empty() ? m_path : m_path + "." + key) + ": " + message);
}

bool SpecReader::has(const char* key) const { return m_j.is_object() && m_j.contains(key) && !m_j.at(key).is_null(); }

const json* SpecReader::find(const char* key) {
  m_known.insert(key);
  if (!m_j.is_object()) return nullptr;
  auto it = m_j.find(key);
  if (it == m_j.end() || it->is_null()) return nullptr;
  return &*it;
}

SpecReader& SpecReader::text(const char* key, std::string& out, bool required) {
  const json* v = find(key);
  if (!v) {
    if (required) fail(key, "required (a string)");
  } else if (!v->is_string()) {
    fail(key, "expected a string, got " + show(*v));
  } else {
    out = v->get<std::string>();
  }
  return *this;
}

SpecReader& SpecReader::integer(const char* key, int64_t& out, int64_t lo, int64_t hi, bool required) {
  const json* v = find(key);
  if (!v) {
    if (required) fail(key, "required (an integer)");
    return *this;
  }
  if (!v->is_number_integer() && !(v->is_number_float() && std::floor(v->get<double>()) == v->get<double>())) {
    fail(key, "expected an integer, got " + show(*v));
    return *this;
  }
  const double d = v->get<double>();
  // Compared as doubles, INT64_MAX rounds up to 2^63, which no int64_t holds: a float at or past it
  // is out of range whatever `hi` says (converting it would be undefined behaviour).
  constexpr double kTwo63 = 9223372036854775808.0;
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi) || (v->is_number_float() && (d >= kTwo63 || d < -kTwo63))) {
    fail(key, show(*v) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return *this;
  }
  out = v->is_number_float() ? static_cast<int64_t>(d) : v->get<int64_t>();
  return *this;
}

SpecReader& SpecReader::integer(const char* key, int& out, int64_t lo, int64_t hi, bool required) {
  int64_t v = out;
  integer(key, v, lo, hi, required);
  out = static_cast<int>(v);
  return *this;
}

SpecReader& SpecReader::unsignedInteger(const char* key, uint64_t& out) {
  const json* v = find(key);
  if (!v) return *this;
  if (v->is_number_unsigned()) out = v->get<uint64_t>();
  else if (v->is_number_integer() && v->get<int64_t>() >= 0) out = static_cast<uint64_t>(v->get<int64_t>());
  else fail(key, "expected a non-negative integer, got " + show(*v));
  return *this;
}

SpecReader& SpecReader::number(const char* key, double& out, double lo, double hi, bool loExclusive) {
  const json* v = find(key);
  if (!v) return *this;
  if (!v->is_number()) {
    fail(key, "expected a number, got " + show(*v));
    return *this;
  }
  const double d = v->get<double>();
  if (!std::isfinite(d) || d > hi || d < lo || (loExclusive && d == lo)) {
    fail(key, show(*v) + " is outside " + std::string(loExclusive ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + "]");
    return *this;
  }
  out = d;
  return *this;
}

SpecReader& SpecReader::number(const char* key, float& out, double lo, double hi, bool loExclusive) {
  double d = out;
  number(key, d, lo, hi, loExclusive);
  out = static_cast<float>(d);
  return *this;
}

SpecReader& SpecReader::boolean(const char* key, bool& out) {
  const json* v = find(key);
  if (!v) return *this;
  if (v->is_boolean()) out = v->get<bool>();
  else fail(key, "expected true or false, got " + show(*v));
  return *this;
}

SpecReader& SpecReader::texts(const char* key, std::vector<std::string>& out) {
  const json* v = find(key);
  if (!v) return *this;
  if (!v->is_array()) {
    fail(key, "expected an array of strings, got " + show(*v));
    return *this;
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      fail(std::string(key) + "[" + std::to_string(i) + "]", "expected a string, got " + show((*v)[i]));
      return *this;
    }
    items.push_back((*v)[i].get<std::string>());
  }
  out = std::move(items);
  return *this;
}

SpecReader& SpecReader::integers(const char* key, std::vector<int>& out, int64_t lo, int64_t hi) {
  const json* v = find(key);
  if (!v) return *this;
  if (!v->is_array()) {
    fail(key, "expected an array of integers, got " + show(*v));
    return *this;
  }
  std::vector<int> items;
  for (size_t i = 0; i < v->size(); ++i) {
    const json& e = (*v)[i];
    if (!e.is_number_integer() || e.get<int64_t>() < lo || e.get<int64_t>() > hi) {
      fail(std::string(key) + "[" + std::to_string(i) + "]",
           "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + show(e));
      return *this;
    }
    items.push_back(static_cast<int>(e.get<int64_t>()));
  }
  out = std::move(items);
  return *this;
}

SpecReader& SpecReader::oneOf(const char* key, std::string& out, const std::vector<std::string>& allowed) {
  std::string v = out;
  text(key, v);
  bool ok = false;
  for (const auto& a : allowed) ok = ok || a == v;
  if (!ok) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    fail(key, "'" + v + "' is not one of: " + list);
  } else {
    out = v;
  }
  return *this;
}

std::optional<SpecReader> SpecReader::object(const char* key, bool required) {
  const json* v = find(key);
  if (!v) {
    if (required) fail(key, "required (an object)");
    return std::nullopt;
  }
  if (!v->is_object()) {
    fail(key, "expected an object, got " + show(*v));
    return std::nullopt;
  }
  SpecReader child(*v, at(key));
  child.m_error = m_error;
  return child;
}

Status SpecReader::finish() {
  if (!*m_error && m_j.is_object()) {
    for (const auto& [k, v] : m_j.items()) {
      if (m_known.count(k)) continue;
      std::string known;
      for (const auto& n : m_known) known += (known.empty() ? "" : ", ") + n;
      fail("", "unknown field \"" + k + "\" (known here: " + known + ")");
      break;
    }
  }
  if (*m_error) return **m_error;
  return Status::success();
}

Status readDeviceSpec(SpecReader& parent, model::DeviceParams& out) {
  if (auto dv = parent.object("device")) {
    dv->text("device", out.device).oneOf("dtype", out.dtype, {"auto", "float32", "bfloat16", "float16"}).integer("threads", out.threads, 0, 4096);
    // The form is checked here, before a run is created; whether this machine has the device is
    // the job's to find out.
    if (!model::isDeviceName(out.device)) dv->fail("device", "'" + out.device + "' is not auto, cpu, cuda or cuda:N");
    return dv->finish();
  }
  return Status::success();
}

Status readFineTuneSpec(SpecReader& r, train::FineTuneParams& p) {
  r.unsignedInteger("seed", p.seed).text("base", p.base, /*required=*/true).text("out", p.outDir, /*required=*/true);
  r.integer("steps", p.steps, 1, int64_t{1} << 30)
      .integer("batch", p.batch, 1, 4096)
      .number("lr", p.lr, 0.0, 1.0, /*loExclusive=*/true)
      .number("weight_decay", p.weightDecay, 0.0, 10.0)
      .integer("warmup", p.warmup, 0, int64_t{1} << 30)
      .number("min_lr_ratio", p.minLrRatio, 0.0, 1.0)
      .number("validation_fraction", p.validationFraction, 0.0, 0.9, /*loExclusive=*/true)
      .integer("max_tokens", p.maxTokens, 8, 1 << 20)
      .oneOf("save_dtype", p.saveDtype, {"float32", "bfloat16", "float16"});
  return readDeviceSpec(r, p.device);
}

Status readRouteMixSpec(SpecReader& r, train::RouteMix& out) {
  if (auto rt = r.object("routes")) {
    rt->number("big", out.big, 0.0, 1.0).number("small", out.small, 0.0, 1.0).number("skip", out.skip, 0.0, 1.0);
    LENS_TRY_STATUS(rt->finish());
    if (out.big + out.small + out.skip <= 0) r.fail("routes", "probabilities must not all be zero");
  }
  return Status::success();
}

}  // namespace lens::jobs
