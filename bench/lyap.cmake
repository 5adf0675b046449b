lyapcert_bench(lyap_bench lyap_bench.cpp)
