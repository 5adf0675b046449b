// Randomized enclosure properties of the lyapnd methods beyond Poisson and cycle, and of the two-layer phase
// exponents, each against a computation that shares no code with the method under test (scripts/campaign.sh runs
// them with many cases; CI with the fixed seed of tests/support/test_main.cpp):
//  * reducible: block-triangular families conjugated by a random rational matrix. Lambda is the largest of the
//    diagonal exponents E log|t_jj| (LYAPND-RED-2), computed here by MPFI from the exact rational entries.
//  * commuting: simultaneously diagonalisable families P D_i P^-1. Lambda = max_j E log|d_ij|, the same referee.
//  * multicone: dominated 2 x 2 families (a positive family with random signs, conjugated): the enclosure meets
//    the Poisson certificate's enclosure (an independent algorithm) and the elementary bounds computed here
//    (E log|det A|/2 <= Lambda by MPFI; Lambda <= the log of the largest max-row-sum norm of an atom).
//  * poisson d = 3, 4: scaled orthogonal and block-diagonal (scaled-rotation blocks) families conjugated by a
//    random rational matrix; Lambda is the mean log of the scales (the larger block's), summed by MPFI.
//  * phase: Lambda_+- of the two-layer model with finite data are 1-D exponents E log|1 - lr gamma +- lr h_B| of
//    the exact minibatch law, enumerated here by brute force over all ordered batches (with replacement) or all
//    subsets (without) and summed by MPFI.
// Every comparison is "the two enclosures intersect" (two enclosures of one number always do); a miss is a bug.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <arb.h>
#include <mpfi.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/models/twolayer.hpp"
#include "lyapnd/rational_matrix_util.hpp"

// CI runs 10 cases per property (the Poisson referee takes up to 1 s a case); scripts/campaign.sh sets
// RC_PARAMS="seed=S max_success=N", which wins (setenv does not overwrite).
static const int kRcDefaults = setenv("RC_PARAMS", "max_success=10", 0);

namespace {

using lyapcert::exact::Ball;
using lyapcert::exact::Rational;
namespace nd = lyapcert::lyapnd;
namespace laws = lyapcert::laws;
namespace models = lyapcert::models;
namespace lyap = lyapcert::lyap;
using Mat = std::vector<Rational>;
using lyapcert::test::inverse;
using lyapcert::test::mul;

constexpr mpfr_prec_t kRefBits = 300;

// An MPFI interval [lo, hi] (or -inf when some weight-positive value is exactly 0).
struct Ref {
  bool minus_infinity = false;
  Ball ball;  // the MPFI interval as an Arb ball (outward: exact endpoints of the MPFI interval)
};

Rational abs_q(const Rational& x) { return x < 0 ? Rational(-x) : x; }

// sum_j w_j log|v_j| by MPFI from exact rationals.
Ref mpfi_mean_log(const std::vector<Rational>& v, const std::vector<Rational>& w) {
  Ref r;
  mpfi_t acc, t, u;
  mpfi_init2(acc, kRefBits);
  mpfi_init2(t, kRefBits);
  mpfi_init2(u, kRefBits);
  mpfi_set_ui(acc, 0);
  for (std::size_t j = 0; j < v.size(); ++j) {
    if (w[j] == 0) continue;
    if (v[j] == 0) {
      r.minus_infinity = true;
      break;
    }
    const Rational a = abs_q(v[j]);
    mpfi_set_q(t, a.backend().data());
    mpfi_log(t, t);
    mpfi_set_q(u, w[j].backend().data());
    mpfi_mul(t, t, u);
    mpfi_add(acc, acc, t);
  }
  if (!r.minus_infinity) {
    mpfr_t lo, hi;
    mpfr_init2(lo, kRefBits);
    mpfr_init2(hi, kRefBits);
    mpfi_get_left(lo, acc);
    mpfi_get_right(hi, acc);
    arf_t a, b;
    arf_init(a);
    arf_init(b);
    arf_set_mpfr(a, lo);
    arf_set_mpfr(b, hi);
    arb_set_interval_arf(r.ball.get(), a, b, 4 * kRefBits);
    arf_clear(a);
    arf_clear(b);
    mpfr_clear(lo);
    mpfr_clear(hi);
  }
  mpfi_clear(acc);
  mpfi_clear(t);
  mpfi_clear(u);
  return r;
}

// max of enclosures: [max lower, max upper] (every x_j in its ball => max_j x_j in the result).
Ball ball_max(const std::vector<Ball>& xs) {
  arf_t lo, hi, t;
  arf_init(lo);
  arf_init(hi);
  arf_init(t);
  for (std::size_t j = 0; j < xs.size(); ++j) {
    arb_get_lbound_arf(t, xs[j].get(), 4 * kRefBits);
    if (j == 0 || arf_cmp(t, lo) > 0) arf_set(lo, t);
    arb_get_ubound_arf(t, xs[j].get(), 4 * kRefBits);
    if (j == 0 || arf_cmp(t, hi) > 0) arf_set(hi, t);
  }
  Ball out;
  arb_set_interval_arf(out.get(), lo, hi, 4 * kRefBits);
  arf_clear(lo);
  arf_clear(hi);
  arf_clear(t);
  return out;
}

Rational gen_nonzero(int num_max, int den_max) {
  const int n = *rc::gen::inRange(1, num_max + 1);
  const int d = *rc::gen::inRange(1, den_max + 1);
  return Rational(*rc::gen::arbitrary<bool>() ? n : -n, d);
}

// A random invertible integer d x d matrix (entries in [-3, 3]; a singular draw is fixed deterministically by
// adding multiples of the identity: det(M + sI) is a nonzero polynomial in s of degree d, so at most d values
// of s make it vanish and one of s = 4..8 works).
Mat gen_invertible(int d) {
  Mat p(static_cast<std::size_t>(d) * d);
  for (auto& e : p) e = Rational(*rc::gen::inRange(-3, 4));
  for (int s = 0; s <= 8; s = (s == 0 ? 4 : s + 1)) {
    Mat q = p;
    for (int i = 0; i < d; ++i) q[i * d + i] += s;
    try {
      (void)inverse(q, d);
      return q;
    } catch (const std::invalid_argument&) {
    }
  }
  return Mat{};  // unreachable (see above)
}

std::vector<Rational> gen_probs(int k) {
  std::vector<int> w(k);
  int total = 0;
  for (int& x : w) total += (x = *rc::gen::inRange(1, 5));
  std::vector<Rational> p;
  for (int x : w) p.push_back(Rational(x, total));
  return p;
}

nd::Result run(const laws::FiniteMatrices& f, int d, nd::Method m, int digits, double budget) {
  laws::MatrixLaw law;
  law.dim = d;
  law.node = f;
  nd::Options o;
  o.acc.digits = digits;
  o.method = m;
  o.time_budget_seconds = budget;
  o.elementary_bounds = false;  // the method's own certificate, not its intersection with the elementary bounds
  return nd::certify_lyapnd(law, o);
}

// Lambda of P T_i P^-1 with T_i upper triangular (diagonal = the drawn diagonal entries) is the max over j of
// E log|t_jj| (the diagonal exponents of a triangular family, LYAPND-RED-2): both methods are checked with the
// same construction, `diagonal` making the T_i diagonal (a commuting family).
void check_triangular_family(bool diagonal) {
  const int d = *rc::gen::inRange(2, 4);
  const int k = *rc::gen::inRange(1, 4);
  const std::vector<Rational> p = gen_probs(k);
  const Mat P = gen_invertible(d);
  const Mat Pinv = inverse(P, d);
  laws::FiniteMatrices f;
  f.probs = p;
  std::vector<std::vector<Rational>> diag(d);  // diag[j][i] = t_jj of atom i
  for (int i = 0; i < k; ++i) {
    Mat t(static_cast<std::size_t>(d) * d, Rational(0));
    for (int r = 0; r < d; ++r) {
      t[r * d + r] = gen_nonzero(9, 4);
      diag[r].push_back(t[r * d + r]);
      if (!diagonal)
        for (int c = r + 1; c < d; ++c) t[r * d + c] = Rational(*rc::gen::inRange(-4, 5), *rc::gen::inRange(1, 3));
    }
    f.matrices.push_back(mul(mul(P, t, d), Pinv, d));
  }
  std::vector<Ball> blocks;
  for (int r = 0; r < d; ++r) {
    const Ref b = mpfi_mean_log(diag[r], p);
    RC_ASSERT(!b.minus_infinity);
    blocks.push_back(b.ball);
  }
  const Ball ref = ball_max(blocks);
  nd::Result res;
  try {
    res = run(f, d, diagonal ? nd::Method::commuting : nd::Method::reducible, 12, 20);
  } catch (const lyapcert::InputError& e) {
    // The method does not apply to this draw (e.g. commuting: no nonderogatory combination when two diagonal
    // positions carry equal entries in every atom); not a miss.
    RC_DISCARD(e.what());
  }
  RC_TAG(res.top.method);
  if (res.top.value.minus_infinity) RC_FAIL("Lambda = -inf certified for a family of invertible matrices");
  if (res.top.value.exact) {
    Ball v = res.top.value.ball;
    RC_ASSERT(arb_overlaps(v.get(), ref.get()));
    return;
  }
  RC_ASSERT(res.top.value.ball.is_finite());
  if (!res.upper_bound_only) {
    RC_ASSERT(arb_overlaps(res.top.value.ball.get(), ref.get()));
  } else {
    arf_t u, l;
    arf_init(u);
    arf_init(l);
    arb_get_ubound_arf(u, res.top.value.ball.get(), 4 * kRefBits);
    arb_get_lbound_arf(l, ref.get(), 4 * kRefBits);
    const bool ok = arf_cmp(u, l) >= 0;
    arf_clear(u);
    arf_clear(l);
    RC_ASSERT(ok);
  }
}

RC_GTEST_PROP(LyapndCampaign, ReducibleMatchesMaxOfDiagonalExponents, ()) { check_triangular_family(false); }

RC_GTEST_PROP(LyapndCampaign, CommutingMatchesDiagonalisedLaws, ()) { check_triangular_family(true); }

// Dominated 2 x 2 families with any signs: s_i M_i (M_i positive integer, s_i = +-1) conjugated by a random
// invertible P. Lambda is unchanged by the conjugation and the signs (|s_i| = 1), so the referees run on the
// positive family M_i: the Poisson certificate (LYAPND-POIS-1, a different algorithm: an integral bound, no
// cycle expansion), E log|det M|/2 <= Lambda, and Lambda <= E log ||M||_inf (the max-row-sum norm is
// submultiplicative).
RC_GTEST_PROP(LyapndCampaign, MulticoneMeetsPoissonAndElementaryBounds, ()) {
  const int k = *rc::gen::inRange(1, 4);
  const std::vector<Rational> p = gen_probs(k);
  const Mat P = gen_invertible(2);
  const Mat Pinv = inverse(P, 2);
  laws::FiniteMatrices pos, conj;
  pos.probs = conj.probs = p;
  std::vector<Rational> dets, norms;
  for (int i = 0; i < k; ++i) {
    Mat m(4);
    for (auto& e : m) e = Rational(*rc::gen::inRange(1, 10));
    dets.push_back(m[0] * m[3] - m[1] * m[2]);
    norms.push_back(std::max(m[0] + m[1], m[2] + m[3]));
    pos.matrices.push_back(m);
    const int s = *rc::gen::arbitrary<bool>() ? 1 : -1;
    for (auto& e : m) e *= s;
    conj.matrices.push_back(mul(mul(Pinv, m, 2), P, 2));
  }
  nd::Result mc;
  try {
    mc = run(conj, 2, nd::Method::multicone, 10, 10);
  } catch (const lyapcert::InputError& e) {
    RC_DISCARD(e.what());
  }
  // The whole line is an honest answer (a multicone with a poor contraction, e.g. theta = 0.91 with a rank-one
  // atom, needs longer words than the budget allows): nothing to compare, but it is counted.
  if (!mc.top.value.ball.is_finite()) {
    RC_TAG("no finite enclosure");
    return;
  }
  RC_TAG("finite enclosure");
  // Elementary bounds, from the positive family by MPFI.
  std::vector<Rational> half(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) half[i] = p[i] / 2;
  const Ref lower = mpfi_mean_log(dets, half);  // E log|det|/2 (-inf when some det is 0: no lower bound)
  const Ref upper = mpfi_mean_log(norms, p);
  arf_t a, b;
  arf_init(a);
  arf_init(b);
  bool ok_lower = true, ok_upper = true;
  if (!lower.minus_infinity) {
    arb_get_ubound_arf(a, mc.top.value.ball.get(), 4 * kRefBits);
    arb_get_lbound_arf(b, lower.ball.get(), 4 * kRefBits);
    ok_lower = arf_cmp(a, b) >= 0;
  }
  arb_get_lbound_arf(a, mc.top.value.ball.get(), 4 * kRefBits);
  arb_get_ubound_arf(b, upper.ball.get(), 4 * kRefBits);
  ok_upper = arf_cmp(a, b) <= 0;
  arf_clear(a);
  arf_clear(b);
  RC_ASSERT(ok_lower);
  RC_ASSERT(ok_upper);
  // The Poisson certificate needs invertible atoms; 1 s at 4 digits gives a finite enclosure (often wide).
  if (std::find(dets.begin(), dets.end(), Rational(0)) == dets.end()) {
    const nd::Result ps = run(pos, 2, nd::Method::poisson, 4, 1);
    if (ps.top.value.ball.is_finite()) RC_ASSERT(arb_overlaps(ps.top.value.ball.get(), mc.top.value.ball.get()));
  }
}

// Integer rotation-like matrices from a quaternion q = (a, b, c, e) != 0 with n = |q|^2:
//  * d = 3: R(q) = M(q)/n, M the integer matrix of the rotation x -> q x q^-1 (times n): exactly orthogonal;
//  * d = 4: L(q), left multiplication by q: L(q)^T L(q) = n I, i.e. sqrt(n) times an orthogonal matrix;
//  * d = 2: [[a, -b], [b, a]] = sqrt(a^2 + b^2) times a rotation.
Mat rot3(long a, long b, long c, long e) {
  const long n = a * a + b * b + c * c + e * e;
  const long m[9] = {a * a + b * b - c * c - e * e, 2 * (b * c - a * e),           2 * (b * e + a * c),
                     2 * (b * c + a * e),           a * a - b * b + c * c - e * e, 2 * (c * e - a * b),
                     2 * (b * e - a * c),           2 * (c * e + a * b),           a * a - b * b - c * c + e * e};
  Mat r(9);
  for (int i = 0; i < 9; ++i) r[i] = Rational(m[i], n);
  return r;
}
Mat left4(long a, long b, long c, long e) {
  return {a, -b, -c, -e, b, a, -e, c, c, e, a, -b, e, -c, b, a};
}

// Poisson certificate for d = 3, 4 (LYAPND-POIS-6 .. 10) against exact exponents, on families conjugated by a
// random invertible P (Lambda is conjugation-invariant):
//  * scaled orthogonal: A_i = c_i O_i, Lambda = E log|c_i| exactly (|A_n .. A_1 v| = prod |c_i| |v|); d = 3 with
//    O_i = R(q_i), d = 4 with A_i = c_i L(q_i), Lambda = E log(|c_i| sqrt(n_i));
//  * block diagonal: diag(c_i [[a, -b], [b, a]], t_i) (d = 3) or diag(c_i [[a, -b], [b, a]], s_i [[a', -b'], [b', a']])
//    (d = 4): Lambda = the larger block exponent (each block is a scaled rotation: its exponent is exact).
// The referee sums the logs by MPFI from the exact rationals (squared norms, halved). The certificate may be wide
// (reducible families: it cannot shrink, LYAPND-POIS-2) or the budget may end before a level; a finite enclosure
// must contain Lambda.
RC_GTEST_PROP(LyapndCampaign, PoissonNdMatchesScaledOrthogonalAndBlockDiagonal, ()) {
  const int d = *rc::gen::inRange(3, 5);
  const bool block = *rc::gen::arbitrary<bool>();
  const int k = *rc::gen::inRange(1, 4);
  const std::vector<Rational> p = gen_probs(k);
  const Mat P = gen_invertible(d);
  const Mat Pinv = inverse(P, d);
  auto small = [] { return static_cast<long>(*rc::gen::inRange(-3, 4)); };
  auto quat = [&] {
    std::vector<long> q(4);
    do {
      for (auto& x : q) x = small();
    } while (q[0] == 0 && q[1] == 0 && q[2] == 0 && q[3] == 0);
    return q;
  };
  auto pair2 = [&] {
    long a = 0, b = 0;
    while (a == 0 && b == 0) {
      a = small();
      b = small();
    }
    return std::pair<long, long>(a, b);
  };
  laws::FiniteMatrices f;
  f.probs = p;
  // Squared scale of each atom in each exponent: Lambda_j = E log(sq_j)/2.
  std::vector<std::vector<Rational>> sq(2);
  for (int i = 0; i < k; ++i) {
    const Rational c = gen_nonzero(5, 3);
    Mat a(static_cast<std::size_t>(d) * d, Rational(0));
    if (!block) {
      const auto q = quat();
      if (d == 3) {
        a = rot3(q[0], q[1], q[2], q[3]);
        sq[0].push_back(c * c);
      } else {
        a = left4(q[0], q[1], q[2], q[3]);
        sq[0].push_back(c * c * (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]));
      }
      for (auto& e : a) e *= c;
    } else {
      const auto [x, y] = pair2();
      a[0] = c * x;
      a[1] = -c * y;
      a[d] = c * y;
      a[d + 1] = c * x;
      sq[0].push_back(c * c * (x * x + y * y));
      const Rational t = gen_nonzero(5, 3);
      if (d == 3) {
        a[8] = t;
        sq[1].push_back(t * t);
      } else {
        const auto [x2, y2] = pair2();
        a[10] = t * x2;
        a[11] = -t * y2;
        a[14] = t * y2;
        a[15] = t * x2;
        sq[1].push_back(t * t * (x2 * x2 + y2 * y2));
      }
    }
    f.matrices.push_back(mul(mul(P, a, d), Pinv, d));
  }
  std::vector<Rational> half(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) half[i] = p[i] / 2;
  std::vector<Ball> parts;
  for (const auto& v : sq) {
    if (v.empty()) continue;
    const Ref r = mpfi_mean_log(v, half);
    RC_ASSERT(!r.minus_infinity);
    parts.push_back(r.ball);
  }
  const Ball ref = ball_max(parts);
  nd::Result res;
  try {
    res = run(f, d, nd::Method::poisson, 3, 2);
  } catch (const lyapcert::InputError& e) {
    RC_DISCARD(e.what());
  }
  if (res.top.value.minus_infinity) RC_FAIL("Lambda = -inf certified for a family of invertible matrices");
  if (!res.top.value.ball.is_finite()) {
    RC_TAG("no finite enclosure");
    return;
  }
  RC_TAG(block ? "block diagonal, finite" : "scaled orthogonal, finite");
  RC_ASSERT(arb_overlaps(res.top.value.ball.get(), ref.get()));
}

// Brute-force law of the minibatch mean of h_j = x_j y_j: every ordered batch (with replacement, N^S of them)
// or every subset (without, C(N, S)), each equally likely.
void batches(const std::vector<Rational>& h, int S, bool replace, std::size_t start, int left, Rational sum,
             std::vector<Rational>& out) {
  if (left == 0) {
    out.push_back(sum / S);
    return;
  }
  for (std::size_t j = replace ? 0 : start; j < h.size(); ++j) batches(h, S, replace, j + 1, left - 1, sum + h[j], out);
}

// Phase exponents of the two-layer model with finite data, by the model's definition (docs/math.md section 3,
// MODEL-ORIENT-1): with s = sign E[h_B] (+ when E[h_B] = 0), Lambda_+- = E log|1 - lr gamma +- s lr h_B|, each a
// 1-D exponent of the brute-force minibatch law, summed by MPFI here.
RC_GTEST_PROP(PhaseCampaign, ExponentsMatchBruteForceMinibatchLaw, ()) {
  models::TwoLayerModel m;
  const int N = *rc::gen::inRange(1, 6);
  for (int j = 0; j < N; ++j) m.data.push_back({gen_nonzero(4, 3), gen_nonzero(4, 3)});
  m.replace = *rc::gen::arbitrary<bool>();
  m.batch = static_cast<std::uint64_t>(*rc::gen::inRange(1, std::min(3, N) + 1));
  m.gamma = Rational(*rc::gen::inRange(0, 4), 8);
  const Rational lr(*rc::gen::inRange(1, 30), *rc::gen::inRange(1, 11));
  std::vector<Rational> h;
  for (const auto& [x, y] : m.data) h.push_back(x * y);
  std::vector<Rational> hb;
  batches(h, static_cast<int>(m.batch), m.replace, 0, static_cast<int>(m.batch), Rational(0), hb);
  const std::vector<Rational> w(hb.size(), Rational(1, static_cast<long>(hb.size())));
  const auto law = models::minibatch_curvature(m);
  const auto r = models::phase_at(m, law, lr, lyap::Accuracy{10, 4096});
  Rational mean = 0;
  for (const Rational& x : hb) mean += x;
  const int s = mean < 0 ? -1 : 1;
  for (int sgn : {s, -s}) {
    std::vector<Rational> v;
    for (const Rational& x : hb) v.push_back(1 - lr * m.gamma + sgn * lr * x);
    const Ref ref = mpfi_mean_log(v, w);
    const lyap::CertifiedResult& c = sgn == s ? r.lambda_plus : r.lambda_minus;
    RC_ASSERT(c.value.minus_infinity == ref.minus_infinity);
    if (ref.minus_infinity) continue;
    RC_ASSERT(c.value.ball.is_finite());
    RC_ASSERT(arb_overlaps(c.value.ball.get(), ref.ball.get()));
    // A certified sign must be the referee's where the referee decides it.
    if (!arb_contains_zero(ref.ball.get())) {
      const lyap::Sign want = arb_is_positive(ref.ball.get()) ? lyap::Sign::positive : lyap::Sign::negative;
      RC_ASSERT(c.value.sign == want || c.value.sign == lyap::Sign::undetermined);
    }
  }
}

}  // namespace
