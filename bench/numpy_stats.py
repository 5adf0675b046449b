#!/usr/bin/python3
"""numpy baseline for docs/statistics.md "Speed": the same work as bench/stats_bench.cpp's
BM_Estimate cases (steps include random number generation), vectorised the way numpy users would.

Usage: /usr/bin/python3 bench/numpy_stats.py (the system python has python3-numpy) [--steps N] [--reps R]
       [--bench PATH/TO/stats_bench]   (also runs lyapcert's BM_Estimate and prints both side by side;
                                        the CMake target `bench_vs_numpy` does this)
Prints samples or product steps per second for
  1-D  sgd(1/2, normal(1, 2)):  mean of log|1 - h/2|, h ~ N(1, 4)   (one process, numpy is single-threaded)
  ginibre(2, 1), isotropic(2, 1): vectors v (R replicas at once), v <- A v, log|v|, renormalise.
"""
import argparse
import time

import numpy as np


def one_d(n, rng):
    t0 = time.perf_counter()
    done = 0
    acc = 0.0
    while done < n:
        m = min(1 << 20, n - done)
        h = rng.normal(1.0, 2.0, m)
        acc += np.log(np.abs(1.0 - 0.5 * h)).sum()
        done += m
    return n / (time.perf_counter() - t0), acc / n


def product(kind, steps, reps, rng):
    v = np.zeros((reps, 2))
    v[:, 0] = 1.0
    acc = np.zeros(reps)
    t0 = time.perf_counter()
    for _ in range(steps):
        if kind == "ginibre":
            a = rng.standard_normal((reps, 2, 2))
        else:
            x = rng.standard_normal((reps, 2))
            a = np.eye(2)[None, :, :] - x[:, :, None] * x[:, None, :]
        v = np.einsum("rij,rj->ri", a, v)
        n = np.sqrt((v * v).sum(axis=1))
        acc += np.log(n)
        v /= n[:, None]
    return steps * reps / (time.perf_counter() - t0), acc.mean() / steps


def lyapcert_rates(bench):
    """Wall-clock rates of lyapcert's 2-thread BM_Estimate cases (items / real time)."""
    import json, subprocess
    out = subprocess.run([bench, "--benchmark_filter=BM_Estimate/.*_2threads", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    rates = {}
    for b in json.loads(out)["benchmarks"]:
        name = b["name"].split("/")[1].replace("_2threads", "")
        cpu_rate = b["items_per_second"]  # items per process-CPU second
        rates[name] = cpu_rate * b["cpu_time"] / b["real_time"]
    return rates


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--reps", type=int, default=8192)
    p.add_argument("--bench", help="path of lyapcert's stats_bench: print lyapcert (2 threads) side by side")
    a = p.parse_args()
    rng = np.random.default_rng(1)
    numpy_rates = {}
    rate, est = one_d(16 * (1 << 20), rng)
    numpy_rates["sgd_normal"] = rate
    print(f"numpy 1-D sgd(1/2, normal(1, 2)): {rate / 1e6:.1f} M samples/s (estimate {est:.5f})")
    for kind in ("ginibre", "isotropic"):
        rate, est = product(kind, a.steps, a.reps, rng)
        numpy_rates[kind + "2"] = rate
        print(f"numpy {kind}(2, 1), {a.reps} replicas vectorised: {rate / 1e6:.1f} M steps/s (estimate {est:.5f})")
    if a.bench:
        ours = lyapcert_rates(a.bench)
        print(f"\n{'workload':28} {'lyapcert 2 threads':>20} {'numpy':>12} {'ratio':>7}")
        for key, label in (("sgd_normal", "sgd(1/2, normal(1, 2))"), ("ginibre2", "ginibre(2, 1)"),
                           ("isotropic2", "isotropic(2, 1)")):
            o, n = ours.get(key, float("nan")), numpy_rates[key]
            print(f"{label:28} {o / 1e6:17.1f} M/s {n / 1e6:9.1f} M/s {o / n:7.1f}")


if __name__ == "__main__":
    main()
