// Conformal and imprimitive 2 x 2 families (conformal.hpp). Proofs: proofs/lyapnd/conformal.md.
#include "lyapcert/lyapnd/conformal.hpp"

#include <arb.h>
#include <fmt/format.h>

#include <array>

#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/finite_law.hpp"
#include "lyapcert/lyap/lyap1d.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Rational;
using M2 = std::array<Rational, 4>;  // row-major [[a, b], [c, d]]

M2 to_m2(const std::vector<Rational>& m) { return {m[0], m[1], m[2], m[3]}; }

M2 mul(const M2& x, const M2& y) {
  return {x[0] * y[0] + x[1] * y[2], x[0] * y[1] + x[1] * y[3], x[2] * y[0] + x[3] * y[2],
          x[2] * y[1] + x[3] * y[3]};
}

Rational det(const M2& x) { return x[0] * x[3] - x[1] * x[2]; }

// X - (tr X / 2) I.
M2 traceless_part(const M2& x) {
  const Rational half_trace = (x[0] + x[3]) / 2;
  return {x[0] - half_trace, x[1], x[2], x[3] - half_trace};
}

bool is_zero(const M2& x) { return x[0] == 0 && x[1] == 0 && x[2] == 0 && x[3] == 0; }

std::string text(const M2& x) {
  return fmt::format("[[{}, {}], [{}, {}]]", exact::to_text(x[0]), exact::to_text(x[1]), exact::to_text(x[2]),
                     exact::to_text(x[3]));
}

// +1 when A X0 = X0 A, -1 when A X0 = -X0 A, 0 otherwise (exact). X0 != 0 traceless, so both at once would
// need X0 A = 0 with A invertible: impossible.
int commutation_sign(const M2& a, const M2& x0) {
  const M2 ax = mul(a, x0), xa = mul(x0, a);
  if (ax == xa) return 1;
  bool anti = true;
  for (int i = 0; i < 4; ++i) anti = anti && ax[i] == -xa[i];
  return anti ? -1 : 0;
}

}  // namespace

std::optional<ConformalCertificate> find_conformal_certificate(const laws::FiniteMatrices& f, int d) {
  if (d != 2) return std::nullopt;
  std::vector<M2> atoms;
  for (std::size_t j = 0; j < f.matrices.size(); ++j) {
    if (f.probs[j] == 0) continue;
    const M2 a = to_m2(f.matrices[j]);
    if (det(a) == 0) return std::nullopt;  // the closed form needs invertible atoms (LYAPND-CONF-1, -2)
    atoms.push_back(a);
  }
  // Candidates: the atoms and their pairwise products (LYAPND-CONF-3 says this search is complete for the
  // families covered); each nonzero traceless part with det != 0 is tested exactly against every atom.
  std::vector<M2> candidates = atoms;
  for (std::size_t i = 0; i < atoms.size(); ++i)
    for (std::size_t j = i; j < atoms.size(); ++j) candidates.push_back(mul(atoms[i], atoms[j]));
  for (const M2& c : candidates) {
    const M2 x0 = traceless_part(c);
    if (is_zero(x0)) continue;
    const Rational dx = det(x0);
    if (dx == 0) continue;  // nilpotent: one common eigenline (reducible, not this method)
    bool all = true, some_anti = false;
    for (const M2& a : atoms) {
      const int s = commutation_sign(a, x0);
      if (s == 0) {
        all = false;
        break;
      }
      some_anti = some_anti || s < 0;
    }
    if (!all) continue;
    if (dx > 0) {  // Proof: LYAPND-CONF-1
      return ConformalCertificate{
          ConformalKind::conformal,
          {x0[0], x0[1], x0[2], x0[3]},
          fmt::format("conformal family: every atom commutes or anticommutes with X0 = {}, det X0 = {} > 0, so "
                      "all atoms scale one inner product's norm by |det A|^(1/2)",
                      text(x0), exact::to_text(dx))};
    }
    if (some_anti) {  // Proof: LYAPND-CONF-2
      return ConformalCertificate{
          ConformalKind::imprimitive,
          {x0[0], x0[1], x0[2], x0[3]},
          fmt::format("imprimitive family: every atom fixes or swaps the two real eigenlines of X0 = {} (det X0 = "
                      "{} < 0) and some atom of positive probability swaps them",
                      text(x0), exact::to_text(dx))};
    }
  }
  return std::nullopt;
}

Result run_conformal(const laws::FiniteMatrices& f, const ConformalCertificate& cert, const Options& opt) {
  std::vector<Rational> dets, probs;
  for (std::size_t j = 0; j < f.matrices.size(); ++j) {
    if (f.probs[j] == 0) continue;
    dets.push_back(det(to_m2(f.matrices[j])));
    probs.push_back(f.probs[j]);
  }
  // E log|det A| as the finite 1-D law of det A (LOOP-1: any digits, exact 0 and -inf), then halved exactly.
  // The width request is relative to max(1, |value|) and halving keeps it met (LYAPND-CONF-1 remark).
  const laws::CurvatureLaw law(laws::FiniteLaw::from_rationals(dets, probs));
  Result r;
  r.top = lyap::certify_log_abs_mean(law, Rational(0), Rational(1), opt.acc);
  if (!r.top.value.minus_infinity) arb_mul_2exp_si(r.top.value.ball, r.top.value.ball, -1);  // exact
  r.top.method = "conformal";
  const std::string note = cert.note + "; Lambda = E log|det A| / 2 (LYAPND-CONF-1, -2)";
  r.top.message = r.top.message.empty() ? note : r.top.message + "; " + note;
  return r;
}

}  // namespace lyapcert::lyapnd
