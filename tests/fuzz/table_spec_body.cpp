// Fuzz target table_spec (docs/fuzzing.md): the JSON table specification of `lyapcert table --spec`
// (tables::parse_spec: the JSON reader with its size and nesting limits, grid expansion, defaults, and the
// validation of every row, which parses and builds each row's law and checks every number).
//
// Oracle (anything else is a bug):
//  * bad input ends in lyapcert::InputError with a message; no other exception (a nlohmann type_error or
//    out_of_range escaping the validation included);
//  * an accepted spec has at least one row; row i has index i, a non-empty id unique in the table, a
//    "quantity" field, and key = SHA-256 of its normalised fields; sha256 is that of the original's dump;
//  * round trip: the accepted spec's JSON, dumped and parsed again, is accepted with the same rows (ids, keys)
//    and the same sha256 (the dump is the canonical form of the spec).
// No row is computed: parse_spec only validates.
#include <exception>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "fuzz_bodies.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/tables/spec.hpp"

namespace lyapcert::fuzz {
namespace {

namespace tables = lyapcert::tables;

std::string check_table(const tables::TableSpec& t) {
  if (t.rows.empty()) return "an accepted spec without rows";
  if (t.sha256 != tables::sha256_hex(t.original.dump())) return "sha256 is not that of the original's dump";
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const tables::RowSpec& r = t.rows[i];
    if (r.index != i) return fmt::format("row {} has index {}", i, r.index);
    if (r.id.empty()) return fmt::format("row {} has an empty id", i);
    for (std::size_t j = 0; j < i; ++j)
      if (t.rows[j].id == r.id) return fmt::format("rows {} and {} share the id '{}'", j, i, r.id);
    if (!r.spec.is_object() || !r.spec.contains("quantity")) return fmt::format("row {} has no quantity", i);
    if (r.key != tables::sha256_hex(r.spec.dump())) return fmt::format("row {}: key is not the SHA-256 of its fields", i);
  }
  return "";
}

std::string run(std::string_view text) {
  tables::TableSpec t;
  try {
    t = tables::parse_spec(std::string(text), "fuzz.json");
  } catch (const InputError& e) {
    return std::string_view(e.what()).empty() ? "parse_spec: InputError without a message" : "";
  }
  if (std::string why = check_table(t); !why.empty()) return why;

  const std::string dumped = t.original.dump();
  tables::TableSpec again;
  try {
    again = tables::parse_spec(dumped, "fuzz.json");
  } catch (const InputError& e) {
    return "the dump of an accepted spec is refused: " + std::string(e.what());
  }
  if (again.sha256 != t.sha256) return "round trip: sha256 differs";
  if (again.rows.size() != t.rows.size()) return "round trip: the number of rows differs";
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    if (again.rows[i].id != t.rows[i].id || again.rows[i].key != t.rows[i].key) {
      return fmt::format("round trip: row {} differs", i);
    }
  }
  return "";
}

}  // namespace

std::string table_spec_one(std::string_view input) { return report_unexpected(run, input); }

}  // namespace lyapcert::fuzz
