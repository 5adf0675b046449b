#include "lyapcert/laws/curvature.hpp"

#include <fmt/format.h>

#include <set>

#include "lyapcert/exact/error.hpp"

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

FiniteLaw need_finite(const CurvatureLaw& law, const std::string& where) {
  if (!law.is_finite()) throw InputError(fmt::format("{}: only finite laws are supported here", where));
  return law.finite();
}

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

CurvatureLaw build(const Value& expr, const BuildOptions& opt) {
  const auto* call = std::get_if<Call>(&expr.node);
  if (!call) throw InputError(fmt::format("expected a law such as atoms(...), found '{}'", canonical(expr)));
  const std::string& name = call->name;
  if (name == "atoms") return build_atoms(*call, opt);
  if (name == "scale" || name == "shift") {
    Args args(*call, {"c", "law"});
    const Rational c = args.number(0);
    CurvatureLaw inner = build(args.need(1), opt);
    FiniteLaw f = need_finite(inner, name);
    return CurvatureLaw(name == "scale" ? f.scaled(c) : f.shifted(c));
  }
  if (name == "mix") {
    std::vector<FiniteLaw> laws;
    std::vector<Rational> weights;
    for (const Arg& a : call->args) {
      if (!a.key.empty()) throw InputError(fmt::format("mix(...): unexpected keyword '{}'", a.key));
      const auto* w = std::get_if<Weighted>(&a.value.node);
      if (!w) throw InputError("mix(...): every component needs a weight, LAW:w");
      laws.push_back(need_finite(build(*w->value, opt), "mix"));
      weights.push_back(w->weight);
    }
    if (laws.empty()) throw InputError("mix(): needs at least one component");
    return CurvatureLaw(FiniteLaw::mixture(laws, weights));
  }
  throw InputError(fmt::format("unknown law '{}' (known curvature laws: atoms, minibatch, scale, shift, mix)", name));
}

}  // namespace

CurvatureLaw build_curvature_law(const Value& expr, const BuildOptions& options) { return build(expr, options); }

CurvatureLaw parse_curvature_law(std::string_view text, const BuildOptions& options, const ParseLimits& limits) {
  return build_curvature_law(parse(text, limits), options);
}

}  // namespace lyapcert::laws
