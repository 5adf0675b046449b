#include "lyapcert/lyapnd/commuting.hpp"

#include <acb.h>
#include <arb_fmpz_poly.h>
#include <flint/fmpq_mat.h>
#include <flint/fmpq_poly.h>
#include <flint/fmpz_poly.h>
#include <flint/fmpz_poly_factor.h>
#include <fmt/format.h>

#include <algorithm>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyapnd/internal/rational_matrix.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Ball;
using exact::Rational;
using Mat = std::vector<Rational>;

using detail::identity;
using detail::mul;

// Solves the (possibly overdetermined) exact system V x = y, V with `rows` rows and `cols` columns
// (row-major), by Gauss-Jordan elimination. nullopt if rank(V) < cols or the system is inconsistent.
std::optional<std::vector<Rational>> solve_exact(Mat v, std::vector<Rational> y, int rows, int cols) {
  int r = 0;
  std::vector<int> pivot_row(cols, -1);
  for (int c = 0; c < cols; ++c) {
    int p = -1;
    for (int i = r; i < rows; ++i)
      if (v[i * cols + c] != 0) {
        p = i;
        break;
      }
    if (p < 0) return std::nullopt;  // rank deficient
    if (p != r) {
      for (int j = 0; j < cols; ++j) std::swap(v[p * cols + j], v[r * cols + j]);
      std::swap(y[p], y[r]);
    }
    const Rational inv = 1 / v[r * cols + c];
    for (int j = 0; j < cols; ++j) v[r * cols + j] *= inv;
    y[r] *= inv;
    for (int i = 0; i < rows; ++i) {
      if (i == r || v[i * cols + c] == 0) continue;
      const Rational f = v[i * cols + c];
      for (int j = 0; j < cols; ++j) v[i * cols + j] -= f * v[r * cols + j];
      y[i] -= f * y[r];
    }
    pivot_row[c] = r;
    ++r;
  }
  for (int i = r; i < rows; ++i)
    if (y[i] != 0) return std::nullopt;  // inconsistent
  std::vector<Rational> x(cols);
  for (int c = 0; c < cols; ++c) x[c] = y[pivot_row[c]];
  return x;
}

bool commute(const Mat& a, const Mat& b, int d) { return mul(a, b, d) == mul(b, a, d); }

std::vector<Rational> charpoly_of(const Mat& b, int d) {
  exact::FmpqMat m(d, d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) exact::set_fmpq(fmpq_mat_entry(m, i, j), b[i * d + j]);
  exact::FmpqPoly cp;
  fmpq_mat_charpoly(cp, m);
  std::vector<Rational> out;
  exact::Fmpq c;
  for (int i = 0; i <= d; ++i) {
    fmpq_poly_get_coeff_fmpq(c, cp, i);
    out.push_back(exact::to_rational(c));
  }
  return out;
}

void set_fmpq_poly(fmpq_poly_t out, const std::vector<Rational>& coeffs) {
  fmpq_poly_zero(out);
  fmpq_t c;
  fmpq_init(c);
  for (std::size_t i = 0; i < coeffs.size(); ++i) {
    exact::set_fmpq(c, coeffs[i]);
    fmpq_poly_set_coeff_fmpq(out, static_cast<slong>(i), c);
  }
  fmpq_clear(c);
}

Rational eval_rational(const std::vector<Rational>& q, const Rational& x) {
  Rational r = 0;
  for (std::size_t i = q.size(); i-- > 0;) r = r * x + q[i];
  return r;
}

// q(mu) for a complex ball mu (Horner with the exact coefficients rounded to balls).
void eval_ball(acb_t res, const std::vector<Rational>& q, const acb_t mu, slong prec) {
  acb_zero(res);
  for (std::size_t i = q.size(); i-- > 0;) {
    acb_mul(res, res, mu, prec);
    Ball c = Ball::from_rational(q[i], prec);
    arb_add(acb_realref(res), acb_realref(res), c.get(), prec);
  }
}

lyap::CertifiedResult minus_infinity_part(const lyap::Accuracy& acc) {
  lyap::CertifiedResult r;
  r.digits_requested = acc.digits;
  r.value.minus_infinity = true;
  r.value.sign = lyap::Sign::negative;
  r.converged = true;
  return r;
}

}  // namespace

lyap::CertifiedResult combine_max(const std::vector<lyap::CertifiedResult>& parts, const lyap::Accuracy& acc) {
  lyap::CertifiedResult r;
  r.digits_requested = acc.digits;
  std::vector<const lyap::CertifiedResult*> finite;
  for (const auto& p : parts) {
    r.bits_used = std::max(r.bits_used, p.bits_used);
    if (!p.value.minus_infinity) finite.push_back(&p);
  }
  if (finite.empty()) {
    r.value.minus_infinity = true;
    r.value.sign = lyap::Sign::negative;
    r.converged = true;
    r.message = "every diagonal entry vanishes with positive probability: the product is eventually 0";
    return r;
  }
  bool any_pos = false, all_neg = true, zero_exact = false, all_neg_or_zero = true;
  r.value.ball = finite[0]->value.ball;
  for (const auto* p : finite) {
    arb_max(r.value.ball.get(), r.value.ball.get(), p->value.ball.get(), 4 * acc.max_bits);
    if (p->value.sign == lyap::Sign::positive) any_pos = true;
    if (p->value.sign != lyap::Sign::negative) all_neg = false;
    if (p->value.sign == lyap::Sign::zero) zero_exact = true;
    if (p->value.sign != lyap::Sign::negative && p->value.sign != lyap::Sign::zero) all_neg_or_zero = false;
  }
  if (any_pos) {
    r.value.sign = lyap::Sign::positive;
  } else if (all_neg) {
    r.value.sign = lyap::Sign::negative;
  } else if (zero_exact && all_neg_or_zero) {
    r.value.sign = lyap::Sign::zero;
    r.value.exact = true;
    arb_zero(r.value.ball.get());
  }
  r.converged = r.value.sign != lyap::Sign::undetermined &&
                (r.value.exact || lyap::internal_width_ok(r.value.ball, acc.digits));
  if (!r.converged) {
    for (const auto* p : finite)
      if (!p->message.empty()) r.message = p->message;
    if (r.message.empty()) r.message = "requested digits not reached";
  }
  return r;
}

std::optional<PolynomialCertificate> polynomial_certificate(const laws::FiniteMatrices& f, int d, int max_tries) {
  // Proof: LYAPND-COMM-2.
  std::vector<Mat> atoms;
  std::vector<Rational> probs;
  for (std::size_t j = 0; j < f.matrices.size(); ++j)
    if (f.probs[j] > 0) {
      atoms.push_back(f.matrices[j]);
      probs.push_back(f.probs[j]);
    }
  for (std::size_t x = 0; x < atoms.size(); ++x)
    for (std::size_t y = x + 1; y < atoms.size(); ++y)
      if (!commute(atoms[x], atoms[y], d)) throw InputError("polynomial_certificate: the family does not commute");
  const int n = d * d;
  for (int t = 1; t <= max_tries; ++t) {
    std::vector<Rational> c(atoms.size());
    Rational tp = 1;
    for (std::size_t j = 0; j < atoms.size(); ++j, tp *= t) c[j] = tp;
    Mat b(n, Rational(0));
    for (std::size_t j = 0; j < atoms.size(); ++j)
      for (int i = 0; i < n; ++i) b[i] += c[j] * atoms[j][i];
    // V = [vec(I) vec(B) ... vec(B^{d-1})], n x d.
    std::vector<Mat> powers{identity(d)};
    for (int m = 1; m < d; ++m) powers.push_back(mul(powers.back(), b, d));
    Mat v(static_cast<std::size_t>(n) * d);
    for (int i = 0; i < n; ++i)
      for (int m = 0; m < d; ++m) v[i * d + m] = powers[m][i];
    PolynomialCertificate cert;
    bool ok = true;
    for (const Mat& a : atoms) {
      auto q = solve_exact(v, a, n, d);  // nullopt: B derogatory (rank < d) or a not in its algebra
      if (!q) {
        ok = false;
        break;
      }
      // Exact verification A_j = sum_m q_m B^m (the certificate does not rely on the solver).
      Mat check(n, Rational(0));
      for (int m = 0; m < d; ++m)
        for (int i = 0; i < n; ++i) check[i] += (*q)[m] * powers[m][i];
      if (check != a) {
        ok = false;
        break;
      }
      cert.q.push_back(std::move(*q));
    }
    if (!ok) continue;
    cert.combination = std::move(c);
    cert.b = std::move(b);
    cert.charpoly = charpoly_of(cert.b, d);
    cert.probs = probs;
    return cert;
  }
  return std::nullopt;
}

void charpoly_factors(fmpz_poly_factor_t fac, const PolynomialCertificate& cert) {
  fmpq_poly_t cpq;
  fmpq_poly_init(cpq);
  set_fmpq_poly(cpq, cert.charpoly);
  fmpz_poly_t P, dP, g, sqf;
  fmpz_poly_init(P);
  fmpz_poly_init(dP);
  fmpz_poly_init(g);
  fmpz_poly_init(sqf);
  fmpq_poly_get_numerator(P, cpq);
  fmpz_poly_derivative(dP, P);
  fmpz_poly_gcd(g, P, dP);
  fmpz_poly_div(sqf, P, g);
  fmpz_poly_factor(fac, sqf);
  fmpz_poly_clear(P);
  fmpz_poly_clear(dP);
  fmpz_poly_clear(g);
  fmpz_poly_clear(sqf);
  fmpq_poly_clear(cpq);
}

lyap::CertifiedResult certify_commuting_polynomial(const PolynomialCertificate& cert, const lyap::Accuracy& acc) {
  // Proof: LYAPND-COMM-3.
  lyap::check_accuracy(acc);
  exact::FmpzPolyFactor fac;
  charpoly_factors(fac, cert);

  std::vector<lyap::CertifiedResult> parts;
  exact::FmpqPoly qj, gq, rem;
  for (slong fi = 0; fi < fac->num; ++fi) {
    const fmpz_poly_struct* factor = fac->p + fi;
    const slong deg = fmpz_poly_degree(factor);
    if (deg == 1) {
      // Rational eigenvalue mu = -g0/g1: the 1-D finite law of q_j(mu) with weights p_j (exact decisions).
      const Rational mu = -Rational(exact::to_integer(factor->coeffs)) / Rational(exact::to_integer(factor->coeffs + 1));
      std::vector<Rational> values;
      for (const auto& q : cert.q) values.push_back(eval_rational(q, mu));
      const laws::CurvatureLaw law(laws::FiniteLaw::from_rationals(values, cert.probs));
      parts.push_back(lyap::certify_log_abs_mean(law, Rational(0), Rational(1), acc));
      continue;
    }
    fmpq_poly_set_fmpz_poly(gq, factor);
    if (deg == 2) {
      const Rational ga = Rational(exact::to_integer(factor->coeffs + 2));
      const Rational gb = Rational(exact::to_integer(factor->coeffs + 1));
      const Rational gc = Rational(exact::to_integer(factor->coeffs));
      if (gb * gb - 4 * ga * gc < 0) {
        // A complex-conjugate pair mu, conj(mu): mu + conj(mu) = -b/a, mu conj(mu) = c/a. With
        // q_j = u_j + v_j x mod g, |q_j(mu)|^2 = u^2 - u v b/a + v^2 c/a =: N_j (exact rational), the same
        // for both roots, so the component is (1/2) E log|N| for the finite law N_j : p_j (exact -inf and 0).
        // Proof: LYAPND-COMM-3 (iv).
        std::vector<Rational> norms;
        exact::Fmpq cu, cv;
        for (const auto& q : cert.q) {
          set_fmpq_poly(qj, q);
          fmpq_poly_rem(rem, qj, gq);
          fmpq_poly_get_coeff_fmpq(cu, rem, 0);
          fmpq_poly_get_coeff_fmpq(cv, rem, 1);
          const Rational u = exact::to_rational(cu), v = exact::to_rational(cv);
          norms.push_back(u * u - u * v * gb / ga + v * v * gc / ga);
        }
        const laws::CurvatureLaw law(laws::FiniteLaw::from_rationals(norms, cert.probs));
        lyap::CertifiedResult part = lyap::certify_log_abs_mean(law, Rational(0), Rational(1), acc);
        if (!part.value.minus_infinity) arb_mul_2exp_si(part.value.ball.get(), part.value.ball.get(), -1);
        parts.push_back(part);
        parts.push_back(std::move(part));
        continue;
      }
    }
    // Irrational mu: exact -inf when the factor divides some q_j (then q_j(mu) = 0 for all its roots).
    bool zero = false;
    for (const auto& q : cert.q) {
      set_fmpq_poly(qj, q);
      fmpq_poly_rem(rem, qj, gq);
      if (fmpq_poly_is_zero(rem)) zero = true;
    }
    if (zero) {
      for (slong i = 0; i < deg; ++i) parts.push_back(minus_infinity_part(acc));
      continue;
    }
    slong prec = std::min<slong>(acc.max_bits, static_cast<slong>(acc.digits * 3.33) + 32);
    std::vector<lyap::CertifiedResult> local(deg);
    while (true) {
      exact::AcbVec roots(deg);
      arb_fmpz_poly_complex_roots(roots, factor, 0, prec + 20);
      bool all_ok = true;
      exact::Acb z;
      for (slong i = 0; i < deg; ++i) {
        Ball sum, t;
        for (std::size_t j = 0; j < cert.q.size(); ++j) {
          eval_ball(z, cert.q[j], roots.get() + i, prec + 20);
          acb_abs(t.get(), z, prec + 20);
          arb_log(t.get(), t.get(), prec + 20);
          Ball pj = Ball::from_rational(cert.probs[j], prec + 20);
          arb_addmul(sum.get(), t.get(), pj.get(), prec + 20);
        }
        lyap::CertifiedResult& r = local[i];
        r.digits_requested = acc.digits;
        r.bits_used = prec;
        if (arb_is_finite(sum.get())) r.value.ball = sum;
        r.value.sign = !arb_is_finite(sum.get()) || sum.contains_zero() ? lyap::Sign::undetermined
                       : arb_is_positive(sum.get())                     ? lyap::Sign::positive
                                                                         : lyap::Sign::negative;
        r.converged = r.value.sign != lyap::Sign::undetermined && lyap::internal_width_ok(sum, acc.digits);
        if (!r.converged) all_ok = false;
      }
      if (all_ok || prec >= acc.max_bits) break;
      prec = std::min<slong>(acc.max_bits, 2 * prec);
    }
    for (auto& r : local) {
      if (!r.converged)
        r.message = fmt::format(
            "an eigenvalue component of the commuting family is not certified at {} bits (its sign is "
            "undetermined or the width is too large; |lambda| = 1 exactly is not decided for irrational "
            "eigenvalues)",
            r.bits_used);
      parts.push_back(std::move(r));
    }
  }
  lyap::CertifiedResult r = combine_max(parts, acc);
  if (r.value.minus_infinity)
    r.message = "every common eigenvalue vanishes for some atom of positive probability: the product is eventually 0";
  return r;
}

}  // namespace lyapcert::lyapnd
