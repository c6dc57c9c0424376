// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/train/revision_trainer.h"

#include <torch/torch.h>

#include <filesystem>

#include "core/common/atomic_file.h"
#include "core/common/hash.h"
#include "core/mathdata/prompt.h"
#include "core/model/model.h"
#include "core/text/tokenizer.h"
#include "core/train/internal/finetune.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lens::train {

using model::internal::Engine;

json RevisionTrainReport::toJson() const {
  return {{"train_examples", trainExamples},
          {"validation_examples", validationExamples},
          {"skipped_examples", skippedExamples},
          {"dropped_attempts", droppedAttempts},
          {"mean_previous_attempts", meanPrevious},
          {"max_previous_attempts", maxPreviousSeen},
          {"validation_loss_before", validationLossBefore},
          {"validation_loss_after", validationLossAfter},
          {"revision_loss_before", revisionLossBefore},
          {"revision_loss_after", revisionLossAfter}};
}

namespace {

struct Encoded {
  std::vector<int32_t> ids;
  int64_t targetStart = 0;  // the first target token
  int previous = 0;         // earlier attempts kept
};

// Inputs, targets and the loss mask (1 on target tokens) of a right-padded batch.
struct Batch {
  model::internal::ForwardBatch fb;
  torch::Tensor targets, mask;
};

Batch makeBatch(const std::vector<const Encoded*>& ex, torch::Device device) {
  int64_t T = 0;
  for (const auto* e : ex) T = std::max<int64_t>(T, static_cast<int64_t>(e->ids.size()) - 1);
  const int64_t B = static_cast<int64_t>(ex.size());
  auto x = torch::zeros({B, T}, torch::kInt64), y = torch::zeros({B, T}, torch::kInt64);
  auto m = torch::zeros({B, T}, torch::kFloat32);
  auto xa = x.accessor<int64_t, 2>(), ya = y.accessor<int64_t, 2>();
  auto ma = m.accessor<float, 2>();
  Batch out;
  for (int64_t b = 0; b < B; ++b) {
    const auto& e = *ex[static_cast<size_t>(b)];
    const int64_t n = static_cast<int64_t>(e.ids.size()) - 1;
    for (int64_t t = 0; t < n; ++t) {
      xa[b][t] = e.ids[static_cast<size_t>(t)];
      ya[b][t] = e.ids[static_cast<size_t>(t + 1)];
      ma[b][t] = t + 1 >= e.targetStart ? 1.0f : 0.0f;
    }
    out.fb.slots.push_back(b);
    out.fb.startPos.push_back(0);
    out.fb.lengths.push_back(n);
  }
  out.fb.tokens = x.to(device);
  out.targets = y.to(device);
  out.mask = m.to(device);
  return out;
}

// Summed target-token NLL and the number of target tokens.
std::pair<torch::Tensor, torch::Tensor> targetNll(Engine& eng, Batch& bt) {
  auto cache = eng.makeCache(bt.fb.tokens.size(0), bt.fb.tokens.size(1));
  auto lp = torch::log_softmax(eng.forward(bt.fb, *cache, /*allLogits=*/true), -1);
  auto nll = -lp.gather(-1, bt.targets.unsqueeze(-1)).squeeze(-1);
  return {(nll * bt.mask).sum(), bt.mask.sum()};
}

// Nats per target token over all examples and over those with earlier attempts (all routes big).
std::pair<double, double> evaluate(Engine& eng, const std::vector<Encoded>& set, int batch) {
  torch::NoGradGuard ng;
  double all = 0, allN = 0, rev = 0, revN = 0;
  for (size_t i = 0; i < set.size(); i += static_cast<size_t>(batch)) {
    std::vector<const Encoded*> part;
    for (size_t j = i; j < std::min(set.size(), i + static_cast<size_t>(batch)); ++j) part.push_back(&set[j]);
    Batch bt = makeBatch(part, eng.device());
    auto cache = eng.makeCache(bt.fb.tokens.size(0), bt.fb.tokens.size(1));
    auto lp = torch::log_softmax(eng.forward(bt.fb, *cache, true), -1);
    auto perRow = ((-lp.gather(-1, bt.targets.unsqueeze(-1)).squeeze(-1)) * bt.mask).sum(1).cpu();
    auto counts = bt.mask.sum(1).cpu();
    for (size_t r = 0; r < part.size(); ++r) {
      const double s = perRow[static_cast<int64_t>(r)].item<double>(), n = counts[static_cast<int64_t>(r)].item<double>();
      all += s;
      allN += n;
      if (part[r]->previous > 0) {
        rev += s;
        revN += n;
      }
    }
  }
  return {allN > 0 ? all / allN : 0.0, revN > 0 ? rev / revN : 0.0};
}

}  // namespace

Result<RevisionTrainReport> trainRevisionModel(const std::vector<RevisionExample>& examples, const RevisionTrainParams& p,
                                               const RunContext* ctx, const std::function<void(const RevisionTrainStep&)>& onStep) {
  if (p.outDir.empty()) return makeError(ErrorCode::InvalidInput, "revision training: no output folder");
  if (p.steps < 1 || p.batch < 1 || !(p.lr > 0)) return makeError(ErrorCode::InvalidInput, "revision training: steps, batch and lr must be positive");
  model::DeviceParams dp = p.device;
  dp.dtype = "float32";
  auto base = model::Model::load(p.base, dp);
  if (!base) return base.error();
  const auto* tok = (*base)->tokenizer();
  if (!tok) return makeError(ErrorCode::InvalidInput, p.base + ": a revision model needs the base model's tokenizer.json");
  const auto& cfg = (*base)->config();
  if (cfg.eosTokenIds.empty()) return makeError(ErrorCode::InvalidInput, p.base + ": config.json names no eos_token_id to end the target with");
  const auto format = mathdata::resolvePromptFormat(mathdata::PromptFormat::Auto, tok);
  const mathdata::PromptParams pp;

  RevisionTrainReport rep;
  std::vector<Encoded> enc;
  for (const auto& ex : examples) {
    auto target = tok->encode(ex.target, false);
    target.push_back(cfg.eosTokenIds.front());
    Encoded e;
    for (size_t drop = 0; drop <= ex.previous.size(); ++drop) {
      std::vector<std::string> prev(ex.previous.begin() + static_cast<std::ptrdiff_t>(drop), ex.previous.end());
      auto ids = tok->encode(mathdata::formatRevisionPrompt(ex.problem, prev, format, pp), mathdata::addSpecialTokens(format));
      if (static_cast<int64_t>(ids.size() + target.size()) <= p.maxTokens) {
        e.targetStart = static_cast<int64_t>(ids.size());
        e.previous = static_cast<int>(prev.size());
        ids.insert(ids.end(), target.begin(), target.end());
        e.ids = std::move(ids);
        rep.droppedAttempts += static_cast<int64_t>(drop);
        break;
      }
    }
    if (e.ids.empty()) {
      ++rep.skippedExamples;
      continue;
    }
    rep.meanPrevious += e.previous;
    rep.maxPreviousSeen = std::max(rep.maxPreviousSeen, e.previous);
    enc.push_back(std::move(e));
  }
  if (enc.size() < 2)
    return makeError(ErrorCode::InvalidInput, "revision training: fewer than 2 usable examples (" + std::to_string(rep.skippedExamples) + " longer than max_tokens)");
  rep.meanPrevious /= static_cast<double>(enc.size());
  const size_t nVal = std::clamp<size_t>(static_cast<size_t>(std::llround(p.validationFraction * static_cast<double>(enc.size()))), 1, enc.size() - 1);
  std::vector<Encoded> val(std::make_move_iterator(enc.end() - static_cast<std::ptrdiff_t>(nVal)), std::make_move_iterator(enc.end()));
  enc.resize(enc.size() - nVal);
  rep.trainExamples = static_cast<int64_t>(enc.size());
  rep.validationExamples = static_cast<int64_t>(val.size());

  model::ModelConfig trained = cfg;
  trained.maxPositions = std::max(cfg.maxPositions, p.maxTokens);
  try {
    Engine eng(trained, Engine::trainableCopy((*base)->engine().weights()), (*base)->engine().device(), torch::kFloat32);
    auto params = Engine::parameters(eng.weights());
    for (auto& t : params) t.set_requires_grad(true);
    std::tie(rep.validationLossBefore, rep.revisionLossBefore) = evaluate(eng, val, p.batch);
    const bool duo = cfg.duoSmallIntermediateSize > 0;
    int64_t step = 0;
    LENS_TRY_STATUS(internal::adamWLoop(params, enc.size(), p, ctx, "training the revision model",
                                        [&](const std::vector<size_t>& idx) {
                                          std::vector<const Encoded*> part;
                                          for (size_t i : idx) part.push_back(&enc[i]);
                                          Batch bt = makeBatch(part, eng.device());
                                          if (duo)
                                            bt.fb.routes = internal::sampleRouteCodes(bt.fb.tokens.size(0), bt.fb.tokens.size(1), cfg.numLayers, p.routes,
                                                                                      splitmix64(p.seed ^ (0x7e71510ULL + static_cast<uint64_t>(step))), eng.device());
                                          ++step;
                                          auto [sum, count] = targetNll(eng, bt);
                                          return sum / count.clamp_min(1.0);
                                        },
                                        [&](int64_t s, double loss) {
                                          if (onStep) onStep({s, loss});
                                        }));
    std::tie(rep.validationLossAfter, rep.revisionLossAfter) = evaluate(eng, val, p.batch);
    LENS_TRY_STATUS(internal::saveFineTuned(trained, eng.weights(), p.base, p.outDir, p.saveDtype, [&](json& cj) {
      cj["max_position_embeddings"] = trained.maxPositions;
      // The most earlier attempts any training example showed: revisions default to it.
      cj["revision"] = {{"prompt", mathdata::promptFormatName(format)}, {"max_previous", rep.maxPreviousSeen}};
    }));
  } catch (const std::exception& e) {
    return model::internal::translateTorchError(e, "revision training");
  }
  json manifest = {{"base", p.base}, {"steps", p.steps}, {"batch", p.batch}, {"lr", p.lr}, {"seed", p.seed}, {"max_tokens", p.maxTokens},
                   {"routes", {{"big", p.routes.big}, {"small", p.routes.small}, {"skip", p.routes.skip}}},
                   {"report", rep.toJson()}, {"command", p.command}};
  LENS_TRY_STATUS(writeJsonFile((fs::path(p.outDir) / "revision_train.json").string(), manifest));
  return rep;
}

}  // namespace lens::train
