// estimate and sign subcommands: Monte Carlo exponents with confidence statements (docs/statistics.md).
// Parsing and printing only; the numbers come from lyapcert::stats.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "commands.hpp"
#include "dist.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/stats/estimator.hpp"
#include "output.hpp"

namespace {

using namespace lyapcert;
using cli::finite_or_null;
using nlohmann::ordered_json;

struct StatsOptions {
  std::string law;
  std::uint64_t steps = 100'000, reps = 32, seed = 0, budget = 10'000'000;
  std::optional<std::uint64_t> burn_in;
  double level = 0.95;
  bool spectrum = false, json = false;
  unsigned threads = 0;
  double time_budget = cli::kDefaultTimeBudget;
  cli::dist::Flags dist;  // --journal, --resume (replicates across MPI ranks: app/dist.hpp)
};

laws::MatrixLaw load(const StatsOptions& o, std::string& canonical_text) {
  const std::string text = cli::read_law_argument(o.law);
  const laws::Value expr = laws::parse(text);
  canonical_text = laws::canonical(expr);
  return laws::build_matrix_law(expr);
}

ordered_json interval_json(const stats::ConfidenceInterval& i) {
  return ordered_json{{"lower", finite_or_null(i.lower)}, {"upper", finite_or_null(i.upper)}, {"level", i.level}};
}
std::string fmt_num(double x) { return std::isfinite(x) ? fmt::format("{:.6g}", x) : (x > 0 ? "+inf" : "-inf"); }

int run_estimate(const StatsOptions& o) {
  std::string law_text;
  const laws::MatrixLaw law = load(o, law_text);
  stats::EstimateOptions eo;
  eo.steps = o.steps;
  eo.reps = o.reps;
  eo.burn_in = o.burn_in;
  eo.seed = o.seed;
  eo.level = o.level;
  eo.spectrum = o.spectrum;
  eo.threads = o.threads;
  // The time budget: an estimate of fixed size cut short has nothing to report (core::BudgetExhausted: exit 3).
  const stats::Estimate e = [&] {
    const core::StopScope budget(
        core::StopToken::after_seconds(cli::dist::budget_seconds(cli::check_time_budget(o.time_budget))));
    const cli::dist::Job job(o.dist);
    return stats::estimate(law, eo);
  }();
  if (o.json) {
    ordered_json j = cli::common_fields("estimate");
    cli::put_law(j, law_text);
    j["estimate"] = finite_or_null(e.estimate);
    j["ci"] = interval_json(e.ci);
    j["guarantee"] = stats::to_string(e.guarantee);
    j["sign"] = exact::to_string(stats::supported_sign(e.ci));
    j["steps_per_rep"] = e.steps_per_rep;
    j["reps"] = e.reps;
    j["steps_total"] = e.steps_total;
    j["burn_in"] = e.burn_in;
    j["seed"] = std::to_string(o.seed);
    if (o.spectrum) {
      ordered_json s = ordered_json::array(), sc = ordered_json::array();
      for (std::size_t i = 0; i < e.spectrum.size(); ++i) {
        s.push_back(finite_or_null(e.spectrum[i]));
        sc.push_back(interval_json(e.spectrum_ci[i]));
      }
      j["spectrum"] = s;
      j["spectrum_ci"] = sc;
    }
    j["variance_method"] = e.variance_method;
    j["std_error"] = finite_or_null(e.std_error);
    j["iid_increments"] = e.iid_increments;
    j["batch_size"] = e.batch_size;
    ordered_json ub = ordered_json::array();
    for (const auto& u : e.upper_bounds) {
      ub.push_back({{"value", finite_or_null(u.value)},
                    {"level", u.level},
                    {"guarantee", stats::to_string(u.guarantee)},
                    {"steps", u.steps},
                    {"method", u.method}});
    }
    j["upper_bounds"] = ub;
    j["assumption"] = e.assumption;
    j["message"] = e.message;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("law: {}\n", law_text.size() > 200 ? law_text.substr(0, 200) + "..." : law_text);
    if (!e.finite) {
      fmt::print("Lambda: no finite estimate\n  note: {}\n", e.message);
      return cli::kExitOk;
    }
    fmt::print("Lambda ~ {:.8g}   {:g}% CI [{}, {}]  ({} guarantee)\n", e.estimate, 100 * o.level, fmt_num(e.ci.lower),
               fmt_num(e.ci.upper), stats::to_string(e.guarantee));
    fmt::print("  sign at this level: {}\n", exact::to_string(stats::supported_sign(e.ci)));
    fmt::print("  variance: {} (std error {:.3g}); i.i.d. increments: {}\n", e.variance_method, e.std_error,
               e.iid_increments ? "yes" : "no");
    fmt::print("  steps: {} per replicate x {} replicates (+ burn-in {}), seed {}\n", e.steps_per_rep, e.reps,
               e.burn_in, o.seed);
    for (std::size_t i = 0; i < e.spectrum.size(); ++i) {
      fmt::print("  lambda_{} ~ {:.8g}   CI [{}, {}]\n", i + 1, e.spectrum[i], fmt_num(e.spectrum_ci[i].lower),
                 fmt_num(e.spectrum_ci[i].upper));
    }
    for (const auto& u : e.upper_bounds) {
      fmt::print("  upper bound ({}, n = {}, {}): Lambda <= {}\n", stats::to_string(u.guarantee), u.steps, u.method,
                 fmt_num(u.value));
    }
    fmt::print("  assumption: {}\n", e.assumption);
    if (!e.message.empty()) fmt::print("  note: {}\n", e.message);
  }
  return cli::kExitOk;
}

int run_sign(const StatsOptions& o) {
  std::string law_text;
  const laws::MatrixLaw law = load(o, law_text);
  stats::SignOptions so;
  so.level = o.level;
  so.budget = o.budget;
  so.seed = o.seed;
  so.threads = o.threads;
  // The time budget ends the sequential test like --budget does (valid at any stopping time): exit 3 when it
  // stopped the test undecided.
  bool out_of_time = false;
  const stats::SignResult r = [&] {
    const core::StopScope budget(
        core::StopToken::after_seconds(cli::dist::budget_seconds(cli::check_time_budget(o.time_budget))));
    const cli::dist::Job job(o.dist);
    stats::SignResult res = stats::sign_test(law, so);
    out_of_time = core::scope_expired();
    return res;
  }();
  if (o.json) {
    ordered_json j = cli::common_fields("sign");
    cli::put_law(j, law_text);
    j["sign"] = exact::to_string(r.sign);
    j["level"] = r.level;
    j["guarantee"] = stats::to_string(r.guarantee);
    j["steps_used"] = r.steps_used;
    j["budget"] = o.budget;
    j["interval"] = interval_json(r.interval);
    j["estimate"] = finite_or_null(r.estimate);
    j["seed"] = std::to_string(o.seed);
    j["method"] = r.method;
    j["assumption"] = r.assumption;
    j["message"] = r.message;
    if (r.tail) {
      j["clipping"] = {{"lower", r.tail->clip_low}, {"upper", r.tail->clip_high},
                       {"bias_lower", r.tail->bias_low}, {"bias_upper", r.tail->bias_high}};
    }
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("law: {}\n", law_text.size() > 200 ? law_text.substr(0, 200) + "..." : law_text);
    fmt::print("sign: {}  (level {:g}, {} guarantee)\n", exact::to_string(r.sign), r.level,
               stats::to_string(r.guarantee));
    fmt::print("  interval for Lambda: [{}, {}]\n", fmt_num(r.interval.lower), fmt_num(r.interval.upper));
    fmt::print("  steps used: {} of {}; method: {}; seed {}\n", r.steps_used, o.budget, r.method, o.seed);
    if (!r.assumption.empty()) fmt::print("  assumption: {}\n", r.assumption);
    if (!r.message.empty()) fmt::print("  note: {}\n", r.message);
  }
  return out_of_time && r.sign == exact::Sign::undetermined ? cli::kExitNotConverged : cli::kExitOk;
}

void add_common(CLI::App* cmd, StatsOptions& o) {
  cmd->add_option("--law", o.law, "law of the multiplier A (docs/statistics.md), or @FILE")->required();
  cmd->add_option("--seed", o.seed, "64-bit seed of the counter-based random streams")->default_val(0);
  cmd->add_option("--threads", o.threads, "worker threads (0: all cores); results do not depend on it")
      ->default_val(0);
  cmd->add_flag("--json", o.json, "print JSON (docs/schema/)");
  cli::add_time_budget(cmd, o.time_budget);
  cli::dist::add_flags(cmd, o.dist);
}

}  // namespace

namespace lyapcert::cli {

void register_stats_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<StatsOptions>();
  auto* est = app.add_subcommand("estimate", "Monte Carlo estimate of the top exponent with a confidence interval");
  add_common(est, *o);
  est->add_option("--steps", o->steps, "steps per replicate after burn-in (16..2^40)")->default_val(100000);
  est->add_option("--reps", o->reps, "independent replicates (1..2^32-1)")->default_val(32);
  est->add_option("--burn-in", o->burn_in, "discarded steps per replicate (default 0 for i.i.d. increments, "
                                           "else max(100, steps/10))");
  est->add_option("--level", o->level, "confidence level in (0, 1)")->default_val(0.95);
  est->add_flag("--spectrum", o->spectrum, "all d exponents (QR / Benettin)");
  reg.push_back({est, [o] { return run_estimate(*o); }});

  auto o2 = std::make_shared<StatsOptions>();
  o2->level = 0.99;
  auto* sign = app.add_subcommand("sign", "sequential Monte Carlo sign test of the top exponent");
  add_common(sign, *o2);
  sign->add_option("--level", o2->level, "confidence level in (0, 1)")->default_val(0.99);
  sign->add_option("--budget", o2->budget, "most simulated steps (16384..2^44)")->default_val(10000000);
  reg.push_back({sign, [o2] { return run_sign(*o2); }});
}

}  // namespace lyapcert::cli
