lyapcert_bench(lyapnd_bench lyapnd_bench.cpp)
lyapcert_bench(lyapnd_cycle_bench lyapnd_cycle_bench.cpp)
lyapcert_bench(lyapnd_poisson_bench lyapnd_poisson_bench.cpp)
# The seeded random class of 2x2 families (a plain driver printing a table, not a Google Benchmark).
add_executable(lyapnd_random_class lyapnd_random_class.cpp)
target_link_libraries(lyapnd_random_class PRIVATE lyapcert::lyapcert)
lyapcert_bench(lyapnd_log_quadratic_bench lyapnd_log_quadratic_bench.cpp)
