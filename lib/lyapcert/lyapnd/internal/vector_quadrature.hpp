// lyapcert::lyapnd::internal -- the certified outer integral of the quadrature route (LYAPND-VEC-18 .. -20,
// proofs/lyapnd/vector.md): E log G(A v) for the vector law with q = 1, d = 2, S = 1 at one direction v, as the
// Gaussian integral over x of the closed-form conditional mean Gamma(x) = E[log G(A v) | x] (LYAPND-VEC-15).
//
// Why it is built the way it is: for fixed v, alpha = G(a_1), a_0^T G a_1 and alpha gamma - beta^2 are a quadratic
// form, a linear form and a quadratic form in x (LYAPND-VEC-18), so Gamma is explicit in a 2 x 2 reduction and its
// only non-analytic places are x = 0 and the zero set of alpha gamma - beta^2 = |C x|^2, which is x = 0 or a line
// (the kink of the bottom eigenvector). The integral is taken in rotated coordinates y = R^T x whose line y_2 = 0
// is the near-null direction of C; cells are split there, tensor Gauss-Legendre rules carry a proved error from
// Cauchy's estimate on complex boxes where the closed form continues analytically (LYAPND-VEC-19), and small cells
// elsewhere get first-order box enclosures; the Gaussian tail is LYAPND-VEC-16.
#pragma once
#include <array>
#include <cstddef>

#include "lyapcert/fast/interval.hpp"
#include "lyapcert/laws/matrix_law.hpp"

namespace lyapcert::lyapnd::internal {

struct VecLogFormOptions {
  double L = 10;            // the domain [-L, L]^2 of y; beyond it the tail bound of LYAPND-VEC-16
  double cell = 1;          // the initial cell width (2 L / cell cells per side, rounded up to an even number)
  int nodes = 10;           // Gauss-Legendre nodes per coordinate (2 .. 40)
  double cell_tol = 1e-10;  // accept a cell's rule (or its box enclosure) when its error (width) is at most this
  double origin_tol = 1e-8;  // accept the L^2 bound of each of the four cells touching y = 0 when at most this
  int max_depth = 40;       // bisections of a cell before its box enclosure (or the L^2 bound) is taken as it is
  std::size_t max_cells = 400000;  // work cap: beyond it the result is the whole line (not certified)
  // The rank-one substitute (LYAPND-VEC-20) is used when its proved error is at most this: then the kink along the
  // line y_2 = 0 is exact and the cells on either side continue analytically across it.
  double rank1_tol = 1e-9;
};

struct VecLogFormResult {
  fast::OutwardInterval value{0.0};  // contains E log G(A v)
  std::size_t rule_cells = 0;        // cells integrated by the Gauss-Legendre rule
  std::size_t box_cells = 0;         // cells bounded by P(cell) times the box enclosure of Gamma
  std::size_t l2_cells = 0;          // cells bounded by the L^2 bound of LYAPND-VEC-16 (those touching x = 0)
  std::size_t evaluations = 0;       // closed-form evaluations of F (nodes and box corners)
  bool rank_one = false;             // the rank-one substitute was used
  double rank_one_error = 0;         // its proved error (LYAPND-VEC-20), included in value
  double tail = 0;                   // the tail bound beyond [-L, L]^2, included in value
  bool complete = false;             // false: the work cap was reached and value is the whole line
};

// q = 1, d = 2, S = 1, sigma > 0, c = 1 - lr gamma > 0; G symmetric positive definite (only its upper triangle is
// read) with eigenvalues in [lmin, lmax] (0 < lmin <= lmax), v = (u, w_1, w_2) with u != 0 (binary64 values taken
// exactly; |v| is 1 up to rounding, whose effect the tail bounds absorb). Throws InputError outside these
// hypotheses. Proof: LYAPND-VEC-18 .. -20.
VecLogFormResult vec_log_form_mean(const laws::VectorSaddle& law, const std::array<std::array<double, 3>, 3>& G,
                                   double lmin, double lmax, const std::array<double, 3>& v,
                                   const VecLogFormOptions& opt = {});

// Gamma(x) = E[log G(A v) | x] through the 2 x 2 reduction of LYAPND-VEC-18 (the form the outer rule evaluates at
// its nodes, with one closed-form evaluation of F and the Lipschitz bound of LYAPND-VEC-20 (a) for the rest of the
// interval), at the point x = (x1, x2) taken exactly. Tested against vec_conditional_log_form.
fast::OutwardInterval vec_log_form_reduced(const laws::VectorSaddle& law, const std::array<std::array<double, 3>, 3>& G,
                                           const std::array<double, 3>& v, double x1, double x2);

}  // namespace lyapcert::lyapnd::internal
