#!/usr/bin/env python3
"""End-to-end tests of `lyapcert simulate` and `lyapcert check`: JSON validated against
docs/schema/simulate.schema.json and check.schema.json, outcome counts that add up, the same output
for 1 and 2 threads, a one-point dataset whose linearised growth rate is log(1 + lr) exactly, the
certified prediction of `check` compared with `phase` (same exponents, same label), the binomial
p-value recomputed here with exact Fractions, sampled data reused via --data, bad input -> exit 2.
usage: sim_test.py --cli PATH/TO/lyapcert --schemas DIR
"""
import argparse, json, math, os, subprocess, sys, tempfile, unittest
from fractions import Fraction

import jsonschema

CLI = SCHEMAS = None


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=240)
    return p.returncode, p.stdout, p.stderr


def binom_tail(k, n, q):
    """P(Bin(n, q) >= k), exactly in rationals (q a Fraction)."""
    return sum(Fraction(math.comb(n, j)) * q ** j * (1 - q) ** (n - j) for j in range(k, n + 1))


class SimCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.validators = {}
        for name in ("simulate", "check", "phase"):
            with open(os.path.join(SCHEMAS, f"{name}.schema.json")) as f:
                cls.validators[name] = jsonschema.Draft202012Validator(json.load(f))

    def doc(self, command, *args, rc_want=0):
        rc, out, err = run(command, "--json", *args)
        self.assertEqual(rc, rc_want, err)
        d = json.loads(out)
        errors = list(self.validators[command].iter_errors(d))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        return d

    def test_simulate_counts_and_threads(self):
        for model in (["--model", "twolayer", "--width", "2", "--batch", "3"],
                      ["--model", "tanh", "--width", "2"],
                      ["--model", "diagonal", "--beta", "1,-1/2", "--sigma", "1"],
                      ["--model", "vector", "--dim", "3", "--out-dim", "2", "--width", "2"]):
            args = [*model, "--lr", "0.2", "--steps", "2000", "--runs", "9", "--seed", "5", "--per-run"]
            one = self.doc("simulate", *args, "--threads", "1")
            two = self.doc("simulate", *args, "--threads", "2")
            self.assertEqual(one["summary"], two["summary"])
            self.assertEqual(one["per_run"], two["per_run"])
            s = one["summary"]
            self.assertEqual(s["collapsed"] + s["escaped"] + s["diverged"] + s["undecided"], 9)
            self.assertEqual(sum(s["rank_histogram"]), 9)
            self.assertEqual([r["run"] for r in one["per_run"]], list(range(9)))
            self.assertEqual(s["reached_escape"], sum(r["reached_escape"] for r in one["per_run"]))

    def test_one_point_linearised_growth_is_log_one_plus_lr(self):
        # Data (x, y) = (1, 1): h = 1 exactly; the linearised u = w component grows by 1 + lr per step.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "one.csv")
            with open(path, "w") as f:
                f.write("x,y\n1,1\n")
            d = self.doc("simulate", "--data", path, "--lr", "1/4", "--steps", "50", "--runs", "3", "--init", "plus",
                         "--linearised", "--init-scale", "1e-6", "--escape-above", "1e300", "--per-run")
            for r in d["per_run"]:
                self.assertEqual(r["outcome"], "undecided")
                self.assertAlmostEqual(r["growth_rate"], math.log(1.25), places=12)

    def test_check_matches_phase_and_pvalue(self):
        d = self.doc("check", "--lr", "0.05", "--snr", "0.02", "--runs", "60", "--seed", "3")
        ph = self.doc("phase", "--lr", "0.05", "--snr", "0.02", "--digits", "4")
        self.assertEqual(d["predicted"]["phase"], ph["phase"])
        self.assertEqual(d["predicted"]["phase"], "III")
        for key in ("lambda_plus", "lambda_minus"):
            self.assertEqual(d["predicted"][key]["sign"], ph[key]["sign"])
            # The two enclosures overlap (both are certified).
            self.assertLessEqual(Fraction(d["predicted"][key]["lower"]), Fraction(ph[key]["upper"]))
            self.assertLessEqual(Fraction(ph[key]["lower"]), Fraction(d["predicted"][key]["upper"]))
        self.assertEqual(d["predicted"]["outcome"], "collapse")
        s = d["simulated"]
        self.assertEqual(s["runs"], 60)
        # Every run that did not collapse is a failure of the collapse prediction.
        self.assertEqual(s["failures"], 60 - s["collapsed"])
        want = binom_tail(s["failures"], 60, Fraction(1, 1000))
        self.assertAlmostEqual(d["p_value"], float(want), delta=1e-9 * float(want) + 1e-300)
        self.assertEqual(d["agree"], d["p_value"] > 1e-6)
        self.assertEqual(d["verdict"], "agree" if d["agree"] else "disagree")
        self.assertLessEqual(d["plan"]["rigorous_failure_bound"], 1e-3)
        self.assertTrue(d["plan"]["time_bound_rigorous"])

    def test_check_noiseless_data_at_lr_gamma_one_proves_escape_time(self):
        # sigma = 0 and lr gamma = 1: the multipliers are +-lr h_B, an xy moment with a = 0 exactly (CONT-XY-NEG-3).
        # Before that closed form the negative moments were indeterminate and this check ended in an internal error.
        d = self.doc("check", "--k", "100", "--sigma", "0", "--gamma", "10", "--lr", "1/10", "--batch", "2",
                     "--runs", "40", "--seed", "3")
        self.assertEqual(d["predicted"]["outcome"], "escape")
        self.assertTrue(d["plan"]["time_bound_rigorous"])
        self.assertEqual(d["plan"]["sizing"], "proved")
        self.assertLessEqual(d["plan"]["rigorous_failure_bound"], 1e-3 * (1 + 1e-9))
        self.assertTrue(d["agree"], d["simulated"]["failure_examples"])

    def test_check_escape_phase_and_diagonal(self):
        d = self.doc("check", "--lr", "0.1", "--runs", "40")
        self.assertEqual(d["predicted"]["phase"], "Ib")
        self.assertEqual(d["predicted"]["outcome"], "escape")
        # A wrong sign at escape is a failure of the phase-I prediction (SIM-LUNDBERG-1).
        self.assertLessEqual(d["simulated"]["incorrect_sign"], d["simulated"]["failures"])
        self.assertTrue(d["agree"], d["simulated"]["failure_examples"])
        dg = self.doc("check", "--model", "diagonal", "--beta", "1,-1", "--sigma", "1", "--lr", "0.1", "--runs", "20")
        self.assertEqual(len(dg["predicted"]["lambda_plus"]), 2)
        self.assertEqual(len(dg["predicted"]["unit_phases"]), 2)
        # beta_2 < 0: the u = -w direction is the correct one for coordinate 2.
        self.assertEqual(dg["predicted"]["plus_is_correct"], [True, False])

    def test_check_vector_statistical(self):
        # The vector model's prediction is statistical (proofs/sim/vector.md, SIM-VEC-MC-1).
        d = self.doc("check", "--model", "vector", "--dim", "2", "--out-dim", "2", "--width", "2", "--lr", "0.1",
                     "--runs", "30", "--seed", "4", "--predict-steps", "4000")
        p = d["predicted"]
        self.assertEqual(p["guarantee"], "statistical")
        self.assertEqual((p["seed"], p["steps"], p["level"]), (4, 4000, 1 - 1e-6))
        t = p["lambda_top"]
        self.assertLess(t["lower"], t["estimate"])
        self.assertLess(t["estimate"], t["upper"])
        self.assertEqual(t["sign"], "positive" if t["lower"] > 0 else "negative" if t["upper"] < 0 else "undetermined")
        self.assertEqual(p["outcome"], "escape")
        self.assertEqual(p["phase"], "unstable")
        self.assertEqual(d["plan"]["sizing"], "heuristic")
        self.assertEqual(d["simulated"]["failures"], 30 - d["simulated"]["reached_escape"])
        self.assertEqual(d["verdict"], "agree" if d["agree"] else "disagree")
        # The certified models say "certified".
        c = self.doc("check", "--lr", "0.1", "--runs", "10")
        self.assertEqual(c["predicted"]["guarantee"], "certified")
        # Too few replicates: the interval contains 0, no verdict (exit 3).
        # (--dim 2 --batch 2: a case lyapnd does not decide, so the statistical prediction is used.)
        u = self.doc("check", "--model", "vector", "--dim", "2", "--batch", "2", "--lr", "0.1", "--runs", "10",
                     "--predict-reps", "2",
                     "--predict-steps", "16", rc_want=3)
        self.assertEqual(u["predicted"]["outcome"], "undetermined")
        self.assertEqual(u["verdict"], "undetermined")
        rc, out, err = run("check", "--model", "vector", "--dim", "2", "--batch", "2", "--lr", "0.1", "--runs", "10",
                           "--predict-steps", "2000")
        self.assertEqual(rc, 0, err)
        self.assertIn("statistical, not certified", out)

    def test_check_undetermined_exit_3(self):
        # Far too small a step budget for phase III: no verdict, exit status 3.
        d = self.doc("check", "--lr", "0.05", "--snr", "0.02", "--runs", "10", "--max-steps", "10", rc_want=3)
        self.assertEqual(d["verdict"], "undetermined")
        self.assertFalse(d["plan"]["feasible"])
        self.assertTrue(d["plan"]["why"])

    def test_sampled_data_reused(self):
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "s")
            a = self.doc("simulate", "--data-sample", "20", "--data-seed", "4", "--out", prefix, "--lr", "0.1",
                         "--steps", "500", "--runs", "4", "--per-run")
            b = self.doc("simulate", "--data", prefix + "-data.csv", "--lr", "0.1", "--steps", "500", "--runs", "4",
                         "--per-run")
            self.assertEqual(a["per_run"], b["per_run"])
            self.assertEqual(a["model"]["data"], 20)

    def test_text_output(self):
        rc, out, err = run("simulate", "--lr", "0.1", "--steps", "300", "--runs", "5")
        self.assertEqual(rc, 0, err)
        self.assertIn("escaped", out)
        self.assertIn("growth rate", out)
        rc, out, err = run("check", "--lr", "0.1", "--runs", "20")
        self.assertEqual(rc, 0, err)
        self.assertIn("verdict: agree", out)

    def test_bad_input(self):
        for cmd, args in (("simulate", ["--lr", "0"]), ("simulate", ["--lr", "0.1", "--model", "relu"]),
                          ("simulate", ["--lr", "0.1", "--width", "0"]),
                          ("simulate", ["--lr", "0.1", "--collapse-below", "2"]),
                          ("simulate", ["--lr", "0.1", "--runs", "0"]),
                          ("simulate", ["--lr", "0.1", "--init", "sideways"]),
                          ("simulate", ["--lr", "0.1", "--model", "diagonal"]),
                          ("simulate", ["--lr", "0.1", "--model", "diagonal", "--beta", "1,0"]),
                          ("simulate", ["--lr", "0.1", "--beta", "1"]),
                          ("simulate", ["--lr", "0.1", "--model", "vector", "--data", "/nonexistent.csv"]),
                          ("simulate", ["--lr", "0.1", "--data", "/nonexistent.csv"]),
                          ("simulate", ["--lr", "abc"]),
                          ("check", ["--lr", "0.1", "--model", "vector", "--predict-reps", "1"]),
                          ("check", ["--lr", "0.1", "--predict-steps", "100"]),
                          ("check", ["--lr", "0.1", "--delta", "2"]),
                          ("check", ["--lr", "0.1", "--k", "0"])):
            rc, out, err = run(cmd, *args)
            self.assertEqual(rc, 2, (cmd, args, out, err))
            self.assertTrue(err.startswith("lyapcert:"), err)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    args, rest = ap.parse_known_args()
    CLI, SCHEMAS = args.cli, args.schemas
    unittest.main(argv=[sys.argv[0], *rest])
