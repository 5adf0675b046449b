#include "lyapcert/fast/gaussian.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "lyapcert/fast/log.hpp"
#include "lyapcert/fast/sum.hpp"

namespace lyapcert::fast {
namespace {

using R = OutwardRounding;

constexpr double kRelTol = 0x1p-60;  // stopping tolerance (decides only the cost, never the validity)
constexpr int kMaxPoissonTerms = 4000;

// Enclosure of e^t for one double t. Proof: FAST-GAUSS-1.
OutwardInterval exp_point(double t) {
  if (t <= -709.0) return OutwardInterval(0.0, DBL_MIN);  // e^-709 < 1.3e-308 < DBL_MIN
  if (t >= 710.0) return OutwardInterval(DBL_MAX, kInf);  // e^710 > 2.2e308 > DBL_MAX
  // Any integer k gives a valid enclosure; the nearest one makes |r| <= ln2/2 + tiny.
  const double k = std::nearbyint(t * 0x1.71547652b82fep0);
  // k * kLn2Hi is exact (|k| <= 1025 < 2^21, kLn2Hi has 32 significant bits); ln 2 - kLn2Hi lies in
  // [pred(kLn2Lo), succ(kLn2Lo)] since |ln 2 - kLn2Hi - kLn2Lo| <= 2^-86 < ulp(kLn2Lo) = 2^-85.
  OutwardInterval r = OutwardInterval(t) - OutwardInterval(k * detail::kLn2Hi);
  r -= OutwardInterval(k) * OutwardInterval(next_down(detail::kLn2Lo), next_up(detail::kLn2Lo));
  if (!(r.lower() >= -0.5 && r.upper() <= 0.5)) return OutwardInterval(0.0, kInf);  // unreachable
  // T_17(r) = 1 + r(1 + r/2(1 + ... (1 + r/17))) and |e^r - T_17(r)| <= e^{1/2} 2^-18 / 18! < 1e-21.
  OutwardInterval p(1.0);
  for (int n = 17; n >= 1; --n) p = OutwardInterval(1.0) + (r * p) / OutwardInterval(static_cast<double>(n));
  p += OutwardInterval(-1e-21, 1e-21);
  const int ki = static_cast<int>(k);
  const int k1 = ki / 2;
  p *= OutwardInterval(std::ldexp(1.0, k1));  // exact powers of two (|k1|, |ki - k1| <= 513)
  p *= OutwardInterval(std::ldexp(1.0, ki - k1));
  return p;
}

// H(x) = x 2F2(1,1; 3/2,2; -x) = sum_{j>=1} e^{-x} x^j/j! h_j, h_j = sum_{k<j} 1/(2k+1), for every x in
// xs (0 <= x <= 700), with the tail after the last term bounded by twice that term. Proof: FAST-GAUSS-2.
OutwardInterval h_poisson(const OutwardInterval& xs) {
  if (xs.upper() == 0.0) return OutwardInterval(0.0);  // H(0) = 0
  // 0 < H' <= 1 and H(0) = 0 give 0 <= H(x) <= x; for tiny x this is tighter than the series (whose
  // terms would underflow). Proof: FAST-GAUSS-3.
  if (xs.upper() <= 0x1p-100) return OutwardInterval(0.0, xs.upper());
  const double xu = xs.upper();
  OutwardInterval w = fast::exp(-xs);  // w_0 = e^{-x}
  OutwardInterval h(0.0);
  IntervalSum sum;
  double estimate = 0.0;  // round-to-nearest partial sum, only to decide when to stop
  for (int j = 1; j <= kMaxPoissonTerms; ++j) {
    w = w * xs / OutwardInterval(static_cast<double>(j));                             // w_j = w_{j-1} x / j
    h += OutwardInterval(1.0) / OutwardInterval(2.0 * static_cast<double>(j) - 1.0);  // h_j = h_{j-1} + 1/(2j-1)
    const OutwardInterval t = w * h;
    // For i >= j: t_{i+1}/t_i <= 2x/(2i+1) <= 1/2 once 2j+1 >= 4x, so sum_{i>=j} t_i <= 2 t_j.
    if (2.0 * j + 1.0 >= 4.0 * xu && t.upper() <= kRelTol * estimate) {
      sum.add(OutwardInterval(0.0, R::mul_up(2.0, t.upper())));
      return sum.result();
    }
    sum.add(t);
    estimate += t.lower();
  }
  return OutwardInterval::whole();  // not reached for x <= 700
}

// q = 1F1(1; 3/2; -x) = D(sqrt x)/sqrt x for every x in xs (x >= 60): with p_k = (1/2)_k/(2 x^{k+1}),
// q in sum_{k<n} p_k + [-2 e^{-3x/4}/(x - 4n/3), 4 p_n + e^{-3x/4}/2] for n <= 3x/8. Proof: FAST-GAUSS-4,
// FAST-GAUSS-5.
OutwardInterval q_asymptotic(const OutwardInterval& xs) {
  const double xl = xs.lower();
  const int n_max = static_cast<int>(std::min(40.0, std::floor(3.0 * xl / 8.0)));  // >= 22 for x >= 60
  OutwardInterval p = OutwardInterval(1.0) / (OutwardInterval(2.0) * xs);  // p_0
  const double p0 = p.lower();
  IntervalSum q;
  int n = 0;
  while (true) {
    q.add(p);  // p_n joins the sum; now the sum has n + 1 terms
    ++n;
    p = p * OutwardInterval(static_cast<double>(n) - 0.5) / xs;  // p_n = p_{n-1} (n - 1/2)/x
    if (n >= n_max || R::mul_up(4.0, p.upper()) <= kRelTol * p0) break;
  }
  // e^{-3x/4} <= kExpTailX / x (FAST-GAUSS-5); n <= 3x/8 gives x - 4n/3 >= x/2.
  const double tail = R::div_up(detail::kExpTailX, xl);
  const double lower_extra = R::div_up(R::mul_up(4.0, tail), xl);  // 2 e^{-3x/4}/(x/2)
  const double upper_extra = R::add_up(R::mul_up(4.0, p.upper()), R::mul_up(0.5, tail));
  q.add(OutwardInterval(-lower_extra, upper_extra));
  return q.result();
}

// f(y) = G - log|m| for every x = y^2 in xs (x >= 60):
// f = -q A + B + (-1)^{n-1} C_n I_n, A = 1 - (1/2) sum_{k<n} (-1)^{k-1} C_k x^{-k},
// B = sum_{k<n} (-1)^{k-1} C_k x^{-k}/(4k), 0 <= I_n <= q x^{1-n}/(2n-1). Proof: FAST-GAUSS-4 (CONT-GAUSS-2).
OutwardInterval f_asymptotic(const OutwardInterval& xs) {
  const OutwardInterval q = q_asymptotic(xs);
  const double xl = xs.lower();
  const double tol = kRelTol / (8.0 * xs.upper());  // |f| is about 1/(4x)
  OutwardInterval ck(1.0);  // C_n
  OutwardInterval xp(1.0);  // x^{1-n}
  OutwardInterval a(1.0), b(0.0);
  OutwardInterval rem(0.0);
  for (int n = 1;; ++n) {
    const OutwardInterval bound = ck * q * xp / OutwardInterval(2.0 * n - 1.0);
    if (bound.upper() <= tol || n >= xl || n >= 200) {
      rem = OutwardInterval(0.0, bound.upper());
      if (n % 2 == 0) rem = -rem;
      break;
    }
    xp = xp / xs;  // x^{-n}
    const OutwardInterval term = ck * xp;
    if (n % 2 == 1) {
      a -= term * OutwardInterval(0.5);
      b += term / OutwardInterval(4.0 * n);
    } else {
      a += term * OutwardInterval(0.5);
      b -= term / OutwardInterval(4.0 * n);
    }
    ck = ck * OutwardInterval(2.0 * n + 1.0) * OutwardInterval(0.5);  // C_{n+1} = C_n (2n+1)/2
  }
  return b - q * a + rem;
}

OutwardInterval half_gamma_log2() { return OutwardInterval(detail::kHalfGammaLog2Lo, detail::kHalfGammaLog2Hi); }

}  // namespace

// Proof: FAST-GAUSS-1.
OutwardInterval exp(const OutwardInterval& x) {
  if (boost::numeric::empty(x)) return x;
  return OutwardInterval(exp_point(x.lower()).lower(), exp_point(x.upper()).upper());
}

// Proof: FAST-GAUSS-2 .. FAST-GAUSS-5.
OutwardInterval gauss_log_abs_mean(const OutwardInterval& m, const OutwardInterval& v) {
  if (boost::numeric::empty(m) || boost::numeric::empty(v)) return OutwardInterval::empty();
  if (v.lower() < 0.0) return OutwardInterval::whole();
  if (v.upper() == 0.0) return log_abs(m);  // the atom m
  if (v.lower() == 0.0) return OutwardInterval::whole();
  const OutwardInterval xs = boost::numeric::square(m / v) * OutwardInterval(0.5);
  if (xs.lower() >= detail::kAsymptoticX) return log_abs(m) + f_asymptotic(xs);  // FAST-GAUSS-4
  if (xs.upper() <= 700.0) {
    // H at one double xm of xs, then the width of xs: 0 < H' <= 1 gives H(x) in H(xm) + [xl - xm, xu - xm]
    // (summing with the interval xs would amplify its width about 4x times). Proof: FAST-GAUSS-3.
    const double xm = R::median(xs.lower(), xs.upper());
    const OutwardInterval spread(R::sub_down(xs.lower(), xm), R::sub_up(xs.upper(), xm));
    return fast::log(v) - half_gamma_log2() + (h_poisson(OutwardInterval(xm)) + spread);
  }
  return OutwardInterval::whole();
}

// Proof: FAST-GAUSS-6, FAST-GAUSS-7.
OutwardInterval uniform_log_abs_mean(const OutwardInterval& c, const OutwardInterval& h) {
  if (boost::numeric::empty(c) || boost::numeric::empty(h)) return OutwardInterval::empty();
  if (!(h.lower() > 0.0)) return OutwardInterval::whole();
  const OutwardInterval ac = boost::numeric::abs(c);
  if (ac.lower() > 0.0) {
    const OutwardInterval r = h / ac;
    if (r.upper() <= 0.5) {
      // E log|1 + r U| = -sum_k r^{2k}/(2k(2k+1)); tail from k on <= t_k/(1 - r^2) <= (4/3) t_k.
      const OutwardInterval r2 = boost::numeric::square(r);
      OutwardInterval pw = r2;
      IntervalSum s;
      const double first = R::div_down(r2.lower(), 6.0);
      for (int k = 1;; ++k) {
        const OutwardInterval t = pw / OutwardInterval(2.0 * k * (2.0 * k + 1.0));
        if (t.upper() <= kRelTol * first || k >= 60) {
          const double four_thirds = R::div_up(4.0, 3.0);
          s.add(OutwardInterval(0.0, R::mul_up(four_thirds, t.upper())));
          break;
        }
        s.add(t);
        pw *= r2;
      }
      return fast::log(ac) - s.result();
    }
  }
  // (F(c + h) - F(c - h)) / (2h), F(u) = u log|u| - u, F(0) = 0.
  const auto big_f = [](const OutwardInterval& u) {
    if (u.lower() == 0.0 && u.upper() == 0.0) return OutwardInterval(0.0);
    return u * log_abs(u) - u;
  };
  return (big_f(c + h) - big_f(c - h)) / (OutwardInterval(2.0) * h);
}

// Proof: FAST-GAUSS-8.
OutwardInterval sqnormal_log_abs_mean(const OutwardInterval& lr, const OutwardInterval& mu, const OutwardInterval& s) {
  if (boost::numeric::empty(lr) || boost::numeric::empty(mu) || boost::numeric::empty(s))
    return OutwardInterval::empty();
  if (!(lr.lower() > 0.0) || s.lower() < 0.0) return OutwardInterval::whole();
  const OutwardInterval rs = boost::numeric::sqrt(lr);
  const OutwardInterval v = rs * s;
  const OutwardInterval rm = rs * mu;
  return gauss_log_abs_mean(OutwardInterval(1.0) - rm, v) + gauss_log_abs_mean(OutwardInterval(1.0) + rm, v);
}

}  // namespace lyapcert::fast
