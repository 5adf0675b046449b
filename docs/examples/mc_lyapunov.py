#!/usr/bin/env python3
"""A small numpy Monte Carlo estimator of top Lyapunov exponents -- the "other implementation" of the worked
example in docs/oracle.md. It writes a CSV that `lyapcert verify` checks:

    law,value,stderr
    "matrices([[2, 1], [0, 1/4]]: 1/4, [[1, -1], [0, 1/2]]: 3/4)",0.1733,0.0008
    ...

Estimator: R independent replicates; each starts from v0 = e2, runs --burn-in steps whose growth is
discarded (the vector is only renormalised), then averages log(|A_t v_{t-1}| / |v_{t-1}|) over --steps
steps. The value is the mean over replicates and stderr its standard error (replicates are independent).

With --burn-in 0 the estimator is biased: the first steps grow like the start direction e2, not like the
stationary direction, and the bias is O(1/steps) -- a short run without burn-in. With a burn-in the start of
the measured window is (nearly) stationary and the increments have mean exactly Lambda (Furstenberg), so the
estimator is unbiased up to a bias that decays geometrically in the burn-in.

usage: mc_lyapunov.py --out FILE.csv [--burn-in B] [--steps T] [--reps R] [--seed S]
"""
import argparse
import csv
from fractions import Fraction

import numpy as np

# Upper-triangular 2x2 families (lyapcert certifies them exactly: method "commuting"), with the
# probability of the first matrix.
FAMILIES = [
    ("[[2, 1], [0, 1/4]]", "[[1, -1], [0, 1/2]]", Fraction(1, 4)),
    ("[[2, 1], [0, 1/4]]", "[[1, -1], [0, 1/2]]", Fraction(1, 2)),
    ("[[2, 1], [0, 1/4]]", "[[1, -1], [0, 1/2]]", Fraction(3, 4)),
    ("[[1/2, 2], [0, 1/3]]", "[[3/2, -1], [0, 1]]", Fraction(1, 2)),
]


def matrix(text):
    rows = text.strip()[2:-2].split("], [")
    return np.array([[float(Fraction(x)) for x in r.split(",")] for r in rows])


def estimate(m1, m2, p, burn_in, steps, reps, rng):
    mats = np.stack([matrix(m1), matrix(m2)])
    v = np.zeros((reps, 2))
    v[:, 1] = 1.0  # start at e2
    total = np.zeros(reps)
    for t in range(burn_in + steps):
        pick = (rng.random(reps) >= float(p)).astype(int)  # 0: first matrix (probability p)
        v = np.einsum("rij,rj->ri", mats[pick], v)
        norm = np.linalg.norm(v, axis=1)
        if t >= burn_in:
            total += np.log(norm)
        v /= norm[:, None]
    per_rep = total / steps
    return per_rep.mean(), per_rep.std(ddof=1) / np.sqrt(reps)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--burn-in", type=int, default=0)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--reps", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    with open(args.out, "w", newline="") as f:
        f.write(f"# mc_lyapunov.py --burn-in {args.burn_in} --steps {args.steps} --reps {args.reps} "
                f"--seed {args.seed}\n")
        w = csv.writer(f)
        w.writerow(["law", "value", "stderr"])
        for m1, m2, p in FAMILIES:
            law = f"matrices({m1}: {p}, {m2}: {1 - p})"
            value, stderr = estimate(m1, m2, p, args.burn_in, args.steps, args.reps, rng)
            w.writerow([law, repr(float(value)), repr(float(stderr))])


if __name__ == "__main__":
    main()
