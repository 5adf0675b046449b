#!/usr/bin/env python3
"""End-to-end tests of the lyapcert command-line tool (docs/cli.md).

Runs the binary on good and bad inputs and checks exit statuses, stderr messages, every --json
output against docs/schema/<command>.schema.json, and certified values against independent
closed forms: exact Fractions of the printed decimals are compared with rigorous mpmath interval
enclosures (mpmath.iv at 300 bits), so a printed enclosure that misses the truth fails the test.

usage: cli_test.py --cli PATH/TO/lyapcert --schemas PATH/TO/docs/schema [unittest args]
"""
import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from fractions import Fraction

import jsonschema
import mpmath

CLI = None
SCHEMAS = None
iv = mpmath.iv
iv.prec = 300


def run(*args, timeout=60):
    """Runs the CLI; returns (exit status, stdout, stderr)."""
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def validator(command):
    with open(os.path.join(SCHEMAS, f"{command}.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def raw_to_fraction(raw):
    sign, man, exp, _ = raw
    if man == 0 and exp != 0:
        raise ValueError("mpmath special value (inf/nan) in an interval endpoint")
    v = Fraction(man) * Fraction(2) ** exp
    return -v if sign else v


def iv_bounds(x):
    """Exact rational endpoints [a, b] of an mpmath interval."""
    a, b = x._mpi_
    return raw_to_fraction(a), raw_to_fraction(b)


def reference(truth, digits):
    """Evaluates truth() (mpmath.iv expressions) at about digits + 40 decimal digits."""
    saved = iv.prec
    iv.prec = max(300, int(digits * 3.33) + 140)
    try:
        return truth()
    finally:
        iv.prec = saved


def decimal_fraction(text):
    """Exact value of a printed decimal (the law language's number syntax)."""
    return Fraction(text)


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.validators = {c: validator(c) for c in ("lyap1d", "moment", "demo")}
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    # ----------------------------------------------------------------------------------------
    # helpers

    def run_json(self, command, *args, expect_status=0):
        status, out, err = run(command, *args, "--json")
        self.assertEqual(status, expect_status, f"args {args}\nstderr: {err}\nstdout: {out}")
        doc = json.loads(out)
        errors = sorted(self.validators[command].iter_errors(doc), key=str)
        self.assertFalse(errors, "schema violations: " + "; ".join(e.message for e in errors))
        return doc

    def assert_encloses(self, doc, truth, digits):
        """The printed enclosure contains the true value and meets the width request. `truth` is a
        function returning a rigorous mpmath interval; it is evaluated at a precision well beyond
        the requested digits, so containing that interval implies containing the true value."""
        enc = doc["enclosure"]
        lo, hi = decimal_fraction(enc["lower"]), decimal_fraction(enc["upper"])
        exact_iv = reference(truth, digits)
        a, b = iv_bounds(exact_iv)
        self.assertLessEqual(lo, a, f"lower {enc['lower']} above the true value {exact_iv}")
        self.assertGreaterEqual(hi, b, f"upper {enc['upper']} below the true value {exact_iv}")
        m = Fraction(0)
        if lo > 0:
            m = lo
        elif hi < 0:
            m = -hi
        self.assertLessEqual(hi - lo, Fraction(1, 10 ** digits) * max(Fraction(1), m), "width request not met")
        self.assertTrue(doc["converged"])
        self.assertIsNotNone(doc["digits_achieved"])
        self.assertGreaterEqual(doc["digits_achieved"], digits)
        self.assertEqual(doc["digits"], digits)
        expected_sign = "negative" if b < 0 else ("positive" if a > 0 else None)
        if expected_sign:
            self.assertEqual(enc["sign"], expected_sign)
            self.assertEqual(doc["sign"], expected_sign)

    def assert_bad_input(self, args, *fragments):
        status, out, err = run(*args)
        self.assertEqual(status, 2, f"args {args}\nstderr: {err}")
        self.assertEqual(out, "", "nothing on stdout for bad input")
        self.assertTrue(err.startswith("lyapcert: "), err)
        for frag in fragments:
            self.assertIn(frag, err, f"args {args}")

    def minibatch_available(self):
        status, _, err = run("lyap1d", "--law", "minibatch(data=[1, 2], batch=1)", "--lr", "1/3")
        return "unknown law" not in err

    # ----------------------------------------------------------------------------------------
    # certified values against closed forms

    def test_two_atoms_minus_log2_over_3(self):
        # atoms(-1:1/3, 1/2:2/3) at lr = 1: (1/3) log 2 + (2/3) log(1/2) = -(log 2)/3.
        truth = lambda: -iv.log(2) / 3
        for digits in (16, 40, 200):
            doc = self.run_json("lyap1d", "--law", "atoms(-1:1/3, 1/2:2/3)", "--lr", "1", "--digits", str(digits))
            self.assertEqual(doc["law"], "atoms(-1:1/3, 1/2:2/3)")
            self.assertEqual(doc["lr"], "1")
            self.assertEqual(doc["command"], "lyap1d")
            self.assertEqual(doc["schema"], 1)
            self.assert_encloses(doc, truth, digits)
        # mpmath at 50 digits (non-interval) agrees too.
        mpmath.mp.dps = 50
        v = Fraction(mpmath.nstr(-mpmath.log(2) / 3, 50, min_fixed=-1, max_fixed=1))
        doc = self.run_json("lyap1d", "--law", "atoms(-1:1/3, 1/2:2/3)", "--lr", "1", "--digits", "30")
        self.assertLessEqual(Fraction(doc["enclosure"]["lower"]), v + Fraction(1, 10 ** 48))
        self.assertGreaterEqual(Fraction(doc["enclosure"]["upper"]), v - Fraction(1, 10 ** 48))

    def test_more_closed_forms(self):
        cases = [
            # (law, lr, exact value as an mpmath interval)
            ("atoms(3, 2)", "1", lambda: iv.log(2) / 2),  # |1-3| = 2, |1-2| = 1
            ("atoms(0.5)", "1", lambda: iv.log(iv.mpf(1) / 2)),
            ("atoms(1:1/4, 3:3/4)", "0.1", lambda: (iv.log(iv.mpf(9) / 10) + 3 * iv.log(iv.mpf(7) / 10)) / 4),
            ("scale(2, atoms(1, -1))", "1/4", lambda: (iv.log(iv.mpf(1) / 2) + iv.log(iv.mpf(3) / 2)) / 2),
            ("shift(1, atoms(0, 2))", "2", lambda: (iv.log(1) + iv.log(5)) / 2),  # h = 1, 3: |1-2| = 1, |1-6| = 5
            ("mix(atoms(1):1/2, atoms(3):1/2)", "1/2", lambda: (iv.log(iv.mpf(1) / 2) + iv.log(iv.mpf(1) / 2)) / 2),
            ("atoms(1e-3, -2.5e2)", "4", lambda: (iv.log(iv.mpf(996) / 1000) + iv.log(1001)) / 2),
        ]
        for law, lr, truth in cases:
            with self.subTest(law=law, lr=lr):
                doc = self.run_json("lyap1d", "--law", law, "--lr", lr, "--digits", "25")
                self.assert_encloses(doc, truth, 25)

    def test_lr_is_echoed_exactly(self):
        doc = self.run_json("lyap1d", "--law", "atoms(3, 2)", "--lr", "1.000e0")
        self.assertEqual(doc["lr"], "1.000e0")
        self.assert_encloses(doc, lambda: iv.log(2) / 2, 16)

    def test_minus_infinity(self):
        # h = 2 at lr = 1/2: the multiplier 1 - lr h is exactly 0 with probability 1/2.
        doc = self.run_json("lyap1d", "--law", "atoms(2, -1)", "--lr", "0.5")
        self.assertEqual(doc["enclosure"], {"lower": "-inf", "upper": "-inf", "sign": "negative"})
        self.assertEqual(doc["sign"], "negative")
        self.assertIsNone(doc["digits_achieved"])
        self.assertTrue(doc["converged"])
        status, out, _ = run("lyap1d", "--law", "atoms(2, -1)", "--lr", "1/2")
        self.assertEqual(status, 0)
        self.assertIn("-inf", out)

    def test_exact_zero(self):
        # atoms(-1, 1/2) at lr = 1: (log 2 + log(1/2))/2 = 0 exactly, with no unit factor.
        doc = self.run_json("lyap1d", "--law", "atoms(-1, 1/2)", "--lr", "1")
        self.assertEqual(doc["enclosure"], {"lower": "0", "upper": "0", "sign": "zero"})
        self.assertEqual(doc["sign"], "zero")
        self.assertIsNone(doc["digits_achieved"])
        # A three-atom zero: |1 - h| = 4, 1/2, 1/2 with equal weights.
        doc = self.run_json("lyap1d", "--law", "atoms(-3, 1/2, 3/2)", "--lr", "1")
        self.assertEqual(doc["sign"], "zero")

    def test_moment(self):
        # g(2) = log E(1 - h)^2 = log((4 + 1/4)/2) = log(17/8); L2-stable iff E(1 - lr h)^2 < 1: no.
        doc = self.run_json("moment", "--law", "atoms(-1, 1/2)", "--lr", "1", "--p", "2")
        self.assertEqual(doc["p"], "2")
        self.assert_encloses(doc, lambda: iv.log(iv.mpf(17) / 8), 16)
        self.assertIs(doc["l2_stable"], False)
        # atoms(1/2, 1) at lr = 1: E(1 - h)^2 = 1/8 < 1, L2-stable; independent criterion
        # 0 < lr < 2 E[h] / E[h^2] = 2 (3/4) / (5/8) = 12/5.
        doc = self.run_json("moment", "--law", "atoms(1/2, 1)", "--lr", "1", "--p", "2", "--digits", "30")
        self.assert_encloses(doc, lambda: iv.log(iv.mpf(1) / 8), 30)
        self.assertIs(doc["l2_stable"], True)
        # Non-integer p: g(1/2) = log((sqrt 2 + sqrt(1/2))/2) = log(3/(2 sqrt 2)).
        doc = self.run_json("moment", "--law", "atoms(-1, 1/2)", "--lr", "1", "--p", "1/2", "--digits", "20")
        self.assertNotIn("l2_stable", doc)
        self.assert_encloses(doc, lambda: iv.log(3 / (2 * iv.sqrt(2))), 20)
        # p = 1 at a point where the law has all its mass at h = 1/lr: E|1 - lr h| = 0, g = -inf.
        doc = self.run_json("moment", "--law", "atoms(2)", "--lr", "1/2", "--p", "1")
        self.assertEqual(doc["enclosure"]["lower"], "-inf")

    def test_moment_sqnormal_and_bivariate(self):
        # p = 4 through the general-p kernels (CONT-SQN-3, CONT-BIV-3); the truth is the exact rational
        # E(1 - lr h)^4 from Gaussian raw moments (E z^n = (n-1)!! for even n).
        def gauss_raw(mu, s, n):  # E (mu + s z)^n
            dfact = lambda k: 1 if k <= 0 else k * dfact(k - 2)
            return sum(Fraction(math.comb(n, j)) * mu ** (n - j) * s ** j * dfact(j - 1)
                       for j in range(0, n + 1, 2))
        lr, mu, s = Fraction(1, 3), Fraction(1, 2), Fraction(2)
        # (1 - lr a^2)^4 = sum_k C(4,k) (-lr)^k a^(2k)
        exact = sum(math.comb(4, k) * (-lr) ** k * gauss_raw(mu, s, 2 * k) for k in range(5))
        doc = self.run_json("moment", "--law", "sqnormal(1/2, 2)", "--lr", "1/3", "--p", "4", "--digits", "25")
        self.assertEqual(doc["method"], "certified-quadrature")
        self.assert_encloses(doc, lambda: iv.log(iv.mpf(exact.numerator) / exact.denominator), 25)
        # Independent standard normals x, y: E(1 - lr x y)^4 = 1 + 6 lr^2 + lr^4 E x^4 E y^4 = 1 + 6 lr^2 + 9 lr^4.
        lr = Fraction(1, 2)
        exact = 1 + 6 * lr ** 2 + 9 * lr ** 4
        doc = self.run_json("moment", "--law", "bivariate(0, 0, 1, 1, 0)", "--lr", "1/2", "--p", "4", "--digits", "12")
        self.assert_encloses(doc, lambda: iv.log(iv.mpf(exact.numerator) / exact.denominator), 12)

    def test_sqnormal_of_one_sign(self):
        # scale(-1, sqnormal(0, 1)) at lr = 1: E log(1 + z^2), z ~ N(0,1) (CONT-QUAD-7). Independent form (Frullani
        # with E e^{-t z^2} = (1 + 2t)^{-1/2}): int_0^inf e^{-t} (1 - (1 + 2t)^{-1/2}) / t dt, by mpmath at 50 digits
        # (not rigorous: 1e-40 slack).
        doc = self.run_json("lyap1d", "--law", "scale(-1, sqnormal(0, 1))", "--lr", "1", "--digits", "25")
        mpmath.mp.dps = 50
        ref = mpmath.quad(lambda t: mpmath.exp(-t) * (1 - (1 + 2 * t) ** mpmath.mpf(-0.5)) / t, [0, 1, mpmath.inf])
        lo, hi = Fraction(doc["enclosure"]["lower"]), Fraction(doc["enclosure"]["upper"])
        r = Fraction(mpmath.nstr(ref, 45))
        self.assertLessEqual(lo, r + Fraction(1, 10 ** 40))
        self.assertGreaterEqual(hi, r - Fraction(1, 10 ** 40))
        self.assertLessEqual(hi - lo, Fraction(1, 10 ** 25) * max(1, lo))

    def test_law_from_file(self):
        path = os.path.join(self.tmp.name, "law.txt")
        with open(path, "w") as f:
            f.write("atoms(\n  -1 : 1/3,\n  0.5 : 2/3\n)\n")
        doc = self.run_json("lyap1d", "--law", "@" + path, "--lr", "1")
        self.assertEqual(doc["law"], "atoms(-1:1/3, 1/2:2/3)")
        self.assert_encloses(doc, lambda: -iv.log(2) / 3, 16)
        self.assert_bad_input(["lyap1d", "--law", "@" + os.path.join(self.tmp.name, "missing.txt"), "--lr", "1"],
                              "cannot read law file")
        bad = os.path.join(self.tmp.name, "bad.txt")
        with open(bad, "w") as f:
            f.write("atoms(1,\n 2")
        self.assert_bad_input(["lyap1d", "--law", "@" + bad, "--lr", "1"], "law syntax error", "text ended")

    def test_law_file_over_64_mib(self):
        path = os.path.join(self.tmp.name, "huge.txt")
        with open(path, "wb") as f:
            f.write(b"atoms(1)")
            f.truncate((64 << 20) + 1)  # NUL padding; the size check comes first
        self.assert_bad_input(["lyap1d", "--law", "@" + path, "--lr", "1"], "64 MiB")
        os.remove(path)

    def test_not_converged_exit_3(self):
        doc = self.run_json("lyap1d", "--law", "atoms(3, 2)", "--lr", "1", "--digits", "100", "--max-bits", "64",
                            expect_status=3)
        self.assertFalse(doc["converged"])
        self.assertLess(doc["digits_achieved"], 100)
        self.assertNotEqual(doc["message"], "")
        lo, hi = Fraction(doc["enclosure"]["lower"]), Fraction(doc["enclosure"]["upper"])
        a, b = iv_bounds(iv.log(2) / 2)
        self.assertTrue(lo <= a and b <= hi, "the enclosure is certified even when digits are not reached")
        status, out, _ = run("lyap1d", "--law", "atoms(3, 2)", "--lr", "1", "--digits", "100", "--max-bits", "64")
        self.assertEqual(status, 3)
        self.assertIn("converged: no", out)

    def test_demo(self):
        status, out, err = run("demo", "--json")
        self.assertEqual(status, 0, err)
        doc = json.loads(out)
        errors = list(self.validators["demo"].iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        by_law = {(r["law"], r["lr"], r.get("p")): r for r in doc["results"]}
        two = by_law.get(("atoms(-1:1/3, 1/2:2/3)", "1", None))
        if two:
            lo, hi = Fraction(two["enclosure"]["lower"]), Fraction(two["enclosure"]["upper"])
            a, b = iv_bounds(-iv.log(2) / 3)
            self.assertTrue(lo <= a and b <= hi)
        status, out, err = run("demo")
        self.assertEqual(status, 0, err)
        self.assertIn("Lambda", out)

    def test_help_and_version(self):
        for args in (["--help"], ["lyap1d", "--help"], ["moment", "--help"], ["--version"]):
            status, out, _ = run(*args)
            self.assertEqual(status, 0, args)
            self.assertNotEqual(out, "")

    def test_minibatch(self):
        if not self.minibatch_available():
            self.skipTest("minibatch(...) not wired into the CLI yet")
        # Subsets of size 2 of [1, 2, 4]: means 3/2, 5/2, 3, each 1/3. lr = 1/5:
        # multipliers 7/10, 1/2, 2/5.
        doc = self.run_json("lyap1d", "--law", "minibatch(data=[1, 2, 4], batch=2, replace=false)", "--lr", "1/5")
        truth = lambda: (iv.log(iv.mpf(7) / 10) + iv.log(iv.mpf(1) / 2) + iv.log(iv.mpf(2) / 5)) / 3
        self.assert_encloses(doc, truth, 16)
        # With replacement: ordered pairs of [1, 3]: means 1 (1/4), 2 (1/2), 3 (1/4); lr = 1/4.
        doc = self.run_json("lyap1d", "--law", "minibatch(data=[1, 3], batch=2, replace=true)", "--lr", "1/4")
        truth = lambda: iv.log(iv.mpf(3) / 4) / 4 + iv.log(iv.mpf(1) / 2) / 2 + iv.log(iv.mpf(1) / 4) / 4
        self.assert_encloses(doc, truth, 16)

    # ----------------------------------------------------------------------------------------
    # bad input: exit status 2 with a message naming the problem

    def test_bad_laws(self):
        L = ["lyap1d", "--lr", "1", "--law"]
        cases = [
            ("foo(1)", ["unknown law 'foo'"]),
            ("atoms", ["unknown word 'atoms'"]),
            ("scale(d=2, law=atoms(1))", ["unknown argument 'd'"]),
            ("atoms(x=1)", ["unexpected keyword 'x'"]),
            ("atoms(1..2)", ["malformed number '1..2'"]),
            ("atoms(1/0)", ["zero denominator"]),
            ("atoms(0x10)", ["law syntax error"]),
            ("atoms(1e10000)", ["exponent beyond +-9999"]),
            ("atoms(" + "7" * 100001 + ")", ["more than 100000 digits"]),
            ("[" * 33 + "]" * 33, ["nesting deeper than 32"]),
            ("atoms(1:1/2, 2:1/3)", ["probabilities sum to 5/6, not 1"]),
            ("atoms(1:-1/2, 2:3/2)", ["negative probability"]),
            ("atoms(1:1/2, 2)", ["give a probability to every atom"]),
            ("mix(atoms(1):1/2, atoms(2):1/3)", ["weights sum to 5/6"]),
            ("atoms()", ["needs at least one value"]),
            ("", ["expected a value"]),
            ("Atoms(1)", ["identifiers are lowercase"]),
            ("atoms(inf)", ["'inf' is not a number"]),
        ]
        for law, frags in cases:
            with self.subTest(law=law[:60]):
                self.assert_bad_input(L + [law], *frags)
                self.assert_bad_input(L + [law, "--json"], *frags)

    def test_bad_minibatch(self):
        if not self.minibatch_available():
            self.skipTest("minibatch(...) not wired into the CLI yet")
        self.assert_bad_input(["lyap1d", "--lr", "1", "--law", "minibatch(data=[], batch=1)"], "empty")
        self.assert_bad_input(["lyap1d", "--lr", "1", "--law", "minibatch(data=[1, 2], batch=3, replace=false)"],
                              "batch")

    def test_bad_numbers_and_ranges(self):
        law = ["--law", "atoms(1, 2)"]
        cases = [
            (["lyap1d", *law, "--lr", "0"], ["learning rate must be > 0, got 0"]),
            (["lyap1d", *law, "--lr", "-1/2"], ["learning rate must be > 0, got -1/2"]),
            (["lyap1d", *law, "--lr=-0.5"], ["learning rate must be > 0"]),
            (["lyap1d", *law, "--lr", "0.1.2"], ["malformed number '0.1.2'"]),
            (["lyap1d", *law, "--lr", "1e99999"], ["exponent beyond"]),
            (["lyap1d", *law, "--lr", "abc"], ["malformed number"]),
            (["moment", *law, "--lr", "1", "--p", "0"], ["moment order p must be nonzero"]),
            # atoms(1, 2) at lr = 1 has the multiplier 0: every negative moment is +inf (LYAP1D-MOM-NEG-1)
            (["moment", *law, "--lr", "1", "--p=-1"], ["is +inf for p = -1 < 0: an atom sits exactly at h = 1/lr"]),
            # sqnormal: +inf for p <= -1 with a zero inside the support (CONT-SQN-NEG-1)
            (["moment", "--law", "sqnormal(0, 1)", "--lr", "1/2", "--p=-1"],
             ["is +inf for p = -1 <= -1", "inside the support of a sqnormal law"]),
            # a mixture is certified only when every component is (LYAP1D-MOM-NEG-2)
            (["moment", "--law", "mix(normal(0, 1):1/2, shift(2, sqnormal(0, 1)):1/2)", "--lr", "1/2", "--p=-1/2"],
             ["is +inf for p = -1/2 <= -1/2", "the edge of the support of a sqnormal law"]),
            (["moment", "--law", "bivariate(0, 0, 1, 1, 1/2)", "--lr", "1/2", "--p=-1"],
             ["p = -1 <= -1 of a bivariate law"]),
            (["moment", "--law", "uniform(0, 4)", "--lr", "1/2", "--p=-1"], ["p = -1 <= -1 of a uniform law"]),
            (["moment", "--law", "xy(1, 1/2)", "--lr", "1/2", "--p=-1"], ["p = -1 <= -1 of an xy law"]),
            (["moment", *law, "--lr", "1", "--p", "2x"], ["malformed number"]),
            (["lyap1d", *law, "--lr", "1", "--digits", "0"], ["--digits must be in [1, 10000], got 0"]),
            (["lyap1d", *law, "--lr", "1", "--digits", "10001"], ["--digits must be in [1, 10000], got 10001"]),
            (["lyap1d", *law, "--lr", "1", "--digits", "-3"], ["--digits"]),
            (["lyap1d", *law, "--lr", "1", "--digits", "many"], ["usage error", "--digits"]),
            (["moment", *law, "--lr", "1", "--p", "2", "--digits", "0"], ["--digits must be in [1, 10000]"]),
            (["lyap1d", *law, "--lr", "1", "--max-bits", "10"], ["--max-bits must be in"]),
            (["lyap1d", "--law", "atoms(1, 2, 3)", "--lr", "1", "--max-atoms", "2"], ["exceed --max-atoms 2"]),
        ]
        for args, frags in cases:
            with self.subTest(args=args):
                self.assert_bad_input(args, *frags)

    def test_usage_errors(self):
        cases = [
            ([], ["usage error", "subcommand"]),
            (["frobnicate"], ["usage error"]),
            (["lyap1d", "--lr", "1"], ["usage error", "--law is required"]),
            (["lyap1d", "--law", "atoms(1)"], ["usage error", "--lr is required"]),
            (["moment", "--law", "atoms(1)", "--lr", "1"], ["usage error", "--p is required"]),
            (["lyap1d", "--law", "atoms(1)", "--lr", "1", "--bogus"], ["usage error", "--bogus"]),
            (["lyap1d", "--law", "atoms(1)", "--lr", "1", "--digits"], ["usage error"]),
        ]
        for args, frags in cases:
            with self.subTest(args=args):
                self.assert_bad_input(args, *frags)

    def test_interrupt_exit_130(self):
        # A computation long enough to interrupt (about 10 s): g(1/3) to 10^4 digits over 3000
        # atoms with unrelated 9-digit numerators and denominators (fixed pseudo-random sequence).
        path = os.path.join(self.tmp.name, "many.txt")
        x = 12345
        atoms = []
        for _ in range(3000):
            x = (x * 6364136223846793005 + 1442695040888963407) % 2 ** 64
            atoms.append(f"{x % 999999937 + 1}/{(x >> 32) % 999999929 + 1}")
        with open(path, "w") as f:
            f.write("atoms(" + ", ".join(atoms) + ")")
        p = subprocess.Popen([CLI, "moment", "--law", "@" + path, "--lr", "1/3", "--p", "1/3", "--digits", "10000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        if p.poll() is not None:
            p.communicate()
            self.skipTest("the computation finished before it could be interrupted")
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 130, err)
        self.assertIn("interrupted", err)


def main():
    global CLI, SCHEMAS
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    args, rest = ap.parse_known_args()
    CLI = os.path.abspath(args.cli)
    SCHEMAS = os.path.abspath(args.schemas)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
