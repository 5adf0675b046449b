#include "lyapcert/sim/sgd.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define LYAPCERT_SIM_HAVE_MXCSR 1
#endif

#include "lyapcert/core/distribute.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/stats/kernels.hpp"
#include "lyapcert/stats/philox.hpp"

namespace lyapcert::sim {

const char* to_string(ModelKind k) {
  switch (k) {
    case ModelKind::twolayer: return "twolayer";
    case ModelKind::diagonal: return "diagonal";
    case ModelKind::vector: return "vector";
    case ModelKind::tanh: return "tanh";
  }
  return "?";
}

ModelKind parse_model_kind(const std::string& name) {
  if (name == "twolayer") return ModelKind::twolayer;
  if (name == "diagonal") return ModelKind::diagonal;
  if (name == "vector") return ModelKind::vector;
  if (name == "tanh") return ModelKind::tanh;
  throw InputError(fmt::format("unknown model '{}' (known: twolayer, diagonal, vector, tanh)", name));
}

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::collapsed: return "collapsed";
    case Outcome::escaped: return "escaped";
    case Outcome::diverged: return "diverged";
    case Outcome::undecided: return "undecided";
  }
  return "?";
}

void validate(const SimModel& m) {
  if (m.base.sigma2 < 0) throw InputError("sigma^2 must be >= 0");
  if (m.base.batch < 1) throw InputError("batch size must be >= 1");
  switch (m.kind) {
    case ModelKind::twolayer:
    case ModelKind::tanh:
      models::validate(m.base);
      if (m.width < 1 || m.width > 4096) throw InputError("--width must be in [1, 4096]");
      break;
    case ModelKind::diagonal:
      if (m.beta.empty() || m.beta.size() > 256) throw InputError("diagonal model: give 1 to 256 coefficients --beta");
      for (const auto& b : m.beta) {
        if (b == 0) throw InputError("diagonal model: every --beta coefficient must be nonzero");
      }
      if (!m.base.data.empty()) throw InputError("diagonal model: finite data (--data) is not supported");
      break;
    case ModelKind::vector:
      if (m.base.k == 0) throw InputError("vector model: k must be nonzero");
      if (m.width < 1 || m.width > 256) throw InputError("--width must be in [1, 256] for the vector model");
      if (m.dim < 1 || m.dim > 256 || m.out_dim < 1 || m.out_dim > 256) {
        throw InputError("vector model: --dim and --out-dim must be in [1, 256]");
      }
      if (!m.base.data.empty()) throw InputError("vector model: finite data (--data) is not supported");
      break;
  }
}

std::size_t unit_count(const SimModel& m) {
  switch (m.kind) {
    case ModelKind::twolayer:
    case ModelKind::tanh: return m.width;
    case ModelKind::diagonal: return m.beta.size();
    case ModelKind::vector: return 0;
  }
  return 0;
}

std::size_t parameter_count(const SimModel& m) {
  if (m.kind == ModelKind::vector) return m.width * (m.out_dim + m.dim);
  return 2 * unit_count(m);
}

int mean_curvature_sign(const SimModel& m) {
  if (m.kind == ModelKind::diagonal) return 0;  // per coordinate: sign(beta_i)
  if (m.base.data.empty()) return m.base.k > 0 ? 1 : -1;
  Rational s = 0;
  for (const auto& [x, y] : m.base.data) s += x * y;
  return s > 0 ? 1 : (s < 0 ? -1 : 0);
}

namespace {

// One run's random stream (see sgd.hpp): normals in pairs from one Philox block each, by the library's one
// Gaussian transform (stats::kernels::normal_pair, the one fill_normal uses).
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint32_t run, std::uint32_t stream)
      : k0_(static_cast<std::uint32_t>(seed)), k1_(static_cast<std::uint32_t>(seed >> 32)), run_(run),
        stream_(stream) {}

  std::uint64_t next64() {
    if (have_ == 0) {
      const auto r = block();
      buf_[0] = (static_cast<std::uint64_t>(r.c1) << 32) | r.c0;
      buf_[1] = (static_cast<std::uint64_t>(r.c3) << 32) | r.c2;
      have_ = 2;
    }
    return buf_[2 - have_--];
  }
  // Uniform integer in [0, n) (multiply-shift; bias below n / 2^64).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next64()) * n) >> 64);
  }
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const auto r = block();
    double z;
    stats::kernels::normal_pair((static_cast<std::uint64_t>(r.c1) << 32) | r.c0,
                                (static_cast<std::uint64_t>(r.c3) << 32) | r.c2, z, spare_);
    has_spare_ = true;
    return z;
  }

 private:
  stats::Philox4x32 block() {
    const auto r = stats::philox4x32(static_cast<std::uint32_t>(ctr_), static_cast<std::uint32_t>(ctr_ >> 32), run_,
                                     stream_, k0_, k1_);
    ++ctr_;
    return r;
  }
  std::uint32_t k0_, k1_, run_, stream_;
  std::uint64_t ctr_ = 0;
  std::uint64_t buf_[2] = {0, 0};
  int have_ = 0;
  bool has_spare_ = false;
  double spare_ = 0;
};

// Everything a run needs, converted to binary64 once.
struct Prepared {
  ModelKind kind;
  std::size_t units = 0, m = 1, d = 1, q = 1, params = 0;
  std::size_t S = 1;
  double k = 1, sigma = 1, gamma = 0;
  std::vector<double> beta;
  bool finite = false, replace = true;
  std::vector<double> dx, dy, dxx, dxy;  // finite data
};

Prepared prepare(const SimModel& mod) {
  Prepared p;
  p.kind = mod.kind;
  p.units = unit_count(mod);
  p.m = mod.width;
  p.d = mod.dim;
  p.q = mod.out_dim;
  p.params = parameter_count(mod);
  p.S = mod.base.batch;
  p.k = mod.base.k.convert_to<double>();
  p.sigma = std::sqrt(mod.base.sigma2.convert_to<double>());
  p.gamma = mod.base.gamma.convert_to<double>();
  for (const auto& b : mod.beta) p.beta.push_back(b.convert_to<double>());
  p.finite = !mod.base.data.empty();
  p.replace = mod.base.replace;
  for (const auto& [x, y] : mod.base.data) {
    const double xd = x.convert_to<double>(), yd = y.convert_to<double>();
    p.dx.push_back(xd);
    p.dy.push_back(yd);
    p.dxx.push_back(xd * xd);
    p.dxy.push_back(xd * yd);
  }
  return p;
}

class Runner {
 public:
  Runner(const Prepared& p, const SimOptions& o, std::uint32_t run)
      : p_(p), o_(o), rng_(o.seed, run, 0), theta_(p.params), next_(p.params) {
    if (p_.finite && !p_.replace) {
      perm_.resize(p_.dx.size());
      for (std::size_t i = 0; i < perm_.size(); ++i) perm_[i] = static_cast<std::uint32_t>(i);
    }
    if (p_.kind == ModelKind::tanh) {
      xs_.resize(p_.S);
      ys_.resize(p_.S);
      th_.resize(p_.m);
    }
    if (p_.kind == ModelKind::diagonal) {
      xs_.resize(p_.S * p_.beta.size());
      ys_.resize(p_.S);
      grad_.resize(p_.beta.size());
    }
    if (p_.kind == ModelKind::vector) {
      xv_.resize(p_.d);
      yv_.resize(p_.q);
      wx_.resize(p_.m);
      utr_.resize(p_.m);
      rv_.resize(p_.q);
    }
  }

  RunResult run(std::uint32_t run_index, const std::atomic<bool>* cancel, bool& cancelled) {
    init(run_index);
    RunResult res;
    const double log_e = std::log(o_.init_scale);
    const double log_c = o_.collapse_below > 0 ? std::log(o_.collapse_below) + log_e
                                               : -std::numeric_limits<double>::infinity();
    const double log_x = std::log(o_.escape_above);  // +inf when escape_above is inf
    const double log_div = std::log(o_.diverge_above);
    double scale = 0;  // log of the factor taken out of theta (linearised mode)
    if (o_.linearised) {
      scale = log_e;
      for (double& v : theta_) v /= o_.init_scale;
    }
    // Squared-norm thresholds relative to the current scale.
    double lo2 = 0, hi2 = 0, div2 = 0;
    auto set_thresholds = [&] {
      lo2 = escaped_ ? -1.0 : std::exp(2 * (log_c - scale));  // after escape: no collapse test
      hi2 = escaped_ ? std::numeric_limits<double>::infinity() : std::exp(2 * (log_x - scale));
      div2 = o_.linearised ? std::numeric_limits<double>::infinity() : std::exp(2 * (log_div - scale));
    };
    set_thresholds();
    std::uint64_t t = 0;
    bool stopped = false;
    while (t < o_.steps) {
      if ((t & 0xFFFF) == 0 && ((cancel && cancel->load(std::memory_order_relaxed)) || core::stop_requested())) {
        cancelled = true;
        return res;
      }
      step();
      ++t;
      const double n2 = norm2();
      if (n2 < 1e-250) {
        // |theta| below ~1e-125: the squared norm loses range in binary64 (and flushes to 0); decide with
        // its logarithm in long double (exponent range 1e-4951) instead. Only collapse is possible here.
        const long double l2 = long_norm2();
        const double logn = scale + 0.5 * static_cast<double>(std::log(l2));
        if (!escaped_ && logn <= log_c) {
          res.outcome = Outcome::collapsed;
          res.exit_step = t;
          res.log_ratio_at_exit = logn - log_e;
          stopped = true;
          break;
        }
        if (l2 == 0) {  // exactly 0 after an escape: theta stays 0
          stopped = true;
          res.outcome = escaped_ ? Outcome::escaped : Outcome::collapsed;
          break;
        }
        if (o_.linearised) {
          const double n = static_cast<double>(std::sqrt(l2));
          for (double& v : theta_) v /= n;
          scale += std::log(n);
          set_thresholds();
        }
        continue;
      }
      if (!(n2 > lo2 && n2 < hi2 && n2 < div2)) {
        const double logn = scale + 0.5 * std::log(n2);
        const bool bad = !std::isfinite(n2) || n2 >= div2;
        if (!escaped_ && (bad || n2 >= hi2)) {  // first passage above X
          escaped_ = true;
          res.reached_escape = true;
          res.exit_step = t;
          res.log_ratio_at_exit = std::isfinite(logn) ? logn - log_e : std::numeric_limits<double>::infinity();
          record_escape(res, scale);
          set_thresholds();
          if (o_.stop_at_escape && !bad) {
            stopped = true;
            res.outcome = Outcome::escaped;
            break;
          }
        } else if (n2 <= lo2) {
          res.outcome = Outcome::collapsed;
          res.exit_step = t;
          res.log_ratio_at_exit = logn - log_e;
          stopped = true;
          break;
        }
        if (bad) {
          res.outcome = Outcome::diverged;
          diverged_ = true;
          stopped = true;
          break;
        }
      }
      if (o_.linearised && (n2 > 1e200 || n2 < 1e-200)) {
        const double n = std::sqrt(n2);
        for (double& v : theta_) v /= n;
        scale += std::log(n);
        set_thresholds();
      }
    }
    res.steps_run = t;
    res.final_log_distance = scale + 0.5 * static_cast<double>(std::log(long_norm2()));
    res.final_distance = std::exp(res.final_log_distance);
    if (diverged_) res.final_distance = std::numeric_limits<double>::infinity();
    if (!stopped) {
      res.outcome = escaped_ ? Outcome::escaped : Outcome::undecided;
      if (!escaped_) {
        res.exit_step = t;
        res.log_ratio_at_exit = res.final_log_distance - log_e;
      }
    }
    record_final(res, scale);
    return res;
  }

 private:
  void init(std::uint32_t run_index) {
    Rng init_rng(o_.seed, run_index, 1);
    const std::size_t P = p_.params;
    if (o_.init == InitDirection::sphere) {
      double n2 = 0;
      for (std::size_t i = 0; i < P; ++i) {
        theta_[i] = init_rng.normal();
        n2 += theta_[i] * theta_[i];
      }
      const double f = o_.init_scale / std::sqrt(n2);
      for (double& v : theta_) v *= f;
      if (rotated_) {  // the same start point, in the rotated basis (p, m) = ((u + w), (u - w)) / sqrt 2
        const std::size_t U = p_.units;
        const double s = 1 / std::sqrt(2.0);
        for (std::size_t j = 0; j < U; ++j) {
          const double u = theta_[j], w = theta_[U + j];
          theta_[j] = (u + w) * s;
          theta_[U + j] = (u - w) * s;
        }
      }
    } else {
      const std::size_t U = p_.units;
      const double v = o_.init_scale / std::sqrt(static_cast<double>(P));
      for (std::size_t j = 0; j < U; ++j) {
        if (rotated_) {  // exactly on one rotated axis: the other component is exactly 0
          theta_[j] = o_.init == InitDirection::plus ? v * std::sqrt(2.0) : 0.0;
          theta_[U + j] = o_.init == InitDirection::plus ? 0.0 : v * std::sqrt(2.0);
          continue;
        }
        theta_[j] = v;
        theta_[U + j] = o_.init == InitDirection::plus ? v : -v;
      }
    }
  }

  double norm2() const {
    double s = 0;
    for (double v : theta_) s += v * v;
    return s;
  }
  long double long_norm2() const {
    long double s = 0;
    for (double v : theta_) s += static_cast<long double>(v) * v;
    return s;
  }

  // Indices of the next minibatch of finite data into idx_ (with replacement: i.i.d. uniform;
  // without: the first S entries of a partial Fisher-Yates shuffle).
  void draw_indices() {
    const std::size_t N = p_.dx.size();
    idx_.resize(p_.S);
    if (p_.replace) {
      for (std::size_t j = 0; j < p_.S; ++j) idx_[j] = static_cast<std::uint32_t>(rng_.below(N));
    } else {
      for (std::size_t j = 0; j < p_.S; ++j) {
        const std::size_t r = j + rng_.below(N - j);
        std::swap(perm_[j], perm_[r]);
        idx_[j] = perm_[j];
      }
    }
  }

  // Minibatch means a = mean x^2, b = mean x y for the scalar-input models.
  void batch_sums(double& a, double& b) {
    if (p_.finite) {
      draw_indices();
      double sa = 0, sb = 0;
      for (std::uint32_t i : idx_) {
        sa += p_.dxx[i];
        sb += p_.dxy[i];
      }
      a = sa / static_cast<double>(p_.S);
      b = sb / static_cast<double>(p_.S);
      return;
    }
    if (p_.S == 1) {
      const double x = rng_.normal(), e = rng_.normal();
      a = x * x;
      b = p_.k * a + p_.sigma * x * e;
      return;
    }
    // q = sum x_j^2 ~ chi^2_S and, given x, sum x_j eps_j ~ N(0, q): exact in law.
    double qs = 0;
    for (std::size_t j = 0; j < p_.S; ++j) {
      const double x = rng_.normal();
      qs += x * x;
    }
    const double z = rng_.normal();
    const double inv = 1.0 / static_cast<double>(p_.S);
    a = qs * inv;
    b = (p_.k * qs + p_.sigma * std::sqrt(qs) * z) * inv;
  }

  void step() {
    switch (p_.kind) {
      case ModelKind::twolayer: {
        double a, b;
        batch_sums(a, b);
        // The residual's slope g = (sum_i u_i w_i) a - b is shared by every unit (linearised: g = -b).
        double g = -b;
        if (!o_.linearised) {
          double c = 0;
          for (std::size_t i = 0; i < p_.m; ++i) c += unit_product(i);
          g += c * a;
        }
        rotated_step(g);
        break;
      }
      case ModelKind::tanh: step_tanh(); break;
      case ModelKind::diagonal: step_diagonal(); break;
      case ModelKind::vector: step_vector(); break;
    }
  }

  void step_tanh() {
    const double lr = o_.lr, gm = p_.gamma;
    const std::size_t m = p_.m, S = p_.S;
    if (o_.linearised) {  // the linearisation of tanh at 0 is the two-layer linear one
      double a, b;
      batch_sums(a, b);
      rotated_step(-b);
      return;
    }
    if (p_.finite) {
      draw_indices();
      for (std::size_t j = 0; j < S; ++j) {
        xs_[j] = p_.dx[idx_[j]];
        ys_[j] = p_.dy[idx_[j]];
      }
    } else {
      for (std::size_t j = 0; j < S; ++j) {
        xs_[j] = rng_.normal();
        ys_[j] = p_.k * xs_[j] + p_.sigma * rng_.normal();
      }
    }
    std::fill(next_.begin(), next_.end(), 0.0);  // gradient accumulator
    for (std::size_t j = 0; j < S; ++j) {
      double f = 0;
      for (std::size_t i = 0; i < m; ++i) {
        th_[i] = std::tanh(theta_[m + i] * xs_[j]);
        f += theta_[i] * th_[i];
      }
      const double r = f - ys_[j];
      for (std::size_t i = 0; i < m; ++i) {
        next_[i] += r * th_[i];
        next_[m + i] += r * theta_[i] * xs_[j] * (1 - th_[i] * th_[i]);
      }
    }
    const double inv = 1.0 / static_cast<double>(S);
    for (std::size_t i = 0; i < 2 * m; ++i) theta_[i] -= lr * (next_[i] * inv + gm * theta_[i]);
  }

  void step_diagonal() {
    const double lr = o_.lr, gm = p_.gamma;
    const std::size_t d = p_.beta.size(), S = p_.S;
    std::fill(grad_.begin(), grad_.end(), 0.0);
    for (std::size_t j = 0; j < S; ++j) {
      double* x = &xs_[j * d];
      double y = 0;
      for (std::size_t i = 0; i < d; ++i) {
        x[i] = rng_.normal();
        y += p_.beta[i] * x[i];
      }
      y += p_.sigma * rng_.normal();
      double f = 0;
      if (!o_.linearised) {
        for (std::size_t i = 0; i < d; ++i) f += unit_product(i) * x[i];
      }
      const double r = f - y;
      for (std::size_t i = 0; i < d; ++i) grad_[i] += r * x[i];
    }
    const double inv = 1.0 / static_cast<double>(S);
    for (std::size_t i = 0; i < d; ++i) {
      const double g = grad_[i] * inv;
      if (rotated_) {  // the rotated components are multiplied (SIM-LIN-ROT-1)
        theta_[i] *= 1 - lr * gm - lr * g;
        theta_[d + i] *= 1 - lr * gm + lr * g;
        continue;
      }
      const double u = theta_[i], w = theta_[d + i];
      theta_[i] = u - lr * (g * w + gm * u);
      theta_[d + i] = w - lr * (g * u + gm * w);
    }
  }

  // Two-layer step u' = u - lr (g w + gamma u), w' = w - lr (g u + gamma w) in the rotated basis: every unit's
  // p = (u + w)/sqrt 2 is multiplied by 1 - lr gamma - lr g and m = (u - w)/sqrt 2 by 1 - lr gamma + lr g.
  // Proof: SIM-LIN-ROT-1 -- the same map; in (u, w) coordinates a component 1e-16 times smaller than the other
  // is lost to rounding for good (u = -w exactly stays so), which made escape predictions fail at random.
  void rotated_step(double g) {
    const double lr = o_.lr, c = 1 - lr * p_.gamma;
    const double fp = c - lr * g, fm = c + lr * g;
    const std::size_t m = p_.units;
    for (std::size_t i = 0; i < m; ++i) {
      theta_[i] *= fp;
      theta_[m + i] *= fm;
    }
  }

  // u_j w_j (= (p^2 - m^2)/2 in the rotated basis, without the cancellation of forming u and w first).
  double unit_product(std::size_t j) const {
    const std::size_t U = p_.units;
    if (!rotated_) return theta_[j] * theta_[U + j];
    return (theta_[j] - theta_[U + j]) * (theta_[j] + theta_[U + j]) / 2;
  }

  void step_vector() {
    const double lr = o_.lr, gm = p_.gamma;
    const std::size_t m = p_.m, d = p_.d, q = p_.q, S = p_.S;
    const double* U = theta_.data();         // q x m
    const double* W = theta_.data() + q * m;  // m x d
    std::fill(next_.begin(), next_.end(), 0.0);
    double* gU = next_.data();
    double* gW = next_.data() + q * m;
    for (std::size_t j = 0; j < S; ++j) {
      for (std::size_t i = 0; i < d; ++i) xv_[i] = rng_.normal();
      for (std::size_t l = 0; l < q; ++l) yv_[l] = (l < d ? p_.k * xv_[l] : 0.0) + p_.sigma * rng_.normal();
      for (std::size_t a = 0; a < m; ++a) {
        double s = 0;
        for (std::size_t i = 0; i < d; ++i) s += W[a * d + i] * xv_[i];
        wx_[a] = s;
      }
      for (std::size_t l = 0; l < q; ++l) {
        double f = 0;
        if (!o_.linearised) {
          for (std::size_t a = 0; a < m; ++a) f += U[l * m + a] * wx_[a];
        }
        rv_[l] = f - yv_[l];
      }
      for (std::size_t a = 0; a < m; ++a) {
        double s = 0;
        for (std::size_t l = 0; l < q; ++l) s += U[l * m + a] * rv_[l];
        utr_[a] = s;
      }
      for (std::size_t l = 0; l < q; ++l) {
        for (std::size_t a = 0; a < m; ++a) gU[l * m + a] += rv_[l] * wx_[a];
      }
      for (std::size_t a = 0; a < m; ++a) {
        for (std::size_t i = 0; i < d; ++i) gW[a * d + i] += utr_[a] * xv_[i];
      }
    }
    const double inv = 1.0 / static_cast<double>(S);
    for (std::size_t i = 0; i < theta_.size(); ++i) theta_[i] -= lr * (next_[i] * inv + gm * theta_[i]);
  }

  double product(double scale) const {
    const double f = std::exp(2 * scale);
    if (p_.kind == ModelKind::vector) {
      const std::size_t m = p_.m, d = p_.d, q = p_.q;
      double s = 0;
      for (std::size_t a = 0; a < m; ++a) s += theta_[a] * theta_[q * m + a * d];
      return s * f;
    }
    const std::size_t U = p_.units;
    double c = 0;
    for (std::size_t i = 0; i < U; ++i) c += unit_product(i);
    return c * f;
  }

  void record_escape(RunResult& res, double scale) {
    res.product_at_escape = product(scale);
    const std::size_t U = p_.units;
    if (U == 0) return;
    res.active_plus.assign(U, 0);
    res.active_minus.assign(U, 0);
    res.unit_product_at_escape.assign(U, 0);
    // Proof: SIM-LUNDBERG-1 -- |theta| >= X implies some rotated component >= X / sqrt(2U).
    const double log_thr = std::log(o_.escape_above) - 0.5 * std::log(2.0 * static_cast<double>(U)) - scale;
    const double thr = std::exp(log_thr);
    const double f = std::exp(2 * scale);
    for (std::size_t j = 0; j < U; ++j) {
      if (rotated_) {
        res.active_plus[j] = std::abs(theta_[j]) >= thr;
        res.active_minus[j] = std::abs(theta_[U + j]) >= thr;
      } else {
        const double u = theta_[j], w = theta_[U + j];
        res.active_plus[j] = std::abs(u + w) / std::sqrt(2.0) >= thr;
        res.active_minus[j] = std::abs(u - w) / std::sqrt(2.0) >= thr;
      }
      res.unit_product_at_escape[j] = unit_product(j) * f;
    }
  }

  void record_final(RunResult& res, double scale) {
    res.final_product = product(scale);
    const double f = std::exp(2 * scale);
    if (p_.kind == ModelKind::vector) {
      const std::size_t m = p_.m, d = p_.d, q = p_.q;
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> U(theta_.data(), q, m);
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> W(
          theta_.data() + q * m, m, d);
      const Eigen::MatrixXd prod = U * W;
      if (prod.allFinite()) {
        Eigen::JacobiSVD<Eigen::MatrixXd> svd(prod);
        const auto sv = svd.singularValues();
        for (Eigen::Index i = 0; i < sv.size(); ++i) res.learned_rank += sv[i] * f > o_.rank_threshold;
      }
      return;
    }
    const std::size_t U = p_.units;
    res.surviving.assign(U, 0);
    std::uint32_t surv = 0;
    for (std::size_t j = 0; j < U; ++j) {
      res.surviving[j] = std::abs(unit_product(j) * f) > o_.rank_threshold;
      surv += res.surviving[j];
    }
    if (p_.kind == ModelKind::diagonal) {
      res.learned_rank = surv;
    } else {
      res.learned_rank = std::abs(res.final_product) > o_.rank_threshold ? 1 : 0;
    }
  }

  const Prepared& p_;
  const SimOptions& o_;
  Rng rng_;
  std::vector<double> theta_, next_;
  std::vector<std::uint32_t> perm_, idx_;
  std::vector<double> xs_, ys_, th_, grad_, xv_, yv_, wx_, utr_, rv_;
  bool escaped_ = false, diverged_ = false;
  // The two-layer and diagonal models (and the linearised tanh model) keep theta_ in the rotated basis:
  // theta_[j] = (u_j + w_j)/sqrt 2, theta_[U + j] = (u_j - w_j)/sqrt 2 (SIM-LIN-ROT-1): their SGD step is the
  // same map written without cancellation. Norms are the same in both bases.
  const bool rotated_ = p_.kind == ModelKind::twolayer || p_.kind == ModelKind::diagonal ||
                        (p_.kind == ModelKind::tanh && o_.linearised);
};

void check_options(const SimOptions& o) {
  if (!(o.lr > 0) || !std::isfinite(o.lr)) throw InputError(fmt::format("--lr must be > 0, got {}", o.lr));
  if (o.steps < 1 || o.steps > 1'000'000'000'000ULL) throw InputError("--steps must be in [1, 10^12]");
  if (o.runs < 1 || o.runs > 100'000'000ULL) throw InputError("--runs must be in [1, 10^8]");
  if (!(o.init_scale > 0) || !std::isfinite(o.init_scale)) throw InputError("--init-scale must be > 0");
  if (!(o.collapse_below >= 0 && o.collapse_below < 1)) throw InputError("--collapse-below must be in [0, 1)");
  if (!(o.escape_above > o.init_scale)) throw InputError("--escape-above must exceed --init-scale");
  if (!(o.rank_threshold > 0)) throw InputError("--rank-threshold must be > 0");
  if (!o.linearised && !(o.diverge_above > o.escape_above)) {
    throw InputError("the divergence threshold must exceed --escape-above");
  }
  if (o.threads < 1 || o.threads > 256) throw InputError("threads must be in [1, 256]");
}

}  // namespace

EstimateInterval clopper_pearson(std::uint64_t k, std::uint64_t n, double level) {
  EstimateInterval r;
  if (n == 0) return {0, 0, 1};
  const double a = 1 - level;
  r.estimate = static_cast<double>(k) / static_cast<double>(n);
  const double kd = static_cast<double>(k), nd = static_cast<double>(n);
  r.lower = k == 0 ? 0.0 : boost::math::quantile(boost::math::beta_distribution<>(kd, nd - kd + 1), a / 2);
  r.upper = k == n ? 1.0 : boost::math::quantile(boost::math::beta_distribution<>(kd + 1, nd - kd), 1 - a / 2);
  return r;
}

SimSummary summarise(const SimModel& m, const std::vector<RunResult>& runs, double level) {
  SimSummary s;
  s.level = level;
  s.runs = runs.size();
  const int want = mean_curvature_sign(m);
  double sum_l = 0, sum_t = 0;
  std::vector<double> dist;
  for (const auto& r : runs) {
    switch (r.outcome) {
      case Outcome::collapsed: ++s.collapsed; break;
      case Outcome::escaped: ++s.escaped; break;
      case Outcome::diverged: ++s.diverged; break;
      case Outcome::undecided: ++s.undecided; break;
    }
    if (r.reached_escape) ++s.reached_escape;
    if (r.reached_escape) {
      bool correct = true, decided = true;
      if (m.kind == ModelKind::diagonal) {
        for (std::size_t j = 0; j < r.active_plus.size(); ++j) {
          if (r.active_plus[j] || r.active_minus[j]) {
            correct = correct && (r.unit_product_at_escape[j] > 0) == (m.beta[j] > 0);
          }
        }
      } else if (m.kind == ModelKind::vector || want == 0) {
        decided = false;
      } else {
        correct = (r.product_at_escape > 0 ? 1 : -1) == want;
      }
      if (decided) ++(correct ? s.correct_sign : s.incorrect_sign);
    }
    if (std::isfinite(r.log_ratio_at_exit)) {
      sum_l += r.log_ratio_at_exit;
      sum_t += static_cast<double>(r.exit_step);
    }
    dist.push_back(r.final_distance);
    if (s.rank_histogram.size() <= r.learned_rank) s.rank_histogram.resize(r.learned_rank + 1, 0);
    ++s.rank_histogram[r.learned_rank];
  }
  s.collapsed_fraction = clopper_pearson(s.collapsed, s.runs, level);
  s.escaped_fraction = clopper_pearson(s.reached_escape, s.runs, level);
  s.correct_sign_fraction = clopper_pearson(s.correct_sign, s.correct_sign + s.incorrect_sign, level);
  // Ratio estimator with a delta-method (CLT) interval.
  const double inf = std::numeric_limits<double>::infinity();
  s.growth_rate = {0, -inf, inf};
  if (sum_t > 0) {
    const double g = sum_l / sum_t;
    s.growth_rate.estimate = g;
    std::size_t n = 0;
    double ss = 0;
    for (const auto& r : runs) {
      if (!std::isfinite(r.log_ratio_at_exit)) continue;
      const double e = r.log_ratio_at_exit - g * static_cast<double>(r.exit_step);
      ss += e * e;
      ++n;
    }
    if (n >= 2) {
      const double mean_t = sum_t / static_cast<double>(n);
      const double se = std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n)) / mean_t;
      const double z = boost::math::quantile(boost::math::normal(), 0.5 + level / 2);
      s.growth_rate.lower = g - z * se;
      s.growth_rate.upper = g + z * se;
    }
  }
  if (!dist.empty()) {
    std::sort(dist.begin(), dist.end());
    auto q = [&](double f) { return dist[static_cast<std::size_t>(f * static_cast<double>(dist.size() - 1) + 0.5)]; };
    s.final_distance_median = q(0.5);
    s.final_distance_q1 = q(0.25);
    s.final_distance_q3 = q(0.75);
  }
  return s;
}

namespace {

void put_bytes(core::ItemWriter& w, const std::vector<std::uint8_t>& v) {
  w.str(std::string(v.begin(), v.end()));
}
void get_bytes(core::ItemReader& r, std::vector<std::uint8_t>& v) {
  const std::string s = r.str();
  v.assign(s.begin(), s.end());
}

void encode_run(core::ItemWriter& w, const RunResult& x) {
  w.u64(x.run_index);
  w.u64(static_cast<std::uint64_t>(x.outcome));
  w.boolean(x.reached_escape);
  w.u64(x.exit_step);
  w.f64(x.log_ratio_at_exit);
  w.u64(x.steps_run);
  w.f64(x.final_distance);
  w.f64(x.final_log_distance);
  w.f64(x.product_at_escape);
  w.f64(x.final_product);
  put_bytes(w, x.active_plus);
  put_bytes(w, x.active_minus);
  w.u64(x.unit_product_at_escape.size());
  for (double v : x.unit_product_at_escape) w.f64(v);
  put_bytes(w, x.surviving);
  w.u64(x.learned_rank);
}

void decode_run(core::ItemReader& r, RunResult& x) {
  x.run_index = r.u64();
  const std::uint64_t o = r.u64();
  if (o > static_cast<std::uint64_t>(Outcome::undecided)) throw std::runtime_error("damaged item record (outcome)");
  x.outcome = static_cast<Outcome>(o);
  x.reached_escape = r.boolean();
  x.exit_step = r.u64();
  x.log_ratio_at_exit = r.f64();
  x.steps_run = r.u64();
  x.final_distance = r.f64();
  x.final_log_distance = r.f64();
  x.product_at_escape = r.f64();
  x.final_product = r.f64();
  get_bytes(r, x.active_plus);
  get_bytes(r, x.active_minus);
  const std::uint64_t n = r.u64();
  if (n > (std::uint64_t{1} << 24)) throw std::runtime_error("damaged item record (units)");
  x.unit_product_at_escape.assign(n, 0.0);
  for (double& v : x.unit_product_at_escape) v = r.f64();
  get_bytes(r, x.surviving);
  x.learned_rank = static_cast<std::uint32_t>(r.u64());
}

}  // namespace

SimResult simulate(const SimModel& m, const SimOptions& o) {
  validate(m);
  check_options(o);
  if (m.kind == ModelKind::vector && o.init != InitDirection::sphere) {
    throw InputError("the vector model starts on the sphere only (no u = +-w directions)");
  }
  const Prepared prep = prepare(m);
  std::vector<RunResult> results(o.runs);
  std::vector<std::uint8_t> done(o.runs, 0);
  std::atomic<bool> stop{false};
  core::ParallelOptions po;
  po.jobs = static_cast<unsigned>(std::min<std::uint64_t>(static_cast<std::uint64_t>(o.threads), o.runs));
  po.cancel = &stop;
  po.on_done = o.progress;
  const auto run_one = [&](std::size_t r) {
#ifdef LYAPCERT_SIM_HAVE_MXCSR
    // FTZ | DAZ for this run only, restored after it (the calling thread is one of the workers).
    struct FlushDenormals {
      unsigned saved = _mm_getcsr();
      FlushDenormals() { _mm_setcsr(saved | 0x8040); }
      ~FlushDenormals() { _mm_setcsr(saved); }
    } const ftz;
#endif
    bool cancelled = false;
    Runner runner(prep, o, static_cast<std::uint32_t>(r));
    RunResult res = runner.run(static_cast<std::uint32_t>(r), o.cancel, cancelled);
    if (cancelled) {
      stop.store(true);
      return false;
    }
    res.run_index = r;
    results[r] = std::move(res);
    done[r] = 1;
    return true;
  };
  // Runs may be simulated on other MPI ranks (core/distribute.hpp): a run's result travels as exact bytes
  // (binary64 bit patterns), so the summary does not depend on where a run was simulated.
  core::distributed_for(core::SweepItems{"simulate/runs", o.runs, [&](std::size_t r, unsigned) { return run_one(r); },
                                         [&](std::size_t r, core::ItemWriter& w) { encode_run(w, results[r]); },
                                         [&](std::size_t r, core::ItemReader& rd) {
                                           decode_run(rd, results[r]);
                                           done[r] = 1;
                                         }},
                        po);
  core::throw_if_interrupted();
  // A stop (budget or cancel) keeps the runs 0..K-1 before the first unfinished one. The runs finished after
  // that gap are dropped: among the runs started late only the short ones (early collapses) had time to
  // finish, so keeping them would bias the fractions toward the outcomes that end a run quickly.
  SimResult out;
  bool complete = true;
  for (std::uint64_t r = 0; r < o.runs; ++r) {
    if (!done[r]) {
      complete = false;
      break;
    }
    out.runs.push_back(std::move(results[r]));
  }
  out.summary = summarise(m, out.runs);
  out.summary.complete = complete;
  return out;
}

}  // namespace lyapcert::sim
