// The law language's parse tree (docs/law-language.md). Parsing is purely syntactic; the meaning
// of a call (atoms, minibatch, normal, ...) is given by the builders in curvature.hpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::laws {

struct Value;

struct Number {
  exact::Rational value;  // the position for messages is Value::offset
};
struct Boolean { bool value; };
struct LrSymbol {};  // the identifier "lr" (templates only)
struct Arg;
struct Call {
  std::string name;
  std::vector<Arg> args;
};
struct List { std::vector<Value> items; };  // also matrices: a list of lists
struct Weighted {
  std::shared_ptr<const Value> value;
  exact::Rational weight;
};

struct Value {
  std::variant<Number, Boolean, LrSymbol, Call, List, Weighted> node;
  std::size_t offset = 0;  // position in the source text, for messages
};

struct Arg {
  std::string key;  // empty for positional arguments
  Value value;
};

struct ParseLimits {
  std::size_t max_text_bytes = 64u << 20;  // 64 MiB
  std::size_t max_depth = 32;
  exact::NumberLimits number;
  // Most arguments of one atoms(...) call, counted while parsing (--max-atoms), so an oversized finite law is
  // refused before its atoms are stored. The builders check the same bound again on what they build.
  std::uint64_t max_atoms = UINT64_MAX;
};

// Parses one value (normally a law call) covering the whole text. Throws InputError naming the
// problem and its position.
Value parse(std::string_view text, const ParseLimits& limits = {});

// Canonical text: numbers as exact reduced "p" or "p/q", items separated by ", " and no other
// whitespace, keys kept (docs/law-language.md). parse(canonical(v)) has the same canonical text.
std::string canonical(const Value& v);

}  // namespace lyapcert::laws
