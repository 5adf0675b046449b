#!/usr/bin/env python3
"""End-to-end tests of `lyapcert phase-diagram --model vector` and of `check --model vector`'s certified branch:
every grid point equals a single `phase --model vector` call and `lyapnd --law 'vector(...)'` at the same exact
parameters (same enclosure, same label); JSON validated against docs/schema/phase-diagram-vector.schema.json and
check.schema.json; the CSV agrees with the JSON; --time-budget gives a partial diagram (exit 3); bad input exit 2.
`check --model vector` reports guarantee "certified" where lyapnd decides the sign (even when the Monte Carlo
interval does not) and "statistical" where it does not.
usage: vector_diagram_test.py --cli PATH/TO/lyapcert --schemas DIR
"""
import argparse, csv, json, os, signal, subprocess, sys, tempfile, time, unittest
from fractions import Fraction

import jsonschema

CLI = SCHEMAS = None


def run(*args, timeout=240):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def validator(name):
    with open(os.path.join(SCHEMAS, name)) as f:
        return jsonschema.Draft202012Validator(json.load(f))


class VectorDiagram(unittest.TestCase):
    def diagram(self, tmp, *args, rc_want=0):
        prefix = os.path.join(tmp, "v")
        rc, out, err = run("phase-diagram", "--model", "vector", "--out", prefix, "--digits", "3", *args)
        self.assertEqual(rc, rc_want, err)
        with open(prefix + ".json") as f:
            doc = json.load(f)
        errors = list(validator("phase-diagram-vector.schema.json").iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        with open(prefix + ".csv") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), len(doc["points"]))
        for r, p in zip(rows, doc["points"]):
            self.assertEqual((r["lr"], r["sigma2"], r["phase"]), (p["lr"], p["sigma2"], p["phase"]))
            self.assertEqual((r["lambda_lower"], r["lambda_upper"]), (p["lambda_top"]["lower"], p["lambda_top"]["upper"]))
        self.assertTrue(os.path.getsize(prefix + ".png") > 1000)
        self.assertFalse([n for n in os.listdir(tmp) if n.endswith(".tmp")])
        return doc, out

    def test_diagram_matches_phase_and_lyapnd(self):
        # q = d = 2 (LYAPND-VEC-7, -8) on a 2 x 2 sigma grid where the determinant bound decides, and q = 1, d = 2
        # (LYAPND-VEC-5) at two learning rates.
        with tempfile.TemporaryDirectory() as tmp:
            for q, d, extra in (("2", "2", ["--lr-range", "1/2:2", "--sigma-range", "3:5", "--grid", "2x2"]),
                                ("1", "2", ["--lr-range", "1:2", "--sigma-range", "3:4", "--grid", "2x1"])):
                doc, out = self.diagram(tmp, "--out-dim", q, "--dim", d, *extra, "--jobs", "2")
                self.assertTrue(doc["complete"])
                self.assertEqual((doc["out_dim"], doc["dim"], doc["y_axis"]), (int(q), int(d), "sigma"))
                counts = doc["counts"]
                self.assertEqual(sum(counts.values()), len(doc["points"]))
                self.assertIn(f"{counts['escape']} escape", out)
                for p in doc["points"]:
                    # sigma^2 = y^2 exactly
                    self.assertEqual(Fraction(p["sigma2"]), Fraction(p["y"]) ** 2)
                    self.assertEqual(p["phase"], "escape", p)
                    self.assertGreater(Fraction(p["lambda_top"]["lower"]), 0)
                    rc, o, e = run("phase", "--model", "vector", "--out-dim", q, "--dim", d, "--lr", p["lr"],
                                   "--sigma", p["y"], "--digits", "3", "--json")
                    self.assertEqual(rc, 0, e)
                    single = json.loads(o)
                    self.assertEqual(single["phase"], p["phase"])
                    self.assertEqual(single["lambda_top"], p["lambda_top"])
                    rc, o, e = run("lyapnd", "--law", f"vector({q}, {d}, {p['lr']}, 1, {p['y']})", "--digits", "3",
                                   "--json")
                    nd = json.loads(o)
                    self.assertEqual(nd["sign"], "positive")
                    self.assertEqual(nd["enclosure"]["lower"], p["lambda_top"]["lower"])

    def test_snr_axis_and_collapse(self):
        # Weight decay gamma = 4, lr <= 1/10: g(2)/2 < 0 (LYAPND-VEC-3), so collapse is certified; the SNR axis
        # maps y to sigma^2 = k^2 (1/y - 2) exactly.
        with tempfile.TemporaryDirectory() as tmp:
            doc, _ = self.diagram(tmp, "--out-dim", "2", "--dim", "2", "--gamma", "4", "--lr-range", "1/20:1/10",
                                  "--snr-range", "1/5:2/5", "--grid", "2x2")
            self.assertEqual(doc["y_axis"], "snr")
            self.assertEqual(doc["batch"], 1)
            for p in doc["points"]:
                self.assertEqual(Fraction(p["sigma2"]), 1 / Fraction(p["y"]) - 2)
                self.assertEqual(p["phase"], "collapse", p)
                self.assertLess(Fraction(p["lambda_top"]["upper"]), 0)
            self.assertEqual(doc["counts"]["collapse"], 4)

    def test_undetermined_and_partial(self):
        with tempfile.TemporaryDirectory() as tmp:
            # batch 2: no lower bound, positive upper bound at gamma = 0 -> undetermined, lower "-inf", exit 0.
            doc, _ = self.diagram(tmp, "--out-dim", "2", "--dim", "2", "--batch-range", "2:4", "--sigma", "3",
                                  "--lr-range", "1/2:1", "--grid", "2x1")
            self.assertEqual(doc["y_axis"], "batch")
            self.assertEqual(doc["sigma2"], "9")
            self.assertEqual([p["batch"] for p in doc["points"]], [2, 2, 4, 4])
            for p in doc["points"]:
                self.assertEqual(p["phase"], "undetermined")
                self.assertEqual(p["lambda_top"]["lower"], "-inf")
                self.assertTrue(p["upper_bound_only"])
            # A whole-command budget far below what the grid needs: partial diagram, complete false, exit 3.
            doc, _ = self.diagram(tmp, "--out-dim", "1", "--dim", "2", "--lr-range", "1/100:1/50", "--grid", "6x2",
                                  "--jobs", "1", "--time-budget", "0.5", rc_want=3)
            self.assertFalse(doc["complete"])
            self.assertLess(len(doc["points"]), 12)

    def test_sigint_writes_nothing(self):
        # SIGINT mid-sweep: exit 130 within a few seconds, "interrupted after N of M grid points", the old CSV kept,
        # no other output and no temporary file.
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "s")
            with open(prefix + ".csv", "w") as f:
                f.write("old\n")
            p = subprocess.Popen([CLI, "phase-diagram", "--model", "vector", "--out-dim", "1", "--dim", "2",
                                  "--lr-range", "1/100:1/20", "--grid", "20x10", "--jobs", "1", "--out", prefix],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1.5)
            t0 = time.monotonic()
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 130, err)
            self.assertLess(time.monotonic() - t0, 20)
            self.assertIn("interrupted after", err)
            with open(prefix + ".csv") as f:
                self.assertEqual(f.read(), "old\n")
            self.assertEqual(sorted(os.listdir(tmp)), ["s.csv"])

    def test_bad_input(self):
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "b")
            base = ["phase-diagram", "--model", "vector", "--out", prefix, "--grid", "2x1"]
            for args, msg in ((["--out-dim", "3", "--dim", "2"], "q + d <= 4"),
                              (["--cells"], "--cells"),
                              (["--sigma", "2"], "--sigma / --snr fix the noise for --batch-range only"),
                              (["--point-time-budget", "0"], "--point-time-budget"),
                              (["--snr-range", "1/10:1/2"], "(0, 1/2)"),
                              (["--replace", "false"], "do not apply to --model vector"),
                              (["--lr-range", "2:1"], "0 < LOW < HIGH")):
                rc, out, err = run(*base, *args)
                self.assertEqual(rc, 2, (args, err))
                self.assertIn(msg, err)
                self.assertFalse(os.listdir(tmp), args)
            rc, _, err = run("phase-diagram", "--out", prefix, "--dim", "2", "--grid", "2x1")
            self.assertEqual(rc, 2, err)
            self.assertIn("--dim, --out-dim and --width are for --model vector", err)
            rc, _, err = run("phase-diagram", "--out", prefix, "--point-time-budget", "3", "--grid", "2x1")
            self.assertEqual(rc, 2, err)
            self.assertIn("--point-time-budget is for --model vector", err)


class CheckVector(unittest.TestCase):
    def doc(self, *args, rc_want=0):
        rc, out, err = run("check", "--json", *args)
        self.assertEqual(rc, rc_want, err)
        d = json.loads(out)
        errors = list(validator("check.schema.json").iter_errors(d))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        return d

    def test_certified_branch(self):
        # q = d = 2, lr = 1/2, sigma = 3: lyapnd certifies Lambda > 0; with 2 replicates of 16 steps the Monte Carlo
        # interval cannot decide, yet the prediction is decided (certified) and the check runs.
        base = ["--model", "vector", "--dim", "2", "--out-dim", "2", "--lr", "1/2", "--sigma", "3", "--runs", "20"]
        d = self.doc(*base, "--predict-reps", "2", "--predict-steps", "16")
        p = d["predicted"]
        self.assertEqual(p["guarantee"], "certified")
        self.assertEqual(p["certified_lambda_top"]["sign"], "positive")
        self.assertEqual(p["outcome"], "escape")
        self.assertEqual(p["phase"], "unstable")
        self.assertEqual(p["lambda_top"]["sign"], "undetermined")  # the Monte Carlo estimate as computed
        self.assertTrue(d["plan"]["feasible"])
        self.assertIn(d["verdict"], ("agree", "disagree"))
        _, o, _ = run("lyapnd", "--law", "vector(2, 2, 1/2, 1, 3)", "--digits", "4", "--json")
        self.assertEqual(json.loads(o)["enclosure"], p["certified_lambda_top"])
        rc, out, err = run("check", *base, "--predict-steps", "2000")
        self.assertEqual(rc, 0, err)
        self.assertIn("predicted (certified): phase unstable", out)
        self.assertIn("only sizes the runs", out)
        # Collapse certified with weight decay (g(2)/2 < 0).
        c = self.doc("--model", "vector", "--dim", "2", "--out-dim", "2", "--lr", "1/10", "--gamma", "4", "--runs", "10")
        self.assertEqual(c["predicted"]["guarantee"], "certified")
        self.assertEqual(c["predicted"]["outcome"], "collapse")

    def test_statistical_branch(self):
        # batch 2: lyapnd certifies only the (positive) upper bound, so the statistical prediction decides.
        d = self.doc("--model", "vector", "--dim", "2", "--out-dim", "2", "--batch", "2", "--lr", "1/2", "--sigma",
                     "3", "--runs", "10", "--predict-steps", "2000")
        p = d["predicted"]
        self.assertEqual(p["guarantee"], "statistical")
        self.assertEqual(p["certified_lambda_top"]["lower"], "-inf")
        self.assertEqual(p["certified_lambda_top"]["sign"], "undetermined")
        self.assertEqual(p["outcome"], "escape" if p["lambda_top"]["sign"] == "positive" else p["outcome"])
        rc, _, err = run("check", "--lr", "0.1", "--certify-time-budget", "5", "--runs", "10")
        self.assertEqual(rc, 2, err)
        self.assertIn("--certify-time-budget is for the vector model only", err)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    a, rest = ap.parse_known_args()
    CLI, SCHEMAS = a.cli, a.schemas
    unittest.main(argv=[sys.argv[0]] + rest)
