// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/verify/prm.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/common/atomic_file.h"
#include "core/flops/flops.h"
#include "core/mathdata/prompt.h"
#include "core/model/internal/engine.h"
#include "core/model/model.h"
#include "core/tensor_io/checkpoint.h"
#include "core/text/tokenizer.h"

namespace fs = std::filesystem;

namespace lens::verify {

Result<StepAggregation> parseStepAggregation(const std::string& name) {
  if (name == "last") return StepAggregation::Last;
  if (name == "min") return StepAggregation::Min;
  if (name == "product") return StepAggregation::Product;
  return makeError(ErrorCode::InvalidInput, "step aggregation '" + name + "' (last, min, product)");
}

double aggregateSteps(const std::vector<double>& s, StepAggregation how) {
  if (s.empty()) return 0.0;
  switch (how) {
    case StepAggregation::Last: return s.back();
    case StepAggregation::Min: return *std::min_element(s.begin(), s.end());
    case StepAggregation::Product: {
      double p = 1;
      for (double x : s) p *= x;
      return p;
    }
  }
  return s.back();
}

struct ProcessRewardModel::Impl {
  PrmParams params;
  PrmKind kind = PrmKind::StepTag;
  std::unique_ptr<model::Model> model;
  int32_t marker = -1;        // the tag or separator token id
  int32_t good = -1, bad = -1;  // step-tag candidates
  int64_t tokensScored = 0;
  double flopsScored = 0;
  torch::Tensor w1, b1, w2, b2;  // reward head, float32 on the model's device
  LikelihoodHead head;           // likelihood PRMs
  mathdata::PromptFormat format = mathdata::PromptFormat::Raw;
  bool special = false;          // whether the likelihood PRM's prompt is encoded with special tokens

  // The FLOPs of one input of `tokens` tokens: matmuls and attention.
  void count(int64_t tokens) {
    const auto& c = model->config();
    flopsScored += flops::inferenceFlops(model->parameterCount(), static_cast<double>(tokens)) +
                   flops::attentionFlops(c, flops::attendedKeys(c, 0, tokens));
  }

  // The inputs `ids[i]` for i in `order`, sorted by length (less padding) and cut into right-padded
  // batches of at most `maxBatchTokens` padded tokens (one input at least); `run(batch, inputs)`
  // gets each batch on the model's device with the indices into `ids` of its rows. Every input's
  // tokens and FLOPs are counted.
  void forEachBatch(const std::vector<std::vector<int32_t>>& ids, std::vector<size_t> order, int64_t maxBatchTokens,
                    const std::function<void(model::internal::ForwardBatch&, const std::vector<size_t>&)>& run) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
    for (size_t first = 0; first < order.size();) {
      size_t end = first + 1;
      while (end < order.size() && static_cast<int64_t>(ids[order[end]].size() * (end - first + 1)) <= maxBatchTokens) ++end;
      const std::vector<size_t> inputs(order.begin() + static_cast<std::ptrdiff_t>(first), order.begin() + static_cast<std::ptrdiff_t>(end));
      const int64_t B = static_cast<int64_t>(inputs.size()), T = static_cast<int64_t>(ids[inputs.back()].size());
      model::internal::ForwardBatch fb;
      auto tokens = torch::zeros({B, T}, torch::kInt64);
      auto ta = tokens.accessor<int64_t, 2>();
      for (int64_t b = 0; b < B; ++b) {
        const auto& row = ids[inputs[static_cast<size_t>(b)]];
        tokensScored += static_cast<int64_t>(row.size());
        count(static_cast<int64_t>(row.size()));
        for (size_t t = 0; t < row.size(); ++t) ta[b][static_cast<int64_t>(t)] = row[t];
        fb.slots.push_back(b);
        fb.startPos.push_back(0);
        fb.lengths.push_back(static_cast<int64_t>(row.size()));
      }
      fb.tokens = tokens.to(model->engine().device());
      run(fb, inputs);
      first = end;
    }
  }

  // One token id for `text`: an added/special token, a vocabulary entry, or a text that encodes
  // to exactly one token.
  Result<int32_t> singleToken(const std::string& text, const char* role) const {
    const auto* tok = model->tokenizer();
    if (auto id = tok->tokenId(text)) return *id;
    auto ids = tok->encode(text, false);
    if (ids.size() == 1) return ids[0];
    return makeError(ErrorCode::InvalidInput, "the " + std::string(role) + " '" + text + "' is not one token of this tokenizer (" +
                                                  std::to_string(ids.size()) + " tokens); set it to a token the PRM was trained with");
  }
};

ProcessRewardModel::ProcessRewardModel() : m(std::make_unique<Impl>()) {}
ProcessRewardModel::~ProcessRewardModel() = default;
PrmKind ProcessRewardModel::kind() const { return m->kind; }
model::Model& ProcessRewardModel::languageModel() { return *m->model; }
int64_t ProcessRewardModel::parameterCount() const {
  return m->model->parameterCount() + (m->w1.defined() ? m->w1.numel() + m->b1.numel() + m->w2.numel() + m->b2.numel() : 0);
}

Result<std::unique_ptr<ProcessRewardModel>> ProcessRewardModel::load(const std::string& dir, const PrmParams& params) {
  std::unique_ptr<ProcessRewardModel> p(new ProcessRewardModel());
  Impl& m = *p->m;
  m.params = params;
  auto mod = model::Model::load(dir, params.device);
  if (!mod) return mod.error();
  m.model = std::move(*mod);
  if (!m.model->tokenizer()) return makeError(ErrorCode::InvalidInput, dir + ": a PRM needs its tokenizer.json");
  if (m.model->config().isRewardModel()) {
    m.kind = PrmKind::RewardHead;
    auto sep = m.singleToken(params.separator, "step separator");
    if (!sep) return makeError(sep.error().code, dir + ": " + sep.error().message);
    m.marker = *sep;
    auto ck = tensor_io::Checkpoint::open(dir);
    if (!ck) return ck.error();
    const int64_t h = m.model->config().hiddenSize;
    auto get = [&](const std::string& name, std::vector<int64_t> shape) -> Result<torch::Tensor> {
      const auto* t = ck->find(name);
      if (!t) return makeError(ErrorCode::InvalidInput, dir + ": the reward head tensor '" + name + "' is missing");
      if (t->shape != shape) return makeError(ErrorCode::InvalidInput, dir + ": '" + name + "' has an unexpected shape");
      return model::internal::toTorch(*t).to(m.model->engine().device(), torch::kFloat32);
    };
    try {
      auto w1 = get("score.0.weight", {h, h});
      if (!w1) return w1.error();
      auto b1 = get("score.0.bias", {h});
      if (!b1) return b1.error();
      auto w2 = get("score.2.weight", {2, h});
      if (!w2) return w2.error();
      auto b2 = get("score.2.bias", {2});
      if (!b2) return b2.error();
      m.w1 = *w1, m.b1 = *b1, m.w2 = *w2, m.b2 = *b2;
    } catch (const std::exception& e) {
      return model::internal::translateTorchError(e, dir);
    }
  } else if (const auto j = model::configSection(dir, "prm"); (j.is_object() && j.contains("kind")) || (!j.is_object() && params.likelihoodHead)) {
    if (j.is_object() && j["kind"] != "likelihood")
      return makeError(ErrorCode::InvalidInput, dir + "/config.json: prm.kind " + j["kind"].dump() + " is not a PRM kind this version knows (likelihood)");
    m.kind = PrmKind::Likelihood;
    if (j.is_object()) {
      auto head = LikelihoodHead::fromJson(j.value("head", nlohmann::json()), dir + "/config.json prm.head");
      if (!head) return head.error();
      m.head = *head;
    } else {
      m.head = *params.likelihoodHead;
    }
    m.format = mathdata::resolvePromptFormat(mathdata::PromptFormat::Auto, m.model->tokenizer());
    m.special = mathdata::addSpecialTokens(m.format);
  } else {
    m.kind = PrmKind::StepTag;
    // Tokens named by the checkpoint replace the defaults (not a caller's choice).
    if (j.is_object()) {
      const PrmParams defaults;
      if (m.params.stepTag == defaults.stepTag) m.params.stepTag = j.value("step_tag", m.params.stepTag);
      if (m.params.goodToken == defaults.goodToken) m.params.goodToken = j.value("good_token", m.params.goodToken);
      if (m.params.badToken == defaults.badToken) m.params.badToken = j.value("bad_token", m.params.badToken);
    }
    for (auto [text, role, out] : {std::tuple<const std::string&, const char*, int32_t*>{m.params.stepTag, "step tag", &m.marker},
                                   {m.params.goodToken, "good token", &m.good},
                                   {m.params.badToken, "bad token", &m.bad}}) {
      auto id = m.singleToken(text, role);
      if (!id) return makeError(id.error().code, dir + ": " + id.error().message);
      *out = *id;
    }
  }
  return p;
}

namespace {
// `text` without any occurrence of `marker`: the PRM reads one score per marker, and a sampled
// solution (or a problem) may contain its text, as a weak generator can emit any byte.
std::string withoutMarker(std::string text, const std::string& marker) {
  if (marker.empty()) return text;
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at)) text.erase(at, marker.size());
  return text;
}

// A step as the PRM reads it: without the whitespace that ends it. Steps split from a whole
// solution come without their delimiter, a search's steps with it ("…\n\n"); both must read alike.
std::string withoutTrailingSpace(std::string step) {
  while (!step.empty() && (step.back() == '\n' || step.back() == ' ' || step.back() == '\r' || step.back() == '\t')) step.pop_back();
  return step;
}
}  // namespace

std::string ProcessRewardModel::formatInput(const std::string& problem, const std::vector<std::string>& steps) const {
  std::string s;
  if (m->kind == PrmKind::RewardHead) {
    // Qwen2.5-Math-PRM: the chat template, steps each followed by the separator.
    mathdata::PromptParams pp;
    pp.system = m->params.system;
    s = mathdata::formatPrompt(withoutMarker(problem, m->params.separator), mathdata::PromptFormat::ChatMl, pp);
    for (const auto& st : steps) s += withoutMarker(st, m->params.separator) + m->params.separator;
    return s;
  }
  if (m->kind == PrmKind::Likelihood) {
    s = mathdata::formatPrompt(problem, m->format, {});
    for (size_t k = 0; k < steps.size(); ++k) s += (k ? "\n\n" : "") + withoutTrailingSpace(steps[k]);
    return s;
  }
  return stepTagInput(problem, steps, m->params.stepTag);
}

std::string stepTagInput(const std::string& problem, const std::vector<std::string>& steps, const std::string& tag) {
  std::string s = withoutMarker(problem, tag) + " ";
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string st = withoutTrailingSpace(withoutMarker(steps[i], tag));
    s += st + " " + tag + (i + 1 < steps.size() ? "\n" : "");
  }
  return s;
}

Result<std::vector<double>> ProcessRewardModel::scoreSteps(const std::string& problem, const std::vector<std::string>& steps) {
  if (steps.empty()) return std::vector<double>{};
  if (m->kind == PrmKind::Likelihood) {
    auto scored = scoreStepsBatch(problem, {steps});
    if (!scored) return scored.error();
    return std::move(scored->front());
  }
  auto ids = m->model->tokenizer()->encode(formatInput(problem, steps), m->kind == PrmKind::StepTag);
  auto scores = scoreTokenIds(ids);
  if (!scores) return scores.error();
  if (scores->size() != steps.size())
    return makeError(ErrorCode::InvalidInput, "PRM input: " + std::to_string(steps.size()) + " steps but " +
                                                  std::to_string(scores->size()) + " markers after tokenisation (a step contains the marker?)");
  return scores;
}

int64_t ProcessRewardModel::tokensScored() const { return m->tokensScored; }
double ProcessRewardModel::flopsScored() const { return m->flopsScored; }

Result<std::vector<std::vector<double>>> ProcessRewardModel::scoreStepsBatch(const std::string& problem,
                                                                             const std::vector<std::vector<std::string>>& solutions,
                                                                             int64_t maxBatchTokens) {
  if (m->kind == PrmKind::Likelihood) {
    auto features = stepFeaturesBatch(problem, solutions, maxBatchTokens);
    if (!features) return features.error();
    std::vector<std::vector<double>> out(solutions.size());
    for (size_t i = 0; i < solutions.size(); ++i)
      for (const auto& f : (*features)[i]) out[i].push_back(m->head.score(f));
    return out;
  }
  std::vector<std::vector<double>> out(solutions.size());
  std::vector<std::vector<int32_t>> ids(solutions.size());
  std::vector<size_t> order;
  for (size_t i = 0; i < solutions.size(); ++i) {
    if (solutions[i].empty()) continue;
    ids[i] = m->model->tokenizer()->encode(formatInput(problem, solutions[i]), m->kind == PrmKind::StepTag);
    order.push_back(i);
  }
  try {
    c10::InferenceMode guard;
    auto& engine = m->model->engine();
    torch::Tensor direction;  // step tag: lmHead[good] - lmHead[bad], so the logit difference is h · direction
    if (m->kind == PrmKind::StepTag) {
      const auto& head = engine.weights().lmHead;
      direction = (head[m->good].to(torch::kFloat32) - head[m->bad].to(torch::kFloat32));
    }
    m->forEachBatch(ids, order, maxBatchTokens, [&](model::internal::ForwardBatch& fb, const std::vector<size_t>& inputs) {
      std::vector<int64_t> rows, cols;  // the markers' positions
      for (size_t b = 0; b < inputs.size(); ++b) {
        const auto& row = ids[inputs[b]];
        for (size_t t = 0; t < row.size(); ++t)
          if (row[t] == m->marker) rows.push_back(static_cast<int64_t>(b)), cols.push_back(static_cast<int64_t>(t));
      }
      auto cache = engine.makeCache(fb.tokens.size(0), fb.tokens.size(1));
      auto h = engine.hidden(fb, *cache, /*allPositions=*/true);  // [B, T, H]
      if (rows.empty()) return;
      auto at = h.index({torch::tensor(rows, torch::kInt64).to(engine.device()), torch::tensor(cols, torch::kInt64).to(engine.device())})
                    .to(torch::kFloat32);  // [markers, H]
      torch::Tensor probs;
      if (m->kind == PrmKind::StepTag) {
        probs = torch::sigmoid(torch::matmul(at, direction));
      } else {
        auto x = torch::relu(torch::linear(at, m->w1, m->b1));
        probs = torch::softmax(torch::linear(x, m->w2, m->b2), -1).select(1, 1);
      }
      probs = probs.to(torch::kCPU).to(torch::kFloat64).contiguous();
      for (size_t k = 0; k < rows.size(); ++k) out[inputs[static_cast<size_t>(rows[k])]].push_back(probs.data_ptr<double>()[k]);
    });
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "PRM scoring");
  }
  for (size_t i : order)
    if (out[i].size() != solutions[i].size())
      return makeError(ErrorCode::InvalidInput, "PRM input: " + std::to_string(solutions[i].size()) + " steps but " + std::to_string(out[i].size()) +
                                                    " markers after tokenisation (a step contains the marker?)");
  return out;
}

Result<std::vector<double>> ProcessRewardModel::scoreTokenIds(const std::vector<int32_t>& ids) {
  if (m->kind == PrmKind::Likelihood)
    return makeError(ErrorCode::InvalidInput, "a likelihood PRM scores steps (scoreSteps), not marker tokens: it has none");
  m->tokensScored += static_cast<int64_t>(ids.size());
  m->count(static_cast<int64_t>(ids.size()));
  std::vector<int64_t> at;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] == m->marker) at.push_back(static_cast<int64_t>(i));
  if (at.empty()) return std::vector<double>{};
  std::vector<double> out;
  if (m->kind == PrmKind::StepTag) {
    auto logits = m->model->logits(ids);
    if (!logits) return logits.error();
    const int64_t V = m->model->config().vocabSize;
    for (int64_t t : at) {
      // softmax over the two candidates: P(good) = 1 / (1 + exp(bad - good)).
      const double g = (*logits)[static_cast<size_t>(t * V + m->good)], b = (*logits)[static_cast<size_t>(t * V + m->bad)];
      out.push_back(1.0 / (1.0 + std::exp(b - g)));
    }
    return out;
  }
  try {
    c10::InferenceMode guard;
    auto& engine = m->model->engine();
    const int64_t T = static_cast<int64_t>(ids.size());
    auto cache = engine.makeCache(1, T);
    model::internal::ForwardBatch fb;
    fb.tokens = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64).view({1, T}).to(engine.device());
    fb.slots = {0};
    fb.startPos = {0};
    fb.lengths = {T};
    auto h = engine.hidden(fb, *cache, /*allPositions=*/true)[0].to(torch::kFloat32);  // [T, H]
    auto idx = torch::tensor(at, torch::kInt64).to(engine.device());
    auto x = torch::relu(torch::linear(h.index_select(0, idx), m->w1, m->b1));
    auto probs = torch::softmax(torch::linear(x, m->w2, m->b2), -1).select(1, 1).to(torch::kCPU).to(torch::kFloat64).contiguous();
    out.assign(probs.data_ptr<double>(), probs.data_ptr<double>() + probs.numel());
    return out;
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "PRM scoring");
  }
}

Result<std::vector<std::vector<LikelihoodFeatures>>> ProcessRewardModel::stepFeaturesBatch(const std::string& problem,
                                                                                           const std::vector<std::vector<std::string>>& solutions,
                                                                                           int64_t maxBatchTokens) {
  if (m->kind != PrmKind::Likelihood) return makeError(ErrorCode::InvalidInput, "step features: only a likelihood PRM reads its token log-probabilities");
  const auto* tok = m->model->tokenizer();
  const std::string prompt = formatInput(problem, {});
  const size_t start = tok->encode(prompt, m->special).size();
  std::vector<std::vector<int32_t>> ids(solutions.size());
  std::vector<std::vector<size_t>> ends(solutions.size());  // solution tokens through each step
  std::vector<size_t> order;
  for (size_t i = 0; i < solutions.size(); ++i) {
    if (solutions[i].empty()) continue;
    // Each step's end: the tokens of the text through it (a tokenizer may merge across a boundary;
    // the ends are kept non-decreasing and within the whole text's tokens).
    std::string text = prompt;
    for (size_t k = 0; k < solutions[i].size(); ++k) {
      text += (k ? "\n\n" : "") + withoutTrailingSpace(solutions[i][k]);
      const size_t n = tok->encode(text, m->special).size();
      ends[i].push_back(n > start ? n - start : 0);
    }
    ids[i] = tok->encode(text, m->special);
    const size_t solutionTokens = ids[i].size() > start ? ids[i].size() - start : 0;
    for (size_t k = 0; k < ends[i].size(); ++k) ends[i][k] = std::min(std::max(ends[i][k], k ? ends[i][k - 1] : 0), solutionTokens);
    order.push_back(i);
  }
  // All positions' logits are materialised ([B, T, vocab] floats): a large vocabulary gets smaller batches.
  const int64_t V = m->model->config().vocabSize;
  const int64_t cap = std::max<int64_t>(1, std::min<int64_t>(maxBatchTokens, (int64_t{1} << 26) / std::max<int64_t>(V, 1)));
  std::vector<std::vector<LikelihoodFeatures>> out(solutions.size());
  try {
    c10::InferenceMode guard;
    auto& engine = m->model->engine();
    m->forEachBatch(ids, order, cap, [&](model::internal::ForwardBatch& fb, const std::vector<size_t>& inputs) {
      const int64_t T = fb.tokens.size(1);
      auto cache = engine.makeCache(fb.tokens.size(0), T);
      auto logp = torch::log_softmax(engine.forward(fb, *cache, /*allLogits=*/true).to(torch::kFloat32), -1);  // [B, T, V]
      // The log-probability of each token given those before it: position t predicts token t + 1.
      auto next = fb.tokens.slice(1, 1, T).unsqueeze(2);
      auto picked = logp.slice(1, 0, T - 1).gather(2, next).squeeze(2).to(torch::kCPU).to(torch::kFloat64).contiguous();  // [B, T - 1]
      const double* data = picked.data_ptr<double>();
      for (size_t b = 0; b < inputs.size(); ++b) {
        const size_t i = inputs[b];
        std::vector<double> lp;
        for (size_t t = start; t < ids[i].size(); ++t) lp.push_back(t ? data[static_cast<int64_t>(b) * (T - 1) + static_cast<int64_t>(t) - 1] : 0.0);
        out[i] = likelihoodStepFeatures(lp, ends[i]);
      }
    });
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "likelihood PRM scoring");
  }
  return out;
}

}  // namespace lens::verify
