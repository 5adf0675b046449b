// The certified-value contract shared by every certified command:
// an enclosure that provably contains the true value, its sign, and how far the requested
// accuracy was reached. Printing is outward (Proof: DEC-1), so the printed interval is certified too.
#pragma once
#include <optional>
#include <string>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/sign.hpp"

namespace lyapcert::lyap {

// The library's one sign type (exact/sign.hpp). Under this name, and in a CertifiedValue, a sign is certified:
// negative or positive only when the enclosure excludes 0, zero only when the value is proved to be 0.
using exact::Sign;
using exact::to_string;

struct CertifiedValue {
  bool minus_infinity = false;  // the exact value is -inf (decided exactly)
  bool exact = false;           // the exact value is known (e.g. proved 0): ball has radius 0
  exact::Ball ball;             // contains the true value (unless minus_infinity)
  Sign sign = Sign::undetermined;
};

struct Accuracy {
  int digits = 16;                 // requested: width <= 10^-digits * max(1, min|x|)
  long max_bits = 65536;           // working precision cap
};

// Printed form of a certified value.
struct DecimalEnclosure {
  std::string lower, upper;               // outward-rounded decimals (or "-inf"; "-inf", "inf" for a non-finite ball)
  std::optional<int> digits_achieved;     // null for -inf and exact values
  bool meets_request = false;             // printed width <= 10^-N max(1, m)
};

// Chooses the fewest significant digits in [N+1, N+5] whose outward-rounded interval still meets
// the width requirement (N+5 when none does). Guarantee: [lower, upper] contains v.ball. Proof: DEC-1.
DecimalEnclosure to_decimal(const CertifiedValue& v, int digits);

// True when the ball's width already meets half the requested width (leaves room for rounding).
bool internal_width_ok(const exact::Ball& b, int digits);

}  // namespace lyapcert::lyap
