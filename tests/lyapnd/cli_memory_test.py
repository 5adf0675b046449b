#!/usr/bin/env python3
"""End-to-end check of `lyapcert lyapnd --max-memory` (LYAPND-MEM-1): with a tiny budget the output is a valid,
non-converged enclosure containing Pollicott's published value (docs/math.md section 6), exit status 3, JSON valid
against docs/schema/lyapnd.schema.json; with the default budget the same run converges (exit 0).
usage: cli_memory_test.py --cli PATH/TO/lyapcert --schemas DIR
"""
import argparse, json, os, subprocess, sys, unittest
from fractions import Fraction

import jsonschema

CLI = SCHEMAS = None
POLLICOTT = Fraction("1.14331103510294924584325185365558829940254614")
LAW = "matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)"


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class MaxMemory(unittest.TestCase):
    def check(self, *args, expect):
        rc, out, err = run("lyapnd", "--json", "--law", LAW, *args)
        self.assertEqual(rc, expect, err)
        doc = json.loads(out)
        with open(os.path.join(SCHEMAS, "lyapnd.schema.json")) as f:
            v = jsonschema.Draft202012Validator(json.load(f))
        errors = list(v.iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        return doc

    def test_cycle_tiny_budget(self):
        d = self.check("--method", "cycle", "--digits", "30", "--max-memory", "0.03", expect=3)
        self.assertFalse(d["converged"])
        self.assertTrue(d["memory_limited"])
        self.assertIn("memory budget", d["message"])
        self.assertLessEqual(Fraction(d["enclosure"]["lower"]), POLLICOTT)
        self.assertLessEqual(POLLICOTT, Fraction(d["enclosure"]["upper"]))

    def test_enumerate_tiny_budget(self):
        d = self.check("--method", "enumerate", "--max-memory", "0.01", "--time-budget", "20", expect=3)
        self.assertFalse(d["converged"])
        self.assertTrue(d["memory_limited"])
        # Both atoms have det 1: the elementary lower bound E log|det A| / 2 = 0 makes it two-sided
        # (LYAPND-ELEM-1, -2); the upper end is still the enumeration bound.
        self.assertFalse(d["upper_bound_only"])
        self.assertLessEqual(Fraction(d["enclosure"]["lower"]), 0)
        self.assertLess(Fraction(-1, 10**6), Fraction(d["enclosure"]["lower"]))
        self.assertLessEqual(POLLICOTT, Fraction(d["enclosure"]["upper"]))

    def test_default_budget_converges(self):
        d = self.check("--method", "cycle", "--digits", "30", expect=0)
        self.assertTrue(d["converged"])
        self.assertFalse(d["memory_limited"])

    def test_bad_budget(self):
        rc, _, err = run("lyapnd", "--law", LAW, "--max-memory", "0")
        self.assertNotIn(rc, (0, 3), err)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    a, rest = ap.parse_known_args()
    CLI, SCHEMAS = a.cli, a.schemas
    unittest.main(argv=[sys.argv[0], *rest])
