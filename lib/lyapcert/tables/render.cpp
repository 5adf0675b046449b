#include "lyapcert/tables/render.hpp"

#include <arb.h>
#include <boost/version.hpp>
#include <fmt/format.h>
#include <flint/flint.h>
#include <gmp.h>
#include <mpfr.h>

#include <Eigen/Core>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <functional>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/tables/mpfi_eval.hpp"
#include "lyapcert/version.hpp"

namespace lyapcert::tables {
namespace {

std::string utc_date() {
  std::time_t t = std::time(nullptr);
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde && *sde) {
    char* end = nullptr;
    const long long v = std::strtoll(sde, &end, 10);
    if (end && *end == '\0' && v >= 0) t = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string str(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// "law `atoms(...)`, lr = 1" style summary of a row's inputs; `code` wraps the law.
std::string inputs_text(const Json& inputs, const std::function<std::string(const std::string&)>& code,
                        const std::function<std::string(const std::string&)>& plain) {
  std::string out;
  for (const auto& [k, v] : inputs.items()) {
    if (k == "digits" || k == "max_bits" || k == "max_atoms" || k == "time_budget" || k == "max_length" ||
        k == "max_roots") {
      continue;
    }
    if (!out.empty()) out += ", ";
    if (k == "law") {
      out += code(v.get<std::string>());
    } else if (k == "data") {
      out += plain(fmt::format("data: {} points", v.size()));
    } else {
      out += plain(fmt::format("{} = {}", k, str(v)));
    }
  }
  return out;
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string tex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\textbackslash{}"; break;
      case '&': case '%': case '$': case '#': case '_': case '{': case '}':
        out += '\\';
        out += c;
        break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      default: out += c;
    }
  }
  return out;
}

std::string join_proofs(const Json& row) {
  std::string out;
  for (const auto& p : row.at("proofs")) out += (out.empty() ? "" : ", ") + p.get<std::string>();
  return out;
}

std::string row_value_note(const Json& row) {
  if (row.contains("phase")) return fmt::format("phase {}", row["phase"].get<std::string>());
  if (row.at("quantity") == "boundary" && row["entries"].empty()) {
    return row.value("complete", false) ? "no sign change in the range" : "no root certified (incomplete)";
  }
  return "";
}

}  // namespace

Json provenance(const TableSpec& spec) {
  Json p;
  p["lyapcert_version"] = kVersion;
  p["git_commit"] = kGitCommit;
  p["compiler"] = kCompiler;
  Json libs;
  libs["arb"] = arb_version;
  libs["flint"] = std::string(flint_version);
  libs["mpfr"] = mpfr_get_version();
  libs["gmp"] = gmp_version;
  libs["mpfi"] = mpfi_version();
  libs["boost"] = fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
  libs["eigen"] = fmt::format("{}.{}.{}", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION);
  libs["nlohmann_json"] = fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                      NLOHMANN_JSON_VERSION_PATCH);
  p["libraries"] = libs;
  p["date"] = utc_date();
  p["spec_sha256"] = spec.sha256;
  p["spec"] = spec.original;
  return p;
}

Json table_document(const TableSpec& spec, const std::vector<Json>& rows) {
  Json d;
  d["schema"] = 1;
  d["lyapcert_version"] = kVersion;
  d["command"] = "table";
  d["title"] = spec.title;
  d["provenance"] = provenance(spec);
  bool converged = true;
  for (const Json& r : rows) converged = converged && r.value("converged", true);
  d["converged"] = converged;
  d["rows"] = rows;
  return d;
}

std::string render_json(const Json& doc) { return doc.dump(2) + "\n"; }

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> c = {
      "row", "id", "quantity", "entry", "inputs", "guarantee", "sign", "lower", "upper", "lower_exact",
      "upper_exact", "shown", "estimate", "level", "seed", "steps", "reps", "method", "backend", "proofs",
      "converged"};
  return c;
}

std::string render_csv(const Json& doc) {
  const Json& p = doc.at("provenance");
  std::string out = "# lyapcert certified table (docs/tables.md). Certified entries: the true value lies in "
                    "[lower_exact, upper_exact] (exact binary m*2^e or p/q) and in [lower, upper] (outward decimals).\n";
  if (!doc.value("title", std::string()).empty()) out += "# title: " + doc["title"].get<std::string>() + "\n";
  out += fmt::format("# lyapcert_version: {}\n# git_commit: {}\n# compiler: {}\n", str(p["lyapcert_version"]),
                     str(p["git_commit"]), str(p["compiler"]));
  std::string libs;
  for (const auto& [k, v] : p["libraries"].items()) libs += (libs.empty() ? "" : ", ") + k + " " + str(v);
  out += fmt::format("# libraries: {}\n# date: {}\n# spec_sha256: {}\n# spec: {}\n", libs, str(p["date"]),
                     str(p["spec_sha256"]), p["spec"].dump());
  const auto& cols = csv_columns();
  for (std::size_t i = 0; i < cols.size(); ++i) out += (i ? "," : "") + cols[i];
  out += "\n";
  for (const Json& row : doc.at("rows")) {
    auto line = [&](const Json* e) {
      std::map<std::string, std::string> f;
      f["row"] = std::to_string(row["index"].get<std::size_t>());
      f["id"] = row["id"].get<std::string>();
      f["quantity"] = row["quantity"].get<std::string>();
      f["inputs"] = row["inputs"].dump();
      f["method"] = row["method"].get<std::string>();
      f["backend"] = row["backend"].get<std::string>();
      f["proofs"] = join_proofs(row);
      f["converged"] = row["converged"].get<bool>() ? "true" : "false";
      if (e) {
        for (const char* k : {"guarantee", "sign", "lower", "upper", "lower_exact", "upper_exact", "shown", "estimate",
                              "level", "seed", "steps", "reps"}) {
          if (e->contains(k)) f[k] = str((*e)[k]);
        }
        f["entry"] = (*e)["name"].get<std::string>();
      } else {
        f["shown"] = row_value_note(row);
      }
      for (std::size_t i = 0; i < cols.size(); ++i) out += (i ? "," : "") + csv_quote(f[cols[i]]);
      out += "\n";
    };
    if (row["entries"].empty()) line(nullptr);
    for (const Json& e : row["entries"]) line(&e);
  }
  return out;
}

std::string render_markdown(const Json& doc) {
  const Json& p = doc.at("provenance");
  std::string out;
  if (!doc.value("title", std::string()).empty()) out += "## " + doc["title"].get<std::string>() + "\n\n";
  out += "| id | quantity | inputs | entry | value | guarantee | method | proofs |\n";
  out += "|---|---|---|---|---|---|---|---|\n";
  for (const Json& row : doc.at("rows")) {
    const std::string inputs = inputs_text(
        row["inputs"], [](const std::string& s) { return "`" + s + "`"; }, [](const std::string& s) { return s; });
    auto line = [&](const std::string& entry, const std::string& value, const std::string& guarantee) {
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", md_escape(row["id"].get<std::string>()),
                         row["quantity"].get<std::string>(), md_escape(inputs), md_escape(entry), md_escape(value),
                         guarantee, md_escape(row["method"].get<std::string>()), join_proofs(row));
    };
    if (row["entries"].empty()) line("", row_value_note(row), "enclosure");
    for (const Json& e : row["entries"]) {
      std::string g = e["guarantee"].get<std::string>();
      if (g == "statistical") g += fmt::format(" (level {}, seed {}, {} x {} steps)", str(e["level"]), str(e["seed"]),
                                               str(e["reps"]), str(e["steps"]));
      std::string value = e["shown_md"].get<std::string>();
      const std::string note = row_value_note(row);
      if (!note.empty() && &e == &row["entries"].back()) value += "; " + note;
      line(e["name"].get<std::string>(), value, g);
    }
  }
  out += "\nValues show certified digits only: every printed digit is a digit of the true value (the decimal "
         "expansion truncated after the last digit shown, marked …); `(exact)` values are exact; statistical "
         "entries are estimates with a confidence interval at the stated level, not certificates.\n\n";
  std::string libs;
  for (const auto& [k, v] : p["libraries"].items()) libs += (libs.empty() ? "" : ", ") + k + " " + str(v);
  out += fmt::format("Provenance: lyapcert {} (commit {}), {}; {}; generated {}; spec SHA-256 `{}`.\n",
                     str(p["lyapcert_version"]), str(p["git_commit"]), str(p["compiler"]), libs, str(p["date"]),
                     str(p["spec_sha256"]));
  return out;
}

std::string render_tex(const Json& doc) {
  const Json& p = doc.at("provenance");
  std::string out = "% lyapcert certified table (docs/tables.md); needs \\usepackage{booktabs}\n";
  out += fmt::format("% lyapcert {} (commit {}), {}\n", str(p["lyapcert_version"]), str(p["git_commit"]),
                     str(p["compiler"]));
  for (const auto& [k, v] : p["libraries"].items()) out += fmt::format("% {} {}\n", k, str(v));
  out += fmt::format("% date {}\n% spec sha256 {}\n% spec {}\n", str(p["date"]), str(p["spec_sha256"]),
                     p["spec"].dump());
  out += "% Values show certified digits only (truncated decimal expansion of the true value, marked \\ldots).\n";
  out += "\\begin{tabular}{lllll}\n\\toprule\nid & inputs & quantity & value & guarantee \\\\\n\\midrule\n";
  for (const Json& row : doc.at("rows")) {
    const std::string inputs = inputs_text(
        row["inputs"], [](const std::string& s) { return "\\texttt{" + tex_escape(s) + "}"; },
        [](const std::string& s) { return tex_escape(s); });
    auto line = [&](const std::string& q, const std::string& value, const std::string& g) {
      out += fmt::format("{} & {} & {} & {} & {} \\\\\n", tex_escape(row["id"].get<std::string>()), inputs, q, value, g);
    };
    if (row["entries"].empty()) line(tex_escape(row["quantity"].get<std::string>()), tex_escape(row_value_note(row)), "enclosure");
    for (const Json& e : row["entries"]) {
      std::string g = e["guarantee"].get<std::string>();
      if (g == "statistical") g += fmt::format(" ({}\\%, seed {})", fmt::format("{:g}", 100 * e["level"].get<double>()), str(e["seed"]));
      const std::string q = tex_escape(row["quantity"].get<std::string>() + " " + e["name"].get<std::string>());
      std::string value = e["shown_tex"].get<std::string>();
      const std::string note = row_value_note(row);
      if (!note.empty() && &e == &row["entries"].back()) value += ", " + tex_escape(note);
      line(q, value, g);
    }
  }
  out += "\\bottomrule\n\\end{tabular}\n";
  return out;
}

std::vector<std::map<std::string, std::string>> parse_csv(const std::string& text) {
  std::vector<std::map<std::string, std::string>> out;
  std::vector<std::string> header;
  std::size_t i = 0, line = 1;
  while (i < text.size()) {
    if (text[i] == '#') {  // comment line
      while (i < text.size() && text[i] != '\n') ++i;
      ++i;
      ++line;
      continue;
    }
    const std::size_t start_line = line;
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false, was_quoted = false;
    while (i < text.size()) {
      const char c = text[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          quoted = false;
          ++i;
          continue;
        }
        if (c == '\n') ++line;
        field += c;
        ++i;
        continue;
      }
      if (c == '"') {
        if (!field.empty() || was_quoted) throw InputError(fmt::format("CSV line {}: stray quote", line));
        quoted = was_quoted = true;
        ++i;
      } else if (c == ',') {
        fields.push_back(field);
        field.clear();
        was_quoted = false;
        ++i;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        break;
      } else {
        if (was_quoted) throw InputError(fmt::format("CSV line {}: text after a closing quote", line));
        field += c;
        ++i;
      }
    }
    if (quoted) throw InputError(fmt::format("CSV line {}: unterminated quoted field", start_line));
    fields.push_back(field);
    if (header.empty()) {
      header = fields;
      continue;
    }
    if (fields.size() != header.size()) {
      throw InputError(fmt::format("CSV line {}: {} fields, the header has {}", start_line, fields.size(), header.size()));
    }
    std::map<std::string, std::string> rec;
    for (std::size_t k = 0; k < header.size(); ++k) rec[header[k]] = fields[k];
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace lyapcert::tables
