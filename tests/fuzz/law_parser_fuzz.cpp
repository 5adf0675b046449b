// libFuzzer target for the law language (docs/fuzzing.md): parse -> canonical -> re-parse ->
// build_curvature_law. Bad input must end in lyapcert::InputError; anything else (a crash, a
// sanitizer report, another exception, a canonical text that does not re-parse to itself) is a bug.
//
// Small number limits (40 digits, exponents within +-50) make the fuzzer reach the limit paths with
// short inputs; the canonical text is re-parsed with the default limits, which it always meets
// (at most 40 + 50 digits per number, the same nesting).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/curvature.hpp"

namespace {

[[noreturn]] void bug(const char* what, const std::string& detail) {
  std::fprintf(stderr, "law_parser_fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace laws = lyapcert::laws;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  laws::ParseLimits limits;
  limits.max_text_bytes = 1 << 20;
  limits.number.max_digits = 40;
  limits.number.max_exponent = 50;

  laws::Value expr;
  try {
    expr = laws::parse(text, limits);
  } catch (const lyapcert::InputError& e) {
    if (std::string_view(e.what()).empty()) bug("InputError without a message", std::string(text));
    return 0;
  }

  const std::string canonical = laws::canonical(expr);
  try {
    const laws::Value again = laws::parse(canonical);
    const std::string twice = laws::canonical(again);
    if (twice != canonical) bug("canonical text is not a fixed point", canonical + "\n->\n" + twice);
  } catch (const lyapcert::InputError& e) {
    bug("canonical text does not re-parse", canonical + "\n" + e.what());
  }

  laws::BuildOptions options;
  options.max_atoms = 4096;
  try {
    const laws::CurvatureLaw law = laws::build_curvature_law(expr, options);
    if (law.is_finite()) {
      const laws::FiniteLaw& f = law.finite();
      if (f.size() == 0) bug("finite law without atoms", canonical);
      (void)f.mean();
      (void)f.second_moment();
    }
  } catch (const lyapcert::InputError& e) {
    if (std::string_view(e.what()).empty()) bug("InputError without a message", canonical);
  }
  return 0;
}
