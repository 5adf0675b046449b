// lyapcert::InputError -- the one exception type for bad input (malformed law, out-of-range
// number, impossible precision, ...). The CLI maps it to exit status 2. "Not certified" is
// never an exception: it is a Sign::undetermined / converged=false result.
#pragma once
#include <stdexcept>
#include <string>

namespace lyapcert {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace lyapcert
