// Reference tables written by the generators in tests/data and tests/<module> (mpmath and other computations
// independent of the library): one case a line, blank lines and '#' comment lines skipped, fields separated by
// white space or by '|'. Paths are relative to the source tree, where ctest runs.
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace lyapcert::test {

// The case lines of `path` as they stand (blank and '#' lines skipped), for the tables whose fields are separated by
// white space and read with >>; a file that cannot be read is a test failure (and no lines).
inline std::vector<std::string> read_reference_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in.good()) {
    ADD_FAILURE() << path << " not found (run from the source tree)";
    return {};
  }
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  return lines;
}

// The fields of every case line of `path`, split at '|' and trimmed.
inline std::vector<std::vector<std::string>> read_reference_table(const std::string& path) {
  const auto trim = [](std::string s) {
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && space(s.back())) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && space(s[i])) ++i;
    return s.substr(i);
  };
  std::vector<std::vector<std::string>> rows;
  for (const std::string& line : read_reference_lines(path)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, '|')) fields.push_back(trim(field));
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace lyapcert::test
