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
#include "dist.hpp"
#include "lyapcert/core/distribute.hpp"
#include "lyapcert/lyap/codec.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/oracle.hpp"
#include "output.hpp"

namespace lyapcert::cli {
namespace {

// Exact bytes of a row's result (core/distribute.hpp): rationals as exact text, so a row checked on another rank or
// read back from a journal prints the same.
void put_q(core::ItemWriter& w, const oracle::XReal& x) {
  w.i64(x.inf);
  lyap::encode(w, x.q);
}
void get_q(core::ItemReader& r, oracle::XReal& x) {
  x.inf = static_cast<int>(r.i64());
  lyap::decode(r, x.q);
}
void put_opt_q(core::ItemWriter& w, const std::optional<exact::Rational>& q) {
  w.boolean(q.has_value());
  if (q) lyap::encode(w, *q);
}
void get_opt_q(core::ItemReader& r, std::optional<exact::Rational>& q) {
  q.reset();
  if (r.boolean()) lyap::decode(r, q.emplace());
}
void put_enc(core::ItemWriter& w, const std::optional<oracle::PrintedEnclosure>& e) {
  w.boolean(e.has_value());
  if (!e) return;
  w.str(e->lower);
  w.str(e->upper);
  w.str(oracle::to_string(e->sign));
  put_q(w, e->interval.lower);
  put_q(w, e->interval.upper);
  w.boolean(e->converged);
}
void get_enc(core::ItemReader& r, std::optional<oracle::PrintedEnclosure>& e) {
  e.reset();
  if (!r.boolean()) return;
  auto& x = e.emplace();
  x.lower = r.str();
  x.upper = r.str();
  const auto sign = oracle::parse_enclosure_sign(r.str());
  if (!sign) throw std::runtime_error("damaged item record");
  x.sign = *sign;
  get_q(r, x.interval.lower);
  get_q(r, x.interval.upper);
  x.converged = r.boolean();
}
void encode_row(core::ItemWriter& w, const oracle::RowResult& x) {
  w.u64(static_cast<std::uint64_t>(x.verdict));
  put_enc(w, x.certified);
  put_enc(w, x.lambda_plus);
  put_enc(w, x.lambda_minus);
  // Phases as their text (the record's bytes as before); "" for a row with no certified phase.
  w.str(x.certified_phase ? models::to_string(*x.certified_phase) : "");
  w.u64(x.candidates.size());
  for (const models::Phase c : x.candidates) w.str(models::to_string(c));
  w.boolean(x.miss.has_value());
  if (x.miss) {
    w.boolean(x.miss->infinite);
    put_opt_q(w, x.miss->distance);
    put_opt_q(w, x.miss->error_bars);
  }
  w.str(x.method);
  w.str(x.reason);
}
void decode_row(core::ItemReader& r, oracle::RowResult& x) {
  const std::uint64_t v = r.u64();
  if (v > static_cast<std::uint64_t>(oracle::Verdict::undetermined)) throw std::runtime_error("damaged item record");
  x.verdict = static_cast<oracle::Verdict>(v);
  get_enc(r, x.certified);
  get_enc(r, x.lambda_plus);
  get_enc(r, x.lambda_minus);
  const auto phase_of = [](const std::string& text) {
    const auto p = models::parse_phase(text);
    if (!p) throw std::runtime_error("damaged item record");
    return *p;
  };
  x.certified_phase.reset();
  if (const std::string phase = r.str(); !phase.empty()) x.certified_phase = phase_of(phase);
  const std::uint64_t n = r.u64();
  if (n > 16) throw std::runtime_error("damaged item record");
  x.candidates.clear();
  for (std::uint64_t i = 0; i < n; ++i) x.candidates.push_back(phase_of(r.str()));
  x.miss.reset();
  if (r.boolean()) {
    auto& m = x.miss.emplace();
    m.infinite = r.boolean();
    get_opt_q(r, m.distance);
    get_opt_q(r, m.error_bars);
  }
  x.method = r.str();
  x.reason = r.str();
}

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
  dist::Flags dist;  // --journal, --resume
};

ordered_json enclosure_json(const oracle::PrintedEnclosure& e, bool boundary) {
  ordered_json j;
  j["lower"] = e.lower;
  j["upper"] = e.upper;
  j[boundary ? "direction" : "sign"] = oracle::to_string(e.sign);
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
    j["claimed_phase"] = oracle::to_string(row.phase->claimed);
    j["certified_phase"] = r.certified_phase ? ordered_json(models::to_string(*r.certified_phase)) : ordered_json(nullptr);
    j["phase_candidates"] = models::to_strings(r.candidates);
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
  check_time_budget(o.time_budget);
  if (!(o.law_budget > 0) || o.law_budget > kMaxTimeBudget) {
    throw InputError(fmt::format("--law-budget must be in (0, 10^6] seconds, got {}", o.law_budget));
  }

  const oracle::CsvTable table = oracle::read_csv_file(o.against);
  const std::string base_dir = std::filesystem::path(o.against).parent_path().string();
  const oracle::Plan plan = oracle::make_plan(table, opt, base_dir);
  oracle::Verifier verifier(plan, opt);
  const dist::Job job(o.dist);  // rows across MPI ranks, --journal

  const bool progress = dist::stderr_is_terminal() && plan.rows.size() > 1 && !has_progress_sink();
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
    report_progress("verify rows", i + 1, plan.rows.size());  // an in-process host's bar, if any
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
  // started; exit 3 unless a row finished before was inconsistent. Such a row has no result (compute returns
  // false): it is neither journalled nor sent, so a --resume checks it again.
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
    // Rows may be checked on other MPI ranks or read back from --journal (app/dist.hpp): a row's result travels
    // as exact bytes (row_codec) and is printed on the root in row order as soon as every earlier row is in.
    core::distributed_for(
        core::SweepItems{"verify/rows", n_rows,
                         [&](std::size_t i, unsigned w) {
                           oracle::Verifier* v = &verifier;
                           if (w > 0) {
                             if (!worker_verifiers[w]) worker_verifiers[w].emplace(plan, opt);
                             v = &*worker_verifiers[w];
                           }
                           oracle::RowResult r = v->check(i);
                           if (core::scope_expired()) return false;
                           std::lock_guard<std::mutex> lock(mu);
                           results[i] = std::move(r);
                           return true;
                         },
                         [&](std::size_t i, core::ItemWriter& w) { encode_row(w, *results[i]); },
                         [&](std::size_t i, core::ItemReader& r) {
                           oracle::RowResult x;
                           decode_row(r, x);
                           std::lock_guard<std::mutex> lock(mu);
                           results[i] = std::move(x);
                         },
                         {},
                         [&](std::size_t) {
                           std::lock_guard<std::mutex> lock(mu);
                           for (; next_out < n_rows && results[next_out]; ++next_out) {
                             emit(next_out, *results[next_out]);
                             results[next_out].reset();
                           }
                         }},
        po);
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
  dist::add_flags(cmd, o->dist);
  reg.push_back({cmd, [o] { return run_verify(*o); }});
}

}  // namespace lyapcert::cli
