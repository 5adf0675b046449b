#include "lyapcert/lyapnd/elementary.hpp"

#include <flint/fmpq_mat.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/lyapnd/finite_family.hpp"
#include "lyapcert/lyapnd/memory.hpp"

namespace lyapcert::lyapnd {

ElementaryBounds elementary_bounds(const laws::FiniteMatrices& f, int d, slong prec, const Options& opt,
                                   std::chrono::steady_clock::time_point deadline, std::uint64_t max_products) {
  ElementaryBounds out;
  // Proof: LYAPND-ELEM-1. E log|det A| / d with the exact determinants; -inf (no lower bound) when one of
  // positive probability vanishes.
  out.has_lower = true;
  std::size_t k = 0;
  exact::FmpqMat m(d, d);
  exact::Fmpq det;
  for (std::size_t j = 0; j < f.matrices.size(); ++j) {
    if (f.probs[j] <= 0) continue;
    ++k;
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < d; ++b) exact::set_fmpq(fmpq_mat_entry(m, a, b), f.matrices[j][a * d + b]);
    fmpq_mat_det(det, m);
    if (fmpq_is_zero(det)) {
      out.has_lower = false;
      continue;
    }
    fmpq_abs(det, det);
    exact::Ball l, p = exact::Ball::from_rational(f.probs[j], prec);
    arb_set_fmpq(l.get(), det, prec);
    arb_log(l.get(), l.get(), prec);
    arb_addmul(out.det_mean.get(), l.get(), p.get(), prec);
  }
  if (out.has_lower) arb_div_ui(out.det_mean.get(), out.det_mean.get(), static_cast<ulong>(d), prec);
  // Proof: LYAPND-ENUM-1. Lambda <= U_n for every n: keep the smallest upper endpoint.
  EnumerationLimits limits;
  limits.max_word_length = opt.max_word_length;
  limits.max_products = static_cast<double>(max_products);
  limits.max_memory_bytes = mib_to_bytes(opt.max_memory_mib);
  limits.deadline = deadline;
  // Level 1 (k products) always runs, so a loaded machine cannot leave a finite family without an upper bound.
  limits.first_level_ignores_deadline = true;
  const EnumerationSearch search = best_enumeration_bound(f, d, prec, limits);
  if (search.best && search.best->minus_infinity) {
    out.minus_infinity = true;
  } else if (search.best) {
    out.upper = search.best->upper_bound;
    out.n = search.best->n;
    out.has_upper = true;
  }
  return out;
}

void intersect_elementary(Result& r, const ElementaryBounds& b, const lyap::Accuracy& acc) {
  // Proof: LYAPND-ELEM-2.
  lyap::CertifiedValue& v = r.top.value;
  if (v.minus_infinity || v.exact) return;
  if (b.minus_infinity) {
    if (v.ball.is_finite() && !r.upper_bound_only)
      throw std::logic_error("intersect_elementary: a finite two-sided enclosure for a family whose products vanish");
    v = lyap::CertifiedValue{};
    v.minus_infinity = true;
    v.sign = lyap::Sign::negative;
    r.upper_bound_only = false;
    r.top.converged = true;
    r.top.message += (r.top.message.empty() ? "" : "; ") +
                     std::string("a product of positive probability is exactly 0 (elementary bounds, LYAPND-ENUM-1)");
    return;
  }
  const slong prec = std::max<slong>(r.top.bits_used, 128) + 64;
  exact::Arf lo, hi, t;
  // A method that certified nothing (a non-finite ball: the time budget ended before its first level, say)
  // contributes the whole line [-inf, +inf]; the elementary bounds alone are then the enclosure.
  const bool method_finite = v.ball.is_finite();
  if (r.upper_bound_only || !method_finite) {
    arf_neg_inf(lo);
  } else {
    arb_get_lbound_arf(lo, v.ball.get(), prec);
  }
  if (method_finite) {
    arb_get_ubound_arf(hi, v.ball.get(), prec);
  } else {
    arf_pos_inf(hi);
  }
  bool lower_moved = false, upper_moved = false;
  if (b.has_lower) {
    arb_get_lbound_arf(t, b.det_mean.get(), prec);
    if (arf_cmp(t, lo) > 0) {
      arf_set(lo, t);
      lower_moved = true;
    }
  }
  if (b.has_upper) {
    arb_get_ubound_arf(t, b.upper.get(), prec);
    if (arf_cmp(t, hi) < 0) {
      arf_set(hi, t);
      upper_moved = true;
    }
  }
  if (arf_cmp(lo, hi) > 0) {
    throw std::logic_error("intersect_elementary: the enclosure and the elementary bounds are disjoint");
  }
  if (lower_moved || upper_moved) {
    const bool was_one_sided = r.upper_bound_only;
    const lyap::Sign old_sign = v.sign;
    if (arf_is_neg_inf(lo)) {
      arb_set_arf(v.ball.get(), hi);  // still one-sided: [-inf, hi]
      r.upper_bound_only = true;
    } else {
      arb_set_interval_arf(v.ball.get(), lo, hi, prec);
      r.upper_bound_only = false;
    }
    if (arf_sgn(hi) < 0) {
      v.sign = lyap::Sign::negative;
    } else if (!r.upper_bound_only && arf_sgn(lo) > 0) {
      v.sign = lyap::Sign::positive;
    }
    if (!r.top.converged && !r.upper_bound_only && v.sign != lyap::Sign::undetermined &&
        lyap::internal_width_ok(v.ball, acc.digits))
      r.top.converged = true;
    // Notes of the method that the intersection made stale.
    auto erase = [&](const std::string& what) {
      const auto pos = r.top.message.find(what);
      if (pos != std::string::npos) r.top.message.erase(pos, what.size());
    };
    if (old_sign == lyap::Sign::undetermined && v.sign != lyap::Sign::undetermined)
      erase("; the sign is undetermined (no exact zero test for this method)");
    if (was_one_sided && !r.upper_bound_only) {
      erase("upper bound only: ");
      erase("; no lower bound yet");
    }
    std::string what;
    if (lower_moved) what = "lower endpoint E log|det A|/d (LYAPND-ELEM-1)";
    if (upper_moved)
      what += fmt::format("{}upper endpoint (1/n) E log ||A_n...A_1||_F, n = {} (LYAPND-ENUM-1)",
                          what.empty() ? "" : ", ", b.n);
    r.top.message +=
        (r.top.message.empty() ? "" : "; ") + std::string("intersected with the elementary bounds: ") + what;
  }
}

}  // namespace lyapcert::lyapnd
