#!/usr/bin/env python3
"""End-to-end tests of `lyapcert critical-snr` (proofs/models/critical.md) and of
`lyapcert phase-diagram --model diagonal` (MODEL-DIAG-1), checked against independent computations:

* the collapse witness is recomputed by `lyapcert phase` (a different command path: the certified
  precision loop of phase_at) and must be phase III;
* at the no-collapse end, Lambda_+ is computed in mpmath by the chi-square mixture with the Poisson
  series of E log|Z + c| (tests/data/critical_lambda_plus_gen.py) at points of the certified range and
  outside it, and must be positive and above the reported certified lower bounds; the analytic
  bounds MODEL-CRIT-2/3 are re-evaluated from their formulas in mpmath;
* the diagonal diagram's CSV and JSON equal `phase --model diagonal` at the same points;
* JSON schemas, PNG header and size, bad input (exit 2).

usage: critical_cli_test.py --cli PATH/TO/lyapcert --schemas DIR --data DIR [unittest args]
"""
import argparse, csv, importlib.util, json, os, struct, subprocess, sys, tempfile, unittest
from fractions import Fraction

import jsonschema
import mpmath as mp

CLI = SCHEMAS = DATA = None
GEN = None  # tests/data/critical_lambda_plus_gen.py (the mpmath reference of Lambda_+)


def run(*args, timeout=300):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def validator(name):
    with open(os.path.join(SCHEMAS, name)) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def mpq(text):
    f = Fraction(text)
    return mp.mpf(f.numerator) / f.denominator


class CriticalSnr(unittest.TestCase):
    doc = None

    @classmethod
    def setUpClass(cls):
        # --digits 0: no bisection (SNR 2/5 -> 1/10 -> 1/40 by the factor-4 walk); about 30 s CPU.
        rc, out, err = run("critical-snr", "--batch", "1", "--digits", "0", "--snr-max", "2/5", "--json")
        cls.rc, cls.err = rc, err
        cls.doc = json.loads(out) if out.strip() else None

    def test_schema_and_completeness(self):
        self.assertEqual(self.rc, 0, self.err)
        errors = list(validator("critical-snr.schema.json").iter_errors(self.doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        d = self.doc
        self.assertTrue(d["complete"])
        lo, hi = Fraction(d["snr"]["lower"]), Fraction(d["snr"]["upper"])
        self.assertLess(lo, hi)
        self.assertLessEqual(hi, 4 * lo)
        self.assertEqual(Fraction(d["witness"]["snr"]), lo)
        self.assertEqual(Fraction(d["no_collapse"]["snr"]), hi)
        self.assertEqual(Fraction(d["batch_snr"]["lower"]), lo)  # batch 1

    def test_witness_recomputed_by_phase(self):
        w = self.doc["witness"]
        self.assertTrue(w["found"])
        rc, out, err = run("phase", "--snr", self.doc["snr"]["lower"], "--lr", w["lr"], "--digits", "6", "--json")
        self.assertEqual(rc, 0, err)
        p = json.loads(out)
        self.assertEqual(Fraction(p["sigma2"]), Fraction(w["sigma2"]))
        self.assertEqual(p["lambda_plus"]["sign"], "negative")
        self.assertEqual(p["lambda_minus"]["sign"], "negative")
        self.assertEqual(p["phase"], "III")

    def test_no_collapse_against_mpmath(self):
        c = self.doc["no_collapse"]
        self.assertTrue(c["certified"])
        a, b = Fraction(c["lr_range"]["lower"]), Fraction(c["lr_range"]["upper"])
        cells = c["cells"]
        self.assertEqual(Fraction(cells[0]["lower"]), a)
        self.assertEqual(Fraction(cells[-1]["upper"]), b)
        for x, y in zip(cells, cells[1:]):
            self.assertEqual(Fraction(x["upper"]), Fraction(y["lower"]))
        rho2 = mpq(c["sigma2"])  # k = 1
        mp.mp.dps = 15
        # The cell with the smallest certified lower bound (closest to the critical dip), a point of it,
        # and points below a and above b: Lambda_+ (mpmath) is positive and above the cell's bound.
        worst = min(cells, key=lambda x: Fraction(x["lambda_plus_lower"]))
        lr_mid = (mpq(worst["lower"]) + mpq(worst["upper"])) / 2
        v = GEN.lam_q(1, rho2, lr_mid)
        self.assertGreater(v, 0)
        self.assertGreaterEqual(v, mpq(worst["lambda_plus_lower"]))
        for lr in (mpq(c["lr_range"]["lower"]) / 3, mpq(c["lr_range"]["upper"]) * 3):
            self.assertGreater(GEN.lam_q(1, rho2, lr), 0)
        # MODEL-CRIT-2 at lr_a and MODEL-CRIT-3 at lr_b, from their formulas (S = 1, k = 1).
        u, delta, S = mpq(c["small_lr_bound"]["lr_max"]), mpq(c["small_lr_bound"]["delta"]), 1
        m2 = 1 + (2 + rho2) / S
        idl = 1 + (1 - delta) * (1 - mp.log(1 - delta))
        kd = idl * mp.exp(-0.5) / (delta * mp.sqrt(2 * mp.pi))
        small = u - u ** 2 * m2 / (2 * (1 - delta)) - kd * mp.exp(-delta * S / (u * rho2))
        self.assertGreater(small, 0)
        self.assertLessEqual(mpq(c["small_lr_bound"]["lambda_plus_lower"]), small)
        self.assertGreater(mpq(c["small_lr_bound"]["lambda_plus_lower"]), small * (1 - mp.mpf(1) / 1000))
        self.assertLessEqual(u, delta * S / rho2)
        ub = mpq(c["large_lr_bound"]["lr_min"])
        large = mp.log(ub) + mp.log(mp.sqrt(rho2) / S) + (mp.digamma(mp.mpf(S) / 2) - mp.euler) / 2
        self.assertGreater(large, 0)
        self.assertLessEqual(mpq(c["large_lr_bound"]["lambda_plus_lower"]), large)

    def test_bad_input(self):
        for args, frag in ((["--gamma", "1/10"], "gamma"), (["--digits", "7"], "digits"),
                           (["--snr-max", "1/2"], "snr_max"), (["--k", "0"], "k must be nonzero"),
                           (["--snr-min", "1/3", "--snr-max", "1/4"], "snr_min")):
            rc, out, err = run("critical-snr", *args, "--json")
            self.assertEqual(rc, 2, (args, err))
            self.assertIn(frag, err)
            self.assertEqual(out, "")


class DiagonalDiagram(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.prefix = os.path.join(self.tmp.name, "diag")

    def tearDown(self):
        self.tmp.cleanup()

    def phase_point(self, beta, sigma, batch, lr):
        rc, out, err = run("phase", "--model", "diagonal", "--beta", beta, "--sigma", sigma, "--batch", str(batch),
                           "--lr", lr, "--digits", "6", "--json")
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def check_files(self, y_key):
        with open(self.prefix + ".json") as f:
            doc = json.load(f)
        errors = list(validator("phase-diagram-diagonal.schema.json").iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        with open(self.prefix + ".csv") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), len(doc["points"]))
        self.assertEqual(len(rows), len(doc["lr_grid"]) * len(doc["y_grid"]))
        self.assertIn(y_key, rows[0])
        with open(self.prefix + ".png", "rb") as f:
            head = f.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(struct.unpack(">II", head[16:24]), (1000, 700))
        self.assertGreater(os.path.getsize(self.prefix + ".png"), 5000)
        return doc, rows

    def test_sigma_axis_matches_phase(self):
        beta = "2,1/2,0"
        rc, out, err = run("phase-diagram", "--model", "diagonal", "--beta", beta, "--lr-range", "1/50:2",
                           "--sigma-range", "1/2:4", "--grid", "3x2", "--digits", "6", "--out", self.prefix)
        self.assertEqual(rc, 0, err)
        doc, rows = self.check_files("sigma")
        self.assertEqual(doc["y_axis"], "sigma")
        fractions = set()
        for row, p in zip(rows, doc["points"]):
            self.assertEqual((row["lr"], row["sigma"]), (p["lr"], p["y"]))
            ref = self.phase_point(beta, p["y"], 1, p["lr"])
            self.assertEqual(Fraction(row["fraction_lower"]), Fraction(ref["surviving_fraction_bounds"]["lower"]))
            self.assertEqual(Fraction(row["fraction_upper"]), Fraction(ref["surviving_fraction_bounds"]["upper"]))
            self.assertEqual(p["surviving"], ref["surviving"])
            self.assertEqual(p["undetermined_coordinates"], ref["undetermined_coordinates"])
            self.assertEqual(row["phases"].split(";"), [c["phase"] for c in ref["coordinates"]])
            self.assertEqual(row["survives"].split(";"), [c["survives"] for c in ref["coordinates"]])
            for c, rcoord in zip(p["coordinates"], ref["coordinates"]):
                for key in ("lambda_plus", "lambda_minus"):
                    # Both are certified enclosures of the same number: they must intersect.
                    self.assertLessEqual(Fraction(c[key]["lower"]), Fraction(rcoord[key]["upper"]))
                    self.assertLessEqual(Fraction(rcoord[key]["lower"]), Fraction(c[key]["upper"]))
            if p["surviving_fraction"] is not None:
                fractions.add(Fraction(p["surviving_fraction"]))
        self.assertGreater(len(fractions), 1, "the diagram should show more than one surviving fraction")

    def test_batch_axis(self):
        rc, out, err = run("phase-diagram", "--model", "diagonal", "--beta", "1,1/4", "--sigma", "1", "--lr-range",
                           "1/10:1", "--batch-range", "1:4", "--grid", "2x1", "--digits", "4", "--out", self.prefix)
        self.assertEqual(rc, 0, err)
        doc, rows = self.check_files("batch")
        self.assertEqual(doc["y_grid"], ["1", "2", "4"])
        self.assertEqual(doc["sigma2"], "1")
        for p in doc["points"][::2]:
            ref = self.phase_point("1,1/4", "1", int(p["y"]), p["lr"])
            self.assertEqual(p["surviving"], ref["surviving"])

    def test_bad_input(self):
        cases = ((["--beta", "1,2", "--snr-range", "1/10:1/5"], "--snr-range"),
                 (["--beta", "1,2", "--k", "2"], "--k"),
                 (["--beta", "1,2", "--cells"], "--cells"),
                 ([], "--beta"),
                 (["--beta", "0,0"], "zero"),
                 (["--beta", "1,2", "--sigma", "1", "--sigma-range", "1:2"], "exclude"))
        for args, frag in cases:
            rc, out, err = run("phase-diagram", "--model", "diagonal", *args, "--grid", "2x1", "--out", self.prefix)
            self.assertEqual(rc, 2, (args, err))
            self.assertIn(frag, err)
            self.assertFalse(os.path.exists(self.prefix + ".csv"))
        rc, out, err = run("phase-diagram", "--beta", "1,2", "--grid", "2x1", "--out", self.prefix)
        self.assertEqual(rc, 2, err)
        self.assertIn("diagonal", err)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--data", required=True)
    args, rest = ap.parse_known_args()
    CLI, SCHEMAS = os.path.abspath(args.cli), os.path.abspath(args.schemas)
    spec = importlib.util.spec_from_file_location("gen", os.path.join(args.data, "critical_lambda_plus_gen.py"))
    GEN = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(GEN)
    unittest.main(argv=[sys.argv[0], *rest])
