// Tests of the critical-SNR certificate (proofs/models/critical.md MODEL-CRIT-1..4).
// Independent references: the closed forms of the bounds evaluated in long double; mpmath values of
// Lambda_+ computed two ways (chi-square mixture with the Poisson series of E log|Z + c|, and the
// variance-gamma density), stored with their generator in tests/data/critical_lambda_plus*.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/models/critical.hpp"
#include "support/reference_table.hpp"

namespace lyapcert::models {
namespace {

using exact::Rational;
using Arb = exact::Ball;

double lower(const arb_t x) { return arf_get_d(arb_midref(x), ARF_RND_DOWN) - mag_get_d(arb_radref(x)); }
double upper(const arb_t x) { return arf_get_d(arb_midref(x), ARF_RND_UP) + mag_get_d(arb_radref(x)); }

void small_bound(arb_t out, const Rational& u, const Rational& rho2, ulong S, const Rational& delta) {
  Arb ub, rb, db;
  exact::set_ball(ub, u, 128);
  exact::set_ball(rb, rho2, 128);
  exact::set_ball(db, delta, 128);
  crit_small_lr_bound(out, ub, rb, S, db, 128);
}

void large_bound(arb_t out, const Rational& u, const Rational& rho2, ulong S) {
  Arb ub, rb;
  exact::set_ball(ub, u, 128);
  exact::set_ball(rb, rho2, 128);
  crit_large_lr_bound(out, ub, rb, S, 128);
}

TEST(CriticalTest, SmallLrBoundClosedForm) {
  for (const auto& [u, rho2, S, delta] : {std::tuple{0.01L, 8.0L, 1u, 0.5L}, std::tuple{0.05L, 3.0L, 2u, 0.3L},
                                         std::tuple{0.002L, 40.0L, 8u, 0.85L}}) {
    const long double m2 = 1 + (2 + rho2) / S;
    const long double id = 1 + (1 - delta) * (1 - std::log(1 - delta));
    const long double kd = id * std::exp(-0.5L) / (delta * std::sqrt(2 * 3.14159265358979323846L));
    const long double ref = u - u * u * m2 / (2 * (1 - delta)) - kd * std::exp(-delta * S / (u * rho2));
    Arb r;
    small_bound(r, Rational(exact::parse_rational(std::to_string(static_cast<double>(u)))),
                exact::parse_rational(std::to_string(static_cast<double>(rho2))), S,
                exact::parse_rational(std::to_string(static_cast<double>(delta))));
    EXPECT_NEAR(arf_get_d(arb_midref(r), ARF_RND_NEAR), static_cast<double>(ref), 1e-12 * (1 + std::fabs(ref)));
  }
}

TEST(CriticalTest, LargeLrBoundClosedForm) {
  // S = 1: psi(1/2) = -gamma - 2 log 2, B0 = log rho - gamma - log 2; S = 2: psi(1) = -gamma,
  // B0 = log(rho/2) - gamma.
  const long double eg = 0.57721566490153286061L;
  Arb r;
  large_bound(r, Rational(3, 2), Rational(8), 1);
  EXPECT_NEAR(arf_get_d(arb_midref(r), ARF_RND_NEAR),
              static_cast<double>(std::log(1.5L) + 0.5L * std::log(8.0L) - eg - std::log(2.0L)), 1e-14);
  large_bound(r, Rational(7), Rational(5), 2);
  EXPECT_NEAR(arf_get_d(arb_midref(r), ARF_RND_NEAR),
              static_cast<double>(std::log(7.0L) + 0.5L * std::log(5.0L) - std::log(2.0L) - eg), 1e-14);
}

// Rows "S rho2 u lambda_plus" (rationals, value a decimal) from tests/data/critical_lambda_plus.txt.
struct Row {
  unsigned S;
  Rational rho2, u;
  double value;
};
std::vector<Row> reference_rows() {
  std::vector<Row> rows;
  for (const std::string& line : lyapcert::test::read_reference_lines("tests/data/critical_lambda_plus.txt")) {
    std::istringstream is(line);
    std::string s, r, u, v;
    is >> s >> r >> u >> v;
    rows.push_back({static_cast<unsigned>(std::stoul(s)), exact::parse_rational(r), exact::parse_rational(u), std::stod(v)});
  }
  return rows;
}

TEST(CriticalTest, BoundsBelowMpmath) {
  const auto rows = reference_rows();
  ASSERT_GE(rows.size(), 10u);
  int small_informative = 0, large_informative = 0;
  for (const auto& row : rows) {
    Arb r;
    large_bound(r, row.u, row.rho2, row.S);
    EXPECT_LT(upper(r), row.value) << "MODEL-CRIT-3 above Lambda_+ at S=" << row.S << " u=" << row.u;
    if (lower(r) > 0) ++large_informative;
    for (int j = 1; j <= 19; ++j) {
      small_bound(r, row.u, row.rho2, row.S, Rational(j, 20));
      EXPECT_LT(upper(r), row.value) << "MODEL-CRIT-2 above Lambda_+ at S=" << row.S << " u=" << row.u;
      if (j == 10 && lower(r) > 0 && lower(r) > 0.5 * row.value) ++small_informative;
    }
  }
  // The comparisons must include points where the bounds are close to the truth (otherwise they test nothing).
  EXPECT_GE(small_informative, 2);
  EXPECT_GE(large_informative, 2);
}

TEST(CriticalTest, CertificateAtHighSnrNegativeK) {
  // k = -3 (MODEL-ORIENT-1 and MODEL-CRIT-1: the learning rates of k = 1 divided by 3).
  TwoLayerModel m;
  m.k = -3;
  m.sigma2 = sigma2_from_snr(m.k, Rational(2, 5));
  CritOptions opt;
  const auto c = certify_no_collapse(m, opt);
  ASSERT_TRUE(c.certified) << c.message;
  ASSERT_FALSE(c.cells.empty());
  EXPECT_EQ(c.cells.front().lower, c.lr_a);
  EXPECT_EQ(c.cells.back().upper, c.lr_b);
  for (std::size_t i = 1; i < c.cells.size(); ++i) EXPECT_EQ(c.cells[i].lower, c.cells[i - 1].upper);
  for (const auto& cell : c.cells) EXPECT_GT(cell.lambda_plus_lower, 0);
  // The analytic ends in u = lr |k| units: the bounds evaluated independently here.
  Arb r;
  const Rational rho2 = m.sigma2 / 9;
  small_bound(r, c.lr_a * 3, rho2, 1, c.delta);
  EXPECT_GT(lower(r), 0);
  EXPECT_LE(c.lr_a * 3, c.delta / rho2);
  large_bound(r, c.lr_b * 3, rho2, 1);
  EXPECT_GT(lower(r), 0);
  // Spot checks of the certified cells against the exact xy law at points (phase_at path).
  TwoLayerModel m1 = m;
  const auto law = minibatch_curvature(m1);
  for (std::size_t i = 0; i < c.cells.size(); i += c.cells.size() / 5 + 1) {
    const auto pr = phase_at(m1, law, c.cells[i].lower, lyap::Accuracy{6, 1024});
    EXPECT_EQ(pr.lambda_plus.value.sign, lyap::Sign::positive);
  }
}

TEST(CriticalTest, NoCertificateWhereCollapseExists) {
  TwoLayerModel m;
  m.sigma2 = sigma2_from_snr(m.k, Rational(1, 50));
  CritOptions opt;
  opt.max_evaluations = 100;
  const auto c = certify_no_collapse(m, opt);
  EXPECT_FALSE(c.certified);
  const auto w = find_collapse_witness(m, 3);
  ASSERT_TRUE(w.found);
  EXPECT_EQ(w.result.lambda_plus.value.sign, lyap::Sign::negative);
  EXPECT_EQ(w.result.lambda_minus.value.sign, lyap::Sign::negative);
}

TEST(CriticalTest, BadInput) {
  TwoLayerModel m;
  m.gamma = Rational(1, 10);
  EXPECT_THROW(certify_no_collapse(m, CritOptions{}), InputError);
  m.gamma = 0;
  m.sigma2 = 0;
  EXPECT_THROW(certify_no_collapse(m, CritOptions{}), InputError);
  CriticalSpec spec;
  spec.digits = 7;
  EXPECT_THROW(critical_snr(spec, nullptr), InputError);
  spec.digits = 2;
  spec.snr_max = Rational(1, 2);
  EXPECT_THROW(critical_snr(spec, nullptr), InputError);
}

// The bisection's labels as critical-snr --json prints them in "bisection" (the text before they became an enum).
TEST(CriticalSnr, LabelText) {
  EXPECT_STREQ(to_string(SnrLabel::collapse), "collapse");
  EXPECT_STREQ(to_string(SnrLabel::no_collapse), "no-collapse");
  EXPECT_STREQ(to_string(SnrLabel::undetermined), "undetermined");
}

// What critical-snr prints beside the exact bracket: the batch SNR (S times the per-sample SNR), sigma/|k| from
// sigma^2 = k^2 (1/R - 2) (R = 1/3: sigma = |k|; R = 1/4: sigma = sqrt(2) |k|), the smallest cell lower bound.
TEST(CriticalSnr, PrintedApproximations) {
  CriticalSpec spec;
  spec.batch = 3;
  EXPECT_EQ(batch_snr(spec, Rational(1, 7)), Rational(3, 7));
  EXPECT_EQ(sigma_over_k_approx(Rational(-2), Rational(1, 3)), 1.0);
  EXPECT_EQ(sigma_over_k_approx(Rational(5), Rational(1, 4)), std::sqrt(2.0));
  NoCollapseCertificate c;
  EXPECT_EQ(min_cell_lower_bound(c), HUGE_VAL);
  for (const Rational& b : {Rational(1, 3), Rational(1, 10), Rational(2)}) c.cells.push_back({0, 1, b});
  EXPECT_EQ(min_cell_lower_bound(c), 0.1);
}

}  // namespace
}  // namespace lyapcert::models
