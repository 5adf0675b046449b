// lyapcert::lyapnd --max-memory (LYAPND-MEM-1): with a tiny working-memory budget the enumeration and
// the cycle expansion stop early and return honest, non-converged enclosures that still contain
// Pollicott's published value (docs/math.md section 6); with the default budget nothing changes.
#include <gtest/gtest.h>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/memory.hpp"
#include "support/budget.hpp"

namespace nd = lyapcert::lyapnd;
namespace laws = lyapcert::laws;

namespace {

constexpr const char* kPollicott = "1.14331103510294924584325185365558829940254614";
constexpr const char* kLaw = "matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)";

laws::MatrixLaw law_of(const char* s) { return laws::build_matrix_law(laws::parse(s)); }

bool contains_ref(const arb_t b) {
  arb_t x;
  arb_init(x);
  arb_set_str(x, kPollicott, 200);
  const bool ok = arb_contains(b, x);
  arb_clear(x);
  return ok;
}

bool upper_at_least_ref(const arb_t b) {
  arb_t x;
  arb_init(x);
  arb_set_str(x, kPollicott, 200);
  arf_t u;
  arf_init(u);
  arb_get_ubound_arf(u, b, 200);
  const bool ok = arf_cmp(u, arb_midref(x)) >= 0;
  arf_clear(u);
  arb_clear(x);
  return ok;
}

}  // namespace

TEST(MaxMemory, EstimatesGrowWithWordLengthAndPrecision) {
  const auto law = law_of(kLaw);
  const auto& f = std::get<laws::FiniteMatrices>(law.node);
  for (int n = 1; n < 40; ++n) {
    EXPECT_LT(nd::enumeration_memory_bytes(f, 2, n, 128), nd::enumeration_memory_bytes(f, 2, n + 1, 128));
    EXPECT_LT(nd::cycle_memory_bytes(f, n, 128, n), nd::cycle_memory_bytes(f, n + 1, 128, n + 1));
  }
  EXPECT_LT(nd::cycle_memory_bytes(f, 10, 128, 10), nd::cycle_memory_bytes(f, 10, 4096, 10));
  // Depth first: even word length 40 needs far less than a MiB (the k^40 words are never stored).
  EXPECT_LT(nd::enumeration_memory_bytes(f, 2, 40, 128), 1u << 20);
  EXPECT_EQ(nd::mib_to_bytes(1), 1048576u);
}

TEST(MaxMemory, TinyBudgetStopsEnumerationWithATrueUpperBound) {
  nd::Options opt;
  opt.acc = lyapcert::lyap::Accuracy{16, 4096};
  opt.method = nd::Method::enumerate;
  opt.max_word_length = 30;
  opt.time_budget_seconds = lyapcert::test::kNoWallClock;  // the memory cap, not the clock, must end it
  opt.max_memory_mib = 0.01;  // about 10 KiB: word lengths beyond ~12 do not fit
  const nd::Result r = nd::certify_lyapnd(law_of(kLaw), opt);
  EXPECT_TRUE(r.memory_limited);
  EXPECT_FALSE(r.top.converged);
  // Two-sided since the elementary lower bound E log|det A| / 2 = 0 applies (LYAPND-ELEM-1, -2).
  EXPECT_FALSE(r.upper_bound_only);
  EXPECT_FALSE(arb_is_positive(r.top.value.ball.get()));
  EXPECT_GE(r.word_length, 2);
  EXPECT_LT(r.word_length, 30);
  EXPECT_LE(r.memory_estimate_bytes, nd::mib_to_bytes(0.01));
  EXPECT_NE(r.top.message.find("memory budget"), std::string::npos) << r.top.message;
  EXPECT_TRUE(upper_at_least_ref(r.top.value.ball.get()));
}

TEST(MaxMemory, TinyBudgetStopsCycleExpansionWithATrueEnclosure) {
  nd::Options opt;
  opt.acc = lyapcert::lyap::Accuracy{30, 4096};
  opt.method = nd::Method::cycle;
  opt.time_budget_seconds = lyapcert::test::kNoWallClock;  // the memory cap, not the clock, must end it
  opt.max_memory_mib = 0.03;
  const nd::Result r = nd::certify_lyapnd(law_of(kLaw), opt);
  EXPECT_TRUE(r.memory_limited) << r.top.message;
  EXPECT_FALSE(r.top.converged);
  EXPECT_GE(r.word_length, 1);
  EXPECT_LE(r.memory_estimate_bytes, nd::mib_to_bytes(0.03));
  EXPECT_NE(r.top.message.find("memory budget"), std::string::npos) << r.top.message;
  ASSERT_TRUE(r.top.value.ball.is_finite()) << r.top.message;
  EXPECT_TRUE(contains_ref(r.top.value.ball.get()));
}

TEST(MaxMemory, BudgetTooSmallForAnyLevelGivesTheWholeLine) {
  nd::Options opt;
  opt.acc = lyapcert::lyap::Accuracy{16, 4096};
  opt.method = nd::Method::cycle;
  opt.max_memory_mib = 1e-4;  // 104 bytes
  const nd::Result r = nd::certify_lyapnd(law_of(kLaw), opt);
  EXPECT_TRUE(r.memory_limited);
  EXPECT_FALSE(r.top.converged);
  EXPECT_FALSE(r.top.value.ball.is_finite());
}

TEST(MaxMemory, DefaultBudgetDoesNotChangeTheResult) {
  nd::Options opt;
  opt.acc = lyapcert::lyap::Accuracy{30, 4096};
  opt.method = nd::Method::cycle;
  const nd::Result r = nd::certify_lyapnd(law_of(kLaw), opt);
  EXPECT_TRUE(r.top.converged);
  EXPECT_FALSE(r.memory_limited);
  EXPECT_TRUE(contains_ref(r.top.value.ball.get()));
}

TEST(MaxMemory, BadBudgetIsAnInputError) {
  nd::Options opt;
  opt.acc = lyapcert::lyap::Accuracy{16, 4096};
  opt.max_memory_mib = 0;
  EXPECT_THROW(nd::certify_lyapnd(law_of(kLaw), opt), lyapcert::InputError);
}
