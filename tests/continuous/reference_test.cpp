// Closed forms and quadrature vs the checked-in mpmath reference values (tests/data/continuous_ref.txt;
// see its header and tests/data/gen_continuous_ref.py for how each value was obtained).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "continuous/test_util.hpp"
#include "lyapcert/continuous.hpp"
#include "support/reference_table.hpp"

namespace lc = lyapcert::continuous;
using lc::test::A;

TEST(Reference, MpmathValues) {
  const slong prec = 180;
  int n = 0;
  for (const std::string& line : lyapcert::test::read_reference_lines("tests/data/continuous_ref.txt")) {
    std::istringstream ss(line);
    std::string kind, p1, p2, p3, val;
    ss >> kind >> p1 >> p2;
    if (kind != "gauss") ss >> p3;
    ss >> val;
    A ref, closed, quad;
    ASSERT_EQ(arb_set_str(ref.v, val.c_str(), prec), 0) << line;
    // 50 significant digits written: relative error <= 1e-49
    A t;
    arb_abs(t, ref);
    mag_t e;
    mag_init(e);
    arb_get_mag(e, t);
    mag_t f;
    mag_init(f);
    mag_set_d(f, 1e-49);
    mag_mul(e, e, f);
    mag_clear(f);
    arb_add_error_mag(ref, e);
    mag_clear(e);
    if (kind == "gauss") {
      A m(p1.c_str()), v(p2.c_str());
      lc::gauss_log_abs_mean(closed, m, v, prec);
      lc::gauss_log_abs_mean_quad(quad, m, v, 120);
    } else if (kind == "sqnormal") {
      A lr(p1.c_str()), mu(p2.c_str()), s(p3.c_str());
      lc::sqnormal_log_abs_mean(closed, lr, mu, s, prec);
      lc::sqnormal_log_abs_mean_quad(quad, lr, mu, s, 120);
    } else {
      A lr(p1.c_str()), a(p2.c_str()), b(p3.c_str());
      lc::uniform_log_abs_mean(closed, lr, a, b, prec);
      lc::uniform_log_abs_mean_quad(quad, lr, a, b, 120);
    }
    EXPECT_TRUE(arb_overlaps(closed, ref)) << line << "\n closed " << closed.str(55);
    EXPECT_LT(closed.rad(), 1e-50) << line;
    EXPECT_TRUE(arb_overlaps(quad, ref)) << line << "\n quad " << quad.str(40);
    EXPECT_LT(quad.rad(), 1e-33) << line;
    ++n;
  }
  EXPECT_GE(n, 20);
}
