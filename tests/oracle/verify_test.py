#!/usr/bin/env python3
"""End-to-end tests of `lyapcert verify` (docs/oracle.md): crafted consistent and inconsistent rows whose
truth is known independently (closed forms evaluated with Python's math module, far from the crafted
claims), exit statuses 0 / 3 / 4 / 2, line numbers in messages, every JSON output validated against
docs/schema/verify.schema.json, and the worked example of docs/oracle.md (a biased numpy estimator flagged,
a correct one passing; deterministic seeds, so no flakes).

usage: verify_test.py --cli PATH/TO/lyapcert --schemas DIR --examples DIR [unittest args]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import jsonschema

CLI = SCHEMAS = EXAMPLES = None
EULER_GAMMA = 0.57721566490153286061


def run(*args, cwd=None):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=120)
    return p.returncode, p.stdout, p.stderr


class VerifyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SCHEMAS, "verify.schema.json")) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        cls.validator = jsonschema.Draft202012Validator(schema)
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def verify_json(self, path, *extra, expect):
        code, out, err = run("verify", "--against", path, "--json", *extra)
        self.assertEqual(code, expect, f"stdout: {out}\nstderr: {err}")
        doc = json.loads(out)
        errors = list(self.validator.iter_errors(doc))
        self.assertFalse(errors, "schema violations: " + "; ".join(e.message for e in errors))
        return doc

    def verdicts(self, doc):
        return [(r["line"], r["verdict"]) for r in doc["rows"]]

    # ---- lyap1d -------------------------------------------------------------------------------------
    def test_lyap1d_crafted_rows(self):
        # Lambda(1) of atoms(-1:1/3, 1/2:2/3) = -(log 2)/3; atoms(-1, 1/2) at lr = 1 is exactly 0;
        # h ~ N(1, 1) at lr = 1: -(gamma + log 2)/2 (docs/math.md section 6).
        t = -math.log(2) / 3
        g = -(EULER_GAMMA + math.log(2)) / 2
        path = self.write("lyap1d.csv", "\n".join([
            "# crafted rows: line numbers below are file lines",
            "law,lr,value,stderr,note",
            f'"atoms(-1:1/3, 1/2:2/3)",1,{t + 2e-7!r},1e-7,two sigma: consistent',
            f'"atoms(-1:1/3, 1/2:2/3)",1,{t + 1e-4!r},1e-6,100 sigma: inconsistent',
            '"atoms(-1, 1/2)",1,0,,exact zero as a bare value',
            f'"normal(1, 1)",1,{g!r},1e-12,closed form',
            f'"normal(1, 1)",1,{g + 1e-3!r},,bare value off by 1e-3',
            '"atoms(2, -1)",0.5,-inf,,exactly -inf',
            '"atoms(2, -1)",0.5,nan,,NaN claim',
        ]) + "\n")
        doc = self.verify_json(path, "--sigmas", "5", expect=4)
        self.assertEqual(self.verdicts(doc), [(3, "consistent"), (4, "inconsistent"), (5, "consistent"),
                                              (6, "consistent"), (7, "inconsistent"), (8, "consistent"),
                                              (9, "inconsistent")])
        self.assertEqual(doc["ignored_columns"], ["note"])
        self.assertEqual(doc["quantity"], "lyap1d")
        self.assertEqual(doc["summary"], {"rows": 7, "consistent": 4, "inconsistent": 3, "undetermined": 0})
        miss = doc["rows"][1]["miss"]
        self.assertAlmostEqual(float(miss["error_bars"]), 100.0, delta=1e-3)
        self.assertIsNone(doc["rows"][4]["miss"]["error_bars"])  # a bare value has no error bar
        self.assertAlmostEqual(float(doc["rows"][4]["miss"]["distance"]), 1e-3, delta=1e-8)
        # the certified enclosure printed for row 4 contains the independent value
        enc = doc["rows"][1]["certified"]
        self.assertLessEqual(float(enc["lower"]), t + 1e-15)
        self.assertGreaterEqual(float(enc["upper"]), t - 1e-15)
        # Text output names the line and the miss.
        code, out, err = run("verify", "--against", path, "--sigmas", "5")
        self.assertEqual(code, 4, err)
        self.assertIn("line 4: inconsistent", out)
        self.assertRegex(out, r"= (99\.9|100) sigma \(allowed: 5 sigma\)")  # 1e-4 / 1e-6, rounded down
        self.assertIn("summary: 7 rows: 4 consistent, 3 inconsistent, 0 undetermined", out)
        # A tolerance admits the bare value of line 7 (|v| ~ 0.64, 2e-3 relative > 1e-3).
        doc = self.verify_json(path, "--sigmas", "5", "--rtol", "2e-3", expect=4)
        self.assertEqual(doc["rows"][4]["verdict"], "consistent")

    def test_all_consistent_exits_0_and_auto_sigmas(self):
        t = -math.log(2) / 3
        path = self.write("ok.csv", f'law,lr,value,stderr\n"atoms(-1:1/3, 1/2:2/3)",1,{t + 3e-6!r},1e-6\n'
                                    f'"atoms(-1:1/3, 1/2:2/3)",1,{t!r},1e-9\n')
        doc = self.verify_json(path, expect=0)
        self.assertTrue(doc["sigmas_auto"])
        self.assertEqual(doc["sigmas"], "3.481")  # z with P(|Z| > z) = 0.001 / 2, rounded up to 1/1000
        self.assertTrue(doc["all_consistent"])
        # 3 sigma fails with --sigmas 2
        self.verify_json(path, "--sigmas", "2", expect=4)

    def test_intervals(self):
        t = -math.log(2) / 3
        path = self.write("iv.csv", "law,lr,lower,upper\n"
                                    f'"atoms(-1:1/3, 1/2:2/3)",1,{t - 1e-6!r},{t + 1e-6!r}\n'
                                    f'"atoms(-1:1/3, 1/2:2/3)",1,-inf,{t - 1e-6!r}\n')
        doc = self.verify_json(path, expect=4)
        self.assertEqual([r["verdict"] for r in doc["rows"]], ["consistent", "inconsistent"])
        self.assertEqual(doc["rows"][1]["claim"]["lower"], "-inf")

    def test_undetermined_exits_3(self):
        # A claim that overlaps the enclosure only partly while the certification cannot reach the digits
        # (--max-bits 64 with --digits 40; width about 3e-20): undetermined. -(log 2)/3 =
        # -0.23104906018664843647241...: the claim's lower end is 2.4e-21 above the truth, so the claim is
        # in fact false, but the 64-bit enclosure cannot tell.
        path = self.write("und.csv", 'law,lr,lower,upper\n"atoms(-1:1/3, 1/2:2/3)",1,-0.23104906018664843647,1\n')
        doc = self.verify_json(path, "--digits", "40", "--max-bits", "64", expect=3)
        self.assertEqual(doc["rows"][0]["verdict"], "undetermined")
        self.assertFalse(doc["rows"][0]["certified"]["converged"])

    # ---- malformed files -------------------------------------------------------------------------------
    def test_malformed_files_name_the_line(self):
        cases = [
            ("law,lr,value\natoms(-1, 1/2),1,0\n", "bad1.csv:2: 4 fields, but the header (line 1) names 3 columns"),
            ('law,lr,value\n"atoms(1)",1,0\n"atoms(1)",1,zero\n', "bad2.csv:3: column 'value': malformed number 'zero'"),
            ('# c\nlaw,lr,value\n"atoms(1)",-1,0\n', "bad3.csv:3: column 'lr': the learning rate must be > 0, got -1"),
            ('law,lr,value\n"atoms(1:1/2, 2:1/3)",1,0\n', "bad4.csv:2: column 'law': probabilities sum to 5/6, not 1"),
            ('law,value\n"atoms(1)",0\n', None),  # lyapnd from the header: fine (not malformed)
            ("law,lr\n\"atoms(1)\",1\n", "bad6.csv:1: --quantity lyap1d needs a column 'value' (or lower,upper)"),
            ('law,lr,value\n"atoms(1)",1,"0\n', "bad7.csv:2: unterminated quoted field"),
            ("lr,phase\n1,Ic\n", "bad8.csv:2: column 'phase': unknown phase label 'Ic'"),
        ]
        for i, (text, message) in enumerate(cases, 1):
            path = self.write(f"bad{i}.csv", text)
            code, out, err = run("verify", "--against", path)
            if message is None:
                self.assertNotEqual(code, 2, err)
                continue
            self.assertEqual(code, 2, f"case {i}: {out} {err}")
            self.assertEqual(out, "", f"case {i}")
            self.assertIn("lyapcert: error: " + os.path.join(self.tmp.name, message), err, f"case {i}")
        code, out, err = run("verify", "--against", os.path.join(self.tmp.name, "missing.csv"))
        self.assertEqual(code, 2)
        self.assertIn("cannot read", err)
        code, out, err = run("verify", "--against", self.write("q.csv", "law,lr,value\n\"atoms(1)\",1,0\n"),
                             "--quantity", "lyap2d")
        self.assertEqual(code, 2)
        self.assertIn("unknown quantity 'lyap2d'", err)

    # ---- phase -------------------------------------------------------------------------------------
    def test_phase_rows_with_finite_data(self):
        # Finite data, batch 1, gamma 0: Lambda_+- = mean log|1 +- lr x y| (docs/math.md section 3), computed
        # here in binary64; the learning rates are chosen with both exponents at least 0.01 from 0.
        data = [(1, 1), (1, 2), (2, 1), (1, -0.5), (0.5, 1)]
        h = [x * y for x, y in data]
        self.write("xy.csv", "x,y\n" + "".join(f"{x},{y}\n" for x, y in data))

        def label(lr):
            lp = sum(math.log(abs(1 + lr * v)) for v in h) / len(h)
            lm = sum(math.log(abs(1 - lr * v)) for v in h) / len(h)
            self.assertGreater(min(abs(lp), abs(lm)), 0.01, f"lr {lr} too close to a boundary")
            l2 = sum((1 - lr * v) ** 2 for v in h) / len(h) < 1
            if lp > 0 > lm:
                return "Ib" if l2 else "Ia"
            return {(False, True): "II", (False, False): "III", (True, True): "IV"}[(lp > 0, lm > 0)]

        lrs = ["0.1", "0.3", "0.6", "1.2", "3"]
        truth = {lr: label(float(lr)) for lr in lrs}
        wrong = {"Ia": "II", "Ib": "III", "II": "Ib", "III": "IV", "IV": "III"}
        rows = [f"{lr},xy.csv,{truth[lr]}" for lr in lrs] + [f"{lr},xy.csv,{wrong[truth[lr]]}" for lr in lrs]
        path = self.write("phase.csv", "lr,data,phase\n" + "\n".join(rows) + "\n")
        doc = self.verify_json(path, expect=4)
        self.assertEqual(doc["quantity"], "phase")
        got = [r["verdict"] for r in doc["rows"]]
        self.assertEqual(got, ["consistent"] * 5 + ["inconsistent"] * 5,
                         json.dumps([(r["claimed_phase"], r["certified_phase"]) for r in doc["rows"]]))
        for r, lr in zip(doc["rows"], lrs):
            self.assertEqual(r["certified_phase"], truth[lr])
        # --jobs 3: the same verdicts in the same row order
        doc3 = self.verify_json(path, "--jobs", "3", expect=4)
        self.assertEqual([(r["line"], r["verdict"]) for r in doc3["rows"]], [(r["line"], r["verdict"]) for r in doc["rows"]])
        # "I" covers Ia and Ib; roman numerals are case-insensitive.
        i_rows = [lr for lr in lrs if truth[lr] in ("Ia", "Ib")]
        if i_rows:
            path = self.write("phase_i.csv", "lr,data,phase\n" + "".join(f"{lr},xy.csv,i\n" for lr in i_rows))
            self.verify_json(path, expect=0)

    def test_phase_gaussian_model_columns(self):
        # Gaussian data model: at tiny lr the exponents are -+ lr k (to first order), so Lambda_+ > 0 >
        # Lambda_- (phase I); at lr = 1/10 and k = 1, sigma = 1 (E h^2 = 3k^2 + sigma^2 = 4): Ib since
        # E(1 - lr h)^2 = 1 - 2 lr k + lr^2 * 4 < 1.
        path = self.write("gauss.csv", "k,sigma,gamma,batch,lr,phase\n1,1,0,1,1/10,Ib\n1,1,0,1,1/10,III\n")
        doc = self.verify_json(path, expect=4)
        self.assertEqual([r["verdict"] for r in doc["rows"]], ["consistent", "inconsistent"])
        self.assertEqual(doc["rows"][1]["certified_phase"], "Ib")

    def test_phase_data_sample_and_seed_columns(self):
        # data_sample/seed reproduce `lyapcert phase --data-sample N --seed S`: the sampler (splitmix64 and
        # Box-Muller in binary64, models::gaussian_xy_dataset in lib/lyapcert/models/dataset.hpp) is re-implemented here, the exponents of the sampled finite
        # law are summed here in binary64 (batch 1), and rows are kept only where both are at least 0.01 from 0.
        def sample(n, seed, k=1.0, s=1.0):
            m64, state = 2 ** 64, seed
            def nxt():
                nonlocal state
                state = (state + 0x9E3779B97F4A7C15) % m64
                z = state
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % m64
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % m64
                return z ^ (z >> 31)
            def normal():
                u = ((nxt() >> 11) + 0.5) * 2.0 ** -53
                v = ((nxt() >> 11) + 0.5) * 2.0 ** -53
                return math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * v)
            out = []
            for _ in range(n):
                x = normal()
                out.append((x, k * x + s * normal()))
            return out

        def label(data, lr):
            h = [x * y for x, y in data]
            lp = sum(math.log(abs(1 + lr * v)) for v in h) / len(h)
            lm = sum(math.log(abs(1 - lr * v)) for v in h) / len(h)
            if min(abs(lp), abs(lm)) < 0.01:
                return None
            l2 = sum((1 - lr * v) ** 2 for v in h) / len(h) < 1
            if lp > 0 > lm:
                return "Ib" if l2 else "Ia"
            return {(False, True): "II", (False, False): "III", (True, True): "IV"}[(lp > 0, lm > 0)]

        # The replica draws the same data as the CLI (exact binary64 values in PREFIX-data.csv).
        code, out, err = run("phase", "--lr", "1/2", "--data-sample", "5", "--seed", "3", "--out",
                             os.path.join(self.tmp.name, "smp"), "--json")
        self.assertEqual(code, 0, err)
        from fractions import Fraction
        with open(os.path.join(self.tmp.name, "smp-data.csv")) as f:
            cli = [tuple(Fraction(t) for t in line.strip().split(",")) for line in f if line[0] not in "x#"]
        self.assertEqual(cli, [(Fraction(x), Fraction(y)) for x, y in sample(5, 3)])

        n, lrs = 6, ["1/4", "1/2", "1", "2", "3"]
        labels = {(seed, lr): label(sample(n, seed), float(Fraction(lr))) for seed in range(1, 7) for lr in lrs}
        good, bad = [], []
        for (seed, lr), lab in labels.items():
            if lab is None:
                continue
            good.append(f"{lr},{n},{seed},{lab}")
            # the label of the same lr under another seed, when it differs: the seed must matter
            for other in range(1, 7):
                o = labels.get((other, lr))
                if o and o != lab and not (o in ("Ia", "Ib") and lab in ("Ia", "Ib")) and len(bad) < 6:
                    bad.append(f"{lr},{n},{seed},{o}")
                    break
        self.assertGreaterEqual(len(good), 10)
        self.assertGreaterEqual(len(bad), 3)
        path = self.write("sample.csv", "lr,data_sample,seed,phase\n" + "\n".join(good + bad) + "\n")
        doc = self.verify_json(path, expect=4)
        self.assertEqual([r["verdict"] for r in doc["rows"]], ["consistent"] * len(good) + ["inconsistent"] * len(bad),
                         json.dumps([(r["line"], r["claimed_phase"], r["certified_phase"]) for r in doc["rows"]]))
        # seed defaults to 1, as for phase --seed
        lab1 = next(labels[(1, lr)] for lr in lrs if labels[(1, lr)])
        lr1 = next(lr for lr in lrs if labels[(1, lr)])
        path = self.write("sample1.csv", f"lr,data_sample,phase\n{lr1},{n},{lab1}\n")
        self.verify_json(path, expect=0)
        # malformed: data and data_sample together, a bad count, a bad seed (exit 2 naming line and column)
        self.write("d.csv", "x,y\n1,2\n")
        for text, msg in [("lr,data,data_sample,phase\n1,d.csv,5,II\n", "column 'data_sample': give data or data_sample"),
                          ("lr,data_sample,phase\n1,0,II\n", "column 'data_sample': must be an integer"),
                          ("lr,data_sample,seed,phase\n1,5,-1,II\n", "column 'seed': must be an integer")]:
            code, out, err = run("verify", "--against", self.write("badsample.csv", text))
            self.assertEqual(code, 2, err)
            self.assertIn("badsample.csv:2: " + msg, err)

    # ---- lyapnd and boundary ---------------------------------------------------------------------------
    def test_lyapnd_rows(self):
        lam = (math.log(2) - EULER_GAMMA) / 2  # Gaussian 2x2, N(0,1) entries (Newman; docs/math.md section 6)
        path = self.write("nd.csv", "law,value,stderr\n"
                                    f'"ginibre(2, 1)",{lam + 1e-4!r},1e-4\n'
                                    f'"ginibre(2, 1)",{lam + 1e-2!r},1e-4\n'
                                    '"entries([[normal(0, 1), 1], [0, 1]])",0.1,0.01\n')
        doc = self.verify_json(path, "--sigmas", "4", expect=4)
        self.assertEqual(doc["quantity"], "lyapnd")
        self.assertEqual([r["verdict"] for r in doc["rows"]], ["consistent", "inconsistent", "undetermined"])
        self.assertIn("cannot certify", doc["rows"][2]["reason"])

    def test_boundary_rows(self):
        # atoms(-1, 1/2): Lambda changes sign exactly at lr = 1 and at (1 + sqrt 17)/2; 2 is singular.
        r2 = (1 + math.sqrt(17)) / 2
        path = self.write("bd.csv", "law,root,stderr\n"
                                    '"atoms(-1, 1/2)",1,1e-12\n'
                                    f'"atoms(-1, 1/2)",{r2!r},1e-12\n'
                                    f'"atoms(-1, 1/2)",{r2 + 1e-6!r},1e-12\n'
                                    '"atoms(-1, 1/2)",2,1e-3\n')
        doc = self.verify_json(path, "--sigmas", "4", expect=4)
        self.assertEqual(doc["quantity"], "boundary")
        self.assertEqual([r["verdict"] for r in doc["rows"]], ["consistent", "consistent", "inconsistent",
                                                               "inconsistent"])
        self.assertAlmostEqual(float(doc["rows"][2]["miss"]["error_bars"]), 1e6, delta=1e3)
        self.assertIn("singular point 2", doc["rows"][3]["reason"])

    # ---- the worked example of docs/oracle.md ------------------------------------------------------------
    def test_worked_example(self):
        script = os.path.join(EXAMPLES, "mc_lyapunov.py")
        biased = os.path.join(self.tmp.name, "biased.csv")
        good = os.path.join(self.tmp.name, "good.csv")
        for out, extra in ((biased, []), (good, ["--burn-in", "50"])):
            subprocess.run([sys.executable, script, "--out", out, "--seed", "1", *extra], check=True, timeout=120)
        doc = self.verify_json(biased, expect=4)
        self.assertGreaterEqual(doc["summary"]["inconsistent"], 2)
        self.verify_json(good, expect=0)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--examples", required=True)
    args, rest = ap.parse_known_args()
    CLI, SCHEMAS, EXAMPLES = os.path.abspath(args.cli), os.path.abspath(args.schemas), os.path.abspath(args.examples)
    unittest.main(argv=[sys.argv[0], *rest])
