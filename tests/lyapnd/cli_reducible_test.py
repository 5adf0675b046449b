#!/usr/bin/env python3
"""End-to-end check of `lyapcert lyapnd` on reducible families (proofs/lyapnd/reducible.md, LYAPND-RED-1..4,
LYAPND-ELEM-1, -2): the two families below reach 30 digits under `auto` and `--method reducible`, against
references computed here with Python's decimal module at 60 digits (log 2, and log(3)/6 derived by hand in
tests/lyapnd/reducible_test.cpp); `--method reducible` on an irreducible family is refused with exit 2; an
explicit `--method poisson` on the first family is cut by the elementary bounds to [log(2)/2, U_n]. Every --json
output validates against docs/schema/lyapnd.schema.json.
usage: cli_reducible_test.py --cli PATH/TO/lyapcert --schemas DIR
"""
import argparse, json, os, subprocess, sys, unittest
from decimal import Decimal, getcontext

import jsonschema

CLI = SCHEMAS = None
getcontext().prec = 60
LOG2 = Decimal(2).ln()
LOG3_6 = Decimal(3).ln() / 6
FAM1 = "matrices([[-3, -2], [1, 0]]: 11/14, [[0, -1], [2, 3]]: 3/14)"
FAM2 = "matrices([[2, -1], [-1, 2]]: 1/6, [[-1, 0], [-2, 1]]: 1/2, [[3, -2], [2, -1]]: 1/3)"


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class Reducible(unittest.TestCase):
    def check(self, law, *args, expect):
        rc, out, err = run("lyapnd", "--json", "--law", law, *args)
        self.assertEqual(rc, expect, err + out)
        doc = json.loads(out)
        with open(os.path.join(SCHEMAS, "lyapnd.schema.json")) as f:
            v = jsonschema.Draft202012Validator(json.load(f))
        errors = list(v.iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        return doc

    def assert_encloses(self, doc, value, width):
        lo, up = Decimal(doc["enclosure"]["lower"]), Decimal(doc["enclosure"]["upper"])
        self.assertLessEqual(lo, value)
        self.assertLessEqual(value, up)
        self.assertLessEqual(up - lo, Decimal(width))

    def test_families_to_30_digits(self):
        for law, value in ((FAM1, LOG2), (FAM2, LOG3_6)):
            for method in ("auto", "reducible"):
                d = self.check(law, "--digits", "30", "--method", method, expect=0)
                self.assertEqual(d["method"], "reducible")
                self.assertTrue(d["converged"])
                self.assertEqual(d["sign"], "positive")
                self.assert_encloses(d, value, "1e-30")
                self.assertIn("reducible over Q", d["message"])

    def test_irreducible_refused(self):
        rc, out, err = run("lyapnd", "--law", "matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)",
                           "--method", "reducible")
        self.assertEqual(rc, 2, err + out)
        self.assertIn("absolutely irreducible", err + out)

    def test_poisson_cut_by_elementary_bounds(self):
        # three mesh levels (a deterministic cap) under a generous wall budget: the same outcome at any machine load
        d = self.check(FAM1, "--method", "poisson", "--digits", "6", "--time-budget", "1000", "--max-levels", "3",
                       expect=3)
        self.assertEqual(d["method"], "poisson")
        self.assertFalse(d["upper_bound_only"])
        self.assert_encloses(d, LOG2, "2")
        # the lower end is E log|det A| / 2 = log(2)/2 up to the ball's 30-bit radius and outward printing
        self.assertLessEqual(LOG2 / 2 - Decimal("1e-8"), Decimal(d["enclosure"]["lower"]))
        self.assertIn("elementary bounds", d["message"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    a, rest = ap.parse_known_args()
    CLI, SCHEMAS = a.cli, a.schemas
    unittest.main(argv=[sys.argv[0]] + rest)
