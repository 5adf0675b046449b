#!/usr/bin/env python3
"""End-to-end check of `lyapcert lyapnd --method poisson` (proofs/lyapnd/poisson.md, LYAPND-POIS-1..10):
a rotation by an irrational angle times 2 converges to log 2 (independent: Python's math.log with a
tolerance far above binary64 error), a sign-indefinite family under `auto` picks poisson and returns a
non-converged finite enclosure with exit 3 in a 1 s budget, a singular atom is refused with exit 2 (d = 2
and d = 3), a d = 3 family returns a non-converged enclosure of the closed-form value with exit 3; every
--json output validates against docs/schema/lyapnd.schema.json.
usage: cli_poisson_test.py --cli PATH/TO/lyapcert --schemas DIR
"""
import argparse, json, math, os, subprocess, sys, unittest
from fractions import Fraction

import jsonschema

CLI = SCHEMAS = None


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class Poisson(unittest.TestCase):
    def check(self, law, *args, expect):
        rc, out, err = run("lyapnd", "--json", "--law", law, *args)
        self.assertEqual(rc, expect, err + out)
        doc = json.loads(out)
        with open(os.path.join(SCHEMAS, "lyapnd.schema.json")) as f:
            v = jsonschema.Draft202012Validator(json.load(f))
        errors = list(v.iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        return doc

    def test_rotation_times_two(self):
        d = self.check("matrices([[6/5, -8/5], [8/5, 6/5]])", "--method", "poisson", "--digits", "12", expect=0)
        self.assertEqual(d["method"], "poisson")
        self.assertTrue(d["converged"])
        lo, up = Fraction(d["enclosure"]["lower"]), Fraction(d["enclosure"]["upper"])
        self.assertLess(abs(float(lo) - math.log(2)), 1e-12)
        self.assertLess(abs(float(up) - math.log(2)), 1e-12)

    def test_auto_sign_indefinite(self):
        # 16 digits (the default) within three mesh levels: a deterministic cap with a generous wall budget, so the
        # outcome is the same on an idle or a loaded machine (docs/reliability.md).
        d = self.check("matrices([[1, 2], [-1, 1/2]]: 1/2, [[0, 1], [-1, -1/3]]: 1/2)", "--time-budget", "1000",
                       "--max-levels", "3", expect=3)
        self.assertEqual(d["method"], "poisson")
        self.assertFalse(d["converged"])
        lo, up = Fraction(d["enclosure"]["lower"]), Fraction(d["enclosure"]["upper"])
        self.assertLess(lo, up)
        self.assertLess(float(up - lo), 1e-4)
        self.assertIn("Poisson", d["message"])
        self.assertIn("level cap (--max-levels 3)", d["message"])

    def test_max_levels_refused(self):
        rc, out, err = run("lyapnd", "--law", "matrices([[1, 2], [-1, 1/2]]: 1/2, [[0, 1], [-1, -1/3]]: 1/2)",
                           "--max-levels", "-1")
        self.assertEqual(rc, 2)
        self.assertIn("--max-levels must be >= 0", err + out)

    def test_refusals(self):
        rc, out, err = run("lyapnd", "--law", "matrices([[1, 2], [2, 4]]: 1/2, [[0, 1], [-1, 0]]: 1/2)",
                           "--method", "poisson")
        self.assertEqual(rc, 2)
        self.assertIn("singular", err + out)
        rc, out, err = run("lyapnd", "--law", "matrices([[1, 0, 0], [0, 2, 0], [0, 1, 3]]: 1/2, "
                           "[[1, 2, 3], [2, 4, 6], [0, 0, 1]]: 1/2)", "--method", "poisson")
        self.assertEqual(rc, 2)
        self.assertIn("matrix #2 is singular", err + out)

    def test_d3_not_converged(self):
        # Scalar multiples 2 R1, 3 R2 of two non-commuting rational rotations: Lambda = (log 2 + log 3)/2
        # (independent: Python's math.log); 12 digits are out of reach for the d = 3 certificate in 1 s.
        law = ("matrices([[2/3, 4/3, 4/3], [4/3, 2/3, -4/3], [-4/3, 4/3, -2/3]]: 1/2, "
               "[[3, 0, 0], [0, 9/5, -12/5], [0, 12/5, 9/5]]: 1/2)")
        d = self.check(law, "--method", "poisson", "--digits", "12", "--time-budget", "1", expect=3)
        self.assertEqual(d["method"], "poisson")
        self.assertFalse(d["converged"])
        lo, up = Fraction(d["enclosure"]["lower"]), Fraction(d["enclosure"]["upper"])
        lam = (math.log(2) + math.log(3)) / 2
        self.assertLessEqual(float(lo), lam + 1e-12)
        self.assertGreaterEqual(float(up), lam - 1e-12)
        self.assertLess(float(up - lo), 0.1)
        self.assertIn("Poisson", d["message"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    a, rest = ap.parse_known_args()
    CLI, SCHEMAS = a.cli, a.schemas
    unittest.main(argv=[sys.argv[0]] + rest)
