lyapcert_bench(fast_bench fast_bench.cpp)
