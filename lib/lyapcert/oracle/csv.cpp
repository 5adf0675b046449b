#include "lyapcert/oracle/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/input.hpp"

namespace lyapcert::oracle {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

bool blank_or_comment(std::string_view text, std::size_t pos) {
  std::size_t i = pos;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i >= text.size()) return true;
  if (text[i] == '\n' || text[i] == '\r') return true;
  return pos < text.size() && text[pos] == '#';
}

}  // namespace

CsvTable parse_csv(std::string_view text, const std::string& name) {
  if (text.size() > kMaxCsvBytes) {
    throw InputError(fmt::format("{}: file of {} bytes exceeds the limit of {} bytes", name, text.size(), kMaxCsvBytes));
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  CsvTable table;
  table.name = name;
  std::size_t pos = 0, line = 1;
  bool have_header = false;
  while (pos < text.size()) {
    if (blank_or_comment(text, pos)) {  // skip the whole line
      while (pos < text.size() && text[pos] != '\n') ++pos;
      if (pos < text.size()) ++pos;
      ++line;
      continue;
    }
    CsvRecord rec;
    rec.line = line;
    std::string field;
    bool quoted = false, after_quote = false;
    bool end_of_record = false;
    while (!end_of_record) {
      if (pos >= text.size()) {
        if (quoted) throw InputError(fmt::format("{}:{}: unterminated quoted field (a '\"' is missing)", name, rec.line));
        end_of_record = true;
        break;
      }
      const char c = text[pos];
      if (quoted) {
        if (c == '"') {
          if (pos + 1 < text.size() && text[pos + 1] == '"') {
            field += '"';
            pos += 2;
            continue;
          }
          quoted = false;
          after_quote = true;
          ++pos;
          continue;
        }
        if (c == '\n') ++line;
        field += c;
        ++pos;
        continue;
      }
      if (c == ',') {
        rec.fields.push_back(after_quote ? field : trim(field));
        field.clear();
        after_quote = false;
        ++pos;
        continue;
      }
      if (c == '\n' || c == '\r') {
        if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
        ++pos;
        ++line;
        end_of_record = true;
        break;
      }
      if (after_quote) {
        if (c == ' ' || c == '\t') {
          ++pos;
          continue;
        }
        throw InputError(fmt::format("{}:{}: unexpected character '{}' after a closing quote", name, line, c));
      }
      if (c == '"') {
        if (!trim(field).empty()) {
          throw InputError(fmt::format("{}:{}: a quote may only start a field (write '\"\"' inside a quoted field)",
                                       name, line));
        }
        field.clear();
        quoted = true;
        ++pos;
        continue;
      }
      field += c;
      ++pos;
    }
    rec.fields.push_back(after_quote ? field : trim(field));
    if (!have_header) {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < rec.fields.size(); ++i) {
        std::string col = rec.fields[i];
        std::transform(col.begin(), col.end(), col.begin(), [](unsigned char ch) { return std::tolower(ch); });
        if (col.empty()) throw InputError(fmt::format("{}:{}: header column {} has an empty name", name, rec.line, i + 1));
        if (!seen.insert(col).second) throw InputError(fmt::format("{}:{}: header names column '{}' twice", name, rec.line, col));
        table.header.push_back(col);
      }
      table.header_line = rec.line;
      have_header = true;
    } else {
      if (rec.fields.size() != table.header.size()) {
        throw InputError(fmt::format("{}:{}: {} fields, but the header (line {}) names {} columns{}", name, rec.line,
                                     rec.fields.size(), table.header_line, table.header.size(),
                                     rec.fields.size() > table.header.size()
                                         ? " (quote fields that contain commas, e.g. \"atoms(-1, 1/2)\")"
                                         : ""));
      }
      table.rows.push_back(std::move(rec));
    }
  }
  if (!have_header) throw InputError(fmt::format("{}: no header line (the file is empty or all comments)", name));
  if (table.rows.empty()) throw InputError(fmt::format("{}:{}: no data rows after the header", name, table.header_line));
  return table;
}

CsvTable read_csv_file(const std::string& path, std::string_view what) {
  return parse_csv(read_input_file(path, what, kMaxCsvBytes), path);
}

}  // namespace lyapcert::oracle
