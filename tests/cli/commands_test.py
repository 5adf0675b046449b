#!/usr/bin/env python3
"""End-to-end schema and exit-status checks of boundary, lyapnd, estimate and sign (docs/schema/).

Values are checked against independent closed forms where they exist: the boundary of atoms(-1, 1/2)
contains lr = 1 exactly (Lambda(1) = 0), ginibre(2, 1) is (log 2 - gamma)/2 (Newman), and the Monte Carlo
interval for a 1-D law must contain the certified lyap1d value (a 1 - 1e-9 level interval, so this check
fails falsely with probability below 1e-9).
usage: commands_test.py --cli PATH/TO/lyapcert --schemas DIR
"""
import argparse, json, os, subprocess, sys, unittest
from fractions import Fraction

import jsonschema
import mpmath

CLI = SCHEMAS = None


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


class Commands(unittest.TestCase):
    def check(self, command, *args, expect=0):
        rc, out, err = run(command, "--json", *args)
        self.assertEqual(rc, expect, err)
        doc = json.loads(out)
        with open(os.path.join(SCHEMAS, f"{command}.schema.json")) as f:
            v = jsonschema.Draft202012Validator(json.load(f))
        errors = list(v.iter_errors(doc))
        self.assertFalse(errors, f"{command}: " + "; ".join(e.message for e in errors))
        return doc

    def test_boundary(self):
        d = self.check("boundary", "--law", "atoms(-1, 1/2)", "--lr-min", "1/4", "--lr-max", "4", "--digits", "20")
        self.assertTrue(d["complete"])
        hits = [r for r in d["roots"] if Fraction(r["lower"]) <= 1 <= Fraction(r["upper"])]
        self.assertEqual(len(hits), 1)
        rc, _, err = run("boundary", "--law", "atoms(1, 2)", "--lr-min", "2", "--lr-max", "1")
        self.assertEqual(rc, 2, err)

    def test_lyapnd_ginibre(self):
        d = self.check("lyapnd", "--law", "ginibre(2, 1)", "--digits", "30")
        mpmath.mp.dps = 50
        ref = (mpmath.log(2) - mpmath.euler) / 2
        lo, hi = (mpmath.mpf(Fraction(d["enclosure"][k]).numerator) / Fraction(d["enclosure"][k]).denominator
                  for k in ("lower", "upper"))
        self.assertTrue(lo <= ref <= hi, (lo, ref, hi))
        rc, _, err = run("lyapnd", "--law", "ginibre(5, 1)")
        self.assertEqual(rc, 2, err)

    def test_estimate_contains_certified_value(self):
        rc, out, err = run("lyap1d", "--law", "normal(1, 2)", "--lr", "1/2", "--json")
        self.assertEqual(rc, 0, err)
        c = json.loads(out)["enclosure"]
        truth = (float(Fraction(c["lower"])) + float(Fraction(c["upper"]))) / 2
        d = self.check("estimate", "--law", "sgd(1/2, normal(1, 2))", "--steps", "20000", "--reps", "8",
                       "--seed", "11", "--level", "0.999999999")
        self.assertLessEqual(d["ci"]["lower"], truth)
        self.assertGreaterEqual(d["ci"]["upper"], truth)
        rc, _, err = run("estimate", "--law", "normal(0, -1)")
        self.assertEqual(rc, 2, err)

    def test_sign(self):
        d = self.check("sign", "--law", "sgd(1/2, normal(1, 2))", "--level", "0.99", "--seed", "3")
        self.assertIn(d["sign"], ("negative", "positive", "undetermined"))
        rc, _, err = run("sign", "--law", "atoms(1, 2)", "--level", "1.5")
        self.assertEqual(rc, 2, err)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    args, rest = ap.parse_known_args()
    CLI, SCHEMAS = args.cli, args.schemas
    unittest.main(argv=[sys.argv[0], *rest])
