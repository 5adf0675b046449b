// Table specs, rows, the MPFI backend, format round trips and recheck (lib/lyapcert/tables).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/tables.hpp"

namespace {

using lyapcert::InputError;
using lyapcert::exact::Rational;
using namespace lyapcert::tables;

std::string expect_spec_error(const std::string& text) {
  try {
    parse_spec(text, "t.json");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for " << text;
  return "";
}

TEST(Spec, ErrorsNameRowFieldAndProblem) {
  EXPECT_NE(expect_spec_error("{\"rows\": [{\"quantity\": \"exponent\", \"law\": \"atoms(1)\", \"lr\": 0.1}]}")
                .find("binary64"),
            std::string::npos);
  EXPECT_NE(expect_spec_error("{\"rows\": [{\"quantity\": \"exponent\", \"law\": \"atoms(1)\", \"lrr\": \"1\"}]}")
                .find("unknown field 'lrr'"),
            std::string::npos);
  EXPECT_NE(expect_spec_error("{\"rows\": [{\"id\": \"a\", \"quantity\": \"exponent\", \"law\": \"atoms(1\", \"lr\": \"1\"}]}")
                .find("rows[0] (id 'a'): field 'law': law syntax error"),
            std::string::npos);
  EXPECT_NE(expect_spec_error("{\"rows\": [{\"quantity\": \"exponent\", \"law\": \"atoms(1)\", \"lr\": \"-1\"}]}")
                .find("field 'lr' must be > 0"),
            std::string::npos);
  EXPECT_NE(expect_spec_error("{\"rows\": [{\"quantity\": \"volume\"}]}").find("unknown quantity 'volume'"),
            std::string::npos);
  EXPECT_NE(expect_spec_error("{\"rows\": []}").find("non-empty"), std::string::npos);
  EXPECT_NE(expect_spec_error("{\"rows\": [").find("not valid JSON"), std::string::npos);
  EXPECT_NE(expect_spec_error("{\"rows\": [{\"id\": \"x\", \"quantity\": \"exponent\", \"law\": \"atoms(1)\", \"lr\": "
                              "\"1\"}, {\"id\": \"x\", \"quantity\": \"exponent\", \"law\": \"atoms(1)\", \"lr\": \"2\"}]}")
                .find("duplicate row id 'x'"),
            std::string::npos);
  EXPECT_NE(expect_spec_error("{\"rows\": [{\"quantity\": \"exponent\", \"law\": \"normal(1, {s})\", \"lr\": \"1\", "
                              "\"grid\": {\"t\": [\"1\"]}}]}")
                .find("grid axis 't'"),
            std::string::npos);
}

// Found by the table_spec fuzz target (docs/fuzzing.md): a JSON number beyond binary64 made nlohmann throw
// out_of_range.406 while parsing, which escaped parse_spec as a non-InputError exception.
TEST(Spec, JsonNumberBeyondBinary64IsAnInputError) {
  EXPECT_NE(expect_spec_error("{\"rows\": [{\"quantity\": \"moment\", \"law\":1e400}]}").find("1e400"),
            std::string::npos);
  EXPECT_NE(expect_spec_error("{\"notes\": -1e999, \"rows\": []}").find("number overflow"), std::string::npos);
  EXPECT_NE(expect_spec_error("[1e400]").find("t.json: JSON that cannot be read"), std::string::npos);
}

TEST(Spec, GridsExpandInOrderWithDefaults) {
  const TableSpec t = parse_spec(R"J({"defaults": {"digits": 12},
    "rows": [{"id": "g", "quantity": "exponent", "law": "normal({m}, 1)", "grid": {"m": ["0", "1/2"], "lr": ["1", "2"]}},
             {"quantity": "moment", "law": "atoms(1, 2)", "lr": "1/3", "p": 2}]})J");
  ASSERT_EQ(t.rows.size(), 5u);
  EXPECT_EQ(t.rows[0].id, "g[m=0,lr=1]");
  EXPECT_EQ(t.rows[1].id, "g[m=0,lr=2]");
  EXPECT_EQ(t.rows[2].id, "g[m=1/2,lr=1]");
  EXPECT_EQ(t.rows[2].spec["law"], "normal(1/2, 1)");
  EXPECT_EQ(t.rows[2].spec["digits"], "12");
  EXPECT_EQ(t.rows[4].id, "r5");
  EXPECT_EQ(t.rows[4].spec["p"], "2");
  EXPECT_EQ(t.sha256.size(), 64u);
}

Json row_for(const std::string& spec_text, std::size_t i = 0) {
  const TableSpec t = parse_spec(spec_text);
  return compute_row(t.rows.at(i));
}

// The Arb and MPFI enclosures of -(log 2)/3 intersect and both contain the closed form. Proof: TABLE-MPFI-1.
TEST(Mpfi, AgreesWithArbOnFiniteLawsAndUniform) {
  const TableSpec t = parse_spec(R"J({"rows": [
    {"quantity": "exponent", "law": "atoms(-1:1/3, 1/2:2/3)", "lr": "1", "digits": "25"},
    {"quantity": "moment", "law": "atoms(21/10, 13/10, -2/5, 9/10)", "lr": "0.9", "p": "2"},
    {"quantity": "moment", "law": "atoms(21/10, 13/10, -2/5, 9/10)", "lr": "0.9", "p": "3/2"},
    {"quantity": "exponent", "law": "uniform(-1, 3)", "lr": "0.4"},
    {"quantity": "exponent", "law": "uniform(-1, 3)", "lr": "1"},
    {"quantity": "exponent", "law": "atoms(2, -1)", "lr": "1/2"},
    {"quantity": "phase", "data": [["1", "2"], ["-1/2", "1/4"], ["3/2", "1"]], "batch": "2", "lr": "0.8"}]})J");
  ComputeOptions other;
  other.backend = Backend::other;
  for (const RowSpec& r : t.rows) {
    const Json a = compute_row(r), b = compute_row(r, other);
    EXPECT_EQ(a["backend"], "arb");
    EXPECT_EQ(b["backend"], "mpfi") << r.id;
    ASSERT_EQ(a["entries"].size(), b["entries"].size());
    for (std::size_t k = 0; k < a["entries"].size(); ++k) {
      const Json &ea = a["entries"][k], &eb = b["entries"][k];
      if (ea["lower_exact"] == "-inf") {
        EXPECT_EQ(eb["lower_exact"], "-inf");
        continue;
      }
      const Rational alo = parse_exact(ea["lower_exact"].get<std::string>()), ahi = parse_exact(ea["upper_exact"].get<std::string>());
      const Rational blo = parse_exact(eb["lower_exact"].get<std::string>()), bhi = parse_exact(eb["upper_exact"].get<std::string>());
      EXPECT_LE(std::max(alo, blo), std::min(ahi, bhi)) << r.id << " " << ea["name"];
      EXPECT_LT(bhi - blo, Rational(1, 1000000000000LL)) << "MPFI enclosure too wide";
    }
    if (a.contains("phase")) EXPECT_EQ(a["phase"], b["phase"]);
  }
  // Closed form: -(log 2)/3 (log 2 in [0.6931471805599453094, 0.6931471805599453095]).
  const Json b = compute_row(t.rows[0], other);
  const Rational lo = parse_exact(b["entries"][0]["lower_exact"].get<std::string>());
  const Rational hi = parse_exact(b["entries"][0]["upper_exact"].get<std::string>());
  const Rational ten19(lyapcert::exact::Integer("10000000000000000000"));
  // The reference interval [-...095/3, -...094/3] contains the truth; a correct enclosure meets it.
  EXPECT_LE(lo, -Rational(6931471805599453094LL) / ten19 / 3);
  EXPECT_GE(hi, -Rational(6931471805599453095LL) / ten19 / 3);
}

Json example_document() {
  const TableSpec t = parse_spec(R"J({"title": "t", "rows": [
    {"id": "a", "quantity": "exponent", "law": "atoms(-1:1/3, 1/2:2/3)", "lr": "1", "digits": "20"},
    {"id": "z", "quantity": "exponent", "law": "atoms(-1, 1/2)", "lr": "1"},
    {"id": "inf", "quantity": "exponent", "law": "atoms(2, -1)", "lr": "1/2"},
    {"id": "m", "quantity": "moment", "law": "atoms(2.1, 1.3, -0.4)", "lr": "0.9", "p": "2"},
    {"id": "g", "quantity": "exponent", "law": "normal(1, {s})", "lr": "1", "grid": {"s": ["1", "2"]}},
    {"id": "nd", "quantity": "lyapnd", "law": "ginibre(2, 1)", "digits": "12"},
    {"id": "b", "quantity": "boundary", "law": "atoms(-1:1/3, 1/2:2/3)", "lr_min": "1/10", "lr_max": "10", "digits": "10"},
    {"id": "b0", "quantity": "boundary", "law": "atoms(1)", "lr_min": "1/10", "lr_max": "1/2", "digits": "10"},
    {"id": "ph", "quantity": "phase", "sigma": "1", "lr": "1/2", "digits": "10"},
    {"id": "mc", "quantity": "estimate", "law": "ginibre(2, 1)", "steps": 2000, "reps": 4, "seed": 3}]})J");
  RunOptions ro;
  ro.jobs = 2;
  const RunResult res = run_rows(t, ro);
  return table_document(t, res.rows);
}

TEST(Formats, JsonAndCsvRoundTripExactEndpoints) {
  const Json doc = example_document();
  // JSON: text -> parse gives the same document.
  EXPECT_EQ(Json::parse(render_json(doc)), doc);
  // CSV: one line per entry (or per row without entries), exact endpoints identical to the JSON ones.
  const auto recs = parse_csv(render_csv(doc));
  std::size_t k = 0;
  for (const Json& row : doc["rows"]) {
    const std::size_t lines = std::max<std::size_t>(1, row["entries"].size());
    for (std::size_t i = 0; i < lines; ++i, ++k) {
      ASSERT_LT(k, recs.size());
      const auto& rec = recs[k];
      EXPECT_EQ(rec.at("id"), row["id"].get<std::string>());
      EXPECT_EQ(Json::parse(rec.at("inputs")), row["inputs"]);
      if (row["entries"].empty()) continue;
      const Json& e = row["entries"][i];
      EXPECT_EQ(rec.at("entry"), e["name"].get<std::string>());
      for (const char* f : {"lower", "upper", "lower_exact", "upper_exact", "shown", "guarantee", "sign"}) {
        EXPECT_EQ(rec.at(f), e[f].is_null() ? std::string() : e[f].get<std::string>()) << f;
      }
      if (e["lower_exact"] != "-inf" && !e["lower_exact"].is_null()) {
        EXPECT_EQ(parse_exact(rec.at("lower_exact")), parse_exact(e["lower_exact"].get<std::string>()));
      }
    }
  }
  EXPECT_EQ(k, recs.size());
}

TEST(Formats, MarkdownAndTexShowExactlyTheCertifiedDigits) {
  const Json doc = example_document();
  const std::string md = render_markdown(doc), tex = render_tex(doc);
  for (const Json& row : doc["rows"]) {
    for (const Json& e : row["entries"]) {
      EXPECT_NE(md.find(e["shown_md"].get<std::string>()), std::string::npos) << e["shown_md"];
      EXPECT_NE(tex.find(e["shown_tex"].get<std::string>()), std::string::npos) << e["shown_tex"];
      // No decimal endpoint with more digits than certified leaks into the human-readable tables.
      if (e["guarantee"] == "enclosure") EXPECT_EQ(md.find(e["lower"].get<std::string>()), std::string::npos);
    }
  }
  EXPECT_NE(md.find("Provenance: lyapcert"), std::string::npos);
  EXPECT_NE(tex.find("% spec sha256 " + doc["provenance"]["spec_sha256"].get<std::string>()), std::string::npos);
  EXPECT_NE(tex.find("\\begin{tabular}"), std::string::npos);
}

// Alters the last written digit of a decimal by +-1 ("-2.3104e-1" -> "-2.3105e-1").
std::string bump_last_digit(std::string d, int delta) {
  const auto e = d.find('e');
  const std::size_t last = (e == std::string::npos ? d.size() : e) - 1;
  int digit = d[last] - '0' + delta;
  if (digit < 0 || digit > 9) digit = (digit + 10) % 10;  // wrap: still a one-unit change in that digit
  d[last] = static_cast<char>('0' + digit);
  return d;
}

TEST(Recheck, PassesGenuineRowsAndCatchesOneUnitChanges) {
  const Json doc = example_document();
  RecheckOptions opt;
  opt.jobs = 2;
  const Json report = recheck_table(doc, opt);
  for (const Json& r : report["rows"]) EXPECT_EQ(r["status"], "pass") << r.dump(1);
  EXPECT_TRUE(report["ok"].get<bool>());
  // Row "a" was rechecked with MPFI, "nd" (Ginibre) with MPFI through the elementary digamma values.
  EXPECT_EQ(report["rows"][0]["backend"], "mpfi");
  EXPECT_EQ(report["rows"][6]["backend"], "mpfi");
  // The boundary row's root enclosure is confirmed independently by MPFI signs at its endpoints.
  ASSERT_EQ(report["rows"][7]["quantity"], "boundary");
  EXPECT_NE(report["rows"][7]["checks"].dump().find("\"check\":\"mpfi-sign-change\",\"ok\":true"), std::string::npos)
      << report["rows"][7].dump(1);
  {  // a root enclosure moved off the root (both endpoints beyond it): recompute and MPFI signs disagree
    Json bad = doc["rows"][7];
    Json& e = bad["entries"][0];
    const Rational lo = parse_exact(e["lower_exact"].get<std::string>()) + Rational(1, 100);
    const Rational hi = parse_exact(e["upper_exact"].get<std::string>()) + Rational(1, 100);
    e["lower_exact"] = lyapcert::exact::to_text(lo);
    e["upper_exact"] = lyapcert::exact::to_text(hi);
    e["lower"] = round_decimal(lo, 15, lyapcert::exact::Round::down);
    e["upper"] = round_decimal(hi, 15, lyapcert::exact::Round::up);
    const Json sh = shown_fields(e, 10);
    for (const auto& [k, v] : sh.items()) e[k] = v;
    const Json r = recheck_row(bad, opt);
    EXPECT_EQ(r["status"], "fail");
    EXPECT_NE(r.dump().find("\"check\":\"mpfi-sign-change\",\"ok\":false"), std::string::npos) << r.dump(1);
  }

  for (const char* field : {"lower", "upper"}) {
    for (int delta : {-1, 1}) {
      Json bad = doc["rows"][0];
      Json& e = bad["entries"][0];
      e[field] = bump_last_digit(e[field].get<std::string>(), delta);
      const Json r = recheck_row(bad, opt);
      EXPECT_EQ(r["status"], "fail") << field << delta << " " << e[field];
    }
  }
  {  // a shown digit changed
    Json bad = doc["rows"][0];
    std::string s = bad["entries"][0]["shown"].get<std::string>();
    s[s.find("...") - 1] = s[s.find("...") - 1] == '9' ? '8' : static_cast<char>(s[s.find("...") - 1] + 1);
    bad["entries"][0]["shown"] = s;
    EXPECT_EQ(recheck_row(bad, opt)["status"], "fail");
  }
  {  // exact endpoints and decimals moved consistently away from the truth: the recomputation disagrees
    Json bad = doc["rows"][0];
    Json& e = bad["entries"][0];
    const Rational lo = parse_exact(e["lower_exact"].get<std::string>()) + Rational(1, 1000);
    const Rational hi = parse_exact(e["upper_exact"].get<std::string>()) + Rational(1, 1000);
    e["lower_exact"] = lyapcert::exact::to_text(lo);
    e["upper_exact"] = lyapcert::exact::to_text(hi);
    e["lower"] = round_decimal(lo, 25, lyapcert::exact::Round::down);
    e["upper"] = round_decimal(hi, 25, lyapcert::exact::Round::up);
    const Json sh = shown_fields(e, 20);
    for (const auto& [k, v] : sh.items()) e[k] = v;
    const Json r = recheck_row(bad, opt);
    EXPECT_EQ(r["status"], "fail");
    EXPECT_NE(r.dump().find("disjoint"), std::string::npos) << r.dump(1);
  }
  {  // a statistical row whose interval was altered in its last digit
    Json bad = doc["rows"][10];
    ASSERT_EQ(bad["quantity"], "estimate");
    Json& e = bad["entries"][0];
    e["upper"] = bump_last_digit(e["upper"].get<std::string>(), 1);
    EXPECT_EQ(recheck_row(bad, opt)["status"], "fail");
    Json bad2 = doc["rows"][10];
    bad2["inputs"]["seed"] = "4";  // a different seed does not reproduce the recorded interval
    EXPECT_EQ(recheck_row(bad2, opt)["status"], "fail");
  }
}

TEST(Runner, JournalRowsAreReusedNotRecomputed) {
  const std::string spec = R"J({"rows": [
    {"id": "a", "quantity": "exponent", "law": "atoms(-1:1/3, 1/2:2/3)", "lr": "1"},
    {"id": "b", "quantity": "exponent", "law": "atoms(1, 2)", "lr": "1/3"}]})J";
  const TableSpec t = parse_spec(spec);
  const std::string path = ::testing::TempDir() + "/tables_runner_journal.jsonl";
  std::remove(path.c_str());
  RunOptions ro;
  ro.journal_path = path;
  RunResult first = run_rows(t, ro);
  EXPECT_EQ(first.computed, 2u);
  // A journal with one (marked) row and a truncated line, as left by a killed run.
  {
    Json marked = first.rows[0];
    marked["message"] = "from-the-journal";
    std::FILE* f = std::fopen(path.c_str(), "w");
    const std::string header = Json{{"lyapcert_journal", 1}, {"spec_sha256", t.sha256}}.dump();
    std::fprintf(f, "%s\n%s\n{\"index\": 1, \"ke", header.c_str(), marked.dump().c_str());
    std::fclose(f);
  }
  const RunResult second = run_rows(t, ro);
  EXPECT_EQ(second.resumed, 1u);
  EXPECT_EQ(second.computed, 1u);
  EXPECT_EQ(second.rows[0]["message"], "from-the-journal");
  EXPECT_EQ(second.rows[1], first.rows[1]);
  // A journal of another spec is not used.
  const TableSpec other = parse_spec(R"J({"rows": [{"id": "a", "quantity": "exponent", "law": "atoms(3)", "lr": "1"}]})J");
  const RunResult third = run_rows(other, ro);
  EXPECT_TRUE(third.journal_reset);
  EXPECT_EQ(third.resumed, 0u);
  std::remove(path.c_str());
}

}  // namespace
