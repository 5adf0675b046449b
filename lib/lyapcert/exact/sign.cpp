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

}  // namespace lyapcert::exact
