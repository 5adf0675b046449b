// lyapcert::lyapnd finite families matrices(M1: p1, ...): exact structural tests (rank <= 1,
// triangular, commuting), the Altschuler-Parrilo rank-one law, the triangular (commuting) reduction
// to 1-D laws, and the enumeration upper bound (1/n) E log ||A_n ... A_1||_F.
#pragma once
#include <arb.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/laws/finite_law.hpp"
#include "lyapcert/laws/matrix_law.hpp"

namespace lyapcert::lyapnd {

// Exact facts about the atoms of positive probability. Guarantee: exact (rational arithmetic).
struct FamilyFacts {
  bool all_rank_le_one = false;  // every atom has rank 0 or 1
  bool zero_atom = false;        // some atom is the zero matrix
  bool upper = false;            // every atom upper triangular
  bool lower = false;            // every atom lower triangular
  bool commuting = false;        // every pair of atoms commutes
};
FamilyFacts family_facts(const laws::FiniteMatrices& f, int d);

// Rank-one family A_i = u_i v_i^T: the finite law of q = v_j^T u_i with weight p_i p_j, so that
// Lambda = E log|q| (a single atom q = 0 of positive weight gives Lambda = -inf). Requires
// all_rank_le_one and no zero atom. Guarantee: exact. Proof: LYAPND-RANK1-1.
laws::FiniteLaw rankone_pair_law(const laws::FiniteMatrices& f, int d);

// Law of the i-th diagonal entry (0-based): atoms (M_j)_{ii} with weight p_j. Guarantee: exact.
// For a triangular family Lambda = max_i E log|(A)_{ii}|. Proof: LYAPND-COMM-1.
laws::FiniteLaw diagonal_law(const laws::FiniteMatrices& f, int d, int i);

// The enumeration bound at word length n: an enclosure of U_n = (1/n) E log ||A_n ... A_1||_F, which
// satisfies Lambda <= U_n (Frobenius is submultiplicative). minus_infinity when some product of
// positive probability is exactly the zero matrix (then Lambda = -inf exactly). nullopt when the
// deadline passed before the level finished. Proof: LYAPND-ENUM-1.
struct EnumerationLevel {
  int n = 0;
  bool minus_infinity = false;
  exact::Ball upper_bound;  // encloses U_n
  std::uint64_t products = 0;
};
std::optional<EnumerationLevel> enumeration_bound(const laws::FiniteMatrices& f, int d, int n, slong prec,
                                                   std::chrono::steady_clock::time_point deadline);

// The search over word lengths n = 1, 2, ... that every user of the enumeration bound runs (certify_lyapnd's
// enumerate method, the elementary bounds, the tables' second path): each finished level is an upper bound of
// Lambda (LYAPND-ENUM-1), so the smallest upper endpoint is kept. A level n > 1 is not started when its k^n
// products exceed max_products, when its memory estimate exceeds max_memory_bytes (LYAPND-MEM-1), or, with
// predict_time, when k times the previous level's time would pass the deadline; a level the deadline cuts
// short gives nothing. One matrix (k = 1) runs level 1 only. The search stops at the first level with an
// exactly zero product (Lambda = -inf).
struct EnumerationLimits {
  int max_word_length = 40;
  double max_products = std::numeric_limits<double>::infinity();
  std::uint64_t max_memory_bytes = std::numeric_limits<std::uint64_t>::max();
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool first_level_ignores_deadline = false;  // level 1 (k products) always finishes
  bool predict_time = false;
};
struct EnumerationSearch {
  std::optional<EnumerationLevel> best;  // the level with the smallest upper endpoint, or the -inf level
  std::uint64_t best_bytes = 0;          // its memory estimate
  bool timed_out = false;                // the deadline stopped the search
  bool memory_limited = false;           // the memory budget stopped it, at word length refused_n
  int refused_n = 0;
  std::uint64_t refused_bytes = 0;
};
EnumerationSearch best_enumeration_bound(const laws::FiniteMatrices& f, int d, slong prec,
                                         const EnumerationLimits& limits);

}  // namespace lyapcert::lyapnd
