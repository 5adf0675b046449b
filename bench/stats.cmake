lyapcert_bench(stats_bench stats_bench.cpp)
# lyapcert vs numpy side by side: `cmake --build build --target bench_vs_numpy`.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  add_custom_target(bench_vs_numpy
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/numpy_stats.py --bench $<TARGET_FILE:stats_bench>
    DEPENDS stats_bench USES_TERMINAL)
endif()
