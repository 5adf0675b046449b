#include "lyapcert/oracle/verify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

#include "lyapcert/boundary/roots.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/input.hpp"
#include "lyapcert/laws/ast.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace lyapcert::oracle {

const char* to_string(Quantity q) {
  switch (q) {
    case Quantity::lyap1d: return "lyap1d";
    case Quantity::lyapnd: return "lyapnd";
    case Quantity::boundary: return "boundary";
    case Quantity::phase: return "phase";
  }
  return "?";
}

Quantity parse_quantity(std::string_view name) {
  if (name == "lyap1d") return Quantity::lyap1d;
  if (name == "lyapnd") return Quantity::lyapnd;
  if (name == "boundary") return Quantity::boundary;
  if (name == "phase") return Quantity::phase;
  throw InputError(fmt::format("unknown quantity '{}' (lyap1d, lyapnd, boundary, phase)", name));
}

int exit_status(const Summary& s) {
  if (s.inconsistent > 0) return kExitInconsistent;
  if (s.undetermined > 0) return 3;
  return 0;
}

namespace {

using exact::Round;

const std::vector<std::string> kModelColumns = {"model", "k",    "sigma", "snr",         "gamma",
                                                "batch", "replace", "data", "data_sample", "seed"};

// A non-negative integer cell (data_sample, seed), exact: InputError naming the range otherwise.
std::uint64_t integer_cell(const std::string& text, std::uint64_t lo, std::uint64_t hi) {
  const Rational v = exact::parse_rational(text);
  if (denominator(v) != 1 || v < Rational(lo) || v > Rational(hi)) {
    throw InputError(fmt::format("must be an integer in [{}, {}], got '{}'", lo, hi, text));
  }
  return numerator(v).convert_to<std::uint64_t>();
}

std::string lower_case(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Largest power of two <= x and smallest >= x, for x > 0 (exact).
Rational pow2_floor(const Rational& x) {
  Rational p = 1;
  while (p > x) p /= 2;
  while (p * 2 <= x) p *= 2;
  return p;
}
Rational pow2_ceil(const Rational& x) {
  Rational p = 1;
  while (p < x) p *= 2;
  while (p / 2 >= x) p /= 2;
  return p;
}

struct Columns {
  std::map<std::string, std::size_t> index;
  bool has(const std::string& c) const { return index.count(c) > 0; }
};

// Raw numbers of a claim before K is known.
struct RawClaim {
  ClaimKind kind = ClaimKind::value;
  bool nan = false;
  XReal value, lower, upper;
  Rational sigma;  // stderr_bar; +inf sigma is flagged by sigma_inf
  bool sigma_inf = false;
};

std::optional<XReal> number_in(const CsvRecord& rec, const Columns& cols, const std::string& col) {
  const std::string& text = rec.fields[cols.index.at(col)];
  return parse_number(text);  // InputError for bad text; the caller adds line and column
}

struct RowError {
  std::string column;
  std::string what;
};

// Parses the claim columns (value_col: "value" or "root") of one row.
RawClaim read_claim(const CsvRecord& rec, const Columns& cols, const std::string& value_col, std::string& column) {
  RawClaim c;
  const bool interval_cols = cols.has("lower");
  const auto cell = [&](const std::string& col) -> const std::string& { return rec.fields[cols.index.at(col)]; };
  const bool have_value = cols.has(value_col) && !cell(value_col).empty();
  bool have_interval = false;
  if (interval_cols) {
    const bool lo = !cell("lower").empty(), hi = !cell("upper").empty();
    if (lo != hi) {
      column = lo ? "upper" : "lower";
      throw InputError("give both lower and upper, or neither");
    }
    have_interval = lo;
  }
  const bool have_stderr = cols.has("stderr") && !cell("stderr").empty();
  if (have_interval) {
    c.kind = ClaimKind::interval;
    column = "lower";
    const auto lo = number_in(rec, cols, "lower");
    column = "upper";
    const auto hi = number_in(rec, cols, "upper");
    if (!lo || !hi) {
      c.nan = true;
      return c;
    }
    if (*hi < *lo) throw InputError("lower > upper");
    c.lower = *lo;
    c.upper = *hi;
    if (have_value) {
      column = value_col;
      if (!number_in(rec, cols, value_col)) c.nan = true;
    }
    return c;
  }
  if (!have_value) {
    column = value_col;
    throw InputError(interval_cols ? fmt::format("empty: give {} or lower,upper", value_col)
                                   : fmt::format("empty: the row states no {}", value_col));
  }
  column = value_col;
  const auto v = number_in(rec, cols, value_col);
  if (!v) {
    c.nan = true;
    return c;
  }
  c.value = *v;
  if (have_stderr) {
    column = "stderr";
    c.kind = ClaimKind::stderr_bar;
    const auto s = number_in(rec, cols, "stderr");
    if (!s) {
      c.nan = true;
      return c;
    }
    if (s->inf < 0 || (s->inf == 0 && s->q < 0)) throw InputError("a one-sigma error bar must be >= 0");
    if (s->inf > 0) c.sigma_inf = true; else c.sigma = s->q;
  } else {
    c.kind = ClaimKind::value;
  }
  return c;
}

Claim finish_claim(const RawClaim& r, const Rational& K, const Rational& rtol, const Rational& atol) {
  Claim c;
  c.kind = r.kind;
  c.nan = r.nan;
  if (r.nan) return c;
  switch (r.kind) {
    case ClaimKind::interval:
      c.range = ExactInterval{r.lower, r.upper};
      if (r.lower.is_finite() && r.upper.is_finite()) {
        c.value = XReal::finite((r.lower.q + r.upper.q) / 2);
        c.bar = (r.upper.q - r.lower.q) / 2;
      } else {
        c.value = XReal::plus_inf();  // no midpoint: miss_of measures from the interval itself
      }
      break;
    case ClaimKind::stderr_bar:
      c.value = r.value;
      if (!r.value.is_finite()) {
        c.range = ExactInterval{r.value, r.value};
      } else if (r.sigma_inf) {
        c.range = ExactInterval{XReal::minus_inf(), XReal::plus_inf()};
      } else {
        c.bar = r.sigma;
        c.range = ExactInterval{XReal::finite(r.value.q - K * r.sigma), XReal::finite(r.value.q + K * r.sigma)};
      }
      break;
    case ClaimKind::value: {
      c.value = r.value;
      if (!r.value.is_finite()) {
        c.range = ExactInterval{r.value, r.value};
        break;
      }
      const Rational t = atol + rtol * abs(r.value.q);
      if (t > 0) c.bar = t;
      c.range = ExactInterval{XReal::finite(r.value.q - t), XReal::finite(r.value.q + t)};
      break;
    }
  }
  return c;
}

bool parse_bool(const std::string& text) {
  const std::string t = lower_case(text);
  if (t == "true" || t == "1" || t == "yes") return true;
  if (t == "false" || t == "0" || t == "no") return false;
  throw InputError(fmt::format("expected true or false, got '{}'", text));
}

// x,y data of a phase row: lines "x,y" with exact numbers, an optional header "x,y", '#' comments.
std::vector<std::pair<Rational, Rational>> read_xy(const std::string& path) {
  const CsvTable t = read_csv_file(path, "data file");  // the first record is the header
  if (t.header.size() != 2 || t.header[0] != "x" || t.header[1] != "y") {
    throw InputError(fmt::format("data file '{}' needs the header x,y", path));
  }
  std::vector<std::pair<Rational, Rational>> out;
  for (const CsvRecord& r : t.rows) {
    try {
      out.emplace_back(exact::parse_rational(r.fields[0]), exact::parse_rational(r.fields[1]));
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}:{}: {}", path, r.line, e.what()));
    }
  }
  return out;
}

// The file a phase row's `data` cell names: relative to the CSV's folder, and inside it, unless
// allow_absolute says otherwise (a CSV from elsewhere must not make lyapcert read /etc/passwd or ../secret).
std::string resolve_data_path(const std::string& cell, const std::string& base_dir, bool allow_absolute) {
  namespace fs = std::filesystem;
  const fs::path given(cell);
  const fs::path base = base_dir.empty() ? fs::path(".") : fs::path(base_dir);
  if (given.is_absolute()) {
    if (!allow_absolute) {
      throw InputError(fmt::format("data path '{}' is absolute: give a path relative to the CSV's folder, or "
                                   "pass --allow-absolute-data",
                                   printable(cell)));
    }
    return given.string();
  }
  const fs::path joined = base / given;
  if (allow_absolute) return joined.string();
  const fs::path rel = given.lexically_normal();
  if (!rel.empty() && *rel.begin() == "..") {
    throw InputError(fmt::format("data path '{}' leaves the CSV's folder: give a path inside it, or pass "
                                 "--allow-absolute-data",
                                 printable(cell)));
  }
  // The same through symbolic links: the resolved file must still lie under the resolved folder.
  std::error_code ec1, ec2;
  const fs::path real_base = fs::weakly_canonical(base, ec1), real = fs::weakly_canonical(joined, ec2);
  if (!ec1 && !ec2) {
    const fs::path inside = real.lexically_relative(real_base);
    if (inside.empty() || *inside.begin() == "..") {
      throw InputError(fmt::format("data path '{}' leads out of the CSV's folder (through a symbolic link): pass "
                                   "--allow-absolute-data to read it",
                                   printable(cell)));
    }
  }
  return joined.string();
}

}  // namespace

std::string to_string(const PhaseClaim& c) { return c.either_ia_ib ? "I" : models::to_string(c.phase); }

PhaseClaim parse_phase_claim(std::string_view text) {
  // Arabic numerals as Roman ones, then the labels of models::to_string compared case-insensitively.
  static const std::pair<const char*, const char*> kNumerals[] = {
      {"1a", "ia"}, {"1b", "ib"}, {"1", "i"}, {"2", "ii"}, {"3", "iii"}, {"4", "iv"}};
  std::string t = lower_case(std::string(text));
  for (const auto& [arabic, roman] : kNumerals) {
    if (t == arabic) t = roman;
  }
  if (t == "i") return PhaseClaim{models::Phase::Ia, true};
  for (models::Phase p : models::kTwoLayerPhases) {
    if (t == lower_case(models::to_string(p))) return PhaseClaim{p, false};
  }
  throw InputError(fmt::format("unknown phase label '{}' (Ia, Ib, I, II, III, IV)", text));
}

std::string to_string(const EnclosureSign& s) {
  if (const auto* d = std::get_if<boundary::Direction>(&s)) return boundary::to_string(*d);
  return exact::to_string(std::get<exact::Sign>(s));
}

std::optional<EnclosureSign> parse_enclosure_sign(std::string_view text) {
  if (const auto s = exact::parse_sign(text)) return EnclosureSign(*s);
  if (const auto d = boundary::parse_direction(text)) return EnclosureSign(*d);
  return std::nullopt;
}

Plan make_plan(const CsvTable& table, const VerifyOptions& options, const std::string& base_dir) {
  lyap::check_accuracy(options.acc);
  if (options.rtol < 0 || options.atol < 0) throw InputError("--rtol and --atol must be >= 0");
  if (options.sigmas && *options.sigmas <= 0) throw InputError("--sigmas must be > 0");
  Plan plan;
  Columns cols;
  for (std::size_t i = 0; i < table.header.size(); ++i) cols.index[table.header[i]] = i;
  const std::string& name = table.name;
  const auto header_error = [&](const std::string& what) {
    return InputError(fmt::format("{}:{}: {}", name, table.header_line, what));
  };
  if (options.quantity) {
    plan.quantity = *options.quantity;
  } else {
    plan.quantity_inferred = true;
    if (cols.has("phase")) plan.quantity = Quantity::phase;
    else if (cols.has("root")) plan.quantity = Quantity::boundary;
    else if (cols.has("law") && cols.has("lr")) plan.quantity = Quantity::lyap1d;
    else if (cols.has("law")) plan.quantity = Quantity::lyapnd;
    else throw header_error("cannot tell the quantity from the header (expected columns law,lr,value for lyap1d, "
                            "law,value for lyapnd, law,root for boundary, lr,phase for phase); give --quantity");
  }
  const Quantity q = plan.quantity;
  std::vector<std::string> required, optional;
  std::string value_col = q == Quantity::boundary ? "root" : "value";
  switch (q) {
    case Quantity::lyap1d: required = {"law", "lr"}; optional = {"value", "stderr", "lower", "upper"}; break;
    case Quantity::lyapnd: required = {"law"}; optional = {"value", "stderr", "lower", "upper"}; break;
    case Quantity::boundary:
      required = {"law"};
      optional = {"root", "stderr", "lower", "upper", "lr_min", "lr_max"};
      break;
    case Quantity::phase:
      required = {"lr", "phase"};
      optional = kModelColumns;
      break;
  }
  for (const auto& c : required) {
    if (!cols.has(c)) {
      throw header_error(fmt::format("--quantity {} needs a column '{}' (the header names: {})", to_string(q), c,
                                     fmt::join(table.header, ", ")));
    }
  }
  if (q != Quantity::phase) {
    if (cols.has("lower") != cols.has("upper")) throw header_error("columns lower and upper go together");
    if (cols.has("stderr") && cols.has("lower")) {
      throw header_error("give an error bar (stderr) or an interval (lower,upper), not both");
    }
    if (!cols.has(value_col) && !cols.has("lower")) {
      throw header_error(fmt::format("--quantity {} needs a column '{}' (or lower,upper)", to_string(q), value_col));
    }
    if (cols.has("stderr") && !cols.has(value_col)) throw header_error(fmt::format("stderr needs a column '{}'", value_col));
    if (q == Quantity::boundary && (cols.has("lr_min") != cols.has("lr_max"))) {
      throw header_error("columns lr_min and lr_max go together");
    }
  }
  std::set<std::string> known(required.begin(), required.end());
  known.insert(optional.begin(), optional.end());
  for (const auto& c : table.header) {
    // Column names and cells are echoed in the output (JSON needs valid UTF-8): printable() escapes raw bytes.
    if (known.count(c)) plan.used_columns.push_back(c); else plan.ignored_columns.push_back(printable(c));
  }

  std::vector<RawClaim> raw(table.rows.size());
  std::map<std::string, std::size_t> model_groups;
  std::map<std::string, std::vector<std::pair<Rational, Rational>>> data_cache;
  laws::BuildOptions bo;
  bo.max_atoms = options.max_atoms;
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const CsvRecord& rec = table.rows[i];
    Row row;
    row.line = rec.line;
    for (const auto& c : plan.used_columns) row.inputs.emplace_back(c, printable(rec.fields[cols.index.at(c)]));
    std::string column;
    const auto cell = [&](const std::string& c) -> const std::string& { return rec.fields[cols.index.at(c)]; };
    try {
      if (q != Quantity::phase) {
        column = "law";
        const std::string& text = cell("law");
        if (text.empty()) throw InputError("empty law");
        laws::ParseLimits limits;
        limits.max_atoms = options.max_atoms;  // counted while parsing
        const laws::Value expr = laws::parse(text, limits);
        row.law = laws::canonical(expr);
        if (q == Quantity::lyapnd) {
          if (!plan.matrix_laws.count(row.law)) {
            plan.matrix_laws[row.law] = std::make_shared<const laws::MatrixLaw>(laws::build_matrix_law(expr));
          }
        } else if (!plan.curvature_laws.count(row.law)) {
          plan.curvature_laws[row.law] = std::make_shared<const laws::CurvatureLaw>(laws::build_curvature_law(expr, bo));
        }
        raw[i] = read_claim(rec, cols, value_col, column);
        if (raw[i].kind == ClaimKind::stderr_bar && !raw[i].nan) ++plan.stderr_rows;
      }
      if (q == Quantity::lyap1d || q == Quantity::phase) {
        column = "lr";
        row.lr = exact::parse_rational(cell("lr"));
        if (row.lr <= 0) throw InputError(fmt::format("the learning rate must be > 0, got {}", cell("lr")));
      }
      if (q == Quantity::boundary) {
        if (!raw[i].nan) {
          const RawClaim& r = raw[i];
          const XReal& top = r.kind == ClaimKind::interval ? r.upper : r.value;
          column = r.kind == ClaimKind::interval ? "upper" : "root";
          if (!(XReal::finite(0) < top)) throw InputError("a boundary is a learning rate > 0");
        }
        BoundaryGroup g;
        g.law = row.law;
        std::string key = row.law;
        if (cols.has("lr_min") && !(cell("lr_min").empty() && cell("lr_max").empty())) {
          column = "lr_min";
          g.lr_min = exact::parse_rational(cell("lr_min"));
          column = "lr_max";
          g.lr_max = exact::parse_rational(cell("lr_max"));
          if (!(g.lr_min > 0 && g.lr_min < g.lr_max)) throw InputError("needs 0 < lr_min < lr_max");
          g.range_given = true;
          key += "\n" + exact::to_text(g.lr_min) + "\n" + exact::to_text(g.lr_max);
        }
        auto it = std::find_if(plan.boundary_groups.begin(), plan.boundary_groups.end(), [&](const BoundaryGroup& b) {
          return b.law == g.law && b.range_given == g.range_given && (!g.range_given || (b.lr_min == g.lr_min && b.lr_max == g.lr_max));
        });
        if (it == plan.boundary_groups.end()) {
          plan.boundary_groups.push_back(g);
          row.group = plan.boundary_groups.size() - 1;
        } else {
          row.group = static_cast<std::size_t>(it - plan.boundary_groups.begin());
        }
      }
      if (q == Quantity::phase) {
        PhaseInputs p;
        models::TwoLayerModel& m = p.model;
        const auto opt_cell = [&](const std::string& c) -> std::string { return cols.has(c) ? cell(c) : std::string(); };
        column = "model";
        if (!opt_cell("model").empty() && opt_cell("model") != "twolayer") {
          throw InputError(fmt::format("unknown model '{}' (twolayer)", opt_cell("model")));
        }
        column = "k";
        if (!opt_cell("k").empty()) m.k = exact::parse_rational(opt_cell("k"));
        column = "sigma";
        if (!opt_cell("sigma").empty() && !opt_cell("snr").empty()) throw InputError("give sigma or snr, not both");
        if (!opt_cell("sigma").empty()) {
          const Rational s = exact::parse_rational(opt_cell("sigma"));
          if (s < 0) throw InputError("sigma must be >= 0");
          m.sigma2 = s * s;
        }
        column = "snr";
        if (!opt_cell("snr").empty()) m.sigma2 = models::sigma2_from_snr(m.k, exact::parse_rational(opt_cell("snr")));
        column = "gamma";
        if (!opt_cell("gamma").empty()) m.gamma = exact::parse_rational(opt_cell("gamma"));
        column = "batch";
        if (!opt_cell("batch").empty()) {
          const Rational b = exact::parse_rational(opt_cell("batch"));
          if (denominator(b) != 1 || b < 1 || b > 1000000) throw InputError("batch must be an integer in [1, 10^6]");
          m.batch = numerator(b).convert_to<std::uint64_t>();
        }
        column = "replace";
        if (!opt_cell("replace").empty()) m.replace = parse_bool(opt_cell("replace"));
        column = "data";
        std::string data_path = opt_cell("data");
        if (!data_path.empty()) {
          data_path = resolve_data_path(data_path, base_dir, options.allow_absolute_data);
          if (!data_cache.count(data_path)) data_cache[data_path] = read_xy(data_path);
          m.data = data_cache[data_path];
        }
        column = "data_sample";
        std::string sample_key;
        if (!opt_cell("data_sample").empty()) {
          if (!data_path.empty()) throw InputError("give data or data_sample, not both");
          const std::uint64_t n = integer_cell(opt_cell("data_sample"), 1, 100'000'000);
          column = "seed";
          const std::uint64_t seed = opt_cell("seed").empty() ? 1 : integer_cell(opt_cell("seed"), 0, UINT64_MAX);
          column = "data_sample";
          if (!options.sample_data) throw InputError("data_sample is not accepted here (no dataset sampler given)");
          sample_key = fmt::format("{}@{}", n, seed);
          const std::string cache_key = fmt::format("sample:{}|{}|{}", sample_key, exact::to_text(m.k),
                                                    exact::to_text(m.sigma2));
          if (!data_cache.count(cache_key)) data_cache[cache_key] = options.sample_data(n, seed, m.k, m.sigma2);
          m.data = data_cache[cache_key];
        } else if (!opt_cell("seed").empty()) {
          column = "seed";
          (void)integer_cell(opt_cell("seed"), 0, UINT64_MAX);  // validated; used only with data_sample (as phase --seed)
        }
        column = "model";
        models::validate(m);
        column = "phase";
        p.claimed = parse_phase_claim(cell("phase"));
        const std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}", exact::to_text(m.k), exact::to_text(m.sigma2),
                                            exact::to_text(m.gamma), m.batch, m.replace, data_path, sample_key);
        auto it = model_groups.find(key);
        if (it == model_groups.end()) {
          column = "model";
          plan.phase_laws.push_back(
              std::make_shared<const laws::CurvatureLaw>(models::minibatch_curvature(m, options.max_atoms)));
          it = model_groups.emplace(key, plan.phase_laws.size() - 1).first;
        }
        row.group = it->second;
        row.phase = std::move(p);
      }
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}:{}: column '{}': {}", name, rec.line, column, e.what()));
    }
    plan.rows.push_back(std::move(row));
  }

  if (options.sigmas) {
    plan.sigmas = *options.sigmas;
  } else {
    plan.sigmas_auto = true;
    plan.sigmas = bonferroni_sigmas(options.alpha, std::max<std::size_t>(plan.stderr_rows, 1));
  }
  if (q != Quantity::phase) {
    for (std::size_t i = 0; i < plan.rows.size(); ++i) {
      plan.rows[i].claim = finish_claim(raw[i], plan.sigmas, options.rtol, options.atol);
    }
  }
  // Boundary search ranges: the given one, or the default range of the law widened to powers of two that
  // cover every claim of the group (an unbounded claim: 1024 times beyond its value).
  if (q == Quantity::boundary) {
    for (std::size_t gi = 0; gi < plan.boundary_groups.size(); ++gi) {
      BoundaryGroup& g = plan.boundary_groups[gi];
      if (g.range_given) continue;
      const laws::CurvatureLaw& law = *plan.curvature_laws.at(g.law);
      std::optional<Rational> lo, hi;
      if (law.second_moment() > 0) {
        auto [a, b] = boundary::default_range(law);
        lo = a;
        hi = b;
      }
      for (const Row& row : plan.rows) {
        if (row.group != gi || row.claim.nan) continue;
        const ExactInterval& c = row.claim.range;
        const Rational anchor = c.upper.is_finite() ? c.upper.q : (c.lower.is_finite() ? c.lower.q : Rational(1));
        const Rational l = (c.lower.is_finite() && c.lower.q > 0) ? c.lower.q : anchor / 1024;
        const Rational h = c.upper.is_finite() ? c.upper.q : anchor * 1024;
        if (l <= 0) continue;
        lo = lo ? std::min(*lo, pow2_floor(l)) : pow2_floor(l);
        hi = hi ? std::max(*hi, pow2_ceil(h)) : pow2_ceil(h);
      }
      if (!lo) {
        lo = Rational(1, 1024);
        hi = Rational(1024);
      }
      if (*lo >= *hi) *hi = *lo * 2;
      g.lr_min = *lo;
      g.lr_max = *hi;
    }
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------------------

struct Verifier::Cache {
  std::map<std::size_t, boundary::BoundaryResult> searches;
  std::map<std::size_t, std::string> search_errors;
  std::map<std::string, lyapnd::Result> nd;
  std::map<std::string, std::string> nd_errors;
};

Verifier::Verifier(const Plan& plan, const VerifyOptions& options)
    : plan_(plan), options_(options), cache_(std::make_unique<Cache>()) {}
Verifier::~Verifier() = default;

namespace {

PrintedEnclosure printed(const lyap::CertifiedValue& v, int digits, bool converged, bool upper_only = false) {
  const lyap::DecimalEnclosure d = lyap::to_decimal(v, digits);
  PrintedEnclosure p;
  p.lower = upper_only ? "-inf" : d.lower;
  p.upper = d.upper;
  p.sign = v.sign;
  const auto rd = [](const std::string& s) { return s == "-inf" ? XReal::minus_inf() : XReal::finite(exact::decimal_value(s)); };
  p.interval = ExactInterval{rd(p.lower), rd(p.upper)};
  p.converged = converged && d.meets_request && !upper_only;
  return p;
}

std::string interval_text(const ExactInterval& i) {
  return fmt::format("[{}, {}]", decimal(i.lower, 6, Round::down), decimal(i.upper, 6, Round::up));
}

std::string claim_text(const Claim& c, const Rational& K) {
  switch (c.kind) {
    case ClaimKind::stderr_bar:
      if (!c.bar) return fmt::format("{}", decimal(c.value, 17, Round::down));
      return fmt::format("{} +- {} x {}", decimal(c.value, 17, Round::down), decimal(K, 6, Round::up),
                         decimal(*c.bar, 6, Round::up));
    case ClaimKind::interval: return interval_text(c.range);
    case ClaimKind::value:
      if (c.bar) return fmt::format("{} +- {}", decimal(c.value, 17, Round::down), decimal(*c.bar, 6, Round::up));
      return decimal(c.value, 17, Round::down);
  }
  return "";
}

void describe(RowResult& r, const Claim& claim, const Plan& plan, const std::string& what) {
  const PrintedEnclosure& e = *r.certified;
  switch (r.verdict) {
    case Verdict::consistent:
      r.reason = contains(claim.range, e.interval)
                     ? fmt::format("the claimed range contains the certified {}", what)
                     : fmt::format("the claimed range meets the certified {}", what);
      break;
    case Verdict::undetermined:
      r.reason = fmt::format(
          "the claimed range overlaps the certified {} only partly and the certification did not reach the requested "
          "digits",
          what);
      break;
    case Verdict::inconsistent: {
      if (claim.nan) {
        r.reason = "the claim contains NaN";
        break;
      }
      const Miss m = miss_of(claim, e.interval);
      r.miss = m;
      std::string size;
      if (m.infinite) {
        size = "an infinite distance";
      } else if (m.distance) {
        size = fmt::format("at least {}", decimal(*m.distance, 3, Round::down));
        if (m.error_bars) {
          const char* unit = claim.kind == ClaimKind::stderr_bar ? "sigma"
                             : claim.kind == ClaimKind::interval ? "half-widths"
                                                                 : "tolerances";
          size += fmt::format(" = {} {}", decimal(*m.error_bars, 3, Round::down), unit);
          if (claim.kind == ClaimKind::stderr_bar) {
            size += fmt::format(" (allowed: {} sigma)", decimal(plan.sigmas, 6, Round::up));
          }
        }
      }
      r.reason = fmt::format("the certified {} [{}, {}] misses the claim {} by {}", what, e.lower, e.upper,
                             claim_text(claim, plan.sigmas), size);
      break;
    }
  }
}

}  // namespace

RowResult Verifier::check(std::size_t index) {
  const Row& row = plan_.rows.at(index);
  const int digits = options_.acc.digits;
  RowResult r;
  switch (plan_.quantity) {
    case Quantity::lyap1d: {
      const laws::CurvatureLaw& law = *plan_.curvature_laws.at(row.law);
      lyap::CertifiedResult c;
      try {
        c = lyap::certify_lyap1d(law, row.lr, options_.acc);
      } catch (const InputError& e) {
        r.verdict = Verdict::undetermined;
        r.reason = fmt::format("lyapcert cannot certify this row: {}", e.what());
        return r;
      }
      r.method = c.method;
      r.certified = printed(c.value, digits, c.converged);
      r.verdict = classify(row.claim, r.certified->interval, r.certified->converged);
      describe(r, row.claim, plan_, "enclosure");
      if (r.verdict == Verdict::undetermined && !c.message.empty()) r.reason += ": " + c.message;
      return r;
    }
    case Quantity::lyapnd: {
      if (!cache_->nd.count(row.law) && !cache_->nd_errors.count(row.law)) {
        lyapnd::Options opt;
        opt.acc = options_.acc;
        opt.time_budget_seconds = options_.time_budget;
        try {
          cache_->nd.emplace(row.law, lyapnd::certify_lyapnd(*plan_.matrix_laws.at(row.law), opt));
        } catch (const InputError& e) {
          cache_->nd_errors[row.law] = e.what();
        }
      }
      if (cache_->nd_errors.count(row.law)) {
        r.verdict = Verdict::undetermined;
        r.reason = fmt::format("lyapcert cannot certify this law: {}", cache_->nd_errors.at(row.law));
        return r;
      }
      const lyapnd::Result& c = cache_->nd.at(row.law);
      r.method = c.top.method;
      r.certified = printed(c.top.value, digits, c.top.converged, c.upper_bound_only);
      r.verdict = classify(row.claim, r.certified->interval, r.certified->converged);
      describe(r, row.claim, plan_, c.upper_bound_only ? "upper bound" : "enclosure");
      if (r.verdict == Verdict::undetermined && !c.top.message.empty()) r.reason += ": " + c.top.message;
      return r;
    }
    case Quantity::boundary: {
      const BoundaryGroup& g = plan_.boundary_groups.at(row.group);
      if (!cache_->searches.count(row.group) && !cache_->search_errors.count(row.group)) {
        boundary::BoundaryOptions bo;
        bo.lr_min = g.lr_min;
        bo.lr_max = g.lr_max;
        bo.digits = digits;
        bo.max_bits = std::min<long>(options_.acc.max_bits, 16384);
        try {
          cache_->searches.emplace(row.group, boundary::find_boundaries(*plan_.curvature_laws.at(g.law), bo));
        } catch (const InputError& e) {
          cache_->search_errors[row.group] = e.what();
        }
      }
      if (cache_->search_errors.count(row.group)) {
        r.verdict = Verdict::undetermined;
        r.reason = fmt::format("lyapcert cannot search boundaries of this law: {}", cache_->search_errors.at(row.group));
        return r;
      }
      const boundary::BoundaryResult& s = cache_->searches.at(row.group);
      r.method = "boundary-search";
      // Every certified zero as a printed interval (exact decimals read back), with its direction.
      std::vector<PrintedEnclosure> zeros;
      const int sig = digits + 5;
      for (const auto& root : s.roots) {
        const auto d = boundary::to_decimal(root.lower, root.upper, sig, boundary::requested_width(digits, root.lower));
        PrintedEnclosure p;
        p.lower = d.lower;
        p.upper = d.upper;
        p.sign = root.direction;
        p.interval = ExactInterval{XReal::finite(exact::decimal_value(d.lower)), XReal::finite(exact::decimal_value(d.upper))};
        p.converged = root.width_met;
        zeros.push_back(p);
      }
      for (const auto& sl : s.slivers) {
        for (int side = 0; side < 2; ++side) {
          const auto& off = side == 0 ? sl.left_offset : sl.right_offset;
          if (!off) continue;
          const auto d = boundary::to_decimal(*off, sig);
          const Rational lo = sl.singular_point + exact::decimal_value(d.lower);
          const Rational hi = sl.singular_point + exact::decimal_value(d.upper);
          PrintedEnclosure p;
          p.lower = exact::to_text(lo);
          p.upper = exact::to_text(hi);
          p.sign = side == 0 ? boundary::Direction::pos_to_neg : boundary::Direction::neg_to_pos;
          p.interval = ExactInterval{XReal::finite(lo), XReal::finite(hi)};
          p.converged = sl.width_met;
          zeros.push_back(p);
        }
      }
      const Claim& claim = row.claim;
      if (claim.nan) {
        r.verdict = Verdict::inconsistent;
        r.reason = "the claim contains NaN";
        return r;
      }
      // A zero the claim meets decides the row.
      std::optional<std::size_t> met;
      for (std::size_t i = 0; i < zeros.size(); ++i) {
        if (!meets(claim.range, zeros[i].interval)) continue;
        const Verdict v = classify(claim, zeros[i].interval, zeros[i].converged);
        if (!met || v == Verdict::consistent) met = i;
        if (v == Verdict::consistent) break;
      }
      const auto nearest = [&]() -> std::optional<std::size_t> {
        std::optional<std::size_t> best;
        std::optional<Rational> best_d;
        for (std::size_t i = 0; i < zeros.size(); ++i) {
          const auto d = distance(ExactInterval{claim.value, claim.value}, zeros[i].interval);
          if (d && (!best_d || *d < *best_d)) {
            best = i;
            best_d = d;
          }
        }
        return best;
      };
      if (met) {
        r.certified = zeros[*met];
        r.verdict = classify(claim, zeros[*met].interval, zeros[*met].converged);
        describe(r, claim, plan_, "zero of Lambda");
        return r;
      }
      // No certified zero meets the claim: inconsistent only when the search covered the claim completely.
      const ExactInterval searched{XReal::finite(s.lr_min), XReal::finite(s.lr_max)};
      const bool beyond = (claim.range.lower < searched.lower && XReal::finite(0) < searched.lower &&
                           XReal::finite(0) < claim.range.upper) ||
                          searched.upper < claim.range.upper;
      bool unresolved = false;
      for (const auto& c : s.unresolved) {
        if (meets(claim.range, ExactInterval{XReal::finite(c.lower), XReal::finite(c.upper)})) unresolved = true;
      }
      if (const auto n = nearest()) r.certified = zeros[*n];
      if (beyond || unresolved) {
        r.verdict = Verdict::undetermined;
        r.reason = unresolved ? "no certified zero meets the claimed range, but the search left part of it unresolved"
                              : fmt::format("no certified zero meets the claimed range, which extends beyond the "
                                            "searched range [{}, {}]",
                                            exact::to_text(s.lr_min), exact::to_text(s.lr_max));
        return r;
      }
      r.verdict = Verdict::inconsistent;
      if (r.certified) {
        describe(r, claim, plan_, "zero of Lambda");
        r.reason = "Lambda has no sign change in the claimed range; the nearest " + r.reason.substr(4);
      } else {
        r.reason = fmt::format("Lambda has no sign change in [{}, {}] (search complete)", exact::to_text(s.lr_min),
                               exact::to_text(s.lr_max));
      }
      for (const auto& sp : s.singular_points) {
        if (meets(claim.range, ExactInterval{XReal::finite(sp), XReal::finite(sp)})) {
          r.reason += fmt::format("; the claimed range contains the singular point {} where Lambda = -inf, which is "
                                  "not a sign change",
                                  exact::to_text(sp));
          break;
        }
      }
      return r;
    }
    case Quantity::phase: {
      const PhaseInputs& p = *row.phase;
      const laws::CurvatureLaw& h = *plan_.phase_laws.at(row.group);
      models::PhaseResult c;
      try {
        c = models::phase_at(p.model, h, row.lr, options_.acc);
      } catch (const InputError& e) {
        r.verdict = Verdict::undetermined;
        r.reason = fmt::format("lyapcert cannot certify this row: {}", e.what());
        return r;
      }
      r.method = c.lambda_plus.method;
      r.lambda_plus = printed(c.lambda_plus.value, digits, c.lambda_plus.converged);
      r.lambda_minus = printed(c.lambda_minus.value, digits, c.lambda_minus.converged);
      r.certified_phase = c.phase;
      r.candidates = c.candidates;
      std::size_t inside = 0;
      for (const models::Phase cand : r.candidates) inside += p.claimed.admits(cand) ? 1 : 0;
      const std::string signs = fmt::format("Lambda_+ {} in [{}, {}], Lambda_- {} in [{}, {}], wrong direction {}L2-stable",
                                            to_string(r.lambda_plus->sign), r.lambda_plus->lower, r.lambda_plus->upper,
                                            to_string(r.lambda_minus->sign), r.lambda_minus->lower, r.lambda_minus->upper,
                                            c.l2_wrong_direction_stable ? "" : "not ");
      const std::string phase_text = models::to_string(c.phase);
      const std::vector<std::string> candidate_texts = models::to_strings(r.candidates);
      if (inside == r.candidates.size()) {
        r.verdict = Verdict::consistent;
        r.reason = fmt::format("certified phase {}: {}", phase_text, signs);
      } else if (inside == 0) {
        r.verdict = Verdict::inconsistent;
        r.reason = fmt::format("claimed {}, certified {}: {}", to_string(p.claimed),
                               r.candidates.size() == 1 ? phase_text : "one of " + fmt::format("{}", fmt::join(candidate_texts, ", ")),
                               signs);
      } else {
        r.verdict = Verdict::undetermined;
        r.reason = fmt::format("a sign is undetermined, the phase is one of {}: {}", fmt::join(candidate_texts, ", "), signs);
      }
      return r;
    }
  }
  return r;
}

}  // namespace lyapcert::oracle
