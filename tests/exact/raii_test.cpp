// Tests of the scoped Arb/FLINT holders (exact/arb_raii.hpp): each one hands the C functions an initialised
// object (the values Arb/FLINT define for a fresh init), and AcbVec holds a root vector that Arb fills with
// enclosures of roots known in closed form. A holder that skipped its clear shows up as a leak under the
// sanitizer job (LeakSanitizer), including when an exception leaves the scope.
#include "lyapcert/exact/arb_raii.hpp"

#include <arb_fmpz_poly.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "lyapcert/exact/ball.hpp"

namespace {

namespace ex = lyapcert::exact;

TEST(ArbRaii, ScopedHoldersStartInitialised) {
  ex::Arf a;
  EXPECT_TRUE(arf_is_zero(a));
  ex::Mag m;
  EXPECT_TRUE(mag_is_zero(m));
  ex::Acb c;
  EXPECT_TRUE(acb_is_zero(c));
  ex::Fmpq q;
  EXPECT_TRUE(fmpq_is_zero(q));
  EXPECT_TRUE(fmpz_is_one(fmpq_denref(q)));
  ex::ArbMat am(2, 3);
  EXPECT_EQ(arb_mat_nrows(am), 2);
  EXPECT_EQ(arb_mat_ncols(am), 3);
  EXPECT_TRUE(arb_mat_is_zero(am));
  ex::FmpqMat qm(3, 1);
  EXPECT_EQ(fmpq_mat_nrows(qm), 3);
  EXPECT_TRUE(fmpq_mat_is_zero(qm));
  ex::FmpzMat zm(1, 2);
  EXPECT_EQ(fmpz_mat_ncols(zm), 2);
  EXPECT_TRUE(fmpz_mat_is_zero(zm));
  ex::ArbPoly ap;
  EXPECT_EQ(arb_poly_length(ap), 0);
  ex::FmpzPoly zp;
  EXPECT_EQ(fmpz_poly_length(zp), 0);
  ex::FmpqPoly qp;
  EXPECT_EQ(fmpq_poly_length(qp), 0);
  ex::FmpzPolyFactor f;
  EXPECT_EQ(f->num, 0);
}

TEST(ArbRaii, HoldersPassToTheCFunctions) {
  // (x - 2)(x + 3) = x^2 + x - 6 built through the holders; its factors come back through FmpzPolyFactor.
  ex::FmpzPoly p;
  fmpz_poly_set_coeff_si(p, 2, 1);
  fmpz_poly_set_coeff_si(p, 1, 1);
  fmpz_poly_set_coeff_si(p, 0, -6);
  ex::FmpzPolyFactor fac;
  fmpz_poly_factor(fac, p);
  ASSERT_EQ(fac->num, 2);
  EXPECT_EQ(fmpz_poly_degree(fac->p + 0), 1);
  EXPECT_EQ(fmpz_poly_degree(fac->p + 1), 1);
  ex::Fmpq q;
  fmpq_set_si(q, 6, 4);
  EXPECT_EQ(fmpz_get_si(fmpq_numref(q)), 3);  // canonical 3/2
  EXPECT_EQ(fmpz_get_si(fmpq_denref(q)), 2);
}

TEST(ArbRaii, AcbVecStartsZeroAndHasItsSize) {
  ex::AcbVec v(4);
  EXPECT_EQ(v.size(), 4);
  for (slong i = 0; i < v.size(); ++i) EXPECT_TRUE(acb_is_zero(v.get() + i));
  acb_set_si(v.get() + 3, 7);
  EXPECT_TRUE(acb_equal_si(v.get() + 3, 7));
  ex::AcbVec empty(0);
  EXPECT_EQ(empty.size(), 0);
}

TEST(ArbRaii, AcbVecHoldsEnclosuresOfKnownRoots) {
  // x^3 - 8: the roots are 2 and -1 +- i sqrt(3) (closed form), each of modulus 2.
  ex::FmpzPoly p;
  fmpz_poly_set_coeff_si(p, 3, 1);
  fmpz_poly_set_coeff_si(p, 0, -8);
  ex::AcbVec roots(3);
  arb_fmpz_poly_complex_roots(roots, p, 0, 64);
  int real_two = 0, real_minus_one = 0;
  ex::Ball t;
  for (slong i = 0; i < roots.size(); ++i) {
    acb_srcptr r = roots.get() + i;
    acb_abs(t, r, 64);
    EXPECT_TRUE(arb_contains_si(t, 2));
    if (arb_contains_si(acb_realref(r), 2)) {
      ++real_two;
      EXPECT_TRUE(arb_contains_zero(acb_imagref(r)));
    } else if (arb_contains_si(acb_realref(r), -1)) {
      ++real_minus_one;
      arb_sqr(t, acb_imagref(r), 64);
      EXPECT_TRUE(arb_contains_si(t, 3));
    }
  }
  EXPECT_EQ(real_two, 1);
  EXPECT_EQ(real_minus_one, 2);
}

TEST(ArbRaii, HoldersAreReleasedWhenAnExceptionLeavesTheScope) {
  // The leak check is LeakSanitizer's (sanitizer job); here the scope exit through a throw must at least run.
  auto body = [] {
    ex::AcbVec roots(5);
    ex::ArbMat m(3, 3);
    ex::FmpqPoly q;
    fmpq_poly_set_si(q, 1);
    throw std::runtime_error("leave the scope");
  };
  EXPECT_THROW(body(), std::runtime_error);
}

}  // namespace
