lyapcert_bench(sim_bench sim_bench.cpp)
