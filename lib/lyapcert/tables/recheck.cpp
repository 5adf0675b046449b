#include "lyapcert/tables/recheck.hpp"

#include <fmt/format.h>
#include <flint/flint.h>

#include <atomic>
#include <cstdlib>
#include <exception>
#include <optional>
#include <type_traits>
#include <variant>
#include <vector>

#include "lyapcert/core/distribute.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/input.hpp"
#include "lyapcert/boundary/roots.hpp"
#include "lyapcert/exact/sign.hpp"
#include "lyapcert/models/phase.hpp"
#include "lyapcert/tables/exact_text.hpp"
#include "lyapcert/tables/mpfi_eval.hpp"
#include "lyapcert/tables/internal/row_inputs.hpp"
#include "lyapcert/tables/second_path.hpp"
#include "lyapcert/tables/spec.hpp"
#include "lyapcert/version.hpp"

namespace lyapcert::tables {
namespace {

using exact::Rational;

// An endpoint: -inf or an exact rational.
struct End {
  bool minus_inf = false;
  Rational v;
};
End end_of(const Json& x) {
  const std::string t = x.get<std::string>();
  if (t == "-inf") return End{true, 0};
  return End{false, parse_exact(t)};
}
bool le(const End& a, const End& b) {  // a <= b
  if (a.minus_inf) return true;
  if (b.minus_inf) return false;
  return a.v <= b.v;
}

struct Checks {
  Json list = Json::array();
  bool ok = true;
  void add(const std::string& name, bool pass, const std::string& detail) {
    list.push_back(Json{{"check", name}, {"ok", pass}, {"detail", detail}});
    ok = ok && pass;
  }
};

// printed-decimals for one entry; returns "" when fine, else the problem.
std::string check_decimals(const Json& e) {
  const std::string g = e.at("guarantee").get<std::string>();
  if (g == "statistical" && e.at("lower_exact").is_null()) return "";
  const End lo = end_of(e.at("lower_exact")), hi = end_of(e.at("upper_exact"));
  if (!le(lo, hi)) return "lower_exact > upper_exact";
  for (const auto& [dk, xk, dir] : {std::tuple{"lower", "lower_exact", exact::Round::down},
                                    std::tuple{"upper", "upper_exact", exact::Round::up}}) {
    const std::string d = e.at(dk).get<std::string>();
    const End x = end_of(e.at(xk));
    if (x.minus_inf || d == "-inf") {
      if (!(x.minus_inf && d == "-inf")) return fmt::format("'{}' is {} but '{}' is {}", dk, d, xk, e.at(xk).get<std::string>());
      continue;
    }
    if (!faithful_outward(d, x.v, dir)) {
      return fmt::format("'{}' = {} is not the outward rounding of '{}' = {} (altered digits?)", dk, d, xk,
                         e.at(xk).get<std::string>());
    }
  }
  if (g == "statistical") {
    if (e.contains("estimate_exact") && !e["estimate_exact"].is_null()) {
      const Rational est = parse_exact(e["estimate_exact"].get<std::string>());
      if (std::strtod(e.at("estimate").get<std::string>().c_str(), nullptr) != est.convert_to<double>()) {
        return "'estimate' does not match 'estimate_exact'";
      }
    }
    return "";
  }
  const std::string s = e.at("sign").get<std::string>();
  const std::optional<exact::Sign> sign = exact::parse_sign(s);  // other text claims nothing to check here
  const bool neg = hi.minus_inf || (!hi.minus_inf && hi.v < 0);
  const bool pos = !lo.minus_inf && lo.v > 0;
  const bool zero = !lo.minus_inf && !hi.minus_inf && lo.v == 0 && hi.v == 0;
  if ((sign == exact::Sign::negative && !neg) || (sign == exact::Sign::positive && !pos) ||
      (sign == exact::Sign::zero && !zero)) {
    return fmt::format("sign '{}' is not supported by the exact endpoints", s);
  }
  if (g == "exact" && !(lo.minus_inf == hi.minus_inf && (lo.minus_inf || lo.v == hi.v))) {
    return "an exact entry with different endpoints";
  }
  return "";
}

// The atom values h_j of the finite components of a curvature law (through affine maps and mixtures), exact.
void atom_values(const laws::CurvatureLaw& law, const Rational& scale, const Rational& shift, std::vector<Rational>& out) {
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, laws::FiniteLaw>) {
          for (std::size_t j = 0; j < n.size(); ++j) out.push_back(scale * n.value(j) + shift);
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          atom_values(*n.inner, scale * n.scale, scale * n.shift + shift, out);
        } else if constexpr (std::is_same_v<T, laws::MixtureLaw>) {
          for (const auto& [part, w] : n.parts) atom_values(*part, scale, shift, out);
        }
      },
      law.node());
}

bool intersects(const Json& a, const Json& b) {
  const End alo = end_of(a.at("lower_exact")), ahi = end_of(a.at("upper_exact"));
  const End blo = end_of(b.at("lower_exact")), bhi = end_of(b.at("upper_exact"));
  // max(alo, blo) <= min(ahi, bhi)
  const End& lo = le(alo, blo) ? blo : alo;
  const End& hi = le(ahi, bhi) ? ahi : bhi;
  return le(lo, hi);
}

// What the signs of Lambda at the exact ends of a root enclosure say about the table's direction of the sign change
// there (intermediate value theorem: Lambda is continuous on an enclosure free of singular points).
enum class SignChange { confirmed, contradicted, undecided };
SignChange sign_change(boundary::Direction direction, exact::Sign at_lower, exact::Sign at_upper) {
  const bool up = direction == boundary::Direction::neg_to_pos;
  const exact::Sign before = up ? exact::Sign::negative : exact::Sign::positive;
  const exact::Sign after = up ? exact::Sign::positive : exact::Sign::negative;
  if (at_lower == before && at_upper == after) return SignChange::confirmed;
  // A sign that cannot be decided at an end (Lambda within its enclosure of 0) is not a contradiction.
  if (at_lower == after || at_upper == before) return SignChange::contradicted;
  return SignChange::undecided;
}

// The direction of a root entry (InputError for text that names none).
boundary::Direction entry_direction(const Json& e) {
  const std::string text = e.at("direction").get<std::string>();
  const auto d = boundary::parse_direction(text);
  if (!d) throw InputError(fmt::format("{}: unknown direction '{}' (neg-to-pos, pos-to-neg)", e.at("name").get<std::string>(), text));
  return *d;
}

std::string interval_text(const Json& e) {
  return fmt::format("[{}, {}]", e.at("lower").is_null() ? "null" : e.at("lower").get<std::string>(),
                     e.at("upper").is_null() ? "null" : e.at("upper").get<std::string>());
}

// The structure recheck_row relies on (docs/schema/table.schema.json): throws naming the first field that is
// missing, of the wrong type or not a number in lyapcert's syntax, and validates the row's inputs as a spec row.
void check_row_shape(const Json& row) {
  const auto need = [](const Json& obj, const char* key, Json::value_t type, const char* type_name) -> const Json& {
    if (!obj.contains(key)) throw InputError(fmt::format("key '{}' not found", key));
    const Json& v = obj[key];
    const bool ok = type == Json::value_t::number_unsigned ? v.is_number_unsigned() : v.type() == type;
    if (!ok) throw InputError(fmt::format("'{}' must be {}, got {}", key, type_name, v.type_name()));
    return v;
  };
  if (!row.is_object()) throw InputError(fmt::format("a row must be an object, got {}", row.type_name()));
  need(row, "index", Json::value_t::number_unsigned, "a non-negative integer");
  need(row, "id", Json::value_t::string, "a string");
  const std::string q = need(row, "quantity", Json::value_t::string, "a string").get<std::string>();
  const Json& inputs = need(row, "inputs", Json::value_t::object, "an object");
  for (const auto& [k, v] : inputs.items()) {
    if (!v.is_string() && !(k == "data" && v.is_array())) {
      throw InputError(fmt::format("inputs.{} must be a string, got {}", k, v.type_name()));
    }
    if (k == "digits" && !v.get<std::string>().empty() &&
        v.get<std::string>().find_first_not_of("0123456789") != std::string::npos) {
      throw InputError(fmt::format("inputs.digits must be an integer, got '{}'", v.get<std::string>()));
    }
  }
  for (const char* k : {"key", "method", "backend"}) {
    if (row.contains(k) && !row[k].is_string()) throw InputError(fmt::format("'{}' must be a string", k));
  }
  Json spec = inputs;
  spec["quantity"] = q;
  validate_row(spec);  // the same checks as a spec row: known quantity, fields, numbers, law
  const Json& entries = need(row, "entries", Json::value_t::array, "an array");
  for (std::size_t j = 0; j < entries.size(); ++j) {
    const Json& e = entries[j];
    try {
      if (!e.is_object()) throw InputError(fmt::format("must be an object, got {}", e.type_name()));
      need(e, "name", Json::value_t::string, "a string");
      const std::string g = need(e, "guarantee", Json::value_t::string, "a string").get<std::string>();
      if (g != "exact" && g != "enclosure" && g != "upper-bound" && g != "statistical") {
        throw InputError(fmt::format("unknown guarantee '{}'", g));
      }
      need(e, "sign", Json::value_t::string, "a string");
      for (const char* k : {"lower", "upper", "lower_exact", "upper_exact"}) {
        if (!e.contains(k)) throw InputError(fmt::format("key '{}' not found", k));
        if (e[k].is_null()) {
          if (g != "statistical") throw InputError(fmt::format("'{}' is null", k));
          continue;
        }
        if (!e[k].is_string()) throw InputError(fmt::format("'{}' must be a string, got {}", k, e[k].type_name()));
        const std::string t = e[k].get<std::string>();
        if (t == "-inf") continue;
        if (std::string_view(k).size() > 6) {  // *_exact: m*2^e, p/q or an integer
          (void)parse_exact(t);
        } else {
          (void)exact::decimal_value(t);
        }
      }
      for (const char* k : {"direction", "estimate", "estimate_exact", "shown", "shown_md", "shown_tex"}) {
        if (e.contains(k) && !e[k].is_string() && !e[k].is_null()) {
          throw InputError(fmt::format("'{}' must be a string", k));
        }
      }
      if (e.contains("estimate_exact") && e["estimate_exact"].is_string()) {
        (void)parse_exact(e["estimate_exact"].get<std::string>());
      }
    } catch (const std::exception& x) {
      throw InputError(fmt::format("entries[{}]: {}", j, x.what()));
    }
  }
}

}  // namespace

Json recheck_row(const Json& row, const RecheckOptions& opt) {
  Json out;
  Checks c;
  out["index"] = row.value("index", Json(nullptr));
  out["id"] = row.value("id", Json(nullptr));
  out["quantity"] = row.value("quantity", Json(nullptr));
  try {
    const Json& entries = row.at("entries");
    const Json& inputs = row.at("inputs");
    const int digits = inputs.contains("digits") ? std::stoi(inputs["digits"].get<std::string>()) : 16;
    // 1. Printed decimals and shown digits against the exact endpoints.
    std::string dec_problem, shown_problem;
    for (const Json& e : entries) {
      const std::string p = check_decimals(e);
      if (!p.empty() && dec_problem.empty()) dec_problem = fmt::format("{}: {}", e.at("name").get<std::string>(), p);
      const Json s = shown_fields(e, digits);
      for (const auto& [k, v] : s.items()) {
        if (e.value(k, Json(nullptr)) != v && shown_problem.empty()) {
          shown_problem = fmt::format("{}: '{}' is \"{}\", the certified digits are \"{}\"",
                                      e.at("name").get<std::string>(), k, e.value(k, Json("")).dump(), v.dump());
        }
      }
    }
    c.add("printed-decimals", dec_problem.empty(),
          dec_problem.empty() ? "decimals are faithful outward roundings of the exact endpoints" : dec_problem);
    c.add("shown-digits", shown_problem.empty(),
          shown_problem.empty() ? "shown digits are the digits shared by both exact endpoints" : shown_problem);

    // 2. Recompute.
    RowSpec rs;
    rs.index = row.at("index").get<std::size_t>();
    rs.id = row.at("id").get<std::string>();
    rs.spec = inputs;
    rs.spec["quantity"] = row.at("quantity");
    validate_row(rs.spec);
    rs.key = row.value("key", std::string());
    const std::string q = row.at("quantity").get<std::string>();
    ComputeOptions co;
    co.backend = opt.backend;
    co.digits_offset = opt.digits ? *opt.digits - digits : 10;
    co.second_path_budget_seconds = opt.time_budget_seconds;
    if (q == "lyapnd") co.table_method = row.value("method", std::string());
    const Json fresh = compute_row(rs, co);
    out["backend"] = fresh["backend"];
    out["method"] = fresh["method"];
    const bool independent = fresh.value("independent", false);
    std::string note = fresh.value("independence_note", std::string());
    constexpr std::string_view kNot = "not rechecked independently: ";
    if (note.rfind(kNot, 0) == 0) note = note.substr(kNot.size());
    if (opt.backend == Backend::other && q != "estimate") out["independent"] = independent;
    out["bits"] = Json{{"table", row.value("bits", Json(nullptr))}, {"recheck", fresh["bits"]}};
    const Json& fe = fresh["entries"];
    if (q == "estimate") {
      bool same = fe.size() == entries.size();
      std::string detail = "re-run from seed " + (entries.empty() ? std::string("?") : entries[0].value("seed", std::string("?")));
      for (std::size_t i = 0; same && i < fe.size(); ++i) {
        for (const char* k : {"estimate_exact", "lower_exact", "upper_exact"}) {
          if (fe[i][k] != entries[i].value(k, Json(nullptr))) {
            same = false;
            detail += fmt::format(": {} is {} in the table, {} when re-run", k, entries[i].value(k, Json(nullptr)).dump(),
                                  fe[i][k].dump());
            break;
          }
        }
      }
      if (same) detail += ": the same binary64 estimate and interval";
      c.add("reproducible", same, detail);
    } else {
      std::string problem;
      if (fe.size() != entries.size()) {
        problem = fmt::format("{} entries in the table, {} recomputed", entries.size(), fe.size());
      }
      for (std::size_t i = 0; problem.empty() && i < fe.size(); ++i) {
        if (fe[i]["name"] != entries[i]["name"]) {
          problem = fmt::format("entry {} is '{}' in the table, '{}' recomputed", i, entries[i]["name"].get<std::string>(),
                                fe[i]["name"].get<std::string>());
        } else if (!intersects(fe[i], entries[i])) {
          problem = fmt::format("{}: table {} and recomputed {} are disjoint", fe[i]["name"].get<std::string>(),
                                interval_text(entries[i]), interval_text(fe[i]));
        }
      }
      if (problem.empty() && q == "phase") {
        // The labels read once (models::parse_phase); an undetermined recomputation refutes nothing, and a table text that
        // names no phase matches no recomputed one.
        const std::string a = row.value("phase", std::string()), b = fresh.value("phase", std::string());
        const std::optional<models::Phase> table_phase = models::parse_phase(a), fresh_phase = models::parse_phase(b);
        bool compatible = fresh_phase == models::Phase::undetermined || table_phase == models::Phase::undetermined ||
                          (table_phase && table_phase == fresh_phase);
        if (table_phase && !compatible) {
          for (const auto& x : fresh["phase_candidates"]) {
            compatible = compatible || models::parse_phase(x.get<std::string>()) == table_phase;
          }
        }
        if (!compatible) problem = fmt::format("phase '{}' in the table, '{}' recomputed", a, b);
      }
      if (problem.empty() && q == "boundary" && fresh["singular_points"] != row.value("singular_points", Json())) {
        problem = "the singular points differ";
      }
      std::string how = fmt::format("{} ({}) at {} bits (table: {} at {} bits)", fresh["backend"].get<std::string>(),
                                    fresh["method"].get<std::string>(), fresh["bits"].dump(),
                                    row.value("method", std::string("?")), row.value("bits", Json(nullptr)).dump());
      if (opt.backend == Backend::other && q != "boundary") {
        how = (independent ? "an independent path, " : "the table's algorithm again (not rechecked independently: " +
                                                            note + "), ") + how;
        if (independent && !note.empty()) how += "; " + note;
        bool one_sided = false;
        for (const Json& e : fe) one_sided = one_sided || e.value("guarantee", std::string()) == "upper-bound";
        if (one_sided && entries.size() && entries[0].value("guarantee", std::string()) != "upper-bound") {
          how += "; one-sided: only checks that the new upper bound is >= the table's lower end";
        }
      } else if (q == "boundary" && opt.backend == Backend::other) {
        how += " (the boundary search itself has no second implementation: see the sign-change check)";
      }
      if (fresh["backend"] == row.value("backend", Json()) && fresh["bits"] == row.value("bits", Json()) &&
          fresh["method"] == row.value("method", Json())) {
        how += "; note: the same method and working precision as the table (the method's precision does not "
               "depend on the requested digits), so this is a repetition, not an independent check";
      }
      c.add("recompute", problem.empty(),
            problem.empty() ? fmt::format("recomputed with {}: every enclosure intersects the table's", how)
                            : fmt::format("recomputed with {}: {}", how, problem));
    }
    // 3. Boundary rows of finite laws: an independent MPFI proof that Lambda changes sign across each root
    //    enclosure of the table (Lambda is continuous on an interval free of singular points 1/h_j: IVT).
    if (q == "boundary" && opt.backend == Backend::other) {
      const RowInputs in = load_inputs(rs.spec);
      if (in.curvature->is_finite()) {
        const laws::FiniteLaw& f = in.curvature->finite();
        const long prec = 64 + static_cast<long>(3.33 * (digits + 10));
        std::string problem;
        std::size_t checked = 0, undecided = 0;
        for (const Json& e : entries) {
          if (!e.contains("direction")) continue;  // sliver offsets: not checked here
          const Rational lo = parse_exact(e.at("lower_exact").get<std::string>());
          const Rational hi = parse_exact(e.at("upper_exact").get<std::string>());
          if (lo == hi) continue;  // an exact root: decided exactly by the table's method
          for (std::size_t j = 0; j < f.size() && problem.empty(); ++j) {
            const Rational h = f.value(j);
            if (h > 0 && lo <= 1 / h && 1 / h <= hi) {
              problem = fmt::format("{}: the singular point {} lies in the enclosure", e["name"].get<std::string>(),
                                    exact::to_text(1 / h));
            }
          }
          if (!problem.empty()) break;
          const exact::Sign a = mpfi_sign(mpfi_log_abs_mean(f, Rational(1), Rational(-lo), prec));
          const exact::Sign b = mpfi_sign(mpfi_log_abs_mean(f, Rational(1), Rational(-hi), prec));
          const SignChange change = sign_change(entry_direction(e), a, b);
          if (change == SignChange::confirmed) {
            ++checked;
            continue;
          }
          if (change == SignChange::contradicted) {
            problem = fmt::format("{}: MPFI contradicts a {} sign change of Lambda across [{}, {}]",
                                  e["name"].get<std::string>(), e["direction"].get<std::string>(),
                                  e["lower"].get<std::string>(), e["upper"].get<std::string>());
            break;
          }
          ++undecided;
        }
        out["independent"] = true;  // the sign check is the independent part of a boundary recheck
        c.add("mpfi-sign-change", problem.empty(),
              problem.empty() ? fmt::format("MPFI at {} bits: Lambda changes sign across {} root enclosure(s) of the "
                                            "table (intermediate value theorem){}", prec, checked,
                                            undecided ? fmt::format("; {} enclosure(s) with an endpoint sign MPFI "
                                                                    "could not decide", undecided)
                                                      : std::string())
                              : problem);
      } else {
        // Other laws: the second path's signs of Lambda at the exact ends of each root enclosure, with no
        // singular point 1/h_j of an atom inside (Lambda is continuous there: IVT). Proof: TABLE-SECOND-5.
        SecondOptions so;
        so.digits = std::max(digits, 16);
        so.max_bits = 4096;
        so.time_budget_seconds = opt.time_budget_seconds;
        std::vector<Rational> atoms;
        atom_values(*in.curvature, Rational(1), Rational(0), atoms);
        std::string problem, method, reason;
        std::size_t checked = 0, undecided = 0;
        for (const Json& e : entries) {
          if (!e.contains("direction")) continue;
          const Rational lo = parse_exact(e.at("lower_exact").get<std::string>());
          const Rational hi = parse_exact(e.at("upper_exact").get<std::string>());
          if (lo == hi) continue;
          for (const Rational& h : atoms) {
            if (h > 0 && lo <= 1 / h && 1 / h <= hi) {
              problem = fmt::format("{}: the singular point {} lies in the enclosure", e["name"].get<std::string>(),
                                    exact::to_text(1 / h));
              break;
            }
          }
          if (!problem.empty()) break;
          std::string why;
          const exact::Sign a = second_sign_at(*in.curvature, lo, so, method, why);
          const exact::Sign b = a == exact::Sign::undetermined && why.rfind("no independent path", 0) == 0
                                    ? exact::Sign::undetermined
                                    : second_sign_at(*in.curvature, hi, so, method, why);
          if (!why.empty() && reason.empty()) reason = why;
          if (why.rfind("no independent path", 0) == 0) break;
          const SignChange change = sign_change(entry_direction(e), a, b);
          if (change == SignChange::confirmed) {
            ++checked;
            continue;
          }
          if (change == SignChange::contradicted) {
            problem = fmt::format("{}: the second path ({}) contradicts a {} sign change of Lambda across [{}, {}]",
                                  e["name"].get<std::string>(), method, e["direction"].get<std::string>(),
                                  e["lower"].get<std::string>(), e["upper"].get<std::string>());
            break;
          }
          ++undecided;
        }
        out["independent"] = !(problem.empty() && reason.rfind("no independent path", 0) == 0);
        if (problem.empty() && reason.rfind("no independent path", 0) == 0) {
          c.add("independent-sign-change", true, "not rechecked independently: " + reason);
        } else {
          c.add("independent-sign-change", problem.empty(),
                problem.empty()
                    ? fmt::format("second path {}: Lambda changes sign across {} root enclosure(s) of the table "
                                  "(intermediate value theorem){}",
                                  method.empty() ? std::string("(none needed)") : method, checked,
                                  undecided ? fmt::format("; {} enclosure(s) not decided ({})", undecided, reason)
                                            : std::string())
                    : problem);
        }
      }
    }
  } catch (const core::Interrupted&) {
    throw;
  } catch (const std::exception& e) {
    c.add("well-formed", false, e.what());
  }
  out["status"] = c.ok ? "pass" : "fail";
  out["checks"] = c.list;
  return out;
}

Json recheck_table(const Json& doc, const RecheckOptions& opt) {
  if (!doc.is_object() || !doc.contains("command") || doc["command"] != "table" || !doc.contains("rows") ||
      !doc["rows"].is_array()) {
    throw InputError("not a lyapcert table (expected the JSON output of 'lyapcert table', with \"command\": \"table\")");
  }
  const Json& rows = doc["rows"];
  // A malformed document is bad input (exit 2), found before any row is recomputed; only a well-formed row whose
  // numbers do not hold up fails its recheck (exit 4).
  for (std::size_t i = 0; i < rows.size(); ++i) {
    try {
      check_row_shape(rows[i]);
    } catch (const std::exception& e) {
      throw InputError(fmt::format("not a well-formed lyapcert table: rows[{}]: {}", i, printable(e.what())));
    }
  }
  std::vector<Json> results(rows.size());
  // A stop of the calling thread's StopScope (the command's --time-budget) cuts the computations in flight: a
  // cut boundary search finds fewer roots, so judging such a row could fail a correct table. A row whose
  // recheck ended after the stop, and a row never started, is "unchecked" instead (neither pass nor fail); such a
  // row has no result (compute returns false), so it is neither journalled nor sent to the root.
  auto unchecked = [&](std::size_t i) {
    Json u;
    u["index"] = rows[i].at("index");
    u["id"] = rows[i].at("id");
    u["quantity"] = rows[i].at("quantity");
    u["status"] = "unchecked";
    u["checks"] = Json::array({Json{{"check", "time-budget"}, {"ok", false},
                                    {"detail", "not rechecked: the time budget ended before this row was done"}}});
    return u;
  };
  core::ParallelOptions po;
  po.jobs = std::max(1u, opt.jobs);
  // Rows may be rechecked on other MPI ranks (core/distribute.hpp): a row's report travels as its JSON text,
  // which nlohmann writes and reads back exactly (shortest round-trip binary64).
  const core::ParallelResult run = core::distributed_for(
      core::SweepItems{"recheck/rows", rows.size(),
                       [&](std::size_t i, unsigned) {
                         Json res = recheck_row(rows[i], opt);
                         if (core::scope_expired()) return false;
                         results[i] = std::move(res);
                         return true;
                       },
                       [&](std::size_t i, core::ItemWriter& w) { w.str(results[i].dump()); },
                       [&](std::size_t i, core::ItemReader& r) { results[i] = Json::parse(r.str()); }},
      po);
  core::throw_if_interrupted(fmt::format("interrupted after {} of {} rows", run.done, rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (results[i].is_null()) results[i] = unchecked(i);
  Json r;
  r["schema"] = 1;
  r["lyapcert_version"] = kVersion;
  r["command"] = "recheck";
  r["table_spec_sha256"] = doc.contains("provenance") ? doc["provenance"].value("spec_sha256", Json(nullptr)) : Json(nullptr);
  r["backend"] = opt.backend == Backend::other ? "other" : "arb";
  std::size_t passed = 0, failed = 0;
  Json arr = Json::array();
  for (auto& x : results) {
    passed += x["status"] == "pass";
    failed += x["status"] == "fail";
    arr.push_back(std::move(x));
  }
  r["rows"] = arr;
  r["passed"] = passed;
  r["failed"] = failed;
  r["unchecked"] = rows.size() - passed - failed;
  r["complete"] = passed + failed == rows.size();
  r["ok"] = passed == rows.size();
  return r;
}

}  // namespace lyapcert::tables
