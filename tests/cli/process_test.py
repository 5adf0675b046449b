#!/usr/bin/env python3
"""Long commands are well-behaved (docs/cli.md, "Interrupting, time budgets, outputs").

* Output paths are checked before anything is computed: an unwritable --out (a missing directory, /proc, a
  directory) is refused at once with exit 2.
* SIGINT stops a command within about a second with exit 130; an output file is then the old one or absent,
  never truncated, and no temporary file is left behind.
* --time-budget SECONDS has one meaning everywhere: on expiry the best certified result so far is printed
  (converged / complete false) and the exit status is 3, within a small factor of the budget.
* One batch-size limit (10^6) everywhere; a coarse phase-diagram grid costs about what its points cost.

Every time bound below is a generous timeout guard against hangs, not a benchmark (figures: docs/performance.md).
Runtime: about 50 s on the 2-core reference machine.

usage: process_test.py --cli PATH/TO/lyapcert [unittest args]
"""
import argparse
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from fractions import Fraction

CLI = None


# The commands stop within about a second of SIGINT on an idle core (docs/cli.md); the guard is wider so that a
# loaded machine (or the sanitizer job, 2-5x slower) cannot fail it, while a command that ignored the signal (it
# would run for minutes) still does.
SIGINT_GUARD = 6.0


def run(*args, timeout=60):
    t0 = time.monotonic()
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def frac(text):
    return Fraction(text)


class OutputPaths(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_unwritable_out_is_refused_before_computing(self):
        spec = os.path.join(self.tmp.name, "spec.json")
        with open(spec, "w") as f:
            json.dump({"title": "t", "rows": [{"id": "a", "quantity": "exponent", "law": "atoms(-1, 1/2)",
                                               "lr": "1"}]}, f)
        bad = ["/nonexistent/dir/x", "/proc/x", self.tmp.name]
        commands = [
            # The default 40 x 20 diagram takes seconds: a refusal in well under a second shows nothing was computed.
            ["phase-diagram", "--out"],
            ["phase-diagram", "--model", "diagonal", "--beta", "1,1/2", "--out"],
            ["table", "--spec", spec, "--out"],
            ["phase", "--lr", "1/2", "--data-sample", "10", "--out"],
            ["simulate", "--lr", "1/10", "--data-sample", "10", "--steps", "100", "--runs", "2", "--out"],
        ]
        for cmd in commands:
            for out in bad:
                with self.subTest(cmd=cmd[0], out=out):
                    code, _, err, secs = run(*cmd, out, timeout=30)
                    self.assertEqual(code, 2, err)
                    self.assertIn("cannot write", err)
                    self.assertLess(secs, 1.0, err)
        self.assertEqual(glob.glob(os.path.join(self.tmp.name, "*tmp*")), [])

    def test_one_batch_limit(self):
        out = os.path.join(self.tmp.name, "b")
        code, _, err, secs = run("phase-diagram", "--batch-range", "1:1000000000", "--sigma", "1", "--out", out)
        self.assertEqual(code, 2, err)
        self.assertIn("1000000", err)
        for args in (["phase", "--lr", "1", "--batch", "1000001"], ["critical-snr", "--batch", "1000001"]):
            with self.subTest(args=args):
                code, _, err, _ = run(*args)
                self.assertEqual(code, 2, err)

    def test_bad_time_budget(self):
        for v in ("0", "-1", "nan", "1e7"):
            with self.subTest(v=v):
                code, _, err, _ = run("lyap1d", "--law", "atoms(1)", "--lr", "1", "--time-budget", v)
                self.assertEqual(code, 2, err)


class Interrupt(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def interrupt_after(self, args, seconds):
        p = subprocess.Popen([CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(seconds)
        self.assertIsNone(p.poll(), "the command finished before it could be interrupted")
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
        return p.returncode, err, time.monotonic() - t0

    def test_phase_diagram_sigint_keeps_the_old_files(self):
        out = os.path.join(self.tmp.name, "pd")
        with open(out + ".csv", "w") as f:
            f.write("old\n")
        code, err, secs = self.interrupt_after(["phase-diagram", "--grid", "200x100", "--out", out], 2.0)
        self.assertEqual(code, 130, err)
        self.assertLess(secs, SIGINT_GUARD)
        self.assertIn("interrupted after", err)  # how far the sweep got
        with open(out + ".csv") as f:
            self.assertEqual(f.read(), "old\n")
        self.assertFalse(os.path.exists(out + ".json"))
        self.assertFalse(os.path.exists(out + ".png"))
        self.assertEqual(sorted(os.listdir(self.tmp.name)), ["pd.csv"])

    def test_lyapnd_sigint_ends_the_method_loop(self):
        # Each lyapnd method polls the interrupt flag in its loops (lib/lyapcert/lyapnd/internal/stop_poll.hpp): the run
        # ends through its normal path and reports its best enclosure on stderr, which the 1 s watchdog (it
        # prints only "lyapcert: interrupted") would not.
        mixed = "matrices([[2,1],[1,-1]]: 1/2, [[1,-2],[1,1]]: 1/2)"
        laws = {"poisson": mixed, "enumerate": mixed,
                "cycle": "matrices([[2,1],[1,1]]: 1/2, [[3,1],[2,1]]: 1/2)",
                "multicone": "matrices([[2,1],[1,1]]: 1/2, [[-3,-1],[-2,-1]]: 1/2)",
                "reducible": "matrices([[2,1,0],[1,-1,0],[0,0,1/2]]: 1/2, [[1,-2,0],[1,1,0],[0,0,1]]: 1/2)"}
        for method, law in laws.items():
            with self.subTest(method=method):
                code, err, secs = self.interrupt_after(
                    ["lyapnd", "--law", law, "--method", method, "--digits", "1000", "--time-budget", "600"], 1.0)
                self.assertEqual(code, 130, err)
                self.assertLess(secs, SIGINT_GUARD)
                self.assertIn("interrupted: best certified enclosure so far", err)

    def test_simulate_sigint(self):
        code, err, secs = self.interrupt_after(["simulate", "--lr", "1/10", "--steps", "100000000", "--runs", "50"],
                                               1.0)
        self.assertEqual(code, 130, err)
        self.assertLess(secs, SIGINT_GUARD)
        self.assertIn("interrupted", err)

    def test_lyap1d_sigint_inside_a_long_quadrature(self):
        code, err, secs = self.interrupt_after(
            ["lyap1d", "--law", "xy(1, 1, batch=3)", "--lr", "1", "--digits", "10000"], 1.0)
        self.assertEqual(code, 130, err)
        self.assertLess(secs, SIGINT_GUARD)
        self.assertIn("interrupted", err)


class TimeBudget(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_lyap1d_best_enclosure_when_the_budget_ends(self):
        code, out, err, secs = run("lyap1d", "--law", "xy(1, 1, batch=3)", "--lr", "1", "--digits", "10000",
                                   "--time-budget", "2", "--json")
        self.assertEqual(code, 3, err)
        self.assertLess(secs, 10.0)
        j = json.loads(out)
        self.assertFalse(j["converged"])
        self.assertIn("time budget", j["message"])
        lo, hi = frac(j["enclosure"]["lower"]), frac(j["enclosure"]["upper"])
        # Lambda(1) of xy(1, 1, 3) is about -0.4 (lyap1d at 10 digits, computed in the test below): the
        # enclosure is finite and contains it.
        code2, out2, err2, _ = run("lyap1d", "--law", "xy(1, 1, batch=3)", "--lr", "1", "--digits", "10", "--json")
        self.assertEqual(code2, 0, err2)
        ref = json.loads(out2)["enclosure"]
        self.assertLessEqual(lo, frac(ref["upper"]))
        self.assertGreaterEqual(hi, frac(ref["lower"]))

    def test_phase_diagram_partial_and_complete_false(self):
        out = os.path.join(self.tmp.name, "pd")
        code, _, err, secs = run("phase-diagram", "--grid", "200x100", "--time-budget", "2", "--out", out)
        self.assertEqual(code, 3, err)
        self.assertLess(secs, 10.0)
        self.assertIn("time budget", err)
        with open(out + ".json") as f:
            j = json.load(f)
        self.assertFalse(j["complete"])
        self.assertLess(len(j["points"]), 200 * 100)

    def test_critical_snr_large_batch(self):
        code, out, err, secs = run("critical-snr", "--batch", "1000000", "--time-budget", "2", "--json")
        self.assertEqual(code, 3, err)
        self.assertLess(secs, 12.0)
        j = json.loads(out)
        self.assertFalse(j["complete"])

    def test_simulate_reports_the_runs_done(self):
        # 1000 runs x 2 10^6 steps take minutes: the budget ends them; the summary is of runs 0..K-1 only.
        code, out, err, secs = run("simulate", "--lr", "1/10", "--steps", "2000000", "--runs", "1000",
                                   "--time-budget", "2", "--json")
        self.assertEqual(code, 3, err)
        self.assertLess(secs, 12.0)
        self.assertIn("time budget of 2 s exhausted after", err)
        j = json.loads(out)
        self.assertFalse(j["converged"])
        self.assertEqual(j["time_budget"], 2)
        self.assertEqual(j["runs"], 1000)
        self.assertLess(j["runs_done"], 1000)
        self.assertEqual(j["summary"]["runs"], j["runs_done"])
        self.assertFalse(j["summary"]["complete"])

    def test_check_is_undetermined_when_the_budget_ends_the_runs(self):
        # At lr = 2 10^-6 the plan is 200 runs of up to 1.5 10^7 steps (about 30 s of CPU on this machine): incomplete
        # runs cannot show agreement, so the verdict is undetermined (exit 3) although every finished run agrees.
        # The budget leaves margin on both sides: the certified prediction and the sizing before the runs take about
        # 0.7 s of CPU (a 2 s budget once ended before them at load average 7), and finishing all runs in 5 s would
        # need a machine about 3x faster per core.
        code, out, err, secs = run("check", "--lr", "2/1000000", "--time-budget", "5", "--json")
        self.assertEqual(code, 3, err)
        self.assertLess(secs, 12.0)
        self.assertIn("verdict undetermined", err)
        j = json.loads(out)
        self.assertEqual(j["verdict"], "undetermined")
        self.assertFalse(j["converged"])
        self.assertTrue(j["time_budget_exhausted"])
        self.assertFalse(j["agree"])
        self.assertTrue(j["plan"]["feasible"])
        self.assertLess(j["simulated"]["runs"], j["plan"]["runs"])
        # Without the budget limit the same command decides (checked on a cheap plan: lr = 1/100).
        code, out, err, _ = run("check", "--lr", "1/100", "--time-budget", "600", "--json")
        self.assertEqual(code, 0, err)
        j = json.loads(out)
        self.assertEqual(j["verdict"], "agree")
        self.assertTrue(j["converged"])
        self.assertFalse(j["time_budget_exhausted"])

    def test_recheck_budget_is_for_the_whole_command(self):
        # 30 xy rows of batch 16, each rechecked by the variance-gamma quadrature (about 0.1-0.4 s a row): a 1 s
        # budget ends the command, the rows not done are "unchecked", never "fail".
        spec = os.path.join(self.tmp.name, "spec.json")
        rows = [{"id": f"r{i}", "quantity": "exponent", "law": "xy(1, 1, batch=16)", "lr": f"{i + 1}/8",
                 "digits": "15"} for i in range(30)]
        with open(spec, "w") as f:
            json.dump({"title": "t", "rows": rows}, f)
        prefix = os.path.join(self.tmp.name, "t")
        code, _, err, _ = run("table", "--spec", spec, "--out", prefix, "--format", "json", "--quiet", timeout=300)
        self.assertEqual(code, 0, err)
        code, out, err, secs = run("recheck", prefix + ".json", "--time-budget", "1", "--jobs", "1", "--json")
        self.assertEqual(code, 3, err)
        self.assertLess(secs, 8.0)
        self.assertIn("time budget of 1 s exhausted", err)
        j = json.loads(out)
        self.assertFalse(j["complete"])
        self.assertEqual(j["failed"], 0)
        self.assertGreater(j["unchecked"], 0)
        self.assertEqual(j["passed"] + j["unchecked"], 30)
        self.assertEqual(j["time_budget"], 1)
        self.assertEqual(j["value_budget"], 20)
        for r in j["rows"]:
            self.assertIn(r["status"], ("pass", "unchecked"))
            if r["status"] == "unchecked":
                self.assertEqual([c["check"] for c in r["checks"]], ["time-budget"])

    def test_verify_budget_is_for_the_whole_command(self):
        # The Poisson certificate cannot reach 30 digits: with --law-budget 600 the first law alone would take 10
        # minutes; --time-budget 2 ends the command (lyapnd polls the stop scope) and both rows are undetermined.
        csv = os.path.join(self.tmp.name, "v.csv")
        with open(csv, "w") as f:
            f.write('law,value\n"matrices([[2,1],[1,-1]]: 1/2, [[1,-2],[1,1]]: 1/2)",0.5859\n'
                    '"matrices([[2,1],[1,-1]]: 1/3, [[1,-2],[1,1]]: 2/3)",0.5\n')
        code, out, err, secs = run("verify", "--against", csv, "--quantity", "lyapnd", "--digits", "30",
                                   "--law-budget", "600", "--time-budget", "2", "--json")
        self.assertEqual(code, 3, err)
        self.assertLess(secs, 10.0)
        self.assertIn("time budget of 2 s exhausted", err)
        j = json.loads(out)
        self.assertFalse(j["complete"])
        self.assertEqual(j["time_budget"], 2)
        self.assertEqual(j["summary"]["undetermined"], 2)
        self.assertTrue(all("time budget" in r["reason"] for r in j["rows"]))

    def test_boundary_unresolved_rest(self):
        code, out, err, secs = run("boundary", "--law", "xy(1, 1, batch=2)", "--time-budget", "2", "--json")
        self.assertEqual(code, 3, err)
        self.assertLess(secs, 12.0)
        j = json.loads(out)
        self.assertFalse(j["complete"])


class CoarseGrid(unittest.TestCase):
    def test_two_by_one_grid_costs_about_two_points(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "g")
            code, _, err, secs = run("phase-diagram", "--grid", "2x1", "--no-cells", "--digits", "3", "--lr-range",
                                     "1/10:1", "--out", out, timeout=120)
            self.assertEqual(code, 0, err)
            self.assertLess(secs, 20.0)  # 50 s before the bracket narrowing (docs/performance.md)
            with open(out + ".json") as f:
                j = json.load(f)
            self.assertTrue(j["complete"])


def main():
    global CLI
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    args, rest = ap.parse_known_args()
    CLI = os.path.abspath(args.cli)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
