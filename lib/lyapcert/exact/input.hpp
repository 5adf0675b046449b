// Reading untrusted input safely: whole files with a size cap, JSON nesting before a parser sees the text, and
// user text made printable for messages. Every reader of a user-named file (the law's @FILE, --data, table
// specs, recheck tables, verify CSVs and their data files) goes through read_input_file, so the limits and the
// messages are the same everywhere (docs/cli.md, "Input limits").
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace lyapcert {

inline constexpr std::size_t kMaxInputFileBytes = std::size_t{64} << 20;   // laws, data, table specs
inline constexpr std::size_t kMaxTableFileBytes = std::size_t{256} << 20;  // verify CSVs, recheck tables
inline constexpr std::size_t kMaxJsonDepth = 64;

// The whole contents of the file at `path`, read with at most max_bytes + 1 bytes in memory. Regular files and
// pipes/FIFOs (process substitution `<(...)`, /dev/stdin on a pipe) are read to their end; anything else
// (a directory, a character or block device such as /dev/zero, a socket) is refused before it is read.
// Throws InputError "cannot read WHAT 'PATH': REASON" (REASON: the system's, "is a directory", "is a character
// device, not a regular file or a pipe", ...) or "WHAT 'PATH' exceeds the limit of N MiB". `what` names the
// file's role for the message ("law file", "data file", "spec file").
std::string read_input_file(const std::string& path, std::string_view what, std::size_t max_bytes = kMaxInputFileBytes);

// The deepest nesting of '[' and '{' outside JSON strings. Linear, no allocation; a text that is not JSON
// still gets a number (the parser reports what is wrong with it).
std::size_t json_nesting_depth(std::string_view text);

// Throws InputError "SOURCE: JSON nested deeper than MAX levels" when json_nesting_depth(text) > max_depth.
// Call before parsing: nested values are later walked recursively (dump, destruction, validation).
void check_json_nesting(std::string_view text, const std::string& source, std::size_t max_depth = kMaxJsonDepth);

// `text` with every byte that would garble a terminal or a log written as \xNN: NUL and the other C0 controls
// except newline and tab, DEL, and each byte of an invalid UTF-8 sequence (stray continuation bytes, overlong
// forms, surrogates, code points above U+10FFFF, truncated sequences). Valid UTF-8 passes through unchanged, so
// the result is always valid UTF-8 (and safe in JSON output). Used wherever user text reaches a message.
std::string printable(std::string_view text);

}  // namespace lyapcert
