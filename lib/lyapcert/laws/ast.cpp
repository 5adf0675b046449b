// laws::parse and laws::canonical of ast.hpp: a recursive-descent parser for the law language (grammar in
// docs/law-language.md) and the canonical printer of its syntax tree.
#include "lyapcert/laws/ast.hpp"

#include <fmt/format.h>

#include <cctype>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/input.hpp"

namespace lyapcert::laws {
namespace {

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits) : s_(text), lim_(limits) {}

  Value parse_all() {
    skip_ws();
    Value v = value(0);
    skip_ws();
    if (pos_ != s_.size()) fail(fmt::format("unexpected '{}' after the end of the law", s_[pos_]));
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    // Show a short excerpt around the position.
    const std::size_t from = pos_ > 20 ? pos_ - 20 : 0;
    std::string excerpt(s_.substr(from, 40));
    for (char& c : excerpt) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    throw InputError(
        fmt::format("law syntax error at offset {}: {} (near \"{}\")", pos_, printable(why), printable(excerpt)));
  }

  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool peek(char c) {
    skip_ws();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  void expect(char c) {
    skip_ws();
    if (pos_ >= s_.size()) fail(fmt::format("expected '{}' but the text ended", c));
    if (s_[pos_] != c) fail(fmt::format("expected '{}' but found '{}'", c, s_[pos_]));
    ++pos_;
  }
  static bool ident_start(char c) { return c >= 'a' && c <= 'z'; }
  static bool ident_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }
  static bool number_char(char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '/' || c == 'e' || c == 'E' || c == '+' || c == '-';
  }

  std::string ident() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && ident_char(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  Number number() {
    const std::size_t start = pos_;
    if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if ((c == '+' || c == '-') && !(s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E')) break;
      if (!number_char(c)) break;
      ++pos_;
    }
    std::string_view text = s_.substr(start, pos_ - start);
    if (text.empty()) fail("expected a number");
    try {
      return Number{exact::parse_rational(text, lim_.number)};
    } catch (const InputError& e) {
      pos_ = start;
      fail(e.what());
    }
  }

  // `depth` counts the brackets and parentheses enclosing the value; opening one more must keep it
  // within max_depth (so "[[1]]" has depth 2, and 32 nested brackets around a number are allowed).
  void open_bracket(std::size_t depth) {
    if (depth + 1 > lim_.max_depth) fail(fmt::format("nesting deeper than {}", lim_.max_depth));
  }

  Value value(std::size_t depth) {
    Value v = primary(depth);
    if (peek(':')) {
      ++pos_;
      skip_ws();
      const std::size_t at = pos_;
      Number w = number();
      Value out;
      out.offset = at;
      out.node = Weighted{std::make_shared<const Value>(std::move(v)), std::move(w.value)};
      return out;
    }
    return v;
  }

  Value primary(std::size_t depth) {
    skip_ws();
    Value v;
    v.offset = pos_;
    if (pos_ >= s_.size()) fail("expected a value but the text ended");
    const char c = s_[pos_];
    if (c == '[') {
      open_bracket(depth);
      ++pos_;
      List list;
      if (!peek(']')) {
        while (true) {
          list.items.push_back(value(depth + 1));
          if (peek(',')) {
            ++pos_;
            continue;
          }
          break;
        }
      }
      expect(']');
      v.node = std::move(list);
      return v;
    }
    if (ident_start(c)) {
      std::string name = ident();
      if (peek('(')) {
        open_bracket(depth);
        ++pos_;
        Call call;
        call.name = std::move(name);
        const bool atoms = call.name == "atoms";
        if (!peek(')')) {
          while (true) {
            if (atoms && call.args.size() >= lim_.max_atoms) {
              throw InputError(fmt::format("atoms(...) at offset {}: more than {} atoms exceed --max-atoms {}",
                                           v.offset, lim_.max_atoms, lim_.max_atoms));
            }
            call.args.push_back(arg(depth + 1));
            if (peek(',')) {
              ++pos_;
              continue;
            }
            break;
          }
        }
        expect(')');
        v.node = std::move(call);
        return v;
      }
      if (name == "true" || name == "false") {
        v.node = Boolean{name == "true"};
        return v;
      }
      if (name == "lr") {
        v.node = LrSymbol{};
        return v;
      }
      if (name == "inf" || name == "nan" || name == "infinity") {
        pos_ = v.offset;
        fail(fmt::format("'{}' is not a number: the law language takes finite exact numbers only", name));
      }
      pos_ = v.offset;
      fail(fmt::format("unknown word '{}' (a law name needs '(...)')", name));
    }
    if (std::isupper(static_cast<unsigned char>(c))) fail("identifiers are lowercase");
    if (number_char(c)) {
      v.node = number();
      return v;
    }
    fail(fmt::format("unexpected character '{}'", c));
  }

  Arg arg(std::size_t depth) {
    skip_ws();
    // key "=" value?
    const std::size_t save = pos_;
    if (pos_ < s_.size() && ident_start(s_[pos_])) {
      std::string key = ident();
      if (peek('=')) {
        ++pos_;
        return Arg{std::move(key), value(depth)};
      }
      pos_ = save;
    }
    return Arg{"", value(depth)};
  }

  std::string_view s_;
  ParseLimits lim_;
  std::size_t pos_ = 0;
};

void write_canonical(const Value& v, std::string& out) {
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, Number>) {
          out += exact::to_text(n.value);
        } else if constexpr (std::is_same_v<T, Boolean>) {
          out += n.value ? "true" : "false";
        } else if constexpr (std::is_same_v<T, LrSymbol>) {
          out += "lr";
        } else if constexpr (std::is_same_v<T, Call>) {
          out += n.name;
          out += '(';
          for (std::size_t i = 0; i < n.args.size(); ++i) {
            if (i) out += ", ";
            if (!n.args[i].key.empty()) out += n.args[i].key + "=";
            write_canonical(n.args[i].value, out);
          }
          out += ')';
        } else if constexpr (std::is_same_v<T, List>) {
          out += '[';
          for (std::size_t i = 0; i < n.items.size(); ++i) {
            if (i) out += ", ";
            write_canonical(n.items[i], out);
          }
          out += ']';
        } else if constexpr (std::is_same_v<T, Weighted>) {
          write_canonical(*n.value, out);
          out += ':';
          out += exact::to_text(n.weight);
        }
      },
      v.node);
}

}  // namespace

Value parse(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_text_bytes) {
    throw InputError(fmt::format("law text of {} bytes exceeds the limit of {} bytes", text.size(),
                                 limits.max_text_bytes));
  }
  return Parser(text, limits).parse_all();
}

std::string canonical(const Value& v) {
  std::string out;
  write_canonical(v, out);
  return out;
}

}  // namespace lyapcert::laws
