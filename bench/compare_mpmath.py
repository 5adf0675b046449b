#!/usr/bin/env python3
"""lyapcert vs mpmath, side by side, on the parameter sets of BM_ContinuousLyap1d (bench/lyap_bench.cpp).

mpmath (Debian python3-mpmath) is the non-rigorous peer a user would otherwise pick. It computes the same
quantities correctly: the closed form with hyp2f2 for normal, two Gaussian closed forms for sqnormal, the
antiderivative for uniform (docs/math.md section 2). lyapcert's times come from running the Google Benchmark binary
with JSON output; lyapcert's numbers are certified enclosures, mpmath's are plain values.
The xy and bivariate laws (30 digits) are compared against continuous_bench (BM_XyLogAbsMean30,
BM_BivariateLogAbsMean30) when --continuous-bench is given: mpmath integrates the Gaussian closed form over
t = sqrt(q) (xy; split at the sign change of the conditional mean, sigma = 0: over q with the split at the root)
or over x (bivariate; split at x = 0), with the asymptotic series of G when m^2/(2v^2) > 400 (plain hyp2f2 there
makes mpmath 5-10x slower). Its values agree with lyapcert's enclosures to all 30 digits (checked by hand,
2026-11-28; the test suite's own reference values are in tests/data).
Usage: compare_mpmath.py --bench PATH/TO/lyap_bench [--continuous-bench PATH/TO/continuous_bench]
(the CMake target `bench_vs_mpmath` does this)
"""
import argparse, json, subprocess, timeit
from fractions import Fraction
from mpmath import mp, mpf, hyp2f2, log, sqrt, euler, fabs, quad, gamma, exp, inf, pi

CASES = [("normal(1, 1)", "1"), ("normal(1, 1)", "1/2"), ("normal(1, 1)", "1/15"), ("normal(1, 1)", "1/142"),
         ("normal(1, 1)", "1/1415"), ("sqnormal(0, 1)", "1/2"), ("sqnormal(1, 1)", "1/1000"), ("uniform(0, 1)", "7/5")]

def G(m, v):
    x = m * m / (2 * v * v)
    if x > 400:  # asymptotic series, error ~ e^{-x}: log|m| - sum_j (2j-1)!! eps^{2j}/(2j), eps = v/m
        e2, term, acc, j = (v / m) ** 2, mpf(1), mpf(0), 1
        while True:
            term *= (2 * j - 1) * e2
            if term < mpf(10) ** (-mp.dps - 5):
                break
            acc += term / (2 * j)
            j += 1
        return log(fabs(m)) - acc
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

# continuous_bench parameter sets: a = 1, b = -1/2; xy(k = 7/10, sigma = 13/10 or 0, batch S);
# bivariate(1/2, -1/4, 1, 1, -1/2).
XY_CASES = [(1, 1), (2, 1), (3, 1), (32, 1), (1, 0), (32, 0)]  # (S, sigma != 0)

def xy_value(S, with_sigma):
    a, b, k, s = mpf(1), mpf(-0.5), mpf(7) / 10, (mpf(13) / 10 if with_sigma else mpf(0))
    S = mpf(S)
    if s == 0:  # h = k q/S, q ~ chi^2_S; log singularity at the root q0
        c = 1 / (2 ** (S / 2) * gamma(S / 2))
        q0 = -a * S / (b * k)
        return quad(lambda q: log(fabs(a + b * k * q / S)) * c * q ** (S / 2 - 1) * exp(-q / 2) if q > 0 else mpf(0),
                    [0, q0, 2 * q0, inf])
    c = 1 / (2 ** (S / 2 - 1) * gamma(S / 2))
    f = lambda t: G(a + b * k * t * t / S, fabs(b) * s * t / S) * c * t ** (S - 1) * exp(-t * t / 2) if t > 0 else mpf(0)
    return quad(f, [0, sqrt(-a * S / (b * k)), sqrt(S) + 10, inf])

def biv_value():
    a, b, mx, my, sx, sy, rho = mpf(1), mpf(-0.5), mpf(0.5), mpf(-0.25), mpf(1), mpf(1), mpf(-0.5)
    sc = sy * sqrt(1 - rho * rho)
    f = lambda z: G(a + b * (mx + sx * z) * (my + rho * sy * z), fabs(b * (mx + sx * z)) * sc) * exp(-z * z / 2) / sqrt(2 * pi)
    return quad(f, [-inf, -mx / sx, inf])

def time_call(fn, digits, min_total=0.2):
    mp.dps = digits + 5
    n, t = 0, 0.0
    while t < min_total or n == 0:
        k = max(1, n)
        t += timeit.timeit(fn, number=k)
        n += k
    return t / n * 1e6, fn()

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
    ap.add_argument("--continuous-bench", default=None)
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
    if args.continuous_bench:
        out = subprocess.run([args.continuous_bench, "--benchmark_filter=BM_XyLogAbsMean30|BM_BivariateLogAbsMean30",
                              "--benchmark_format=json", "--benchmark_min_time=0.2"],
                             check=True, capture_output=True, text=True).stdout
        cont = {b["name"]: b["cpu_time"] * {"ms": 1e3, "us": 1.0, "ns": 1e-3}[b["time_unit"]]
                for b in json.loads(out)["benchmarks"]}
        print(f"\n{'law (30 digits, lr = 1/2)':32} {'lyapcert us':>12} {'mpmath us':>12} {'ratio':>7}  mpmath value")
        for S, with_sigma in XY_CASES:
            o = cont.get(f"BM_XyLogAbsMean30/{S}/{1 if with_sigma else 0}", float("nan"))
            m, v = time_call(lambda: xy_value(S, with_sigma), 30, 0.0)
            name = f"xy(7/10, {'13/10' if with_sigma else '0'}, batch={S})"
            print(f"{name:32} {o:12.1f} {m:12.1f} {m / o:7.1f}  {mp.nstr(v, 30)}")
        o = cont.get("BM_BivariateLogAbsMean30", float("nan"))
        m, v = time_call(biv_value, 30, 0.0)
        print(f"{'bivariate(1/2,-1/4,1,1,-1/2)':32} {o:12.1f} {m:12.1f} {m / o:7.1f}  {mp.nstr(v, 30)}")

if __name__ == "__main__":
    main()
