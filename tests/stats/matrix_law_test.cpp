// Matrix laws: building, structure flags, and the input errors a matrix law reports.
#include <gtest/gtest.h>

#include <string>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/stats/sampler.hpp"

namespace laws = lyapcert::laws;
namespace st = lyapcert::stats;

namespace {
std::string error_of(const std::string& text) {
  try {
    st::MatrixSampler::build(laws::parse_matrix_law(text));
  } catch (const lyapcert::InputError& e) {
    return e.what();
  }
  return "<no error>";
}
}  // namespace

TEST(MatrixLaw, Builds) {
  EXPECT_EQ(laws::parse_matrix_law("matrices([[2, 1], [1, 1]], [[3, 1], [2, 1]])").dim, 2);
  EXPECT_EQ(laws::parse_matrix_law("ginibre(4, 1/2)").dim, 4);
  EXPECT_EQ(laws::parse_matrix_law("sgd(1/2, normal(1, 2))").dim, 1);
  EXPECT_EQ(laws::parse_matrix_law("entries([[normal(0, 1), normal(0, 1)], [1, 0]])").dim, 2);
  EXPECT_TRUE(laws::increments_iid(laws::parse_matrix_law("ginibre(3, 1)")));
  EXPECT_TRUE(laws::increments_iid(laws::parse_matrix_law("sgd(1/3, isotropic(2, 1))")));
  EXPECT_TRUE(laws::increments_iid(laws::parse_matrix_law("atoms(1, 2)")));
  EXPECT_FALSE(laws::increments_iid(laws::parse_matrix_law("matrices([[1, 0], [0, 2]])")));
}

TEST(MatrixLaw, Errors) {
  EXPECT_NE(error_of("matrices([[1, 2], [3]])").find("not square"), std::string::npos);
  EXPECT_NE(error_of("matrices([[1, 2, 3], [4, 5, 6]])").find("not square"), std::string::npos);
  EXPECT_NE(error_of("matrices([[1,0,0,0,0],[0,1,0,0,0],[0,0,1,0,0],[0,0,0,1,0],[0,0,0,0,1]])").find("d <= 4"),
            std::string::npos);
  EXPECT_NE(error_of("ginibre(5, 1)").find("[1, 4]"), std::string::npos);
  EXPECT_NE(error_of("matrices([[1]]: 1/2, [[2]]: 1/3)").find("sum to 5/6"), std::string::npos);
  EXPECT_NE(error_of("matrices([[1]]: 1/2, [[2]])").find("every matrix"), std::string::npos);
  EXPECT_NE(error_of("matrices([[1]], [[1, 0], [0, 1]])").find("1 x 1"), std::string::npos);
  EXPECT_NE(error_of("ginibre(2, -1)").find("sigma"), std::string::npos);
  EXPECT_NE(error_of("normal(0, -1)").find("sigma"), std::string::npos);
  EXPECT_NE(error_of("sgd(0, normal(0, 1))").find("lr"), std::string::npos);
  EXPECT_NE(error_of("uniform(2, 1)").find("a < b"), std::string::npos);
  EXPECT_NE(error_of("bivariate(0, 0, 1, 1, 1)").find("rho"), std::string::npos);
  EXPECT_EQ(error_of("bivariate(mx=0, my=1, sx=1, sy=2, rho=1/2)"), "<no error>");
  EXPECT_EQ(error_of("xy(1, 2, batch=4)"), "<no error>");
  EXPECT_NE(error_of("mix(normal(0,1):1/2, atoms(1):1/3)").find("sum to"), std::string::npos);
  EXPECT_NE(error_of("entries([[ginibre(2, 1)]])").find("neither"), std::string::npos);
  EXPECT_NE(error_of("frobnicate(1)").find("unknown law"), std::string::npos);
}

TEST(MatrixLaw, NormBoundAndTail) {
  const auto f = st::MatrixSampler::build(laws::parse_matrix_law("matrices([[2, 0], [0, 1/2]], [[1, 1], [0, 1]])"));
  ASSERT_TRUE(f.norm_bound().has_value());
  EXPECT_NEAR(*f.norm_bound(), 2.0, 1e-9);
  EXPECT_GE(*f.norm_bound(), 2.0);
  EXPECT_FALSE(st::MatrixSampler::build(laws::parse_matrix_law("ginibre(2, 1)")).norm_bound().has_value());
  // m = 1 - h/2, h ~ N(1, 2): m ~ N(1/2, 1), sup density 1/sqrt(2 pi).
  const auto s = st::MatrixSampler::build(laws::parse_matrix_law("sgd(1/2, normal(1, 2))"));
  const st::TailBound t = s.multiplier_1d().tail_bound(1e-10);
  ASSERT_TRUE(t.available);
  EXPECT_LE(t.bias_low, 1.01e-10);
  EXPECT_LE(t.bias_high, 1e-10);
  EXPECT_NEAR(t.clip_low, -std::log(2 / std::sqrt(2 * M_PI) / 1e-10), 1e-6);
  // Exact zero atom: 1 - 1 * 1 = 0.
  const st::TailBound z = st::MatrixSampler::build(laws::parse_matrix_law("sgd(1, atoms(1, -1))")).multiplier_1d().tail_bound(1e-10);
  EXPECT_FALSE(z.available);
  EXPECT_TRUE(z.exact_zero_atom);
  EXPECT_FALSE(st::MatrixSampler::build(laws::parse_matrix_law("sgd(1, sqnormal(0, 1))")).multiplier_1d().tail_bound(1e-10).available);
}
