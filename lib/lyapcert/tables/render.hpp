// Output formats of a certified table: JSON (the complete record), CSV (one line per entry, provenance in
// leading '#' lines), Markdown and LaTeX (certified digits only, provenance in a footer / '%' comments).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "lyapcert/tables/spec.hpp"

namespace lyapcert::tables {

// The provenance block: lyapcert version and commit, compiler, library versions (Arb, FLINT, MPFR, GMP,
// MPFI, Boost, Eigen, nlohmann-json), the date (UTC; SOURCE_DATE_EPOCH when set, for reproducible files),
// the spec's SHA-256 and the spec itself.
Json provenance(const TableSpec& spec);

// The whole table document (docs/schema/table.schema.json).
Json table_document(const TableSpec& spec, const std::vector<Json>& rows);

std::string render_json(const Json& doc);
std::string render_csv(const Json& doc);
std::string render_markdown(const Json& doc);
std::string render_tex(const Json& doc);

// RFC 4180 CSV reader for render_csv's output: skips lines starting with '#', returns one map per data line
// keyed by the header. InputError with the line number for malformed text.
std::vector<std::map<std::string, std::string>> parse_csv(const std::string& text);

// The CSV columns, in order.
const std::vector<std::string>& csv_columns();

}  // namespace lyapcert::tables
