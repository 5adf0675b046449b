#include "lyapcert/exact/fmpz.hpp"

#include <flint/flint.h>

namespace lyapcert::exact {

std::string Fmpz::str() const {
  char* s = fmpz_get_str(nullptr, 10, v_);
  std::string out(s);
  flint_free(s);
  return out;
}

}  // namespace lyapcert::exact
