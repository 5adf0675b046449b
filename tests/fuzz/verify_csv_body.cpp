// Fuzz target verify_csv (docs/fuzzing.md): the CSV files of `lyapcert verify` -- oracle::parse_csv (quotes,
// comments, BOM, CRLF) and oracle::make_plan, which reads the header, infers the quantity and parses every row
// (laws, learning rates, claims: values, error bars, intervals, inf/nan, two-layer models) before anything is
// computed.
//
// Oracle (anything else is a bug):
//  * bad input ends in lyapcert::InputError with a message; no other exception;
//  * an accepted table has a non-empty header of distinct, non-empty, lowercase names, at least one row, and
//    every row has exactly as many fields as the header, on a line after the header's;
//  * round trip: the table written back as CSV with every field quoted parses to the same header and fields;
//  * an accepted plan has one row per record; every law a row names is in the plan's law map; a claim that is
//    not NaN has lower <= upper; K (sigmas) > 0; each boundary group has 0 < lr_min < lr_max and each row's
//    group index is in range.
// Phase rows' data files are resolved in a folder that does not exist, so the target never reads a file; rows
// with data_sample are refused (no dataset sampler: a fuzzed row must not draw 10^8 pairs). Laws are built with at most 4096
// atoms.
#include <exception>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "fuzz_bodies.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/oracle/csv.hpp"
#include "lyapcert/oracle/verify.hpp"

namespace lyapcert::fuzz {
namespace {

namespace oracle = lyapcert::oracle;

std::string quoted_csv(const oracle::CsvTable& t) {
  std::string out;
  const auto record = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ',';
      out += '"';
      for (char c : fields[i]) {
        if (c == '"') out += '"';
        out += c;
      }
      out += '"';
    }
    out += '\n';
  };
  record(t.header);
  for (const oracle::CsvRecord& r : t.rows) record(r.fields);
  return out;
}

std::string check_table(const oracle::CsvTable& t) {
  if (t.header.empty()) return "an accepted table without a header";
  if (t.rows.empty()) return "an accepted table without rows";
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    const std::string& h = t.header[i];
    if (h.empty()) return fmt::format("header column {} is empty", i + 1);
    for (char c : h)
      if (c >= 'A' && c <= 'Z') return fmt::format("header column {} is not lowercase", i + 1);
    for (std::size_t j = 0; j < i; ++j)
      if (t.header[j] == h) return fmt::format("header columns {} and {} are equal", j + 1, i + 1);
  }
  std::size_t last = t.header_line;
  for (const oracle::CsvRecord& r : t.rows) {
    if (r.fields.size() != t.header.size()) return fmt::format("line {}: {} fields", r.line, r.fields.size());
    if (r.line <= last) return fmt::format("line numbers do not increase ({} after {})", r.line, last);
    last = r.line;
  }
  return "";
}

std::string check_plan(const oracle::Plan& plan, const oracle::CsvTable& t) {
  if (plan.rows.size() != t.rows.size()) return "the plan has a different number of rows";
  if (plan.sigmas <= 0) return "sigmas <= 0";
  for (std::size_t i = 0; i < plan.rows.size(); ++i) {
    const oracle::Row& r = plan.rows[i];
    if (plan.quantity == oracle::Quantity::lyapnd && !plan.matrix_laws.count(r.law)) {
      return fmt::format("row {}: matrix law missing from the plan", i + 1);
    }
    if ((plan.quantity == oracle::Quantity::lyap1d || plan.quantity == oracle::Quantity::boundary) &&
        !plan.curvature_laws.count(r.law)) {
      return fmt::format("row {}: curvature law missing from the plan", i + 1);
    }
    if (plan.quantity == oracle::Quantity::phase) {
      if (!r.phase || r.group >= plan.phase_laws.size()) return fmt::format("row {}: no model group", i + 1);
      if (r.lr <= 0) return fmt::format("row {}: lr <= 0", i + 1);
      continue;
    }
    if (plan.quantity == oracle::Quantity::lyap1d && r.lr <= 0) return fmt::format("row {}: lr <= 0", i + 1);
    if (!r.claim.nan && oracle::compare(r.claim.range.upper, r.claim.range.lower) < 0) {
      return fmt::format("row {}: claim range with lower > upper", i + 1);
    }
    if (plan.quantity == oracle::Quantity::boundary) {
      if (r.group >= plan.boundary_groups.size()) return fmt::format("row {}: group out of range", i + 1);
    }
  }
  for (const oracle::BoundaryGroup& g : plan.boundary_groups) {
    if (!(g.lr_min > 0 && g.lr_min < g.lr_max)) return "a boundary group without 0 < lr_min < lr_max";
  }
  return "";
}

std::string run(std::string_view text) {
  oracle::CsvTable table;
  try {
    table = oracle::parse_csv(text, "fuzz.csv");
  } catch (const InputError& e) {
    return std::string_view(e.what()).empty() ? "parse_csv: InputError without a message" : "";
  }
  if (std::string why = check_table(table); !why.empty()) return why;

  try {
    const oracle::CsvTable again = oracle::parse_csv(quoted_csv(table), "fuzz.csv");
    if (again.header != table.header) return "round trip: the header differs";
    if (again.rows.size() != table.rows.size()) return "round trip: the number of rows differs";
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
      if (again.rows[i].fields != table.rows[i].fields) return fmt::format("round trip: row {} differs", i + 1);
    }
  } catch (const InputError& e) {
    return "round trip: the quoted table is refused: " + std::string(e.what());
  }

  oracle::VerifyOptions options;
  options.max_atoms = 4096;
  options.sample_data = nullptr;  // data_sample rows are refused: a fuzzed row must not draw 10^8 pairs
  try {
    const oracle::Plan plan = oracle::make_plan(table, options, "/nonexistent/lyapcert-fuzz");
    if (std::string why = check_plan(plan, table); !why.empty()) return why;
  } catch (const InputError& e) {
    if (std::string_view(e.what()).empty()) return "make_plan: InputError without a message";
  }
  return "";
}

}  // namespace

std::string verify_csv_one(std::string_view input) { return report_unexpected(run, input); }

}  // namespace lyapcert::fuzz
