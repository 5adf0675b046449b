lyapcert_bench(laws_bench laws_bench.cpp)
