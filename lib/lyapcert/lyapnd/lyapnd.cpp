#include "lyapcert/lyapnd/lyapnd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyapnd/closed_forms.hpp"
#include "lyapcert/lyapnd/commuting.hpp"
#include "lyapcert/lyapnd/cycle.hpp"
#include "lyapcert/lyapnd/cycle_nd.hpp"
#include "lyapcert/lyapnd/elementary.hpp"
#include "lyapcert/lyapnd/finite_family.hpp"
#include "lyapcert/lyapnd/memory.hpp"
#include "lyapcert/lyapnd/conformal.hpp"
#include "lyapcert/lyapnd/multicone.hpp"
#include "lyapcert/lyapnd/poisson.hpp"
#include "lyapcert/lyapnd/reducible.hpp"
#include "lyapcert/lyapnd/internal/stop_poll.hpp"
#include "lyapcert/lyapnd/vector.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Ball;
using exact::Rational;
using Clock = std::chrono::steady_clock;

struct Loop {
  std::vector<Ball> balls;  // last finite evaluation (empty if none was finite)
  long bits = 0;
  bool reached = false;
  bool timed_out = false;
};

// Proof: LOOP-1 (lib/lyapcert/lyap/lyap1d.cpp, copied without the exact zero test) plus a wall-clock
// deadline checked between rounds: each round either returns or doubles prec up to acc.max_bits.
// Stops when every ball is finite, excludes 0 and meets the width; otherwise keeps the last finite
// evaluation, so only enclosures are ever returned.
Loop refine_balls(const lyap::Accuracy& acc, Clock::time_point deadline,
                  const std::function<std::vector<Ball>(slong)>& eval) {
  Loop out;
  slong prec = std::min<slong>(acc.max_bits, static_cast<slong>(acc.digits * 3.33) + 32);
  while (true) {
    std::vector<Ball> b = eval(prec);
    bool finite = true, ok = true;
    for (const Ball& x : b) {
      if (!x.is_finite()) finite = false;
      if (!x.is_finite() || x.contains_zero() || !lyap::internal_width_ok(x, acc.digits)) ok = false;
    }
    if (finite) {
      out.balls = std::move(b);
      out.bits = prec;
    }
    if (ok) {
      out.reached = true;
      return out;
    }
    if (prec >= acc.max_bits) return out;
    if (detail::past(deadline)) {
      out.timed_out = true;
      return out;
    }
    prec = std::min<slong>(acc.max_bits, 2 * prec);
  }
}

lyap::CertifiedValue value_of(const Ball& b) {
  lyap::CertifiedValue v;
  v.ball = b;
  if (!b.contains_zero()) v.sign = arb_is_positive(b.get()) ? lyap::Sign::positive : lyap::Sign::negative;
  return v;
}

void finish_loop(Result& r, const Loop& l, const Options& opt, const std::string& method) {
  r.top.method = method;
  r.top.digits_requested = opt.acc.digits;
  r.top.bits_used = l.bits;
  r.timed_out = l.timed_out;
  if (l.balls.empty()) {
    // Never happens for the closed forms; for quadrature it means no round certified anything.
    r.top.value.ball = Ball();
    arb_zero_pm_inf(r.top.value.ball.get());
    r.top.converged = false;
    r.top.message = "no finite enclosure was obtained; raise --max-bits or --time-budget";
    return;
  }
  r.top.value = value_of(l.balls[0]);
  r.top.converged = l.reached;
  if (!l.reached) {
    const bool zero = l.balls[0].contains_zero();
    r.top.message = l.timed_out ? fmt::format("time budget of {} s exhausted at {} bits: best certified enclosure "
                                              "printed",
                                              opt.time_budget_seconds, l.bits)
                                : fmt::format("requested digits not reached at the working-precision cap of {} bits",
                                              opt.acc.max_bits);
    if (zero) r.top.message += "; the sign is undetermined (no exact zero test for this method)";
  }
}

Result run_ginibre(const laws::MatrixLaw& law, const Options& opt, Clock::time_point deadline) {
  const auto& g = std::get<laws::Ginibre>(law.node);
  const int d = law.dim;
  Loop l = refine_balls(opt.acc, deadline, [&](slong prec) {
    std::vector<Ball> b(d);
    for (int i = 1; i <= d; ++i) ginibre_exponent(b[i - 1].get(), d, i, g.sigma, prec);
    return b;
  });
  Result r;
  finish_loop(r, l, opt, "ginibre");
  for (const Ball& b : l.balls) r.spectrum.push_back(value_of(b));
  return r;
}

Result run_isotropic(const laws::MatrixLaw& law, const Options& opt, Clock::time_point deadline) {
  const auto& iso = std::get<laws::Isotropic>(law.node);
  const int d = law.dim;
  Result r;
  if (d >= 2) {
    Loop l = refine_balls(opt.acc, deadline, [&](slong prec) {
      std::vector<Ball> b(1);
      if (d == 2) {
        isotropic2_closed_form(b[0].get(), iso.lr, prec);  // Proof: LYAPND-ISO-2
      } else {
        isotropic_quadrature(b[0].get(), d, iso.lr, prec);  // Proof: LYAPND-ISO-3 (d = 4), LYAPND-ISO3-1..3 (d = 3)
      }
      return b;
    });
    finish_loop(r, l, opt, d == 2 ? "isotropic-closed-form" : "isotropic-quadrature");
    return r;
  }
  // d = 1: only Jensen's upper bound Lambda = E log|A e_1| <= (1/2) log E|A e_1|^2
  // = (1/2) log(1 - 2 lr + lr^2 (d + 2)). Proof: LYAPND-ISO-4.
  const Rational m2 = 1 - 2 * iso.lr + iso.lr * iso.lr * (d + 2);
  const slong prec = std::min<slong>(opt.acc.max_bits, static_cast<slong>(opt.acc.digits * 3.33) + 32);
  Ball b = Ball::from_rational(m2, prec + 10);
  arb_log(b.get(), b.get(), prec + 10);
  arb_mul_2exp_si(b.get(), b.get(), -1);
  r.top.value.ball = b;
  r.top.value.sign = arb_is_negative(b.get()) ? lyap::Sign::negative : lyap::Sign::undetermined;
  r.top.method = "isotropic-jensen-upper";
  r.top.digits_requested = opt.acc.digits;
  r.top.bits_used = prec;
  r.upper_bound_only = true;
  r.top.message = fmt::format(
      "isotropic d = {} is not certified two-sided (use lyap1d with sqnormal(0, 1)): only the upper bound "
      "(1/2) log E|A e_1|^2 is given",
      d);
  return r;
}

laws::FiniteMatrices finite_family_of(const laws::MatrixLaw& law) {
  if (const auto* f = std::get_if<laws::FiniteMatrices>(&law.node)) return *f;
  if (const auto* s = std::get_if<laws::Sgd>(&law.node)) {
    if (const auto* h = std::get_if<laws::FiniteMatrices>(&s->curv->node)) {
      // A = I - lr H, exactly.
      laws::FiniteMatrices out;
      out.probs = h->probs;
      const int d = law.dim;
      for (const auto& m : h->matrices) {
        std::vector<Rational> a(m.size());
        for (int i = 0; i < d; ++i)
          for (int j = 0; j < d; ++j) a[i * d + j] = (i == j ? Rational(1) : Rational(0)) - s->lr * m[i * d + j];
        out.matrices.push_back(std::move(a));
      }
      return out;
    }
  }
  throw InputError("not a finite family of matrices");
}

bool is_finite_family(const laws::MatrixLaw& law) {
  if (std::holds_alternative<laws::FiniteMatrices>(law.node)) return true;
  if (const auto* s = std::get_if<laws::Sgd>(&law.node))
    return s->curv && std::holds_alternative<laws::FiniteMatrices>(s->curv->node) && s->curv->dim == law.dim;
  return false;
}

Result run_rankone(const laws::FiniteMatrices& f, int d, const FamilyFacts& facts, const Options& opt) {
  Result r;
  if (facts.zero_atom) {
    // Proof: LYAPND-RANK1-1 (the zero matrix with positive probability kills the product).
    r.top.value.minus_infinity = true;
    r.top.value.sign = lyap::Sign::negative;
    r.top.converged = true;
    r.top.digits_requested = opt.acc.digits;
    r.top.message = "the zero matrix has positive probability: the product is eventually 0";
  } else {
    const laws::CurvatureLaw q(rankone_pair_law(f, d));
    r.top = lyap::certify_log_abs_mean(q, Rational(0), Rational(1), opt.acc);
    if (r.top.value.minus_infinity)
      r.top.message = "v_j^T u_i = 0 for a pair of positive probability: the product is eventually 0";
  }
  r.top.method = "rankone";
  return r;
}

Result run_commuting(const laws::FiniteMatrices& f, int d, const FamilyFacts& facts, const Options& opt) {
  std::vector<lyap::CertifiedResult> parts;
  for (int i = 0; i < d; ++i) {
    const laws::CurvatureLaw diag(diagonal_law(f, d, i));
    parts.push_back(lyap::certify_log_abs_mean(diag, Rational(0), Rational(1), opt.acc));
  }
  Result r;
  r.top = combine_max(parts, opt.acc);
  r.top.method = "commuting";
  const std::string note = fmt::format("{} triangular family{}", facts.upper ? "upper" : "lower",
                                       facts.commuting ? ", commuting" : " (not commuting; LYAPND-COMM-1 covers it)");
  r.top.message = r.top.message.empty() ? note : r.top.message + "; " + note;
  return r;
}

// Commuting family, not triangular in the given basis: common triangularisation through a nonderogatory
// B with A_j = q_j(B) (exact certificate). Proof: LYAPND-COMM-2, LYAPND-COMM-3.
Result run_commuting_polynomial(const PolynomialCertificate& cert, const Options& opt) {
  Result r;
  r.top = certify_commuting_polynomial(cert, opt.acc);
  r.top.method = "commuting";
  std::string combo;
  for (std::size_t j = 0; j < cert.combination.size(); ++j)
    combo += (j ? ", " : "") + exact::to_text(cert.combination[j]);
  const std::string note = fmt::format(
      "commuting family (checked exactly), not triangular in the given basis: every atom is an exact "
      "polynomial in B = sum_j c_j A_j, c = ({}), so lambda_i(A_j) = q_j(mu_i)",
      combo);
  r.top.message = r.top.message.empty() ? note : r.top.message + "; " + note;
  return r;
}

Result run_enumerate(const laws::FiniteMatrices& f, int d, const Options& opt, Clock::time_point start,
                     Clock::time_point deadline) {
  Result r;
  r.top.method = "enumerate";
  r.top.digits_requested = opt.acc.digits;
  const slong prec = std::min<slong>(opt.acc.max_bits, std::max<slong>(128, opt.acc.digits * 3.33 + 32));
  r.top.bits_used = prec;
  EnumerationLimits limits;
  limits.max_word_length = opt.max_word_length;
  limits.max_memory_bytes = mib_to_bytes(opt.max_memory_mib);
  limits.deadline = deadline;
  limits.predict_time = true;
  EnumerationSearch search = best_enumeration_bound(f, d, prec, limits);
  if (search.best && search.best->minus_infinity) {
    r.top.value.minus_infinity = true;
    r.top.value.sign = lyap::Sign::negative;
    r.top.converged = true;
    r.word_length = search.best->n;
    r.top.message =
        fmt::format("a product of length {} with positive probability is exactly 0", search.best->n);
    return r;
  }
  std::optional<EnumerationLevel>& best = search.best;
  const bool budget_hit = search.timed_out, memory_hit = search.memory_limited;
  const std::uint64_t best_bytes = search.best_bytes, refused_bytes = search.refused_bytes;
  const int refused_n = search.refused_n;
  (void)start;
  r.timed_out = budget_hit;
  r.memory_limited = memory_hit;
  r.upper_bound_only = true;
  r.word_length = best ? best->n : 0;
  r.memory_estimate_bytes = best_bytes;
  const std::string memory_note =
      memory_hit ? fmt::format("the memory budget of {} MiB (--max-memory) would be exceeded by word length {} "
                               "(estimated {} bytes, LYAPND-MEM-1)",
                               opt.max_memory_mib, refused_n, refused_bytes)
                 : std::string();
  if (!best) {
    r.top.value.ball = Ball();
    arb_zero_pm_inf(r.top.value.ball.get());
    r.top.message = memory_hit ? memory_note + ": no enumeration level was run"
                               : "the time budget ended before the first enumeration level";
    return r;
  }
  r.top.value.ball = best->upper_bound;
  r.top.value.sign = arb_is_negative(best->upper_bound.get()) ? lyap::Sign::negative : lyap::Sign::undetermined;
  r.top.message = fmt::format(
      "upper bound only: Lambda <= (1/n) E log ||A_n...A_1||_F with n = {} ({} products{}); no lower bound yet",
      best->n, best->products,
      memory_hit   ? "; longer words stopped: " + memory_note
      : budget_hit ? ", longer words did not fit the time budget"
                   : "");
  return r;
}

}  // namespace

const char* to_string(Method m) {
  switch (m) {
    case Method::automatic: return "auto";
    case Method::ginibre: return "ginibre";
    case Method::isotropic: return "isotropic";
    case Method::commuting: return "commuting";
    case Method::rankone: return "rankone";
    case Method::enumerate: return "enumerate";
    case Method::cycle: return "cycle";
    case Method::poisson: return "poisson";
    case Method::reducible: return "reducible";
    case Method::multicone: return "multicone";
    case Method::conformal: return "conformal";
    case Method::vector: return "vector";
  }
  return "?";
}

Method parse_method(std::string_view name) {
  for (Method m : {Method::automatic, Method::ginibre, Method::isotropic, Method::commuting, Method::rankone,
                   Method::enumerate, Method::cycle, Method::poisson, Method::reducible, Method::multicone,
                   Method::conformal, Method::vector})
    if (name == to_string(m)) return m;
  throw InputError(fmt::format(
      "unknown --method '{}' (expected auto, ginibre, isotropic, commuting, rankone, enumerate, cycle, multicone, "
      "poisson, reducible, conformal or vector)",
      name));
}

Result certify_lyapnd(const laws::MatrixLaw& law, const Options& opt) {
  lyap::check_accuracy(opt.acc);
  if (!(opt.time_budget_seconds > 0) || opt.time_budget_seconds > 1e7)
    throw InputError(fmt::format("--time-budget must be in (0, 1e7] seconds, got {}", opt.time_budget_seconds));
  if (!(opt.max_memory_mib > 0) || opt.max_memory_mib > 1e9)
    throw InputError(fmt::format("--max-memory must be in (0, 1e9] MiB, got {}", opt.max_memory_mib));
  if (opt.max_word_length < 1 || opt.max_word_length > 64)
    throw InputError(fmt::format("maximal word length must be in [1, 64], got {}", opt.max_word_length));
  if (opt.max_levels < 0)
    throw InputError(fmt::format("--max-levels must be >= 0 (0: no cap), got {}", opt.max_levels));
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(opt.time_budget_seconds));
  const int d = law.dim;
  const bool ginibre = std::holds_alternative<laws::Ginibre>(law.node);
  const bool isotropic = std::holds_alternative<laws::Isotropic>(law.node);
  const bool vector = std::holds_alternative<laws::VectorSaddle>(law.node);
  const bool finite = is_finite_family(law);
  Method m = opt.method;
  std::optional<laws::FiniteMatrices> fam;
  FamilyFacts facts;
  int singular = -1;  // first atom of positive probability with det = 0 (exact), -1 if none
  std::optional<PolynomialCertificate> poly;  // commuting, non-triangular families only
  if (finite) {
    fam = finite_family_of(law);
    facts = family_facts(*fam, d);
    singular = first_singular_atom(*fam, d);
    if (facts.commuting && !facts.upper && !facts.lower && !facts.all_rank_le_one)
      poly = polynomial_certificate(*fam, d);  // Proof: LYAPND-COMM-2
  }
  std::optional<Reduction> red;  // exact common-invariant-subspace analysis, Proof: LYAPND-RED-3, -4
  if (finite && d >= 2 && (m == Method::reducible || (m == Method::automatic && !facts.all_rank_le_one &&
                                                       !facts.upper && !facts.lower && !poly)))
    red = reduce_family(*fam, d);
  std::optional<ConformalCertificate> conf;  // exact witness, Proof: LYAPND-CONF-3
  if (finite && d == 2 && (m == Method::conformal || (m == Method::automatic && !facts.all_rank_le_one &&
                                                      !facts.upper && !facts.lower && !poly &&
                                                      !(red && red->verdict == Reducibility::reducible))))
    conf = find_conformal_certificate(*fam, d);
  if (m == Method::automatic) {
    if (ginibre) {
      m = Method::ginibre;
    } else if (isotropic) {
      m = Method::isotropic;
    } else if (vector) {
      m = Method::vector;
    } else if (finite) {
      m = facts.all_rank_le_one ? Method::rankone
          : (facts.upper || facts.lower || poly) ? Method::commuting
          : (red && red->verdict == Reducibility::reducible) ? Method::reducible  // LYAPND-RED-1, -2
          : conf ? Method::conformal  // exact witness: LYAPND-CONF-1, -2
          : cycle_applies_for_auto(*fam, d) ? Method::cycle  // positive 2x2 family: LYAPND-CYCLE-1 holds
          : cycle_nd_useful_for_auto(*fam, d, opt) ? Method::cycle  // positive 3x3, 4x4: LYAPND-CYCND-1
          : multicone_applies_for_auto(*fam, d, opt.acc.digits) ? Method::multicone  // verified multicone: LYAPND-MCONE-0
          : (d == 2 && singular < 0)        ? Method::poisson  // invertible 2x2 family: LYAPND-POIS-1 holds
          : ((d == 3 || d == 4) && singular < 0 && !facts.commuting)
              ? Method::poisson  // invertible 3x3, 4x4 non-commuting family: LYAPND-POIS-6..8
                                            : Method::enumerate;
    } else {
      throw InputError(
          "no lyapnd method applies to this law yet (supported: ginibre(d, s), isotropic(d, lr), matrices(...), "
          "sgd(lr, matrices(...)), vector(q, d, lr, k, sigma, ...))");
    }
  }
  auto need_finite = [&](const char* name) {
    if (!finite) throw InputError(fmt::format("--method {} needs a finite family matrices(...)", name));
  };
  Result r;
  switch (m) {
    case Method::ginibre:
      if (!ginibre) throw InputError("--method ginibre needs the law ginibre(d, sigma)");
      r = run_ginibre(law, opt, deadline);
      break;
    case Method::isotropic:
      if (!isotropic) throw InputError("--method isotropic needs the law isotropic(d, lr)");
      r = run_isotropic(law, opt, deadline);
      break;
    case Method::rankone:
      need_finite("rankone");
      if (!facts.all_rank_le_one) throw InputError("--method rankone: some matrix has rank >= 2");
      r = run_rankone(*fam, d, facts, opt);
      break;
    case Method::commuting:
      need_finite("commuting");
      if (facts.upper || facts.lower) {
        r = run_commuting(*fam, d, facts, opt);
      } else if (poly) {
        r = run_commuting_polynomial(*poly, opt);
      } else {
        throw InputError(facts.commuting
                             ? "--method commuting: the family commutes but no combination sum_j c_j A_j with "
                               "c_j = t^j (t <= 64) is nonderogatory with every atom a polynomial in it (e.g. "
                               "repeated common eigenvalues, or rank-one atoms: try --method rankone): not supported"
                             : "--method commuting: the family is neither commuting nor triangular");
      }
      break;
    case Method::enumerate:
      need_finite("enumerate");
      r = run_enumerate(*fam, d, opt, start, deadline);
      break;
    case Method::cycle:
      need_finite("cycle");
      r = (d == 3 || d == 4) ? run_cycle_nd(*fam, d, opt, deadline) : run_cycle(*fam, d, opt, deadline);
      break;
    case Method::multicone:
      need_finite("multicone");
      r = run_multicone(*fam, d, opt, deadline);
      break;
    case Method::poisson:
      need_finite("poisson");
      r = run_poisson(*fam, d, opt, deadline);
      break;
    case Method::reducible:
      need_finite("reducible");
      if (d < 2) throw InputError("--method reducible needs d >= 2");
      r = run_reducible(*red, opt, deadline);
      break;
    case Method::conformal:
      need_finite("conformal");
      if (!conf)
        throw InputError(
            "--method conformal needs a 2x2 family of invertible matrices that all commute or anticommute with one "
            "traceless X0 (det X0 > 0, or det X0 < 0 and some atom anticommutes); none was found among the atoms "
            "and their pairwise products");
      r = run_conformal(*fam, *conf, opt);
      break;
    case Method::vector:
      if (!vector) throw InputError("--method vector needs the law vector(q, d, lr, k, sigma, batch=S, gamma=G)");
      r = run_vector(law, opt, deadline);
      break;
    case Method::automatic:
      break;
  }
  if (opt.method == Method::automatic && m == Method::enumerate && singular >= 0) {
    r.top.message += fmt::format(
        "; matrix #{} is singular (det = 0, exact): the two-sided Poisson certificate needs invertible matrices, "
        "only the enumeration upper bound applies",
        singular + 1);
  }
  if (opt.method == Method::automatic && m == Method::enumerate && facts.commuting) {
    r.top.message += "; the family commutes but has no nonderogatory combination (not supported by commuting)";
  }
  if (opt.method == Method::automatic && red && m != Method::reducible) r.top.message += "; not reduced: " + red->note;
  if (opt.method == Method::automatic && m != Method::cycle && fam && cycle_nd_applies_for_auto(*fam, d))
    r.top.message += "; cycle (positive family) not used: no polydisc certificate, or its truncation bound at the "
                      "word length the time budget affords is too weak (LYAPND-CYCND-4, -5)";
  if (finite && opt.elementary_bounds) {
    // Proof: LYAPND-ELEM-2. Cheap (at most 1024 products per level at <= 256 bits), so it gets its own
    // short deadline even when the method used up the budget.
    const slong prec = std::min<slong>(opt.acc.max_bits, std::clamp<slong>(opt.acc.digits * 3.33 + 32, 128, 256));
    intersect_elementary(r, elementary_bounds(*fam, d, prec, opt, Clock::now() + std::chrono::seconds(2)), opt.acc);
  }
  return r;
}

}  // namespace lyapcert::lyapnd
