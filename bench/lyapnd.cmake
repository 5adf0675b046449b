lyapcert_bench(lyapnd_bench lyapnd_bench.cpp)
