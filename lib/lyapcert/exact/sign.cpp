#include "lyapcert/exact/sign.hpp"

namespace lyapcert::exact {

const char* to_string(Sign s) {
  switch (s) {
    case Sign::negative: return "negative";
    case Sign::zero: return "zero";
    case Sign::positive: return "positive";
    case Sign::undetermined: return "undetermined";
  }
  return "undetermined";
}

std::optional<Sign> parse_sign(std::string_view text) {
  for (Sign s : {Sign::negative, Sign::zero, Sign::positive, Sign::undetermined}) {
    if (text == to_string(s)) return s;
  }
  return std::nullopt;
}

}  // namespace lyapcert::exact
