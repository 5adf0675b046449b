#include "lyapcert/laws/matrix_law.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "lyapcert/exact/error.hpp"

namespace lyapcert::laws {
namespace {

using exact::Rational;

[[noreturn]] void fail(const std::string& where, const std::string& why) {
  throw InputError(fmt::format("{}: {}", where, why));
}

// Positional or keyword argument `i` named names[i]; unknown keywords rejected.
const Value* arg(const Call& call, std::initializer_list<const char*> names, std::size_t i) {
  std::vector<std::string> ns(names.begin(), names.end());
  std::size_t pos = 0;
  const Value* found = nullptr;
  for (const Arg& a : call.args) {
    if (a.key.empty()) {
      if (pos == i) found = &a.value;
      ++pos;
    } else {
      if (std::find(ns.begin(), ns.end(), a.key) == ns.end()) {
        fail(call.name + "(...)", fmt::format("unknown argument '{}'", a.key));
      }
      if (a.key == ns[i]) {
        if (found) fail(call.name + "(...)", fmt::format("argument '{}' given twice", ns[i]));
        found = &a.value;
      }
    }
  }
  if (pos > ns.size()) fail(call.name + "(...)", fmt::format("takes at most {} arguments", ns.size()));
  if (!found) fail(call.name + "(...)", fmt::format("missing argument '{}'", ns[i]));
  return found;
}

Rational number(const Call& call, const Value& v, const char* what) {
  if (const auto* n = std::get_if<Number>(&v.node)) return n->value;
  fail(call.name + "(...)", fmt::format("argument '{}' must be a number", what));
}

int dimension(const Call& call, const Value& v) {
  const Rational d = number(call, v, "d");
  if (denominator(d) != 1 || d < 1 || d > kMaxMatrixDim) {
    fail(call.name + "(...)", fmt::format("dimension d = {} must be an integer in [1, {}]", exact::to_text(d),
                                          kMaxMatrixDim));
  }
  return numerator(d).convert_to<int>();
}

Rational positive(const Call& call, const Value& v, const char* what) {
  const Rational x = number(call, v, what);
  if (x <= 0) fail(call.name + "(...)", fmt::format("{} = {} must be > 0", what, exact::to_text(x)));
  return x;
}

// A square list of lists; returns the rows' items, row-major. d in [1, 4].
std::vector<const Value*> square(const std::string& where, const Value& v, int& d) {
  const auto* rows = std::get_if<List>(&v.node);
  if (!rows) fail(where, fmt::format("expected a matrix [[...], ...], found '{}'", canonical(v)));
  const std::size_t n = rows->items.size();
  if (n == 0) fail(where, "empty matrix");
  if (n > static_cast<std::size_t>(kMaxMatrixDim)) {
    fail(where, fmt::format("{} x {} matrices are not supported (d <= {})", n, n, kMaxMatrixDim));
  }
  std::vector<const Value*> out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto* row = std::get_if<List>(&rows->items[i].node);
    if (!row) fail(where, fmt::format("row {} is not a list", i + 1));
    if (row->items.size() != n) {
      fail(where, fmt::format("matrix is not square: row {} has {} entries, expected {}", i + 1, row->items.size(), n));
    }
    for (const Value& e : row->items) out.push_back(&e);
  }
  d = static_cast<int>(n);
  return out;
}

bool is_matrix_law_name(const std::string& n) {
  return n == "matrices" || n == "entries" || n == "ginibre" || n == "isotropic" || n == "sgd" || n == "vector";
}

MatrixLaw build(const Value& expr);

MatrixLaw build_matrices(const Call& call) {
  if (call.args.empty()) fail("matrices()", "needs at least one matrix");
  FiniteMatrices f;
  std::size_t weighted = 0;
  int d = 0;
  for (std::size_t k = 0; k < call.args.size(); ++k) {
    const Arg& a = call.args[k];
    if (!a.key.empty()) fail("matrices(...)", fmt::format("unexpected keyword '{}'", a.key));
    const Value* v = &a.value;
    if (const auto* w = std::get_if<Weighted>(&v->node)) {
      ++weighted;
      if (w->weight < 0) {
        fail("matrices(...)", fmt::format("negative probability {} for matrix {}", exact::to_text(w->weight), k + 1));
      }
      f.probs.push_back(w->weight);
      v = w->value.get();
    }
    int dk = 0;
    const auto items = square(fmt::format("matrices(...), matrix {}", k + 1), *v, dk);
    if (d != 0 && dk != d) {
      fail("matrices(...)", fmt::format("matrix {} is {} x {} but matrix 1 is {} x {}", k + 1, dk, dk, d, d));
    }
    d = dk;
    std::vector<Rational> m;
    for (const Value* e : items) {
      const auto* n = std::get_if<Number>(&e->node);
      if (!n) fail("matrices(...)", fmt::format("matrix {} has a non-number entry '{}'", k + 1, canonical(*e)));
      m.push_back(n->value);
    }
    f.matrices.push_back(std::move(m));
  }
  if (weighted == 0) {
    f.probs.assign(f.matrices.size(), Rational(1, static_cast<long>(f.matrices.size())));
  } else if (weighted != f.matrices.size()) {
    fail("matrices(...)", "give a probability to every matrix (M:p) or to none");
  } else {
    Rational s = 0;
    for (const Rational& p : f.probs) s += p;
    if (s != 1) fail("matrices(...)", fmt::format("probabilities sum to {}, not 1", exact::to_text(s)));
  }
  return MatrixLaw{d, std::move(f)};
}

MatrixLaw build_entries(const Call& call) {
  if (call.args.size() != 1 || !call.args[0].key.empty()) {
    fail("entries(...)", "takes exactly one matrix of entries, entries([[L11, L12], [L21, L22]])");
  }
  int d = 0;
  const auto items = square("entries(...)", call.args[0].value, d);
  EntryMatrix e;
  for (const Value* v : items) {
    const bool ok = std::holds_alternative<Number>(v->node) ||
                    (std::holds_alternative<Call>(v->node) && !is_matrix_law_name(std::get<Call>(v->node).name));
    if (!ok) fail("entries(...)", fmt::format("entry '{}' is neither a number nor a curvature law", canonical(*v)));
    e.entries.push_back(*v);
  }
  return MatrixLaw{d, std::move(e)};
}

// vector(q, d, lr, k, sigma, batch=S, gamma=G): positional or keyword q, d, lr, k, sigma; batch and gamma are
// keywords with defaults 1 and 0.
MatrixLaw build_vector(const Call& call) {
  const std::initializer_list<const char*> names = {"q", "d", "lr", "k", "sigma", "batch", "gamma"};
  std::size_t positional = 0;
  for (const Arg& a : call.args) {
    if (!a.key.empty()) continue;
    if (++positional > 5) fail("vector(...)", "takes at most 5 positional arguments (q, d, lr, k, sigma); batch= and "
                                              "gamma= are keywords");
  }
  auto has_key = [&](const char* key) {
    for (const Arg& a : call.args)
      if (a.key == key) return true;
    return false;
  };
  auto integer = [&](std::size_t i, const char* what, long lo, long hi) {
    const Rational v = number(call, *arg(call, names, i), what);
    if (denominator(v) != 1 || v < lo || v > hi)
      fail("vector(...)", fmt::format("{} = {} must be an integer in [{}, {}]", what, exact::to_text(v), lo, hi));
    return numerator(v).convert_to<long>();
  };
  VectorSaddle v;
  v.q = static_cast<int>(integer(0, "q", 1, kMaxMatrixDim - 1));
  v.d = static_cast<int>(integer(1, "d", 1, kMaxMatrixDim - 1));
  if (v.q + v.d > kMaxMatrixDim)
    fail("vector(...)", fmt::format("q + d = {} exceeds the largest supported dimension {}", v.q + v.d, kMaxMatrixDim));
  v.lr = positive(call, *arg(call, names, 2), "lr");
  v.k = number(call, *arg(call, names, 3), "k");
  const Rational sigma = number(call, *arg(call, names, 4), "sigma");
  if (sigma < 0) fail("vector(...)", fmt::format("sigma = {} must be >= 0", exact::to_text(sigma)));
  v.sigma2 = sigma * sigma;
  if (has_key("batch")) v.batch = static_cast<std::uint64_t>(integer(5, "batch", 1, 1000000));
  if (has_key("gamma")) v.gamma = number(call, *arg(call, names, 6), "gamma");
  return MatrixLaw{v.q + v.d, std::move(v)};
}

MatrixLaw build(const Value& expr) {
  const auto* call = std::get_if<Call>(&expr.node);
  if (!call) fail("law", fmt::format("expected a law such as ginibre(2, 1), found '{}'", canonical(expr)));
  const std::string& name = call->name;
  if (name == "matrices") return build_matrices(*call);
  if (name == "entries") return build_entries(*call);
  if (name == "ginibre") {
    const int d = dimension(*call, *arg(*call, {"d", "sigma"}, 0));
    return MatrixLaw{d, Ginibre{positive(*call, *arg(*call, {"d", "sigma"}, 1), "sigma")}};
  }
  if (name == "isotropic") {
    const int d = dimension(*call, *arg(*call, {"d", "lr"}, 0));
    return MatrixLaw{d, Isotropic{positive(*call, *arg(*call, {"d", "lr"}, 1), "lr")}};
  }
  if (name == "vector") return build_vector(*call);
  if (name == "sgd") {
    const Rational lr = positive(*call, *arg(*call, {"lr", "law"}, 0), "lr");
    auto inner = std::make_shared<const MatrixLaw>(build(*arg(*call, {"lr", "law"}, 1)));
    if (std::holds_alternative<VectorSaddle>(inner->node))
      fail("sgd(...)", "vector(...) is already the SGD multiplier; give it without sgd(...)");
    const int d = inner->dim;
    return MatrixLaw{d, Sgd{lr, std::move(inner)}};
  }
  // Anything else is a curvature law h; as a multiplier it is the 1 x 1 matrix [h].
  return MatrixLaw{1, ScalarLaw{expr}};
}

}  // namespace

MatrixLaw build_matrix_law(const Value& expr) { return build(expr); }

MatrixLaw parse_matrix_law(std::string_view text, const ParseLimits& limits) {
  return build_matrix_law(parse(text, limits));
}

bool increments_iid(const MatrixLaw& law) {
  if (law.dim == 1) return true;
  if (std::holds_alternative<Ginibre>(law.node) || std::holds_alternative<Isotropic>(law.node)) return true;
  if (const auto* s = std::get_if<Sgd>(&law.node)) return increments_iid(*s->curv);
  return false;
}

}  // namespace lyapcert::laws
