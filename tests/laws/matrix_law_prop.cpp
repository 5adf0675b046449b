// Randomized properties of the matrix-law reader (parse_matrix_law, docs/law-language.md "Matrix laws"), for CI
// (fixed seed, tests/support/test_main.cpp) and scripts/campaign.sh (many cases):
//  * round trip: a random finite family (d = 1 .. 4, 1 .. 4 atoms, random exact rationals written as fractions,
//    integers or terminating decimals, random whitespace, explicit or omitted equal probabilities) is read back as
//    exactly the matrices and probabilities it was printed from (the expected values are the generator's own
//    rationals, built from integer pairs, never from the parser);
//  * refusal: the same text broken in one place (probabilities not summing to 1, a negative probability, a ragged
//    row, a non-square matrix, mixed dimensions, d = 5, an empty family) is an InputError with a message, never
//    another exception, a crash or a law.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"

namespace {

using lyapcert::InputError;
using lyapcert::exact::Integer;
using lyapcert::exact::Rational;
namespace laws = lyapcert::laws;

std::string ws() {
  static const char* const kWs[] = {"", "", " ", "  ", "\t", "\n"};
  return kWs[*rc::gen::inRange(0, 6)];
}

// A random rational and a text for it: "p/q", an integer, or a terminating decimal (value m / 10^k).
struct Num {
  Rational value;
  std::string text;
};

Num gen_num() {
  const int form = *rc::gen::inRange(0, 3);
  const std::int64_t m = *rc::gen::inRange<std::int64_t>(-2000, 2001);
  if (form == 0) {
    const std::int64_t den = *rc::gen::inRange<std::int64_t>(1, 500);
    return {Rational(Integer(m), Integer(den)), std::to_string(m) + "/" + std::to_string(den)};
  }
  if (form == 1) return {Rational(Integer(m)), std::to_string(m)};
  const int k = *rc::gen::inRange(1, 4);
  std::int64_t p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  const std::int64_t a = m < 0 ? -m : m;
  std::string frac = std::to_string(a % p);
  frac = std::string(static_cast<std::size_t>(k) - frac.size(), '0') + frac;
  return {Rational(Integer(m), Integer(p)), std::string(m < 0 ? "-" : "") + std::to_string(a / p) + "." + frac};
}

struct Family {
  int d = 1;
  std::vector<std::vector<Num>> mats;  // row-major
  std::vector<Rational> probs;
  std::vector<std::string> prob_text;  // empty: probabilities omitted (equal weights)
};

Family gen_family() {
  Family f;
  f.d = *rc::gen::inRange(1, 5);
  const int k = *rc::gen::inRange(1, 5);
  for (int i = 0; i < k; ++i) {
    std::vector<Num> m;
    for (int j = 0; j < f.d * f.d; ++j) m.push_back(gen_num());
    f.mats.push_back(m);
  }
  if (*rc::gen::inRange(0, 4) == 0) {
    for (int i = 0; i < k; ++i) f.probs.push_back(Rational(Integer(1), Integer(k)));
  } else {
    std::vector<int> w(k);
    int total = 0;
    for (int& x : w) total += (x = *rc::gen::inRange(0, 6));
    if (total == 0) {
      w[0] = 1;
      total = 1;
    }
    for (int x : w) {
      f.probs.push_back(Rational(Integer(x), Integer(total)));
      f.prob_text.push_back(std::to_string(x) + "/" + std::to_string(total));
    }
  }
  return f;
}

// Prints a family; `row_drop` >= 0 drops the last entry of that row of atom 0 (a ragged matrix), `extra_row`
// appends a row to atom 0 (not square).
std::string print(const Family& f, int row_drop = -1, bool extra_row = false) {
  std::string s = "matrices(" + ws();
  for (std::size_t i = 0; i < f.mats.size(); ++i) {
    if (i) s += "," + ws();
    s += "[" + ws();
    const int rows = f.d + (extra_row && i == 0 ? 1 : 0);
    for (int r = 0; r < rows; ++r) {
      if (r) s += "," + ws();
      s += "[";
      const int cols = (i == 0 && r == row_drop) ? f.d - 1 : f.d;
      for (int c = 0; c < cols; ++c) {
        if (c) s += "," + ws();
        s += r < f.d ? f.mats[i][r * f.d + c].text : "1";
      }
      s += "]";
    }
    s += ws() + "]";
    if (!f.prob_text.empty()) s += ws() + ":" + ws() + f.prob_text[i];
  }
  return s + ws() + ")";
}

// The parser's answer to a broken text: InputError (with a message) expected; anything else is reported.
void expect_refused(const std::string& text) {
  try {
    (void)laws::parse_matrix_law(text);
  } catch (const InputError& e) {
    RC_ASSERT(std::string(e.what()).size() > 0);
    return;
  } catch (const std::exception& e) {
    RC_FAIL(std::string("not an InputError: ") + e.what() + " for " + text);
  }
  RC_FAIL("accepted: " + text);
}

}  // namespace

RC_GTEST_PROP(MatrixLawParsing, RoundTripsGeneratedFamilies, ()) {
  const Family f = gen_family();
  const std::string text = print(f);
  RC_LOG() << text << "\n";
  const laws::MatrixLaw law = laws::parse_matrix_law(text);
  RC_ASSERT(law.dim == f.d);
  const auto* fm = std::get_if<laws::FiniteMatrices>(&law.node);
  RC_ASSERT(fm != nullptr);
  RC_ASSERT(fm->matrices.size() == f.mats.size());
  RC_ASSERT(fm->probs.size() == f.probs.size());
  for (std::size_t i = 0; i < f.mats.size(); ++i) {
    RC_ASSERT(fm->probs[i] == f.probs[i]);
    RC_ASSERT(fm->matrices[i].size() == f.mats[i].size());
    for (std::size_t j = 0; j < f.mats[i].size(); ++j) RC_ASSERT(fm->matrices[i][j] == f.mats[i][j].value);
  }
}

RC_GTEST_PROP(MatrixLawParsing, RefusesBrokenFamilies, ()) {
  Family f = gen_family();
  const int how = *rc::gen::inRange(0, 7);
  std::string text;
  switch (how) {
    case 0:  // probabilities not summing to 1
      if (f.prob_text.empty()) f.prob_text.assign(f.mats.size(), "1/" + std::to_string(f.mats.size()));
      f.prob_text[0] += "+1/" + std::to_string(*rc::gen::inRange(2, 1000));
      text = print(f);
      break;
    case 1: {  // a negative probability (nonzero: "-0" would be a valid 0)
      if (f.prob_text.empty()) f.prob_text.assign(f.mats.size(), "1/" + std::to_string(f.mats.size()));
      f.prob_text[0] = "-1/" + std::to_string(*rc::gen::inRange(1, 50));
      text = print(f);
      break;
    }
    case 2:  // ragged row (d >= 2: drop one entry; d = 1: an empty row)
      text = print(f, *rc::gen::inRange(0, f.d));
      break;
    case 3:  // one row too many
      text = print(f, -1, true);
      break;
    case 4: {  // mixed dimensions: an extra atom of another size
      Family g = f;
      g.d = f.d == 4 ? 3 : f.d + 1;
      g.mats.assign(1, std::vector<Num>(static_cast<std::size_t>(g.d) * g.d, Num{Rational(1), "1"}));
      g.prob_text.clear();
      text = print(f);
      text.pop_back();  // ")"
      const std::string extra = print(g);
      text += ", " + extra.substr(std::string("matrices(").size());
      break;
    }
    case 5: {  // d = 5
      Family g;
      g.d = 5;
      g.mats.assign(1, std::vector<Num>(25, Num{Rational(1), "1"}));
      text = print(g);
      break;
    }
    default:
      text = "matrices(" + ws() + ")";
      break;
  }
  RC_LOG() << text << "\n";
  expect_refused(text);
}
