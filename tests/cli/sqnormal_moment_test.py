#!/usr/bin/env python3
"""Negative moments of sqnormal laws (CONT-SQN-NEG-1 .. 3, LYAP1D-MOM-NEG-1, -2) through `lyapcert moment`.

Each `law` row of tests/data/sqnormal_negmom_ref.txt (gen_sqnormal_negmom_ref.py: two mpmath quadratures, in a and
in h = a^2) gives g(P) = log E|1 - LR h|^P with its error; the certified enclosure at --digits 30 must contain it,
and the sign must agree. The rows cover a zero inside the support (p down to -99/100), the zero at the edge of the
support (shift(2, sqnormal(1, 1)) at lr = 1/2, p = -2/5 and -49/100), 1 - lr h of one sign (p = -3, -5/2) and a
mixture with a sqnormal component. Then the infinite cases must be refused with exit 2 and a message saying why:
p <= -1 with a zero inside the support, p <= -1/2 with the zero at its edge, also as a mixture component.
Runtime: under a second.

usage: sqnormal_moment_test.py --cli PATH/TO/lyapcert --ref tests/data/sqnormal_negmom_ref.txt
"""
import argparse
import json
import subprocess
import sys
from decimal import Decimal, getcontext

getcontext().prec = 60


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--ref", required=True)
    args = ap.parse_args()
    failures = []
    n = 0
    for line in open(args.ref):
        f = line.split()
        if not f or f[0] != "law":
            continue
        law, lr, p, g, err = f[1], f[2], f[3], Decimal(f[4]), Decimal(f[5])
        r = subprocess.run([args.cli, "moment", "--law", law, "--lr", lr, f"--p={p}", "--digits", "30", "--json"],
                           capture_output=True, text=True, timeout=60)
        n += 1
        if r.returncode != 0:
            failures.append(f"{law} lr={lr} p={p}: exit {r.returncode}: {r.stderr.strip()}")
            continue
        j = json.loads(r.stdout)
        lo, hi = Decimal(j["enclosure"]["lower"]), Decimal(j["enclosure"]["upper"])
        if not (lo <= g + err and g - err <= hi):
            failures.append(f"{law} lr={lr} p={p}: [{lo}, {hi}] misses the reference {g} +- {err}")
        if hi - lo > Decimal("1e-28") * max(Decimal(1), abs(g)):
            failures.append(f"{law} lr={lr} p={p}: [{lo}, {hi}] wider than 30 digits")
        want = "positive" if g > 0 else "negative"
        if j["sign"] != want:
            failures.append(f"{law} lr={lr} p={p}: sign {j['sign']}, reference says {want}")
        print(f"ok  {law} lr={lr} p={p}: [{lo}, {hi}] method {j.get('method')}")
    if n < 8:
        failures.append(f"only {n} law rows in {args.ref}")
    refusals = [
        ("sqnormal(0, 1)", "1/2", "-1", "p = -1 <= -1: 1 - lr h vanishes at h = 1/lr = 2 inside the support"),
        ("sqnormal(1/2, 2)", "1/3", "-3/2", "inside the support of a sqnormal law"),
        ("shift(2, sqnormal(1, 1))", "1/2", "-1/2", "p = -1/2 <= -1/2: 1 - lr h vanishes at h = 1/lr = 2, the edge"),
        ("mix(normal(0, 1):1/2, shift(2, sqnormal(1, 1)):1/2)", "1/2", "-3/5", "the edge of the support"),
        ("mix(uniform(0, 1):1/2, sqnormal(0, 1):1/2)", "1/2", "-1", "p = -1 <= -1"),
    ]
    for law, lr, p, frag in refusals:
        r = subprocess.run([args.cli, "moment", "--law", law, "--lr", lr, f"--p={p}"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 2 or frag not in r.stderr or "+inf" not in r.stderr:
            failures.append(f"{law} lr={lr} p={p} should be refused as +inf (exit 2, '{frag}'): "
                            f"exit {r.returncode} {r.stderr.strip()}")
        else:
            print(f"ok  refused {law} lr={lr} p={p}")
    for msg in failures:
        print("FAIL", msg)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
