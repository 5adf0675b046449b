#include "lyapcert/tables/internal/row_inputs.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "lyapcert/boundary/model.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::tables {
namespace {

using Json = nlohmann::ordered_json;
using exact::Rational;

std::string text(const Json& s, const char* field) {
  if (!s.contains(field)) throw InputError(fmt::format("missing field '{}'", field));
  return s[field].get<std::string>();
}

Rational number(const Json& s, const char* field) {
  try {
    return exact::parse_rational(text(s, field));
  } catch (const InputError& e) {
    if (!s.contains(field)) throw;
    throw InputError(fmt::format("field '{}': {}", field, e.what()));
  }
}

std::uint64_t unsigned_field(const Json& s, const char* field, std::uint64_t def, std::uint64_t lo,
                             std::uint64_t hi) {
  if (!s.contains(field)) return def;
  const std::string t = s[field].get<std::string>();
  std::uint64_t v = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size() || v < lo || v > hi) {
    throw InputError(fmt::format("field '{}' must be an integer in [{}, {}], got '{}'", field, lo, hi, t));
  }
  return v;
}

double double_field(const Json& s, const char* field, double def) {
  if (!s.contains(field)) return def;
  const std::string t = s[field].get<std::string>();
  const Rational q = exact::parse_rational(t);
  return q.convert_to<double>();
}

bool bool_field(const Json& s, const char* field, bool def) {
  if (!s.contains(field)) return def;
  const std::string t = s[field].get<std::string>();
  if (t == "true") return true;
  if (t == "false") return false;
  throw InputError(fmt::format("field '{}' must be true or false, got '{}'", field, t));
}

laws::Value parse_law(const Json& s, std::string& canonical, std::uint64_t max_atoms) {
  const std::string t = text(s, "law");
  try {
    laws::ParseLimits limits;
    limits.max_atoms = max_atoms;  // counted while parsing
    laws::Value v = laws::parse(t, limits);
    canonical = laws::canonical(v);
    return v;
  } catch (const InputError& e) {
    throw InputError(fmt::format("field 'law': {}", e.what()));
  }
}

}  // namespace

RowInputs load_inputs(const Json& s) {
  RowInputs in;
  in.quantity = s.at("quantity").get<std::string>();
  const bool statistical = in.quantity == "estimate";
  if (!statistical) {
    in.acc.digits = static_cast<int>(unsigned_field(s, "digits", 16, 1, 10000));
    in.acc.max_bits = static_cast<long>(
        unsigned_field(s, "max_bits", in.quantity == "boundary" ? 16384 : 65536, 64, 1UL << 26));
  }
  const std::uint64_t max_atoms = unsigned_field(s, "max_atoms", 10'000'000, 1, 1'000'000'000);
  laws::BuildOptions bo;
  bo.max_atoms = max_atoms;
  if (in.quantity == "exponent" || in.quantity == "moment" || in.quantity == "boundary") {
    const laws::Value v = parse_law(s, in.law_text, max_atoms);
    try {
      in.curvature.emplace(laws::build_curvature_law(v, bo));
    } catch (const InputError& e) {
      throw InputError(fmt::format("field 'law': {}", e.what()));
    }
  } else if (in.quantity == "lyapnd" || in.quantity == "estimate") {
    const laws::Value v = parse_law(s, in.law_text, max_atoms);
    try {
      in.matrix = laws::build_matrix_law(v);
    } catch (const InputError& e) {
      throw InputError(fmt::format("field 'law': {}", e.what()));
    }
  }
  if (in.quantity == "exponent" || in.quantity == "moment" || in.quantity == "phase") {
    in.lr = number(s, "lr");
    if (in.lr <= 0) throw InputError(fmt::format("field 'lr' must be > 0, got {}", text(s, "lr")));
  }
  if (in.quantity == "moment") {
    in.p = number(s, "p");
    if (in.p <= 0) throw InputError(fmt::format("field 'p' must be > 0, got {}", text(s, "p")));
  }
  if (in.quantity == "boundary") {
    boundary::ExponentModel check(*in.curvature);  // InputError for laws the search does not support yet
    in.boundary.digits = in.acc.digits;
    in.boundary.max_bits = in.acc.max_bits;
    if (s.contains("lr_min")) in.boundary.lr_min = number(s, "lr_min");
    if (s.contains("lr_max")) in.boundary.lr_max = number(s, "lr_max");
    if (in.boundary.lr_min && *in.boundary.lr_min <= 0) throw InputError("field 'lr_min' must be > 0");
    if (in.boundary.lr_min && in.boundary.lr_max && *in.boundary.lr_min >= *in.boundary.lr_max) {
      throw InputError("field 'lr_min' must be below 'lr_max'");
    }
    if (in.boundary.lr_min.has_value() != in.boundary.lr_max.has_value()) {
      throw InputError("give both 'lr_min' and 'lr_max', or neither (default range)");
    }
    in.boundary.max_roots = unsigned_field(s, "max_roots", 10000, 1, 1'000'000);
  }
  if (in.quantity == "lyapnd") {
    in.lyapnd.acc = in.acc;
    in.lyapnd.method = lyapnd::parse_method(s.contains("method") ? text(s, "method") : std::string("auto"));
    in.lyapnd.time_budget_seconds = double_field(s, "time_budget", 60);
    if (!(in.lyapnd.time_budget_seconds > 0) || in.lyapnd.time_budget_seconds > 1e6) {
      throw InputError("field 'time_budget' must be in (0, 10^6] seconds");
    }
    in.lyapnd.max_word_length = static_cast<int>(unsigned_field(s, "max_length", 40, 1, 64));
  }
  if (in.quantity == "phase") {
    models::TwoLayerModel& m = in.model;
    m.k = s.contains("k") ? number(s, "k") : Rational(1);
    if (s.contains("sigma") && s.contains("snr")) throw InputError("give 'sigma' or 'snr', not both");
    if (s.contains("snr")) {
      m.sigma2 = models::sigma2_from_snr(m.k, number(s, "snr"));
    } else if (s.contains("sigma")) {
      const Rational sg = number(s, "sigma");
      if (sg < 0) throw InputError("field 'sigma' must be >= 0");
      m.sigma2 = sg * sg;
    }
    m.gamma = s.contains("gamma") ? number(s, "gamma") : Rational(0);
    m.batch = unsigned_field(s, "batch", 1, 1, 1'000'000);
    m.replace = bool_field(s, "replace", true);
    if (s.contains("data")) {
      for (const auto& pair : s["data"]) {
        m.data.emplace_back(exact::parse_rational(pair[0].get<std::string>()),
                            exact::parse_rational(pair[1].get<std::string>()));
      }
      if (m.data.empty()) throw InputError("field 'data' is empty (an empty dataset)");
    }
    models::validate(m);
    in.curvature.emplace(models::minibatch_curvature(m, max_atoms));
  }
  if (in.quantity == "estimate") {
    stats::EstimateOptions& e = in.estimate;
    e.steps = unsigned_field(s, "steps", 100'000, 16, 1ULL << 40);
    e.reps = unsigned_field(s, "reps", 32, 1, (1ULL << 32) - 1);
    e.seed = unsigned_field(s, "seed", 0, 0, UINT64_MAX);
    if (s.contains("burn_in")) e.burn_in = unsigned_field(s, "burn_in", 0, 0, 1ULL << 40);
    e.level = double_field(s, "level", 0.95);
    if (!(e.level > 0 && e.level < 1)) throw InputError("field 'level' must be in (0, 1)");
    e.threads = 1;
    stats::check_estimate_options(e, laws::increments_iid(in.matrix));  // e.g. steps x reps beyond 2^40
  }
  return in;
}

void validate_row(const Json& spec) { (void)load_inputs(spec); }

}  // namespace lyapcert::tables
