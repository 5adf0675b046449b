#!/usr/bin/env python3
"""End-to-end tests of `lyapcert phase` (two-layer saddle model): JSON validated against
docs/schema/phase.schema.json, the phase label re-derived from the printed certified signs, the
exact L2 flag and batch SNR recomputed here with Fractions, the sampled-data file re-read as exact
data, bad input mapped to exit status 2.
usage: phase_test.py --cli PATH/TO/lyapcert --schemas DIR
"""
import argparse, json, os, subprocess, sys, tempfile, unittest
from fractions import Fraction

import jsonschema

CLI = SCHEMAS = None


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def label(plus, minus, l2):
    if plus == "positive" and minus == "negative":
        return "Ib" if l2 else "Ia"
    if plus == "negative" and minus == "positive":
        return "II"
    if plus == "negative" and minus == "negative":
        return "III"
    if plus == "positive" and minus == "positive":
        return "IV"
    return "undetermined"


class PhaseCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SCHEMAS, "phase.schema.json")) as f:
            cls.validator = jsonschema.Draft202012Validator(json.load(f))

    def phase(self, *args):
        rc, out, err = run("phase", "--json", *args)
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        errors = list(self.validator.iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        return doc

    def test_gaussian_model_labels_and_l2(self):
        # A grid over lr and SNR that visits Ia, Ib, III and IV.
        seen = set()
        for snr in ("0.3", "0.02"):
            for lr in ("0.05", "0.2", "0.5", "2"):
                d = self.phase("--lr", lr, "--snr", snr, "--digits", "8")
                k, s2, S = Fraction(d["k"]), Fraction(d["sigma2"]), d["batch"]
                lr_q = Fraction(lr)
                # E(1 - lr h)^2 with E h = k, E h^2 = k^2 + (2k^2 + s2)/S (gamma = 0).
                e2 = 1 - 2 * lr_q * k + lr_q ** 2 * (k * k + (2 * k * k + s2) / S)
                self.assertEqual(d["l2_wrong_direction_stable"], e2 < 1)
                self.assertEqual(d["phase"], label(d["lambda_plus"]["sign"], d["lambda_minus"]["sign"],
                                                   d["l2_wrong_direction_stable"]))
                self.assertEqual(Fraction(d["batch_snr"]), Fraction(snr))
                for key in ("lambda_plus", "lambda_minus"):
                    lo, hi = Fraction(d[key]["lower"]), Fraction(d[key]["upper"])
                    self.assertLessEqual(lo, hi)
                    if d[key]["sign"] == "negative":
                        self.assertLess(hi, 0)
                    if d[key]["sign"] == "positive":
                        self.assertGreater(lo, 0)
                seen.add(d["phase"])
        self.assertTrue({"III", "IV"} <= seen, seen)

    def test_sampled_data_is_exact_and_reused(self):
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "run")
            d = self.phase("--lr", "0.3", "--data-sample", "50", "--seed", "7", "--out", prefix)
            path = prefix + "-data.csv"
            self.assertEqual(d["data_file"], path)
            rows = open(path).read().split("\n")[1:]
            rows = [r for r in rows if r]
            self.assertEqual(len(rows), 50)
            for r in rows:  # exact binary64 values written as fractions
                x, y = (Fraction(v) for v in r.split(","))
                self.assertEqual(Fraction(float(x)), x)
                self.assertEqual(Fraction(float(y)), y)
            # Reading the file back gives the same certified exponents.
            e = self.phase("--lr", "0.3", "--data", path)
            self.assertEqual(e["lambda_plus"], d["lambda_plus"])
            self.assertEqual(e["lambda_minus"], d["lambda_minus"])
            # Batch 1 with replacement: the law is uniform over x_j y_j; SNR = mean^2 / var.
            h = [Fraction(a) * Fraction(b) for a, b in (r.split(",") for r in rows)]
            m = sum(h) / len(h)
            v = sum(x * x for x in h) / len(h) - m * m
            self.assertEqual(Fraction(e["batch_snr"]), m * m / v)

    def test_phase_diagram_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "pd")
            rc, out, err = run("phase-diagram", "--snr-range", "0.01:0.3", "--lr-range", "0.02:5", "--grid", "6x3",
                               "--digits", "6", "--out", prefix)
            self.assertEqual(rc, 0, err)
            self.assertIn(prefix + ".png", out)
            # PNG: signature and IHDR size (1000 x 700).
            png = open(prefix + ".png", "rb").read()
            self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
            self.assertEqual(png[12:16], b"IHDR")
            self.assertEqual(int.from_bytes(png[16:20], "big"), 1000)
            self.assertEqual(int.from_bytes(png[20:24], "big"), 700)
            self.assertGreater(len(png), 5000)
            doc = json.load(open(prefix + ".json"))
            with open(os.path.join(SCHEMAS, "phase-diagram.schema.json")) as f:
                v = jsonschema.Draft202012Validator(json.load(f))
            errors = list(v.iter_errors(doc))
            self.assertFalse(errors, "; ".join(e.message for e in errors))
            self.assertTrue(doc["complete"])
            self.assertEqual(len(doc["points"]), 18)
            lines = open(prefix + ".csv").read().strip().split("\n")
            self.assertEqual(len(lines), 19)
            for p in doc["points"]:
                self.assertEqual(p["phase"], label(p["lambda_plus"]["sign"], p["lambda_minus"]["sign"],
                                                   p["l2_wrong_direction_stable"]))
            # Every root bracket separates certified opposite signs of the same row.
            for key, name in (("lambda_plus", "lambda_plus"), ("lambda_minus", "lambda_minus")):
                for b in doc["boundaries"][key]:
                    self.assertLess(Fraction(b["lower"]), Fraction(b["upper"]))
            # The exact L2 boundary lr = 2k / E h^2 (gamma = 0, E h^2 = k^2 + (2k^2 + s2)).
            for b in doc["boundaries"]["l2_wrong_direction"]:
                snr = Fraction(b["y"])
                s2 = 1 / snr - 2
                self.assertEqual(Fraction(b["lr"]), 2 / (1 + 2 + s2))
            # No temporary files left behind.
            self.assertEqual(sorted(os.listdir(tmp)), ["pd.csv", "pd.json", "pd.png"])

    def test_cells_and_negative_k(self):
        # MODEL-CELL-1: a cell label other than "mixed" is certified on the whole cell, so it must equal the
        # label of the grid point inside it; deep in phase IV the cells certify. MODEL-ORIENT-1: k = -1 gives
        # the same labels and exponents as k = 1 (the correct direction follows sign E[h_B]).
        docs = {}
        with tempfile.TemporaryDirectory() as tmp:
            for k in ("1", "-1"):
                prefix = os.path.join(tmp, "pd" + k)
                rc, out, err = run("phase-diagram", "--k", k, "--snr-range", "0.2:0.22", "--lr-range", "3:3.3",
                                   "--grid", "2x2", "--digits", "6", "--cells", "--out", prefix)
                self.assertEqual(rc, 0, err)
                docs[k] = json.load(open(prefix + ".json"))
        certified = 0
        for doc in docs.values():
            for p in doc["points"]:
                if p["cell"] != "mixed":
                    certified += 1
                    self.assertEqual(p["cell"], p["phase"])
        self.assertGreater(certified, 0)
        # Independent check of certified cells: the Arb path (`phase --digits 16`, beyond the binary64 kernel)
        # at interior points of the cell (a factor r^0.3 from the grid point, r the grid ratio, stays inside the
        # geometric-midpoint cell edges) must give the cell's label.
        doc = docs["1"]
        lrs = sorted({Fraction(p["lr"]) for p in doc["points"]})
        ys = sorted({Fraction(p["y"]) for p in doc["points"]})
        checked = 0
        for p in doc["points"]:
            if p["cell"] == "mixed" or checked >= 2:
                continue
            lr, y = Fraction(p["lr"]), Fraction(p["y"])
            for f_lr, f_y in ((1.0, 1.0), (-1.0, 1.0)):
                i, j = lrs.index(lr), ys.index(y)
                nlr = lrs[i + 1] if i + 1 < len(lrs) else lrs[i - 1]
                ny = ys[j + 1] if j + 1 < len(ys) else ys[j - 1]
                lr_in = float(lr) * (float(nlr) / float(lr)) ** (0.3 * f_lr)
                y_in = float(y) * (float(ny) / float(y)) ** (0.3 * f_y)
                # Stay inside the range: toward the neighbour for f = 1; the other way only from an interior point.
                if not (float(lrs[0]) <= lr_in <= float(lrs[-1]) and float(ys[0]) <= y_in <= float(ys[-1])):
                    continue
                got = self.phase("--k", "1", "--snr", f"{y_in:.9f}", "--lr", f"{lr_in:.9f}", "--digits", "16")
                self.assertEqual(got["phase"], p["cell"], (p, lr_in, y_in))
                checked += 1
        self.assertGreater(checked, 0)
        for a, b in zip(docs["1"]["points"], docs["-1"]["points"]):
            self.assertEqual(a["phase"], b["phase"])
            self.assertEqual(a["lambda_plus"]["lower"], b["lambda_plus"]["lower"])
        rc, out, err = run("phase", "--k", "-1", "--lr", "0.1", "--json")
        self.assertEqual(rc, 0, err)
        neg = json.loads(out)
        rc, out, err = run("phase", "--k", "1", "--lr", "0.1", "--json")
        pos = json.loads(out)
        self.assertEqual(neg["phase"], "Ib")
        self.assertEqual(neg["phase"], pos["phase"])
        self.assertEqual(neg["lambda_plus"], pos["lambda_plus"])

    def test_bad_input(self):
        for args in (["--lr", "0"], ["--lr", "1", "--k", "0"], ["--lr", "1", "--snr", "0.5"],
                     ["--lr", "1", "--sigma", "-1"], ["--lr", "1", "--sigma", "1", "--snr", "0.1"],
                     ["--lr", "1", "--model", "nosuch"], ["--lr", "1", "--data", "/nonexistent.csv"],
                     ["--lr", "1", "--batch", "0"]):
            rc, out, err = run("phase", *args)
            self.assertEqual(rc, 2, (args, out, err))
            self.assertTrue(err.startswith("lyapcert:"), err)
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("x,y\n1,2\n3,abc\n")
        rc, _, err = run("phase", "--lr", "1", "--data", f.name)
        os.unlink(f.name)
        self.assertEqual(rc, 2)
        self.assertIn(":3:", err)  # the line number of the bad row


class DiagonalCli(unittest.TestCase):
    """phase --model diagonal: per-coordinate certified pairs (MODEL-DIAG-1) and the surviving fraction."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SCHEMAS, "phase.schema.json")) as f:
            cls.validator = jsonschema.Draft202012Validator(json.load(f))

    def check_schema(self, doc):
        errors = list(self.validator.iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))

    def test_diagonal_model(self):
        # beta = (3, 4), sigma = 0: coordinate 1 is xy(3, 4), coordinate 2 is xy(4, 3) (sigma_i^2 =
        # |beta|^2 - beta_i^2 + sigma^2 computed here), so each must equal `phase --k beta_i --sigma sigma_i`.
        for lr in ("0.05", "0.6"):
            rc, out, err = run("phase", "--json", "--model", "diagonal", "--beta", "3,4", "--sigma", "0", "--lr", lr,
                               "--digits", "8")
            self.assertIn(rc, (0, 3), err)
            d = json.loads(out)
            self.check_schema(d)
            beta = [Fraction(b) for b in d["beta"]]
            self.assertEqual(beta, [3, 4])
            surviving, undetermined = 0, []
            for i, c in enumerate(d["coordinates"]):
                self.assertEqual(c["coordinate"], i + 1)
                s2 = sum(b * b for b in beta) - beta[i] ** 2
                self.assertEqual(Fraction(c["sigma2"]), s2)
                sigma = {16: "4", 9: "3"}[s2]
                rc, out, err = run("phase", "--json", "--k", str(beta[i]), "--sigma", sigma, "--lr", lr, "--digits", "8")
                self.assertIn(rc, (0, 3), err)
                e = json.loads(out)
                self.assertEqual(c["lambda_plus"], e["lambda_plus"])
                self.assertEqual(c["lambda_minus"], e["lambda_minus"])
                self.assertEqual(c["l2_wrong_direction_stable"], e["l2_wrong_direction_stable"])
                self.assertEqual(c["phase"], e["phase"])
                signs = (c["lambda_plus"]["sign"], c["lambda_minus"]["sign"])
                if "positive" in signs:
                    self.assertEqual(c["survives"], "yes")
                    surviving += 1
                elif all(x in ("negative", "zero") for x in signs):
                    self.assertEqual(c["survives"], "no")
                else:
                    self.assertEqual(c["survives"], "undetermined")
                    undetermined.append(i + 1)
            self.assertEqual(d["surviving"], surviving)
            self.assertEqual(d["undetermined_coordinates"], undetermined)
            if not undetermined:
                self.assertEqual(Fraction(d["surviving_fraction"]), Fraction(surviving, 2))
            self.assertEqual(Fraction(d["surviving_fraction_bounds"]["lower"]), Fraction(surviving, 2))
            self.assertEqual(Fraction(d["surviving_fraction_bounds"]["upper"]),
                             Fraction(surviving + len(undetermined), 2))
        # Text output names the fraction.
        rc, out, err = run("phase", "--model", "diagonal", "--beta", "2,0", "--sigma", "0.1", "--lr", "0.01",
                           "--digits", "6")
        self.assertEqual(rc, 0, err)
        self.assertIn("surviving fraction: 1/2 = 1/2", out)
        self.assertIn("coordinate 2: xy(k = 0, sigma^2 = 401/100)", out)

    def test_diagonal_bad_input(self):
        for args in (["--beta", ""], ["--beta", "0,0"], ["--beta", "1,,2"], ["--beta", "1", "--sigma", "-1"],
                     ["--beta", "1", "--k", "2"], ["--beta", "1", "--snr", "0.1"],
                     ["--beta", "1", "--data", "/nonexistent.csv"], ["--beta", "1", "--replace", "false"], []):
            full = ["phase", "--model", "diagonal", "--lr", "1", *args]
            rc, out, err = run(*full)
            self.assertEqual(rc, 2, (full, out, err))
            self.assertTrue(err.startswith("lyapcert:"), err)
        rc, out, err = run("phase", "--model", "diagonal", "--beta", "1", "--lr", "0")
        self.assertEqual(rc, 2, err)
        rc, out, err = run("phase", "--lr", "1", "--beta", "1,2")  # --beta without --model diagonal
        self.assertEqual(rc, 2, err)
        self.assertIn("diagonal", err)


def minibatch_atoms(h, S):
    """Atoms of the mean of S draws with replacement from the uniform law on h (exact Fractions)."""
    atoms = {Fraction(0)}
    for _ in range(S):
        atoms = {a + b for a in atoms for b in h}
    return {a / S for a in atoms}


def spikes(h, S, gamma, lo, hi):
    """MODEL-SPIKE-1 in Python fractions: lr = 1/(gamma - s h_j) (Lambda_+), 1/(gamma + s h_j) (Lambda_-)."""
    s = -1 if sum(h) < 0 else 1
    plus, minus = set(), set()
    for a in minibatch_atoms(h, S):
        for sign, out in ((-1, plus), (1, minus)):
            den = gamma + sign * s * a
            if den > 0 and lo <= 1 / den <= hi:
                out.add(1 / den)
    return sorted(plus), sorted(minus)


class FiniteDataDiagramCli(unittest.TestCase):
    """phase-diagram --data / --data-sample: lr x batch, labels equal `phase` (phase_at) at every point,
    spikes equal the exact rationals of MODEL-SPIKE-1."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SCHEMAS, "phase-diagram.schema.json")) as f:
            cls.validator = jsonschema.Draft202012Validator(json.load(f))

    def diagram(self, tmp, name, *args):
        prefix = os.path.join(tmp, name)
        rc, out, err = run("phase-diagram", "--out", prefix, *args)
        self.assertEqual(rc, 0, err)
        doc = json.load(open(prefix + ".json"))
        errors = list(self.validator.iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        return prefix, doc

    def test_data_file_labels_and_spikes(self):
        data = [("1", "1/2"), ("-0.5", "1"), ("2", "1.5"), ("1/3", "-1")]
        h = [Fraction(x) * Fraction(y) for x, y in data]
        gamma, lo, hi = Fraction(1, 10), Fraction(1, 10), Fraction(10)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "d.csv")
            with open(path, "w") as f:
                f.write("x,y\n" + "".join(f"{x},{y}\n" for x, y in data))
            prefix, doc = self.diagram(tmp, "fd", "--data", path, "--gamma", "0.1", "--lr-range", "1/10:10",
                                       "--batch-range", "1:2", "--grid", "5x1", "--digits", "6")
            self.assertEqual(doc["y_axis"], "batch")
            self.assertEqual(doc["data"], 4)
            self.assertEqual(doc["y_grid"], ["1", "2"])
            self.assertEqual(len(doc["points"]), 10)
            for p in doc["points"]:
                rc, out, err = run("phase", "--json", "--data", path, "--gamma", "0.1", "--batch", p["y"], "--lr",
                                   p["lr"], "--digits", "6")
                self.assertIn(rc, (0, 3), err)
                e = json.loads(out)
                self.assertEqual(p["phase"], e["phase"], p)
                self.assertEqual(p["lambda_plus"]["sign"], e["lambda_plus"]["sign"], p)
                self.assertEqual(p["lambda_minus"]["sign"], e["lambda_minus"]["sign"], p)
                self.assertEqual(p["l2_wrong_direction_stable"], e["l2_wrong_direction_stable"], p)
            for S in (1, 2):
                plus, minus = spikes(h, S, gamma, lo, hi)
                got_p = [Fraction(x["lr"]) for x in doc["spikes"]["lambda_plus"] if x["y"] == str(S)]
                got_m = [Fraction(x["lr"]) for x in doc["spikes"]["lambda_minus"] if x["y"] == str(S)]
                self.assertEqual(got_p, plus, S)
                self.assertEqual(got_m, minus, S)
                self.assertTrue(plus and minus, S)  # the example has spikes of both kinds in range
            self.assertFalse(doc["spikes"]["truncated"])
            # At a spike the exponent is exactly -inf: `phase` agrees.
            sp = doc["spikes"]["lambda_plus"][0]
            rc, out, err = run("phase", "--json", "--data", path, "--gamma", "0.1", "--batch", sp["y"], "--lr",
                               sp["lr"], "--digits", "6")
            self.assertEqual(json.loads(out)["lambda_plus"]["lower"], "-inf")

    def test_data_sample_and_rejections(self):
        with tempfile.TemporaryDirectory() as tmp:
            prefix, doc = self.diagram(tmp, "ds", "--data-sample", "20", "--seed", "3", "--batch-range", "1:2",
                                       "--lr-range", "1/10:4", "--grid", "3x1", "--digits", "5")
            self.assertEqual(doc["data_file"], prefix + "-data.csv")
            rows = [r for r in open(prefix + "-data.csv").read().split("\n")[1:] if r]
            self.assertEqual(len(rows), 20)
            h = [Fraction(a) * Fraction(b) for a, b in (r.split(",") for r in rows)]
            plus, minus = spikes(h, 1, Fraction(0), Fraction(1, 10), Fraction(4))
            self.assertEqual([Fraction(x["lr"]) for x in doc["spikes"]["lambda_plus"] if x["y"] == "1"], plus)
            self.assertEqual([Fraction(x["lr"]) for x in doc["spikes"]["lambda_minus"] if x["y"] == "1"], minus)
            # The same seed gives the same data as `phase --data-sample`.
            rc, out, err = run("phase", "--json", "--lr", "1", "--data-sample", "20", "--seed", "3", "--out",
                               os.path.join(tmp, "ph"))
            self.assertEqual(rc, 0, err)
            self.assertEqual(open(os.path.join(tmp, "ph-data.csv")).read(), open(prefix + "-data.csv").read())
            for args in (["--data", prefix + "-data.csv", "--snr-range", "0.1:0.2"],
                         ["--data", prefix + "-data.csv", "--sigma-range", "1:2"],
                         ["--data-sample", "10", "--snr-range", "0.1:0.2"],
                         ["--data", prefix + "-data.csv", "--cells"],
                         ["--data", prefix + "-data.csv", "--sigma", "2"]):
                rc, out, err = run("phase-diagram", "--out", os.path.join(tmp, "bad"), "--grid", "2x1", *args)
                self.assertEqual(rc, 2, (args, out, err))
                self.assertTrue(err.startswith("lyapcert:"), err)
            rc, out, err = run("phase-diagram", "--out", os.path.join(tmp, "bad"), "--data", prefix + "-data.csv",
                               "--snr-range", "0.1:0.2")
            self.assertIn("batch", err)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    args, rest = ap.parse_known_args()
    CLI, SCHEMAS = args.cli, args.schemas
    unittest.main(argv=[sys.argv[0], *rest])
