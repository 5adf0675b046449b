// Replays the committed fuzz corpora (tests/fuzz/corpus/<target>/) through the fuzz targets' bodies
// (tests/fuzz/<target>_body.cpp, the same code libFuzzer runs) in the normal build, so that every input the
// fuzzer found interesting -- and every input that once crashed a target -- keeps satisfying the target's
// oracle (fuzz_bodies.hpp) under gcc and under the sanitizer job. docs/fuzzing.md describes the targets.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_bodies.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> corpus_files(const std::string& target) {
  const fs::path dir = fs::path(LYAPCERT_FUZZ_CORPUS) / target;
  std::vector<fs::path> files;
  if (fs::is_directory(dir)) {
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <class Body>
void replay(const std::string& target, Body body) {
  const auto files = corpus_files(target);
  // A missing or emptied corpus would make this test pass vacuously.
  ASSERT_GE(files.size(), 5u) << "corpus of " << target << " missing under " << LYAPCERT_FUZZ_CORPUS;
  for (const fs::path& f : files) {
    const std::string input = read_bytes(f);
    EXPECT_EQ(body(input), "") << target << " corpus file " << f.filename().string();
  }
}

}  // namespace

#ifdef LYAPCERT_FUZZ_HAVE_LAW_PARSER
TEST(FuzzCorpusReplay, LawParser) { replay("law", lyapcert::fuzz::law_parser_one); }
#endif
#ifdef LYAPCERT_FUZZ_HAVE_MATRIX_LAW
TEST(FuzzCorpusReplay, MatrixLaw) { replay("matrix_law", lyapcert::fuzz::matrix_law_one); }
#endif
#ifdef LYAPCERT_FUZZ_HAVE_TABLE_SPEC
TEST(FuzzCorpusReplay, TableSpec) { replay("table_spec", lyapcert::fuzz::table_spec_one); }
#endif
#ifdef LYAPCERT_FUZZ_HAVE_VERIFY_CSV
TEST(FuzzCorpusReplay, VerifyCsv) { replay("verify_csv", lyapcert::fuzz::verify_csv_one); }
#endif
