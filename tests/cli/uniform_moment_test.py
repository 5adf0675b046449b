#!/usr/bin/env python3
"""Negative moments of the uniform law (CONT-UNIF-4) against an independent quadrature.

`lyapcert moment --law uniform(a, b) --lr LR --p P` with -1 < P < 0 prints a certified enclosure of
g(P) = log E|1 - LR h|^P, h ~ U[a, b]. The referee is mpmath's tanh-sinh quadrature at 60 digits of |u|^P, u = 1 - LR h, over the range of u;
where u crosses 0 each side int_0^D u^P du is integrated as int exp(-(P + 1) t) dt over [-log D, inf) (u = e^-t:
the integrand is unbounded at 0 but integrable for P > -1, and a direct quadrature through it loses digits near
P = -1); it shares no code with the closed form. Each case checks that the certified enclosure
contains the referee value (the referee's own error, about 1e-40, is far below the 12 requested digits), the
sign, and the refusals for P <= -1. Runtime: about a second.

usage: uniform_moment_test.py --cli PATH/TO/lyapcert
"""
import argparse
import json
import subprocess
import sys
from fractions import Fraction

import mpmath

mpmath.mp.dps = 60


def referee(a, b, lr, p):
    a, b, lr, p = (mpmath.mpf(Fraction(x).numerator) / Fraction(x).denominator for x in (a, b, lr, p))
    # E|1 - lr h|^p = (1 / (lr (b - a))) int_c^d |u|^p du, u = 1 - lr h in [c, d] = [1 - lr b, 1 - lr a].
    c, d = 1 - lr * b, 1 - lr * a
    if c > 0 or d < 0:  # no singular point: a smooth integrand
        total = mpmath.quad(lambda u: abs(u) ** p, [c, d])
    else:
        # int_0^D u^p du with u = exp(-t): int_{-log D}^inf exp(-(p + 1) t) dt, a smooth integrand (tanh-sinh on
        # a half-line). A direct quadrature through the singularity loses digits for p near -1.
        half = lambda D: mpmath.quad(lambda t: mpmath.exp(-(p + 1) * t), [-mpmath.log(D), mpmath.inf]) if D > 0 else 0
        total = half(-c) + half(d)
    return mpmath.log(total / (lr * (b - a)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    cli = ap.parse_args().cli
    failures = []
    # (a, b, lr, p): the singular point inside, at an end, outside; p near -1 and near 0.
    cases = [("0", "1", "1/2", "-1/2"), ("0", "4", "1/2", "-1/2"), ("-1", "3", "1", "-9/10"),
             ("1", "3", "1/2", "-1/10"), ("2", "5", "1", "-1/3"), ("0", "2", "1", "-3/4"),
             ("-2", "-1", "3", "-1/100"), ("1/3", "7/3", "3/4", "-99/100"), ("0", "2", "1/2", "-1/2"),
             ("-3", "0", "1/3", "-2/3")]
    for a, b, lr, p in cases:
        law = f"uniform({a}, {b})"
        r = subprocess.run([cli, "moment", "--law", law, "--lr", lr, f"--p={p}", "--digits", "12", "--json"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            failures.append(f"{law} lr={lr} p={p}: exit {r.returncode}: {r.stderr.strip()}")
            continue
        j = json.loads(r.stdout)
        lo, hi = mpmath.mpf(j["enclosure"]["lower"]), mpmath.mpf(j["enclosure"]["upper"])
        ref = referee(a, b, lr, p)
        if not (lo <= ref <= hi):
            failures.append(f"{law} lr={lr} p={p}: [{lo}, {hi}] misses the quadrature value {ref}")
        want = "positive" if ref > 0 else "negative"
        if j["sign"] != want:
            failures.append(f"{law} lr={lr} p={p}: sign {j['sign']}, quadrature says {want}")
        print(f"ok  {law} lr={lr} p={p}: [{j['enclosure']['lower']}, {j['enclosure']['upper']}] "
              f"ref {mpmath.nstr(ref, 15)}")
    for p in ("-1", "-3/2"):
        r = subprocess.run([cli, "moment", "--law", "uniform(0, 4)", "--lr", "1/2", f"--p={p}"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 2 or "uniform law" not in r.stderr:
            failures.append(f"p = {p} should be refused (exit 2): exit {r.returncode} {r.stderr.strip()}")
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
