#include "lyapcert/lyap/codec.hpp"

#include <flint/flint.h>

#include <stdexcept>

namespace lyapcert::lyap {

void encode(core::ItemWriter& w, const exact::Ball& b) {
  // arb_dump_str: midpoint and radius as exact hexadecimal mantissa/exponent pairs (not a decimal rounding).
  char* s = arb_dump_str(b.get());
  w.str(s);
  flint_free(s);
}

void decode(core::ItemReader& r, exact::Ball& b) {
  const std::string s = r.str();
  if (arb_load_str(b.get(), s.c_str()) != 0) throw std::runtime_error("damaged item record (a ball)");
}

void encode(core::ItemWriter& w, const exact::Rational& x) { w.str(x.str()); }

void decode(core::ItemReader& r, exact::Rational& x) {
  const std::string s = r.str();
  try {
    x = exact::Rational(s);
  } catch (const std::exception&) {
    throw std::runtime_error("damaged item record (a rational)");
  }
}

void encode(core::ItemWriter& w, const CertifiedValue& v) {
  w.boolean(v.minus_infinity);
  w.boolean(v.exact);
  encode(w, v.ball);
  w.u64(static_cast<std::uint64_t>(v.sign));
}

void decode(core::ItemReader& r, CertifiedValue& v) {
  v.minus_infinity = r.boolean();
  v.exact = r.boolean();
  decode(r, v.ball);
  const std::uint64_t s = r.u64();
  if (s > static_cast<std::uint64_t>(Sign::undetermined)) throw std::runtime_error("damaged item record (a sign)");
  v.sign = static_cast<Sign>(s);
}

void encode(core::ItemWriter& w, const CertifiedResult& c) {
  encode(w, c.value);
  w.i64(c.digits_requested);
  w.boolean(c.converged);
  w.i64(c.bits_used);
  w.str(c.method);
  w.str(c.message);
  w.boolean(c.l2_stable.has_value());
  w.boolean(c.l2_stable.value_or(false));
}

void decode(core::ItemReader& r, CertifiedResult& c) {
  decode(r, c.value);
  c.digits_requested = static_cast<int>(r.i64());
  c.converged = r.boolean();
  c.bits_used = r.i64();
  c.method = r.str();
  c.message = r.str();
  const bool has = r.boolean();
  const bool l2 = r.boolean();
  c.l2_stable = has ? std::optional<bool>(l2) : std::nullopt;
}

}  // namespace lyapcert::lyap
