#include "lyapcert/models/phase_diagram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/fast/xy.hpp"
#include "lyapcert/fast/xy_grad.hpp"
#include "lyapcert/lyap/codec.hpp"
#include "lyapcert/lyap/curvature_eval.hpp"
#include "lyapcert/models/internal/grid.hpp"

namespace lyapcert::models {
namespace {

using exact::Ball;

void set_q(arb_t out, const Rational& x, slong prec) { exact::set_ball(out, x, prec); }

// Ball containing [lo, hi] (lo <= hi exact).
void set_range(arb_t out, const Rational& lo, const Rational& hi, slong prec) {
  Ball b;
  set_q(out, lo, prec);
  set_q(b, hi, prec);
  arb_union(out, out, b, prec);
}

Rational round6(double x) { return exact::parse_rational(fmt::format("{:.6g}", x)); }

// Geometric midpoint rounded to 6 significant digits (a cell edge; exactness of the value is all
// that matters, not its position).
Rational geo_mid(const Rational& a, const Rational& b) {
  return round6(std::sqrt(a.convert_to<double>() * b.convert_to<double>()));
}

// Cell edges around grid value k of a sorted grid: the geometric midpoints to the neighbours; the
// cells of the two end points stop at the end point (the diagram never claims beyond its range).
std::pair<Rational, Rational> cell_of(const std::vector<Rational>& g, std::size_t k) {
  if (g.size() == 1) return {g[0], g[0]};
  Rational lo = k > 0 ? geo_mid(g[k - 1], g[k]) : g[0];
  Rational hi = k + 1 < g.size() ? geo_mid(g[k], g[k + 1]) : g[k];
  if (lo > g[k]) lo = g[k];
  if (hi < g[k]) hi = g[k];
  return {lo, hi};
}

fast::OutwardInterval enclose_fast(const Rational& x) { return fast::enclose(x.backend().data()); }

// Target width of the binary64 cell enclosures (cost only): signs only, and over a box the width is set by the
// parameter spread anyway, so a coarse tolerance keeps a cell at about a millisecond.
constexpr double kCellTol = 1e-5;

lyap::Sign ball_sign(const arb_t x) {
  if (!arb_is_finite(x)) return lyap::Sign::undetermined;
  if (arb_is_positive(x)) return lyap::Sign::positive;
  if (arb_is_negative(x)) return lyap::Sign::negative;
  return lyap::Sign::undetermined;
}

// Proof: MODEL-CELL-1 -- the kernels' balls contain the exponent for every (lr, sigma) in the input
// balls (FAST-XY-*, FAST-XYG-6, CONT-XY-*), so a ball excluding 0 certifies the sign on the whole rectangle; the
// L2 polynomial likewise.
// The binary64 hull of an Arb ball, rounded outward (whole line when the ball is not finite).
fast::OutwardInterval interval_of(const arb_t x) {
  if (!arb_is_finite(x)) return fast::OutwardInterval::whole();
  arf_t lo, hi;
  arf_init(lo);
  arf_init(hi);
  arb_get_lbound_arf(lo, x, 64);
  arb_get_ubound_arf(hi, x, 64);
  const fast::OutwardInterval out(arf_get_d(lo, ARF_RND_FLOOR), arf_get_d(hi, ARF_RND_CEIL));
  arf_clear(lo);
  arf_clear(hi);
  return out;
}

// The cell around grid point `point` (model point_model); its certified exponents serve as the centre of the
// centered form (FAST-XYG-6 with a known centre).
CellPhase certify_cell(const DiagramSpec& spec, const std::pair<Rational, Rational>& lr_cell,
                         const TwoLayerModel& lo_model, const TwoLayerModel& hi_model, const GridPoint& point,
                         const TwoLayerModel& point_model) {
  const slong prec = 64;
  Ball lr, sigma, k, a, b, res, gamma, t, m2;
  set_range(lr, lr_cell.first, lr_cell.second, prec);
  const Rational s2lo = std::min(lo_model.sigma2, hi_model.sigma2), s2hi = std::max(lo_model.sigma2, hi_model.sigma2);
  set_range(sigma, s2lo, s2hi, prec);
  arb_sqrt(sigma, sigma, prec);
  // xy(k) with k < 0 is the law of -xy(|k|): with the correct direction oriented by sign E[h_B] = sign k
  // (phase_at), the cell's exponents are those of |k|.
  set_q(k, spec.base.k < 0 ? Rational(-spec.base.k) : spec.base.k, prec);
  set_q(gamma, spec.base.gamma, prec);
  // a = 1 - lr gamma
  arb_mul(a, lr, gamma, prec);
  arb_sub_si(a, a, 1, prec);
  arb_neg(a, a);
  const ulong S = lo_model.batch;
  lyap::Sign plus, minus;
  // The binary64 Taylor-model kernel (FAST-XY-*, every point of its interval arguments) first: about a
  // millisecond per cell; the Arb quadrature on wide balls (seconds) only where the fast kernel cannot certify.
  const auto fast_sign = [&](bool plus_dir) {
    using fast::OutwardInterval;
    const OutwardInterval flr = hull(enclose_fast(lr_cell.first), enclose_fast(lr_cell.second));
    const OutwardInterval fa = OutwardInterval(1.0) - flr * enclose_fast(spec.base.gamma);
    const OutwardInterval fk = enclose_fast(spec.base.k < 0 ? Rational(-spec.base.k) : spec.base.k);
    const OutwardInterval fs = sqrt(hull(enclose_fast(s2lo), enclose_fast(s2hi)));
    const auto sign_of = [](const OutwardInterval& v) {
      if (v.lower() > 0.0) return lyap::Sign::positive;
      if (v.upper() < 0.0) return lyap::Sign::negative;
      return lyap::Sign::undetermined;
    };
    // The direct box evaluation (2-4 ms) decides most cells; the centered form (FAST-XYG-6: point value plus the
    // gradient enclosed over the box, 5-10 ms, several times tighter) the rest where it can.
    const OutwardInterval direct =
        fast::xy_log_abs_mean(fa, plus_dir ? flr : -flr, fk, fs, static_cast<unsigned>(S), kCellTol);
    if (sign_of(direct) != lyap::Sign::undetermined) return sign_of(direct);
    const lyap::CertifiedValue& pv = plus_dir ? point.result.lambda_plus.value : point.result.lambda_minus.value;
    const fast::XyCenter centre{enclose_fast(point.lr), sqrt(enclose_fast(point_model.sigma2)),
                                pv.minus_infinity ? fast::OutwardInterval::whole() : interval_of(pv.ball.get())};
    return sign_of(fast::xy_box_log_abs_mean(flr, enclose_fast(spec.base.gamma), plus_dir ? 1 : -1, fk, fs,
                                             static_cast<unsigned>(S), kCellTol, &direct, &centre));
  };
  // L2 of the wrong direction: E(a - lr h)^2 - 1 = a^2 - 2 a lr k + lr^2 (k^2 + (2k^2 + sigma^2)/S) - 1.
  arb_sqr(m2, k, prec);
  arb_mul_2exp_si(m2, m2, 1);
  arb_sqr(t, sigma, prec);
  arb_add(m2, m2, t, prec);
  arb_div_ui(m2, m2, S, prec);
  arb_sqr(t, k, prec);
  arb_add(m2, m2, t, prec);  // E h^2
  arb_sqr(t, lr, prec);
  arb_mul(m2, m2, t, prec);  // lr^2 E h^2
  arb_mul(t, a, lr, prec);
  arb_mul(t, t, k, prec);
  arb_mul_2exp_si(t, t, 1);
  arb_sub(m2, m2, t, prec);
  arb_sqr(t, a, prec);
  arb_add(m2, m2, t, prec);
  arb_sub_si(m2, m2, 1, prec);
  const lyap::Sign l2 = ball_sign(m2);
  if (l2 == lyap::Sign::undetermined) return CellPhase::mixed();
  // A cell fails as soon as one of its three signs is undecided (the cheap L2 sign first).
  const bool fast_ok = s2lo > 0 && S <= fast::kXyMaxBatch;
  plus = fast_ok ? fast_sign(true) : lyap::Sign::undetermined;
  try {
    if (plus == lyap::Sign::undetermined && !(fast_ok && spec.fast_cells_only)) {
      continuous::xy_log_abs_mean(res, a, lr, k, sigma, S, prec);
      plus = ball_sign(res);
    }
    if (plus == lyap::Sign::undetermined) return CellPhase::mixed();
    minus = fast_ok ? fast_sign(false) : lyap::Sign::undetermined;
    if (minus == lyap::Sign::undetermined && !(fast_ok && spec.fast_cells_only)) {
      arb_neg(b, lr);
      continuous::xy_log_abs_mean(res, a, b, k, sigma, S, prec);
      minus = ball_sign(res);
    }
  } catch (const InputError&) {
    return CellPhase::mixed();
  }
  if (plus == lyap::Sign::undetermined || minus == lyap::Sign::undetermined) return CellPhase::mixed();
  const auto c = candidate_phases(plus, minus, l2 == lyap::Sign::negative);
  return c.size() == 1 ? CellPhase::proved(c[0]) : CellPhase::mixed();
}

// Lambda_{+-}(lr) = E log|1 + lr a1 + lr b1 h|, h ~ xy(|k|, sigma, S), a1 = -gamma, b1 = +-1 (MODEL-ORIENT-1).
struct XyExponent {
  Ball a1, b1, k, sigma;
  Rational qa1, qb1, qk, qsigma2;
  ulong S = 1;
  XyExponent(const TwoLayerModel& m, bool plus, slong prec) {
    qa1 = -m.gamma;
    qb1 = plus ? 1 : -1;
    qk = m.k < 0 ? Rational(-m.k) : m.k;
    qsigma2 = m.sigma2;
    set_q(a1, qa1, prec);
    set_q(b1, qb1, prec);
    set_q(k, qk, prec);
    if (m.sigma2 == 0) {
      arb_zero(sigma);
    } else {
      set_q(sigma, m.sigma2, prec);
      arb_sqrt(sigma, sigma, prec);
    }
    S = m.batch;
  }
  void value(arb_t res, const arb_t lr, slong prec) const {
    Ball a, b;
    arb_mul(a, lr, a1, prec + 20);
    arb_add_ui(a, a, 1, prec + 20);
    arb_mul(b, lr, b1, prec + 20);
    continuous::xy_log_abs_mean(res, a, b, k, sigma, S, prec);
  }
  // Binary64 enclosure at the exact point lr (FAST-XY-*), tol its target width; false when the kernel does
  // not apply (sigma = 0, S > kXyMaxBatch) or could not certify.
  bool fast_value(arb_t res, const Rational& lr, double tol) const {
    if (qsigma2 == 0 || S > fast::kXyMaxBatch) return false;
    const fast::OutwardInterval flr = enclose_fast(lr);
    const fast::OutwardInterval v =
        fast::xy_log_abs_mean(fast::OutwardInterval(1.0) + flr * enclose_fast(qa1), flr * enclose_fast(qb1),
                              enclose_fast(qk), sqrt(enclose_fast(qsigma2)), static_cast<unsigned>(S), tol);
    if (!std::isfinite(v.lower()) || !std::isfinite(v.upper())) return false;
    exact::set_interval_d(res, v.lower(), v.upper(), 64);  // exact: 64 bits hold a binary64 hull
    return true;
  }
  // The binary64 value when it applies and decides the sign, else the Arb quadrature at prec.
  void value_at(arb_t res, const Rational& lr, slong prec, bool try_fast) const {
    if (try_fast && fast_value(res, lr, 1e-13) && !arb_contains_zero(res)) return;
    Ball mb;
    set_q(mb, lr, prec + 32);
    value(res, mb, prec);
  }
  void derivative(arb_t res, const arb_t lr, slong prec) const {
    continuous::xy_log_abs_mean_dlr(res, lr, a1, b1, k, sigma, S, prec);
  }
};

// A decimal with `sig` significant digits strictly inside (lo, hi) near their midpoint, else the exact midpoint.
Rational inner_point(const Rational& lo, const Rational& hi, int sig) {
  const Rational c = exact::parse_rational(fmt::format("{:.{}g}", ((lo + hi) / 2).convert_to<double>(), sig));
  return (c > lo && c < hi) ? c : Rational((lo + hi) / 2);
}

// Brackets wider than this lr ratio (5/4) are narrowed on point values before any derivative enclosure is tried.
const Rational kNarrowRatio(5, 4);

// Proof: MODEL-ROOT-1 -- [lo, hi] has certified opposite endpoint signs; if Lambda'([lo, hi]) excludes 0 the
// exponent is strictly monotone there, so the root is unique; bisection on certified signs and interval Newton
// (mean value theorem with an enclosure D of Lambda' over the current bracket; an enclosure over a larger
// bracket is also one over every sub-bracket) keep it inside [lo, hi]. Returns false (bracket unchanged) when
// the derivative does not exclude 0.
bool refine_unique_root(const XyExponent& f, Rational& lo, Rational& hi, bool neg_to_pos, int digits) {
  Ball X, d, fm, n, mb;
  // Bisect (certified signs at exact points keep a root inside) until the derivative enclosure over the
  // bracket excludes 0; wide brackets give wide derivative balls. lo/hi change only when the root is certified
  // unique in the end; otherwise the caller's bracket is kept. Signs from the binary64 kernel where it decides.
  Rational l0 = lo, h0 = hi;
  // A wide bracket (a coarse grid: [1/10, 1] for --grid 2x1) is first narrowed by bisection at geometric midpoints
  // on point values alone (binary64 where it decides, about a millisecond each): a derivative enclosure over a wide
  // lr-ball costs seconds of Arb quadrature and is too wide to exclude 0 anyway. The brackets of the default grid
  // (lr ratio about 1.2 between neighbours) start below the threshold and are unaffected.
  for (int it = 0; it < 64 && h0 > l0 * kNarrowRatio; ++it) {
    if (core::stop_requested()) return false;
    Rational m = exact::parse_rational(
        fmt::format("{:.12g}", std::sqrt(l0.convert_to<double>() * h0.convert_to<double>())));
    if (!(m > l0 && m < h0)) m = inner_point(l0, h0, 12);
    if (!(m > l0 && m < h0)) return false;
    f.value_at(fm, m, 96, true);
    if (!arb_is_finite(fm) || arb_contains_zero(fm)) break;  // undecided here: try the derivative as it is
    if (arb_is_positive(fm) == neg_to_pos) {
      h0 = m;
    } else {
      l0 = m;
    }
  }
  bool mono = false;
  for (int it = 0; it < 16 && !mono; ++it) {
    if (core::stop_requested()) return false;  // the caller's bracket stands
    set_range(X, l0, h0, 96);
    f.derivative(d, X, 64);
    if (arb_is_finite(d) && !arb_contains_zero(d)) {
      if (arb_is_positive(d) != neg_to_pos) return false;
      mono = true;
      break;
    }
    // Two bisection steps per derivative evaluation (the derivative costs ten or more values).
    for (int half = 0; half < 2; ++half) {
      const Rational m = inner_point(l0, h0, 12);
      if (!(m > l0 && m < h0)) return false;
      f.value_at(fm, m, 96, true);
      if (!arb_is_finite(fm) || arb_contains_zero(fm)) return false;
      if (arb_is_positive(fm) == neg_to_pos) {
        h0 = m;
      } else {
        l0 = m;
      }
    }
  }
  if (!mono) return false;
  lo = l0;
  hi = h0;
  Rational tol = lo < 1 ? Rational(1) : lo;
  for (int i = 0; i < digits; ++i) tol /= 10;
  slong prec = static_cast<slong>(3.33 * digits) + 40;
  bool try_fast = true;  // binary64 values until a step fails to halve the bracket
  arf_t nl, nu;
  arf_init(nl);
  arf_init(nu);
  for (int it = 0; it < 200 && hi - lo > tol; ++it) {
    if (core::stop_requested()) break;  // [lo, hi] still holds the unique root
    const Rational w0 = hi - lo;
    const Rational m = inner_point(lo, hi, 17);
    f.value_at(fm, m, prec, try_fast);
    if (arb_is_finite(fm) && !arb_contains_zero(fm)) {
      if (arb_is_positive(fm) == neg_to_pos) {
        hi = m;
      } else {
        lo = m;
      }
      // d encloses Lambda' on the bracket where monotonicity was proved, hence on every sub-bracket.
      set_q(mb, m, prec + 32);
      arb_div(n, fm, d, prec);
      arb_sub(n, mb, n, prec);
      arb_get_lbound_arf(nl, n, prec);
      arb_get_ubound_arf(nu, n, prec);
      const Rational l2 = exact::to_rational(nl), u2 = exact::to_rational(nu);
      if (l2 > lo) lo = l2;
      if (u2 < hi) hi = u2;
    }
    if (4 * (hi - lo) > w0) {
      // Slow progress: a tighter derivative enclosure on the current bracket, then exact values.
      set_range(X, lo, hi, prec + 32);
      Ball d2;
      f.derivative(d2, X, 64);
      if (arb_is_finite(d2) && !arb_contains_zero(d2)) arb_set(d, d2);
      if (2 * (hi - lo) > w0) {
        if (!try_fast) {
          if (prec > 4096) break;
          prec *= 2;
        }
        try_fast = false;
      }
    }
  }
  arf_clear(nl);
  arf_clear(nu);
  return true;
}

// Exact bytes of a finished grid point (core/distribute.hpp): what a rank or a journal hands back.
void encode_point(core::ItemWriter& w, const GridPoint& p) {
  lyap::encode(w, p.lr);
  lyap::encode(w, p.y);
  lyap::encode(w, p.result.lambda_plus);
  lyap::encode(w, p.result.lambda_minus);
  w.boolean(p.result.l2_wrong_direction_stable);
  // Phases travel as their labels (the record format predates the enum; text at the edge).
  w.str(to_string(p.result.phase));
  w.u64(p.result.candidates.size());
  for (Phase c : p.result.candidates) w.str(to_string(c));
  w.str(to_string(p.cell));
  w.boolean(p.done);
}

void decode_point(core::ItemReader& r, GridPoint& p) {
  lyap::decode(r, p.lr);
  lyap::decode(r, p.y);
  lyap::decode(r, p.result.lambda_plus);
  lyap::decode(r, p.result.lambda_minus);
  p.result.l2_wrong_direction_stable = r.boolean();
  const auto phase = [&r] {
    const auto ph = parse_phase(r.str());
    if (!ph) throw std::runtime_error("damaged item record (phase label)");
    return *ph;
  };
  p.result.phase = phase();
  const std::uint64_t n = r.u64();
  if (n > 16) throw std::runtime_error("damaged item record (phase candidates)");
  p.result.candidates.assign(n, Phase::undetermined);
  for (auto& c : p.result.candidates) c = phase();
  const auto cell = parse_cell_phase(r.str());
  if (!cell) throw std::runtime_error("damaged item record (cell label)");
  p.cell = *cell;
  p.done = r.boolean();
}

}  // namespace

std::vector<Rational> log_grid(const Rational& lo, const Rational& hi, int n) {
  if (!(lo > 0 && lo < hi)) throw InputError("a log-spaced range needs 0 < low < high");
  if (n < 1 || n > 100000) throw InputError(fmt::format("grid size {} outside [1, 100000]", n));
  if (n == 1) return {lo};
  std::vector<Rational> g;
  const double a = std::log(lo.convert_to<double>()), b = std::log(hi.convert_to<double>());
  for (int i = 0; i < n; ++i) {
    if (i == 0) {
      g.push_back(lo);
    } else if (i == n - 1) {
      g.push_back(hi);
    } else {
      Rational v = round6(std::exp(a + (b - a) * i / (n - 1)));
      if (v <= g.back()) throw InputError("grid too fine for 6-digit grid values");
      g.push_back(v);
    }
  }
  return g;
}

std::vector<Rational> power2_grid(const Rational& lo, const Rational& hi) {
  if (!(lo >= 1 && lo <= hi)) throw InputError("--batch-range needs 1 <= C <= D");
  if (hi > Rational(kMaxBatch)) {
    throw InputError(fmt::format("--batch-range: batch sizes above {} are not supported (the limit of --batch)", kMaxBatch));
  }
  std::vector<Rational> g;
  Rational v = 1;
  while (v < lo) v *= 2;
  for (; v <= hi; v *= 2) g.push_back(v);
  if (g.empty()) throw InputError("--batch-range contains no power of 2");
  return g;
}

std::size_t sweep_grid(std::size_t total, int jobs, const std::atomic<bool>* cancel,
                       const std::function<void(std::size_t, std::size_t)>& progress,
                       const std::function<bool(std::size_t)>& eval, const std::string& name,
                       const std::function<void(std::size_t, core::ItemWriter&)>& encode,
                       const std::function<void(std::size_t, core::ItemReader&)>& decode) {
  core::ParallelOptions po;
  po.jobs = static_cast<unsigned>(std::max(1, jobs));
  po.cancel = cancel;
  po.on_done = progress;
  std::atomic<std::size_t> done{0};
  try {
    if (encode && decode) {
      done = core::distributed_for(core::SweepItems{name, total, [&](std::size_t idx, unsigned) { return eval(idx); },
                                                    encode, decode},
                                   po)
                 .done;
    } else {
      core::parallel_for(total, po, [&](std::size_t idx, unsigned) {
        if (eval(idx)) ++done;
      });
    }
  } catch (const core::Interrupted&) {
    // reported below with the number of points done
  }
  core::throw_if_interrupted(fmt::format("interrupted after {} of {} grid points", done.load(), total));
  return done.load();
}

void set_sigma_or_batch(bool batch_axis, const Rational& y, Rational& sigma2, std::uint64_t& batch) {
  if (batch_axis) {
    batch = numerator(y).convert_to<std::uint64_t>();
    return;
  }
  if (y < 0) throw InputError("sigma must be >= 0");
  sigma2 = y * y;
}

TwoLayerModel model_at(const DiagramSpec& spec, const Rational& y) {
  TwoLayerModel m = spec.base;
  if (spec.y_axis == YAxis::snr) {
    m.sigma2 = sigma2_from_snr(m.k, y);
  } else {
    set_sigma_or_batch(spec.y_axis == YAxis::batch, y, m.sigma2, m.batch);
  }
  return m;
}

DiagramResult phase_diagram(const DiagramSpec& spec, const std::function<void(std::size_t, std::size_t)>& progress) {
  const bool finite_data = !spec.base.data.empty();
  if (finite_data && spec.y_axis != YAxis::batch) {
    throw InputError(
        "with finite data (--data / --data-sample) the data fix the noise: the sigma and SNR axes do not apply "
        "(the second axis is the batch size, --batch-range C:D)");
  }
  if (finite_data && spec.certify_cells) {
    throw InputError("--cells certifies cells of the Gaussian data model only (not with finite data)");
  }
  validate(spec.base);
  DiagramResult out;
  out.lrs = log_grid(spec.lr_min, spec.lr_max, spec.n_lr);
  out.ys = spec.y_axis == YAxis::batch ? power2_grid(spec.y_min, spec.y_max) : log_grid(spec.y_min, spec.y_max, spec.n_y);
  const std::size_t nl = out.lrs.size(), ny = out.ys.size(), total = nl * ny;
  out.points.resize(total);
  std::vector<TwoLayerModel> models;
  std::vector<laws::CurvatureLaw> laws_y;
  std::vector<std::pair<TwoLayerModel, TwoLayerModel>> cell_models;
  for (std::size_t j = 0; j < ny; ++j) {
    models.push_back(model_at(spec, out.ys[j]));
    laws_y.push_back(minibatch_curvature(models.back(), spec.max_atoms));
    if (spec.y_axis == YAxis::batch) {
      cell_models.emplace_back(models.back(), models.back());
    } else {
      const auto yc = cell_of(out.ys, j);
      cell_models.emplace_back(model_at(spec, yc.first), model_at(spec, yc.second));
    }
  }
  if (finite_data) {
    // Proof: MODEL-SPIKE-1 -- with s = sign E[h_B] the multipliers are c + s lr h_j (Lambda_+) and
    // c - s lr h_j (Lambda_-), c = 1 - lr gamma; c + s lr h_j = 0 iff lr (gamma - s h_j) = 1.
    for (std::size_t j = 0; j < ny; ++j) {
      const auto& fin = laws_y[j].finite();
      const bool neg = laws_y[j].mean() < 0;
      std::vector<Rational> plus, minus;
      for (std::size_t a = 0; a < fin.size(); ++a) {
        const Rational sh = neg ? Rational(-fin.value(a)) : fin.value(a);
        for (int dir = 0; dir < 2; ++dir) {
          const Rational den = dir == 0 ? Rational(models[j].gamma - sh) : Rational(models[j].gamma + sh);
          if (den <= 0) continue;
          const Rational lr = 1 / den;
          if (lr >= spec.lr_min && lr <= spec.lr_max) (dir == 0 ? plus : minus).push_back(lr);
        }
      }
      for (int dir = 0; dir < 2; ++dir) {
        auto& v = dir == 0 ? plus : minus;
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        auto& outv = dir == 0 ? out.plus_spikes : out.minus_spikes;
        for (const auto& lr : v) {
          if (outv.size() >= spec.max_spikes) {
            out.spikes_truncated = true;
            break;
          }
          outv.push_back(Spike{out.ys[j], lr});
        }
      }
    }
  }
  const std::size_t done = sweep_grid(total, spec.jobs, spec.cancel, progress, [&](std::size_t idx) {
    const std::size_t j = idx / nl, i = idx % nl;
    GridPoint& p = out.points[idx];
    p.lr = out.lrs[i];
    p.y = out.ys[j];
    try {
      p.result = phase_at(models[j], laws_y[j], p.lr, spec.acc);
    } catch (const core::BudgetExhausted&) {
      return false;  // the time budget ended before this point had an enclosure: not done
    }
    if (spec.certify_cells && !core::stop_requested()) {
      p.cell = certify_cell(spec, cell_of(out.lrs, i), cell_models[j].first, cell_models[j].second, p, models[j]);
    }
    p.done = true;
    return true;
  }, "phase-diagram/points", [&](std::size_t idx, core::ItemWriter& w) { encode_point(w, out.points[idx]); },
     [&](std::size_t idx, core::ItemReader& r) { decode_point(r, out.points[idx]); });
  out.complete = done == total;

  // Boundary brackets along lr at each y: neighbouring grid points with certified opposite signs (collected in
  // row order), then refined in parallel (each bracket on its own: the result does not depend on the threads).
  struct BracketTask {
    std::size_t j;
    int dir;
    Rational lo, hi;
    bool neg_to_pos;
    RootBracket result;
  };
  std::vector<BracketTask> tasks;
  for (std::size_t j = 0; j < ny; ++j) {
    for (int dir = 0; dir < 2; ++dir) {
      for (std::size_t i = 0; i + 1 < nl; ++i) {
        const GridPoint& p = out.points[j * nl + i];
        const GridPoint& q = out.points[j * nl + i + 1];
        if (!p.done || !q.done) continue;
        // Lambda is continuous in lr with values in [-inf, inf) also across a finite-data spike (log|.| tends
        // to -inf there), so opposite certified signs still bracket a root.
        const lyap::Sign sp = dir == 0 ? p.result.lambda_plus.value.sign : p.result.lambda_minus.value.sign;
        const lyap::Sign sq = dir == 0 ? q.result.lambda_plus.value.sign : q.result.lambda_minus.value.sign;
        const bool np = sp == lyap::Sign::negative, pp = sp == lyap::Sign::positive;
        const bool nq = sq == lyap::Sign::negative, pq = sq == lyap::Sign::positive;
        if (!((np && pq) || (pp && nq))) continue;
        // The unrefined bracket stands when refinement is stopped (budget) before this task.
        tasks.push_back(BracketTask{j, dir, p.lr, q.lr, np, RootBracket{out.ys[j], p.lr, q.lr, np ? "neg-to-pos" : "pos-to-neg"}});
      }
    }
  }
  const auto refine = [&](std::size_t t) {
    BracketTask& task = tasks[t];
    const std::size_t j = task.j;
    const bool np = task.neg_to_pos;
    Rational lo = task.lo, hi = task.hi;
    const char* direction = np ? "neg-to-pos" : "pos-to-neg";
    if (!finite_data) {
      const XyExponent f(models[j], task.dir == 0, 128);
      if (refine_unique_root(f, lo, hi, np, spec.acc.digits)) {
        task.result = RootBracket{out.ys[j], lo, hi, direction, true};
        return;
      }
    }
    // Not proved unique: bisection on exact 8-digit midpoints with certified signs.
    for (int it = 0; it < 10 && !core::stop_requested(); ++it) {
      const Rational mid =
          exact::parse_rational(fmt::format("{:.8g}", std::sqrt(lo.convert_to<double>() * hi.convert_to<double>())));
      if (!(mid > lo && mid < hi)) break;
      const Rational a = 1 - mid * models[j].gamma;
      // Oriented as in phase_at (MODEL-ORIENT-1): b = +-s mid with s = sign E[h_B].
      const Rational smid = laws_y[j].mean() < 0 ? Rational(-mid) : mid;
      const auto r =
          lyap::certify_log_abs_mean(laws_y[j], a, task.dir == 0 ? smid : Rational(-smid), lyap::Accuracy{6, 512});
      if (r.value.sign == lyap::Sign::undetermined || r.value.sign == lyap::Sign::zero) break;
      if ((r.value.sign == lyap::Sign::negative) == np) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    task.result = RootBracket{out.ys[j], lo, hi, direction};
  };
  core::ParallelOptions rpo;
  rpo.jobs = static_cast<unsigned>(std::max(1, spec.jobs));
  core::distributed_for(
      core::SweepItems{"phase-diagram/brackets", tasks.size(),
                       [&](std::size_t t, unsigned) {
                         refine(t);
                         return true;
                       },
                       [&](std::size_t t, core::ItemWriter& w) {
                         const RootBracket& b = tasks[t].result;
                         lyap::encode(w, b.y);
                         lyap::encode(w, b.lower);
                         lyap::encode(w, b.upper);
                         w.str(b.direction);
                         w.boolean(b.unique);
                       },
                       [&](std::size_t t, core::ItemReader& r) {
                         RootBracket& b = tasks[t].result;
                         lyap::decode(r, b.y);
                         lyap::decode(r, b.lower);
                         lyap::decode(r, b.upper);
                         b.direction = r.str();
                         b.unique = r.boolean();
                       }},
      rpo);
  core::throw_if_interrupted(fmt::format("interrupted while refining the {} boundary brackets", tasks.size()));
  for (const BracketTask& t : tasks) (t.dir == 0 ? out.plus_roots : out.minus_roots).push_back(t.result);
  for (std::size_t j = 0; j < ny; ++j) {
    // Proof: MODEL-L2-1 -- E(c - lr h)^2 = 1 with c = 1 - lr gamma has the nonzero root below.
    const TwoLayerModel& m = models[j];
    const Rational m2 = laws_y[j].second_moment();
    // E(c - s lr h)^2 with s = sign E[h] (phase_at): s E[h] = |E[h]|.
    const Rational mean = laws_y[j].mean();
    const Rational abs_mean = exact::rational_abs(mean);
    const Rational den = m.gamma * m.gamma + 2 * m.gamma * abs_mean + m2;
    if (den != 0) {
      const Rational lr = 2 * (m.gamma + abs_mean) / den;
      if (lr > 0) out.l2_boundary.emplace_back(out.ys[j], lr);
    }
  }
  return out;
}

}  // namespace lyapcert::models
