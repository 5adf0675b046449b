// Samplers for the Monte Carlo estimators: the curvature laws (atoms, minibatch, normal, uniform,
// sqnormal, xy, bivariate, scale, shift, mix) and the matrix laws of laws/matrix_law.hpp.
//
// Randomness: a block of draws is a pure function of (seed, block, replica) and of the sampler's
// own slots (one Philox counter word per random node), so the same seed gives the same bits on any
// number of threads. Probabilities of finite laws are rounded to binary64 for sampling (relative
// error 2^-53 per atom); values keep their exact rationals for the tail bounds.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/matrix_law.hpp"

namespace lyapcert::stats {

// Where log|m| may be clipped and what the clipping costs (Proof: STATS-TAIL-1, STATS-TAIL-2,
// STATS-CLIP-1). With X = log|m| and X_c = min(max(X, clip_low), clip_high):
//   E X_c - bias_low <= E X <= E X_c + bias_high.
struct TailBound {
  bool available = false;       // false: no certified tail bound for this law (reason in `why`)
  double clip_low = 0, clip_high = 0;
  double bias_low = 0, bias_high = 0;
  bool exact_zero_atom = false;  // an atom of m is exactly 0: Lambda = -inf exactly
  std::string why;
};

// The law of a scalar: a curvature law h, or (via multiplier_1d) the multiplier of a 1 x 1 law.
class ScalarSampler {
 public:
  struct Node;
  ScalarSampler() = default;
  explicit ScalarSampler(std::shared_ptr<const Node> root) : root_(std::move(root)) {}

  // Builds the sampler of a curvature-law expression. Random nodes take Philox slots from
  // `next_slot`. InputError for unknown laws, bad arguments (sigma < 0, a > b, probabilities not
  // summing to 1, ...).
  static ScalarSampler build(const laws::Value& expr, std::uint32_t& next_slot,
                             const laws::BuildOptions& options = {});

  // out[0..n): n i.i.d. draws, block `block` of replica `replica`.
  void fill(std::uint64_t seed, std::uint32_t block, std::uint32_t replica, double* out, std::size_t n) const;

  // Smallest interval known to contain the support, or nullopt when unbounded.
  std::optional<std::pair<double, double>> support() const;
  // Certified clipping for X = log|v|, v a draw of this sampler; eps: target for each bias.
  TailBound tail_bound(double eps) const;
  // Exact value when the law is a single atom (the constant entries of entries(...)).
  std::optional<exact::Rational> constant() const;

  // v -> alpha + beta v (exact coefficients).
  ScalarSampler affine(const exact::Rational& alpha, const exact::Rational& beta) const;

 private:
  friend class MatrixSampler;
  std::shared_ptr<const Node> root_;
};

// A = a0 I + a1 X for a base matrix X (finite, entries, Ginibre, a a^T).
class MatrixSampler {
 public:
  // InputError as for ScalarSampler::build.
  static MatrixSampler build(const laws::MatrixLaw& law, const laws::BuildOptions& options = {});

  int dim() const { return d_; }
  // out[s*d*d + i*d + j] = entry (i, j) of step s, s < n.
  void fill(std::uint64_t seed, std::uint32_t block, std::uint32_t replica, double* out, std::size_t n,
            double* scratch) const;
  // Scratch doubles fill() needs for n steps.
  std::size_t scratch_size(std::size_t n) const;

  // For d = 1: the multiplier's law as a scalar sampler (same draws as fill()).
  const ScalarSampler& multiplier_1d() const { return scalar_; }
  // B with ||A||_2 <= B almost surely (rounded up), or nullopt when unknown / unbounded.
  std::optional<double> norm_bound() const { return norm_bound_; }

 private:
  enum class Kind { scalar, finite, entries, ginibre, outer };
  int d_ = 1;
  Kind kind_ = Kind::scalar;
  double a0_ = 0, a1_ = 1;
  ScalarSampler scalar_;                    // d = 1
  std::vector<double> mats_;                // finite: k * d * d, already a0 I + a1 M
  std::vector<double> alias_prob_;          // finite
  std::vector<std::uint32_t> alias_idx_;    // finite
  std::vector<ScalarSampler> entry_;        // entries: random entries
  std::vector<int> entry_pos_;              // their positions i*d + j
  std::vector<double> entry_const_;         // entries: a0 I + a1 C (constants; random ones 0)
  std::uint32_t slot_ = 0;
  std::optional<double> norm_bound_;
};

// Walker/Vose alias table for probabilities p (sum 1): draw j with one 64-bit word.
void build_alias(const std::vector<double>& p, std::vector<double>& prob, std::vector<std::uint32_t>& idx);
inline std::uint32_t alias_draw(std::uint64_t w, const double* prob, const std::uint32_t* idx, std::size_t k) {
  const unsigned __int128 prod = static_cast<unsigned __int128>(w) * k;
  const auto j = static_cast<std::uint32_t>(prod >> 64);
  const double u = static_cast<double>(static_cast<std::uint64_t>(prod) >> 11) * 0x1.0p-53;
  return u < prob[j] ? j : idx[j];
}

}  // namespace lyapcert::stats
