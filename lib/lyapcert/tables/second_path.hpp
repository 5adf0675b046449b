// Independent second computations for `recheck --backend other` (Proof: TABLE-SECOND-1 .. TABLE-SECOND-5,
// proofs/tables/second_path.md). For every curvature law the library has a second certified path that shares
// no evaluation code with the one lyap::log_abs_mean / lyap::abs_moment choose (the quadratures of
// continuous/quadrature.hpp against the closed forms, the variance-gamma density against the chi-square
// mixture for xy, conditioning on the other variable for bivariate laws, the Poisson/1F1 series against the
// quadrature for sqnormal moments, MPFI for atoms and uniform laws); this file picks it, runs it under a
// precision loop with a time budget, and says exactly when no independent path exists.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/exact/sign.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/matrix_law.hpp"

namespace lyapcert::tables {

struct SecondOptions {
  int digits = 26;                 // requested width (as lyap::Accuracy)
  long max_bits = 4096;            // precision cap of the loop
  double time_budget_seconds = 20; // wall clock for one value; a path predicted to exceed it is not started
};

// One independently recomputed value.
struct SecondValue {
  bool available = false;      // an independent path exists and certified an enclosure
  bool minus_infinity = false; // decided exactly (atoms at the singular point)
  bool upper_bound_only = false;  // one-sided: only the upper end of `value` is a bound (lower end -inf)
  exact::Ball value;           // encloses the true value (finite when available and not minus_infinity)
  long bits = 0;               // last working precision
  std::string method;          // the paths used, e.g. "gauss-quadrature", "mpfi-atom-log-sum+gauss-quadrature"
  std::string reason;          // !available: why not ("no independent path: ...", "not certified within ...")
  bool mpfi = false;           // some part was evaluated with MPFI
};

// E log|a + b h| by the second path. Guarantee: value contains the true value when available.
// Proof: TABLE-SECOND-1, TABLE-SECOND-2.
SecondValue second_log_abs_mean(const laws::CurvatureLaw& law, const exact::Rational& a, const exact::Rational& b,
                                const SecondOptions& options);

// log E|1 - lr h|^p (p > 0) by the second path. Guarantee as above. Proof: TABLE-SECOND-1, TABLE-SECOND-3.
SecondValue second_moment_exponent(const laws::CurvatureLaw& law, const exact::Rational& lr,
                                   const exact::Rational& p, const SecondOptions& options);

// E h and E h^2 from per-law formulas written here (not laws::CurvatureLaw::mean/second_moment), exact.
// Proof: TABLE-SECOND-3.
std::pair<exact::Rational, exact::Rational> independent_moments(const laws::CurvatureLaw& law);

// Second path of a matrix-law row whose table method is `table_method` (lyapnd). values[0] is the top
// exponent (possibly one-sided: upper_bound_only), values[1..] the Ginibre spectrum when recomputed.
// Not available (reason set) when no independent method applies. Proof: TABLE-SECOND-4.
std::vector<SecondValue> second_lyapnd(const laws::MatrixLaw& law, const std::string& table_method,
                                       const SecondOptions& options);

// Sign of Lambda(lr) = E log|1 - lr h| at an exact lr by the second path, precision raised until decided:
// negative, positive, or undetermined (also when no path: then `reason` is set; never zero). Proof: TABLE-SECOND-5.
exact::Sign second_sign_at(const laws::CurvatureLaw& law, const exact::Rational& lr, const SecondOptions& options,
                   std::string& method, std::string& reason);

}  // namespace lyapcert::tables
