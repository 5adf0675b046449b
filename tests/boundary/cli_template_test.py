#!/usr/bin/env python3
"""End-to-end check of `lyapcert boundary --law-template` (BND-TEMPLATE-1..9): the root of isotropic(2, lr)
against tests/data/isotropic2_boundary_ref.txt (two mpmath methods), isotropic(3, lr), sgd(lr, h) and a commuting
family against tests/data/template_ref.txt (mpmath, other formulations), sgd(lr, h) against `--law h`, JSON valid against
docs/schema/boundary.schema.json, exit 0 when complete, exit 3 with complete = false when the cell cap binds,
refusal (exit 2) of templates without a certified lr-ball evaluation; a non-commuting symmetric family
(BND-TEMPLATE-10..12): one bracket, unique false, exit 3, meeting the sign change of lyapnd's point certificates;
lyapnd on sgd(lr, matrices(...)) at an exact rate against the closed form of a diagonal family.
usage: cli_template_test.py --cli PATH/TO/lyapcert --schemas DIR --data DIR
"""
import argparse, json, os, subprocess, sys, unittest
from fractions import Fraction

import jsonschema

CLI = SCHEMAS = DATA = None


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=600)
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
        for t in ("isotropic(2, 1/2)", "ginibre(2, 1)", "isotropic(5, lr)"):
            rc, _, err = run("boundary", "--law-template", t)
            self.assertEqual(rc, 2, t + ": " + err)
        rc, _, err = run("boundary", "--law-template", "isotropic(2, lr)", "--law", "normal(1, 1)")
        self.assertEqual(rc, 2, err)
        # lr elsewhere than the first argument of sgd, unsupported inner laws: exit 2, the law named
        for t, words in (("sgd(1/2, lr)", "first argument"),
                         ("sgd(lr, ginibre(2, 1))", "sgd(lr, ginibre"),
                         ("sgd(lr, matrices([[1, 1], [0, 1]], [[1, 0], [1, 1]]))", "do not commute"),
                         ("sgd(lr, matrices([[0, 2], [1, 0]]))", "irrational")):
            rc, out, err = run("boundary", "--law-template", t)
            self.assertEqual(rc, 2, t + ": " + err)
            self.assertIn(words, err, t)
            self.assertEqual(out, "", t)  # nothing half-written

    def ref(self, key):
        with open(os.path.join(DATA, "template_ref.txt")) as f:
            return [l.split() for l in f if l.startswith(key + " ")]

    def test_isotropic3_root(self):
        d = self.check("--law-template", "isotropic(3, lr)", "--lr-min", "1/4", "--lr-max", "2", "--digits", "10",
                       expect=0)
        self.assertEqual(len(d["roots"]), 1)
        ref = Fraction(self.ref("isotropic3_root")[0][1])
        r = d["roots"][0]
        self.assertLessEqual(Fraction(r["lower"]) - Fraction(1, 10 ** 14), ref)
        self.assertLessEqual(ref, Fraction(r["upper"]) + Fraction(1, 10 ** 14))

    def test_sgd_scalar_equals_law(self):
        # sgd(lr, h) is the 1-D search of --law h (same roots, singular points, slivers), and holds the mpmath roots.
        args = ("--lr-min", "1/1000", "--lr-max", "4", "--digits", "18")
        a = self.check("--law-template", "sgd(lr, atoms(1/2: 1/3, 3: 2/3))", *args, expect=0)
        b = self.check("--law", "atoms(1/2: 1/3, 3: 2/3)", *args, expect=0)
        for k in ("roots", "singular_points", "slivers", "complete", "unresolved"):
            self.assertEqual(a[k], b[k], k)
        self.assertEqual(a["singular_points"], ["1/3", "2"])
        pts = [(Fraction(r["lower"]), Fraction(r["upper"])) for r in a["roots"]]
        for s in a["slivers"]:
            for side in ("left_offset", "right_offset"):
                if s[side]:
                    sp = Fraction(s["singular_point"])
                    pts.append((sp + Fraction(s[side]["lower"]), sp + Fraction(s[side]["upper"])))
        refs = [Fraction(x[1]) for x in self.ref("sgd_scalar_root")]
        self.assertEqual(len(pts), len(refs))
        eps = Fraction(1, 10 ** 19)
        for x in refs:
            self.assertTrue(any(lo - eps <= x <= hi + eps for lo, hi in pts), str(x))

    def test_commuting_family(self):
        d = self.check("--law-template", "sgd(lr, matrices([[2, 1], [1, 2]]: 1/4, [[0, 1], [1, 0]]: 3/4))",
                       "--lr-min", "1/1000", "--lr-max", "4", "--digits", "12", expect=0)
        refs = [Fraction(x[1]) for x in self.ref("sgd_commuting_root")]
        self.assertEqual(len(d["roots"]), len(refs))
        eps = Fraction(1, 10 ** 14)
        for r, x in zip(d["roots"], refs):
            self.assertLessEqual(Fraction(r["lower"]) - eps, x)
            self.assertLessEqual(x, Fraction(r["upper"]) + eps)

    def test_ginibre(self):
        d = self.check("--law-template", "ginibre(2, lr)", "--digits", "15", expect=0)
        self.assertTrue(d["default_range"])
        self.assertEqual(len(d["roots"]), 1)


    # Non-commuting symmetric 2 x 2 family (BND-TEMPLATE-10..12); rates 1/2 and 1 make an atom singular.
    NONCOMM = "matrices([[2, 0], [0, 1]], [[3/2, 1/2], [1/2, 3/2]], [[3/2, -1/2], [-1/2, 3/2]])"

    def lyapnd(self, law):
        # Bounded by --digits 3 (about 0.2 s idle), not by the clock: a 10 s budget could end the certificate
        # before the sign on a loaded machine. The time budget is the largest accepted; ctest's timeout bounds it.
        rc, out, err = run("lyapnd", "--law", law, "--digits", "3", "--time-budget", "1000000", "--json")
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def test_sgd_noncommuting_bracket(self):
        # The bracket (unique: false, exit 3 although complete) must meet (6/5, 13/10), where lyapnd's point
        # certificates (an independent code path: --law at exact rates, auto dispatch) change sign.
        # About 15 s idle: a 120 s budget was hit at an 8-fold slowdown (complete: false). The command's budget is
        # now the largest accepted and the per-box deadlines are off (--no-box-deadlines), so "complete" does not
        # depend on the load; ctest's timeout bounds the wall time.
        d = self.check("--law-template", f"sgd(lr, {self.NONCOMM})", "--lr-min", "21/20", "--lr-max", "2",
                       "--digits", "1", "--time-budget", "1000000", "--no-box-deadlines", expect=3)
        self.assertTrue(d["complete"], d["message"])
        self.assertEqual(len(d["roots"]), 1)
        r = d["roots"][0]
        self.assertIs(r["unique"], False)
        self.assertEqual(r["direction"], "neg-to-pos")
        lo = self.lyapnd(f"sgd(6/5, {self.NONCOMM})")
        hi = self.lyapnd(f"sgd(13/10, {self.NONCOMM})")
        self.assertLess(float(lo["enclosure"]["upper"]), 0)
        self.assertGreater(float(hi["enclosure"]["lower"]), 0)
        self.assertLess(Fraction(r["lower"]), Fraction(13, 10))
        self.assertGreater(Fraction(r["upper"]), Fraction(6, 5))

    def test_lyapnd_sgd_commuting_exact(self):
        # sgd(1/5, matrices(diag(1, 3), diag(2, -1))): Lambda = max((log 0.8 + log 0.6)/2, (log 0.4 + log 1.2)/2).
        import math
        d = self.lyapnd("sgd(1/5, matrices([[1, 0], [0, 3]], [[2, 0], [0, -1]]))")
        exact = max((math.log(0.8) + math.log(0.6)) / 2, (math.log(0.4) + math.log(1.2)) / 2)
        self.assertLessEqual(float(d["enclosure"]["lower"]) - 1e-12, exact)
        self.assertLessEqual(exact, float(d["enclosure"]["upper"]) + 1e-12)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--data", required=True)
    a, rest = ap.parse_known_args()
    CLI, SCHEMAS, DATA = a.cli, a.schemas, a.data
    unittest.main(argv=[sys.argv[0], *rest])
