lyapcert_bench(fast_bench fast_bench.cpp)
# End-to-end binary64 fast path of certify_lyap1d (needs the lyap module).
if(TARGET lyapcert_lyap)
  lyapcert_bench(fast_gaussian_bench fast_gaussian_bench.cpp)
endif()
# Binary64 xy kernel (the phase diagram's grid values) next to the Arb xy quadrature (needs the continuous
# module for the comparison).
if(TARGET lyapcert_continuous)
  lyapcert_bench(fast_xy_bench fast_xy_bench.cpp)
endif()
