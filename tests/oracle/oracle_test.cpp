// Tests of lyapcert::oracle: the CSV reader (line numbers in every error), the classification rule
// (ORACLE-CLASS-1) on crafted claims, the Bonferroni K (ORACLE-FWER-1) against published normal quantiles,
// and whole verify plans on crafted consistent / inconsistent rows whose truth is known in closed form.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/oracle.hpp"

namespace lyapcert::oracle {
namespace {

using exact::Rational;

std::string error_of(const std::string& text) {
  try {
    parse_csv(text, "f.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(OracleCsv, QuotedFieldsCommentsAndCrlf) {
  const CsvTable t = parse_csv(
      "\xEF\xBB\xBF# produced by my_estimator.py\r\nlaw, LR ,value\r\n\r\n\"atoms(-1, 1/2)\",1, 0\r\n"
      "\"say \"\"hi\"\"\" , 2,3\n",
      "f.csv");
  ASSERT_EQ(t.header, (std::vector<std::string>{"law", "lr", "value"}));
  EXPECT_EQ(t.header_line, 2u);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].line, 4u);
  EXPECT_EQ(t.rows[0].fields[0], "atoms(-1, 1/2)");
  EXPECT_EQ(t.rows[0].fields[2], "0");
  EXPECT_EQ(t.rows[1].line, 5u);
  EXPECT_EQ(t.rows[1].fields[0], "say \"hi\"");
}

TEST(OracleCsv, MultiLineQuotedFieldKeepsStartLine) {
  const CsvTable t = parse_csv("law,value\n\"atoms(1,\n 2)\",3\nx,4\n", "f.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].line, 2u);
  EXPECT_EQ(t.rows[1].line, 4u);
}

TEST(OracleCsv, ErrorsNameTheLine) {
  EXPECT_EQ(error_of("law,lr,value\natoms(-1, 1/2),1,0\n"),
            "f.csv:2: 4 fields, but the header (line 1) names 3 columns (quote fields that contain commas, e.g. "
            "\"atoms(-1, 1/2)\")");
  EXPECT_EQ(error_of("a,b\n1,2\n3\n"), "f.csv:3: 1 fields, but the header (line 1) names 2 columns");
  EXPECT_EQ(error_of("a,b\n\"1,2\n"), "f.csv:2: unterminated quoted field (a '\"' is missing)");
  EXPECT_EQ(error_of("a,b\n\"1\"x,2\n"), "f.csv:2: unexpected character 'x' after a closing quote");
  EXPECT_EQ(error_of("a,a\n1,2\n"), "f.csv:1: header names column 'a' twice");
  EXPECT_EQ(error_of("# only\n\n"), "f.csv: no header line (the file is empty or all comments)");
  EXPECT_EQ(error_of("a,b\n# nothing\n"), "f.csv:1: no data rows after the header");
}

Claim point_claim(ClaimKind kind, Rational lo, Rational hi) {
  Claim c;
  c.kind = kind;
  c.value = XReal::finite((lo + hi) / 2);
  c.range = ExactInterval{XReal::finite(lo), XReal::finite(hi)};
  return c;
}

TEST(OracleClassify, TheRuleOnCraftedIntervals) {
  const ExactInterval e{XReal::finite(Rational(1, 10)), XReal::finite(Rational(2, 10))};
  // Disjoint: inconsistent whether or not the enclosure converged.
  EXPECT_EQ(classify(point_claim(ClaimKind::value, Rational(3, 10), Rational(4, 10)), e, true), Verdict::inconsistent);
  EXPECT_EQ(classify(point_claim(ClaimKind::value, Rational(3, 10), Rational(4, 10)), e, false), Verdict::inconsistent);
  // Touching at one endpoint meets (closed intervals).
  EXPECT_EQ(classify(point_claim(ClaimKind::value, Rational(2, 10), Rational(3, 10)), e, true), Verdict::consistent);
  // Contains the enclosure: consistent even when the enclosure did not converge.
  EXPECT_EQ(classify(point_claim(ClaimKind::interval, Rational(0), Rational(1)), e, false), Verdict::consistent);
  // Partial overlap: consistent when converged, undetermined otherwise.
  EXPECT_EQ(classify(point_claim(ClaimKind::interval, Rational(15, 100), Rational(1)), e, true), Verdict::consistent);
  EXPECT_EQ(classify(point_claim(ClaimKind::interval, Rational(15, 100), Rational(1)), e, false),
            Verdict::undetermined);
  Claim nan;
  nan.nan = true;
  EXPECT_EQ(classify(nan, e, true), Verdict::inconsistent);
}

TEST(OracleClassify, MinusInfinity) {
  const ExactInterval minus_inf{XReal::minus_inf(), XReal::minus_inf()};
  Claim c;
  c.kind = ClaimKind::value;
  c.value = XReal::minus_inf();
  c.range = minus_inf;
  EXPECT_EQ(classify(c, minus_inf, true), Verdict::consistent);
  const Claim finite = point_claim(ClaimKind::stderr_bar, Rational(-5), Rational(-3));
  EXPECT_EQ(classify(finite, minus_inf, true), Verdict::inconsistent);
  EXPECT_TRUE(miss_of(finite, minus_inf).infinite);
  // An upper bound only: [-inf, u].
  const ExactInterval upper_only{XReal::minus_inf(), XReal::finite(Rational(1))};
  EXPECT_EQ(classify(point_claim(ClaimKind::value, Rational(2), Rational(3)), upper_only, false),
            Verdict::inconsistent);
  EXPECT_EQ(classify(point_claim(ClaimKind::value, Rational(0), Rational(1, 2)), upper_only, false),
            Verdict::undetermined);
}

TEST(OracleClassify, MissInErrorBars) {
  Claim c;
  c.kind = ClaimKind::stderr_bar;
  c.value = XReal::finite(Rational(1));
  c.bar = Rational(1, 100);
  c.range = ExactInterval{XReal::finite(Rational(97, 100)), XReal::finite(Rational(103, 100))};
  const ExactInterval e{XReal::finite(Rational(9, 10)), XReal::finite(Rational(95, 100))};
  const Miss m = miss_of(c, e);
  ASSERT_TRUE(m.distance && m.error_bars);
  EXPECT_EQ(*m.distance, Rational(5, 100));
  EXPECT_EQ(*m.error_bars, Rational(5));
  EXPECT_EQ(decimal(*m.error_bars, 3, exact::Round::down), "5");
  EXPECT_EQ(decimal(Rational(-1, 3), 3, exact::Round::down), "-0.334");
  EXPECT_EQ(decimal(Rational(12345678), 3, exact::Round::up), "1.24e7");
  EXPECT_EQ(decimal(Rational(3663, 1000), 6, exact::Round::up), "3.663");
  EXPECT_EQ(decimal(Rational(-1, 100000), 6, exact::Round::up), "-1e-5");
  EXPECT_EQ(decimal(Rational(-1, 3), 3, exact::Round::up), "-0.333");
}

TEST(OracleNumbers, ForeignSpellings) {
  EXPECT_EQ(parse_number("0.1")->q, Rational(1, 10));
  EXPECT_EQ(parse_number("1e-05")->q, Rational(1, 100000));
  EXPECT_EQ(parse_number("-Inf")->inf, -1);
  EXPECT_EQ(parse_number("infinity")->inf, 1);
  EXPECT_FALSE(parse_number("NaN").has_value());
  EXPECT_THROW(parse_number("0x10"), InputError);
  EXPECT_THROW(parse_number(""), InputError);
}

// Two-sided standard normal quantiles z_{1 - a/2} (Abramowitz & Stegun table 26.8 / any statistics
// table): 1.959964 (a = 0.05), 3.290527 (a = 0.001), 4.417173 (a = 1e-5); rounded up to 1/1000.
TEST(OracleBonferroni, MatchesNormalQuantiles) {
  EXPECT_EQ(bonferroni_sigmas(0.05, 1), Rational(1960, 1000));
  EXPECT_EQ(bonferroni_sigmas(1e-3, 1), Rational(3291, 1000));
  EXPECT_EQ(bonferroni_sigmas(1e-3, 100), Rational(4418, 1000));
  EXPECT_THROW(bonferroni_sigmas(0, 1), InputError);
  EXPECT_THROW(bonferroni_sigmas(1, 1), InputError);
}

// Lambda(1) of atoms(-1:1/3, 1/2:2/3) is -(log 2)/3 (docs/math.md section 2): the reference comes from std::log,
// not from lyapcert; the crafted claims sit far (>= 1e-9) from the truth on either side.
TEST(OracleVerify, Lyap1dCraftedRows) {
  const double truth = -std::log(2.0) / 3;
  const std::string law = "\"atoms(-1:1/3, 1/2:2/3)\"";
  const std::string csv = fmt::format(
      "law,lr,value,stderr\n"
      "{0},1,{1:.17g},1e-6\n"      // consistent: error bar around the truth
      "{0},1,{2:.17g},1e-6\n"      // inconsistent: 10 sigma off
      "{0},1,{3:.17g},\n"          // bare value 1e-9 off: inconsistent without tolerance
      "\"atoms(-1, 1/2)\",1,0,\n"  // exact zero, bare value 0: consistent
      "\"atoms(2, -1)\",1/2,-inf,\n"  // -inf exactly
      "\"atoms(2, -1)\",1/2,-30,1\n",  // a finite value against -inf: inconsistent
      law, truth, truth + 1e-5, truth - 1e-9);
  VerifyOptions opt;
  opt.sigmas = Rational(4);
  const Plan plan = make_plan(parse_csv(csv, "rows.csv"), opt, "");
  EXPECT_EQ(plan.quantity, Quantity::lyap1d);
  EXPECT_TRUE(plan.quantity_inferred);
  Verifier v(plan, opt);
  const std::vector<Verdict> expected = {Verdict::consistent, Verdict::inconsistent, Verdict::inconsistent,
                                         Verdict::consistent, Verdict::consistent, Verdict::inconsistent};
  ASSERT_EQ(plan.rows.size(), expected.size());
  Summary s;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const RowResult r = v.check(i);
    EXPECT_EQ(r.verdict, expected[i]) << "row " << i << ": " << r.reason;
    ++s.rows;
    s.inconsistent += r.verdict == Verdict::inconsistent;
  }
  EXPECT_EQ(exit_status(s), kExitInconsistent);
  const RowResult off = v.check(1);
  ASSERT_TRUE(off.miss && off.miss->error_bars);
  // 1e-5 / 1e-6 = 10 sigma, up to the binary64 rounding of the printed value.
  EXPECT_NEAR(off.miss->error_bars->convert_to<double>(), 10.0, 1e-6);
  // With a tolerance the bare value passes.
  VerifyOptions tol = opt;
  tol.rtol = Rational(1, 100000000);
  const Plan p2 = make_plan(parse_csv(csv, "rows.csv"), tol, "");
  Verifier v2(p2, tol);
  EXPECT_EQ(v2.check(2).verdict, Verdict::consistent);
}

TEST(OracleVerify, IntervalsAndPlanErrors) {
  VerifyOptions opt;
  const double truth = -std::log(2.0) / 3;
  const std::string csv = fmt::format("law,lr,lower,upper\n\"atoms(-1:1/3, 1/2:2/3)\",1,{:.17g},{:.17g}\n"
                                      "\"atoms(-1:1/3, 1/2:2/3)\",1,{:.17g},{:.17g}\n",
                                      truth - 1e-3, truth + 1e-3, truth + 1e-3, truth + 2e-3);
  const Plan plan = make_plan(parse_csv(csv, "i.csv"), opt, "");
  Verifier v(plan, opt);
  EXPECT_EQ(v.check(0).verdict, Verdict::consistent);
  const RowResult r = v.check(1);
  EXPECT_EQ(r.verdict, Verdict::inconsistent);
  ASSERT_TRUE(r.miss && r.miss->error_bars);
  EXPECT_NEAR(r.miss->error_bars->convert_to<double>(), 3.0, 1e-6);  // centre 1.5e-3 away, half-width 5e-4

  const auto plan_error = [&](const std::string& text) {
    try {
      make_plan(parse_csv(text, "e.csv"), opt, "");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(plan_error("law,lr,value\n\"atoms(1)\",0,1\n"), "e.csv:2: column 'lr': the learning rate must be > 0, got 0");
  EXPECT_EQ(plan_error("law,lr,value\n\"atoms(1)\",1,abc\n").substr(0, 49),
            "e.csv:2: column 'value': malformed number 'abc': ");
  EXPECT_EQ(plan_error("law,lr,value,stderr\n\"atoms(1)\",1,1,-1\n"),
            "e.csv:2: column 'stderr': a one-sigma error bar must be >= 0");
  EXPECT_EQ(plan_error("law,lr,lower,upper\n\"atoms(1)\",1,2,1\n"), "e.csv:2: column 'upper': lower > upper");
  EXPECT_EQ(plan_error("law,lr,value,stderr,lower,upper\n\"atoms(1)\",1,1,1,0,2\n"),
            "e.csv:1: give an error bar (stderr) or an interval (lower,upper), not both");
  EXPECT_EQ(plan_error("x,y\n1,2\n").substr(0, 45), "e.csv:1: cannot tell the quantity from the he");
  EXPECT_EQ(plan_error("lr,phase\n1,V\n"), "e.csv:2: column 'phase': unknown phase label 'V' (Ia, Ib, I, II, III, IV)");
}

// The phase column: every accepted spelling names the phase of docs/oracle.md, "I" admits exactly Ia and Ib, and
// the canonical text reads back to the same claim.
TEST(OraclePhaseClaim, SpellingsAdmittedPhasesAndCanonicalText) {
  using models::Phase;
  const std::vector<std::pair<std::vector<std::string>, std::string>> spellings = {
      {{"Ia", "ia", "IA", "1a", "1A"}, "Ia"}, {{"Ib", "ib", "1b"}, "Ib"}, {{"I", "i", "1"}, "I"},
      {{"II", "ii", "2"}, "II"},              {{"III", "iii", "3"}, "III"}, {{"IV", "iv", "4"}, "IV"}};
  for (const auto& [texts, canonical] : spellings) {
    for (const std::string& t : texts) {
      const PhaseClaim c = parse_phase_claim(t);
      EXPECT_EQ(to_string(c), canonical) << t;
      const PhaseClaim back = parse_phase_claim(to_string(c));
      EXPECT_EQ(back.phase, c.phase) << t;
      EXPECT_EQ(back.either_ia_ib, c.either_ia_ib) << t;
    }
  }
  const PhaseClaim one = parse_phase_claim("I");
  for (Phase p : {Phase::Ia, Phase::Ib}) EXPECT_TRUE(one.admits(p));
  for (Phase p : {Phase::II, Phase::III, Phase::IV, Phase::undetermined, Phase::collapse, Phase::escape}) {
    EXPECT_FALSE(one.admits(p));
  }
  for (Phase claimed : models::kTwoLayerPhases) {
    const PhaseClaim c = parse_phase_claim(models::to_string(claimed));
    for (Phase p : models::kTwoLayerPhases) EXPECT_EQ(c.admits(p), p == claimed);
  }
  for (const char* bad : {"", "V", "Ic", "0", "5", "undetermined", "collapse", "I a"}) {
    EXPECT_THROW(parse_phase_claim(bad), InputError) << bad;
  }
}

// The sign column of a printed enclosure: a certified sign or a boundary direction, read back from its text.
TEST(OraclePrintedEnclosure, SignTextRoundTrip) {
  for (exact::Sign s : {exact::Sign::negative, exact::Sign::zero, exact::Sign::positive, exact::Sign::undetermined}) {
    const auto back = parse_enclosure_sign(to_string(EnclosureSign(s)));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, EnclosureSign(s));
  }
  for (boundary::Direction d : {boundary::Direction::neg_to_pos, boundary::Direction::pos_to_neg}) {
    const auto back = parse_enclosure_sign(to_string(EnclosureSign(d)));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, EnclosureSign(d));
  }
  EXPECT_EQ(to_string(EnclosureSign(boundary::Direction::neg_to_pos)), "neg-to-pos");
  EXPECT_EQ(to_string(EnclosureSign(exact::Sign::positive)), "positive");
  EXPECT_FALSE(parse_enclosure_sign("Positive").has_value());
  EXPECT_FALSE(parse_enclosure_sign("").has_value());
}

// Boundary of atoms(-1, 1/2): Lambda(lr) = (log|1 + lr| + log|1 - lr/2|)/2 vanishes exactly at lr = 1 and at
// the root of (1 + lr)(lr/2 - 1) = 1, lr = (1 + sqrt 17)/2 (docs/boundary.md); 2 is a singular point.
TEST(OracleVerify, BoundaryRows) {
  VerifyOptions opt;
  opt.sigmas = Rational(3);
  const double r2 = (1 + std::sqrt(17.0)) / 2;
  const std::string csv = fmt::format(
      "law,root,stderr,lr_min,lr_max\n"
      "\"atoms(-1, 1/2)\",1,0,1/4,8\n"
      "\"atoms(-1, 1/2)\",{:.17g},1e-9,1/4,8\n"
      "\"atoms(-1, 1/2)\",2,1e-6,1/4,8\n"    // the singular point is no sign change
      "\"atoms(-1, 1/2)\",16,1,1/4,8\n",     // beyond the range
      r2);
  const Plan plan = make_plan(parse_csv(csv, "b.csv"), opt, "");
  EXPECT_EQ(plan.quantity, Quantity::boundary);
  Verifier v(plan, opt);
  EXPECT_EQ(v.check(0).verdict, Verdict::consistent) << v.check(0).reason;
  EXPECT_EQ(v.check(1).verdict, Verdict::consistent) << v.check(1).reason;
  const RowResult s = v.check(2);
  EXPECT_EQ(s.verdict, Verdict::inconsistent) << s.reason;
  EXPECT_NE(s.reason.find("singular point 2"), std::string::npos) << s.reason;
  EXPECT_EQ(v.check(3).verdict, Verdict::undetermined) << v.check(3).reason;
}

}  // namespace
}  // namespace lyapcert::oracle
