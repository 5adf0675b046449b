// lyapcert::oracle CSV reading: the files that other implementations hand to `lyapcert verify`.
//
// Format (RFC 4180 with two conveniences, docs/oracle.md): fields separated by ',', a field may be quoted
// with '"' (then it may contain ',', newlines and '""' for a quote; law texts such as `atoms(-1, 1/2)` must be
// quoted); surrounding spaces and tabs of a field are dropped; '\r\n' and '\n' both end a record; a UTF-8 byte
// order mark at the start is skipped; blank lines and lines whose first character is '#' are comments (so a
// file can carry a provenance header). The first record is the header naming the columns.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lyapcert/exact/input.hpp"

namespace lyapcert::oracle {

struct CsvRecord {
  std::size_t line = 0;              // 1-based line number where the record starts
  std::vector<std::string> fields;   // unquoted, trimmed
};

struct CsvTable {
  std::string name;                  // file name for messages
  std::size_t header_line = 0;
  std::vector<std::string> header;   // column names, trimmed, lowercase
  std::vector<CsvRecord> rows;       // data records, each with exactly header.size() fields
};

inline constexpr std::size_t kMaxCsvBytes = kMaxTableFileBytes;  // 256 MiB

// Parses CSV text. Guarantee: every row has as many fields as the header. Throws InputError
// "NAME:LINE: WHAT" for an unterminated quote, a character after a closing quote, a record with the wrong
// number of fields, an empty or duplicated column name, a missing header, or no data rows.
CsvTable parse_csv(std::string_view text, const std::string& name);

// Reads (read_input_file: regular files and pipes, at most kMaxCsvBytes) and parses a file. InputError when it
// cannot be read or is malformed; `what` names the file in messages.
CsvTable read_csv_file(const std::string& path, std::string_view what = "CSV file");

}  // namespace lyapcert::oracle
