#!/usr/bin/env python3
"""End-to-end checks of `lyapcert lyapnd --law 'vector(q, d, lr, k, sigma, batch=S, gamma=G)'`
(proofs/lyapnd/vector.md): q = d = 1 against `phase` (the certified scalar model, LYAPND-VEC-2), a decided
positive and a decided negative point for q = 1, d = 2 against the elementary facts they rest on, the
upper-bound-only case q = d = 2, and bad input (exit 2). JSON validated against docs/schema/lyapnd.schema.json.
usage: cli_vector_test.py --cli PATH/TO/lyapcert --schemas DIR
"""
import argparse, json, os, subprocess, sys, unittest
from fractions import Fraction

import jsonschema

CLI = SCHEMAS = None


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


class VectorLaw(unittest.TestCase):
    def lyapnd(self, law, *args, expect=None):
        rc, out, err = run("lyapnd", "--json", "--law", law, *args)
        if expect is not None:
            self.assertEqual(rc, expect, err)
        doc = json.loads(out)
        with open(os.path.join(SCHEMAS, "lyapnd.schema.json")) as f:
            v = jsonschema.Draft202012Validator(json.load(f))
        errors = list(v.iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        self.assertEqual(doc["method"], "vector")
        return rc, doc

    def test_vector_scalar_matches_phase(self):
        # lr = 0.03, sigma = 10: the scalar model is in phase III; the vector law with q = d = 1 is that model.
        for lr, sigma, batch in (("3/100", "10", "1"), ("1/2", "3", "4")):
            rc, out, err = run("phase", "--json", "--lr", lr, "--sigma", sigma, "--batch", batch, "--digits", "12")
            self.assertEqual(rc, 0, err)
            ph = json.loads(out)
            _, d = self.lyapnd(f"vector(1, 1, {lr}, 1, {sigma}, batch={batch})", "--digits", "12", expect=0)
            top = max(Fraction(ph["lambda_plus"]["lower"]), Fraction(ph["lambda_minus"]["lower"]))
            top_hi = max(Fraction(ph["lambda_plus"]["upper"]), Fraction(ph["lambda_minus"]["upper"]))
            self.assertLessEqual(Fraction(d["enclosure"]["lower"]), top_hi)
            self.assertGreaterEqual(Fraction(d["enclosure"]["upper"]), top)
            signs = {ph["lambda_plus"]["sign"], ph["lambda_minus"]["sign"]}
            self.assertEqual(d["sign"], "positive" if "positive" in signs else "negative")

    def test_positive_at_large_learning_rate(self):
        # E log|det A| / 3 > 0 decides Lambda > 0; the digits are not reached (exit 3) but the sign is certified.
        rc, d = self.lyapnd("vector(1, 2, 2, 1, 3)", "--digits", "3", "--time-budget", "60", expect=3)
        self.assertEqual(d["sign"], "positive")
        self.assertGreater(Fraction(d["enclosure"]["lower"]), 0)
        self.assertFalse(d["upper_bound_only"])

    def test_negative_with_weight_decay(self):
        # gamma = 4, lr = 1/10: c = 3/5 and g(2)/2 < 0 (exact moments), so Lambda < 0.
        rc, d = self.lyapnd("vector(1, 2, 1/10, 1, 1, gamma=4)", "--digits", "3", "--time-budget", "60", expect=3)
        self.assertEqual(d["sign"], "negative")
        self.assertLess(Fraction(d["enclosure"]["upper"]), 0)

    def test_square_case_is_upper_bound_only(self):
        # batch = 2: no certified lower bound (the determinant bounds need S = 1).
        rc, d = self.lyapnd("vector(2, 2, 2, 1, 3, batch=2)", "--digits", "3", expect=3)
        self.assertTrue(d["upper_bound_only"])
        self.assertEqual(d["enclosure"]["lower"], "-inf")
        self.assertEqual(d["sign"], "undetermined")

    def test_phase_model_vector(self):
        # phase --model vector: the same certificate as lyapnd, labelled; --snr gives sigma^2 exactly.
        rc, out, err = run("phase", "--model", "vector", "--out-dim", "1", "--dim", "2", "--lr", "3/25", "--sigma",
                           "10", "--digits", "2", "--json")
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        with open(os.path.join(SCHEMAS, "phase.schema.json")) as f:
            v = jsonschema.Draft202012Validator(json.load(f))
        errors = list(v.iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        self.assertEqual(doc["phase"], "escape")
        self.assertEqual(doc["lambda_top"]["sign"], "positive")
        self.assertEqual(doc["sigma2"], "100")
        _, nd = self.lyapnd("vector(1, 2, 3/25, 1, 10)", "--digits", "2")
        self.assertEqual(doc["lambda_top"]["lower"], nd["enclosure"]["lower"])
        # SNR 1/102 is sigma^2 = 100 exactly.
        rc, out, err = run("phase", "--model", "vector", "--out-dim", "1", "--dim", "2", "--lr", "3/25", "--snr",
                           "1/102", "--digits", "2", "--json")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["sigma2"], "100")
        # undetermined (no lower bound for batch 2, and the upper bound is positive at gamma = 0): exit 3
        rc, out, err = run("phase", "--model", "vector", "--out-dim", "2", "--dim", "2", "--batch", "2", "--lr", "1",
                           "--json")
        self.assertEqual(rc, 3, err)
        doc = json.loads(out)
        self.assertFalse(list(v.iter_errors(doc)))
        self.assertEqual(doc["phase"], "undetermined")
        self.assertEqual(doc["lambda_top"]["lower"], "-inf")
        rc, _, err = run("phase", "--model", "vector", "--out-dim", "3", "--dim", "2", "--lr", "1")
        self.assertEqual(rc, 2, err)
        self.assertIn("q + d <= 4", err)
        rc, _, err = run("phase", "--dim", "2", "--lr", "1")
        self.assertEqual(rc, 2, err)
        self.assertIn("--dim and --out-dim are for --model vector", err)

    def test_bad_inputs(self):
        for law, frag in (("vector(2, 3, 1, 1, 1)", "exceeds the largest supported dimension"),
                          ("vector(1, 2, 1, 1, -1)", "sigma = -1 must be >= 0"),
                          ("vector(1, 2, 1, 1, 1, batch=0)", "batch = 0 must be an integer"),
                          ("vector(1, 2, 1, 1, 1, eta=1)", "unknown argument 'eta'")):
            rc, _, err = run("lyapnd", "--law", law)
            self.assertEqual(rc, 2, err)
            self.assertIn(frag, err)
        rc, _, err = run("lyapnd", "--law", "ginibre(2, 1)", "--method", "vector")
        self.assertEqual(rc, 2, err)
        self.assertIn("--method vector needs the law vector", err)


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
