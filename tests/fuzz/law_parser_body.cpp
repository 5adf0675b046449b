// Fuzz target law_parser (docs/fuzzing.md): the law language. parse -> canonical -> re-parse ->
// build_curvature_law -> exact moments of the finite law.
// Oracle: bad input ends in lyapcert::InputError with a message; any other exception, a canonical text that does
// not re-parse to itself, a finite law without atoms, or a crash / sanitizer report / hang is a bug.
//
// Small number limits (40 digits, exponents within +-50) make the fuzzer reach the limit paths with short
// inputs; the canonical text is re-parsed with the default limits, which it always meets (at most 40 + 50 digits
// per number, the same nesting).
#include <exception>
#include <string>
#include <string_view>

#include "fuzz_bodies.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/curvature.hpp"

namespace lyapcert::fuzz {
namespace {

std::string run(std::string_view text) {
  namespace laws = lyapcert::laws;
  laws::ParseLimits limits;
  limits.max_text_bytes = 1 << 20;
  limits.number.max_digits = 40;
  limits.number.max_exponent = 50;

  laws::Value expr;
  try {
    expr = laws::parse(text, limits);
  } catch (const InputError& e) {
    return std::string_view(e.what()).empty() ? "parse: InputError without a message" : "";
  }

  const std::string canonical = laws::canonical(expr);
  try {
    const laws::Value again = laws::parse(canonical);
    const std::string twice = laws::canonical(again);
    if (twice != canonical) return "canonical text is not a fixed point: " + canonical + " -> " + twice;
  } catch (const InputError& e) {
    return "canonical text does not re-parse: " + canonical + ": " + e.what();
  }

  laws::BuildOptions options;
  options.max_atoms = 4096;
  try {
    const laws::CurvatureLaw law = laws::build_curvature_law(expr, options);
    if (law.is_finite()) {
      const laws::FiniteLaw& f = law.finite();
      if (f.size() == 0) return "finite law without atoms: " + canonical;
      (void)f.mean();
      (void)f.second_moment();
    }
  } catch (const InputError& e) {
    if (std::string_view(e.what()).empty()) return "build: InputError without a message: " + canonical;
  }
  return "";
}

}  // namespace

std::string law_parser_one(std::string_view input) { return report_unexpected(run, input); }

}  // namespace lyapcert::fuzz
