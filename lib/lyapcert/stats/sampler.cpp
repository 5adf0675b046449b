#include "lyapcert/stats/sampler.hpp"

#include <Eigen/Dense>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/minibatch.hpp"
#include "lyapcert/stats/kernels.hpp"

namespace lyapcert::stats {

using exact::Rational;
using laws::Value;

struct ScalarSampler::Node {
  enum class Kind { atoms, normal, uniform, sqnormal, xy, bivariate, affine, mix };
  Kind kind = Kind::atoms;
  std::uint32_t slot = 0;
  std::vector<Rational> exact_values;  // atoms
  std::vector<double> values;          // atoms
  std::vector<double> alias_prob;      // atoms, mix
  std::vector<std::uint32_t> alias_idx;
  std::vector<double> weights;         // mix
  double p[5] = {0, 0, 0, 0, 0};       // normal/sqnormal (mu, sigma); uniform (a, b); xy (k, sigma);
                                       // bivariate (mu_x, mu_y, sigma_x, sigma_y, rho)
  Rational q0, q1;                     // exact parameters: normal (mu, sigma), uniform (a, b), affine (alpha, beta)
  int batch = 1;                       // xy
  std::vector<std::shared_ptr<const Node>> children;
};

namespace {

using Node = ScalarSampler::Node;
using NodePtr = std::shared_ptr<const Node>;
constexpr double kInf = std::numeric_limits<double>::infinity();

[[noreturn]] void fail(const std::string& where, const std::string& why) {
  throw InputError(fmt::format("{}: {}", where, why));
}

// Argument access: positional first, then keyword; unknown keywords rejected.
class Args {
 public:
  Args(const laws::Call& call, std::initializer_list<const char*> names) : call_(call), names_(names.begin(), names.end()) {
    std::size_t pos = 0;
    for (const laws::Arg& a : call.args) {
      if (a.key.empty()) {
        ++pos;
      } else if (std::find(names_.begin(), names_.end(), a.key) == names_.end()) {
        fail(call.name + "(...)", fmt::format("unknown argument '{}'", a.key));
      }
    }
    if (pos > names_.size()) fail(call.name + "(...)", fmt::format("takes at most {} arguments", names_.size()));
  }
  const Value* get(std::size_t i) const {
    std::size_t pos = 0;
    const Value* found = nullptr;
    for (const laws::Arg& a : call_.args) {
      if (a.key.empty()) {
        if (pos++ == i) found = &a.value;
      } else if (a.key == names_[i]) {
        if (found) fail(call_.name + "(...)", fmt::format("argument '{}' given twice", names_[i]));
        found = &a.value;
      }
    }
    return found;
  }
  const Value& need(std::size_t i) const {
    const Value* v = get(i);
    if (!v) fail(call_.name + "(...)", fmt::format("missing argument '{}'", names_[i]));
    return *v;
  }
  Rational number(std::size_t i) const {
    const Value& v = need(i);
    if (const auto* n = std::get_if<laws::Number>(&v.node)) return n->value;
    fail(call_.name + "(...)", fmt::format("argument '{}' must be a number", names_[i]));
  }
  Rational number_or(std::size_t i, const Rational& dflt) const { return get(i) ? number(i) : dflt; }
  Rational nonnegative(std::size_t i) const {
    const Rational x = number(i);
    if (x < 0) fail(call_.name + "(...)", fmt::format("{} = {} must be >= 0", names_[i], exact::to_text(x)));
    return x;
  }
  std::uint64_t positive_integer(std::size_t i, std::uint64_t dflt, std::uint64_t max) const {
    if (!get(i)) return dflt;
    const Rational r = number(i);
    if (denominator(r) != 1 || r < 1 || r > Rational(exact::Integer(max))) {
      fail(call_.name + "(...)", fmt::format("argument '{}' must be an integer in [1, {}]", names_[i], max));
    }
    return numerator(r).convert_to<std::uint64_t>();
  }
  bool boolean(std::size_t i, bool dflt) const {
    const Value* v = get(i);
    if (!v) return dflt;
    if (const auto* b = std::get_if<laws::Boolean>(&v->node)) return b->value;
    fail(call_.name + "(...)", fmt::format("argument '{}' must be true or false", names_[i]));
  }

 private:
  const laws::Call& call_;
  std::vector<std::string> names_;
};

NodePtr make_atoms(std::vector<Rational> values, const std::vector<Rational>& probs, std::uint32_t& slot) {
  auto n = std::make_shared<Node>();
  n->kind = Node::Kind::atoms;
  n->slot = slot++;
  std::vector<double> p;
  for (std::size_t j = 0; j < values.size(); ++j) {
    n->values.push_back(values[j].convert_to<double>());
    p.push_back(probs[j].convert_to<double>());
  }
  n->exact_values = std::move(values);
  build_alias(p, n->alias_prob, n->alias_idx);
  return n;
}

NodePtr make_from_finite(const laws::FiniteLaw& f, std::uint32_t& slot) {
  std::vector<Rational> v, p;
  for (std::size_t j = 0; j < f.size(); ++j) {
    v.push_back(f.value(j));
    p.push_back(f.prob(j));
  }
  return make_atoms(std::move(v), p, slot);
}

NodePtr make_normal(const Rational& mu, const Rational& sigma, std::uint32_t& slot, bool squared) {
  if (sigma == 0 && !squared) return make_atoms({mu}, {Rational(1)}, slot);
  auto n = std::make_shared<Node>();
  n->kind = squared ? Node::Kind::sqnormal : Node::Kind::normal;
  n->slot = slot++;
  n->q0 = mu;
  n->q1 = sigma;
  n->p[0] = mu.convert_to<double>();
  n->p[1] = sigma.convert_to<double>();
  return n;
}

NodePtr make_affine(const Rational& alpha, const Rational& beta, NodePtr child) {
  auto n = std::make_shared<Node>();
  n->kind = Node::Kind::affine;
  n->q0 = alpha;
  n->q1 = beta;
  n->p[0] = alpha.convert_to<double>();
  n->p[1] = beta.convert_to<double>();
  n->children.push_back(std::move(child));
  return n;
}

NodePtr build_node(const Value& expr, std::uint32_t& slot, const laws::BuildOptions& opt) {
  if (const auto* num = std::get_if<laws::Number>(&expr.node)) return make_atoms({num->value}, {Rational(1)}, slot);
  const auto* call = std::get_if<laws::Call>(&expr.node);
  if (!call) fail("law", fmt::format("expected a curvature law such as normal(1, 2), found '{}'", laws::canonical(expr)));
  const std::string& name = call->name;
  if (name == "atoms") return make_from_finite(laws::build_curvature_law(expr, opt).finite(), slot);
  if (name == "minibatch") {
    Args a(*call, {"data", "batch", "replace"});
    const auto* list = std::get_if<laws::List>(&a.need(0).node);
    if (!list) fail("minibatch(...)", "argument 'data' must be a list of numbers");
    std::vector<Rational> data;
    for (const Value& v : list->items) {
      const auto* n = std::get_if<laws::Number>(&v.node);
      if (!n) fail("minibatch(...)", "argument 'data' must be a list of numbers");
      data.push_back(n->value);
    }
    const std::uint64_t batch = a.positive_integer(1, 0, 1'000'000'000);
    if (!a.get(1)) fail("minibatch(...)", "missing argument 'batch'");
    laws::MinibatchLimits lim;
    lim.max_atoms = opt.max_atoms;
    return make_from_finite(laws::minibatch_law(data, batch, a.boolean(2, true), lim), slot);
  }
  if (name == "normal" || name == "sqnormal") {
    Args a(*call, {"mu", "sigma"});
    return make_normal(a.number(0), a.nonnegative(1), slot, name == "sqnormal");
  }
  if (name == "uniform") {
    Args a(*call, {"a", "b"});
    const Rational lo = a.number(0), hi = a.number(1);
    if (!(lo < hi)) fail("uniform(...)", fmt::format("needs a < b, got a = {}, b = {}", exact::to_text(lo), exact::to_text(hi)));
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::uniform;
    n->slot = slot++;
    n->q0 = lo;
    n->q1 = hi;
    n->p[0] = lo.convert_to<double>();
    n->p[1] = hi.convert_to<double>();
    return n;
  }
  if (name == "xy") {
    Args a(*call, {"k", "sigma", "batch"});
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::xy;
    n->slot = slot++;
    n->p[0] = a.number(0).convert_to<double>();
    n->p[1] = a.nonnegative(1).convert_to<double>();
    n->batch = static_cast<int>(a.positive_integer(2, 1, 4096));
    return n;
  }
  if (name == "bivariate") {
    // Same arguments and checks as laws/curvature.cpp: sx, sy > 0, |rho| < 1.
    Args a(*call, {"mx", "my", "sx", "sy", "rho"});
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::bivariate;
    n->slot = slot++;
    n->p[0] = a.number(0).convert_to<double>();
    n->p[1] = a.number(1).convert_to<double>();
    for (std::size_t i : {2u, 3u}) {
      const Rational sd = a.number(i);
      if (sd <= 0) fail("bivariate(...)", fmt::format("{} = {} must be > 0", i == 2 ? "sx" : "sy", exact::to_text(sd)));
      n->p[i] = sd.convert_to<double>();
    }
    const Rational rho = a.number(4);
    if (!(rho > -1 && rho < 1)) fail("bivariate(...)", fmt::format("needs |rho| < 1, got {}", exact::to_text(rho)));
    n->p[4] = rho.convert_to<double>();
    return n;
  }
  if (name == "scale" || name == "shift") {
    Args a(*call, {"c", "law"});
    const Rational c = a.number(0);
    NodePtr inner = build_node(a.need(1), slot, opt);
    return name == "scale" ? make_affine(Rational(0), c, std::move(inner)) : make_affine(c, Rational(1), std::move(inner));
  }
  if (name == "mix") {
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::mix;
    n->slot = slot++;
    Rational total = 0;
    for (const laws::Arg& arg : call->args) {
      if (!arg.key.empty()) fail("mix(...)", fmt::format("unexpected keyword '{}'", arg.key));
      const auto* w = std::get_if<laws::Weighted>(&arg.value.node);
      if (!w) fail("mix(...)", "every component needs a weight, LAW:w");
      if (w->weight < 0) fail("mix(...)", fmt::format("negative weight {}", exact::to_text(w->weight)));
      total += w->weight;
      n->children.push_back(build_node(*w->value, slot, opt));
      n->weights.push_back(w->weight.convert_to<double>());
    }
    if (n->children.empty()) fail("mix()", "needs at least one component");
    if (total != 1) fail("mix(...)", fmt::format("weights sum to {}, not 1", exact::to_text(total)));
    build_alias(n->weights, n->alias_prob, n->alias_idx);
    return n;
  }
  if (name == "matrices" || name == "entries" || name == "ginibre" || name == "isotropic" || name == "sgd") {
    fail(name + "(...)", "a matrix law is not a curvature law here");
  }
  fail("law", fmt::format("unknown law '{}' (curvature laws for sampling: atoms, minibatch, normal, uniform, "
                          "sqnormal, xy, bivariate, scale, shift, mix)", name));
}

void fill_node(const Node& n, std::uint64_t seed, std::uint32_t block, std::uint32_t replica, double* out,
               std::size_t len) {
  const StreamKey key{seed, block, replica, n.slot};
  switch (n.kind) {
    case Node::Kind::atoms: {
      if (n.values.size() == 1) {
        std::fill(out, out + len, n.values[0]);
        return;
      }
      std::vector<std::uint64_t> w(len);
      kernels::fill_bits(key, w.data(), len);
      const std::size_t k = n.values.size();
      for (std::size_t i = 0; i < len; ++i) out[i] = n.values[alias_draw(w[i], n.alias_prob.data(), n.alias_idx.data(), k)];
      return;
    }
    case Node::Kind::normal:
    case Node::Kind::sqnormal: {
      kernels::fill_normal(key, out, len);
      const double mu = n.p[0], s = n.p[1];
      if (n.kind == Node::Kind::normal) {
        for (std::size_t i = 0; i < len; ++i) out[i] = mu + s * out[i];
      } else {
        for (std::size_t i = 0; i < len; ++i) {
          const double a = mu + s * out[i];
          out[i] = a * a;
        }
      }
      return;
    }
    case Node::Kind::uniform: {
      kernels::fill_uniform(key, out, len);
      const double a = n.p[0], w = n.p[1] - n.p[0];
      for (std::size_t i = 0; i < len; ++i) out[i] = a + w * out[i];
      return;
    }
    case Node::Kind::xy: {
      const std::size_t s = static_cast<std::size_t>(n.batch);
      std::vector<double> z(2 * s * len);
      kernels::fill_normal(key, z.data(), z.size());
      const double k = n.p[0], sig = n.p[1];
      for (std::size_t i = 0; i < len; ++i) {
        double acc = 0;
        for (std::size_t j = 0; j < s; ++j) {
          const double x = z[2 * (i * s + j)], e = z[2 * (i * s + j) + 1];
          acc += x * (k * x + sig * e);
        }
        out[i] = acc / static_cast<double>(s);
      }
      return;
    }
    case Node::Kind::bivariate: {
      std::vector<double> z(2 * len);
      kernels::fill_normal(key, z.data(), z.size());
      const double rho = n.p[4], c = std::sqrt(std::max(0.0, 1 - rho * rho));
      for (std::size_t i = 0; i < len; ++i) {
        const double z1 = z[2 * i], z2 = z[2 * i + 1];
        out[i] = (n.p[0] + n.p[2] * z1) * (n.p[1] + n.p[3] * (rho * z1 + c * z2));
      }
      return;
    }
    case Node::Kind::affine: {
      fill_node(*n.children[0], seed, block, replica, out, len);
      const double a = n.p[0], b = n.p[1];
      for (std::size_t i = 0; i < len; ++i) out[i] = a + b * out[i];
      return;
    }
    case Node::Kind::mix: {
      const std::size_t k = n.children.size();
      if (k == 1) {
        fill_node(*n.children[0], seed, block, replica, out, len);
        return;
      }
      std::vector<std::uint64_t> w(len);
      kernels::fill_bits(key, w.data(), len);
      std::vector<std::uint32_t> pick(len);
      for (std::size_t i = 0; i < len; ++i) pick[i] = alias_draw(w[i], n.alias_prob.data(), n.alias_idx.data(), k);
      std::vector<double> tmp(len);
      for (std::size_t c = 0; c < k; ++c) {
        fill_node(*n.children[c], seed, block, replica, tmp.data(), len);
        for (std::size_t i = 0; i < len; ++i) {
          if (pick[i] == c) out[i] = tmp[i];
        }
      }
      return;
    }
  }
}

std::optional<std::pair<double, double>> node_support(const Node& n) {
  switch (n.kind) {
    case Node::Kind::atoms: {
      const auto [lo, hi] = std::minmax_element(n.values.begin(), n.values.end());
      return std::make_pair(*lo, *hi);
    }
    case Node::Kind::uniform:
      return std::make_pair(n.p[0], n.p[1]);
    case Node::Kind::affine: {
      auto s = node_support(*n.children[0]);
      if (!s) return std::nullopt;
      const double a = n.p[0] + n.p[1] * s->first, b = n.p[0] + n.p[1] * s->second;
      return std::make_pair(std::min(a, b), std::max(a, b));
    }
    case Node::Kind::mix: {
      double lo = kInf, hi = -kInf;
      for (const auto& c : n.children) {
        auto s = node_support(*c);
        if (!s) return std::nullopt;
        lo = std::min(lo, s->first);
        hi = std::max(hi, s->second);
      }
      return std::make_pair(lo, hi);
    }
    default:
      return std::nullopt;
  }
}

// Accumulates the tail information of log|alpha + beta v| over the leaves (Proof: STATS-TAIL-1/2).
struct TailAcc {
  bool ok = true;
  std::string why;
  bool zero_atom = false;
  double density_mass = 0;  // sum over density leaves of w * 2 sup f_m
  double atoms_low = kInf, atoms_high = -kInf;
  double bounded_high = -kInf;
  struct Gauss {
    double w, mu, s;
  };
  std::vector<Gauss> gauss;
};

// Relative safety margin for binary64 evaluations of log/exp in the bounds (glibc: < 1 ulp).
constexpr double kMargin = 1e-12;

double log_down(double x) { return std::log(x) - kMargin * (1 + std::fabs(std::log(x))); }
double log_up(double x) { return std::log(x) + kMargin * (1 + std::fabs(std::log(x))); }

void collect(const Node& n, const Rational& alpha, const Rational& beta, double w, TailAcc& acc) {
  auto atom = [&](const Rational& v) {
    const Rational m = alpha + beta * v;
    if (m == 0) {
      acc.zero_atom = true;
      return;
    }
    const double a = std::fabs(m.convert_to<double>());
    acc.atoms_low = std::min(acc.atoms_low, log_down(a));
    acc.atoms_high = std::max(acc.atoms_high, log_up(a));
  };
  switch (n.kind) {
    case Node::Kind::atoms:
      for (const Rational& v : n.exact_values) atom(v);
      return;
    case Node::Kind::normal: {
      if (beta == 0) return atom(Rational(0));
      const double s = std::fabs((beta * n.q1).convert_to<double>());
      const double mu = (alpha + beta * n.q0).convert_to<double>();
      acc.density_mass += w * 2.0 / (s * std::sqrt(2 * M_PI)) * (1 + kMargin);
      acc.gauss.push_back({w, mu, s});
      return;
    }
    case Node::Kind::uniform: {
      if (beta == 0) return atom(Rational(0));
      const double lo = (alpha + beta * n.q0).convert_to<double>(), hi = (alpha + beta * n.q1).convert_to<double>();
      const double width = std::fabs((beta * (n.q1 - n.q0)).convert_to<double>());
      acc.density_mass += w * 2.0 / width * (1 + kMargin);
      acc.bounded_high = std::max(acc.bounded_high, log_up(std::max(std::fabs(lo), std::fabs(hi))));
      return;
    }
    case Node::Kind::affine:
      return collect(*n.children[0], alpha + beta * n.q0, beta * n.q1, w, acc);
    case Node::Kind::mix:
      for (std::size_t c = 0; c < n.children.size(); ++c) collect(*n.children[c], alpha, beta, w * n.weights[c], acc);
      return;
    case Node::Kind::sqnormal:
    case Node::Kind::xy:
    case Node::Kind::bivariate:
      acc.ok = false;
      acc.why = "no certified tail bound is implemented for sqnormal, xy and bivariate laws";
      return;
  }
}

// int_b^inf P(|N(mu, s^2)| > e^t) dt <= s sqrt(2 pi) e^-b exp(-z^2/2) / 2, z = (e^b - |mu|)/s >= 0
// (Proof: STATS-TAIL-2).
double gauss_upper_bias(double mu, double s, double b) {
  const double z = (std::exp(b) - std::fabs(mu)) / s;
  if (z <= 0) return kInf;
  return s * std::sqrt(2 * M_PI) * std::exp(-b) * std::exp(-0.5 * z * z) / 2 * (1 + 1e-9);
}

}  // namespace

void build_alias(const std::vector<double>& p, std::vector<double>& prob, std::vector<std::uint32_t>& idx) {
  const std::size_t k = p.size();
  prob.assign(k, 1.0);
  idx.resize(k);
  double total = 0;
  for (double x : p) total += x;
  std::vector<double> scaled(k);
  std::vector<std::uint32_t> small, large;
  for (std::size_t j = 0; j < k; ++j) {
    idx[j] = static_cast<std::uint32_t>(j);
    scaled[j] = p[j] / total * static_cast<double>(k);
    (scaled[j] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(j));
  }
  while (!small.empty() && !large.empty()) {
    const std::uint32_t s = small.back(), l = large.back();
    small.pop_back();
    prob[s] = scaled[s];
    idx[s] = l;
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (std::uint32_t j : small) prob[j] = 1.0;  // rounding leftovers
  for (std::uint32_t j : large) prob[j] = 1.0;
}

ScalarSampler ScalarSampler::build(const Value& expr, std::uint32_t& next_slot, const laws::BuildOptions& options) {
  return ScalarSampler(build_node(expr, next_slot, options));
}

void ScalarSampler::fill(std::uint64_t seed, std::uint32_t block, std::uint32_t replica, double* out,
                         std::size_t n) const {
  fill_node(*root_, seed, block, replica, out, n);
}

std::optional<std::pair<double, double>> ScalarSampler::support() const { return node_support(*root_); }

std::optional<Rational> ScalarSampler::constant() const {
  if (root_->kind == Node::Kind::atoms && root_->exact_values.size() == 1) return root_->exact_values[0];
  return std::nullopt;
}

ScalarSampler ScalarSampler::affine(const Rational& alpha, const Rational& beta) const {
  if (alpha == 0 && beta == 1) return *this;
  return ScalarSampler(make_affine(alpha, beta, root_));
}

TailBound ScalarSampler::tail_bound(double eps) const {
  TailAcc acc;
  collect(*root_, Rational(0), Rational(1), 1.0, acc);
  TailBound t;
  t.exact_zero_atom = acc.zero_atom;
  if (acc.zero_atom) {
    t.why = "an atom of the multiplier is exactly 0, so Lambda = -inf exactly (certified by `lyapcert lyap1d`)";
    return t;
  }
  if (!acc.ok) {
    t.why = acc.why;
    return t;
  }
  // Lower clip: below every atom, and far enough that the density part costs <= eps.
  double c = 1.0;
  if (acc.atoms_low < kInf) c = std::max(c, -acc.atoms_low + 1e-9 * (1 + std::fabs(acc.atoms_low)));
  if (acc.density_mass > 0) c = std::max(c, std::log(acc.density_mass / eps));
  t.clip_low = -c;
  t.bias_low = acc.density_mass > 0 ? acc.density_mass * std::exp(-c) * (1 + 1e-9) : 0.0;  // STATS-TAIL-1
  // Upper clip: above every bounded piece; Gaussian pieces pushed until their tail costs <= eps.
  double b = std::max({acc.atoms_high, acc.bounded_high, -c + 1.0});
  if (acc.atoms_high > -kInf) b = std::max(b, acc.atoms_high + 1e-9 * (1 + std::fabs(acc.atoms_high)));
  for (const auto& g : acc.gauss) b = std::max(b, std::log(std::fabs(g.mu) + g.s));
  auto upper = [&](double bb) {
    double s = 0;
    for (const auto& g : acc.gauss) s += g.w * gauss_upper_bias(g.mu, g.s, bb);
    return s;
  };
  while (upper(b) > eps) b += 0.125;
  t.clip_high = b;
  t.bias_high = upper(b);
  t.available = true;
  return t;
}

// ---------------------------------------------------------------------------------------------
// Matrix laws.

namespace {

struct Affine {
  Rational a0, a1;
};

// Strips sgd(...) wrappers: A = a0 I + a1 X for the innermost law X.
const laws::MatrixLaw& base_law(const laws::MatrixLaw& law, Affine& af) {
  if (const auto* s = std::get_if<laws::Sgd>(&law.node)) {
    Affine inner{Rational(0), Rational(1)};
    const laws::MatrixLaw& b = base_law(*s->curv, inner);
    af.a0 = 1 - s->lr * inner.a0;
    af.a1 = -s->lr * inner.a1;
    return b;
  }
  if (const auto* g = std::get_if<laws::Ginibre>(&law.node)) {
    af = {Rational(0), g->sigma};
    return law;
  }
  if (const auto* i = std::get_if<laws::Isotropic>(&law.node)) {
    af = {Rational(1), -i->lr};
    return law;
  }
  af = {Rational(0), Rational(1)};
  return law;
}

}  // namespace

MatrixSampler MatrixSampler::build(const laws::MatrixLaw& law, const laws::BuildOptions& options) {
  if (std::holds_alternative<laws::VectorSaddle>(law.node))
    throw InputError("vector(...): no matrix sampler for this law; its Monte Carlo estimate is `lyapcert check "
                     "--model vector` (proofs/sim/vector.md, SIM-VEC-MC-1)");
  MatrixSampler m;
  m.d_ = law.dim;
  Affine af;
  const laws::MatrixLaw& base = base_law(law, af);
  m.a0_ = af.a0.convert_to<double>();
  m.a1_ = af.a1.convert_to<double>();
  std::uint32_t slot = 0;
  const int d = law.dim;
  const std::size_t dd = static_cast<std::size_t>(d * d);

  if (d == 1) {
    // Everything is a scalar law of X; the multiplier is a0 + a1 X.
    NodePtr x;
    if (const auto* f = std::get_if<laws::FiniteMatrices>(&base.node)) {
      std::vector<Rational> v;
      for (const auto& mat : f->matrices) v.push_back(mat[0]);
      x = make_atoms(std::move(v), f->probs, slot);
    } else if (const auto* e = std::get_if<laws::EntryMatrix>(&base.node)) {
      x = ScalarSampler::build(e->entries[0], slot, options).root_;
    } else if (std::holds_alternative<laws::Ginibre>(base.node)) {
      x = make_normal(Rational(0), Rational(1), slot, false);
    } else if (std::holds_alternative<laws::Isotropic>(base.node)) {
      x = make_normal(Rational(0), Rational(1), slot, true);
    } else {
      x = ScalarSampler::build(std::get<laws::ScalarLaw>(base.node).curvature, slot, options).root_;
    }
    m.kind_ = Kind::scalar;
    m.scalar_ = ScalarSampler(x).affine(af.a0, af.a1);
    if (auto s = m.scalar_.support()) m.norm_bound_ = std::max(std::fabs(s->first), std::fabs(s->second)) * (1 + 1e-12);
    return m;
  }

  if (const auto* f = std::get_if<laws::FiniteMatrices>(&base.node)) {
    m.kind_ = Kind::finite;
    m.slot_ = slot++;
    double bound = 0;
    std::vector<double> p;
    for (std::size_t k = 0; k < f->matrices.size(); ++k) {
      Eigen::MatrixXd a(d, d);
      for (int i = 0; i < d; ++i) {
        for (int j = 0; j < d; ++j) {
          const Rational v = (i == j ? af.a0 : Rational(0)) + af.a1 * f->matrices[k][static_cast<std::size_t>(i * d + j)];
          a(i, j) = v.convert_to<double>();
          m.mats_.push_back(a(i, j));
        }
      }
      bound = std::max(bound, Eigen::JacobiSVD<Eigen::MatrixXd>(a).singularValues()(0));
      p.push_back(f->probs[k].convert_to<double>());
    }
    build_alias(p, m.alias_prob_, m.alias_idx_);
    m.norm_bound_ = bound * (1 + 1e-12) + 1e-300;
  } else if (const auto* e = std::get_if<laws::EntryMatrix>(&base.node)) {
    m.kind_ = Kind::entries;
    m.entry_const_.assign(dd, 0.0);
    double frob2 = 0;
    bool bounded = true;
    for (std::size_t k = 0; k < dd; ++k) {
      const bool diag = (k / static_cast<std::size_t>(d)) == (k % static_cast<std::size_t>(d));
      ScalarSampler s = ScalarSampler::build(e->entries[k], slot, options);
      if (auto c = s.constant()) {
        const Rational v = (diag ? af.a0 : Rational(0)) + af.a1 * *c;
        m.entry_const_[k] = v.convert_to<double>();
        frob2 += m.entry_const_[k] * m.entry_const_[k];
      } else {
        m.entry_const_[k] = diag ? m.a0_ : 0.0;
        m.entry_.push_back(s);
        m.entry_pos_.push_back(static_cast<int>(k));
        if (auto sup = s.support()) {
          const double mx = std::max(std::fabs(m.a0_ * diag + m.a1_ * sup->first), std::fabs(m.a0_ * diag + m.a1_ * sup->second));
          frob2 += mx * mx;
        } else {
          bounded = false;
        }
      }
    }
    if (bounded) m.norm_bound_ = std::sqrt(frob2) * (1 + 1e-12) + 1e-300;
  } else if (std::holds_alternative<laws::Ginibre>(base.node)) {
    m.kind_ = Kind::ginibre;
    m.slot_ = slot++;
  } else if (std::holds_alternative<laws::Isotropic>(base.node)) {
    m.kind_ = Kind::outer;
    m.slot_ = slot++;
  } else {
    throw InputError("internal: scalar law with d > 1");
  }
  return m;
}

std::size_t MatrixSampler::scratch_size(std::size_t n) const {
  if (kind_ == Kind::outer) return n * static_cast<std::size_t>(d_);
  if (kind_ == Kind::finite) return n;  // 64-bit words stored as doubles' storage
  return n;
}

namespace {
// out[s] = a0 I + a1 a a^T for the vectors a = x[s*D .. s*D + D), s < n.
template <std::size_t D>
void outer_fill(double a0, double a1, const double* x, double* out, std::size_t n) {
  for (std::size_t s = 0; s < n; ++s) {
    const double* a = x + s * D;
    double* o = out + s * D * D;
    for (std::size_t i = 0; i < D; ++i) {
      for (std::size_t j = 0; j < D; ++j) o[i * D + j] = a1 * a[i] * a[j] + (i == j ? a0 : 0.0);
    }
  }
}
}  // namespace

void MatrixSampler::fill(std::uint64_t seed, std::uint32_t block, std::uint32_t replica, double* out, std::size_t n,
                         double* scratch) const {
  const std::size_t d = static_cast<std::size_t>(d_), dd = d * d;
  switch (kind_) {
    case Kind::scalar:
      scalar_.fill(seed, block, replica, out, n);
      return;
    case Kind::finite: {
      auto* w = reinterpret_cast<std::uint64_t*>(scratch);
      kernels::fill_bits(StreamKey{seed, block, replica, slot_}, w, n);
      const std::size_t k = alias_prob_.size();
      for (std::size_t s = 0; s < n; ++s) {
        const std::uint32_t j = k == 1 ? 0 : alias_draw(w[s], alias_prob_.data(), alias_idx_.data(), k);
        std::copy_n(mats_.data() + j * dd, dd, out + s * dd);
      }
      return;
    }
    case Kind::ginibre: {
      kernels::fill_normal(StreamKey{seed, block, replica, slot_}, out, n * dd);
      const double a1 = a1_, a0 = a0_;
      if (a1 != 1) {
        for (std::size_t i = 0; i < n * dd; ++i) out[i] *= a1;
      }
      if (a0 != 0) {
        for (std::size_t s = 0; s < n; ++s) {
          for (std::size_t i = 0; i < d; ++i) out[s * dd + i * d + i] += a0;
        }
      }
      return;
    }
    case Kind::outer: {
      kernels::fill_normal(StreamKey{seed, block, replica, slot_}, scratch, n * d);
      switch (d) {  // d known at compile time so that the loop vectorises
        case 2: outer_fill<2>(a0_, a1_, scratch, out, n); break;
        case 3: outer_fill<3>(a0_, a1_, scratch, out, n); break;
        default: outer_fill<4>(a0_, a1_, scratch, out, n); break;
      }
      return;
    }
    case Kind::entries: {
      for (std::size_t s = 0; s < n; ++s) std::copy_n(entry_const_.data(), dd, out + s * dd);
      for (std::size_t e = 0; e < entry_.size(); ++e) {
        entry_[e].fill(seed, block, replica, scratch, n);
        const std::size_t pos = static_cast<std::size_t>(entry_pos_[e]);
        for (std::size_t s = 0; s < n; ++s) out[s * dd + pos] += a1_ * scratch[s];
      }
      return;
    }
  }
}

}  // namespace lyapcert::stats
