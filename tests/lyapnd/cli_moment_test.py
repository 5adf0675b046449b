#!/usr/bin/env python3
"""End-to-end checks of `lyapcert moment --law MATRIXLAW --p 2` and of the issue-7 lyapnd additions
(isotropic(3, lr), commuting families in a rotated basis): exit statuses, JSON validated against
docs/schema/moment.schema.json and lyapnd.schema.json, values against independent closed forms (mpmath).
usage: cli_moment_test.py --cli PATH/TO/lyapcert --schemas DIR
"""
import argparse, json, os, subprocess, sys, unittest
from fractions import Fraction

import jsonschema
import mpmath

CLI = SCHEMAS = None


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def contains(enc, x):
    return Fraction(enc["lower"]) <= x <= Fraction(enc["upper"])


class MatrixMoment(unittest.TestCase):
    def check(self, command, *args, expect=0):
        rc, out, err = run(command, "--json", *args)
        self.assertEqual(rc, expect, err)
        doc = json.loads(out)
        with open(os.path.join(SCHEMAS, f"{command}.schema.json")) as f:
            v = jsonschema.Draft202012Validator(json.load(f))
        errors = list(v.iter_errors(doc))
        self.assertFalse(errors, f"{command}: " + "; ".join(e.message for e in errors))
        return doc

    def test_isotropic_closed_form(self):
        # rho(E[A (x) A]) = 1 - 2 lr + (d + 2) lr^2 (Isserlis), = 17/20 for d = 3, lr = 3/10.
        mpmath.mp.dps = 40
        d = self.check("moment", "--law", "isotropic(3, 3/10)", "--p", "2", "--digits", "30")
        self.assertEqual(d["l2_verdict"], "stable")
        self.assertTrue(d["l2_stable"])
        self.assertNotIn("lr", d)
        g = mpmath.log(mpmath.mpf(17) / 20)
        self.assertTrue(contains(d["enclosure"], Fraction(str(mpmath.nstr(g, 38)))))
        self.assertTrue(contains(d["rho"], Fraction(17, 20)))

    def test_boundary_family_is_exact(self):
        d = self.check("moment", "--law",
                       "matrices([[1, 1], [0, 1]]: 1/4, [[1, -1], [0, 1]]: 1/4, [[0, 0], [0, 1]]: 1/2)", "--p", "2")
        self.assertEqual(d["l2_verdict"], "boundary")
        self.assertEqual(d["sign"], "zero")
        self.assertEqual(d["enclosure"]["lower"], "0")
        self.assertFalse(d["l2_stable"])

    def test_one_by_one_matches_1d_moment(self):
        a = self.check("moment", "--law", "matrices([[3/2]]: 1/3, [[-1/2]]: 2/3)", "--p", "2", "--digits", "25")
        b = self.check("moment", "--law", "atoms(-1/2: 1/3, 3/2: 2/3)", "--lr", "1", "--p", "2", "--digits", "25")
        lo = max(Fraction(a["enclosure"]["lower"]), Fraction(b["enclosure"]["lower"]))
        hi = min(Fraction(a["enclosure"]["upper"]), Fraction(b["enclosure"]["upper"]))
        self.assertLessEqual(lo, hi)
        self.assertEqual(a["l2_stable"], b["l2_stable"])

    def test_bad_inputs(self):
        for args, frag in ((["--law", "isotropic(2, 1/2)", "--lr", "1", "--p", "2"], "--lr is for curvature laws"),
                           (["--law", "ginibre(2, 1)", "--p", "3"], "only --p 2")):
            rc, _, err = run("moment", *args)
            self.assertEqual(rc, 2, err)
            self.assertIn(frag, err)

    def test_lyapnd_isotropic3_and_commuting(self):
        d = self.check("lyapnd", "--law", "isotropic(3, 1)", "--digits", "25")
        self.assertEqual(d["method"], "isotropic-quadrature")
        self.assertTrue(contains(d["enclosure"], Fraction("0.236618934652591863623531526198")))
        # P diag(2, 1/2) P^-1 : 1/3, P diag(1/2, 2) P^-1 : 2/3 with P = [[1, 2], [1, 3]]: Lambda = (log 2)/3.
        d = self.check("lyapnd", "--law", "matrices([[5, -3], [9/2, -5/2]]: 1/3, [[-5/2, 3], [-9/2, 5]]: 2/3)",
                       "--digits", "25")
        self.assertEqual(d["method"], "commuting")
        mpmath.mp.dps = 40
        self.assertTrue(contains(d["enclosure"], Fraction(str(mpmath.nstr(mpmath.log(2) / 3, 38)))))


def main():
    global CLI, SCHEMAS
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    args, rest = ap.parse_known_args()
    CLI, SCHEMAS = args.cli, args.schemas
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
