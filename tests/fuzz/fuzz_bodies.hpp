// The bodies of the libFuzzer targets (docs/fuzzing.md), callable from two places: the libFuzzer entry point
// (fuzz_main.cpp, clang, opt-in build) and the corpus replay test (replay/corpus_replay_test.cpp, the normal
// gcc build), so that every committed corpus input is checked against the same oracle on every test run.
//
// Each function runs one input through its target and returns "" when the target's oracle holds, or a
// description of the violation (a wrong exception type, an exception without a message, a broken
// round trip or invariant). Crashes, sanitizer reports and hangs are caught by the caller's environment
// (libFuzzer, ASan/UBSan, ctest's timeout), not here. Bad input ending in lyapcert::InputError with a message
// is the documented behaviour and is not a violation.
#pragma once
#include <exception>
#include <string>
#include <string_view>

namespace lyapcert::fuzz {

// The part of every target's oracle that is the same: `check(input)` handles the InputError it expects itself, so
// any exception reaching here (another type, or none of std::exception) is a violation.
template <class Check>
std::string report_unexpected(Check check, std::string_view input) {
  try {
    return check(input);
  } catch (const std::exception& e) {
    return std::string("unexpected exception (not InputError): ") + e.what();
  } catch (...) {
    return "unexpected exception of unknown type";
  }
}

std::string law_parser_one(std::string_view input);   // law_parser_body.cpp
std::string matrix_law_one(std::string_view input);   // matrix_law_body.cpp
std::string table_spec_one(std::string_view input);   // table_spec_body.cpp
std::string verify_csv_one(std::string_view input);   // verify_csv_body.cpp

}  // namespace lyapcert::fuzz
