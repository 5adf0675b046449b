lyapcert_bench(stats_bench stats_bench.cpp)
