// Exact bytes of item results (core/distribute.hpp, lyap/codec.hpp): what an MPI rank or a journal hands back must
// reproduce the result bit for bit, and core::distributed_for through a distributor must fill the same slots as
// parallel_for. The reference is the value itself (arb_equal on midpoint and radius, exact rationals), not an
// earlier output of the codec.
#include <gtest/gtest.h>

#include <arb.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <vector>

#include "lyapcert/core/distribute.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/lyap/codec.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/laws/curvature.hpp"

namespace lyapcert {
namespace {

TEST(ItemCodec, IntegersDoublesAndStringsRoundTrip) {
  core::ItemWriter w;
  const double values[] = {0.0, -0.0, 1.0 / 3.0, std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::max()};
  for (double v : values) w.f64(v);
  w.u64(~std::uint64_t{0});
  w.i64(-5);
  w.str(std::string("a\0b\n", 4));
  w.boolean(true);
  core::ItemReader r(w.bytes());
  for (double v : values) {
    const double x = r.f64();
    EXPECT_EQ(std::signbit(x), std::signbit(v));
    EXPECT_EQ(x, v);
  }
  EXPECT_EQ(r.u64(), ~std::uint64_t{0});
  EXPECT_EQ(r.i64(), -5);
  EXPECT_EQ(r.str(), std::string("a\0b\n", 4));
  EXPECT_TRUE(r.boolean());
  EXPECT_TRUE(r.at_end());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  core::ItemWriter wn;
  wn.f64(nan);
  core::ItemReader rn(wn.bytes());
  EXPECT_TRUE(std::isnan(rn.f64()));
}

TEST(ItemCodec, DamagedBytesThrowInsteadOfReadingPastTheEnd) {
  core::ItemWriter w;
  w.str("hello");
  const std::string b = w.bytes();
  core::ItemReader short_read(std::string_view(b).substr(0, b.size() - 1));
  EXPECT_THROW(short_read.str(), std::runtime_error);
  core::ItemReader bad_flag(std::string_view("\x07", 1));
  EXPECT_THROW(bad_flag.boolean(), std::runtime_error);
  core::ItemWriter huge;
  huge.u64(std::uint64_t{1} << 62);  // a length far beyond the record
  core::ItemReader r(huge.bytes());
  EXPECT_THROW(r.str(), std::runtime_error);
}

TEST(LyapCodec, CertifiedResultRoundTripsBitForBit) {
  // A real enclosure (wide radius, odd midpoint) and exact values.
  const laws::CurvatureLaw law = laws::parse_curvature_law("atoms(-1:1/3, 1/2:2/3)");
  const lyap::CertifiedResult c = lyap::certify_lyap1d(law, exact::Rational(1), lyap::Accuracy{30, 4096});
  ASSERT_TRUE(arb_is_finite(c.value.ball.get()));
  core::ItemWriter w;
  lyap::encode(w, c);
  const exact::Rational q("-123456789012345678901234567890/7");
  lyap::encode(w, q);
  core::ItemReader r(w.bytes());
  lyap::CertifiedResult d;
  lyap::decode(r, d);
  exact::Rational q2;
  lyap::decode(r, q2);
  EXPECT_TRUE(r.at_end());
  EXPECT_TRUE(arb_equal(c.value.ball.get(), d.value.ball.get()));  // midpoint and radius identical
  EXPECT_EQ(c.value.sign, d.value.sign);
  EXPECT_EQ(c.value.exact, d.value.exact);
  EXPECT_EQ(c.value.minus_infinity, d.value.minus_infinity);
  EXPECT_EQ(c.converged, d.converged);
  EXPECT_EQ(c.bits_used, d.bits_used);
  EXPECT_EQ(c.method, d.method);
  EXPECT_EQ(c.message, d.message);
  EXPECT_EQ(c.l2_stable, d.l2_stable);
  EXPECT_EQ(q, q2);
  EXPECT_EQ(lyap::to_decimal(c.value, 30).lower, lyap::to_decimal(d.value, 30).lower);
}

// A distributor that runs every item here but hands the results back through their bytes in reverse order, as a
// remote rank would: the slots must come out as parallel_for leaves them.
class ReversingDistributor final : public core::Distributor {
 public:
  core::ParallelResult run(const core::SweepItems& items, const core::ParallelOptions&) override {
    ++sweeps;
    std::map<std::size_t, std::string> bytes;
    for (std::size_t i = 0; i < items.n; ++i) {
      if (items.already_done && items.already_done(i)) continue;
      if (!items.compute(i, 0)) continue;
      core::ItemWriter w;
      items.encode(i, w);
      bytes[i] = w.take();
    }
    core::ParallelResult res;
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
      core::ItemReader r(it->second);
      items.decode(it->first, r);
      if (items.on_result) items.on_result(it->first);
      ++res.done;
    }
    return res;
  }
  int sweeps = 0;
};

TEST(DistributedFor, SameSlotsWithAndWithoutADistributor) {
  const auto sweep = [](std::vector<double>& slots, std::vector<std::size_t>& results) {
    slots.assign(50, 0.0);
    core::ParallelOptions po;
    po.jobs = 3;
    return core::distributed_for(
        core::SweepItems{"test/sweep", slots.size(),
                         [&](std::size_t i, unsigned) {
                           slots[i] = std::sqrt(static_cast<double>(i) + 0.5);
                           return i % 7 != 3;  // some items "not done"
                         },
                         [&](std::size_t i, core::ItemWriter& w) { w.f64(slots[i]); },
                         [&](std::size_t i, core::ItemReader& r) { slots[i] = r.f64(); }, {},
                         [&](std::size_t i) { results.push_back(i); }},
        po);
  };
  std::vector<double> plain, distributed;
  std::vector<std::size_t> plain_results, distributed_results;
  const core::ParallelResult a = sweep(plain, plain_results);
  ReversingDistributor d;
  core::ParallelResult b;
  {
    const core::DistributeScope scope(&d);
    EXPECT_EQ(core::current_distributor(), &d);
    b = sweep(distributed, distributed_results);
  }
  EXPECT_EQ(core::current_distributor(), nullptr);
  EXPECT_EQ(d.sweeps, 1);
  EXPECT_EQ(a.done, b.done);
  EXPECT_EQ(a.done, 50u - 7u);  // i % 7 == 3 for 7 of 0..49
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (i % 7 == 3) continue;  // not done: not handed back
    EXPECT_EQ(plain[i], distributed[i]) << i;
  }
  EXPECT_EQ(plain_results.size(), distributed_results.size());
}

TEST(DistributedFor, ASweepInsideAnItemStaysLocal) {
  ReversingDistributor d;
  const core::DistributeScope scope(&d);
  std::atomic<int> inner_seen_distributor{0};
  std::vector<int> out(4, 0);
  core::ParallelOptions po;
  core::distributed_for(core::SweepItems{"outer", out.size(),
                                         [&](std::size_t i, unsigned) {
                                           if (core::current_distributor()) ++inner_seen_distributor;
                                           out[i] = static_cast<int>(i) * 2;
                                           return true;
                                         },
                                         [&](std::size_t i, core::ItemWriter& w) { w.i64(out[i]); },
                                         [&](std::size_t i, core::ItemReader& r) { out[i] = static_cast<int>(r.i64()); }},
                        po);
  EXPECT_EQ(inner_seen_distributor.load(), 0);
  EXPECT_EQ(out, (std::vector<int>{0, 2, 4, 6}));
}

// Proof: DEC-1. An indeterminate or unbounded ball (a failed quadrature) prints as the whole line, never as a NaN
// that the printer would reject as an internal error.
TEST(Codec, NonFiniteBallPrintsAsTheWholeLine) {
  lyap::CertifiedValue v;
  arb_indeterminate(v.ball.get());
  lyap::DecimalEnclosure d = lyap::to_decimal(v, 10);
  EXPECT_EQ(d.lower, "-inf");
  EXPECT_EQ(d.upper, "inf");
  EXPECT_FALSE(d.meets_request);
  arb_zero_pm_inf(v.ball.get());
  d = lyap::to_decimal(v, 10);
  EXPECT_EQ(d.lower, "-inf");
  EXPECT_EQ(d.upper, "inf");
  arb_set_si(v.ball.get(), 3);  // a finite ball still prints as before
  d = lyap::to_decimal(v, 10);
  EXPECT_EQ(d.lower, d.upper);
}

}  // namespace
}  // namespace lyapcert
