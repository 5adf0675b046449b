#include "lyapcert/lyapnd/second_moment.hpp"
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/lyapnd/vector.hpp"

#include <acb.h>
#include <arb_fmpz_poly.h>
#include <flint/fmpq_mat.h>
#include <flint/fmpq_poly.h>
#include <flint/fmpz_poly.h>
#include <fmt/format.h>

#include <algorithm>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Ball;
using exact::Rational;

std::size_t idx4(int d, int i, int j, int k, int l) {
  return ((static_cast<std::size_t>(i) * d + j) * d + k) * d + l;
}

EntryMoments zero_moments(int d) {
  EntryMoments m;
  m.d = d;
  m.mean.assign(static_cast<std::size_t>(d) * d, Rational(0));
  m.second.assign(static_cast<std::size_t>(d) * d * d * d, Rational(0));
  return m;
}

Rational delta(int a, int b) { return a == b ? Rational(1) : Rational(0); }

using ZPoly = exact::FmpzPoly;
using QPoly = exact::FmpqPoly;

int sign_change_count(const std::vector<int>& signs) {
  int v = 0, last = 0;
  for (int s : signs) {
    if (s == 0) continue;
    if (last != 0 && s != last) ++v;
    last = s;
  }
  return v;
}

// Number of distinct real roots of p in (0, +inf) by Sturm's theorem; requires p(0) != 0 and
// deg p >= 0. Exact (rational polynomial remainders). Proof: LYAPND-MOM-3.
int positive_root_count(const fmpz_poly_t p) {
  if (fmpz_poly_degree(p) <= 0) return 0;
  std::vector<QPoly> seq(fmpz_poly_degree(p) + 2);
  fmpq_poly_set_fmpz_poly(seq[0], p);
  fmpq_poly_derivative(seq[1], seq[0]);
  std::size_t n = 2;
  while (!fmpq_poly_is_zero(seq[n - 1]) && n < seq.size()) {
    fmpq_poly_rem(seq[n], seq[n - 2], seq[n - 1]);
    fmpq_poly_neg(seq[n], seq[n]);
    ++n;
  }
  std::vector<int> at0, atinf;
  exact::Fmpq c;
  for (std::size_t i = 0; i < n; ++i) {
    if (fmpq_poly_is_zero(seq[i])) continue;
    fmpq_poly_get_coeff_fmpq(c, seq[i], 0);
    at0.push_back(fmpq_sgn(c));
    fmpq_poly_get_coeff_fmpq(c, seq[i], fmpq_poly_degree(seq[i]));
    atinf.push_back(fmpq_sgn(c));
  }
  return sign_change_count(at0) - sign_change_count(atinf);
}

lyap::CertifiedValue value_of(const Ball& b, lyap::Sign s) {
  lyap::CertifiedValue v;
  v.ball = b;
  v.sign = s;
  return v;
}

}  // namespace

const char* to_string(L2Verdict v) {
  switch (v) {
    case L2Verdict::stable: return "stable";
    case L2Verdict::boundary: return "boundary";
    case L2Verdict::unstable: return "unstable";
  }
  return "?";
}

EntryMoments entry_moments(const laws::MatrixLaw& law) {
  // Proof: LYAPND-MOM-2 (one case per law).
  const int d = law.dim;
  EntryMoments m = zero_moments(d);
  if (const auto* f = std::get_if<laws::FiniteMatrices>(&law.node)) {
    for (std::size_t t = 0; t < f->matrices.size(); ++t) {
      const Rational& p = f->probs[t];
      if (p == 0) continue;
      const auto& a = f->matrices[t];
      for (int i = 0; i < d * d; ++i) {
        m.mean[i] += p * a[i];
        for (int k = 0; k < d * d; ++k) m.second[static_cast<std::size_t>(i) * d * d + k] += p * a[i] * a[k];
      }
    }
  } else if (const auto* e = std::get_if<laws::EntryMatrix>(&law.node)) {
    std::vector<Rational> m1(d * d), m2(d * d);
    for (int i = 0; i < d * d; ++i) {
      const laws::Value& v = e->entries[i];
      if (const auto* num = std::get_if<laws::Number>(&v.node)) {
        m1[i] = num->value;
        m2[i] = num->value * num->value;
      } else {
        const laws::CurvatureLaw c = laws::build_curvature_law(v);
        m1[i] = c.mean();
        m2[i] = c.second_moment();
      }
    }
    for (int i = 0; i < d * d; ++i) {
      m.mean[i] = m1[i];
      for (int k = 0; k < d * d; ++k)
        m.second[static_cast<std::size_t>(i) * d * d + k] = i == k ? m2[i] : m1[i] * m1[k];  // independent entries
    }
  } else if (const auto* g = std::get_if<laws::Ginibre>(&law.node)) {
    const Rational s2 = g->sigma * g->sigma;
    for (int i = 0; i < d * d; ++i) m.second[static_cast<std::size_t>(i) * d * d + i] = s2;
  } else if (const auto* iso = std::get_if<laws::Isotropic>(&law.node)) {
    // A = I - lr a a^T, a ~ N(0, I): E a_i a_j = delta_ij, E a_i a_j a_k a_l = Isserlis.
    const Rational& lr = iso->lr;
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j) {
        m.mean[i * d + j] = delta(i, j) * (1 - lr);
        for (int k = 0; k < d; ++k)
          for (int l = 0; l < d; ++l)
            m.second[idx4(d, i, j, k, l)] =
                delta(i, j) * delta(k, l) * (1 - 2 * lr) +
                lr * lr * (delta(i, j) * delta(k, l) + delta(i, k) * delta(j, l) + delta(i, l) * delta(j, k));
      }
  } else if (const auto* s = std::get_if<laws::Sgd>(&law.node)) {
    if (!s->curv || s->curv->dim != d) throw InputError("sgd(lr, H): H has the wrong dimension");
    const EntryMoments h = entry_moments(*s->curv);
    const Rational& lr = s->lr;
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j) {
        m.mean[i * d + j] = delta(i, j) - lr * h.mean[i * d + j];
        for (int k = 0; k < d; ++k)
          for (int l = 0; l < d; ++l)
            m.second[idx4(d, i, j, k, l)] = delta(i, j) * delta(k, l) -
                                            lr * (delta(i, j) * h.mean[k * d + l] + delta(k, l) * h.mean[i * d + j]) +
                                            lr * lr * h.second[idx4(d, i, j, k, l)];
      }
  } else if (const auto* vs = std::get_if<laws::VectorSaddle>(&law.node)) {
    m = vector_entry_moments(*vs);  // Proof: LYAPND-VEC-3
  } else if (const auto* sc = std::get_if<laws::ScalarLaw>(&law.node)) {
    const laws::CurvatureLaw c = laws::build_curvature_law(sc->curvature);
    m.mean[0] = c.mean();
    m.second[0] = c.second_moment();
  } else {
    throw InputError("second moment: unsupported matrix law");
  }
  return m;
}

std::vector<Rational> kronecker_second_moment(const EntryMoments& m) {
  const int d = m.d, n = d * d;
  std::vector<Rational> k(static_cast<std::size_t>(n) * n);
  for (int i = 0; i < d; ++i)
    for (int kk = 0; kk < d; ++kk)
      for (int j = 0; j < d; ++j)
        for (int l = 0; l < d; ++l)
          k[static_cast<std::size_t>(i * d + kk) * n + (j * d + l)] = m.second[idx4(d, i, j, kk, l)];
  return k;
}

std::vector<Rational> symmetric_second_moment(const EntryMoments& m) {
  const int d = m.d;
  std::vector<std::pair<int, int>> basis;
  for (int a = 0; a < d; ++a)
    for (int b = a; b < d; ++b) basis.emplace_back(a, b);
  const std::size_t n = basis.size();
  std::vector<Rational> out(n * n);
  // L(X)_ik = sum_{j,l} E[A_ij A_kl] X_jl; X = E_ab + E_ba (a < b) or E_aa.
  for (std::size_t col = 0; col < n; ++col) {
    const auto [a, b] = basis[col];
    for (std::size_t row = 0; row < n; ++row) {
      const auto [i, k] = basis[row];
      Rational y = m.second[idx4(d, i, a, k, b)];
      if (a != b) y += m.second[idx4(d, i, b, k, a)];
      out[row * n + col] = y;
    }
  }
  return out;
}

SecondMomentResult certify_second_moment(const laws::MatrixLaw& law, const lyap::Accuracy& acc) {
  lyap::check_accuracy(acc);
  SecondMomentResult res;
  res.dim = law.dim;
  res.g2.digits_requested = acc.digits;
  res.g2.method = "second-moment";
  const EntryMoments mom = entry_moments(law);
  const std::vector<Rational> sym = symmetric_second_moment(mom);
  const slong n = law.dim * (law.dim + 1) / 2;

  // Exact characteristic polynomial of the symmetric restriction (FLINT, rational arithmetic).
  ZPoly P;
  {
    exact::FmpqMat M(n, n);
    for (slong i = 0; i < n; ++i)
      for (slong j = 0; j < n; ++j) exact::set_fmpq(fmpq_mat_entry(M, i, j), sym[i * n + j]);
    QPoly cp;
    fmpq_mat_charpoly(cp, M);
    exact::Fmpq c;
    for (slong i = 0; i <= n; ++i) {
      fmpq_poly_get_coeff_fmpq(c, cp, i);
      res.charpoly.push_back(exact::to_rational(c));
    }
    fmpq_poly_get_numerator(P, cp);  // same roots, integer coefficients
  }

  // rho = 0 iff the characteristic polynomial is c x^n (the map is nilpotent). Proof: LYAPND-MOM-1 (d).
  bool nilpotent = true;
  for (slong i = 0; i < n; ++i)
    if (!fmpz_is_zero(P->coeffs + i)) nilpotent = false;
  if (nilpotent) {
    res.verdict = L2Verdict::stable;
    arb_zero(res.rho.get());
    res.g2.value.minus_infinity = true;
    res.g2.value.sign = lyap::Sign::negative;
    res.g2.converged = true;
    res.g2.message = "E[A (x) A] is nilpotent: A_n ... A_1 = 0 almost surely for large n (Lambda = -inf)";
    res.lambda_upper.minus_infinity = true;
    res.lambda_upper.sign = lyap::Sign::negative;
    return res;
  }

  // Exact verdict. Proof: LYAPND-MOM-3. rho is a real eigenvalue (LYAPND-MOM-1 (a)), so
  // rho > 1 iff P has a real root in (1, inf); rho = 1 iff P(1) = 0 and there is none.
  int mult_one = 0;
  int above_one = 0;
  {
    ZPoly Q, xm1, S;
    fmpz_poly_set(Q, P);
    fmpz_poly_set_coeff_si(xm1, 1, 1);
    fmpz_poly_set_coeff_si(xm1, 0, -1);
    const exact::Fmpz one(1);
    exact::Fmpz val;
    while (true) {
      fmpz_poly_evaluate_fmpz(val.get(), Q, one.get());
      if (!fmpz_is_zero(val.get())) break;
      fmpz_poly_div(Q, Q, xm1);  // exact: 1 is a root
      ++mult_one;
    }
    fmpz_poly_taylor_shift(S, Q, one.get());  // S(y) = Q(1 + y), S(0) = Q(1) != 0
    above_one = positive_root_count(S);
  }
  res.verdict = above_one > 0 ? L2Verdict::unstable : mult_one > 0 ? L2Verdict::boundary : L2Verdict::stable;
  const lyap::Sign sign = res.verdict == L2Verdict::unstable   ? lyap::Sign::positive
                          : res.verdict == L2Verdict::boundary ? lyap::Sign::zero
                                                               : lyap::Sign::negative;
  res.g2.value.sign = sign;

  if (res.verdict == L2Verdict::boundary) {
    // rho = 1 exactly: g(2) = 0.
    arb_one(res.rho.get());
    arb_zero(res.g2.value.ball.get());
    res.g2.value.exact = true;
    res.g2.converged = true;
    res.g2.bits_used = 64;
    res.lambda_upper = value_of(res.g2.value.ball, lyap::Sign::zero);
    res.lambda_upper.exact = true;
    res.g2.message = "rho(E[A (x) A]) = 1 exactly: on the L2 stability boundary";
    return res;
  }

  // Enclosure: roots of the squarefree part of P (Arb, isolated disjoint balls), rho = max |root|.
  ZPoly dP, g, sqf;
  fmpz_poly_derivative(dP, P);
  fmpz_poly_gcd(g, P, dP);
  fmpz_poly_div(sqf, P, g);
  const slong deg = fmpz_poly_degree(sqf);
  slong prec = std::min<slong>(acc.max_bits, static_cast<slong>(acc.digits * 3.33) + 32);
  while (true) {
    exact::AcbVec roots(deg);
    arb_fmpz_poly_complex_roots(roots, sqf, 0, prec + 20);
    Ball rho, t, lg;
    arb_zero(rho.get());
    for (slong i = 0; i < deg; ++i) {
      acb_abs(t.get(), roots.get() + i, prec + 20);
      arb_max(rho.get(), rho.get(), t.get(), prec + 20);
    }
    arb_log(lg.get(), rho.get(), prec + 20);
    res.rho = rho;
    res.g2.bits_used = prec;
    if (arb_is_finite(lg.get())) res.g2.value.ball = lg;
    if (arb_is_finite(lg.get()) && lyap::internal_width_ok(lg, acc.digits)) {
      res.g2.converged = true;
      break;
    }
    if (prec >= acc.max_bits) {
      res.g2.converged = false;
      res.g2.message = fmt::format("requested digits not reached at the working-precision cap of {} bits",
                                   acc.max_bits);
      break;
    }
    prec = std::min<slong>(acc.max_bits, 2 * prec);
  }
  Ball half = res.g2.value.ball;
  arb_mul_2exp_si(half.get(), half.get(), -1);
  res.lambda_upper = value_of(half, sign);
  if (res.g2.message.empty())
    res.g2.message = res.verdict == L2Verdict::stable
                         ? "rho(E[A (x) A]) < 1 (decided exactly): L2-stable, and Lambda <= g(2)/2 < 0"
                         : "rho(E[A (x) A]) > 1 (decided exactly): not L2-stable";
  return res;
}

lyap::CertifiedValue rho_value(const SecondMomentResult& r) {
  lyap::CertifiedValue rho;
  rho.ball = r.rho;
  if (r.verdict == L2Verdict::boundary || arb_is_zero(r.rho.get())) {
    rho.exact = true;
    rho.sign = arb_is_zero(r.rho.get()) ? lyap::Sign::zero : lyap::Sign::positive;
  } else {
    rho.sign = lyap::Sign::positive;
  }
  return rho;
}

}  // namespace lyapcert::lyapnd
