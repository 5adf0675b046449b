lyapcert_bench(fast_bench fast_bench.cpp)
# End-to-end binary64 fast path of certify_lyap1d (needs the lyap module).
if(TARGET lyapcert_lyap)
  lyapcert_bench(fast_gaussian_bench fast_gaussian_bench.cpp)
endif()
