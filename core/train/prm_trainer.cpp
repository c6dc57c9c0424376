// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/train/prm_trainer.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>

#include "core/common/atomic_file.h"
#include "core/train/internal/finetune.h"
#include "core/mathdata/prompt.h"
#include "core/model/config.h"
#include "core/model/model.h"
#include "core/stats/auroc.h"
#include "core/text/tokenizer.h"
#include "core/verify/prm.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::train {

using model::internal::Engine;

json PrmTrainReport::toJson() const {
  return {{"train_examples", trainExamples},
          {"validation_examples", validationExamples},
          {"train_tags", trainTags},
          {"validation_tags", validationTags},
          {"validation_loss_before", validationLossBefore},
          {"validation_loss_after", validationLossAfter},
          {"validation_accuracy_before", validationAccuracyBefore},
          {"validation_accuracy_after", validationAccuracyAfter},
          {"validation_final_auroc_before", std::isnan(validationFinalAurocBefore) ? json(nullptr) : json(validationFinalAurocBefore)},
          {"validation_final_auroc_after", std::isnan(validationFinalAurocAfter) ? json(nullptr) : json(validationFinalAurocAfter)},
          {"validation_within_auroc_before", std::isnan(validationWithinAurocBefore) ? json(nullptr) : json(validationWithinAurocBefore)},
          {"validation_within_auroc_after", std::isnan(validationWithinAurocAfter) ? json(nullptr) : json(validationWithinAurocAfter)},
          {"validation_mixed_problems", validationMixedProblems},
          {"slipped_examples", slippedExamples},
          {"validation_label_entropy", labelEntropy}};
}

namespace {

struct Encoded {
  size_t source = 0;   // its index in the examples given (a slipped copy: its original's)
  size_t problem = 0;  // examples of one problem share it
  int64_t solutionStart = 0;  // the first token after the problem's
  std::vector<int32_t> ids;
  std::vector<int64_t> tags;   // positions of the tag tokens
  std::vector<float> labels;   // one per tag
};

struct Batch {
  model::internal::ForwardBatch fb;
  torch::Tensor row, pos, label;  // flat over the batch's tags
  torch::Tensor solutionStart;    // [B]
};

Batch makeBatch(const std::vector<const Encoded*>& ex, torch::Device device) {
  int64_t T = 0;
  for (const auto* e : ex) T = std::max<int64_t>(T, static_cast<int64_t>(e->ids.size()));
  const int64_t B = static_cast<int64_t>(ex.size());
  auto ids = torch::zeros({B, T}, torch::kInt64);
  auto a = ids.accessor<int64_t, 2>();
  std::vector<int64_t> rows, poss, starts;
  std::vector<float> labels;
  Batch out;
  for (int64_t b = 0; b < B; ++b) {
    const auto& e = *ex[static_cast<size_t>(b)];
    starts.push_back(e.solutionStart);
    for (size_t t = 0; t < e.ids.size(); ++t) a[b][static_cast<int64_t>(t)] = e.ids[t];
    for (size_t k = 0; k < e.tags.size(); ++k) {
      rows.push_back(b);
      poss.push_back(e.tags[k]);
      labels.push_back(e.labels[k]);
    }
    out.fb.slots.push_back(b);
    out.fb.startPos.push_back(0);
    out.fb.lengths.push_back(static_cast<int64_t>(e.ids.size()));
  }
  out.fb.tokens = ids.to(device);
  out.row = torch::tensor(rows, torch::kInt64).to(device);
  out.pos = torch::tensor(poss, torch::kInt64).to(device);
  out.label = torch::tensor(labels, torch::kFloat32).to(device);
  out.solutionStart = torch::tensor(starts, torch::kInt64).to(device);
  return out;
}

struct Forward {
  torch::Tensor tags;  // logit of "good" minus "bad" at every tag of the batch
  torch::Tensor lm;    // next-token cross-entropy (nats per token) over the solutions' text, tags not predicted
};

Forward forwardBatch(Engine& eng, Batch& bt, int32_t good, int32_t bad, int32_t tag, bool lm) {
  auto cache = eng.makeCache(bt.fb.tokens.size(0), bt.fb.tokens.size(1));
  auto logits = eng.forward(bt.fb, *cache, /*allLogits=*/true);  // [B, T, V]
  auto at = logits.index({bt.row, bt.pos});                      // [tags, V]
  Forward out{at.select(1, good) - at.select(1, bad), {}};
  if (lm) {
    const int64_t T = bt.fb.tokens.size(1);
    auto target = bt.fb.tokens.slice(1, 1, T);
    // The base was trained on solution tokens only: the problem's text is context, not a target.
    auto len = torch::tensor(bt.fb.lengths, torch::kInt64).to(target.device()).unsqueeze(1);
    auto at = torch::arange(1, T, torch::TensorOptions().dtype(torch::kInt64).device(target.device())).unsqueeze(0);
    auto mask = (at < len).logical_and(at >= bt.solutionStart.unsqueeze(1)).logical_and(target != tag);
    auto nll = -torch::log_softmax(logits.slice(1, 0, T - 1), -1).gather(2, target.unsqueeze(2)).squeeze(2);
    out.lm = (nll * mask).sum() / mask.sum().clamp_min(1);
  }
  return out;
}

// Logit of "good" minus "bad" at every tag of the batch.
torch::Tensor tagLogits(Engine& eng, Batch& bt, int32_t good, int32_t bad) { return forwardBatch(eng, bt, good, bad, 0, false).tags; }

struct Eval {
  double loss = 0, accuracy = 0;
  double finalAuroc = 0;  // the last tag's score against its label (right when > 0.5): NaN with one class only
  double withinAuroc = 0;  // the same among the solutions of one problem, averaged over problems with both
  int64_t mixedProblems = 0;
};

// One validation example's score logits, one per labelled step, with its labels and problem.
struct ScoredExample {
  size_t problem = 0;
  std::vector<double> logits;
  std::vector<float> labels;
};

Eval summarize(const std::vector<ScoredExample>& set) {
  double loss = 0;
  int64_t tags = 0, decided = 0, right = 0;
  std::vector<stats::ScoredSample> finals;
  std::map<size_t, std::vector<stats::ScoredSample>> byProblem;
  for (const auto& e : set) {
    for (size_t k = 0; k < e.logits.size(); ++k) {
      const double z = e.logits[k], y = e.labels[k];
      loss += std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z)));  // soft cross-entropy with logits
      tags += 1;
      if (std::abs(y - 0.5) > 1e-6) {
        decided += 1;
        right += (z > 0) == (y > 0.5) ? 1 : 0;
      }
    }
    if (e.logits.empty()) continue;
    finals.push_back({e.logits.back(), e.labels.back() > 0.5f});
    byProblem[e.problem].push_back(finals.back());
  }
  std::vector<std::vector<stats::ScoredSample>> groups;
  for (auto& [problem, scored] : byProblem) groups.push_back(std::move(scored));
  const auto within = stats::aurocWithinGroups(groups);
  const auto mixed = static_cast<int64_t>(within.size());
  return {tags ? loss / static_cast<double>(tags) : 0.0, decided ? static_cast<double>(right) / static_cast<double>(decided) : 0.0,
          stats::auroc(finals), mixed ? std::accumulate(within.begin(), within.end(), 0.0) / static_cast<double>(mixed) : std::numeric_limits<double>::quiet_NaN(),
          mixed};
}

Eval evaluate(Engine& eng, const std::vector<Encoded>& set, int32_t good, int32_t bad, int batch) {
  torch::NoGradGuard ng;
  std::vector<ScoredExample> scored;
  for (size_t i = 0; i < set.size(); i += static_cast<size_t>(batch)) {
    std::vector<const Encoded*> part;
    for (size_t j = i; j < std::min(set.size(), i + static_cast<size_t>(batch)); ++j) part.push_back(&set[j]);
    Batch bt = makeBatch(part, eng.device());
    if (bt.label.numel() == 0) continue;
    auto zc = tagLogits(eng, bt, good, bad).to(torch::kCPU).to(torch::kFloat64).contiguous();
    const double* z = zc.data_ptr<double>();
    for (const auto* e : part) {
      scored.push_back({e->problem, std::vector<double>(z, z + e->tags.size()), e->labels});
      z += e->tags.size();
    }
  }
  return summarize(scored);
}

void fillReport(PrmTrainReport& rep, const Eval& before, const Eval& after) {
  rep.validationLossBefore = before.loss;
  rep.validationAccuracyBefore = before.accuracy;
  rep.validationFinalAurocBefore = before.finalAuroc;
  rep.validationWithinAurocBefore = before.withinAuroc;
  rep.validationMixedProblems = before.mixedProblems;
  rep.validationLossAfter = after.loss;
  rep.validationAccuracyAfter = after.accuracy;
  rep.validationFinalAurocAfter = after.finalAuroc;
  rep.validationWithinAurocAfter = after.withinAuroc;
}

// The mean label entropy (nats) of the validation labels: the loss a perfect predictor reaches.
double labelEntropy(const std::vector<std::vector<float>>& labels, int64_t& count) {
  double entropy = 0;
  count = 0;
  for (const auto& ls : labels)
    for (float y : ls) {
      count += 1;
      if (y > 0 && y < 1) entropy -= y * std::log(y) + (1 - y) * std::log(1 - y);
    }
  return count ? entropy / static_cast<double>(count) : 0.0;
}

// PrmTrainParams::head == "likelihood": features of every labelled step from the base's token
// log-probabilities, a logistic head fitted to the training labels, the base's files saved with it.
Result<PrmTrainReport> trainLikelihoodHead(const std::vector<PrmExample>& examples, const PrmTrainParams& p, const RunContext* ctx,
                                           const std::function<void(const PrmTrainStep&)>& onStep) {
  if (p.slipped > 0 || p.lmWeight > 0)
    return makeError(ErrorCode::InvalidInput, "PRM training: the likelihood head trains none of the base's weights, so slipped and lm_weight do not apply");
  if (model::configSection(p.base, "prm").is_object())
    return makeError(ErrorCode::InvalidInput, p.base + ": already a PRM (its config.json has a \"prm\" section); the likelihood head reads a plain causal LM");
  verify::PrmParams pp;
  pp.device = p.device;
  pp.device.dtype = "float32";
  pp.likelihoodHead = verify::LikelihoodHead{};
  auto prm = verify::ProcessRewardModel::load(p.base, pp);
  if (!prm) return prm.error();
  std::vector<size_t> usable;
  for (size_t i = 0; i < examples.size(); ++i)
    if (!examples[i].steps.empty() && examples[i].steps.size() == examples[i].labels.size()) usable.push_back(i);
  const int64_t skipped = static_cast<int64_t>(examples.size() - usable.size());
  if (usable.size() < 2) return makeError(ErrorCode::InvalidInput, "PRM training: fewer than 2 usable examples (" + std::to_string(skipped) + " skipped)");
  const size_t nVal = std::clamp<size_t>(static_cast<size_t>(std::llround(p.validationFraction * static_cast<double>(usable.size()))), 1, usable.size() - 1);
  // Features, one batched pass per run of examples of the same problem.
  std::map<std::string, size_t> problems;
  std::vector<std::vector<verify::LikelihoodFeatures>> features(usable.size());
  for (size_t a = 0; a < usable.size();) {
    if (ctx && ctx->cancelled()) return makeError(ErrorCode::Cancelled, "PRM training cancelled while reading the base's log-probabilities");
    if (ctx) ctx->report(static_cast<int64_t>(a), static_cast<int64_t>(usable.size()), "reading the base's token log-probabilities");
    const std::string& problem = examples[usable[a]].problem;
    size_t b = a;
    std::vector<std::vector<std::string>> solutions;
    for (; b < usable.size() && examples[usable[b]].problem == problem; ++b) solutions.push_back(examples[usable[b]].steps);
    auto f = (*prm)->stepFeaturesBatch(problem, solutions);
    if (!f) return makeError(f.error().code, "PRM training: " + f.error().message);
    for (size_t k = a; k < b; ++k) features[k] = std::move((*f)[k - a]);
    a = b;
  }
  const size_t nTrain = usable.size() - nVal;
  std::vector<verify::LikelihoodFeatures> x;
  std::vector<double> y;
  PrmTrainReport rep;
  rep.trainExamples = static_cast<int64_t>(nTrain);
  rep.validationExamples = static_cast<int64_t>(nVal);
  for (size_t k = 0; k < nTrain; ++k)
    for (size_t s = 0; s < features[k].size(); ++s) {
      x.push_back(features[k][s]);
      y.push_back(std::clamp(examples[usable[k]].labels[s], 0.0, 1.0));
    }
  rep.trainTags = static_cast<int64_t>(x.size());
  auto fit = verify::fitLikelihoodHead(x, y, static_cast<int>(std::min<int64_t>(p.steps, 1000000)), 1e-4,
                                       [&](int it, double loss) {
                                         if (onStep) onStep({it, loss});
                                       });
  if (!fit) return fit.error();
  // Validation: before, the constant head at the training labels' mean (where the fit starts); after, the fitted head.
  auto start = verify::fitLikelihoodHead(x, y, 0);
  if (!start) return start.error();
  std::vector<ScoredExample> before, after;
  std::vector<std::vector<float>> valLabels;
  for (size_t k = nTrain; k < usable.size(); ++k) {
    const size_t problem = problems.emplace(examples[usable[k]].problem, problems.size()).first->second;
    std::vector<double> logitsBefore, logitsAfter;
    std::vector<float> labels;
    for (size_t s = 0; s < features[k].size(); ++s) {
      logitsBefore.push_back(start->head.logit(features[k][s]));
      logitsAfter.push_back(fit->head.logit(features[k][s]));
      labels.push_back(static_cast<float>(std::clamp(examples[usable[k]].labels[s], 0.0, 1.0)));
    }
    before.push_back({problem, std::move(logitsBefore), labels});
    after.push_back({problem, std::move(logitsAfter), labels});
    valLabels.push_back(std::move(labels));
  }
  rep.labelEntropy = labelEntropy(valLabels, rep.validationTags);
  fillReport(rep, summarize(before), summarize(after));
  // Saved as the base's own files (its weights as loaded), the head in config.json.
  auto& base = (*prm)->languageModel();
  LENS_TRY_STATUS(internal::saveFineTuned(base.config(), base.engine().weights(), p.base, p.outDir, p.saveDtype, [&](json& cj) {
    cj["prm"] = {{"kind", "likelihood"}, {"head", fit->head.toJson()}};
  }));
  json manifest = {{"base", p.base}, {"head", "likelihood"}, {"iterations", fit->losses.size() - 1}, {"seed", p.seed},
                   {"fitted", fit->head.toJson()}, {"train_loss_before", fit->losses.front()}, {"train_loss_after", fit->losses.back()},
                   {"skipped_examples", skipped}, {"report", rep.toJson()}, {"command", p.command}};
  LENS_TRY_STATUS(writeJsonFile((fs::path(p.outDir) / "prm_train.json").string(), manifest));
  return rep;
}

}  // namespace

Result<PrmTrainReport> trainPrm(const std::vector<PrmExample>& examples, const PrmTrainParams& p, const RunContext* ctx,
                                const std::function<void(const PrmTrainStep&)>& onStep) {
  if (p.outDir.empty()) return makeError(ErrorCode::InvalidInput, "PRM training: no output folder");
  if (p.steps < 1 || p.batch < 1 || !(p.lr > 0)) return makeError(ErrorCode::InvalidInput, "PRM training: steps, batch and lr must be positive");
  if (p.head == "likelihood") return trainLikelihoodHead(examples, p, ctx, onStep);
  if (p.head != "tag") return makeError(ErrorCode::InvalidInput, "PRM training: head '" + p.head + "' (tag, likelihood)");
  model::DeviceParams dp = p.device;
  dp.dtype = "float32";
  auto base = model::Model::load(p.base, dp);
  if (!base) return base.error();
  const auto* tok = (*base)->tokenizer();
  if (!tok) return makeError(ErrorCode::InvalidInput, p.base + ": a PRM needs the base model's tokenizer.json");
  int32_t ids[3];
  const std::string texts[3] = {p.stepTag, p.goodToken, p.badToken};
  const char* roles[3] = {"step tag", "good token", "bad token"};
  for (int i = 0; i < 3; ++i) {
    auto e = tok->encode(texts[i], false);
    if (e.size() != 1) return makeError(ErrorCode::InvalidInput, p.base + ": the " + std::string(roles[i]) + " must be one token of its tokenizer");
    ids[i] = e[0];
  }
  // Encode: tags cut by max_tokens drop their steps; examples with a tag inside their text are refused.
  std::map<std::string, size_t> problems;
  auto encode = [&](const PrmExample& ex, size_t source) -> std::optional<Encoded> {
    if (ex.steps.size() != ex.labels.size() || ex.steps.empty()) return std::nullopt;
    Encoded e;
    e.source = source;
    e.problem = problems.emplace(ex.problem, problems.size()).first->second;
    e.solutionStart = static_cast<int64_t>(tok->encode(verify::stepTagInput(ex.problem, {}, p.stepTag), true).size());
    e.ids = tok->encode(verify::stepTagInput(ex.problem, ex.steps, p.stepTag), true);
    for (size_t t = 0; t < e.ids.size(); ++t)
      if (e.ids[t] == ids[0]) e.tags.push_back(static_cast<int64_t>(t));
    if (e.tags.size() != ex.steps.size()) return std::nullopt;
    for (size_t k = 0; k < e.tags.size(); ++k) e.labels.push_back(static_cast<float>(std::clamp(ex.labels[k], 0.0, 1.0)));
    while (!e.tags.empty() && e.tags.back() >= p.maxTokens) {
      e.tags.pop_back();
      e.labels.pop_back();
    }
    if (e.tags.empty()) return std::nullopt;
    e.ids.resize(static_cast<size_t>(e.tags.back() + 1));
    return e;
  };
  std::vector<Encoded> enc;
  int64_t skipped = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    if (auto e = encode(examples[i], i))
      enc.push_back(std::move(*e));
    else
      ++skipped;
  }
  if (enc.size() < 2) return makeError(ErrorCode::InvalidInput, "PRM training: fewer than 2 usable examples (" + std::to_string(skipped) + " skipped)");
  const size_t nVal = std::clamp<size_t>(static_cast<size_t>(std::llround(p.validationFraction * static_cast<double>(enc.size()))), 1, enc.size() - 1);
  std::vector<Encoded> val(std::make_move_iterator(enc.end() - static_cast<std::ptrdiff_t>(nVal)), std::make_move_iterator(enc.end()));
  enc.resize(enc.size() - nVal);

  PrmTrainReport rep;
  if (p.slipped > 0) {
    // Slipped copies of right training solutions (PrmTrainParams::slipped), after the split so that
    // no validation problem is copied.
    std::mt19937_64 rng(p.seed * 0x9e3779b97f4a7c15ULL + 0x51);
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    const size_t n = enc.size();
    for (size_t i = 0; i < n; ++i) {
      const PrmExample& src = examples[enc[i].source];
      if (src.labels.back() < 0.5 || coin(rng) >= p.slipped) continue;
      std::vector<size_t> withResult;
      for (size_t k = 0; k < src.steps.size(); ++k)
        if (mathdata::withSlippedResult(src.steps[k], 1)) withResult.push_back(k);
      if (withResult.empty()) continue;
      const size_t k = withResult[rng() % withResult.size()];
      int64_t delta = 1 + static_cast<int64_t>(rng() % 10);
      if (rng() & 1) delta = -delta;
      PrmExample copy;
      copy.problem = src.problem;
      copy.steps.assign(src.steps.begin(), src.steps.begin() + static_cast<std::ptrdiff_t>(k + 1));
      copy.labels.assign(src.labels.begin(), src.labels.begin() + static_cast<std::ptrdiff_t>(k + 1));
      copy.steps[k] = *mathdata::withSlippedResult(src.steps[k], delta);
      copy.labels[k] = 0.0;
      if (auto e = encode(copy, enc[i].source)) {
        enc.push_back(std::move(*e));
        rep.slippedExamples += 1;
      }
    }
  }
  rep.trainExamples = static_cast<int64_t>(enc.size());
  rep.validationExamples = static_cast<int64_t>(val.size());
  for (const auto& e : enc) rep.trainTags += static_cast<int64_t>(e.tags.size());
  std::vector<std::vector<float>> valLabels;
  for (const auto& e : val) valLabels.push_back(e.labels);
  rep.labelEntropy = labelEntropy(valLabels, rep.validationTags);

  const auto& cfg = (*base)->config();
  try {
    Engine eng(cfg, Engine::trainableCopy((*base)->engine().weights()), (*base)->engine().device(), torch::kFloat32);
    auto params = Engine::parameters(eng.weights());
    for (auto& t : params) t.set_requires_grad(true);
    const Eval before = evaluate(eng, val, ids[1], ids[2], p.batch);
    LENS_TRY_STATUS(internal::adamWLoop(params, enc.size(), p, ctx, "training the PRM",
                                        [&](const std::vector<size_t>& idx) {
                                          std::vector<const Encoded*> part;
                                          for (size_t i : idx) part.push_back(&enc[i]);
                                          Batch bt = makeBatch(part, eng.device());
                                          auto f = forwardBatch(eng, bt, ids[1], ids[2], ids[0], p.lmWeight > 0);
                                          auto loss = torch::binary_cross_entropy_with_logits(f.tags, bt.label);
                                          return p.lmWeight > 0 ? loss + p.lmWeight * f.lm : loss;
                                        },
                                        [&](int64_t step, double loss) {
                                          if (onStep) onStep({step, loss});
                                        }));
    fillReport(rep, before, evaluate(eng, val, ids[1], ids[2], p.batch));

    // Save as a step-tag PRM: the base's files, the trained weights, and the tokens in config.json.
    LENS_TRY_STATUS(internal::saveFineTuned(cfg, eng.weights(), p.base, p.outDir, p.saveDtype, [&](json& cj) {
      cj["prm"] = {{"step_tag", p.stepTag}, {"good_token", p.goodToken}, {"bad_token", p.badToken}};
    }));
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "PRM training");
  }
  json manifest = {{"base", p.base}, {"steps", p.steps}, {"batch", p.batch}, {"lr", p.lr}, {"seed", p.seed}, {"lm_weight", p.lmWeight}, {"slipped", p.slipped},
                   {"step_tag", p.stepTag}, {"good_token", p.goodToken}, {"bad_token", p.badToken}, {"skipped_examples", skipped},
                   {"report", rep.toJson()}, {"command", p.command}};
  LENS_TRY_STATUS(writeJsonFile((fs::path(p.outDir) / "prm_train.json").string(), manifest));
  return rep;
}

}  // namespace lens::train
