// libFuzzer entry point shared by the fuzz targets (CMakeLists.txt compiles it once per target with
// LYAPCERT_FUZZ_ENTRY naming the body in fuzz_bodies.hpp). An oracle violation is printed and aborts, which
// libFuzzer reports as a crash and saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_bodies.hpp"

#ifndef LYAPCERT_FUZZ_ENTRY
#error "compile with -DLYAPCERT_FUZZ_ENTRY=<body function>"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem = LYAPCERT_FUZZ_ENTRY(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "lyapcert fuzz oracle violated: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
