lyapcert_bench(models_bench models_bench.cpp)
