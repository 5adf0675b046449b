#include "lyapcert/tables/spec.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <map>
#include <set>

#include "lyapcert/boundary/model.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/tables/json_input.hpp"
#include "lyapcert/tables/internal/row_inputs.hpp"

namespace lyapcert::tables {
namespace {

constexpr std::size_t kMaxRows = 100000;

const std::map<std::string, std::set<std::string>>& allowed_fields() {
  static const std::map<std::string, std::set<std::string>> m = {
      {"exponent", {"law", "lr", "max_atoms", "digits", "max_bits"}},
      {"moment", {"law", "lr", "p", "max_atoms", "digits", "max_bits"}},
      {"lyapnd", {"law", "method", "time_budget", "max_length", "digits", "max_bits"}},
      {"boundary", {"law", "lr_min", "lr_max", "max_roots", "max_atoms", "digits", "max_bits"}},
      {"phase", {"lr", "k", "sigma", "snr", "gamma", "batch", "replace", "data", "max_atoms", "digits", "max_bits"}},
      {"estimate", {"law", "steps", "reps", "seed", "level", "burn_in"}},
  };
  return m;
}

// A scalar field as text: strings as given, JSON integers as decimal text, booleans as true/false.
// Non-integer JSON numbers are binary64 values: refused for exact inputs.
std::string scalar_text(const Json& v, const std::string& field, bool allow_float = false) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.dump();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) {
    if (allow_float) return v.dump();
    throw InputError(fmt::format(
        "field '{}': the JSON number {} is binary64; give exact numbers as strings, e.g. \"{}\"", field, v.dump(),
        v.dump()));
  }
  throw InputError(fmt::format("field '{}' must be a string or an integer, got {}", field, v.type_name()));
}

void substitute(std::string& s, const std::string& name, const std::string& value) {
  const std::string pat = "{" + name + "}";
  for (std::size_t pos = s.find(pat); pos != std::string::npos; pos = s.find(pat, pos + value.size())) {
    s.replace(pos, pat.size(), value);
  }
}

// Normalises one row: every field to its text form, defaults filled in, unknown fields refused.
Json normalise(const Json& raw, const Json& defaults) {
  if (!raw.is_object()) throw InputError("a row must be a JSON object");
  if (!raw.contains("quantity")) {
    throw InputError("missing field 'quantity' (one of exponent, moment, lyapnd, boundary, phase, estimate)");
  }
  const std::string q = scalar_text(raw["quantity"], "quantity");
  const auto it = allowed_fields().find(q);
  if (it == allowed_fields().end()) {
    throw InputError(
        fmt::format("unknown quantity '{}' (one of exponent, moment, lyapnd, boundary, phase, estimate)", q));
  }
  Json out;
  out["quantity"] = q;
  auto take = [&](const Json& src, bool from_defaults) {
    for (const auto& [k, v] : src.items()) {
      if (k == "quantity" || k == "id") continue;
      if (!it->second.count(k)) {
        if (from_defaults) continue;  // defaults may name fields of other quantities
        throw InputError(fmt::format("unknown field '{}' for quantity '{}' (allowed: id, quantity, {})", k, q,
                                     fmt::join(it->second, ", ")));
      }
      if (from_defaults && raw.contains(k)) continue;
      if (k == "data") {
        if (!v.is_array()) throw InputError("field 'data' must be an array of [x, y] pairs");
        Json d = Json::array();
        for (const auto& pair : v) {
          if (!pair.is_array() || pair.size() != 2) throw InputError("field 'data' must be an array of [x, y] pairs");
          d.push_back(Json::array({scalar_text(pair[0], "data"), scalar_text(pair[1], "data")}));
        }
        out[k] = d;
      } else {
        out[k] = scalar_text(v, k, k == "level" || k == "time_budget");
      }
    }
  };
  take(raw, false);
  take(defaults, true);
  return out;
}

// Expands "grid": {"name": [v1, v2, ...], ...} into the cartesian product (last name fastest). A name that
// is a field of the row sets that field; any other name replaces "{name}" in the row's string fields.
std::vector<std::pair<Json, std::string>> expand(const Json& raw) {
  if (!raw.is_object() || !raw.contains("grid")) return {{raw, ""}};
  const Json& grid = raw["grid"];
  if (!grid.is_object() || grid.empty()) throw InputError("'grid' must be an object of name: [values] pairs");
  std::vector<std::pair<std::string, std::vector<std::string>>> axes;
  std::size_t total = 1;
  for (const auto& [name, values] : grid.items()) {
    if (!values.is_array() || values.empty()) {
      throw InputError(fmt::format("grid axis '{}' must be a non-empty array of values", name));
    }
    std::vector<std::string> vs;
    for (const auto& v : values) vs.push_back(scalar_text(v, "grid." + name));
    total *= vs.size();
    if (total > kMaxRows) throw InputError(fmt::format("the grid has more than {} rows", kMaxRows));
    axes.emplace_back(name, std::move(vs));
  }
  Json base = raw;
  base.erase("grid");
  std::vector<std::pair<Json, std::string>> out;
  std::vector<std::size_t> pos(axes.size(), 0);
  for (std::size_t n = 0; n < total; ++n) {
    Json row = base;
    std::string label;
    for (std::size_t a = 0; a < axes.size(); ++a) {
      const auto& [name, vs] = axes[a];
      const std::string& v = vs[pos[a]];
      label += fmt::format("{}{}={}", a ? "," : "", name, v);
      const std::string q = row.contains("quantity") && row["quantity"].is_string() ? row["quantity"].get<std::string>() : "";
      const bool is_field = allowed_fields().count(q) && allowed_fields().at(q).count(name);
      if (is_field) {
        row[name] = v;
      } else {
        bool used = false;
        for (auto& [k, field] : row.items()) {
          if (!field.is_string()) continue;
          std::string s = field.get<std::string>();
          if (s.find("{" + name + "}") == std::string::npos) continue;
          substitute(s, name, v);
          field = s;
          used = true;
        }
        if (!used) throw InputError(fmt::format("grid axis '{}' is neither a field nor a {{{}}} placeholder", name, name));
      }
    }
    out.emplace_back(row, label);
    for (std::size_t a = axes.size(); a-- > 0;) {
      if (++pos[a] < axes[a].second.size()) break;
      pos[a] = 0;
    }
  }
  return out;
}

}  // namespace

TableSpec parse_spec(const std::string& text, const std::string& source) {
  TableSpec t;
  t.original = parse_json_input(text, source, kMaxInputFileBytes);
  if (!t.original.is_object()) throw InputError(fmt::format("{}: the spec must be a JSON object", source));
  for (const auto& [k, v] : t.original.items()) {
    if (k != "title" && k != "defaults" && k != "rows" && k != "notes") {
      throw InputError(fmt::format("{}: unknown top-level field '{}' (allowed: title, notes, defaults, rows)", source, k));
    }
  }
  if (t.original.contains("title")) {
    if (!t.original["title"].is_string()) throw InputError(fmt::format("{}: 'title' must be a string", source));
    t.title = t.original["title"].get<std::string>();
  }
  const Json defaults = t.original.value("defaults", Json::object());
  if (!defaults.is_object()) throw InputError(fmt::format("{}: 'defaults' must be an object", source));
  if (!t.original.contains("rows") || !t.original["rows"].is_array() || t.original["rows"].empty()) {
    throw InputError(fmt::format("{}: 'rows' must be a non-empty array of rows", source));
  }
  std::set<std::string> ids;
  std::size_t entry = 0;
  for (const Json& raw : t.original["rows"]) {
    ++entry;
    const std::string given_id = raw.is_object() && raw.contains("id") && raw["id"].is_string()
                                     ? raw["id"].get<std::string>() : std::string();
    const std::string where =
        given_id.empty() ? fmt::format("{}: rows[{}]", source, entry - 1)
                         : fmt::format("{}: rows[{}] (id '{}')", source, entry - 1, given_id);
    std::vector<std::pair<Json, std::string>> expanded;
    try {
      if (raw.is_object() && raw.contains("id") && !raw["id"].is_string()) throw InputError("'id' must be a string");
      expanded = expand(raw);
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}: {}", where, e.what()));
    }
    for (auto& [row_raw, label] : expanded) {
      if (t.rows.size() >= kMaxRows) throw InputError(fmt::format("{}: more than {} rows", source, kMaxRows));
      RowSpec r;
      r.index = t.rows.size();
      r.id = given_id.empty() ? fmt::format("r{}", r.index + 1) : given_id;
      if (!label.empty()) r.id += "[" + label + "]";
      const std::string at = label.empty() ? where : fmt::format("{} grid point [{}]", where, label);
      try {
        r.spec = normalise(row_raw, defaults);
        validate_row(r.spec);
      } catch (const InputError& e) {
        throw InputError(fmt::format("{}: {}", at, e.what()));
      }
      if (!ids.insert(r.id).second) throw InputError(fmt::format("{}: duplicate row id '{}'", at, r.id));
      r.key = sha256_hex(r.spec.dump());
      t.rows.push_back(std::move(r));
    }
  }
  t.sha256 = sha256_hex(t.original.dump());
  return t;
}

// FIPS 180-4 SHA-256.
std::string sha256_hex(const std::string& data) {
  static constexpr std::array<std::uint32_t, 64> K = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string msg = data;
  const std::uint64_t bitlen = static_cast<std::uint64_t>(data.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bitlen >> (8 * i)) & 0xff));
  auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (std::size_t off = 0; off < msg.size(); off += 64) {
    std::array<std::uint32_t, 64> w{};
    for (int i = 0; i < 16; ++i) {
      w[i] = (static_cast<std::uint32_t>(static_cast<unsigned char>(msg[off + 4 * i])) << 24) |
             (static_cast<std::uint32_t>(static_cast<unsigned char>(msg[off + 4 * i + 1])) << 16) |
             (static_cast<std::uint32_t>(static_cast<unsigned char>(msg[off + 4 * i + 2])) << 8) |
             static_cast<std::uint32_t>(static_cast<unsigned char>(msg[off + 4 * i + 3]));
    }
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const std::uint32_t ch = (e & f) ^ (~e & g);
      const std::uint32_t t1 = hh + S1 + ch + K[i] + w[i];
      const std::uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const std::uint32_t t2 = S0 + maj;
      hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  std::string out;
  for (std::uint32_t x : h) out += fmt::format("{:08x}", x);
  return out;
}

}  // namespace lyapcert::tables
