lyapcert_bench(lyap_bench lyap_bench.cpp)
# lyapcert vs mpmath side by side: `cmake --build build --target bench_vs_mpmath`.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  add_custom_target(bench_vs_mpmath
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/compare_mpmath.py --bench $<TARGET_FILE:lyap_bench>
      --continuous-bench $<TARGET_FILE:continuous_bench>
    DEPENDS lyap_bench continuous_bench USES_TERMINAL)
endif()
