// table and recheck subcommands: certified tables with provenance and their independent re-verification
// (docs/tables.md). Parsing, progress and file output only; every number comes from lyapcert::tables.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "dist.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/input.hpp"
#include "lyapcert/tables.hpp"
#include "lyapcert/tables/json_input.hpp"
#include "output.hpp"

namespace {

using namespace lyapcert;
using tables::Json;

constexpr int kExitRecheckFailed = 4;  // some row failed its recheck (like `verify`'s "inconsistent")

unsigned default_jobs() { return std::max(1u, std::thread::hardware_concurrency()); }

struct TableOptions {
  std::string spec, out, formats = "csv,json,tex,md";
  unsigned jobs = 0;
  bool fresh = false, quiet = false;
  double time_budget = cli::kDefaultTimeBudget;
};

int run_table(const TableOptions& o) {
  // Everything that can be wrong with the input is found here, before any row is computed or file written.
  std::set<std::string> formats;
  {
    std::stringstream ss(o.formats);
    std::string f;
    while (std::getline(ss, f, ',')) {
      if (f != "csv" && f != "json" && f != "tex" && f != "md") {
        throw InputError(fmt::format("unknown format '{}' in --format (csv, json, tex, md)", f));
      }
      formats.insert(f);
    }
    if (formats.empty()) throw InputError("--format lists no format (csv, json, tex, md)");
  }
  if (o.out.empty()) throw InputError("--out must not be empty");
  const tables::TableSpec spec = tables::parse_spec(read_input_file(o.spec, "spec file", kMaxInputFileBytes), o.spec);
  for (const auto& f : formats) {
    std::error_code ec;
    if (std::filesystem::equivalent(o.spec, fmt::format("{}.{}", o.out, f), ec)) {
      throw InputError(fmt::format("--out {} would overwrite the spec file '{}'", o.out, o.spec));
    }
  }
  const std::string journal = o.out + ".partial.jsonl";
  cli::check_time_budget(o.time_budget);
  {
    std::vector<std::string> suffixes{".partial.jsonl"};
    for (const auto& f : formats) suffixes.push_back("." + f);
    cli::check_output_prefix(o.out, suffixes);  // before any row is computed
  }
  // Under MPI only rank 0 reads and writes the journal (app/dist.hpp); the other ranks compute what it hands out.
  if (o.fresh && cli::dist::is_root()) std::remove(journal.c_str());

  tables::RunOptions ro;
  ro.jobs = o.jobs ? o.jobs : default_jobs();
  ro.journal_path = cli::dist::is_root() ? journal : std::string();
  const bool tty = !o.quiet && cli::dist::stderr_is_terminal() && !cli::has_progress_sink();
  if (!o.quiet && cli::has_progress_sink()) {  // an in-process host (the Python module) shows the progress
    ro.on_progress = [](const tables::Progress& p) { cli::report_progress("table rows", p.done, p.total); };
  } else if (tty) {
    ro.on_progress = [](const tables::Progress& p) {
      std::fprintf(stderr, "\rlyapcert table: %zu/%zu rows done (%zu resumed, %zu running)   ", p.done, p.total,
                   p.resumed, p.running);
      std::fflush(stderr);
    };
  }
  tables::RunResult res;
  try {
    const core::StopScope budget(core::StopToken::after_seconds(cli::dist::budget_seconds(o.time_budget)));
    const cli::dist::Job job(cli::dist::Flags{});  // rows across MPI ranks when started by mpirun
    res = tables::run_rows(spec, ro);
  } catch (const InputError&) {
    // A row's method does not apply: the spec must change, and a changed spec cannot reuse this journal.
    if (tty) std::fprintf(stderr, "\n");
    if (cli::dist::is_root()) std::remove(journal.c_str());
    throw;
  }
  if (tty) std::fprintf(stderr, "\n");
  if (res.journal_reset) {
    std::cerr << fmt::format("lyapcert: note: '{}' belonged to another spec and was replaced\n", journal);
  }
  if (!res.complete) {
    std::cerr << fmt::format("lyapcert: time budget of {:g} s exhausted: {} of {} rows done; they are kept in '{}' "
                             "and a rerun resumes from there (no table written)\n",
                             o.time_budget, res.resumed + res.computed, spec.rows.size(), journal);
    return cli::kExitNotConverged;
  }
  const Json doc = tables::table_document(spec, res.rows);
  std::vector<std::string> written;
  for (const char* f : {"json", "csv", "md", "tex"}) {
    if (!formats.count(f)) continue;
    const std::string path = fmt::format("{}.{}", o.out, f);
    const std::string text = std::string(f) == "json" ? tables::render_json(doc)
                             : std::string(f) == "csv" ? tables::render_csv(doc)
                             : std::string(f) == "md"  ? tables::render_markdown(doc)
                                                       : tables::render_tex(doc);
    cli::write_file_atomically(path, text);
    written.push_back(path);
  }
  if (cli::dist::is_root()) std::remove(journal.c_str());  // every output is complete: the journal is no longer needed
  if (!o.quiet) {
    std::cerr << fmt::format("lyapcert: table: {} rows ({} resumed from the journal, {} computed)\n",
                             spec.rows.size(), res.resumed, res.computed);
  }
  for (const auto& w : written) std::cout << w << "\n";
  if (!doc["converged"].get<bool>()) {
    std::cerr << "lyapcert: note: some rows did not reach their requested digits (\"converged\": false); their "
                 "enclosures are still certified\n";
    return cli::kExitNotConverged;
  }
  return cli::kExitOk;
}

struct RecheckCliOptions {
  std::string file, backend = "other";
  int digits = 0;
  unsigned jobs = 0;
  double time_budget = cli::kDefaultTimeBudget;
  double value_budget = 20;
  bool json = false;
  cli::dist::Flags dist;  // --journal, --resume
};

int run_recheck(const RecheckCliOptions& o) {
  const Json doc = tables::parse_json_input(read_input_file(o.file, "table file", kMaxTableFileBytes), o.file);
  tables::RecheckOptions ro;
  if (o.backend == "other") {
    ro.backend = tables::Backend::other;
  } else if (o.backend == "arb") {
    ro.backend = tables::Backend::arb;
  } else {
    throw InputError(fmt::format("unknown --backend '{}' (other, arb)", o.backend));
  }
  if (o.digits != 0) {
    if (o.digits < 1 || o.digits > 10000) throw InputError(fmt::format("--digits must be in [1, 10000], got {}", o.digits));
    ro.digits = o.digits;
  }
  ro.jobs = o.jobs ? o.jobs : default_jobs();
  cli::check_time_budget(o.time_budget);
  if (!(o.value_budget > 0) || o.value_budget > cli::kMaxTimeBudget) {
    throw InputError(fmt::format("--value-budget must be in (0, 10^6] seconds, got {}", o.value_budget));
  }
  ro.time_budget_seconds = o.value_budget;
  // --time-budget: the whole command (docs/cli.md); rows not done when it ends are "unchecked", exit 3.
  const cli::dist::Job job(o.dist);
  Json report = [&] {
    const core::StopScope budget(core::StopToken::after_seconds(o.time_budget));
    return tables::recheck_table(doc, ro);
  }();
  report["time_budget"] = o.time_budget;
  report["value_budget"] = o.value_budget;
  const std::size_t unchecked = report["unchecked"].get<std::size_t>();
  if (unchecked > 0) {
    std::cerr << fmt::format("lyapcert: time budget of {:g} s exhausted: {} of {} rows not rechecked (\"unchecked\")\n",
                             o.time_budget, unchecked, report["rows"].size());
  }
  if (o.json) {
    std::cout << report.dump(2) << "\n";
  } else {
    for (const Json& r : report["rows"]) {
      fmt::print("row {} ({}, {}): {}{}{}\n", r["index"].dump(), r["id"].is_string() ? r["id"].get<std::string>() : "?",
                 r["quantity"].is_string() ? r["quantity"].get<std::string>() : "?", r["status"].get<std::string>(),
                 r.contains("backend") ? fmt::format(" [{}]", r["backend"].get<std::string>()) : std::string(),
                 r.contains("independent") && !r["independent"].get<bool>() ? " (not independent)" : "");
      for (const Json& c : r["checks"]) {
        if (!c["ok"].get<bool>() || r["status"] == "fail") {
          fmt::print("  {} {}: {}\n", c["ok"].get<bool>() ? "ok  " : "FAIL", c["check"].get<std::string>(),
                     c["detail"].get<std::string>());
        } else if (c["check"] == "recompute" || c["check"] == "reproducible" || c["check"] == "mpfi-sign-change" ||
                   c["check"] == "independent-sign-change") {
          fmt::print("  ok   {}: {}\n", c["check"].get<std::string>(), c["detail"].get<std::string>());
        }
      }
    }
    fmt::print("{} of {} rows passed{}\n", report["passed"].get<std::size_t>(), report["rows"].size(),
               unchecked > 0 ? fmt::format(", {} unchecked (time budget)", unchecked) : std::string());
  }
  if (report["failed"].get<std::size_t>() > 0) return kExitRecheckFailed;
  return unchecked > 0 ? cli::kExitNotConverged : cli::kExitOk;
}

}  // namespace

namespace lyapcert::cli {

void register_table_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<TableOptions>();
  auto* cmd = app.add_subcommand("table", "certified table with provenance from a JSON spec (docs/tables.md)");
  cmd->add_option("--spec", o->spec, "the table spec (JSON, docs/tables.md)")->required();
  cmd->add_option("--out", o->out, "output prefix: writes PREFIX.json, PREFIX.csv, PREFIX.md, PREFIX.tex")->required();
  cmd->add_option("--format", o->formats, "comma-separated formats: csv,json,tex,md")->default_val("csv,json,tex,md");
  cmd->add_option("--jobs", o->jobs, "worker threads (default: all cores)")->check(CLI::Range(1u, 1024u));
  cmd->add_flag("--fresh", o->fresh, "ignore PREFIX.partial.jsonl and recompute every row");
  cmd->add_flag("--quiet", o->quiet, "no progress or summary on stderr");
  cli::add_time_budget(cmd, o->time_budget);
  reg.push_back({cmd, [o] { return run_table(*o); }});

  auto r = std::make_shared<RecheckCliOptions>();
  auto* rc = app.add_subcommand("recheck", "independently re-verify a certified table (JSON from 'lyapcert table')");
  rc->add_option("file", r->file, "the table, PREFIX.json")->required();
  rc->add_option("--digits", r->digits, "digits of the recomputation (default: each row's digits + 10)");
  rc->add_option("--backend", r->backend,
                 "other (an independent path: MPFI or the library's second algorithm; where none exists, the table's "
                 "algorithm at the new precision, and the report says so) or arb")
      ->default_val("other");
  cli::add_time_budget(rc, r->time_budget);
  rc->add_option("--value-budget", r->value_budget,
                 "seconds for one independently recomputed value (default 20); a slower path is cut off and the row "
                 "reported as not rechecked independently")
      ->default_val(20);
  rc->add_option("--jobs", r->jobs, "worker threads (default: all cores)")->check(CLI::Range(1u, 1024u));
  rc->add_flag("--json", r->json, "print the report as JSON (docs/schema/recheck.schema.json)");
  cli::dist::add_flags(rc, r->dist);
  reg.push_back({rc, [r] { return run_recheck(*r); }});
}

}  // namespace lyapcert::cli
