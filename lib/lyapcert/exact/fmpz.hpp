// lyapcert::exact::Fmpz -- an owning RAII wrapper around FLINT's fmpz (exact integer).
// Values below 2^62 in magnitude are stored inline (8 bytes, no allocation), which is what makes
// laws with millions of atoms cheap to hold. Move leaves the source equal to 0.
#pragma once
#include <flint/fmpz.h>

#include <string>
#include <type_traits>
#include <utility>

namespace lyapcert::exact {

class Fmpz {
 public:
  Fmpz() noexcept { fmpz_init(v_); }
  template <typename I>
    requires std::is_integral_v<I>
  explicit Fmpz(I x) noexcept {
    if constexpr (std::is_signed_v<I>) {
      fmpz_init_set_si(v_, static_cast<slong>(x));
    } else {
      fmpz_init_set_ui(v_, static_cast<ulong>(x));
    }
  }
  // Copy of a raw FLINT integer.
  static Fmpz copy_of(const fmpz_t x) {
    Fmpz r;
    fmpz_set(r.v_, x);
    return r;
  }
  Fmpz(const Fmpz& o) { fmpz_init_set(v_, o.v_); }
  Fmpz(Fmpz&& o) noexcept { *v_ = *o.v_; fmpz_init(o.v_); }
  Fmpz& operator=(const Fmpz& o) { fmpz_set(v_, o.v_); return *this; }
  Fmpz& operator=(Fmpz&& o) noexcept { fmpz_swap(v_, o.v_); return *this; }
  ~Fmpz() { fmpz_clear(v_); }

  fmpz* get() noexcept { return v_; }
  const fmpz* get() const noexcept { return v_; }
  int sign() const noexcept { return fmpz_sgn(v_); }
  bool is_zero() const noexcept { return fmpz_is_zero(v_); }
  std::string str() const;  // base-10

  friend bool operator==(const Fmpz& a, const Fmpz& b) noexcept { return fmpz_equal(a.v_, b.v_); }
  friend auto operator<=>(const Fmpz& a, const Fmpz& b) noexcept { return fmpz_cmp(a.v_, b.v_) <=> 0; }

 private:
  fmpz_t v_;
};

}  // namespace lyapcert::exact
