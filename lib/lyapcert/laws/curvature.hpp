// lyapcert::laws::CurvatureLaw -- the law of the curvature h in Lambda(lr) = E log|1 - lr h|,
// built from a parsed law expression (docs/law-language.md).
#pragma once
#include <cstdint>
#include <string>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/finite_law.hpp"

namespace lyapcert::laws {

struct BuildOptions {
  std::uint64_t max_atoms = 10'000'000;  // refuse finite laws with more atoms (--max-atoms)
};

class CurvatureLaw;
using LawPtr = std::shared_ptr<const CurvatureLaw>;

// h ~ N(mu, sigma^2), sigma > 0 (sigma = 0 is built as the atom mu).
struct NormalLaw { Rational mu, sigma; };
// h ~ U[a, b], a < b.
struct UniformLaw { Rational a, b; };
// h = z^2, z ~ N(mu, sigma^2), sigma > 0.
struct SqNormalLaw { Rational mu, sigma; };
// h_B = (1/S) sum_j x_j y_j, x_j ~ N(0,1), y_j = k x_j + sigma eps_j; sigma >= 0. The law depends on
// sigma only through sigma^2, which is kept exact (an SNR input gives a rational sigma^2, not sigma).
struct XyLaw { Rational k, sigma2; std::uint64_t batch = 1; };
// h = x y, (x, y) bivariate normal with means mx, my, deviations sx, sy > 0, correlation |rho| < 1.
struct BivariateLaw { Rational mx, my, sx, sy, rho; };
// h = scale * h' + shift, h' ~ inner (only for continuous inner laws: finite ones are mapped exactly).
struct AffineLaw { Rational scale, shift; LawPtr inner; };
// Mixture sum_i w_i L_i, w_i > 0 exact, sum 1 (only when some component is continuous).
struct MixtureLaw { std::vector<std::pair<LawPtr, Rational>> parts; };

class CurvatureLaw {
 public:
  using Node = std::variant<FiniteLaw, NormalLaw, UniformLaw, SqNormalLaw, XyLaw, BivariateLaw, AffineLaw, MixtureLaw>;
  explicit CurvatureLaw(Node node) : node_(std::move(node)) {}

  const Node& node() const { return node_; }
  bool is_finite() const { return std::holds_alternative<FiniteLaw>(node_); }
  const FiniteLaw& finite() const { return std::get<FiniteLaw>(node_); }

  // Exact moments E[h] and E[h^2] (every law here has them in closed form).
  Rational mean() const;
  Rational second_moment() const;

 private:
  Node node_;
};

// Gives the meaning of a parsed law expression as a curvature law. Throws InputError naming the
// problem (unknown law or argument, wrong argument type, probabilities not summing to 1, ...).
CurvatureLaw build_curvature_law(const Value& expr, const BuildOptions& options = {});

// parse + build.
CurvatureLaw parse_curvature_law(std::string_view text, const BuildOptions& options = {},
                                 const ParseLimits& limits = {});

}  // namespace lyapcert::laws
