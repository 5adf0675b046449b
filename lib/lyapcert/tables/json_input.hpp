// The one way lyapcert parses JSON it did not just write itself: table specs, tables handed to recheck, resume
// journals. The text is checked for size and nesting before nlohmann sees it (exact/input.hpp), because the
// parsed value is later walked recursively (dump, comparison) and 200,000 nested '[' would overflow the stack.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "lyapcert/exact/input.hpp"
#include "lyapcert/tables/spec.hpp"

namespace lyapcert::tables {

// Parses `text` as one JSON document. Throws InputError "SOURCE: ..." when the text exceeds max_bytes, nests
// deeper than max_depth, or is not valid JSON (with nlohmann's position and reason), or holds a value nlohmann
// cannot represent (a number beyond binary64 such as 1e400). `source` names the text
// (a file name) in messages.
Json parse_json_input(std::string_view text, const std::string& source, std::size_t max_bytes = kMaxTableFileBytes,
                      std::size_t max_depth = kMaxJsonDepth);

}  // namespace lyapcert::tables
