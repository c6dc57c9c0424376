// SPDX-License-Identifier: GPL-3.0-or-later
// The torch side of the transformer: weights, the batched forward pass over a slot-based KV
// cache, and the sampling kernels. Include only from lens_core .cpp files and tests.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/model/config.h"
#include "core/model/generate_params.h"
#include "core/tensor_io/safetensors.h"

namespace lens::tensor_io {
class Checkpoint;
}
namespace lens::text {
class Tokenizer;
}

namespace lens::model::internal {

// Translates libtorch exceptions into lens errors at the core boundary.
Error translateTorchError(const std::exception& e, const std::string& where);
torch::Tensor toTorch(const tensor_io::TensorView& t);  // a copy, in the stored dtype, on CPU
torch::ScalarType parseScalarType(const std::string& name);
std::string scalarTypeName(torch::ScalarType t);

struct LayerWeights {
  torch::Tensor inputNorm, postNorm;
  torch::Tensor wqkv, bqkv;     // q, k, v projections fused along the output dim
  torch::Tensor qNorm, kNorm;   // Qwen3: [headDim] RMSNorm weights of each query / key head; undefined otherwise
  torch::Tensor wo, bo;
  torch::Tensor wGateUp, bGateUp;  // gate and up fused along the output dim
  torch::Tensor wDown, bDown;
  // Duo models: the small FFN of the layer (same SwiGLU form, narrower); undefined otherwise.
  torch::Tensor wSmallGateUp, bSmallGateUp, wSmallDown, bSmallDown;
  // A low-rank small FFN (config duo_small_rank > 0): wSmallGateUp holds the gate's and the up's
  // first factors [2·rank, hidden], wSmallDown the down's first factor [rank, small]; these hold the
  // second factors: gate and up [small, rank] each, down [hidden, rank]. Undefined for a dense one.
  torch::Tensor wSmallGateB, wSmallUpB, wSmallDownB;
  bool hasSmall() const { return wSmallGateUp.defined(); }
  bool smallIsLowRank() const { return wSmallDownB.defined(); }
  // Every tensor slot of the layer, defined or not, in one fixed order (copies, counts, exports).
  std::vector<torch::Tensor*> slots() {
    return {&inputNorm, &postNorm, &wqkv, &bqkv, &qNorm, &kNorm, &wo, &bo, &wGateUp, &bGateUp, &wDown, &bDown,
            &wSmallGateUp, &bSmallGateUp, &wSmallDown, &bSmallDown, &wSmallGateB, &wSmallUpB, &wSmallDownB};
  }
  std::vector<const torch::Tensor*> slots() const {
    auto s = const_cast<LayerWeights*>(this)->slots();
    return {s.begin(), s.end()};
  }
};

struct Weights {
  torch::Tensor embed;   // [vocab, hidden]
  torch::Tensor finalNorm;
  torch::Tensor lmHead;  // [vocab, hidden]; the embedding itself when tied
  std::vector<LayerWeights> layers;
};

// Per-slot KV storage: K and V for every layer as [slots, kvHeads, capacity, headDim], allocated
// once. A slot holds one sequence; forking copies a prefix from one slot to another.
class KvCache {
 public:
  KvCache(const ModelConfig& c, int64_t slots, int64_t capacity, const torch::TensorOptions& opts);
  int64_t slots() const { return m_slots; }
  int64_t capacity() const { return m_capacity; }
  size_t layers() const { return m_k.size(); }
  torch::Tensor& k(size_t layer) { return m_k[layer]; }
  torch::Tensor& v(size_t layer) { return m_v[layer]; }
  // Copies positions [0, length) of slot `from` into slot `to` (prefix sharing, beam forks).
  void copyPrefix(int64_t from, int64_t to, int64_t length);
  // Copies positions [0, length) of `from`'s slots into this cache's slots (same layout).
  void copyFrom(KvCache& other, int64_t fromSlot, int64_t toSlot, int64_t length);
  // Scratch matrix `index` of [rows, cols] for the decoding step, kept from step to step (grown
  // when a step needs more, never shrunk), so that steps do not allocate their intermediates.
  torch::Tensor scratch(size_t index, int64_t rows, int64_t cols);
  // Engine::decodeLayers uses scratch matrices 0-5; Engine::forward writes a fused step's logits
  // into this one when asked (each step's logits then overwrite the last's).
  static constexpr size_t kLogitsScratch = 6;

 private:
  int64_t m_slots, m_capacity;
  std::vector<torch::Tensor> m_k, m_v, m_scratch;
};

// Rows whose first positions equal another slot's (see ForwardBatch::shared).
struct SharedPrefix {
  std::vector<int64_t> slot, length;
};

// One forward call over a batch of rows, each row a slot of the cache.
struct ForwardBatch {
  torch::Tensor tokens;           // [B, T] int64 on the device, right-padded
  std::vector<int64_t> slots;     // [B] cache slot of each row
  std::vector<int64_t> startPos;  // [B] position of tokens[b][0] (= tokens already in the slot)
  std::vector<int64_t> lengths;   // [B] valid tokens in row b (1..T)
  // Duo routes [B, T, layers] (integer codes: 0 skip, 1 small, 2 big) on the device; undefined
  // runs every token through the big FFN (the plain model).
  torch::Tensor routes;
  // A router deciding the routes layer by layer (trained routers): called with the FFN input
  // h [B, T, hidden] of layer `layer`, it returns either integer route codes [B, T] or float gates
  // [B, T, 3] (skip, small, big) that mix the modules' outputs (differentiable; both modules run on
  // every token); an undefined tensor runs the big FFN. Takes precedence over `routes`.
  std::function<torch::Tensor(size_t layer, const torch::Tensor& h)> router;
  // Optional, for one-token steps: row b's cache positions [0, shared.length[b]) equal those of
  // slot shared.slot[b] (the prompt of several samples), which the CPU decoding step then reads once
  // for all such rows. Every row's own slot must hold them too (other paths read only that).
  SharedPrefix shared;
};

// Decoding-step attention on the CPU in float32: q [B, heads, headDim] (one new token per row, at
// positions[b], whose K/V are already in the cache) against slot slots[b] of the caches
// [slots, kvHeads, capacity, headDim], causal (and within the sliding window). Returns [B, heads *
// headDim]. Engine::decodeLayers calls it; elsewhere the batched matmul path serves.
// `shared` (optional): row b's positions [0, length[b]) hold the same K/V as those of slot slot[b]
// (length 0: nothing shared). Rows that share a prefix read it once per chunk of 8 rows, all their
// query heads together, and merge it with their own positions (log-sum-exp); where a row's
// sliding window does not cover the whole prefix it reads its own slot as usual.
torch::Tensor decodeAttention(const torch::Tensor& q, const torch::Tensor& kCache, const torch::Tensor& vCache,
                              const std::vector<int64_t>& slots, const std::vector<int64_t>& positions,
                              std::optional<int64_t> slidingWindow, double scale, const torch::Tensor& out = {},
                              const SharedPrefix* shared = nullptr);

// The decoding step's other small operations on the CPU in float32, one pass each
// (decode_ops.cpp). rmsNormRows: x [..., hidden] normalised by w [hidden] → [rows, hidden].
// ropeIntoCache: qkv [B, (heads + 2 kvHeads) headDim] of one token per row → the rotated queries
// [B, heads, headDim]; the rotated keys and the values go straight into slot slots[b] at
// positions[b] of the caches. siluMulRows: [rows, 2f] (gate | up) → silu(gate) * up [rows, f].
// Each writes into `out` when given (contiguous float32 of the result's size), else a new tensor.
// decodeOutput: that rule for every decoding operation (decodeAttention included): `out` checked
// and viewed as [rows, cols], or a new [rows, cols] matrix with `like`'s options; `what` names the
// operation in the error.
torch::Tensor decodeOutput(const torch::Tensor& out, int64_t rows, int64_t cols, const torch::Tensor& like, const char* what);
torch::Tensor rmsNormRows(const torch::Tensor& x, const torch::Tensor& w, double eps, const torch::Tensor& out = {});
torch::Tensor ropeIntoCache(const torch::Tensor& qkv, const std::vector<int64_t>& slots, const std::vector<int64_t>& positions,
                            const torch::Tensor& invFreq, torch::Tensor& kCache, torch::Tensor& vCache, int64_t heads,
                            const torch::Tensor& qOut = {});
torch::Tensor siluMulRows(const torch::Tensor& gateUp, const torch::Tensor& out = {});
// The decoding step's weight products (decode_gemm.cpp): out = in · wᵀ (+ bias), or out += that
// with `accumulate`; in [rows, k], w [n, k] as stored, bias [n] or undefined; `out` as for
// decodeOutput (required to accumulate). Contiguous float32 CPU operands on a CPU with AVX-512 go
// through a kernel that reads the weights as they lie (no packing); the rest through the BLAS.
// `how` forces one of the two (Kernel throws where it does not apply; the tests compare them).
enum class WeightProduct { Auto, Kernel, Blas };
torch::Tensor rowsTimesWeights(const torch::Tensor& in, const torch::Tensor& w, const torch::Tensor& bias = {}, const torch::Tensor& out = {},
                               bool accumulate = false, WeightProduct how = WeightProduct::Auto);
bool rowsTimesWeightsKernelAvailable();
// Plain sampling (temperature > 0, no top-k or top-p) of float32 CPU logits [B, vocab] in one pass
// per row: the same inverse-CDF draw and log-probabilities as sampleTokens. Returns false, touching
// nothing, where it does not apply (another device or dtype, non-finite logits).
bool samplePlainRows(const torch::Tensor& logits, float temperature, const std::vector<double>& uniforms, torch::Tensor& tokens,
                     torch::Tensor& logprobs);

// Per-layer K and V of a context, [kvHeads, positions, headDim] each (post-RoPE, as cached).
struct ContextKv {
  std::vector<torch::Tensor> k, v;
};

class Engine {
 public:
  Engine(ModelConfig config, Weights weights, torch::Device device, torch::ScalarType dtype);

  // Loads and checks every tensor the config implies; errors name the missing or misshapen tensor.
  static Result<Weights> loadWeights(const ModelConfig& c, const tensor_io::Checkpoint& ck,
                                     torch::Device device, torch::ScalarType dtype);
  static Weights randomWeights(const ModelConfig& c, uint64_t seed, torch::Device device, torch::ScalarType dtype);
  // A copy that autograd may use (loaded weights are inference tensors); tied heads stay tied.
  static Weights trainableCopy(const Weights& w);
  // The inverse of loadWeights: Hugging Face tensor names → tensors (fused q/k/v and gate/up split).
  static std::vector<std::pair<std::string, torch::Tensor>> exportWeights(const ModelConfig& c, const Weights& w);
  // Every distinct tensor of the weights (a tied head once).
  static std::vector<torch::Tensor> parameters(const Weights& w);

  const ModelConfig& config() const { return m_config; }
  torch::Device device() const { return m_device; }
  torch::ScalarType dtype() const { return m_dtype; }
  const Weights& weights() const { return m_weights; }
  torch::TensorOptions options() const { return torch::TensorOptions().device(m_device).dtype(m_dtype); }

  // Runs the rows, writes their K/V into the cache, returns float32 logits:
  // [B, T, vocab] when allLogits, else [B, vocab] at each row's last valid token. With
  // `logitsInScratch`, the fused CPU decoding step writes its logits into the cache's scratch
  // matrix kLogitsScratch instead of a new tensor, so they stay valid only until the next such
  // step (Model::generate samples them first); the other paths return a new tensor either way.
  torch::Tensor forward(const ForwardBatch& batch, KvCache& cache, bool allLogits, bool logitsInScratch = false);
  // Hidden states after the final norm (same shapes as forward, hidden instead of vocab).
  torch::Tensor hidden(const ForwardBatch& batch, KvCache& cache, bool allPositions);

  std::unique_ptr<KvCache> makeCache(int64_t slots, int64_t capacity) const;

  // The FFN of layer `l` on h [..., hidden] with per-token route codes `routes` (same leading
  // shape; undefined = all big). Tokens are gathered per module, so each module runs one matmul
  // over exactly the tokens that take it; skipped tokens get zero.
  torch::Tensor ffn(size_t l, const torch::Tensor& h, const torch::Tensor& routes) const;
  // The FFN of layer `l` with float gates [..., 3] (skip, small, big): gate·small + gate·big, both
  // modules on every token, so gradients reach the gates (router training).
  torch::Tensor gatedFfn(size_t l, const torch::Tensor& h, const torch::Tensor& gates) const;

  // Routed queries against a fixed context (the routing oracles' kernel). Row r evaluates every
  // query token q (token queryTokens[q] at position queryPos[q]) along its own route
  // candRoutes[r][q] ([R, Q, layers]); at each layer the query attends to the context's keys at
  // positions < queryPos[q] and to its own key, so the context is computed once and shared by all
  // rows. Returns the float32 logits [R, Q, vocab] (or the hidden states when !logits).
  torch::Tensor routedQueries(const ContextKv& context, const torch::Tensor& queryTokens, const std::vector<int64_t>& queryPos,
                              const torch::Tensor& candRoutes, bool logits = true);
  // K/V of slot `slot` of a cache, positions [0, length).
  static ContextKv contextOf(KvCache& cache, int64_t slot, int64_t length);

  // One-token steps on the CPU in float32 use the decoding kernels (decodeAttention, the fused
  // operations and the weight products of decodeLayers, and rowsTimesWeights for the LM head in
  // forward) when they apply; off, they take the tensor path like every other step (the benchmark
  // compares the two).
  void setDecodeKernel(bool on) { m_decodeKernel = on; }
  // Whether a forward of `fb`, T tokens per row, takes those kernels.
  bool fusedDecodeApplies(const ForwardBatch& fb, int64_t T) const;

 private:
  torch::Tensor rmsNorm(const torch::Tensor& x, const torch::Tensor& w) const;
  torch::Tensor applyRope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) const;
  // Qwen3's per-head RMSNorm of queries or keys x [..., heads, headDim] (x itself where the layer has none).
  torch::Tensor headNorm(const torch::Tensor& x, const torch::Tensor& w) const { return w.defined() ? rmsNorm(x, w) : x; }
  // One token per row on the CPU in float32 without gradients: the layers with the fused
  // operations above and in-place residual products. Returns x [B, hidden] before the final norm.
  torch::Tensor decodeLayers(const ForwardBatch& fb, KvCache& cache, const std::vector<int64_t>& positions);

  ModelConfig m_config;
  Weights m_weights;
  torch::Device m_device;
  torch::ScalarType m_dtype;
  torch::Tensor m_invFreq;  // [headDim / 2] float32 on the device
  bool m_decodeKernel = true;
};

// RoPE inverse frequencies [headDim / 2] in float32 (default, linear or llama3 scaling).
torch::Tensor ropeInverseFrequencies(const ModelConfig& c);

// Counter-based uniform in [0, 1): the draw of sample `stream` at `step`, independent of batching.
double uniformDraw(uint64_t seed, uint64_t stream, uint64_t step);

// Appends a sampled token to a sample (and its decoded bytes) and says whether the sample is done:
// EOS (unless ignored), a stop string in the decoded text (the text is cut after it), or
// maxNewTokens. `tokenizer` may be null (no stop strings then). Shared by generate() and sessions.
bool acceptToken(Sample& sample, std::string& bytes, int32_t token, float logprob, const SamplingParams& p, const ModelConfig& c,
                 const text::Tokenizer* tokenizer);

// Picks one token per row of float32 logits [B, vocab]; `uniforms` are the rows' draws.
// Returns (tokens [B] int64, logprobs [B] float32 of the chosen tokens under the raw model).
std::pair<torch::Tensor, torch::Tensor> sampleTokens(const torch::Tensor& logits, const SamplingParams& p,
                                                     const std::vector<double>& uniforms);

}  // namespace lens::model::internal
