// Table specifications (docs/tables.md): a JSON file listing rows (a law or model, its parameters and
// the quantity) or grids of them. Parsing validates everything before any computation, so a bad spec is
// reported (InputError naming the row and field) before a single row is computed or a file written.
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace lyapcert::tables {

using Json = nlohmann::ordered_json;

// Quantities a row can ask for.
//   exponent  Lambda(lr) = E log|1 - lr h| of a curvature law          (certified enclosure)
//   moment    g(p) = log E|1 - lr h|^p                                  (certified enclosure)
//   lyapnd    top exponent of a d x d matrix law                        (certified enclosure or upper bound)
//   boundary  learning rates where Lambda changes sign, in [lr_min, lr_max]  (certified root enclosures)
//   phase     Lambda_+, Lambda_- and the phase label of the two-layer saddle model
//   estimate  Monte Carlo estimate with a confidence interval        (statistical: level, seed, steps)
inline const char* const kQuantities[] = {"exponent", "moment", "lyapnd", "boundary", "phase", "estimate"};

struct RowSpec {
  std::size_t index = 0;  // position in the expanded table, from 0
  std::string id;         // given "id", or "<id>[k=v,...]" for grid rows, or "r<index+1>"
  Json spec;              // the row's fields after grid expansion and defaults: quantity, law, lr, ...
  std::string key;        // SHA-256 of spec.dump(): identifies the row in a resume journal
};

struct TableSpec {
  Json original;  // the spec file as read
  std::string title;
  std::vector<RowSpec> rows;
  std::string sha256;  // of original.dump(): the spec identity (journal, provenance)
};

// Parses and validates a spec (the JSON text of the file). Every row's law is parsed and built and every
// number checked (exact syntax; JSON numbers other than integers are refused because they are binary64),
// so compute_row() cannot fail on input syntax. `source` names the file in messages.
// InputError naming the row ("row 3 (id 'x'): ..."), the field and the problem. Limits: 100000 rows.
TableSpec parse_spec(const std::string& text, const std::string& source = "spec");

// SHA-256 of a byte string, lowercase hex (FIPS 180-4; tested against its published vectors).
std::string sha256_hex(const std::string& data);

}  // namespace lyapcert::tables
