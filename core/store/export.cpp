// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/store/export.h"

#include <map>

#include "core/store/store.h"

using json = nlohmann::json;

namespace lens::store {

namespace {

template <class T>
json optJson(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// Strict readers for unitFromJson: a wrong type names its path instead of throwing.
struct Reader {
  const json& j;
  std::string where;
  Error* err;
  template <class T>
  bool get(const char* key, T& out, bool required = true) const {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required && err->message.empty())
        *err = makeError(ErrorCode::InvalidInput, where + "." + key + ": missing");
      return false;
    }
    try {
      out = it->get<T>();
      return true;
    } catch (const json::exception&) {
      if (err->message.empty()) *err = makeError(ErrorCode::InvalidInput, where + "." + key + ": wrong type");
      return false;
    }
  }
  template <class T>
  void opt(const char* key, std::optional<T>& out) const {
    T v{};
    if (get(key, v, false)) out = v;
  }
};

}  // namespace

json runToJson(const RunRecord& r) {
  return {{"id", r.id},
          {"uid", r.uid},
          {"kind", r.kind},
          {"name", r.name},
          {"status", runStatusName(r.status)},
          {"error", r.error},
          {"spec", r.spec},
          {"seed", r.seed},
          {"code_version", r.codeVersion},
          {"device", r.device},
          {"total_units", r.totalUnits},
          {"done_units", r.doneUnits},
          {"shard", {{"index", r.shardIndex}, {"count", r.shardCount}}},
          {"created_at", r.createdAt},
          {"started_at", r.startedAt},
          {"finished_at", r.finishedAt},
          {"updated_at", r.updatedAt}};
}

json unitToJson(const UnitResult& u) {
  json samples = json::array();
  for (const auto& s : u.samples) {
    json steps = json::array();
    for (const auto& st : s.steps) steps.push_back({{"text", st.text}, {"score", optJson(st.score)}});
    samples.push_back({{"index", s.index},
                       {"text", s.text},
                       {"token_ids", s.tokenIds},
                       {"logprob", s.logprob},
                       {"finish", s.finish},
                       {"answer", optJson(s.answer)},
                       {"correct", optJson(s.correct)},
                       {"score", optJson(s.score)},
                       {"flops", s.flops},
                       {"steps", steps}});
  }
  json nodes = json::array();
  for (const auto& n : u.nodes)
    nodes.push_back({{"index", n.index},
                     {"parent", optJson(n.parent)},
                     {"depth", n.depth},
                     {"text", n.text},
                     {"token_count", n.tokenCount},
                     {"score", optJson(n.score)},
                     {"selected", n.selected}});
  json routing = json::array();
  for (const auto& r : u.routing)
    routing.push_back({{"index", r.index},
                       {"layers", r.layerCount},
                       {"budgets", r.budgets},
                       {"token_ids", r.tokenIds},
                       {"routes", r.routes},
                       {"losses", r.losses},
                       {"fixed_losses", r.fixedLosses},
                       {"random_losses", r.randomLosses},
                       {"best_random_losses", r.bestRandomLosses},
                       {"router_routes", r.routerRoutes},
                       {"router_losses", r.routerLosses}});
  json metrics = json::array();
  for (const auto& m : u.metrics)
    metrics.push_back({{"name", m.name}, {"split", m.split}, {"step", m.step}, {"value", m.value}});
  return {{"index", u.index},     {"key", u.key},     {"problem_index", optJson(u.problemIndex)},
          {"seconds", u.seconds}, {"samples", samples}, {"nodes", nodes},
          {"routing", routing},   {"metrics", metrics}};
}

Result<UnitResult> unitFromJson(const json& j, const std::string& where) {
  Error err{ErrorCode::InvalidInput, ""};
  if (!j.is_object()) return makeError(ErrorCode::InvalidInput, where + ": not an object");
  UnitResult u;
  Reader r{j, where, &err};
  r.get("index", u.index);
  r.get("key", u.key);
  r.opt("problem_index", u.problemIndex);
  r.get("seconds", u.seconds);
  auto arr = [&](const char* key) -> const json& {
    static const json kEmpty = json::array();
    auto it = j.find(key);
    if (it == j.end()) return kEmpty;
    if (!it->is_array()) {
      if (err.message.empty()) err = makeError(ErrorCode::InvalidInput, where + "." + key + ": not an array");
      return kEmpty;
    }
    return *it;
  };
  const json& samples = arr("samples");
  for (size_t i = 0; i < samples.size(); ++i) {
    SampleRecord s;
    Reader sr{samples[i], where + ".samples[" + std::to_string(i) + "]", &err};
    sr.get("index", s.index);
    sr.get("text", s.text);
    sr.get("token_ids", s.tokenIds);
    sr.get("logprob", s.logprob);
    sr.get("finish", s.finish);
    sr.opt("answer", s.answer);
    sr.opt("correct", s.correct);
    sr.opt("score", s.score);
    sr.get("flops", s.flops);
    if (auto it = samples[i].find("steps"); it != samples[i].end() && it->is_array())
      for (size_t k = 0; k < it->size(); ++k) {
        StepRecord st;
        Reader tr{(*it)[k], sr.where + ".steps[" + std::to_string(k) + "]", &err};
        tr.get("text", st.text);
        tr.opt("score", st.score);
        s.steps.push_back(std::move(st));
      }
    u.samples.push_back(std::move(s));
  }
  const json& nodes = arr("nodes");
  for (size_t i = 0; i < nodes.size(); ++i) {
    SearchNodeRecord n;
    Reader nr{nodes[i], where + ".nodes[" + std::to_string(i) + "]", &err};
    nr.get("index", n.index);
    nr.opt("parent", n.parent);
    nr.get("depth", n.depth);
    nr.get("text", n.text);
    nr.get("token_count", n.tokenCount);
    nr.opt("score", n.score);
    nr.get("selected", n.selected);
    u.nodes.push_back(std::move(n));
  }
  const json& routing = arr("routing");
  for (size_t i = 0; i < routing.size(); ++i) {
    RoutingSequence s;
    Reader rr{routing[i], where + ".routing[" + std::to_string(i) + "]", &err};
    rr.get("index", s.index);
    rr.get("layers", s.layerCount);
    rr.get("budgets", s.budgets);
    rr.get("token_ids", s.tokenIds);
    rr.get("routes", s.routes);
    rr.get("losses", s.losses);
    rr.get("fixed_losses", s.fixedLosses, false);  // absent in exports older than schema v3
    rr.get("random_losses", s.randomLosses, false);
    rr.get("best_random_losses", s.bestRandomLosses, false);
    rr.get("router_routes", s.routerRoutes, false);  // absent before schema v4
    rr.get("router_losses", s.routerLosses, false);
    u.routing.push_back(std::move(s));
  }
  const json& metrics = arr("metrics");
  for (size_t i = 0; i < metrics.size(); ++i) {
    MetricPoint m;
    Reader mr{metrics[i], where + ".metrics[" + std::to_string(i) + "]", &err};
    mr.get("name", m.name);
    mr.get("split", m.split);
    mr.get("step", m.step);
    mr.get("value", m.value);
    u.metrics.push_back(std::move(m));
  }
  if (!err.message.empty()) return err;
  return u;
}

Result<json> exportRunJson(Store& store, int64_t runId, const RunContext* ctx) {
  auto run = store.run(runId);
  if (!run) return run.error();
  json out = {{"format", "computelens-run"}, {"format_version", 1}, {"run", runToJson(*run)}};
  auto models = store.runModels(runId);
  if (!models) return models.error();
  json mj = json::object();
  for (const auto& [role, m] : *models)
    mj[role] = {{"path", m.path}, {"fingerprint", m.fingerprint}, {"architecture", m.architecture},
                {"parameters", m.parameterCount}, {"config", m.config}};
  out["models"] = mj;
  out["dataset"] = nullptr;
  if (run->datasetId) {
    auto d = store.dataset(*run->datasetId);
    if (!d) return d.error();
    auto ps = store.problems(*run->datasetId);
    if (!ps) return ps.error();
    json pj = json::array();
    for (const auto& p : *ps)
      pj.push_back({{"index", p.index}, {"key", p.key}, {"problem", p.problem}, {"answer", optJson(p.answer)},
                    {"subject", optJson(p.subject)}, {"level", optJson(p.level)}});
    out["dataset"] = {{"name", d->name}, {"source", d->source}, {"fingerprint", d->fingerprint}, {"problems", pj}};
  }
  auto idx = store.unitIndexes(runId);
  if (!idx) return idx.error();
  json units = json::array();
  int64_t done = 0;
  for (int64_t i : *idx) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "export cancelled");
    auto u = store.unit(runId, i);
    if (!u) return u.error();
    units.push_back(unitToJson(*u));
    if (ctx) ctx->report(++done, static_cast<int64_t>(idx->size()), "export");
  }
  out["units"] = std::move(units);
  auto metrics = store.metrics(runId, /*runLevelOnly=*/true);
  if (!metrics) return metrics.error();
  json mt = json::array();
  for (const auto& m : *metrics) mt.push_back({{"name", m.name}, {"split", m.split}, {"step", m.step}, {"value", m.value}});
  out["metrics"] = mt;
  auto curves = store.curves(runId);
  if (!curves) return curves.error();
  json cj = json::array();
  for (const auto& c : *curves)
    cj.push_back({{"name", c.name}, {"series", c.series}, {"x_label", c.xLabel}, {"y_label", c.yLabel}, {"points", c.points}});
  out["curves"] = cj;
  return out;
}

Result<CsvTable> parseCsvTable(const std::string& name) {
  static const std::map<std::string, CsvTable> kNames = {{"samples", CsvTable::Samples},
                                                         {"steps", CsvTable::Steps},
                                                         {"nodes", CsvTable::Nodes},
                                                         {"routing", CsvTable::Routing},
                                                         {"metrics", CsvTable::Metrics}};
  auto it = kNames.find(name);
  if (it == kNames.end())
    return makeError(ErrorCode::InvalidInput, "unknown table '" + name + "' (samples, steps, nodes, routing, metrics)");
  return it->second;
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

namespace {
std::string num(double v) {
  json j = v;  // shortest text that reads back as the same double
  return j.dump();
}
template <class T>
std::string optNum(const std::optional<T>& v) {
  if (!v) return {};
  if constexpr (std::is_integral_v<T>) return std::to_string(*v);
  else return num(static_cast<double>(*v));
}
}  // namespace

Status exportRunCsv(Store& store, int64_t runId, CsvTable table, std::ostream& out, const RunContext* ctx) {
  auto run = store.run(runId);
  if (!run) return run.error();
  auto idx = store.unitIndexes(runId);
  if (!idx) return idx.error();
  switch (table) {
    case CsvTable::Samples:
      out << "unit,unit_key,problem_index,sample,finish,token_count,logprob,answer,correct,score,flops,text\n";
      break;
    case CsvTable::Steps: out << "unit,sample,step,score,text\n"; break;
    case CsvTable::Nodes: out << "unit,node,parent,depth,token_count,score,selected,text\n"; break;
    case CsvTable::Routing:
      out << "unit,sequence,position,token_id,next_token_id,routes,losses,fixed_losses,random_losses,best_random_losses,router_routes,router_losses\n";
      break;
    case CsvTable::Metrics: {
      auto ms = store.metrics(runId);
      if (!ms) return ms.error();
      out << "name,split,step,value\n";
      for (const auto& m : *ms) out << csvField(m.name) << ',' << csvField(m.split) << ',' << m.step << ',' << num(m.value) << '\n';
      return out ? Status::success() : makeError(ErrorCode::Io, "writing the CSV failed");
    }
  }
  int64_t done = 0;
  for (int64_t i : *idx) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "export cancelled");
    auto u = store.unit(runId, i);
    if (!u) return u.error();
    for (const auto& s : u->samples) {
      if (table == CsvTable::Samples) {
        out << u->index << ',' << csvField(u->key) << ',' << optNum(u->problemIndex) << ',' << s.index << ',' << s.finish
            << ',' << s.tokenIds.size() << ',' << num(s.logprob) << ',' << csvField(s.answer.value_or("")) << ','
            << (s.correct ? (*s.correct ? "1" : "0") : "") << ',' << optNum(s.score) << ',' << num(s.flops) << ','
            << csvField(s.text) << '\n';
      } else if (table == CsvTable::Steps) {
        for (size_t k = 0; k < s.steps.size(); ++k)
          out << u->index << ',' << s.index << ',' << k << ',' << optNum(s.steps[k].score) << ','
              << csvField(s.steps[k].text) << '\n';
      }
    }
    if (table == CsvTable::Nodes)
      for (const auto& n : u->nodes)
        out << u->index << ',' << n.index << ',' << optNum(n.parent) << ',' << n.depth << ',' << n.tokenCount << ','
            << optNum(n.score) << ',' << (n.selected ? 1 : 0) << ',' << csvField(n.text) << '\n';
    if (table == CsvTable::Routing)
      for (const auto& r : u->routing) {
        const size_t B = r.budgets.size(), L = static_cast<size_t>(r.layerCount);
        auto list = [&](const std::vector<float>& v, size_t t, size_t n) {
          std::string o;
          for (size_t i = 0; !v.empty() && i < n; ++i) o += (i ? ";" : "") + num(v[t * n + i]);
          return o;
        };
        const size_t Rn = r.positions() ? r.routerLosses.size() / r.positions() : 0;
        // Per budget (or router) one digit per layer (0 skip, 1 small, 2 big), ';'-separated.
        auto routeList = [&](const std::vector<uint8_t>& v, size_t t, size_t n) {
          std::string o;
          for (size_t b = 0; b < n; ++b) {
            if (b) o += ';';
            for (size_t l = 0; l < L; ++l) o += static_cast<char>('0' + v[(t * n + b) * L + l]);
          }
          return o;
        };
        for (size_t t = 0; t < r.positions(); ++t) {
          const std::string routes = routeList(r.routes, t, B);
          const size_t pos = r.firstPosition() + t;
          out << u->index << ',' << r.index << ',' << pos << ',' << r.tokenIds[pos] << ',' << r.tokenIds[pos + 1] << ',' << routes << ','
              << list(r.losses, t, B) << ',' << list(r.fixedLosses, t, 3) << ',' << list(r.randomLosses, t, B) << ','
              << list(r.bestRandomLosses, t, B) << ',' << routeList(r.routerRoutes, t, Rn) << ',' << list(r.routerLosses, t, Rn) << '\n';
        }
      }
    if (ctx) ctx->report(++done, static_cast<int64_t>(idx->size()), "export");
  }
  return out ? Status::success() : makeError(ErrorCode::Io, "writing the CSV failed");
}

Result<MergeReport> mergeStores(Store& out, const std::vector<std::string>& inputs, const RunContext* ctx) {
  MergeReport report;
  for (const auto& path : inputs) {
    StoreParams rp;
    rp.readOnly = true;
    auto in = Store::open(path, rp);
    if (!in) return in.error();
    if ((*in)->path() == out.path())
      return makeError(ErrorCode::InvalidInput, path + ": is the output database; list only the shard databases");
    auto runs = (*in)->runs();
    if (!runs) return runs.error();
    for (const auto& r : *runs) {
      // Dataset and models first (deduplicated by fingerprint), then the run, found by uid.
      std::optional<int64_t> datasetId;
      if (r.datasetId) {
        auto d = (*in)->dataset(*r.datasetId);
        if (!d) return d.error();
        auto ps = (*in)->problems(*r.datasetId);
        if (!ps) return ps.error();
        auto id = out.addDataset(*d, *ps);
        if (!id) return id.error();
        datasetId = *id;
      }
      auto all = out.runs();
      if (!all) return all.error();
      std::optional<RunRecord> target;
      for (const auto& o : *all)
        if (o.uid == r.uid && o.shardCount == 1) target = o;
      if (!target) {
        NewRun nr;
        nr.uid = r.uid;
        nr.kind = r.kind;
        nr.name = r.name;
        nr.spec = r.spec;
        nr.seed = r.seed;
        nr.device = r.device;
        nr.totalUnits = r.totalUnits;
        nr.datasetId = datasetId;
        auto models = (*in)->runModels(r.id);
        if (!models) return models.error();
        for (const auto& [role, m] : *models) {
          auto mid = out.addModel(m);
          if (!mid) return mid.error();
          nr.models.emplace_back(role, *mid);
        }
        auto created = out.createRun(nr);
        if (!created) return created.error();
        target = *created;
      }
      auto idx = (*in)->unitIndexes(r.id);
      if (!idx) return idx.error();
      std::vector<UnitResult> batch;
      auto flush = [&]() -> Status {
        auto added = out.commitUnits(target->id, batch);
        if (!added) return added.error();
        report.unitsAdded += *added;
        report.unitsSkipped += static_cast<int64_t>(batch.size()) - *added;
        batch.clear();
        return Status::success();
      };
      for (int64_t i : *idx) {
        if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "merge cancelled");
        auto u = (*in)->unit(r.id, i);
        if (!u) return u.error();
        batch.push_back(std::move(*u));
        if (batch.size() >= 256) LENS_TRY_STATUS(flush());
      }
      LENS_TRY_STATUS(flush());
      auto metrics = (*in)->metrics(r.id, /*runLevelOnly=*/true);
      if (!metrics) return metrics.error();
      if (!metrics->empty()) LENS_TRY_STATUS(out.addMetrics(target->id, *metrics));
      auto curves = (*in)->curves(r.id);
      if (!curves) return curves.error();
      for (const auto& c : *curves) LENS_TRY_STATUS(out.putCurve(target->id, c));
      auto merged = out.run(target->id);
      if (!merged) return merged.error();
      const bool complete = merged->doneUnits >= merged->totalUnits;
      const bool failed = r.status == RunStatus::Failed && !complete;
      LENS_TRY_STATUS(out.setRunStatus(target->id, complete ? RunStatus::Done : failed ? RunStatus::Failed : RunStatus::Cancelled,
                                       failed ? r.error : std::string()));
      ++report.runs;
      if (ctx) ctx->report(report.runs, 0, "merge");
    }
  }
  return report;
}

}  // namespace lens::store
