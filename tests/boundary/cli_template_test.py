#!/usr/bin/env python3
"""End-to-end check of `lyapcert boundary --law-template` (BND-TEMPLATE-1..4): the root of isotropic(2, lr)
against tests/data/isotropic2_boundary_ref.txt (two mpmath methods), JSON valid against
docs/schema/boundary.schema.json, exit 0 when complete, exit 3 with complete = false when the cell cap binds,
refusal (exit 2) of templates without a certified lr-ball evaluation.
usage: cli_template_test.py --cli PATH/TO/lyapcert --schemas DIR --data DIR
"""
import argparse, json, os, subprocess, sys, unittest
from fractions import Fraction

import jsonschema

CLI = SCHEMAS = DATA = None


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def reference():
    with open(os.path.join(DATA, "isotropic2_boundary_ref.txt")) as f:
        return Fraction(next(l for l in f if l.strip() and not l.startswith("#")).strip())


class Template(unittest.TestCase):
    def check(self, *args, expect):
        rc, out, err = run("boundary", "--json", *args)
        self.assertEqual(rc, expect, err)
        doc = json.loads(out)
        with open(os.path.join(SCHEMAS, "boundary.schema.json")) as f:
            v = jsonschema.Draft202012Validator(json.load(f))
        errors = list(v.iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        return doc

    def test_isotropic2_root(self):
        d = self.check("--law-template", "isotropic(2, lr)", "--lr-min", "1/2", "--lr-max", "2", "--digits", "20",
                       expect=0)
        self.assertTrue(d["complete"])
        self.assertTrue(d["law_template"])
        self.assertEqual(len(d["roots"]), 1)
        r = d["roots"][0]
        self.assertEqual(r["direction"], "neg-to-pos")
        ref = reference()
        self.assertLessEqual(Fraction(r["lower"]), ref)
        self.assertLessEqual(ref, Fraction(r["upper"]))
        self.assertLessEqual(Fraction(r["upper"]) - Fraction(r["lower"]), Fraction(1, 10 ** 19))

    def test_incomplete_is_exit_3(self):
        # --max-cells is not a CLI option; a range whose only root needs more digits than the precision cap
        # gives widths_met = false instead (exit 3, root still true).
        d = self.check("--law-template", "isotropic(2, lr)", "--lr-min", "1/2", "--lr-max", "2", "--digits", "40",
                       "--max-bits", "64", expect=3)
        self.assertFalse(d["widths_met"])
        ref = reference()
        r = d["roots"][0]
        self.assertLessEqual(Fraction(r["lower"]), ref)
        self.assertLessEqual(ref, Fraction(r["upper"]))

    def test_refusals(self):
        for t in ("isotropic(3, lr)", "isotropic(4, lr)", "isotropic(2, 1/2)", "ginibre(2, 1)"):
            rc, _, err = run("boundary", "--law-template", t)
            self.assertEqual(rc, 2, t + ": " + err)
        rc, _, err = run("boundary", "--law-template", "isotropic(2, lr)", "--law", "normal(1, 1)")
        self.assertEqual(rc, 2, err)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--data", required=True)
    a, rest = ap.parse_known_args()
    CLI, SCHEMAS, DATA = a.cli, a.schemas, a.data
    unittest.main(argv=[sys.argv[0], *rest])
