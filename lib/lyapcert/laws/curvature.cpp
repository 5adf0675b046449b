#include "lyapcert/laws/curvature.hpp"

#include <fmt/format.h>

#include <set>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/minibatch.hpp"

namespace lyapcert::laws {
namespace {

using exact::Rational;

// Argument access with checks: positional first, then keyword, unknown keys rejected.
class Args {
 public:
  Args(const Call& call, std::initializer_list<const char*> names) : call_(call) {
    for (const char* n : names) names_.push_back(n);
    bool seen_key = false;
    for (const Arg& a : call.args) {
      if (a.key.empty()) {
        if (seen_key) fail("positional argument after a keyword argument");
      } else {
        seen_key = true;
        if (std::find(names_.begin(), names_.end(), a.key) == names_.end()) {
          fail(fmt::format("unknown argument '{}'", a.key));
        }
      }
    }
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw InputError(fmt::format("{}(...): {}", call_.name, why));
  }
  // The i-th declared argument (by position or by name), or nullptr.
  const Value* get(std::size_t i) const {
    std::size_t pos = 0;
    const Value* found = nullptr;
    for (const Arg& a : call_.args) {
      if (a.key.empty()) {
        if (pos == i) found = &a.value;
        ++pos;
      } else if (a.key == names_[i]) {
        if (found) fail(fmt::format("argument '{}' given twice", names_[i]));
        found = &a.value;
      }
    }
    if (pos > names_.size()) fail(fmt::format("takes at most {} arguments", names_.size()));
    return found;
  }
  const Value& need(std::size_t i) const {
    const Value* v = get(i);
    if (!v) fail(fmt::format("missing argument '{}'", names_[i]));
    return *v;
  }
  Rational number(std::size_t i) const {
    const Value& v = need(i);
    if (const auto* n = std::get_if<Number>(&v.node)) return n->value;
    fail(fmt::format("argument '{}' must be a number", names_[i]));
  }
  std::uint64_t positive_integer(std::size_t i, std::uint64_t max) const {
    Rational r = number(i);
    if (denominator(r) != 1) {
      fail(fmt::format("argument '{}' must be an integer", names_[i]));
    }
    if (r < 1 || r > Rational(exact::Integer(max))) {
      fail(fmt::format("argument '{}' must be an integer in [1, {}]", names_[i], max));
    }
    return numerator(r).convert_to<std::uint64_t>();
  }
  bool boolean(std::size_t i, bool dflt) const {
    const Value* v = get(i);
    if (!v) return dflt;
    if (const auto* b = std::get_if<Boolean>(&v->node)) return b->value;
    fail(fmt::format("argument '{}' must be true or false", names_[i]));
  }

 private:
  const Call& call_;
  std::vector<std::string> names_;
};

CurvatureLaw build(const Value& expr, const BuildOptions& opt);

CurvatureLaw build_atoms(const Call& call, const BuildOptions& opt) {
  if (call.args.empty()) throw InputError("atoms(): needs at least one value");
  std::vector<Rational> values, probs;
  std::size_t weighted = 0;
  for (const Arg& a : call.args) {
    if (!a.key.empty()) throw InputError(fmt::format("atoms(...): unexpected keyword '{}'", a.key));
    const Value* v = &a.value;
    if (const auto* w = std::get_if<Weighted>(&v->node)) {
      ++weighted;
      probs.push_back(w->weight);
      v = w->value.get();
    }
    const auto* n = std::get_if<Number>(&v->node);
    if (!n) throw InputError(fmt::format("atoms(...): atom {} is not a number", values.size() + 1));
    values.push_back(n->value);
  }
  if (values.size() > opt.max_atoms) {
    throw InputError(fmt::format("atoms(...): {} atoms exceed --max-atoms {}", values.size(), opt.max_atoms));
  }
  if (weighted == 0) return CurvatureLaw(FiniteLaw::uniform_over(values));
  if (weighted != values.size()) {
    throw InputError("atoms(...): give a probability to every atom (value:p) or to none");
  }
  for (std::size_t j = 0; j < probs.size(); ++j) {
    if (probs[j] < 0) {
      throw InputError(fmt::format("atoms(...): negative probability {} for atom {}", exact::to_text(probs[j]), j + 1));
    }
  }
  return CurvatureLaw(FiniteLaw::from_rationals(values, probs));
}

LawPtr share(CurvatureLaw law) { return std::make_shared<const CurvatureLaw>(std::move(law)); }

Rational positive(const Args& args, std::size_t i, const char* what) {
  Rational x = args.number(i);
  if (x <= 0) args.fail(fmt::format("{} must be > 0, got {}", what, exact::to_text(x)));
  return x;
}

Rational nonnegative(const Args& args, std::size_t i, const char* what) {
  Rational x = args.number(i);
  if (x < 0) args.fail(fmt::format("{} must be >= 0 (a negative standard deviation is meaningless), got {}", what,
                                   exact::to_text(x)));
  return x;
}

// h -> c h + s applied to a law, exactly; composes affine maps and keeps finite/normal/uniform closed.
CurvatureLaw affine(const CurvatureLaw& law, const Rational& c, const Rational& s) {
  return std::visit(
      [&](const auto& n) -> CurvatureLaw {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, FiniteLaw>) {
          return CurvatureLaw(n.scaled(c).shifted(s));
        } else if constexpr (std::is_same_v<T, NormalLaw>) {
          if (c == 0) return CurvatureLaw(FiniteLaw::uniform_over(std::vector<Rational>{s}));
          return CurvatureLaw(NormalLaw{c * n.mu + s, (c < 0 ? Rational(-c) : c) * n.sigma});
        } else if constexpr (std::is_same_v<T, UniformLaw>) {
          if (c == 0) return CurvatureLaw(FiniteLaw::uniform_over(std::vector<Rational>{s}));
          Rational lo = c * n.a + s, hi = c * n.b + s;
          if (c < 0) std::swap(lo, hi);
          return CurvatureLaw(UniformLaw{lo, hi});
        } else if constexpr (std::is_same_v<T, AffineLaw>) {
          return affine(*n.inner, c * n.scale, c * n.shift + s);
        } else if constexpr (std::is_same_v<T, MixtureLaw>) {
          MixtureLaw m;
          for (const auto& [part, w] : n.parts) m.parts.emplace_back(share(affine(*part, c, s)), w);
          return CurvatureLaw(std::move(m));
        } else {
          if (c == 0) return CurvatureLaw(FiniteLaw::uniform_over(std::vector<Rational>{s}));
          if (c == 1 && s == 0) return CurvatureLaw(n);
          return CurvatureLaw(AffineLaw{c, s, share(CurvatureLaw(n))});
        }
      },
      law.node());
}

std::vector<Rational> number_list(const Args& args, std::size_t i, const char* what) {
  const Value& v = args.need(i);
  const auto* list = std::get_if<List>(&v.node);
  if (!list) args.fail(fmt::format("{} must be a list [d1, d2, ...]", what));
  std::vector<Rational> out;
  out.reserve(list->items.size());
  for (const Value& item : list->items) {
    const auto* n = std::get_if<Number>(&item.node);
    if (!n) args.fail(fmt::format("{} must contain numbers only", what));
    out.push_back(n->value);
  }
  if (out.empty()) args.fail(fmt::format("{} is empty", what));
  return out;
}

CurvatureLaw build(const Value& expr, const BuildOptions& opt) {
  const auto* call = std::get_if<Call>(&expr.node);
  if (!call) throw InputError(fmt::format("expected a law such as atoms(...), found '{}'", canonical(expr)));
  const std::string& name = call->name;
  if (name == "atoms") return build_atoms(*call, opt);
  if (name == "minibatch") {
    Args args(*call, {"data", "batch", "replace"});
    const std::vector<Rational> data = number_list(args, 0, "data");
    const std::uint64_t batch = args.positive_integer(1, 1'000'000'000);
    const bool replace = args.boolean(2, true);
    MinibatchLimits lim;
    lim.max_atoms = opt.max_atoms;
    return CurvatureLaw(minibatch_law(data, batch, replace, lim));
  }
  if (name == "normal") {
    Args args(*call, {"mu", "sigma"});
    const Rational mu = args.number(0), sigma = nonnegative(args, 1, "sigma");
    if (sigma == 0) return CurvatureLaw(FiniteLaw::uniform_over(std::vector<Rational>{mu}));
    return CurvatureLaw(NormalLaw{mu, sigma});
  }
  if (name == "uniform") {
    Args args(*call, {"a", "b"});
    const Rational a = args.number(0), b = args.number(1);
    if (!(a < b)) args.fail(fmt::format("needs a < b, got a = {}, b = {}", exact::to_text(a), exact::to_text(b)));
    return CurvatureLaw(UniformLaw{a, b});
  }
  if (name == "sqnormal") {
    Args args(*call, {"mu", "sigma"});
    const Rational mu = args.number(0), sigma = nonnegative(args, 1, "sigma");
    if (sigma == 0) return CurvatureLaw(FiniteLaw::uniform_over(std::vector<Rational>{mu * mu}));
    return CurvatureLaw(SqNormalLaw{mu, sigma});
  }
  if (name == "xy") {
    Args args(*call, {"k", "sigma", "batch"});
    const Rational k = args.number(0), sigma = nonnegative(args, 1, "sigma");
    const std::uint64_t batch = args.get(2) ? args.positive_integer(2, 1'000'000) : 1;
    return CurvatureLaw(XyLaw{k, sigma * sigma, batch});
  }
  if (name == "bivariate") {
    Args args(*call, {"mx", "my", "sx", "sy", "rho"});
    const Rational mx = args.number(0), my = args.number(1);
    const Rational sx = positive(args, 2, "sx"), sy = positive(args, 3, "sy");
    const Rational rho = args.number(4);
    if (!(rho > -1 && rho < 1)) args.fail(fmt::format("needs |rho| < 1, got {}", exact::to_text(rho)));
    return CurvatureLaw(BivariateLaw{mx, my, sx, sy, rho});
  }
  if (name == "scale" || name == "shift") {
    Args args(*call, {"c", "law"});
    const Rational c = args.number(0);
    const CurvatureLaw inner = build(args.need(1), opt);
    return name == "scale" ? affine(inner, c, Rational(0)) : affine(inner, Rational(1), c);
  }
  if (name == "mix") {
    std::vector<CurvatureLaw> laws;
    std::vector<Rational> weights;
    for (const Arg& a : call->args) {
      if (!a.key.empty()) throw InputError(fmt::format("mix(...): unexpected keyword '{}'", a.key));
      const auto* w = std::get_if<Weighted>(&a.value.node);
      if (!w) throw InputError("mix(...): every component needs a weight, LAW:w");
      if (w->weight < 0) {
        throw InputError(fmt::format("mix(...): negative weight {}", exact::to_text(w->weight)));
      }
      laws.push_back(build(*w->value, opt));
      weights.push_back(w->weight);
    }
    if (laws.empty()) throw InputError("mix(): needs at least one component");
    Rational total = 0;
    for (const Rational& w : weights) total += w;
    if (total != 1) throw InputError(fmt::format("mix(...): weights sum to {}, not 1", exact::to_text(total)));
    bool all_finite = true;
    for (const CurvatureLaw& l : laws) all_finite = all_finite && l.is_finite();
    if (all_finite) {
      std::vector<FiniteLaw> f;
      for (const CurvatureLaw& l : laws) f.push_back(l.finite());
      return CurvatureLaw(FiniteLaw::mixture(f, weights));
    }
    MixtureLaw m;
    for (std::size_t i = 0; i < laws.size(); ++i) {
      if (weights[i] == 0) continue;
      if (const auto* inner = std::get_if<MixtureLaw>(&laws[i].node())) {  // flatten
        for (const auto& [part, w] : inner->parts) m.parts.emplace_back(part, w * weights[i]);
      } else {
        m.parts.emplace_back(share(laws[i]), weights[i]);
      }
    }
    return CurvatureLaw(std::move(m));
  }
  throw InputError(fmt::format(
      "unknown law '{}' (curvature laws: atoms, minibatch, normal, uniform, sqnormal, xy, bivariate, scale, shift, mix)",
      name));
}

}  // namespace

CurvatureLaw build_curvature_law(const Value& expr, const BuildOptions& options) { return build(expr, options); }

CurvatureLaw parse_curvature_law(std::string_view text, const BuildOptions& options, const ParseLimits& limits) {
  return build_curvature_law(parse(text, limits), options);
}

}  // namespace lyapcert::laws

namespace lyapcert::laws {

Rational CurvatureLaw::mean() const {
  return std::visit(
      [](const auto& n) -> Rational {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, FiniteLaw>) {
          return n.mean();
        } else if constexpr (std::is_same_v<T, NormalLaw>) {
          return n.mu;
        } else if constexpr (std::is_same_v<T, UniformLaw>) {
          return (n.a + n.b) / 2;
        } else if constexpr (std::is_same_v<T, SqNormalLaw>) {
          return n.mu * n.mu + n.sigma * n.sigma;
        } else if constexpr (std::is_same_v<T, XyLaw>) {
          return n.k;
        } else if constexpr (std::is_same_v<T, BivariateLaw>) {
          return n.mx * n.my + n.rho * n.sx * n.sy;
        } else if constexpr (std::is_same_v<T, AffineLaw>) {
          return n.scale * n.inner->mean() + n.shift;
        } else {
          Rational m = 0;
          for (const auto& [part, w] : n.parts) m += w * part->mean();
          return m;
        }
      },
      node_);
}

Rational CurvatureLaw::second_moment() const {
  return std::visit(
      [this](const auto& n) -> Rational {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, FiniteLaw>) {
          return n.second_moment();
        } else if constexpr (std::is_same_v<T, NormalLaw>) {
          return n.mu * n.mu + n.sigma * n.sigma;
        } else if constexpr (std::is_same_v<T, UniformLaw>) {
          return (n.a * n.a + n.a * n.b + n.b * n.b) / 3;
        } else if constexpr (std::is_same_v<T, SqNormalLaw>) {
          // E z^4 for z ~ N(mu, s^2): mu^4 + 6 mu^2 s^2 + 3 s^4.
          const Rational m2 = n.mu * n.mu, s2 = n.sigma * n.sigma;
          return m2 * m2 + 6 * m2 * s2 + 3 * s2 * s2;
        } else if constexpr (std::is_same_v<T, XyLaw>) {
          // E h_B^2 = k^2 + Var(xy)/S with Var(xy) = 2k^2 + sigma^2 (docs/math.md section 3).
          return n.k * n.k + (2 * n.k * n.k + n.sigma2) / Rational(exact::Integer(n.batch));
        } else if constexpr (std::is_same_v<T, BivariateLaw>) {
          // x = mx + sx u, y = my + sy w, corr(u, w) = rho: E u^2 w^2 = 1 + 2 rho^2, odd mixed moments vanish.
          const Rational mx2 = n.mx * n.mx, my2 = n.my * n.my, sx2 = n.sx * n.sx, sy2 = n.sy * n.sy;
          return mx2 * my2 + mx2 * sy2 + my2 * sx2 + 4 * n.mx * n.my * n.sx * n.sy * n.rho +
                 sx2 * sy2 * (1 + 2 * n.rho * n.rho);
        } else if constexpr (std::is_same_v<T, AffineLaw>) {
          return n.scale * n.scale * n.inner->second_moment() + 2 * n.scale * n.shift * n.inner->mean() +
                 n.shift * n.shift;
        } else {
          (void)this;
          Rational m = 0;
          for (const auto& [part, w] : n.parts) m += w * part->second_moment();
          return m;
        }
      },
      node_);
}

}  // namespace lyapcert::laws
