// SPDX-License-Identifier: GPL-3.0-or-later
// FLOPs accounting. Snell et al. 2024 (§7, after Kaplan et al. 2020): a forward pass costs about
// 2·N FLOPs per token and training about 6·N per token, N the parameter count. tokenFlops() is the
// exact count for one token of a given route and context: the single function that route costs,
// budgets and inference accounting share.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace lens::model {
struct ModelConfig;
}

namespace lens::flops {

inline double inferenceFlops(int64_t parameters, double tokens) { return 2.0 * static_cast<double>(parameters) * tokens; }
inline double trainingFlops(int64_t parameters, double tokens) { return 6.0 * static_cast<double>(parameters) * tokens; }

// FLOPs of one FFN module (2 per multiply-add of its three matmuls) for one token; route code
// 0 skip, 1 small, 2 big.
double ffnFlops(const model::ModelConfig& c, uint8_t code);

// FLOPs of one token's forward pass: at every layer the q/k/v/o projections, the attention scores
// and weighted sum over `keys` cached positions (the token itself included; capped by a sliding
// window), the FFN its route takes, then the LM head. `route` has one code per layer; nullptr is
// all big (the plain model). Norms, activations, biases and the softmax (O(hidden) per token) are
// not counted.
double tokenFlops(const model::ModelConfig& c, const uint8_t* route, int64_t keys);

// tokenFlops without the attention over the context (the part of the cost a route decides).
double tokenMatmulFlops(const model::ModelConfig& c, const uint8_t* route);

// Attention FLOPs over `keys` attended keys in all (a token at position p attends to p + 1 keys,
// capped by a sliding window): the scores and the weighted sum, at every layer, as in tokenFlops.
double attentionFlops(const model::ModelConfig& c, double keys);
// Keys attended by the tokens at positions [from, to) of one sequence: sum of min(p + 1, window).
double attendedKeys(const model::ModelConfig& c, int64_t from, int64_t to);

// Matmul FLOPs (as tokenMatmulFlops) of tokens whose modules were counted: counts[l][code] tokens
// took module `code` (0 skip, 1 small, 2 big) at layer l; every layer counts the same tokens. A
// router's own cost (its logits: 2·3·hidden per token and layer) is added when `router` is set.
double countedMatmulFlops(const model::ModelConfig& c, const std::vector<std::array<int64_t, 3>>& counts, bool router = false);

}  // namespace lens::flops
