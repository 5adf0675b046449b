// lyapcert::exact scoped holders for the Arb/FLINT types that have no value wrapper of their own (arf_t, mag_t,
// acb_t, fmpq_t, the matrix and polynomial types). Each one inits in its constructor and clears in its destructor,
// so a local that lives across code that can throw (InputError, core::Interrupted, std::bad_alloc) is not leaked.
// They pass straight to the C functions like the raw `x_t` did (`arf_set(a, b)`), and `->` makes the access
// macros work (arf_mid of `arb_midref`, `arb_mat_entry(m, i, j)`, `fmpq_numref(q)`). AcbVec holds the n-entry
// vector of `_acb_vec_init(n)`.
//
// The one way to hold an Arb/FLINT local in library code:
//   arb_t      -> exact::Ball (ball.hpp; a value type, also what the library returns)
//   fmpz_t     -> exact::Fmpz (fmpz.hpp; a value type; pass `x.get()`)
//   everything else below: a scoped, non-copyable holder (no value semantics are needed for a temporary).
#pragma once
#include <acb.h>
#include <arb.h>
#include <arb_mat.h>
#include <arb_poly.h>
#include <arf.h>
#include <flint/fmpq.h>
#include <flint/fmpq_mat.h>
#include <flint/fmpq_poly.h>
#include <flint/fmpz_mat.h>
#include <flint/fmpz_poly.h>
#include <flint/fmpz_poly_factor.h>
#include <mag.h>

namespace lyapcert::exact {
namespace detail {

// Traits: `type` (the struct behind `x_t`), `init(type*, args...)` and `clear(type*)`.
template <typename Traits>
class Scoped {
 public:
  using value_type = typename Traits::type;

  // Constructor arguments go to the init function after the object (rows, columns for a matrix).
  template <typename... Args>
  explicit Scoped(Args... args) noexcept {
    Traits::init(v_, args...);
  }
  ~Scoped() { Traits::clear(v_); }
  Scoped(const Scoped&) = delete;
  Scoped& operator=(const Scoped&) = delete;

  value_type* get() noexcept { return v_; }
  const value_type* get() const noexcept { return v_; }
  operator value_type*() noexcept { return v_; }
  operator const value_type*() const noexcept { return v_; }
  value_type* operator->() noexcept { return v_; }
  const value_type* operator->() const noexcept { return v_; }

 private:
  value_type v_[1];
};

// One traits struct per C type (the init functions are inline in the C headers, so they are wrapped rather than
// passed as template arguments).
#define LYAPCERT_SCOPED_TRAITS(name, T, init_fn, clear_fn)           \
  struct name {                                                      \
    using type = T;                                                  \
    template <typename... Args>                                      \
    static void init(T* p, Args... args) noexcept {                  \
      init_fn(p, args...);                                           \
    }                                                                \
    static void clear(T* p) noexcept { clear_fn(p); }                \
  };
LYAPCERT_SCOPED_TRAITS(ArfTraits, arf_struct, arf_init, arf_clear)
LYAPCERT_SCOPED_TRAITS(MagTraits, mag_struct, mag_init, mag_clear)
LYAPCERT_SCOPED_TRAITS(AcbTraits, acb_struct, acb_init, acb_clear)
LYAPCERT_SCOPED_TRAITS(FmpqTraits, fmpq, fmpq_init, fmpq_clear)
LYAPCERT_SCOPED_TRAITS(ArbMatTraits, arb_mat_struct, arb_mat_init, arb_mat_clear)
LYAPCERT_SCOPED_TRAITS(FmpqMatTraits, fmpq_mat_struct, fmpq_mat_init, fmpq_mat_clear)
LYAPCERT_SCOPED_TRAITS(FmpzMatTraits, fmpz_mat_struct, fmpz_mat_init, fmpz_mat_clear)
LYAPCERT_SCOPED_TRAITS(ArbPolyTraits, arb_poly_struct, arb_poly_init, arb_poly_clear)
LYAPCERT_SCOPED_TRAITS(FmpzPolyTraits, fmpz_poly_struct, fmpz_poly_init, fmpz_poly_clear)
LYAPCERT_SCOPED_TRAITS(FmpqPolyTraits, fmpq_poly_struct, fmpq_poly_init, fmpq_poly_clear)
LYAPCERT_SCOPED_TRAITS(FmpzPolyFactorTraits, fmpz_poly_factor_struct, fmpz_poly_factor_init, fmpz_poly_factor_clear)
#undef LYAPCERT_SCOPED_TRAITS

}  // namespace detail

using Arf = detail::Scoped<detail::ArfTraits>;
using Mag = detail::Scoped<detail::MagTraits>;
using Acb = detail::Scoped<detail::AcbTraits>;
using Fmpq = detail::Scoped<detail::FmpqTraits>;
using ArbMat = detail::Scoped<detail::ArbMatTraits>;          // ArbMat m(rows, cols)
using FmpqMat = detail::Scoped<detail::FmpqMatTraits>;        // FmpqMat m(rows, cols)
using FmpzMat = detail::Scoped<detail::FmpzMatTraits>;        // FmpzMat m(rows, cols)
using ArbPoly = detail::Scoped<detail::ArbPolyTraits>;
using FmpzPoly = detail::Scoped<detail::FmpzPolyTraits>;
using FmpqPoly = detail::Scoped<detail::FmpqPolyTraits>;
using FmpzPolyFactor = detail::Scoped<detail::FmpzPolyFactorTraits>;

// A vector of n acb_t (Arb's `_acb_vec_init(n)` / `_acb_vec_clear(v, n)`), such as the complex roots of a
// polynomial of degree n. It passes to the C functions as an acb_ptr; entry i is `v.get() + i` (spelled out, since
// pointer arithmetic through a conversion operator would be ambiguous between acb_ptr and acb_srcptr).
class AcbVec {
 public:
  explicit AcbVec(slong n) noexcept : v_(_acb_vec_init(n)), n_(n) {}
  ~AcbVec() { _acb_vec_clear(v_, n_); }
  AcbVec(const AcbVec&) = delete;
  AcbVec& operator=(const AcbVec&) = delete;

  acb_ptr get() noexcept { return v_; }
  acb_srcptr get() const noexcept { return v_; }
  operator acb_ptr() noexcept { return v_; }
  operator acb_srcptr() const noexcept { return v_; }
  slong size() const noexcept { return n_; }

 private:
  acb_ptr v_;
  slong n_;
};

}  // namespace lyapcert::exact
