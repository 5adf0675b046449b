// lyapcert::lyapnd internal: the transfer iteration of LYAPND-TRANS-1, -2 for d = 3, 4 on a regular cover of
// P^{d-1} by chart boxes. Proofs: proofs/lyapnd/transfer_nd.md (LYAPND-TRANS-10 the cover, -11 the image covers,
// -12 the cell bounds of h, -13 the block extremes, -14 memory).
//
// The cover: the d closed charts C_c = { [v] : |v_c| = max_j |v_j| } of poisson_nd.hpp, each cut into n^{d-1} closed
// boxes of side 2 / n in the chart coordinates u in [-1, 1]^{d-1}; cell index c n^{d-1} + sum_a k_a n^a (axis a the
// a-th coordinate j != c), k_a in [0, n). For each atom i and cell a the image cover R(i, a) is a union of at most d
// rectangular blocks of cells (one per chart that can hold M_i . C_a), or every cell when the enclosure fails.
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "lyapcert/fast/interval.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/internal/transfer.hpp"

namespace lyapcert::lyapnd::internal {

inline constexpr int kMaxTransferGrid = 1024;

struct ChartCover {
  int d = 3, n = 2;
  std::size_t per_chart() const;  // n^(d-1)
  std::size_t cells() const;      // d n^(d-1)
  // The closed box of cell q: its chart and the coordinate ranges lo[a] <= u_a <= hi[a] (exact binary64).
  int box(std::size_t q, double* lo, double* hi) const;
};

// An enclosure [l, u] of h over the chart box {[e_c + sum_a u_a e_{j_a}] : lo <= u <= hi}; false when it failed.
using BoxBoundsFn = std::function<bool(int chart, const double* lo, const double* hi, double& l, double& u)>;

// L_0(a) <= inf_{C_a} h and U_0(a) >= sup_{C_a} h on every cell (LYAPND-TRANS-12): one evaluation per cell, then
// the cells whose enclosure is wider than `refine_factor` times the median width are bisected once along every
// axis (2^(d-1) sub-boxes; the result is intersected with the whole-cell enclosure). A failed evaluation leaves
// (-inf, +inf). Returns false when the deadline stopped the first pass (lo / hi are then unusable).
bool cell_bounds_nd(const ChartCover& cover, const BoxBoundsFn& eval, double refine_factor,
                    std::chrono::steady_clock::time_point deadline, std::vector<double>& lo, std::vector<double>& hi);

struct TransferNdResult {
  double lower = 0, upper = 0;      // min_a L_J <= Lambda <= max_a U_J, the best over the steps done
  double h_lower = 0, h_upper = 0;  // the same at J = 0 (min L_0, max U_0)
  int steps = 0;                    // J
  bool stopped = false;             // the deadline ended the iteration
};

class AdaptiveTransferNd;

// The image covers of a finite family on a cover (LYAPND-TRANS-11) and the iteration (LYAPND-TRANS-1, -2).
class TransferNd {
 public:
  // Requires d = 3, 4, n a power of two in [2, kMaxTransferGrid]; atoms of probability 0 are dropped. With
  // word_length L > 1 each step applies P^L through the k^L words of length L (LYAPND-TRANS-16): the maximum over an
  // image block is then taken once per L steps of P instead of every step.
  TransferNd(const laws::FiniteMatrices& f, const ChartCover& cover, int word_length = 1);

  // Runs at most max_steps steps from L_0 = lo, U_0 = hi (overwritten with L_J, U_J); stops early at the deadline
  // or when the spread max U - min L stops shrinking (below 0.999 of its value ten steps earlier).
  TransferNdResult iterate(std::vector<double>& lo, std::vector<double>& hi, int max_steps,
                           std::chrono::steady_clock::time_point deadline) const;

  std::size_t atoms() const { return w_.lo.size(); }  // k^L words
  int word_length() const { return word_length_; }
  // Whether cell b belongs to R(i, a) (i among the words, atoms of positive probability in order, a word
  // i = i_1 + k i_2 + ... meaning M_{i_L} ... M_{i_1}); for tests.
  bool in_cover(std::size_t i, std::size_t a, std::size_t b) const;
  // Mean number of cells per image block (a measure of the expansion of the family on the cover).
  double mean_block_cells() const { return mean_block_cells_; }

  // Upper bound (bytes) of the working memory of construction plus iterate() (LYAPND-TRANS-14).
  static std::uint64_t memory_bytes(int d, int n, std::size_t atoms, int word_length = 1);

 private:
  friend class AdaptiveTransferNd;  // shares the blocks and image_blocks (LYAPND-TRANS-11 on its finest grid)
  struct Block {
    std::uint16_t kl[3], kh[3];  // cell index ranges per axis (inclusive)
    std::uint8_t chart;
    std::uint8_t whole;  // 1: the whole chart (its extreme is kept per step)
  };
  // The blocks of the image of the chart box (c, lo, hi) under M (interval d x d, row-major), merged per target
  // chart into hull / have; false when they cannot be bounded (every cell). Bisects up to `depth` times where a chart
  // would otherwise be taken whole. Proof: LYAPND-TRANS-11.
  static bool image_blocks(const fast::OutwardInterval* M, int d, int n, int c, const double* lo, const double* hi,
                           int depth, std::array<Block, 4>& hull, std::array<bool, 4>& have);
  ChartCover cover_;
  TransferWeights w_;
  std::vector<Block> blocks_;         // the blocks of R(i, a) for all (i, a), (i, a) in order a * k + i
  std::vector<std::uint32_t> first_;  // blocks of (i, a): [first_[a k + i], first_[a k + i + 1]); none = all cells
  int levels_ = 1;                    // sparse-table levels needed along axis 0
  int word_length_ = 1;
  double mean_block_cells_ = 0;
};

// The transfer iteration on an adaptive dyadic cover (LYAPND-TRANS-17, -18): the regular cover of grid n0 whose cells
// ("leaves") can be bisected along every axis, up to `depth` times, where the estimated stationary mass times the
// width of the bounds of h is largest. Image covers are computed on the finest grid nf = n0 2^depth (LYAPND-TRANS-11
// with n = nf) and the block extremes read from per-step max / min pyramids over that grid, so refining a cell
// sharpens both its own bounds and the blocks that meet it.
class AdaptiveTransferNd {
 public:
  // Requires d = 3, 4, n0 a power of two >= 2, depth >= 0 with n0 2^depth <= kMaxAdaptiveGrid, word_length in [1, 8].
  AdaptiveTransferNd(const laws::FiniteMatrices& f, int d, int n0, int depth, int word_length, BoxBoundsFn eval);
  static constexpr int kMaxAdaptiveGrid = 4096;

  // Bounds of h (LYAPND-TRANS-12 with the evaluator, intersected with the parent's: LYAPND-TRANS-18) and image
  // covers of the leaves made since the last call. false: the deadline stopped it (the object is then unusable).
  bool build(std::chrono::steady_clock::time_point deadline);
  // J steps from L_0, U_0 = the leaves' bounds of h (lo / hi are overwritten with L_J, U_J per leaf), stopping as
  // TransferNd::iterate but on 0.995 over five steps. Requires a completed build().
  TransferNdResult iterate(std::vector<double>& lo, std::vector<double>& hi, int max_steps,
                           std::chrono::steady_clock::time_point deadline) const;
  // Heuristic (LYAPND-TRANS-18): splits the leaves of largest estimated stationary mass times bound width (mass from
  // `mass_steps` steps of a transport spreading each leaf's mass over its image blocks) until they carry `fraction`
  // of the total, at most max_new_leaves new leaves; returns the number of leaves split. Call build() next.
  std::size_t refine(double fraction, std::size_t max_new_leaves, int mass_steps = 30);

  std::size_t leaves() const { return info_.size(); }
  std::size_t words() const { return w_.lo.size(); }
  int max_level() const;  // deepest refinement level present
  // The closed box of leaf a (chart returned; exact binary64 bounds) and its bounds of h.
  int box(std::size_t a, double* lo, double* hi) const;
  double h_lower(std::size_t a) const { return l0_[a]; }
  double h_upper(std::size_t a) const { return u0_[a]; }
  // The leaf whose box contains the finest-grid cell (chart, kf[0..d-2]) (tests and the mass estimate).
  std::size_t leaf_at(int chart, const std::uint32_t* kf) const;
  int fine_grid() const { return nf_; }
  // Whether the finest-grid cell (chart, kf) lies in a block of R(i, a) (every cell when the cover failed); for tests.
  bool in_blocks(std::size_t i, std::size_t a, int chart, const std::uint32_t* kf) const;

  // Upper bound (bytes) of the working memory with at most max_leaves leaves (LYAPND-TRANS-19).
  static std::uint64_t memory_bytes(int d, int n0, int depth, std::size_t atoms, int word_length,
                                    std::uint64_t max_leaves);

 private:
  using Block = TransferNd::Block;
  struct Leaf {
    std::uint8_t chart, level;
    std::uint16_t k[3];  // indices on the grid n0 2^level
  };
  struct Node {
    std::int32_t leaf;    // >= 0: a leaf; -1: split, children at child
    std::uint32_t child;  // 2^(d-1) consecutive nodes, child e = sum_a bit_a 2^a
  };
  int d_, n0_, depth_, nf_, word_length_;
  BoxBoundsFn eval_;
  TransferWeights w_;
  std::vector<std::array<fast::OutwardInterval, 16>> mats_;  // word enclosures
  std::vector<Leaf> info_;
  std::vector<double> l0_, u0_;
  std::vector<std::uint32_t> node_of_;  // leaf -> node
  std::vector<std::uint8_t> fresh_;     // bounds and blocks still to compute
  std::vector<Node> nodes_;
  std::vector<Block> blocks_;
  std::vector<std::uint32_t> first_;  // blocks of (leaf a, word i): [first_[a k + i], first_[a k + i + 1])
};

}  // namespace lyapcert::lyapnd::internal
