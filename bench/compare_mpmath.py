#!/usr/bin/env python3
"""lyapcert vs mpmath, side by side, on the parameter sets of BM_ContinuousLyap1d (bench/lyap_bench.cpp).

mpmath (Debian python3-mpmath) is the non-rigorous peer a user would otherwise pick. It computes the same
quantities correctly: the closed form with hyp2f2 for normal, two Gaussian closed forms for sqnormal, the
antiderivative for uniform (MATH.md section 2). lyapcert's times come from running the Google Benchmark binary
with JSON output; lyapcert's numbers are certified enclosures, mpmath's are plain values.
Usage: compare_mpmath.py --bench PATH/TO/lyap_bench   (the CMake target `bench_vs_mpmath` does this)
"""
import argparse, json, subprocess, timeit
from fractions import Fraction
from mpmath import mp, mpf, hyp2f2, log, sqrt, euler, fabs

CASES = [("normal(1, 1)", "1"), ("normal(1, 1)", "1/2"), ("normal(1, 1)", "1/15"), ("normal(1, 1)", "1/142"),
         ("normal(1, 1)", "1/1415"), ("sqnormal(0, 1)", "1/2"), ("sqnormal(1, 1)", "1/1000"), ("uniform(0, 1)", "7/5")]

def G(m, v):
    x = m * m / (2 * v * v)
    return log(v) - (euler + log(2)) / 2 + x * hyp2f2(1, 1, mpf(3) / 2, 2, -x)

def value(law, lr):
    if law.startswith("normal"):
        return G(1 - lr, lr)
    if law == "sqnormal(0, 1)":
        r = sqrt(lr)
        return 2 * G(mpf(1), r)
    if law == "sqnormal(1, 1)":
        r = sqrt(lr)
        return G(1 - r, r) + G(1 + r, r)
    if law == "uniform(0, 1)":
        F = lambda u: u * log(fabs(u)) - u if u != 0 else mpf(0)
        return (F(mpf(1)) - F(1 - lr)) / lr
    raise ValueError(law)

def mpmath_time(law, lr_text, digits):
    mp.dps = digits + 5
    lr = mpf(Fraction(lr_text).numerator) / Fraction(lr_text).denominator
    n, t = 0, 0.0
    while t < 0.2:
        k = max(1, n)
        t += timeit.timeit(lambda: value(law, lr), number=k)
        n += k
    return t / n * 1e6

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    args = ap.parse_args()
    out = subprocess.run([args.bench, "--benchmark_filter=BM_ContinuousLyap1d", "--benchmark_format=json",
                          "--benchmark_min_time=0.2"], check=True, capture_output=True, text=True).stdout
    ours = {}
    for b in json.loads(out)["benchmarks"]:
        idx, digits = (int(x) for x in b["name"].split("/")[1:3])
        ours[(idx, digits)] = b["cpu_time"]  # microseconds
    print(f"{'law':18} {'lr':8} {'digits':>6} {'lyapcert us':>12} {'mpmath us':>10} {'ratio':>7}")
    for i, (law, lr) in enumerate(CASES):
        for d in (12, 30, 50):
            m = mpmath_time(law, lr, d)
            o = ours.get((i, d), float("nan"))
            print(f"{law:18} {lr:8} {d:6d} {o:12.1f} {m:10.1f} {m / o:7.1f}")

if __name__ == "__main__":
    main()
