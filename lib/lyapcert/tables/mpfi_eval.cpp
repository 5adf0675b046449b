#include "lyapcert/tables/mpfi_eval.hpp"

#include <mpfi.h>

#include <cmath>

#include "lyapcert/tables/exact_text.hpp"

namespace lyapcert::tables {

exact::Sign mpfi_sign(const MpfiEnclosure& m) {
  if (m.minus_infinity) return exact::Sign::negative;
  const exact::Sign s = exact::enclosure_sign(m.lower, m.upper);
  return s == exact::Sign::zero ? exact::Sign::undetermined : s;
}
namespace {

using exact::Rational;

struct Mpfi {
  mpfi_t v;
  explicit Mpfi(long prec) { mpfi_init2(v, static_cast<mpfr_prec_t>(prec)); }
  ~Mpfi() { mpfi_clear(v); }
  Mpfi(const Mpfi&) = delete;
  Mpfi& operator=(const Mpfi&) = delete;
};

void set_q(mpfi_t out, const Rational& q) { mpfi_set_q(out, const_cast<mpq_ptr>(q.backend().data())); }

MpfiEnclosure finish(const mpfi_t x) {
  MpfiEnclosure e;
  mpfr_t lo, hi;
  mpfr_init2(lo, mpfi_get_prec(x));
  mpfr_init2(hi, mpfi_get_prec(x));
  mpfi_get_left(lo, x);   // exact: the endpoints themselves
  mpfi_get_right(hi, x);
  if (!mpfr_number_p(lo) || !mpfr_number_p(hi)) {
    mpfr_clear(lo);
    mpfr_clear(hi);
    throw std::runtime_error("MPFI produced a non-finite enclosure");
  }
  e.lower_exact = binary_text(lo);
  e.upper_exact = binary_text(hi);
  mpfr_clear(lo);
  mpfr_clear(hi);
  e.lower = parse_exact(e.lower_exact);
  e.upper = parse_exact(e.upper_exact);
  return e;
}

long working_prec(long prec, std::size_t n) {
  long bits = 0;
  while ((std::size_t{1} << bits) < n + 1 && bits < 62) ++bits;
  return prec + 2 * bits + 16;
}

// sum := sum_j P(j) |a + b x_j|^p over the atoms x_j (p > 0; exact powers for integer p <= 64, else
// exp(p log r) in MPFI). Returns false when every |a + b x_j| is 0.
bool abs_power_sum(Mpfi& sum, const laws::FiniteLaw& law, const Rational& a, const Rational& b, const Rational& p,
                   long wp) {
  Mpfi term(wp), pp(wp);
  mpfi_set_ui(sum.v, 0);
  set_q(pp.v, p);
  const bool integer_p = denominator(p) == 1 && p <= 64;
  bool all_zero = true;
  for (std::size_t j = 0; j < law.size(); ++j) {
    const Rational r = abs(a + b * law.value(j));
    if (r == 0) continue;  // 0^p = 0 for p > 0
    all_zero = false;
    if (integer_p) {
      Rational power(1);
      for (long k = 0; k < numerator(p).convert_to<long>(); ++k) power *= r;
      set_q(term.v, power);
    } else {
      set_q(term.v, r);
      mpfi_log(term.v, term.v);
      mpfi_mul(term.v, term.v, pp.v);
      mpfi_exp(term.v, term.v);
    }
    const Rational pj = law.prob(j);
    mpfi_mul_q(term.v, term.v, const_cast<mpq_ptr>(pj.backend().data()));
    mpfi_add(sum.v, sum.v, term.v);
  }
  return !all_zero;
}

}  // namespace

MpfiEnclosure mpfi_log_abs_mean(const laws::FiniteLaw& law, const Rational& a, const Rational& b, long prec) {
  const long wp = working_prec(prec, law.size());
  Mpfi sum(wp), term(wp);
  mpfi_set_ui(sum.v, 0);
  for (std::size_t j = 0; j < law.size(); ++j) {
    const Rational r = a + b * law.value(j);
    if (r == 0) {  // exact: the multiplier vanishes with probability p_j > 0
      MpfiEnclosure e;
      e.minus_infinity = true;
      return e;
    }
    set_q(term.v, abs(r));
    mpfi_log(term.v, term.v);
    const Rational pj = law.prob(j);
    mpfi_mul_q(term.v, term.v, const_cast<mpq_ptr>(pj.backend().data()));
    mpfi_add(sum.v, sum.v, term.v);
  }
  return finish(sum.v);
}

MpfiEnclosure mpfi_moment(const laws::FiniteLaw& law, const Rational& lr, const Rational& p, long prec) {
  const long wp = working_prec(prec, law.size());
  Mpfi sum(wp);
  if (!abs_power_sum(sum, law, Rational(1), Rational(-lr), p, wp)) {  // |1 - lr x_j|^p
    MpfiEnclosure e;
    e.minus_infinity = true;
    return e;
  }
  mpfi_log(sum.v, sum.v);
  return finish(sum.v);
}

MpfiEnclosure mpfi_uniform_exponent(const Rational& lo, const Rational& hi, const Rational& lr, long prec) {
  const long wp = prec + 32;
  Mpfi f1(wp), f2(wp), t(wp), den(wp);
  auto F = [&](mpfi_t out, const Rational& u) {  // u log|u| - u, exact u; F(0) = 0
    if (u == 0) {
      mpfi_set_ui(out, 0);
      return;
    }
    set_q(out, abs(u));
    mpfi_log(out, out);
    mpfi_mul_q(out, out, const_cast<mpq_ptr>(u.backend().data()));
    mpfi_sub_q(out, out, const_cast<mpq_ptr>(u.backend().data()));
  };
  F(f1.v, 1 - lr * lo);
  F(f2.v, 1 - lr * hi);
  mpfi_sub(t.v, f1.v, f2.v);
  const Rational d = lr * (hi - lo);
  mpfi_div_q(t.v, t.v, const_cast<mpq_ptr>(d.backend().data()));
  return finish(t.v);
}

MpfiEnclosure mpfi_abs_moment(const laws::FiniteLaw& law, const Rational& a, const Rational& b, const Rational& p,
                              long prec) {
  const long wp = working_prec(prec, law.size());
  Mpfi sum(wp);
  abs_power_sum(sum, law, a, b, p, wp);  // 0 when every atom gives 0
  return finish(sum.v);
}

MpfiEnclosure mpfi_uniform_abs_moment(const Rational& lo, const Rational& hi, const Rational& p, long prec) {
  const long wp = prec + 32;
  Mpfi k1(wp), k2(wp), pp(wp);
  set_q(pp.v, p + 1);
  auto K = [&](mpfi_t out, const Rational& u) {  // sign(u) |u|^{p+1} / (p + 1); K(0) = 0
    if (u == 0) {
      mpfi_set_ui(out, 0);
      return;
    }
    set_q(out, abs(u));
    mpfi_log(out, out);
    mpfi_mul(out, out, pp.v);
    mpfi_exp(out, out);
    mpfi_div(out, out, pp.v);
    if (u < 0) mpfi_neg(out, out);
  };
  K(k1.v, hi);
  K(k2.v, lo);
  mpfi_sub(k1.v, k1.v, k2.v);
  const Rational w = hi - lo;
  mpfi_div_q(k1.v, k1.v, const_cast<mpq_ptr>(w.backend().data()));
  return finish(k1.v);
}

MpfiEnclosure mpfi_ginibre_exponent(int d, int i, const Rational& sigma, long prec) {
  const int k = d - i + 1;  // psi(k / 2), k = 1 .. 4
  if (d < 1 || d > 4 || i < 1 || i > d) throw std::invalid_argument("mpfi_ginibre_exponent: 1 <= i <= d <= 4");
  const long wp = prec + 32;
  Mpfi psi(wp), t(wp), res(wp);
  mpfi_const_euler(psi.v);
  mpfi_neg(psi.v, psi.v);  // psi(1) = -gamma
  if (k % 2 == 1) {        // psi(1/2) = -gamma - 2 log 2
    mpfi_const_log2(t.v);
    mpfi_mul_ui(t.v, t.v, 2);
    mpfi_sub(psi.v, psi.v, t.v);
    if (k == 3) mpfi_add_ui(psi.v, psi.v, 2);  // psi(3/2) = psi(1/2) + 1/(1/2)
  } else if (k == 4) {
    mpfi_add_ui(psi.v, psi.v, 1);  // psi(2) = psi(1) + 1
  }
  const Rational two_s2 = 2 * sigma * sigma;
  set_q(res.v, two_s2);
  mpfi_log(res.v, res.v);
  mpfi_add(res.v, res.v, psi.v);
  mpfi_div_ui(res.v, res.v, 2);
  return finish(res.v);
}

MpfiEnclosure mpfi_half_log(const Rational& q, long prec) {
  Mpfi t(prec + 16);
  set_q(t.v, q);
  mpfi_log(t.v, t.v);
  mpfi_div_ui(t.v, t.v, 2);
  return finish(t.v);
}

std::string mpfi_version() { return mpfi_get_version(); }

}  // namespace lyapcert::tables
