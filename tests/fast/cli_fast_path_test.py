#!/usr/bin/env python3
"""CLI test of the binary64 fast path (LYAP1D-FAST-1, proofs/fast/gaussian.md).

`lyapcert lyap1d --digits 12 --json` on normal, uniform and sqnormal laws must report the method
`closed-form-binary64` (xy laws: `certified-quadrature-binary64`, FAST-XY-*), and its printed enclosure (exact decimals, read as Fractions) must contain the
Arb enclosure printed by the same command at --digits 30 (an independent path: CONT-GAUSS-1/2, CONT-UNIF-1,
CONT-SQN-1, CONT-XY-* at about 130 bits). Also checks that --digits 16 still runs the Arb path. Deterministic.
Usage: cli_fast_path_test.py --cli PATH
"""
import argparse
import json
import subprocess
import sys
from fractions import Fraction

CASES = [
    ("normal(10, 1)", "1/10"),        # x = 0
    ("normal(0, 7)", "1/10"),         # x = 50/49
    ("normal(1, 1/2)", "1/2"),        # m = 1/2, v = 1/4: x = 2
    ("normal(0, 7/10)", "1/10"),      # x ~ 1e2
    ("normal(0, 7/100)", "1/10"),     # x ~ 1e4
    ("normal(-3, 7/1000)", "1/10"),   # x ~ 1.7e6, m = 13/10
    ("normal(2, 3)", "1/1000000"),    # x ~ 5.6e10
    ("uniform(-1, 3)", "1/10"),
    ("uniform(-1, 3)", "1/1000000"),
    ("uniform(0, 4)", "1/2"),         # the multiplier crosses 0 inside the support
    ("sqnormal(1, 1/2)", "1/10"),
    ("sqnormal(1, 1/2)", "1/1000000"),
    ("sqnormal(-2, 3)", "1/5"),
    # xy laws: the binary64 Taylor-model quadrature (FAST-XY-*), method certified-quadrature-binary64.
    ("xy(1, 1)", "1/2"),
    ("xy(1, 1/3)", "1/2"),            # higher SNR: sharper feature at the singular point
    ("xy(-2, 3, batch=8)", "7/10"),
    ("xy(1, 30)", "1/1000"),
]


def run_json(cli, law, lr, digits):
    p = subprocess.run([cli, "lyap1d", "--law", law, "--lr", lr, "--digits", str(digits), "--json"],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(f"{law} lr={lr} digits={digits}: exit {p.returncode}: {p.stderr}")
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    args = ap.parse_args()
    failures = 0
    for law, lr in CASES:
        fast = run_json(args.cli, law, lr, 12)
        ref = run_json(args.cli, law, lr, 30)
        lo, hi = Fraction(fast["enclosure"]["lower"]), Fraction(fast["enclosure"]["upper"])
        rlo, rhi = Fraction(ref["enclosure"]["lower"]), Fraction(ref["enclosure"]["upper"])
        want = "certified-quadrature-binary64" if law.startswith("xy") else "closed-form-binary64"
        ok = fast["method"] == want and not ref["method"].endswith("binary64")
        ok = ok and lo <= rlo and rhi <= hi and fast["sign"] == ref["sign"]
        print(f"{'ok  ' if ok else 'FAIL'} {law:22s} lr={lr:10s} {fast['method']:22s} "
              f"[{fast['enclosure']['lower']}, {fast['enclosure']['upper']}] vs {ref['method']} {ref['enclosure']['lower']}")
        failures += not ok
    d16 = run_json(args.cli, "normal(0, 7)", "1/10", 16)
    if d16["method"] == "closed-form-binary64":
        print("FAIL --digits 16 must use the Arb path")
        failures += 1
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
