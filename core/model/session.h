// SPDX-License-Identifier: GPL-3.0-or-later
// A decoding session: sequences that live in the slots of one KV cache across calls, so a tree
// search extends, forks and drops them without recomputing shared prefixes (Snell et al. 2024:
// beam and lookahead search). A slot holds one sequence; its cache holds every token but the last,
// which is fed at the next extension (its logits start the next step). Torch-free interface.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/common/result.h"
#include "core/common/run_context.h"
#include "core/model/generate_params.h"

namespace lens::routing {
struct Router;
}

namespace lens::model {

class Model;

class DecodeSession {
 public:
  // `slots` sequences of up to `capacity` tokens each. The model must outlive the session.
  static Result<std::unique_ptr<DecodeSession>> open(Model& model, int64_t slots, int64_t capacity);
  ~DecodeSession();

  int64_t slots() const;
  int64_t capacity() const;
  int64_t length(int64_t slot) const;  // tokens in the slot's sequence
  const std::vector<int32_t>& tokens(int64_t slot) const;

  // Replaces the slot's sequence with `ids` (at least one token); prefills all but the last.
  Status start(int64_t slot, const std::vector<int32_t>& ids);
  // Makes `to` a copy of `from` (copies the cache prefix, not recomputed).
  Status fork(int64_t from, int64_t to);
  // Appends known tokens to the slot (e.g. a rollout's text forced back in); prefilled in one pass.
  Status append(int64_t slot, const std::vector<int32_t>& ids);

  // Samples a continuation of every listed slot at once (batched decoding), appending the sampled
  // tokens to the slots, until EOS, a stop string or maxNewTokens. streams[i] names the random stream
  // of slots[i] (draws come from (seed, stream, token index)), so results do not depend on batching.
  Result<std::vector<Sample>> extend(const std::vector<int64_t>& slots, const SamplingParams& sampling, uint64_t seed,
                                     const std::vector<uint64_t>& streams, const RunContext* ctx = nullptr);

  // Duo models: every token from now on takes this route (one code per layer: 0 skip, 1 small,
  // 2 big); empty = the plain model (all big). Errors when the model has no small FFNs.
  Status setRoute(const std::vector<uint8_t>& route);
  // Duo models: a trained router (routing::Router, copied) decides every token's module at every
  // layer from the layer's FFN input, for prefilled and decoded tokens alike; nullptr: back to the
  // fixed route. Errors when it does not fit the model. Takes precedence over setRoute.
  Status setRouter(const routing::Router* router);
  // Tokens that took each module at each layer since open(): [layer][code] (0 skip, 1 small, 2 big),
  // for flops::countedMatmulFlops.
  std::vector<std::array<int64_t, 3>> moduleCounts() const;
  bool routed() const;  // a router is set

  // Token counts since open(): prefilled (prompt-like, computed in parallel) and decoded (one per step).
  int64_t prefilledTokens() const;
  int64_t decodedTokens() const;
  // Keys attended by every token run since open() (flops::attentionFlops of it is the attention's cost).
  double attendedKeys() const;

 private:
  DecodeSession();
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace lens::model
