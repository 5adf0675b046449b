// verify subcommand: lyapcert as an oracle for other implementations (docs/oracle.md). Parsing and printing only;
// reading the CSV and classifying rows is lyapcert::oracle (lib/lyapcert/oracle/).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <vector>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/oracle.hpp"
#include "model_flags.hpp"
#include "output.hpp"

namespace lyapcert::cli {
namespace {

using nlohmann::ordered_json;
using oracle::Verdict;

struct VerifyCliOptions {
  std::string against;
  std::string quantity;
  std::string sigmas = "auto";
  double alpha = 1e-3;
  std::string rtol = "0", atol = "0";
  int digits = 16;
  long max_bits = 65536;
  double time_budget = kDefaultTimeBudget;
  double law_budget = 60;
  std::uint64_t max_atoms = 10'000'000;
  bool allow_absolute_data = false;
  unsigned jobs = 1;
  bool json = false;
};

ordered_json enclosure_json(const oracle::PrintedEnclosure& e, bool boundary) {
  ordered_json j;
  j["lower"] = e.lower;
  j["upper"] = e.upper;
  j[boundary ? "direction" : "sign"] = e.sign;
  j["converged"] = e.converged;
  return j;
}

ordered_json row_json(const oracle::Plan& plan, const oracle::Row& row, const oracle::RowResult& r) {
  ordered_json j;
  j["line"] = row.line;
  ordered_json in = ordered_json::object();
  for (const auto& [k, v] : row.inputs) in[k] = v;
  j["inputs"] = in;
  j["verdict"] = oracle::to_string(r.verdict);
  if (plan.quantity == oracle::Quantity::phase) {
    j["claimed_phase"] = row.phase->claimed;
    j["certified_phase"] = r.certified_phase.empty() ? ordered_json(nullptr) : ordered_json(r.certified_phase);
    j["phase_candidates"] = r.candidates;
    j["lambda_plus"] = r.lambda_plus ? enclosure_json(*r.lambda_plus, false) : ordered_json(nullptr);
    j["lambda_minus"] = r.lambda_minus ? enclosure_json(*r.lambda_minus, false) : ordered_json(nullptr);
  } else {
    const oracle::Claim& c = row.claim;
    if (c.nan) {
      j["claim"] = nullptr;
    } else {
      ordered_json cj;
      cj["kind"] = oracle::to_string(c.kind);
      cj["lower"] = oracle::decimal(c.range.lower, 17, exact::Round::down);
      cj["upper"] = oracle::decimal(c.range.upper, 17, exact::Round::up);
      j["claim"] = cj;
    }
    j["certified"] = r.certified ? enclosure_json(*r.certified, plan.quantity == oracle::Quantity::boundary)
                                 : ordered_json(nullptr);
    if (r.miss) {
      ordered_json m;
      m["distance"] = r.miss->infinite ? ordered_json("inf")
                      : r.miss->distance ? ordered_json(oracle::decimal(*r.miss->distance, 6, exact::Round::down))
                                         : ordered_json(nullptr);
      m["error_bars"] = r.miss->infinite ? ordered_json("inf")
                        : r.miss->error_bars ? ordered_json(oracle::decimal(*r.miss->error_bars, 6, exact::Round::down))
                                             : ordered_json(nullptr);
      j["miss"] = m;
    } else {
      j["miss"] = nullptr;
    }
  }
  j["method"] = r.method;
  j["reason"] = r.reason;
  return j;
}

std::string row_label(const oracle::Row& row) {
  std::string s;
  for (const auto& [k, v] : row.inputs) {
    if (k == "value" || k == "stderr" || k == "lower" || k == "upper" || k == "root" || k == "phase") continue;
    if (v.empty()) continue;
    if (!s.empty()) s += " ";
    s += fmt::format("{}={}", k, v.size() > 100 ? v.substr(0, 97) + "..." : v);
  }
  return s;
}

int run_verify(const VerifyCliOptions& o) {
  oracle::VerifyOptions opt;
  if (!o.quantity.empty()) opt.quantity = oracle::parse_quantity(o.quantity);
  if (o.sigmas != "auto") {
    opt.sigmas = exact::parse_rational(o.sigmas);
    if (*opt.sigmas <= 0) throw InputError(fmt::format("--sigmas must be > 0 or 'auto', got {}", o.sigmas));
  }
  opt.alpha = o.alpha;
  opt.rtol = exact::parse_rational(o.rtol);
  opt.atol = exact::parse_rational(o.atol);
  opt.acc = lyap::Accuracy{o.digits, o.max_bits};
  opt.time_budget = o.law_budget;
  opt.max_atoms = o.max_atoms;
  opt.allow_absolute_data = o.allow_absolute_data;
  opt.sample_data = model_flags::sample_xy;  // phase rows' data_sample/seed: the sampler of phase --data-sample
  check_time_budget(o.time_budget);
  if (!(o.law_budget > 0) || o.law_budget > kMaxTimeBudget) {
    throw InputError(fmt::format("--law-budget must be in (0, 10^6] seconds, got {}", o.law_budget));
  }

  const oracle::CsvTable table = oracle::read_csv_file(o.against);
  const std::string base_dir = std::filesystem::path(o.against).parent_path().string();
  const oracle::Plan plan = oracle::make_plan(table, opt, base_dir);
  oracle::Verifier verifier(plan, opt);

  const bool progress = ::isatty(STDERR_FILENO) && plan.rows.size() > 1;
  auto last = std::chrono::steady_clock::now();
  oracle::Summary sum;
  ordered_json rows = ordered_json::array();
  if (!o.json) {
    fmt::print("verify {} ({} rows, quantity {}{})\n", o.against, plan.rows.size(), oracle::to_string(plan.quantity),
               plan.quantity_inferred ? ", from the header" : "");
    if (plan.quantity != oracle::Quantity::phase) {
      fmt::print("error bars: K = {} sigma{}; bare values: tolerance {} + {} |v|\n",
                 oracle::decimal(plan.sigmas, 6, exact::Round::up),
                 plan.sigmas_auto ? fmt::format(" (auto: family-wise false-alarm level {} over {} rows with stderr)",
                                                o.alpha, plan.stderr_rows)
                                  : "",
                 o.atol, o.rtol);
    }
    if (!plan.ignored_columns.empty()) fmt::print("ignored columns: {}\n", fmt::join(plan.ignored_columns, ", "));
    std::fflush(stdout);
  }
  // --jobs N: rows are checked on N threads (core::parallel_for), each with its own Verifier (its own per-law
  // cache: a law's boundary search or lyapnd result may be computed once per thread); results are printed in row
  // order and do not depend on N.
  const std::size_t n_rows = plan.rows.size();
  const unsigned jobs = core::parallel_threads(n_rows, std::max(1u, o.jobs));
  // Worker 0 (the calling thread) uses `verifier`; the others build their own on their first row.
  std::vector<std::optional<oracle::Verifier>> worker_verifiers(jobs);
  std::vector<std::optional<oracle::RowResult>> results(n_rows);
  std::mutex mu;
  std::size_t next_out = 0;  // rows are printed in order as soon as every earlier row is done
  const auto emit = [&](std::size_t i, const oracle::RowResult& r) {
    const oracle::Row& row = plan.rows[i];
    ++sum.rows;
    if (r.verdict == Verdict::consistent) ++sum.consistent;
    if (r.verdict == Verdict::inconsistent) ++sum.inconsistent;
    if (r.verdict == Verdict::undetermined) ++sum.undetermined;
    if (o.json) {
      rows.push_back(row_json(plan, row, r));
    } else {
      fmt::print("line {}: {}  {}\n", row.line, oracle::to_string(r.verdict), row_label(row));
      if (r.verdict != Verdict::consistent) fmt::print("    {}\n", r.reason);
      std::fflush(stdout);
    }
    if (progress) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last > std::chrono::milliseconds(200) || i + 1 == plan.rows.size()) {
        last = now;
        fmt::print(stderr, "\rverify: {}/{} rows, {} inconsistent, {} undetermined", i + 1, plan.rows.size(),
                   sum.inconsistent, sum.undetermined);
        std::fflush(stderr);
      }
    }
  };
  // --time-budget: the whole command (docs/cli.md). A row whose check ended after the budget ran out may rest on
  // a cut computation (a boundary search with an unresolved rest), so it is "undetermined", like the rows never
  // started; exit 3 unless a row finished before was inconsistent.
  const auto not_checked = [&] {
    oracle::RowResult r;
    r.verdict = Verdict::undetermined;
    r.reason = fmt::format("not checked: the time budget of {:g} s (--time-budget) ended first", o.time_budget);
    return r;
  };
  std::size_t not_done = 0;  // rows made undetermined by the budget
  {
    const core::StopScope budget(core::StopToken::after_seconds(o.time_budget));
    core::ParallelOptions po;
    po.jobs = jobs;
    core::parallel_for(n_rows, po, [&](std::size_t i, unsigned w) {
      oracle::Verifier* v = &verifier;
      if (w > 0) {
        if (!worker_verifiers[w]) worker_verifiers[w].emplace(plan, opt);
        v = &*worker_verifiers[w];
      }
      oracle::RowResult r = v->check(i);
      std::lock_guard<std::mutex> lock(mu);
      if (core::scope_expired()) {
        r = not_checked();
        ++not_done;
      }
      results[i] = std::move(r);
      for (; next_out < n_rows && results[next_out]; ++next_out) {
        emit(next_out, *results[next_out]);
        results[next_out].reset();
      }
    });
    if (progress) fmt::print(stderr, "\r\033[K");
    core::throw_if_interrupted(fmt::format("interrupted after {} of {} rows", next_out, n_rows));
  }
  for (; next_out < n_rows; ++next_out) {
    if (!results[next_out]) ++not_done;
    emit(next_out, results[next_out] ? *results[next_out] : not_checked());
  }
  const bool budget_hit = not_done > 0;
  if (budget_hit) {
    std::cerr << fmt::format("lyapcert: time budget of {:g} s exhausted: {} of {} rows not checked (undetermined)\n",
                             o.time_budget, not_done, n_rows);
  }
  const int status = oracle::exit_status(sum);
  if (o.json) {
    ordered_json j = common_fields("verify");
    j["file"] = o.against;
    j["quantity"] = oracle::to_string(plan.quantity);
    j["quantity_inferred"] = plan.quantity_inferred;
    j["columns"] = plan.used_columns;
    j["ignored_columns"] = plan.ignored_columns;
    j["sigmas"] = oracle::decimal(plan.sigmas, 6, exact::Round::up);
    j["sigmas_auto"] = plan.sigmas_auto;
    j["alpha"] = o.alpha;
    j["rtol"] = o.rtol;
    j["atol"] = o.atol;
    j["digits"] = o.digits;
    j["rows"] = rows;
    j["summary"] = {{"rows", sum.rows},
                    {"consistent", sum.consistent},
                    {"inconsistent", sum.inconsistent},
                    {"undetermined", sum.undetermined}};
    j["all_consistent"] = status == 0;
    j["time_budget"] = o.time_budget;
    j["complete"] = !budget_hit;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("summary: {} rows: {} consistent, {} inconsistent, {} undetermined -> {}\n", sum.rows, sum.consistent,
               sum.inconsistent, sum.undetermined,
               status == 0 ? "all consistent" : status == oracle::kExitInconsistent ? "INCONSISTENT" : "undetermined");
  }
  return status;
}

}  // namespace

void register_verify_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<VerifyCliOptions>();
  auto* cmd = app.add_subcommand(
      "verify", "check another implementation's results (CSV) against certified values (docs/oracle.md)");
  cmd->add_option("--against", o->against, "CSV file with a header naming its columns")->required();
  cmd->add_option("--quantity", o->quantity, "lyap1d, lyapnd, boundary or phase (default: from the header)");
  cmd->add_option("--sigmas", o->sigmas,
                  "K: a value with a one-sigma error bar s admits [v - K s, v + K s]; 'auto' (default): Bonferroni "
                  "K for --alpha over the rows with stderr")
      ->default_val("auto");
  cmd->add_option("--alpha", o->alpha, "family-wise false-alarm level of --sigmas auto")->default_val(1e-3);
  cmd->add_option("--rtol", o->rtol, "bare values (no error bar) admit v +- (atol + rtol |v|); exact")->default_val("0");
  cmd->add_option("--atol", o->atol, "see --rtol; exact")->default_val("0");
  cmd->add_option("--digits", o->digits, "requested digits of each certified value (1..10000)")->default_val(16);
  cmd->add_option("--max-bits", o->max_bits, "cap on the working precision in bits")->default_val(65536);
  add_time_budget(cmd, o->time_budget);
  cmd->add_option("--law-budget", o->law_budget, "lyapnd: seconds per distinct law (within --time-budget)")
      ->default_val(60);
  cmd->add_option("--max-atoms", o->max_atoms, "refuse finite laws with more atoms")->default_val(10'000'000);
  cmd->add_option("--jobs", o->jobs, "rows checked in parallel on N threads (default 1; output does not depend on N)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_flag("--allow-absolute-data", o->allow_absolute_data,
                "phase rows: also read 'data' files named by absolute paths or outside the CSV's folder");
  cmd->add_flag("--json", o->json, "print JSON (docs/schema/verify.schema.json)");
  reg.push_back({cmd, [o] { return run_verify(*o); }});
}

}  // namespace lyapcert::cli
