// lyapnd subcommand: certified top Lyapunov exponents of d x d matrix products.
// Parsing and printing only; every number comes from lib/lyapcert/lyapnd.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "commands.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/second_moment.hpp"
#include "output.hpp"

namespace {

using namespace lyapcert;
using nlohmann::ordered_json;

constexpr double kLyapndTimeBudget = 60;  // seconds (docs/cli.md, "Limits")

struct NdOptions {
  std::string law;
  std::string method = "auto";
  int digits = 16;
  long max_bits = 65536;
  double time_budget = kLyapndTimeBudget;
  double max_memory = 4096;
  int max_length = 40;
  int max_levels = 0;
  bool json = false;
};

int run_lyapnd(const NdOptions& o) {
  const std::string text = cli::read_law_argument(o.law);
  const laws::Value expr = laws::parse(text, laws::ParseLimits{});
  const std::string law_text = laws::canonical(expr);
  const laws::MatrixLaw law = laws::build_matrix_law(expr);
  lyapnd::Options opt;
  opt.acc = lyap::Accuracy{o.digits, o.max_bits};
  opt.method = lyapnd::parse_method(o.method);
  // The library's own deadline is the command's budget; an interrupt (SIGINT) ends its loops through the same
  // path (lyapnd/internal/stop_poll.hpp) and is turned into exit 130 below.
  opt.time_budget_seconds = cli::check_time_budget(o.time_budget);
  opt.max_word_length = o.max_length;
  opt.max_memory_mib = o.max_memory;
  opt.max_levels = o.max_levels;
  const lyapnd::Result r = lyapnd::certify_lyapnd(law, opt);

  lyap::DecimalEnclosure d;
  ordered_json enc;
  const bool whole_line = !r.top.value.minus_infinity && !r.top.value.exact && !r.top.value.ball.is_finite();
  if (whole_line) {
    // No finite enclosure was reached (e.g. --max-memory below the first level): [-inf, inf], honestly.
    d.lower = "-inf";
    d.upper = "inf";
    enc["lower"] = d.lower;
    enc["upper"] = d.upper;
    enc["sign"] = lyap::to_string(lyap::Sign::undetermined);
  } else {
    enc = cli::certified_json(r.top.value, r.top.digits_requested, &d);
  }
  bool converged = r.top.converged && d.meets_request && !whole_line;
  int achieved = d.digits_achieved ? *d.digits_achieved : -1;  // -1: none
  if (r.upper_bound_only) {  // Lambda in [-inf, upper]: only the upper endpoint is certified
    enc["lower"] = "-inf";
    d.lower = "-inf";
    converged = false;
    achieved = -1;
  }
  if (core::interrupt_requested()) {
    // SIGINT/SIGTERM: the method's loops stopped (lyapnd/internal/stop_poll.hpp) and returned what they had certified;
    // exit 130 with that enclosure on stderr, nothing on stdout (docs/cli.md).
    throw core::Interrupted(fmt::format("interrupted: best certified enclosure so far Lambda in [{}, {}] "
                                        "({}, not converged)",
                                        d.lower, d.upper, r.top.method));
  }
  ordered_json spectrum = ordered_json::array();
  std::vector<lyap::DecimalEnclosure> spec_dec;
  for (const lyap::CertifiedValue& v : r.spectrum) {
    lyap::DecimalEnclosure sd;
    spectrum.push_back(cli::certified_json(v, r.top.digits_requested, &sd));
    spec_dec.push_back(sd);
  }
  if (o.json) {
    ordered_json j = cli::common_fields("lyapnd");
    cli::put_law(j, law_text);
    j["dim"] = law.dim;
    j["enclosure"] = enc;
    j["sign"] = lyap::to_string(r.top.value.sign);
    j["digits"] = r.top.digits_requested;
    j["digits_achieved"] = achieved >= 0 ? ordered_json(achieved) : ordered_json(nullptr);
    j["converged"] = converged;
    j["method"] = r.top.method;
    j["message"] = r.top.message;
    j["bits"] = std::max<long>(1, r.top.bits_used);
    j["upper_bound_only"] = r.upper_bound_only;
    if (!r.spectrum.empty()) j["spectrum"] = spectrum;
    if (r.word_length > 0) j["word_length"] = r.word_length;
    if (!r.cone_basis.empty()) {  // LYAPND-CYCND-7: rows of T as exact rationals
      const int dd = law.dim;
      ordered_json rows = ordered_json::array();
      for (int i = 0; i < dd; ++i) {
        ordered_json row = ordered_json::array();
        for (int k = 0; k < dd; ++k) row.push_back(r.cone_basis[static_cast<std::size_t>(i * dd + k)].str());
        rows.push_back(row);
      }
      j["cone_basis"] = rows;
    }
    j["max_memory_mib"] = o.max_memory;
    j["memory_limited"] = r.memory_limited;
    if (r.memory_estimate_bytes > 0) j["memory_estimate_bytes"] = r.memory_estimate_bytes;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("law: {}\n", law_text.size() > 200 ? law_text.substr(0, 200) + "..." : law_text);
    if (r.top.value.minus_infinity) {
      fmt::print("Lambda = -inf (exactly)\n");
    } else if (r.top.value.exact) {
      fmt::print("Lambda = {} (exactly)\n", d.lower);
    } else if (r.upper_bound_only) {
      fmt::print("Lambda <= {}   (upper bound only)\n", d.upper);
    } else {
      fmt::print("Lambda in [{}, {}]\n", d.lower, d.upper);
    }
    for (std::size_t i = 0; i < spec_dec.size(); ++i)
      fmt::print("  lambda_{} in [{}, {}]\n", i + 1, spec_dec[i].lower, spec_dec[i].upper);
    fmt::print("  sign: {}\n", lyap::to_string(r.top.value.sign));
    fmt::print("  digits: {} requested, {} achieved; converged: {}\n", r.top.digits_requested,
               achieved >= 0 ? std::to_string(achieved) : std::string("-"), converged ? "yes" : "no");
    fmt::print("  method: {} ({} bits{})\n", r.top.method, r.top.bits_used,
               r.word_length > 0 ? fmt::format(", word length {}", r.word_length) : std::string());
    if (!r.top.message.empty()) fmt::print("  note: {}\n", r.top.message);
  }
  return converged ? cli::kExitOk : cli::kExitNotConverged;
}

}  // namespace

namespace lyapcert::cli {

// `moment --law MATRIXLAW --p 2` (dispatched from app/cmd_lyap1d.cpp when --lr is absent).
int run_matrix_moment(const std::string& law_arg, const std::string& p_text, int digits, long max_bits, bool json) {
  const exact::Rational p = exact::parse_rational(p_text);
  if (p != 2)
    throw InputError(fmt::format("moment of a matrix law: only --p 2 is supported (got {}); for a curvature "
                                 "law give --lr",
                                 p_text));
  const laws::Value expr = laws::parse(read_law_argument(law_arg), laws::ParseLimits{});
  const std::string law_text = laws::canonical(expr);
  const laws::MatrixLaw law = laws::build_matrix_law(expr);
  const lyapnd::SecondMomentResult r = lyapnd::certify_second_moment(law, lyap::Accuracy{digits, max_bits});

  lyap::DecimalEnclosure d, dl, dr;
  ordered_json enc = certified_json(r.g2.value, r.g2.digits_requested, &d);
  const bool converged = r.g2.converged && d.meets_request;
  ordered_json rho_json = certified_json(lyapnd::rho_value(r), r.g2.digits_requested, &dr);
  ordered_json lam = certified_json(r.lambda_upper, r.g2.digits_requested, &dl);
  const bool stable = r.verdict == lyapnd::L2Verdict::stable;
  if (json) {
    ordered_json j = common_fields("moment");
    put_law(j, law_text);
    j["p"] = p_text;
    j["dim"] = law.dim;
    j["l2_stable"] = stable;
    j["l2_verdict"] = lyapnd::to_string(r.verdict);
    j["enclosure"] = enc;
    j["sign"] = lyap::to_string(r.g2.value.sign);
    j["digits"] = r.g2.digits_requested;
    j["digits_achieved"] = d.digits_achieved ? ordered_json(*d.digits_achieved) : ordered_json(nullptr);
    j["converged"] = converged;
    j["method"] = r.g2.method;
    j["message"] = r.g2.message;
    j["bits"] = std::max<long>(1, r.g2.bits_used);
    j["rho"] = rho_json;
    j["lambda_upper_bound"] = lam;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("law: {}\n", law_text.size() > 200 ? law_text.substr(0, 200) + "..." : law_text);
    if (r.g2.value.minus_infinity) {
      fmt::print("g(2) = -inf (exactly)\n");
    } else if (r.g2.value.exact) {
      fmt::print("g(2) = {} (exactly)\n", d.lower);
    } else {
      fmt::print("g(2) in [{}, {}]\n", d.lower, d.upper);
    }
    fmt::print("  rho(E[A (x) A]) in [{}, {}]\n", dr.lower, dr.upper);
    fmt::print("  L2 verdict (exact): {} (rho {} 1)\n", lyapnd::to_string(r.verdict),
               stable ? "<" : r.verdict == lyapnd::L2Verdict::boundary ? "=" : ">");
    fmt::print("  Lambda <= g(2)/2 <= {}\n", dl.upper);
    fmt::print("  sign: {}\n", lyap::to_string(r.g2.value.sign));
    fmt::print("  digits: {} requested, {} achieved; converged: {}\n", r.g2.digits_requested,
               d.digits_achieved ? std::to_string(*d.digits_achieved) : std::string("-"), converged ? "yes" : "no");
    fmt::print("  method: {} ({} bits, d = {})\n", r.g2.method, r.g2.bits_used, law.dim);
    if (!r.g2.message.empty()) fmt::print("  note: {}\n", r.g2.message);
  }
  return converged ? kExitOk : kExitNotConverged;
}

void register_lyapnd_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<NdOptions>();
  auto* cmd = app.add_subcommand("lyapnd", "certified top Lyapunov exponent of a d x d matrix law (d <= 4)");
  cmd->add_option("--law", o->law, "matrix law (docs/lyapnd.md), or @FILE")->required();
  cmd->add_option("--digits", o->digits, "requested digits: width <= 10^-N * max(1, min|x|) (1..10000)")
      ->default_val(16);
  cmd->add_option("--method", o->method,
                  "auto, ginibre, isotropic, commuting, rankone, enumerate, cycle, multicone, poisson, reducible, conformal "
                  "or vector")
      ->default_val("auto");
  // The refinement is open-ended (more words, finer meshes), so the default is shorter than the other commands'.
  cli::add_time_budget(cmd, o->time_budget, kLyapndTimeBudget);
  cmd->add_option("--max-bits", o->max_bits, "cap on the working precision in bits")->default_val(65536);
  cmd->add_option("--max-memory", o->max_memory,
                  "enumerate, cycle, poisson: working-memory budget in MiB (estimated before each level; fractions allowed)")
      ->default_val(4096);
  cmd->add_option("--max-length", o->max_length, "enumerate, cycle: longest word length (1..64)")->default_val(40);
  cmd->add_option("--max-levels", o->max_levels,
                  "poisson (d = 2): at most this many mesh levels, a deterministic cap on the work (0: no cap)")
      ->default_val(0);
  cmd->add_flag("--json", o->json, "print JSON (docs/schema/lyapnd.schema.json)");
  reg.push_back({cmd, [o] { return run_lyapnd(*o); }});
}

}  // namespace lyapcert::cli
