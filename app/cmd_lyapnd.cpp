// lyapnd subcommand: certified top Lyapunov exponents of d x d matrix products (issue 7).
// Parsing and printing only; every number comes from lib/lyapcert/lyapnd.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "commands.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "output.hpp"

namespace {

using namespace lyapcert;
using nlohmann::ordered_json;

struct NdOptions {
  std::string law;
  std::string method = "auto";
  int digits = 16;
  long max_bits = 65536;
  double time_budget = 60;
  int max_length = 40;
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
  opt.time_budget_seconds = o.time_budget;
  opt.max_word_length = o.max_length;
  const lyapnd::Result r = lyapnd::certify_lyapnd(law, opt);

  lyap::DecimalEnclosure d;
  ordered_json enc = cli::certified_json(r.top.value, r.top.digits_requested, &d);
  bool converged = r.top.converged && d.meets_request;
  int achieved = d.digits_achieved ? *d.digits_achieved : -1;  // -1: none
  if (r.upper_bound_only) {  // Lambda in [-inf, upper]: only the upper endpoint is certified
    enc["lower"] = "-inf";
    d.lower = "-inf";
    converged = false;
    achieved = -1;
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

void register_lyapnd_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<NdOptions>();
  auto* cmd = app.add_subcommand("lyapnd", "certified top Lyapunov exponent of a d x d matrix law (d <= 4)");
  cmd->add_option("--law", o->law, "matrix law (docs/lyapnd.md), or @FILE")->required();
  cmd->add_option("--digits", o->digits, "requested digits: width <= 10^-N * max(1, min|x|) (1..10000)")
      ->default_val(16);
  cmd->add_option("--method", o->method, "auto, ginibre, isotropic, commuting, rankone or enumerate")
      ->default_val("auto");
  cmd->add_option("--time-budget", o->time_budget, "wall-clock budget in seconds")->default_val(60);
  cmd->add_option("--max-bits", o->max_bits, "cap on the working precision in bits")->default_val(65536);
  cmd->add_option("--max-length", o->max_length, "enumerate: longest word length (1..64)")->default_val(40);
  cmd->add_flag("--json", o->json, "print JSON (docs/schema/lyapnd.schema.json)");
  reg.push_back({cmd, [o] { return run_lyapnd(*o); }});
}

}  // namespace lyapcert::cli
