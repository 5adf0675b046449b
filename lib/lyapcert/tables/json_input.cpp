#include "lyapcert/tables/json_input.hpp"

#include <fmt/format.h>

#include "lyapcert/exact/error.hpp"

namespace lyapcert::tables {

Json parse_json_input(std::string_view text, const std::string& source, std::size_t max_bytes,
                      std::size_t max_depth) {
  if (text.size() > max_bytes) {
    throw InputError(fmt::format("{}: {} bytes of JSON exceed the limit of {} bytes", printable(source), text.size(),
                                 max_bytes));
  }
  check_json_nesting(text, source, max_depth);
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(fmt::format("{}: not valid JSON: {}", printable(source), printable(e.what())));
  } catch (const nlohmann::json::exception& e) {
    // Valid JSON that nlohmann cannot hold, e.g. a number beyond binary64 such as 1e400 (out_of_range.406 while
    // parsing): bad input like any other, not an internal error.
    throw InputError(fmt::format("{}: JSON that cannot be read: {} (give exact numbers as strings)", printable(source),
                                 printable(e.what())));
  }
}

}  // namespace lyapcert::tables
