#!/usr/bin/env python3
"""Certified sign of the vector saddle's top exponent on the 20 x 10 grid of docs/claims.md: learning rate
1/100 .. 10 (20 points, log-spaced) x per-sample SNR 1/100 .. 2/5 (10 points, log-spaced), k = 1, S = 1,
gamma = 0, by `lyapcert lyapnd --law 'vector(q, d, lr, 1, sigma)'`. sigma = sqrt(1/SNR - 2) is irrational; the
law gets its 6-significant-digit decimal (stated in the CSV), lr its 6-digit decimal.
usage: vector_grid.py --cli PATH/TO/lyapcert --q 1 --d 2 --time-budget 20 --out grid.csv
"""
import argparse, csv, json, math, subprocess, sys, time


def sig6(x):
    return f"{x:.6g}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--q", type=int, default=1)
    ap.add_argument("--d", type=int, default=2)
    ap.add_argument("--time-budget", default="60")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rows = []
    for i in range(20):
        lr = sig6(10 ** (-2 + 3 * i / 19))
        for j in range(10):
            snr = 0.01 * 40 ** (j / 9)
            sigma = sig6(math.sqrt(1 / snr - 2))
            law = f"vector({a.q}, {a.d}, {lr}, 1, {sigma})"
            t0 = time.time()
            p = subprocess.run([a.cli, "lyapnd", "--json", "--digits", "2", "--time-budget", a.time_budget,
                                "--law", law], capture_output=True, text=True)
            dt = time.time() - t0
            doc = json.loads(p.stdout)
            rows.append({"lr": lr, "snr": sig6(snr), "sigma": sigma, "lower": doc["enclosure"]["lower"],
                         "upper": doc["enclosure"]["upper"], "sign": doc["sign"], "seconds": f"{dt:.1f}"})
            print(",".join(rows[-1].values()), flush=True)
    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    decided = sum(r["sign"] != "undetermined" for r in rows)
    print(f"decided {decided} of {len(rows)} ({100 * decided / len(rows):.0f} %)")


if __name__ == "__main__":
    sys.exit(main())
