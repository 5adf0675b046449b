// Small helpers shared by the lyapcert::continuous tests.
#pragma once
#include <arb.h>
#include <flint/fmpq.h>

#include <string>

namespace lyapcert::continuous::test {

// Scoped arb_t.
struct A {
  arb_t v;
  A() { arb_init(v); }
  explicit A(const char* rational, slong prec = 400) { arb_init(v); set(rational, prec); }
  A(const A&) = delete;
  A& operator=(const A&) = delete;
  ~A() { arb_clear(v); }
  operator arb_ptr() { return v; }
  operator arb_srcptr() const { return v; }
  // exact rational "p" or "p/q" rounded to prec bits
  void set(const std::string& rational, slong prec = 400) {
    fmpq_t q;
    fmpq_init(q);
    fmpq_set_str(q, rational.c_str(), 10);
    arb_set_fmpq(v, q, prec);
    fmpq_clear(q);
  }
  std::string str(slong digits = 40) const {
    char* s = arb_get_str(v, digits, 0);
    std::string out(s);
    flint_free(s);
    return out;
  }
  double rad() const { return mag_get_d(arb_radref(v)); }
};

}  // namespace lyapcert::continuous::test
