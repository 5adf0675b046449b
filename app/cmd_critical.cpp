// critical-snr subcommand: a certified interval for the critical SNR below which the two-layer saddle
// collapses (phase III) at some learning rate (docs/claims.md; proofs/models/critical.md).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

#include "commands.hpp"
#include "dist.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/models/critical.hpp"
#include "lyapcert/models/twolayer.hpp"
#include "output.hpp"

namespace lyapcert::cli {
namespace {

using exact::Rational;
using nlohmann::ordered_json;

struct CriticalOptions {
  std::string k = "1", gamma = "0", snr_min = "1/100000", snr_max = "49/100";
  std::uint64_t batch = 1;
  int digits = 2;
  int jobs = 2;
  std::size_t max_evaluations = 20000;
  bool json = false;
  double time_budget = kDefaultTimeBudget;
  dist::Flags dist;  // --journal, --resume
};

std::string q(const Rational& x) { return exact::to_text(x); }
double d(const Rational& x) { return x.convert_to<double>(); }

// A 6-significant-digit decimal <= x (for printing certified lower bounds; exact input for lyapcert).
std::string down6(const Rational& x) { return exact::rational_to_decimal(x, 6, exact::Round::down); }

int run_critical(const CriticalOptions& o) {
  models::CriticalSpec spec;
  spec.k = exact::parse_rational(o.k);
  spec.gamma = exact::parse_rational(o.gamma);
  spec.batch = o.batch;
  spec.digits = o.digits;
  spec.snr_min = exact::parse_rational(o.snr_min);
  spec.snr_max = exact::parse_rational(o.snr_max);
  spec.options.jobs = o.jobs;
  spec.options.max_evaluations = o.max_evaluations;
  check_time_budget(o.time_budget);
  const bool tty = dist::stderr_is_terminal();
  const dist::Job job(o.dist);  // cell certifications across MPI ranks, --journal
  const auto r = [&] {
    const core::StopScope budget(core::StopToken::after_seconds(dist::budget_seconds(o.time_budget)));
    return models::critical_snr(spec, [&](const std::string& s) {
      if (tty && !o.json) fmt::print(stderr, "{}\n", s);
    });
  }();
  // SIGINT: exit 130 with how far the bisection got (main); the time budget: the certified bracket so far, exit 3.
  core::throw_if_interrupted(fmt::format("interrupted: the critical SNR was bracketed in [{}, {}] so far",
                                         q(r.snr_lo), q(r.snr_hi)));
  const auto& w = r.witness;
  const auto& c = r.certificate;
  // sigma^2(R) decreases in R; the bracket lies inside the search range (0, 1/2) that critical_snr checked, except
  // that its lower end is still 0 when the budget ended before any collapse witness: sigma^2 is then unbounded.
  const auto s2_text = [&](const Rational& R) {
    return R > 0 ? q(models::sigma2_from_snr(spec.k, R)) : std::string("inf");
  };
  const auto sigma_over_k_json = [&](const Rational& R) -> ordered_json {
    if (!(R > 0)) return nullptr;  // unbounded
    return models::sigma_over_k_approx(spec.k, R);
  };
  if (o.json) {
    ordered_json j = common_fields("critical-snr");
    j["model"] = "twolayer";
    j["k"] = q(spec.k);
    j["gamma"] = q(spec.gamma);
    j["batch"] = o.batch;
    j["digits"] = o.digits;
    j["snr"] = {{"lower", q(r.snr_lo)}, {"upper", q(r.snr_hi)}};
    j["batch_snr"] = {{"lower", q(models::batch_snr(spec, r.snr_lo))}, {"upper", q(models::batch_snr(spec, r.snr_hi))}};
    j["sigma2"] = {{"lower", s2_text(r.snr_hi)}, {"upper", s2_text(r.snr_lo)}};
    j["sigma_over_k_approx"] = {{"lower", sigma_over_k_json(r.snr_hi)}, {"upper", sigma_over_k_json(r.snr_lo)}};
    ordered_json jw;
    jw["found"] = w.found;
    jw["snr"] = q(w.snr);
    jw["sigma2"] = q(w.sigma2);
    jw["lr"] = q(w.lr);
    if (w.found || w.result.lambda_plus.value.ball.is_finite()) {
      jw["lambda_plus"] = certified_json(w.result.lambda_plus.value, 3);
      jw["lambda_minus"] = certified_json(w.result.lambda_minus.value, 3);
      jw["phase"] = models::to_string(w.result.phase);
    }
    j["witness"] = jw;
    ordered_json jc;
    jc["certified"] = c.certified;
    jc["snr"] = q(c.snr);
    jc["sigma2"] = q(c.sigma2);
    if (c.lr_a > 0) {
      jc["lr_range"] = {{"lower", q(c.lr_a)}, {"upper", q(c.lr_b)}};
      jc["small_lr_bound"] = {{"proof", "MODEL-CRIT-2"},
                              {"lr_max", q(c.lr_a)},
                              {"delta", q(c.delta)},
                              {"lambda_plus_lower", down6(c.small_bound_lower)}};
      if (c.lr_b > 0) {
        jc["large_lr_bound"] = {
            {"proof", "MODEL-CRIT-3"}, {"lr_min", q(c.lr_b)}, {"lambda_plus_lower", down6(c.large_bound_lower)}};
      }
    }
    ordered_json cells = ordered_json::array();
    for (const auto& cell : c.cells) {
      cells.push_back({{"lower", q(cell.lower)}, {"upper", q(cell.upper)}, {"lambda_plus_lower", down6(cell.lambda_plus_lower)}});
    }
    jc["cells"] = cells;
    jc["evaluations"] = c.evaluations;
    jc["message"] = c.message;
    j["no_collapse"] = jc;
    ordered_json steps = ordered_json::array();
    for (const auto& st : r.steps) {
      steps.push_back(
          {{"snr", q(st.snr)}, {"approx_min_lambda_plus", st.approx_min}, {"label", models::to_string(st.label)}});
    }
    j["bisection"] = steps;
    j["complete"] = r.complete;
    j["message"] = r.message;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("critical SNR of the two-layer saddle: k = {}, gamma = {}, batch = {}, Gaussian data model\n",
               q(spec.k), q(spec.gamma), o.batch);
    fmt::print("critical per-sample SNR in [{}, {}]  (~[{:.6g}, {:.6g}]; batch SNR ~[{:.6g}, {:.6g}])\n", q(r.snr_lo),
               q(r.snr_hi), d(r.snr_lo), d(r.snr_hi), d(models::batch_snr(spec, r.snr_lo)),
               d(models::batch_snr(spec, r.snr_hi)));
    if (r.snr_lo > 0 && r.snr_hi > 0) {
      fmt::print("critical sigma/|k| in ~[{:.6g}, {:.6g}]\n", models::sigma_over_k_approx(spec.k, r.snr_hi),
                 models::sigma_over_k_approx(spec.k, r.snr_lo));
    }
    if (w.found) {
      const auto dp = lyap::to_decimal(w.result.lambda_plus.value, 3);
      const auto dm = lyap::to_decimal(w.result.lambda_minus.value, 3);
      fmt::print("collapse witness at SNR {} (sigma^2 = {}): lr = {}\n", q(w.snr), q(w.sigma2), q(w.lr));
      fmt::print("  Lambda_+ in [{}, {}]   Lambda_- in [{}, {}]   phase: {}\n", dp.lower, dp.upper, dm.lower, dm.upper,
                 models::to_string(w.result.phase));
    } else {
      fmt::print("no certified collapse witness\n");
    }
    if (c.certified) {
      const double mn = models::min_cell_lower_bound(c);
      fmt::print("no collapse at SNR {} (sigma^2 = {}): Lambda_+ > 0 for every lr > 0\n", q(c.snr), q(c.sigma2));
      fmt::print("  lr <= {}: MODEL-CRIT-2 bound (delta = {}) >= {} at lr = {}\n", q(c.lr_a), q(c.delta),
                 down6(c.small_bound_lower), q(c.lr_a));
      fmt::print("  lr >= {}: MODEL-CRIT-3 bound >= {} at lr = {}\n", q(c.lr_b), down6(c.large_bound_lower), q(c.lr_b));
      fmt::print("  [{}, {}]: {} cells certified ({} evaluations), min lower bound of Lambda_+ {:.4g}\n", q(c.lr_a),
                 q(c.lr_b), c.cells.size(), c.evaluations, mn);
    } else {
      fmt::print("no-collapse certificate at SNR {}: not certified ({})\n", q(r.snr_hi), c.message);
    }
    fmt::print("complete: {}{}\n", r.complete ? "yes" : "no", r.message.empty() ? "" : " (" + r.message + ")");
  }
  return r.complete ? kExitOk : kExitNotConverged;
}

}  // namespace

void register_critical_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<CriticalOptions>();
  auto* cmd = app.add_subcommand(
      "critical-snr", "certified interval for the critical SNR of collapse (phase III) of the two-layer saddle");
  cmd->add_option("--k", o->k, "signal k != 0 (the critical SNR does not depend on it)")->default_val("1");
  cmd->add_option("--batch", o->batch, "batch size S in [1, 10^6]")
      ->default_val(1)
      ->check(CLI::Range(std::uint64_t{1}, models::kMaxBatch));
  cmd->add_option("--gamma", o->gamma, "weight decay (only 0 is supported)")->default_val("0");
  cmd->add_option("--digits", o->digits, "relative width 10^-N of the SNR interval (0..6; 0: no bisection)")->default_val(2);
  cmd->add_option("--snr-min", o->snr_min, "lowest SNR the search tries")->default_val("1/100000");
  cmd->add_option("--snr-max", o->snr_max, "top of the search range (< 1/2; must not collapse)")->default_val("49/100");
  cmd->add_option("--jobs", o->jobs, "threads")->default_val(2)->check(CLI::Range(1, 256));
  cmd->add_option("--max-evaluations", o->max_evaluations, "cap on cell evaluations of the certificate")
      ->default_val(20000);
  cmd->add_flag("--json", o->json, "print JSON");
  add_time_budget(cmd, o->time_budget);
  dist::add_flags(cmd, o->dist);
  reg.push_back({cmd, [o] { return run_critical(*o); }});
}

}  // namespace lyapcert::cli
