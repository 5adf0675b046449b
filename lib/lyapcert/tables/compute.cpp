#include "lyapcert/tables/compute.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>
#include <type_traits>
#include <vector>
#include <variant>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/tables/exact_text.hpp"
#include "lyapcert/tables/mpfi_eval.hpp"
#include "lyapcert/tables/internal/row_inputs.hpp"
#include "lyapcert/tables/second_path.hpp"

namespace lyapcert::tables {
namespace {

using exact::Rational;

// Proof IDs of the certified evaluation of a curvature law (exponent or moment).
void law_proofs(const laws::CurvatureLaw& law, bool moment, std::set<std::string>& ids) {
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, laws::FiniteLaw>) {
          if (moment) {
            ids.insert({"LYAP1D-MOM-1", "LYAP1D-MOM-ZERO-1"});
          } else {
            ids.insert({"LYAP1D-FIN-1", "LYAP1D-FIN-2", "LYAP1D-ZERO-1"});
          }
        } else if constexpr (std::is_same_v<T, laws::NormalLaw>) {
          ids.insert({"CONT-GAUSS-0", "CONT-GAUSS-1", "CONT-GAUSS-2"});
          if (moment) ids.insert("CONT-GAUSS-3");
        } else if constexpr (std::is_same_v<T, laws::UniformLaw>) {
          ids.insert({"CONT-UNIF-1", "CONT-UNIF-2"});
          if (moment) ids.insert("CONT-UNIF-3");
        } else if constexpr (std::is_same_v<T, laws::SqNormalLaw>) {
          ids.insert({"CONT-SQN-1", "CONT-GAUSS-1", "CONT-GAUSS-2"});
        } else if constexpr (std::is_same_v<T, laws::XyLaw>) {
          ids.insert({"CONT-XY-0", "CONT-XY-1", "CONT-XY-2", "CONT-XY-3", "CONT-XY-4", "CONT-XY-5", "CONT-XY-6"});
          if (moment) ids.insert("CONT-XY-9");
        } else if constexpr (std::is_same_v<T, laws::BivariateLaw>) {
          ids.insert({"CONT-BIV-1", "CONT-BIV-2", "CONT-GAUSS-1", "CONT-GAUSS-2"});
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          law_proofs(*n.inner, moment, ids);
        } else if constexpr (std::is_same_v<T, laws::MixtureLaw>) {
          for (const auto& [part, w] : n.parts) law_proofs(*part, moment, ids);
        }
      },
      law.node());
}

Json sorted(const std::set<std::string>& ids) {
  Json a = Json::array();
  for (const auto& s : ids) a.push_back(s);
  return a;
}

// Entry of a certified value computed with Arb.
Json certified_entry(const std::string& name, const lyap::CertifiedValue& v, int digits, bool upper_bound_only) {
  Json e;
  e["name"] = name;
  if (v.minus_infinity) {
    e["guarantee"] = "exact";
    e["sign"] = exact::to_string(exact::Sign::negative);
    e["lower"] = e["upper"] = "-inf";
    e["lower_exact"] = e["upper_exact"] = "-inf";
    return e;
  }
  const lyap::DecimalEnclosure d = lyap::to_decimal(v, digits);
  exact::Arf lo, hi;
  exact::ball_endpoints(lo, hi, v.ball.get(), ARF_PREC_EXACT);
  e["guarantee"] = v.exact ? "exact" : (upper_bound_only ? "upper-bound" : "enclosure");
  e["sign"] = lyap::to_string(v.sign);
  e["lower"] = upper_bound_only ? std::string("-inf") : d.lower;
  e["upper"] = d.upper;
  e["lower_exact"] = upper_bound_only ? std::string("-inf") : binary_text(lo);
  e["upper_exact"] = binary_text(hi);
  if (!upper_bound_only && !v.exact) {
    e["digits_achieved"] = d.digits_achieved ? Json(*d.digits_achieved) : Json(nullptr);
  }
  return e;
}

// Entry of an MPFI enclosure.
Json mpfi_entry(const std::string& name, const MpfiEnclosure& m, int digits) {
  Json e;
  e["name"] = name;
  e["guarantee"] = m.minus_infinity ? "exact" : "enclosure";
  e["sign"] = exact::to_string(mpfi_sign(m));
  if (m.minus_infinity) {
    e["lower"] = e["upper"] = "-inf";
    e["lower_exact"] = e["upper_exact"] = "-inf";
    return e;
  }
  e["lower"] = round_decimal(m.lower, digits + 5, exact::Round::down);
  e["upper"] = round_decimal(m.upper, digits + 5, exact::Round::up);
  e["lower_exact"] = m.lower_exact;
  e["upper_exact"] = m.upper_exact;
  return e;
}

// The sign a second-path value proves (an upper bound alone proves only negative).
lyap::Sign second_sign(const SecondValue& v) {
  if (v.minus_infinity || arb_is_negative(v.value.get())) return lyap::Sign::negative;
  if (arb_is_positive(v.value.get()) && !v.upper_bound_only) return lyap::Sign::positive;
  return lyap::Sign::undetermined;
}

// Entry of a second-path value (recheck --backend other).
Json second_entry(const std::string& name, const SecondValue& v, int digits) {
  lyap::CertifiedValue c;
  c.minus_infinity = v.minus_infinity;
  c.ball = v.value;
  c.sign = second_sign(v);
  return certified_entry(name, c, digits, v.upper_bound_only);
}

std::string second_backend(const SecondValue& v) {
  if (!v.mpfi) return "arb";
  return v.method.find("mpfi") == 0 && v.method.find('+') == std::string::npos ? "mpfi" : "mpfi+arb";
}

// Entry of a rational interval (boundary roots).
Json rational_entry(const std::string& name, const Rational& lo, const Rational& hi, int digits) {
  Json e;
  e["name"] = name;
  e["guarantee"] = lo == hi ? "exact" : "enclosure";
  e["sign"] = exact::to_string(exact::enclosure_sign(lo, hi));
  e["lower"] = round_decimal(lo, digits + 5, exact::Round::down);
  e["upper"] = round_decimal(hi, digits + 5, exact::Round::up);
  e["lower_exact"] = exact::to_text(lo);
  e["upper_exact"] = exact::to_text(hi);
  return e;
}

Json ball_entry(const std::string& name, const exact::Ball& b, int digits) {
  exact::Arf lo, hi;
  exact::ball_endpoints(lo, hi, b.get(), ARF_PREC_EXACT);
  Json e = rational_entry(name, exact::to_rational(lo), exact::to_rational(hi), digits);
  e["lower_exact"] = binary_text(lo);
  e["upper_exact"] = binary_text(hi);
  return e;
}

std::string fmt_double(double x) { return fmt::format("{}", x); }  // shortest round-trip text

Json statistical_entry(const stats::Estimate& est, const stats::EstimateOptions& o) {
  Json e;
  e["name"] = "Lambda";
  e["guarantee"] = "statistical";
  const bool finite = est.finite && std::isfinite(est.estimate) && std::isfinite(est.ci.lower) &&
                      std::isfinite(est.ci.upper);
  e["sign"] = exact::to_string(finite ? stats::supported_sign(est.ci) : exact::Sign::undetermined);
  if (finite) {
    const Rational lo(est.ci.lower), hi(est.ci.upper);  // exact binary64 values
    e["lower"] = round_decimal(lo, 17, exact::Round::down);
    e["upper"] = round_decimal(hi, 17, exact::Round::up);
    e["lower_exact"] = binary_text(est.ci.lower);
    e["upper_exact"] = binary_text(est.ci.upper);
    e["estimate"] = fmt_double(est.estimate);
    e["estimate_exact"] = binary_text(est.estimate);
  } else {
    e["lower"] = e["upper"] = e["lower_exact"] = e["upper_exact"] = e["estimate"] = e["estimate_exact"] = nullptr;
  }
  e["level"] = est.ci.level;
  e["statistical_guarantee"] = stats::to_string(est.guarantee);
  e["seed"] = std::to_string(o.seed);
  e["steps"] = est.steps_per_rep;
  e["reps"] = est.reps;
  e["burn_in"] = est.burn_in;
  e["variance_method"] = est.variance_method;
  e["std_error"] = std::isfinite(est.std_error) ? Json(binary_text(est.std_error)) : Json(nullptr);
  return e;
}

void add_shown(Json& entry, int max_sig) {
  const Json s = shown_fields(entry, max_sig);
  for (const auto& [k, v] : s.items()) entry[k] = v;
}

std::set<std::string> common_proofs() { return {"LOOP-1", "DEC-1", "TABLE-DIGITS-1"}; }

SecondOptions second_options(const lyap::Accuracy& acc, const ComputeOptions& opt) {
  SecondOptions so;
  so.digits = acc.digits;
  so.max_bits = std::min<long>(acc.max_bits, 16384);
  so.time_budget_seconds = opt.second_path_budget_seconds;
  return so;
}

Json finish_row(Json& r, const std::string& method, const std::string& backend, const std::set<std::string>& proofs,
                long bits, bool converged, const std::string& message, const Json& entries) {
  r["method"] = method;
  r["backend"] = backend;
  r["proofs"] = sorted(proofs);
  r["bits"] = bits;
  r["converged"] = converged;
  r["message"] = message;
  r["entries"] = entries;
  return r;
}

// The phase fields of a row: the L2 flag, the one candidate phase (or undetermined) and every candidate.
void phase_fields(Json& r, const std::vector<models::Phase>& candidates, bool l2) {
  r["l2_wrong_direction_stable"] = l2;
  r["phase"] = models::to_string(models::phase_of(candidates));
  r["phase_candidates"] = models::to_strings(candidates);
}

// Phase row by the second path: true when both Lambda_+ and Lambda_- were recomputed independently (else
// r["independent"] = false with the reason, and the caller falls back to models::phase_at).
bool phase_second(Json& r, Json& entries, const laws::CurvatureLaw& h, const Rational& a, const Rational& lr,
                  const lyap::Accuracy& acc, const ComputeOptions& opt, std::set<std::string>& proofs,
                  std::string& method, std::string& backend, long& bits) {
  const SecondOptions so = second_options(acc, opt);
  const SecondValue plus = second_log_abs_mean(h, a, lr, so);
  SecondValue minus;
  if (plus.available) minus = second_log_abs_mean(h, a, -lr, so);
  if (!plus.available || !minus.available) {
    r["independent"] = false;
    r["independence_note"] = plus.available ? minus.reason : plus.reason;
    return false;
  }
  r["independent"] = true;
  r["independence_note"] = "";
  entries.push_back(second_entry("Lambda_+", plus, acc.digits));
  entries.push_back(second_entry("Lambda_-", minus, acc.digits));
  // E(a - lr h)^2 < 1 from the independent moment formulas (exact). Proof: TABLE-SECOND-3.
  const auto [m1, m2] = independent_moments(h);
  const bool l2 = a * a - 2 * a * lr * m1 + lr * lr * m2 < 1;
  phase_fields(r, models::candidate_phases(second_sign(plus), second_sign(minus), l2), l2);
  method = plus.method == minus.method ? plus.method : plus.method + "," + minus.method;
  backend = second_backend(plus);
  bits = std::max(plus.bits, minus.bits);
  proofs = {"TABLE-SECOND-1", "TABLE-SECOND-2", "TABLE-SECOND-3", "DEC-1", "TABLE-DIGITS-1", "LYAP1D-L2-1"};
  if (plus.mpfi) proofs.insert("TABLE-MPFI-1");
  return true;
}

}  // namespace

Json shown_fields(const Json& e, int max_sig) {
  const std::string g = e.at("guarantee").get<std::string>();
  Json out;
  auto put = [&](const std::string& plain, const std::string& md, const std::string& tex) {
    out["shown"] = plain;
    out["shown_md"] = md;
    out["shown_tex"] = tex;
  };
  if (g == "statistical") {
    if (e.at("lower_exact").is_null()) {
      put("no finite estimate", "no finite estimate", "no finite estimate");
      return out;
    }
    const Rational est = parse_exact(e.at("estimate_exact").get<std::string>());
    const Rational lo = parse_exact(e.at("lower_exact").get<std::string>());
    const Rational hi = parse_exact(e.at("upper_exact").get<std::string>());
    const std::string es = round_decimal(est, 4, exact::Round::down), ls = round_decimal(lo, 3, exact::Round::down),
                      hs = round_decimal(hi, 3, exact::Round::up);
    const double level = e.at("level").get<double>();
    const std::string lv = fmt::format("{:g}%", 100 * level);
    const ShownDigits ls_d = exact_shown(ls), hs_d = exact_shown(hs);
    auto tex_num = [](const std::string& t) {
      const auto p = t.find('e');
      return p == std::string::npos ? t : fmt::format("{}\\cdot 10^{{{}}}", t.substr(0, p), t.substr(p + 1));
    };
    put(fmt::format("~{} ({} CI [{}, {}])", es, lv, ls, hs), fmt::format("≈{} ({} CI [{}, {}])", es, lv, ls, hs),
        fmt::format("$\\approx {}$ ({}\\% CI $[{}, {}]$)", tex_num(es), fmt::format("{:g}", 100 * level), tex_num(ls),
                    tex_num(hs)));
    return out;
  }
  const std::string lo_t = e.at("lower_exact").get<std::string>(), hi_t = e.at("upper_exact").get<std::string>();
  if (g == "exact") {
    if (lo_t != hi_t) throw InputError("an exact entry must have equal endpoints");
    const ShownDigits s = exact_shown(lo_t == "-inf" ? lo_t : exact::to_text(parse_exact(lo_t)));
    put(to_plain(s), to_markdown(s), to_tex(s));
    return out;
  }
  if (g == "upper-bound") {
    const std::string u = round_decimal(parse_exact(hi_t), std::min(max_sig, 8), exact::Round::up);
    const auto p = u.find('e');
    const std::string tex = p == std::string::npos ? u : fmt::format("{}\\cdot 10^{{{}}}", u.substr(0, p), u.substr(p + 1));
    put("<= " + u + " (upper bound)", "≤ " + u + " (upper bound)", fmt::format("$\\le {}$ (upper bound)", tex));
    return out;
  }
  if (g != "enclosure") throw InputError(fmt::format("unknown guarantee '{}'", g));
  const ShownDigits s = certified_digits(parse_exact(lo_t), parse_exact(hi_t), max_sig);
  put(to_plain(s), to_markdown(s), to_tex(s));
  return out;
}

Json compute_row(const RowSpec& row, const ComputeOptions& opt) {
  RowInputs in = load_inputs(row.spec);
  const int shown_sig = in.acc.digits;  // shown digits are capped at the requested digits
  lyap::Accuracy acc = in.acc;
  acc.digits = std::min(10000, acc.digits + opt.digits_offset);
  Json r;
  r["index"] = row.index;
  r["id"] = row.id;
  r["key"] = row.key;
  r["quantity"] = in.quantity;
  Json inputs = row.spec;
  inputs.erase("quantity");
  if (!in.law_text.empty()) inputs["law"] = in.law_text;  // canonical: every number exact p/q
  r["inputs"] = inputs;
  std::set<std::string> proofs = common_proofs();
  Json entries = Json::array();
  std::string backend = "arb", method, message;
  long bits = 0;
  bool converged = true;
  const bool other = opt.backend == Backend::other;
  const long mpfi_prec = static_cast<long>(acc.digits * 3.33) + 64;

  if (in.quantity == "exponent" || in.quantity == "moment") {
    const bool moment = in.quantity == "moment";
    const std::string name = moment ? fmt::format("g({})", exact::to_text(in.p)) : std::string("Lambda");
    const laws::CurvatureLaw& law = *in.curvature;
    const auto* uniform = std::get_if<laws::UniformLaw>(&law.node());
    if (other && (law.is_finite() || (!moment && uniform))) {
      MpfiEnclosure m;
      if (law.is_finite()) {
        m = moment ? mpfi_moment(law.finite(), in.lr, in.p, mpfi_prec)
                   : mpfi_log_abs_mean(law.finite(), Rational(1), Rational(-in.lr), mpfi_prec);
        method = moment ? "mpfi-atom-moment-sum" : "mpfi-atom-log-sum";
      } else {
        m = mpfi_uniform_exponent(uniform->a, uniform->b, in.lr, mpfi_prec);
        method = "mpfi-uniform-closed-form";
      }
      backend = "mpfi";
      bits = mpfi_prec;
      proofs = {"TABLE-MPFI-1", "DEC-1", "TABLE-DIGITS-1"};
      r["independent"] = true;
      r["independence_note"] = "";
      entries.push_back(mpfi_entry(name, m, acc.digits));
    } else {
      if (other) {
        // The library's independent second path for this law (TABLE-SECOND-1 .. 3).
        const SecondOptions so = second_options(acc, opt);
        const SecondValue v = moment ? second_moment_exponent(law, in.lr, in.p, so)
                                     : second_log_abs_mean(law, Rational(1), Rational(-in.lr), so);
        if (v.available) {
          proofs = {"TABLE-SECOND-1", moment ? "TABLE-SECOND-3" : "TABLE-SECOND-2", "DEC-1", "TABLE-DIGITS-1"};
          if (v.mpfi) proofs.insert("TABLE-MPFI-1");
          r["independent"] = true;
          r["independence_note"] = v.reason;
          entries.push_back(second_entry(name, v, acc.digits));
          for (Json& e : entries) add_shown(e, shown_sig);
          return finish_row(r, v.method, second_backend(v), proofs, v.bits, true, "", entries);
        }
        r["independent"] = false;
        r["independence_note"] = v.reason;
      }
      const lyap::CertifiedResult c =
          moment ? lyap::certify_moment(law, in.lr, in.p, acc) : lyap::certify_lyap1d(law, in.lr, acc);
      law_proofs(law, moment, proofs);
      if (moment && in.p == 2) proofs.insert("LYAP1D-L2-1");
      method = c.method;
      message = c.message;
      bits = c.bits_used;
      converged = c.converged;
      Json e = certified_entry(name, c.value, acc.digits, false);
      entries.push_back(e);
      if (c.l2_stable) r["l2_stable"] = *c.l2_stable;
    }
  } else if (in.quantity == "lyapnd") {
    if (other && opt.table_method) {
      // An independent method for the table's (TABLE-SECOND-4): possibly one-sided (upper bound).
      const std::vector<SecondValue> vs = second_lyapnd(in.matrix, *opt.table_method, second_options(acc, opt));
      if (!vs.empty() && vs[0].available) {
        r["independent"] = true;
        r["independence_note"] = vs[0].reason;
        bool mpfi = false;
        for (std::size_t i = 0; i < vs.size(); ++i) {
          if (!vs[i].available) continue;
          entries.push_back(second_entry(i == 0 ? std::string("Lambda") : fmt::format("lambda_{}", i), vs[i],
                                         acc.digits));
          mpfi = mpfi || vs[i].mpfi;
        }
        proofs = {"TABLE-SECOND-1", "TABLE-SECOND-4", "DEC-1", "TABLE-DIGITS-1"};
        if (mpfi) proofs.insert("TABLE-MPFI-1");
        for (Json& e : entries) add_shown(e, shown_sig);
        return finish_row(r, vs[0].method, second_backend(vs[0]), proofs, vs[0].bits, true, "", entries);
      }
      r["independent"] = false;
      r["independence_note"] = vs.empty() ? std::string("no independent path") : vs[0].reason;
    }
    lyapnd::Options lo = in.lyapnd;
    lo.acc = acc;  // the requested digits, with the recheck offset
    const lyapnd::Result res = lyapnd::certify_lyapnd(in.matrix, lo);
    method = res.top.method;
    message = res.top.message;
    bits = res.top.bits_used;
    converged = res.top.converged && !res.upper_bound_only;
    // Proof IDs by method-name prefix (proofs/lyapnd/); a method not listed here gets only the generic IDs.
    static const std::pair<const char*, std::vector<const char*>> kIds[] = {
        {"ginibre", {"LYAPND-GIN-1"}},
        {"isotropic-closed-form", {"LYAPND-ISO-1", "LYAPND-ISO-2"}},
        {"isotropic-quadrature", {"LYAPND-ISO-1", "LYAPND-ISO-3", "LYAPND-ISO3-1", "LYAPND-ISO3-2", "LYAPND-ISO3-3"}},
        {"isotropic-jensen-upper", {"LYAPND-ISO-4"}},
        {"commuting", {"LYAPND-COMM-1", "LYAPND-COMM-2", "LYAPND-COMM-3"}},
        {"rankone", {"LYAPND-RANK1-1"}},
        {"enumerate", {"LYAPND-ENUM-1"}},
        {"poisson", {"LYAPND-POIS-1", "LYAPND-POIS-4"}},
        {"reducible",
         {"LYAPND-RED-1", "LYAPND-RED-2", "LYAPND-RED-3", "LYAPND-RED-4", "LYAPND-RED-5", "LYAPND-COMM-1"}},
        {"conformal", {"LYAPND-CONF-1", "LYAPND-CONF-2", "LYAPND-CONF-3"}},
        {"cycle", {"LYAPND-CYCLE-1", "LYAPND-CYCLE-2", "LYAPND-CYCLE-3", "LYAPND-CYCLE-4", "LYAPND-CYCLE-5",
                   "LYAPND-CYCLE-6"}},
        {"multicone", {"LYAPND-MCONE-0", "LYAPND-MCONE-1", "LYAPND-MCONE-2", "LYAPND-MCONE-3", "LYAPND-MCONE-4",
                       "LYAPND-CYCLE-1", "LYAPND-CYCLE-2", "LYAPND-CYCLE-3", "LYAPND-CYCLE-4", "LYAPND-CYCLE-5",
                       "LYAPND-CYCLE-6"}}};
    for (const auto& [m, ids] : kIds) {
      if (method.rfind(m, 0) == 0) proofs.insert(ids.begin(), ids.end());
    }
    if (method == "commuting" || method == "reducible" || method == "conformal") proofs.insert({"LYAP1D-FIN-1", "LYAP1D-ZERO-1"});
    if (message.find("elementary bounds") != std::string::npos)
      proofs.insert({"LYAPND-ELEM-1", "LYAPND-ELEM-2", "LYAPND-ENUM-1"});
    entries.push_back(certified_entry("Lambda", res.top.value, acc.digits, res.upper_bound_only));
    for (std::size_t i = 0; i < res.spectrum.size(); ++i) {
      entries.push_back(certified_entry(fmt::format("lambda_{}", i + 1), res.spectrum[i], acc.digits, false));
    }
    if (res.word_length > 0) r["word_length"] = res.word_length;
  } else if (in.quantity == "boundary") {
    boundary::BoundaryOptions bo = in.boundary;
    bo.digits = acc.digits;
    const boundary::BoundaryResult b = boundary::find_boundaries(*in.curvature, bo);
    method = "boundary-interval-newton-bisection";
    message = b.message;
    bits = b.bits;
    converged = b.complete && b.widths_met;
    proofs.erase("LOOP-1");
    proofs.insert({"BND-MODEL-1", "BND-DER-1", "BND-DER-2", "BND-DER-3", "BND-DER-4", "BND-ROOT-1", "BND-ROOT-2",
                   "BND-COVER-1"});
    if (b.default_range) proofs.insert("BND-RANGE-1");
    std::size_t k = 0;
    for (const auto& root : b.roots) {
      Json e = rational_entry(fmt::format("root {}", ++k), root.lower, root.upper, acc.digits);
      e["direction"] = boundary::to_string(root.direction);
      entries.push_back(e);
    }
    for (const auto& s : b.slivers) {
      proofs.insert({"BND-SLIVER-1", "BND-SLIVER-2"});
      const std::string sp = exact::to_text(s.singular_point);
      if (s.left_offset) {
        Json e = ball_entry(fmt::format("sliver offset left of {}", sp), *s.left_offset, acc.digits);
        e["offset_from"] = sp;
        entries.push_back(e);
      }
      if (s.right_offset) {
        Json e = ball_entry(fmt::format("sliver offset right of {}", sp), *s.right_offset, acc.digits);
        e["offset_from"] = sp;
        entries.push_back(e);
      }
    }
    r["lr_min"] = exact::to_text(b.lr_min);
    r["lr_max"] = exact::to_text(b.lr_max);
    Json sing = Json::array();
    for (const auto& s : b.singular_points) sing.push_back(exact::to_text(s));
    r["singular_points"] = sing;
    r["complete"] = b.complete;
    Json un = Json::array();
    for (const auto& c : b.unresolved) un.push_back(Json::array({exact::to_text(c.lower), exact::to_text(c.upper)}));
    r["unresolved"] = un;
  } else if (in.quantity == "phase") {
    const models::TwoLayerModel& m = in.model;
    const laws::CurvatureLaw& h = *in.curvature;
    const Rational a = 1 - in.lr * m.gamma;
    if (other && h.is_finite()) {
      const MpfiEnclosure plus = mpfi_log_abs_mean(h.finite(), a, in.lr, mpfi_prec);
      const MpfiEnclosure minus = mpfi_log_abs_mean(h.finite(), a, -in.lr, mpfi_prec);
      backend = "mpfi";
      method = "mpfi-atom-log-sum";
      bits = mpfi_prec;
      r["independent"] = true;
      r["independence_note"] = "";
      proofs = {"TABLE-MPFI-1", "DEC-1", "TABLE-DIGITS-1", "LYAP1D-L2-1"};
      entries.push_back(mpfi_entry("Lambda_+", plus, acc.digits));
      entries.push_back(mpfi_entry("Lambda_-", minus, acc.digits));
      // The L2 flag E(a - lr h)^2 < 1 is exact rational arithmetic.
      const Rational second = a * a - 2 * a * in.lr * h.mean() + in.lr * in.lr * h.second_moment();
      const bool l2 = second < 1;
      phase_fields(r, models::candidate_phases(mpfi_sign(plus), mpfi_sign(minus), l2), l2);
    } else if (other && phase_second(r, entries, h, a, in.lr, acc, opt, proofs, method, backend, bits)) {
      // Lambda_+- by the second path of the model's curvature law (TABLE-SECOND-2), L2 flag exact.
    } else {
      const models::PhaseResult p = models::phase_at(m, h, in.lr, acc);
      law_proofs(h, false, proofs);
      proofs.insert("LYAP1D-L2-1");
      method = p.lambda_plus.method;
      message = p.lambda_plus.message;
      if (!p.lambda_minus.message.empty()) message += (message.empty() ? "" : "; ") + p.lambda_minus.message;
      bits = std::max(p.lambda_plus.bits_used, p.lambda_minus.bits_used);
      converged = p.lambda_plus.converged && p.lambda_minus.converged;
      entries.push_back(certified_entry("Lambda_+", p.lambda_plus.value, acc.digits, false));
      entries.push_back(certified_entry("Lambda_-", p.lambda_minus.value, acc.digits, false));
      phase_fields(r, p.candidates, p.l2_wrong_direction_stable);
    }
    r["sigma2"] = exact::to_text(m.sigma2);
  } else if (in.quantity == "estimate") {
    stats::EstimateOptions eo = in.estimate;
    eo.threads = opt.stats_threads;
    const stats::Estimate est = stats::estimate(in.matrix, eo);
    method = fmt::format("monte-carlo-{}", est.variance_method);
    message = est.message;
    if (!est.assumption.empty()) message += (message.empty() ? "" : "; ") + ("assumes " + est.assumption);
    bits = 53;
    backend = "binary64";
    proofs = {};
    if (est.iid_increments) proofs.insert("STATS-IID-1");
    entries.push_back(statistical_entry(est, eo));
  } else {
    throw InputError(fmt::format("unknown quantity '{}'", in.quantity));
  }
  for (Json& e : entries) add_shown(e, shown_sig);
  return finish_row(r, method, backend, proofs, bits, converged, message, entries);
}

}  // namespace lyapcert::tables
