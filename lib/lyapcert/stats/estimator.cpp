#include "lyapcert/stats/estimator.hpp"

#include <Eigen/Dense>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "lyapcert/core/distribute.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/stats/confidence.hpp"
#include "lyapcert/stats/kernels.hpp"

namespace lyapcert::stats {

const char* to_string(Guarantee g) { return g == Guarantee::nonasymptotic ? "nonasymptotic" : "asymptotic"; }

exact::Sign supported_sign(const ConfidenceInterval& ci) {
  if (!std::isfinite(ci.lower) || !std::isfinite(ci.upper)) return exact::Sign::undetermined;
  if (ci.upper < 0) return exact::Sign::negative;
  if (ci.lower > 0) return exact::Sign::positive;
  return exact::Sign::undetermined;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLn2 = 0.69314718055994530942;
constexpr std::size_t kChunk = 1024;  // steps per random block; blocks are indexed (replica, chunk)
// Most simulated steps of one estimate, whole blocks and burn-in included (--steps x --reps).
constexpr std::uint64_t kMaxSimulatedSteps = std::uint64_t{1} << 40;

const char* kMinusInfNote =
    "a -inf increment was sampled (a product step that is exactly 0 in binary64); floating point proves "
    "nothing about Lambda = -inf by itself: for finite 1-D laws `lyapcert lyap1d` decides it exactly";

// Runs fn(i) for i < n on `threads` threads (0: all cores) with core::parallel_for; the assignment of items to
// threads never changes the results because every item writes only its own output. Returns false when a stop
// (core::stop_requested(): the interrupt, or the caller's time budget) ended it before every item was done; an
// interrupt throws core::Interrupted.
bool parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn) {
  const core::ParallelResult r = core::parallel_for(n, threads, fn);
  core::throw_if_interrupted();
  return !r.stopped;
}

// A fixed-size estimate cut short by the time budget: there is no partial estimate to report.
[[noreturn]] void budget_exhausted() {
  throw core::BudgetExhausted("the time budget ended before the requested steps and replicates were simulated; "
                              "lower --steps / --reps or raise --time-budget");
}

// Shift j with 2^-2j * n2 in [1/4, 4) from the exponent bits (exact power-of-two rescaling).
inline int half_exponent(double n2) {
  const int e = static_cast<int>((std::bit_cast<std::uint64_t>(n2) >> 52) & 0x7ff) - 1023;
  return e >> 1;
}
inline double pow2(int j) { return std::bit_cast<double>(static_cast<std::uint64_t>(1023 + j) << 52); }

// ---------------------------------------------------------------------------------------------
// The simulation engine: one chain per replica, advanced one block of kChunk steps at a time.

enum class Mode { scalar, vector, matrix, qr };

struct Chain {
  std::uint32_t replica = 0;
  std::uint64_t pos = 0;             // steps done
  std::array<double, 16> p{};        // vector (first d) or matrix (row-major d x d)
  std::array<double, 16> q{};        // QR frame
  double q2 = 1;                     // |stored column / vector|^2
  std::int64_t shift = 0;            // S = 2^shift * P (matrix mode)
};

struct Workspace {
  std::vector<double> a, scratch, n2, prev;
  explicit Workspace(std::size_t d, const MatrixSampler& s)
      : a(kChunk * d * d), scratch(std::max<std::size_t>(s.scratch_size(kChunk), kChunk * d) + 8),
        n2(kChunk), prev(kChunk) {}
};

class Engine {
 public:
  Engine(const MatrixSampler& s, Mode mode, std::uint64_t seed) : s_(s), d_(s.dim()), mode_(mode), seed_(seed) {}
  int dim() const { return d_; }
  Mode mode() const { return mode_; }

  Chain start(std::uint32_t replica) const {
    Chain c;
    c.replica = replica;
    const int d = d_;
    if (mode_ == Mode::vector) c.p[0] = 1;
    if (mode_ == Mode::matrix || mode_ == Mode::qr) {
      for (int i = 0; i < d; ++i) c.p[static_cast<std::size_t>(i * d + i)] = 1;
    }
    if (mode_ == Mode::qr) {
      for (int i = 0; i < d; ++i) c.q[static_cast<std::size_t>(i * d + i)] = 1;
    }
    return c;
  }

  // One block: x[k] = top increment of step pos + k (k < kChunk); for QR also xs[k*d + i].
  void advance(Chain& c, double* x, double* xs, Workspace& w) const {
    const auto block = static_cast<std::uint32_t>(c.pos / kChunk);
    if (mode_ == Mode::scalar) {
      s_.multiplier_1d().fill(seed_, block, c.replica, x, kChunk);
      kernels::log_abs(x, x, kChunk);
    } else {
      s_.fill(seed_, block, c.replica, w.a.data(), kChunk, w.scratch.data());
      switch (mode_) {
        case Mode::vector: dispatch<true>(c, w); break;
        case Mode::matrix: dispatch<false>(c, w); break;
        default: qr_block(c, w, xs); break;
      }
      if (mode_ != Mode::qr) {
        for (std::size_t k = 0; k < kChunk; ++k) x[k] = w.n2[k] / w.prev[k];
        kernels::log_abs(x, x, kChunk);
        for (std::size_t k = 0; k < kChunk; ++k) x[k] *= 0.5;
      } else {
        for (std::size_t k = 0; k < kChunk; ++k) x[k] = xs[k * static_cast<std::size_t>(d_)];
      }
    }
    c.pos += kChunk;
  }

  // log ||S_n||_2 of the chain's product so far (matrix and qr modes).
  double log_norm(const Chain& c) const {
    Eigen::MatrixXd m(d_, d_);
    for (int i = 0; i < d_; ++i) {
      for (int j = 0; j < d_; ++j) m(i, j) = c.p[static_cast<std::size_t>(i * d_ + j)];
    }
    const double s = Eigen::JacobiSVD<Eigen::MatrixXd>(m).singularValues()(0);
    return std::log(s) + static_cast<double>(c.shift) * kLn2;
  }

 private:
  template <bool Vec>
  void dispatch(Chain& c, Workspace& w) const {
    switch (d_) {
      case 2: run<2, Vec>(c, w); break;
      case 3: run<3, Vec>(c, w); break;
      default: run<4, Vec>(c, w); break;
    }
  }

  // Vec: v <- A v. Otherwise P <- A P (column 0 gives the increments). Rescaling by exact powers
  // of two keeps |v| in [2^-64, 2^64] without a division; it happens only when |v| leaves that
  // range (a rarely taken branch), so the dependency chain is the product alone. Scaling by 2^j
  // commutes with every rounding, so n2[k] / prev[k] has the same bits as with a rescaling after
  // every step (unless an entry of v or A v is subnormal).
  static constexpr double kRescaleLow = 0x1p-128, kRescaleHigh = 0x1p128;  // bounds for |v|^2
  template <int D, bool Vec>
  void run(Chain& c, Workspace& w) const {
    constexpr int C = Vec ? 1 : D;
    double p[D * C];
    for (int i = 0; i < D * C; ++i) p[i] = Vec ? c.p[static_cast<std::size_t>(i)] : c.p[static_cast<std::size_t>(i)];
    double q2 = c.q2;
    std::int64_t shift = c.shift;
    const double* a = w.a.data();
    for (std::size_t k = 0; k < kChunk; ++k, a += D * D) {
      double np[D * C];
      for (int i = 0; i < D; ++i) {
        for (int j = 0; j < C; ++j) {
          double s = a[i * D] * p[j];  // no "0 +" on the dependency chain
          for (int l = 1; l < D; ++l) s += a[i * D + l] * p[l * C + j];
          np[i * C + j] = s;
        }
      }
      double n2 = 0;
      for (int i = 0; i < D; ++i) n2 += np[i * C] * np[i * C];
      w.n2[k] = n2;
      w.prev[k] = q2;
      for (int i = 0; i < D * C; ++i) p[i] = np[i];
      q2 = n2;
      if (!(n2 >= kRescaleLow && n2 <= kRescaleHigh)) [[unlikely]] {  // also 0, inf, NaN
        const int j = std::isnormal(n2) ? half_exponent(n2) : 0;
        const double sc = pow2(-j);
        for (int i = 0; i < D * C; ++i) p[i] *= sc;
        q2 = n2 * sc * sc;
        shift += j;
      }
    }
    for (int i = 0; i < D * C; ++i) c.p[static_cast<std::size_t>(i)] = p[i];
    c.q2 = q2;
    c.shift = shift;
  }

  // QR / Benettin: Q <- orth(A Q), increments log r_ii; P tracked alongside for ||S_n||.
  void qr_block(Chain& c, Workspace& w, double* xs) const {
    const int d = d_;
    const double* a = w.a.data();
    for (std::size_t k = 0; k < kChunk; ++k, a += d * d) {
      double z[16], np[16];
      for (int i = 0; i < d; ++i) {
        for (int j = 0; j < d; ++j) {
          double s = 0, t = 0;
          for (int l = 0; l < d; ++l) {
            s += a[i * d + l] * c.q[static_cast<std::size_t>(l * d + j)];
            t += a[i * d + l] * c.p[static_cast<std::size_t>(l * d + j)];
          }
          z[i * d + j] = s;
          np[i * d + j] = t;
        }
      }
      for (int j = 0; j < d; ++j) {  // modified Gram-Schmidt on the columns of z
        for (int l = 0; l < j; ++l) {
          double dot = 0;
          for (int i = 0; i < d; ++i) dot += z[i * d + l] * z[i * d + j];
          for (int i = 0; i < d; ++i) z[i * d + j] -= dot * z[i * d + l];
        }
        double n2 = 0;
        for (int i = 0; i < d; ++i) n2 += z[i * d + j] * z[i * d + j];
        const double r = std::sqrt(n2);
        xs[k * static_cast<std::size_t>(d) + static_cast<std::size_t>(j)] = std::log(r);
        for (int i = 0; i < d; ++i) z[i * d + j] = r > 0 ? z[i * d + j] / r : 0.0;
      }
      double mx = 0;
      for (int i = 0; i < d * d; ++i) mx = std::max(mx, std::fabs(np[i]));
      const int j = std::isnormal(mx * mx) ? half_exponent(mx * mx) : 0;
      const double sc = pow2(-j);
      for (int i = 0; i < d * d; ++i) {
        c.q[static_cast<std::size_t>(i)] = z[i];
        c.p[static_cast<std::size_t>(i)] = np[i] * sc;
      }
      c.shift += j;
    }
  }

  const MatrixSampler& s_;
  int d_;
  Mode mode_;
  std::uint64_t seed_;
};

// ---------------------------------------------------------------------------------------------
// Accumulators.

struct Welford {
  double n = 0, mean = 0, m2 = 0;
  void add(double x) {
    n += 1;
    const double dlt = x - mean;
    mean += dlt / n;
    m2 += dlt * (x - mean);
  }
  void merge(const Welford& o) {
    if (o.n == 0) return;
    if (n == 0) {
      *this = o;
      return;
    }
    const double tot = n + o.n, dlt = o.mean - mean;
    mean += dlt * o.n / tot;
    m2 += o.m2 + dlt * dlt * n * o.n / tot;
    n = tot;
  }
  double var() const { return n > 1 ? m2 / (n - 1) : kInf; }
};

struct BlockAcc {
  double sum_all = 0;          // all steps (burn-in included) < total
  Welford post;                // post-burn-in increments
  std::vector<std::pair<std::uint64_t, double>> batches;  // (batch index, partial sum)
  std::uint64_t minus_inf = 0, nan = 0;
};

struct Layout {
  std::uint64_t burn = 0, steps = 0, batch = 1, nbatch = 0;
  std::uint64_t total() const { return burn + steps; }
};

// sum_k f(y[k]) for k < m in a fixed order (8 interleaved partial sums added pairwise), so that
// the loop vectorises and the result depends on the data only.
template <class F>
double sum8(const double* y, std::size_t m, F f) {
  double p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t k = 0;
  for (; k + 8 <= m; k += 8) {
    for (std::size_t l = 0; l < 8; ++l) p[l] += f(y[k + l]);
  }
  for (std::size_t l = 0; k < m; ++k, ++l) p[l] += f(y[k]);
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}
double sum8(const double* y, std::size_t m) {
  return sum8(y, m, [](double v) { return v; });
}

// Adds the increments of steps [start, start + kChunk) of one replicate: whole-segment sums
// (two-pass mean and squared deviations, merged by Chan's formula) so the loops vectorise.
void accumulate(const double* x, std::uint64_t start, const Layout& L, BlockAcc& acc) {
  const std::uint64_t end = std::min<std::uint64_t>(start + kChunk, L.total());
  if (end <= start) return;
  const std::size_t n = static_cast<std::size_t>(end - start);
  const double s = sum8(x, n);
  if (!std::isfinite(s)) {
    for (std::size_t k = 0; k < n; ++k) {
      if (std::isnan(x[k])) ++acc.nan;
      if (x[k] == -kInf) ++acc.minus_inf;
    }
    if (acc.nan == 0 && acc.minus_inf == 0) ++acc.nan;  // +inf: overflow
    acc.sum_all = s;
    return;
  }
  acc.sum_all += s;
  const std::uint64_t p0 = std::max(start, L.burn);
  if (p0 >= end) return;
  const double* y = x + (p0 - start);
  const std::size_t m = static_cast<std::size_t>(end - p0);
  const double sm = p0 == start ? s : sum8(y, m);
  const double mean = sm / static_cast<double>(m);
  const double m2 = sum8(y, m, [mean](double v) { return (v - mean) * (v - mean); });
  Welford w;
  w.n = static_cast<double>(m);
  w.mean = mean;
  w.m2 = m2;
  acc.post.merge(w);
  // Batch sums over the batch segments of [p0, end).
  for (std::uint64_t g = p0; g < end;) {
    const std::uint64_t b = (g - L.burn) / L.batch;
    const std::uint64_t stop = std::min(end, L.burn + (b + 1) * L.batch);
    if (b < L.nbatch) {
      const double bs = sum8(x + (g - start), static_cast<std::size_t>(stop - g));
      if (acc.batches.empty() || acc.batches.back().first != b) acc.batches.emplace_back(b, 0.0);
      acc.batches.back().second += bs;
    }
    g = stop;
  }
}

struct RepResult {
  BlockAcc acc;
  double log_norm = 0;            // log ||S_N|| (matrix / qr modes)
  std::vector<double> spec_sum;   // qr: post-burn sums per exponent
};

// Exact bytes of the per-item accumulators (binary64 bit patterns), for items simulated on other MPI ranks
// (core/distribute.hpp): the merged estimate does not depend on where an item ran.
void encode(core::ItemWriter& w, const Welford& x) {
  w.f64(x.n);
  w.f64(x.mean);
  w.f64(x.m2);
}
void decode(core::ItemReader& r, Welford& x) {
  x.n = r.f64();
  x.mean = r.f64();
  x.m2 = r.f64();
}
void encode(core::ItemWriter& w, const BlockAcc& x) {
  w.f64(x.sum_all);
  encode(w, x.post);
  w.u64(x.batches.size());
  for (const auto& [k, v] : x.batches) {
    w.u64(k);
    w.f64(v);
  }
  w.u64(x.minus_inf);
  w.u64(x.nan);
}
void decode(core::ItemReader& r, BlockAcc& x) {
  x.sum_all = r.f64();
  decode(r, x.post);
  const std::uint64_t n = r.u64();
  if (n > (std::uint64_t{1} << 32)) throw std::runtime_error("damaged item record (batches)");
  x.batches.clear();
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t k = r.u64();
    x.batches.emplace_back(k, r.f64());
  }
  x.minus_inf = r.u64();
  x.nan = r.u64();
}
void encode(core::ItemWriter& w, const RepResult& x) {
  encode(w, x.acc);
  w.f64(x.log_norm);
  w.u64(x.spec_sum.size());
  for (double v : x.spec_sum) w.f64(v);
}
void decode(core::ItemReader& r, RepResult& x) {
  decode(r, x.acc);
  x.log_norm = r.f64();
  const std::uint64_t n = r.u64();
  if (n > 64) throw std::runtime_error("damaged item record (spectrum)");
  x.spec_sum.assign(n, 0.0);
  for (double& v : x.spec_sum) v = r.f64();
}

// parallel_for above through the calling thread's distributor (MPI ranks, core/distribute.hpp), item k's result
// carried by enc / dec.
bool distributed_for(const char* name, std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn,
                     const std::function<void(std::size_t, core::ItemWriter&)>& enc,
                     const std::function<void(std::size_t, core::ItemReader&)>& dec) {
  core::ParallelOptions po;
  po.jobs = threads;
  const core::ParallelResult r = core::distributed_for(core::SweepItems{name, n,
                                                                        [&](std::size_t k, unsigned) {
                                                                          fn(k);
                                                                          return true;
                                                                        },
                                                                        enc, dec},
                                                       po);
  core::throw_if_interrupted();
  return !r.stopped;
}

void merge(BlockAcc& into, const BlockAcc& b) {
  into.sum_all += b.sum_all;
  into.post.merge(b.post);
  for (const auto& [k, v] : b.batches) {
    if (!into.batches.empty() && into.batches.back().first == k) {
      into.batches.back().second += v;
    } else {
      into.batches.emplace_back(k, v);
    }
  }
  into.minus_inf += b.minus_inf;
  into.nan += b.nan;
}

Mode choose_mode(const MatrixSampler& s, bool iid, bool spectrum) {
  if (s.dim() == 1) return Mode::scalar;
  if (spectrum) return Mode::qr;
  return iid ? Mode::vector : Mode::matrix;
}

void check_level(double level) {
  if (!(level > 0 && level < 1)) throw InputError(fmt::format("--level {} must be in (0, 1)", level));
}

}  // namespace

// ---------------------------------------------------------------------------------------------

namespace {

std::uint64_t default_burn_in(const EstimateOptions& o, bool iid) {
  return o.burn_in ? *o.burn_in : (iid ? 0 : std::max<std::uint64_t>(100, o.steps / 10));
}

}  // namespace

void check_estimate_options(const EstimateOptions& o, bool iid) {
  check_level(o.level);
  if (o.steps < 16 || o.steps > (1ULL << 40)) throw InputError(fmt::format("--steps {} must be in [16, 2^40]", o.steps));
  if (o.reps < 1 || o.reps > 0xffffffffULL) throw InputError(fmt::format("--reps {} must be in [1, 2^32 - 1]", o.reps));
  const std::uint64_t burn = default_burn_in(o, iid);
  if (burn > (1ULL << 40)) throw InputError(fmt::format("--burn-in {} must be at most 2^40", burn));
  // Each replicate simulates whole blocks (burn-in included): refuse up front what would run for days rather
  // than start it (docs/statistics.md). reps < 2^32 and blocks <= 2^31, so the product cannot overflow.
  const std::uint64_t nblocks = (burn + o.steps + kChunk - 1) / kChunk;
  if (o.reps * nblocks > (kMaxSimulatedSteps / kChunk)) {
    throw InputError(fmt::format(
        "--steps {} x --reps {} asks for {} simulated steps (each replicate runs whole blocks of {} steps, burn-in "
        "included), more than the limit of 2^40 = {}: use fewer replicates or steps",
        o.steps, o.reps, o.reps * nblocks * kChunk, kChunk, kMaxSimulatedSteps));
  }
}

Estimate estimate(const laws::MatrixLaw& law, const EstimateOptions& o) {
  const bool iid = laws::increments_iid(law);
  check_estimate_options(o, iid);
  const std::uint64_t burn = default_burn_in(o, iid);
  const MatrixSampler sampler = MatrixSampler::build(law);
  const Mode mode = choose_mode(sampler, iid, o.spectrum && law.dim > 1);
  const Engine eng(sampler, mode, o.seed);
  const std::size_t d = static_cast<std::size_t>(law.dim);

  Layout L;
  L.burn = burn;
  L.steps = o.steps;
  L.batch = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::sqrt(static_cast<double>(o.steps))));
  L.nbatch = o.steps / L.batch;
  const std::uint64_t nblocks = (L.total() + kChunk - 1) / kChunk;  // at most 2^40 / kChunk in all reps
  const std::size_t R = static_cast<std::size_t>(o.reps);
  const bool product_norm = mode == Mode::matrix || mode == Mode::qr;
  const std::uint64_t n_ub = product_norm ? nblocks * kChunk : L.total();
  const double N = static_cast<double>(n_ub);
  const double alpha = 1 - o.level;

  // Replicates are folded in replicate order as they are produced, a window at a time, so memory does not grow
  // with --reps and every sum is formed in the same order as over a stored array of all replicates.
  BlockAcc all;
  double batch_ss = 0;               // batch means: sum of squared deviations, pooled over replicates
  std::uint64_t batch_dof = 0;
  std::vector<Welford> spec_w(mode == Mode::qr ? d : 0);
  Welford y_w;                       // Y_r = (1/N) log ||S_N|| over the replicates where it is finite
  std::uint64_t y_n = 0;
  const std::optional<double> norm_bound = sampler.norm_bound();
  const double eb_hi = norm_bound ? std::log(*norm_bound) : 0.0, eb_lo = -(std::fabs(eb_hi) + 2.0);
  std::optional<EmpiricalBernsteinCS> eb;
  if (norm_bound) eb.emplace(eb_lo, eb_hi, 0.0, alpha);
  const auto fold = [&](const RepResult& r) {
    all.post.merge(r.acc.post);
    all.minus_inf += r.acc.minus_inf;
    all.nan += r.acc.nan;
    if (!iid) {
      // Batch means pooled over replicates (Jones et al. 2006), batch size ~ sqrt(steps).
      std::vector<double> bm;
      for (const auto& [k, v] : r.acc.batches) bm.push_back(v / static_cast<double>(L.batch));
      if (bm.size() >= 2) {
        double m = 0;
        for (double v : bm) m += v;
        m /= static_cast<double>(bm.size());
        for (double v : bm) batch_ss += (v - m) * (v - m);
        batch_dof += bm.size() - 1;
      }
    }
    for (std::size_t i = 0; i < spec_w.size(); ++i) spec_w[i].add(r.spec_sum[i] / static_cast<double>(L.steps));
    // i.i.d. increments: E log|S_N e_1| = N Lambda exactly; otherwise log ||S_N||_2.
    const double v = product_norm ? r.log_norm / N : r.acc.sum_all / N;
    if (std::isfinite(v)) {
      ++y_n;
      y_w.add(v);
      if (eb) {
        const auto p = eb->plan(1);
        const double u = (std::clamp(v, eb_lo, eb_hi) - eb_lo) / (eb_hi - eb_lo);
        eb->add(p, 1, u, (u - p.centre) * (u - p.centre));
      }
    }
  };

  if (mode == Mode::scalar) {
    // Stateless: every (replica, block) is an independent work item; a window of items at a time, merged in
    // item order into the current replicate.
    constexpr std::uint64_t kWindow = std::uint64_t{1} << 16;
    const std::uint64_t items = static_cast<std::uint64_t>(R) * nblocks;
    std::vector<BlockAcc> acc;
    RepResult cur;
    for (std::uint64_t w0 = 0; w0 < items; w0 += kWindow) {
      const std::size_t n = static_cast<std::size_t>(std::min(kWindow, items - w0));
      acc.assign(n, BlockAcc{});
      const bool complete = distributed_for("estimate/blocks", n, o.threads, [&](std::size_t k) {
        thread_local std::vector<double> x(kChunk);
        const std::uint64_t it = w0 + k;
        const std::uint64_t r = it / nblocks, b = it % nblocks;
        sampler.multiplier_1d().fill(o.seed, static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(r), x.data(),
                                     kChunk);
        kernels::log_abs(x.data(), x.data(), kChunk);
        accumulate(x.data(), b * kChunk, L, acc[k]);
      }, [&](std::size_t k, core::ItemWriter& w) { encode(w, acc[k]); },
         [&](std::size_t k, core::ItemReader& r) { decode(r, acc[k]); });
      if (!complete) budget_exhausted();
      for (std::size_t k = 0; k < n; ++k) {
        merge(cur.acc, acc[k]);
        if ((w0 + k) % nblocks == nblocks - 1) {
          fold(cur);
          cur = RepResult{};
        }
      }
    }
  } else {
    // One chain per replicate; a window of replicates at a time, its size keeping the stored batch sums (about
    // sqrt(steps) per replicate) near 64 MiB.
    const std::size_t window = static_cast<std::size_t>(
        std::clamp<std::uint64_t>((std::uint64_t{1} << 22) / (L.nbatch + 1), 16, 4096));
    std::vector<RepResult> reps;
    for (std::size_t r0 = 0; r0 < R; r0 += window) {
      const std::size_t n = std::min(window, R - r0);
      reps.assign(n, RepResult{});
      const bool complete = distributed_for("estimate/replicates", n, o.threads, [&](std::size_t k) {
        const std::size_t r = r0 + k;
        Workspace w(d, sampler);
        std::vector<double> x(kChunk), xs(kChunk * d);
        Chain c = eng.start(static_cast<std::uint32_t>(r));
        RepResult& out = reps[k];
        out.spec_sum.assign(d, 0.0);
        for (std::uint64_t b = 0; b < nblocks; ++b) {
          if ((b & 63) == 0 && core::stop_requested()) return;  // cut short: discarded below
          const std::uint64_t start = c.pos;
          eng.advance(c, x.data(), xs.data(), w);
          accumulate(x.data(), start, L, out.acc);
          if (mode == Mode::qr) {
            const std::uint64_t end = std::min<std::uint64_t>(start + kChunk, L.total());
            for (std::uint64_t g = std::max(start, L.burn); g < end; ++g) {
              for (std::size_t i = 0; i < d; ++i) out.spec_sum[i] += xs[(g - start) * d + i];
            }
          }
        }
        // The chain ran whole blocks: its product has nblocks * kChunk steps, which is the n of
        // the upper bound (any n works, Proof: STATS-UCB-1).
        if (mode == Mode::matrix || mode == Mode::qr) out.log_norm = eng.log_norm(c);
      }, [&](std::size_t k, core::ItemWriter& w) { encode(w, reps[k]); },
         [&](std::size_t k, core::ItemReader& r) { decode(r, reps[k]); });
      if (!complete || core::stop_requested()) budget_exhausted();
      for (const RepResult& r : reps) fold(r);
    }
  }

  Estimate e;
  e.iid_increments = iid;
  e.steps_per_rep = o.steps;
  e.reps = o.reps;
  e.burn_in = burn;
  e.steps_total = L.total() * o.reps;
  e.batch_size = L.batch;

  if (all.nan > 0 || all.minus_inf > 0) {
    e.finite = false;
    e.estimate = all.nan > 0 ? std::numeric_limits<double>::quiet_NaN() : -kInf;
    e.ci = {-kInf, -kInf, o.level};
    e.message = all.nan > 0 ? "a NaN increment was sampled (overflow in binary64); no estimate" : kMinusInfNote;
    return e;
  }
  e.estimate = all.post.mean;
  const double n_post = all.post.n;
  if (iid) {
    e.variance_method = "iid-increments";
    e.std_error = std::sqrt(all.post.var() / n_post);
    const double z = normal_quantile(1 - alpha / 2);
    e.ci = {e.estimate - z * e.std_error, e.estimate + z * e.std_error, o.level};
    e.assumption = "CLT for the i.i.d. increments log|A_k v_{k-1}| (finite variance)";
  } else {
    if (batch_dof >= 1) {
      const double sigma2 = static_cast<double>(L.batch) * batch_ss / static_cast<double>(batch_dof);
      e.variance_method = "batch-means";
      e.std_error = std::sqrt(sigma2 / n_post);
      const double t = student_quantile(1 - alpha / 2, static_cast<double>(batch_dof));
      e.ci = {e.estimate - t * e.std_error, e.estimate + t * e.std_error, o.level};
    } else {
      e.variance_method = "none";
      e.ci = {-kInf, kInf, o.level};
    }
    e.assumption = fmt::format(
        "Markov-chain CLT for the increments (strong irreducibility and contraction) and batch means of {} steps "
        "nearly independent; burn-in of {} steps removes the start-up bias",
        L.batch, burn);
  }

  // Spectrum (QR): between-replicate intervals.
  if (mode == Mode::qr) {
    e.spectrum.assign(d, 0.0);
    for (std::size_t i = 0; i < d; ++i) {
      const Welford& w = spec_w[i];
      e.spectrum[i] = w.mean;
      if (R >= 2) {
        const double t = student_quantile(1 - alpha / 2, static_cast<double>(R - 1));
        const double se = std::sqrt(w.var() / static_cast<double>(R));
        e.spectrum_ci.push_back({w.mean - t * se, w.mean + t * se, o.level});
      } else {
        e.spectrum_ci.push_back({-kInf, kInf, o.level});
      }
    }
  } else if (o.spectrum) {
    e.spectrum = {e.estimate};
    e.spectrum_ci = {e.ci};
  }

  // Upper bounds from replicates Y_r = (1/N) log ||S_N|| (Proof: STATS-UCB-1), when every Y_r is finite.
  if (y_n == R && R >= 2) {
    const double t = student_quantile(o.level, static_cast<double>(R - 1));
    e.upper_bounds.push_back({y_w.mean + t * std::sqrt(y_w.var() / static_cast<double>(R)), o.level,
                              Guarantee::asymptotic, n_ub, "student-t over replicates"});
  }
  if (y_n == R && eb) {
    e.upper_bounds.push_back({eb->upper(), o.level, Guarantee::nonasymptotic, n_ub,
                              fmt::format("empirical Bernstein, values clipped below at {:.6g}, ||A|| <= {:.6g}", eb_lo,
                                          *norm_bound)});
  }
  return e;
}

// ---------------------------------------------------------------------------------------------

SignResult sign_test(const laws::MatrixLaw& law, const SignOptions& o) {
  check_level(o.level);
  constexpr std::uint64_t kChains = 16;
  if (o.budget < kChains * kChunk || o.budget > (1ULL << 44)) {
    throw InputError(fmt::format("--budget {} must be in [{}, 2^44]", o.budget, kChains * kChunk));
  }
  const double alpha = 1 - o.level;
  const bool iid = laws::increments_iid(law);
  const MatrixSampler sampler = MatrixSampler::build(law);
  const std::size_t d = static_cast<std::size_t>(law.dim);
  SignResult res;
  res.level = o.level;

  std::optional<TailBound> tail;
  if (law.dim == 1) tail = sampler.multiplier_1d().tail_bound(1e-10);

  if (iid) {
    const Engine eng(sampler, law.dim == 1 ? Mode::scalar : Mode::vector, o.seed);
    const bool eb = tail && tail->available;
    std::vector<Chain> chains;
    for (std::uint32_t r = 0; r < kChains; ++r) chains.push_back(eng.start(r));
    std::optional<EmpiricalBernsteinCS> cs;
    if (eb) cs.emplace(tail->clip_low, tail->clip_high, alpha / 2, alpha / 2);
    Welford all;
    struct Out {
      double s1 = 0, s2 = 0;
      Welford w;
      std::uint64_t minus_inf = 0, nan = 0;
    };
    for (int round = 0;; ++round) {
      const std::uint64_t per_chain = std::uint64_t{1} << std::min(round, 6);
      const std::uint64_t round_steps = kChains * per_chain * kChunk;
      if (res.steps_used + round_steps > o.budget) break;
      EmpiricalBernsteinCS::BlockPlan plan{};
      if (eb) plan = cs->plan(round_steps);
      std::vector<Out> outs(kChains);
      const bool complete = parallel_for(kChains, o.threads, [&](std::size_t ci) {
        Workspace w(d, sampler);
        std::vector<double> x(kChunk), xs(kChunk * d);
        Out& out = outs[ci];
        for (std::uint64_t b = 0; b < per_chain; ++b) {
          eng.advance(chains[ci], x.data(), xs.data(), w);
          for (double v : x) {
            if (std::isnan(v)) {
              ++out.nan;
              continue;
            }
            if (v == -kInf) ++out.minus_inf;
            if (eb) {
              const double u = (std::clamp(v, tail->clip_low, tail->clip_high) - tail->clip_low) /
                               (tail->clip_high - tail->clip_low);
              out.s1 += u;
              out.s2 += (u - plan.centre) * (u - plan.centre);
            } else {
              out.w.add(v);
            }
          }
        }
      });
      if (!complete) {  // the time budget: this round is dropped, the sequential test stands as it is
        res.message = fmt::format("time budget exhausted after {} steps", res.steps_used);
        break;
      }
      res.steps_used += round_steps;
      std::uint64_t minus_inf = 0, nan = 0;
      for (const Out& out : outs) {
        minus_inf += out.minus_inf;
        nan += out.nan;
        if (eb) {
          // One block per chain, all planned before the round (predictable).
          cs->add(plan, per_chain * kChunk, out.s1, out.s2);
        } else {
          all.merge(out.w);
        }
      }
      if (nan > 0) {
        res.message = "a NaN increment was sampled (overflow in binary64); stopped";
        return res;
      }
      if (eb) {
        res.method = "eb-clipped-iid";
        res.guarantee = Guarantee::nonasymptotic;
        res.tail = tail;
        res.interval = {cs->lower() - tail->bias_low, cs->upper() + tail->bias_high, o.level};
        res.estimate = 0.5 * (res.interval.lower + res.interval.upper);
      } else {
        if (minus_inf > 0) {
          res.message = kMinusInfNote;
          if (tail && tail->exact_zero_atom) res.message += std::string("; here: ") + tail->why;
          res.interval = {-kInf, kInf, o.level};
          return res;
        }
        res.method = "asymptotic-cs-iid";
        res.guarantee = Guarantee::asymptotic;
        res.assumption = "time-uniform CLT (Waudby-Smith et al. 2024) for the i.i.d. increments; finite variance";
        const double h = asymptotic_cs_halfwidth(all.n, std::sqrt(all.var()), alpha,
                                                 static_cast<double>(o.budget) / 4);
        res.estimate = all.mean;
        res.interval = {all.mean - h, all.mean + h, o.level};
      }
      if (res.interval.upper < 0) res.sign = exact::Sign::negative;
      if (res.interval.lower > 0) res.sign = exact::Sign::positive;
      if (res.sign != exact::Sign::undetermined) return res;
    }
    if (!eb && tail && !tail->why.empty() && res.message.empty()) res.message = "asymptotic only: " + tail->why;
    if (res.steps_used == 0) res.interval = {-kInf, kInf, o.level};
    return res;
  }

  // General products: i.i.d. replicates of n steps, each Z_r = mean increment after burn-in and
  // Y_r = (1/n) log ||S_n|| (E Y_r >= Lambda).
  const Engine eng(sampler, Mode::matrix, o.seed);
  const std::uint64_t n = std::clamp<std::uint64_t>(
      (static_cast<std::uint64_t>(std::sqrt(static_cast<double>(o.budget))) + kChunk - 1) / kChunk * kChunk, kChunk,
      64 * kChunk);
  const std::uint64_t burn = n / 4;
  const auto B = sampler.norm_bound();
  const double alpha_acs = B ? alpha / 2 : alpha;
  std::optional<EmpiricalBernsteinCS> ucb;
  double ylo = 0, yhi = 0;
  if (B) {
    yhi = std::log(*B);
    ylo = -(std::fabs(yhi) + 2.0);
    ucb.emplace(ylo, yhi, 0.0, alpha / 2);
  }
  Welford z;
  res.assumption = fmt::format(
      "replicate means of {} increments after a burn-in of {} steps are i.i.d. with mean Lambda up to a negligible "
      "start-up bias; time-uniform CLT over replicates (Waudby-Smith et al. 2024)",
      n - burn, burn);
  const std::uint64_t max_reps = o.budget / n;
  for (std::uint64_t done = 0; done + kChains <= max_reps;) {
    std::vector<double> zr(kChains), yr(kChains);
    std::vector<std::uint64_t> bad(kChains, 0);
    const bool complete = distributed_for("sign/replicates", kChains, o.threads, [&](std::size_t i) {
      Workspace w(d, sampler);
      std::vector<double> x(kChunk), xs(kChunk * d);
      Chain c = eng.start(static_cast<std::uint32_t>(done + i));
      double s = 0;
      while (c.pos < n) {
        const std::uint64_t start = c.pos;
        eng.advance(c, x.data(), xs.data(), w);
        for (std::size_t k = 0; k < kChunk; ++k) {
          if (!std::isfinite(x[k])) ++bad[i];
          if (start + k >= burn) s += x[k];
        }
      }
      zr[i] = s / static_cast<double>(n - burn);
      yr[i] = eng.log_norm(c) / static_cast<double>(n);
    }, [&](std::size_t i, core::ItemWriter& wr) {
      wr.f64(zr[i]);
      wr.f64(yr[i]);
      wr.u64(bad[i]);
    }, [&](std::size_t i, core::ItemReader& r) {
      zr[i] = r.f64();
      yr[i] = r.f64();
      bad[i] = r.u64();
    });
    if (!complete) {  // the time budget: this round is dropped, the sequential test stands as it is
      res.message = fmt::format("time budget exhausted after {} steps", res.steps_used);
      break;
    }
    done += kChains;
    res.steps_used += kChains * n;
    for (std::size_t i = 0; i < kChains; ++i) {
      if (bad[i]) {
        res.message = kMinusInfNote;
        res.interval = {-kInf, kInf, o.level};
        return res;
      }
      z.add(zr[i]);
      if (ucb) {
        const auto p = ucb->plan(1);
        const double u = (std::clamp(yr[i], ylo, yhi) - ylo) / (yhi - ylo);
        ucb->add(p, 1, u, (u - p.centre) * (u - p.centre));
      }
    }
    res.estimate = z.mean;
    if (ucb && ucb->upper() < 0) {
      res.sign = exact::Sign::negative;
      res.guarantee = Guarantee::nonasymptotic;
      res.method = "eb-upper-bound-replicates";
      res.assumption.clear();
      res.interval = {-kInf, ucb->upper(), o.level};
      return res;
    }
    const double h = asymptotic_cs_halfwidth(z.n, std::sqrt(z.var()), alpha_acs, static_cast<double>(max_reps) / 4);
    res.method = "asymptotic-cs-replicates";
    res.guarantee = Guarantee::asymptotic;
    res.interval = {z.mean - h, z.mean + h, o.level};
    if (ucb) res.interval.upper = std::min(res.interval.upper, ucb->upper());
    if (res.interval.lower > 0) res.sign = exact::Sign::positive;
    if (z.mean + h < 0) res.sign = exact::Sign::negative;
    if (res.sign != exact::Sign::undetermined) return res;
  }
  if (res.steps_used == 0) {
    res.interval = {-kInf, kInf, o.level};
    res.message = fmt::format("budget too small for one round of {} replicates of {} steps", kChains, n);
  }
  return res;
}

}  // namespace lyapcert::stats
