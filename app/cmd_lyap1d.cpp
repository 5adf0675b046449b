// lyap1d, moment and demo subcommands: certified 1-D exponents E log|1 - lr h| and moments.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/version.hpp"
#include "commands.hpp"
#include "output.hpp"

namespace lyapcert::cli {
// app/cmd_lyapnd.cpp: `moment --law MATRIXLAW --p 2` (no --lr), the second-moment exponent of a
// matrix law (lyapnd::second_moment).
int run_matrix_moment(const std::string& law, const std::string& p, int digits, long max_bits, bool json);

}  // namespace lyapcert::cli

namespace {

using namespace lyapcert;
using nlohmann::ordered_json;

struct CommonOptions {
  std::string law;
  std::string lr;
  std::string p;
  int digits = 16;
  long max_bits = 65536;
  std::uint64_t max_atoms = 10'000'000;
  bool json = false;
  double time_budget = cli::kDefaultTimeBudget;
};

void add_accuracy_options(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--digits", o.digits, "requested digits: width <= 10^-N * max(1, min|x|) (1..10000)")
      ->default_val(16);
  cmd->add_option("--max-bits", o.max_bits, "cap on the working precision in bits")->default_val(65536);
  cmd->add_option("--max-atoms", o.max_atoms, "refuse finite laws with more atoms")->default_val(10'000'000);
  cmd->add_flag("--json", o.json, "print JSON (schema in docs/schema/)");
  cli::add_time_budget(cmd, o.time_budget);
}

laws::CurvatureLaw load_law(const CommonOptions& o, std::string& canonical_text) {
  const std::string text = cli::read_law_argument(o.law);
  laws::ParseLimits limits;
  limits.max_atoms = o.max_atoms;  // counted while parsing: an oversized atoms(...) is refused before it is stored
  laws::Value expr = laws::parse(text, limits);
  canonical_text = laws::canonical(expr);
  laws::BuildOptions bo;
  bo.max_atoms = o.max_atoms;
  return laws::build_curvature_law(expr, bo);
}

void print_text_result(const std::string& what, const lyap::CertifiedResult& r, const lyap::DecimalEnclosure& d) {
  if (r.value.minus_infinity) {
    fmt::print("{} = -inf (exactly)\n", what);
  } else if (r.value.exact) {
    fmt::print("{} = {} (exactly)\n", what, d.lower);
  } else {
    fmt::print("{} in [{}, {}]\n", what, d.lower, d.upper);
  }
  fmt::print("  sign: {}\n", lyap::to_string(r.value.sign));
  fmt::print("  digits: {} requested, {} achieved; converged: {}\n", r.digits_requested,
             d.digits_achieved ? std::to_string(*d.digits_achieved) : std::string("-"), r.converged ? "yes" : "no");
  fmt::print("  method: {} ({} bits)\n", r.method, r.bits_used);
  if (r.l2_stable) fmt::print("  L2-stable (E(1 - lr h)^2 < 1): {}\n", *r.l2_stable ? "yes" : "no");
  if (!r.message.empty()) fmt::print("  note: {}\n", r.message);
}

int emit(const std::string& command, const CommonOptions& o, const std::string& law_text,
         const lyap::CertifiedResult& r) {
  lyap::DecimalEnclosure d;
  ordered_json enc = cli::certified_json(r.value, r.digits_requested, &d);
  const bool converged = r.converged && d.meets_request;
  if (o.json) {
    ordered_json j = cli::common_fields(command);
    cli::put_law(j, law_text);
    j["lr"] = o.lr;
    if (command == "moment") j["p"] = o.p;
    j["enclosure"] = enc;
    j["sign"] = lyap::to_string(r.value.sign);
    j["digits"] = r.digits_requested;
    j["digits_achieved"] = d.digits_achieved ? ordered_json(*d.digits_achieved) : ordered_json(nullptr);
    j["converged"] = converged;
    j["method"] = r.method;
    j["message"] = r.message;
    j["bits"] = r.bits_used;
    if (r.l2_stable) j["l2_stable"] = *r.l2_stable;
    std::cout << j.dump(2) << "\n";
  } else {
    const std::string what = command == "moment" ? fmt::format("g({})", o.p) : std::string("Lambda");
    fmt::print("law: {}\nlr: {}\n", law_text.size() > 200 ? law_text.substr(0, 200) + "..." : law_text, o.lr);
    print_text_result(what, r, d);
  }
  return converged ? cli::kExitOk : cli::kExitNotConverged;
}

int run_lyap1d(const CommonOptions& o) {
  const core::StopScope budget(core::StopToken::after_seconds(cli::check_time_budget(o.time_budget)));
  std::string law_text;
  const laws::CurvatureLaw law = load_law(o, law_text);
  const exact::Rational lr = exact::parse_rational(o.lr);
  const lyap::CertifiedResult r = lyap::certify_lyap1d(law, lr, lyap::Accuracy{o.digits, o.max_bits});
  return emit("lyap1d", o, law_text, r);
}

int run_moment(const CommonOptions& o) {
  const core::StopScope budget(core::StopToken::after_seconds(cli::check_time_budget(o.time_budget)));
  if (o.lr.empty()) {
    // No --lr: the law is a matrix law (a curvature law h is the 1 x 1 multiplier h); only p = 2.
    return cli::run_matrix_moment(o.law, o.p, o.digits, o.max_bits, o.json);
  }
  {
    laws::ParseLimits limits;
    limits.max_atoms = o.max_atoms;
    const laws::Value expr = laws::parse(cli::read_law_argument(o.law), limits);
    const auto* call = std::get_if<laws::Call>(&expr.node);
    if (call && (call->name == "matrices" || call->name == "entries" || call->name == "ginibre" ||
                 call->name == "isotropic" || call->name == "sgd"))
      throw InputError(
          "--lr is for curvature laws; with a matrix law give the learning rate inside the law "
          "(sgd(lr, matrices(...)), isotropic(d, lr)) and omit --lr");
  }
  std::string law_text;
  const laws::CurvatureLaw law = load_law(o, law_text);
  const exact::Rational lr = exact::parse_rational(o.lr);
  const exact::Rational p = exact::parse_rational(o.p);
  const lyap::CertifiedResult r = lyap::certify_moment(law, lr, p, lyap::Accuracy{o.digits, o.max_bits});
  return emit("moment", o, law_text, r);
}

// The README's main job on built-in defaults: certified exponents for a few laws.
int run_demo(bool json) {
  struct Case {
    const char* title;
    const char* law;
    const char* lr;
    const char* p;  // nullptr: the exponent itself
  };
  const Case cases[] = {
      {"Exact zero without a unit factor (docs/math.md section 2)", "atoms(-1, 1/2)", "1", nullptr},
      {"Two atoms, unequal weights: -(log 2)/3", "atoms(-1:1/3, 1/2:2/3)", "1", nullptr},
      {"Atom exactly at 1/lr: the saddle is hit in finite time", "atoms(2, -1)", "0.5", nullptr},
      {"Finite dataset, batch size 1 (ten per-sample curvatures)",
       "atoms(2.1, 1.3, -0.4, 0.9, 1.7, -1.2, 0.5, 2.6, 0.2, -0.7)", "0.9", nullptr},
      {"Same dataset, the L2 (second moment) exponent g(2) and the L2 verdict",
       "atoms(2.1, 1.3, -0.4, 0.9, 1.7, -1.2, 0.5, 2.6, 0.2, -0.7)", "0.9", "2"},
  };
  ordered_json all = ordered_json::array();
  for (const Case& c : cases) {
    CommonOptions o;
    o.law = c.law;
    o.lr = c.lr;
    o.digits = 30;
    std::string law_text;
    const laws::CurvatureLaw law = load_law(o, law_text);
    const exact::Rational lr = exact::parse_rational(o.lr);
    lyap::CertifiedResult r;
    if (c.p) {
      r = lyap::certify_moment(law, lr, exact::parse_rational(c.p), lyap::Accuracy{o.digits, o.max_bits});
    } else {
      r = lyap::certify_lyap1d(law, lr, lyap::Accuracy{o.digits, o.max_bits});
    }
    lyap::DecimalEnclosure d;
    ordered_json enc = cli::certified_json(r.value, o.digits, &d);
    if (json) {
      ordered_json j;
      j["title"] = c.title;
      j["law"] = law_text;
      j["lr"] = c.lr;
      if (c.p) j["p"] = c.p;
      j["enclosure"] = enc;
      j["sign"] = lyap::to_string(r.value.sign);
      if (r.l2_stable) j["l2_stable"] = *r.l2_stable;
      all.push_back(j);
    } else {
      fmt::print("== {}\nlaw: {}   lr: {}\n", c.title, law_text, c.lr);
      print_text_result(c.p ? fmt::format("g({})", c.p) : std::string("Lambda"), r, d);
      fmt::print("\n");
    }
  }
  if (json) {
    ordered_json j = cli::common_fields("demo");
    j["results"] = all;
    std::cout << j.dump(2) << "\n";
  }
  return cli::kExitOk;
}

}  // namespace

namespace lyapcert::cli {

void register_lyap1d_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<CommonOptions>();

  auto* lyap1d = app.add_subcommand("lyap1d", "certified Lambda(lr) = E log|1 - lr h| for a curvature law");
  lyap1d->add_option("--law", o->law, "curvature law (docs/law-language.md), or @FILE")->required();
  lyap1d->add_option("--lr", o->lr, "learning rate > 0 (exact decimal or p/q)")->required();
  add_accuracy_options(lyap1d, *o);
  reg.push_back({lyap1d, [o] { return run_lyap1d(*o); }});

  auto* moment = app.add_subcommand(
      "moment", "certified moment exponent g(p) = log E|1 - lr h|^p; without --lr, g(2) = log rho(E[A (x) A]) of a "
                "matrix law");
  moment->add_option("--law", o->law, "curvature law (with --lr) or matrix law (without --lr), or @FILE")
      ->required();
  moment->add_option("--lr", o->lr, "learning rate > 0 (curvature laws; omit for a matrix law)");
  moment->add_option("--p", o->p, "moment order p != 0 (exact); p < 0 for finite laws and normal laws (p > -1)")->required();
  add_accuracy_options(moment, *o);
  reg.push_back({moment, [o] { return run_moment(*o); }});

  auto demo_json = std::make_shared<bool>(false);
  auto* demo = app.add_subcommand("demo", "certified exponents for a few built-in laws (the README's main job)");
  demo->add_flag("--json", *demo_json, "print JSON");
  reg.push_back({demo, [demo_json] { return run_demo(*demo_json); }});
}

}  // namespace lyapcert::cli
