#!/usr/bin/env python3
"""Bad input never crashes, hangs or eats memory (docs/cli.md, "Input limits").

Each case is a reproducer of a defect that once crashed (SIGSEGV), ran out of memory, read a device forever,
re-read its own output as a malformed number, or mislabelled an exit status. The binary runs under an address
space limit (RLIMIT_AS, 3 GiB unless stated) and a wall-clock limit, so a regression fails here instead of
swapping the machine. Values of the cases that now compute are checked against independent bounds (Taylor
bounds in exact rationals, mpmath closed forms, hand-derived exponents). About 10 s in all.

usage: inputs_test.py --cli PATH/TO/lyapcert [unittest args]
"""
import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import unittest
from fractions import Fraction

import mpmath

CLI = None
GiB = 1 << 30
# --no-address-limit (the sanitizer build): AddressSanitizer reserves terabytes of address space for its shadow
# memory, so RLIMIT_AS cannot be used; the wall-clock limits still apply.
ADDRESS_LIMIT = True


def run(*args, memory=3 * GiB, timeout=120, shell=False, cwd=None):
    """(exit status, stdout bytes, stderr bytes, seconds) of the CLI under an address-space limit."""
    def limit():
        if ADDRESS_LIMIT:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cmd = args[0] if shell else [CLI, *args]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, timeout=timeout, preexec_fn=limit, shell=shell,
                       executable="/bin/bash" if shell else None, cwd=cwd)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


class Inputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.TemporaryDirectory()
        cls.tmp = cls.tmpdir.name

    @classmethod
    def tearDownClass(cls):
        cls.tmpdir.cleanup()

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return path

    def refused(self, args, message, **kw):
        rc, out, err, secs = run(*args, **kw)
        self.assertEqual(rc, 2, f"{args[:4]}: exit {rc}, stderr {err[-600:]!r}")
        self.assertTrue(err.startswith(b"lyapcert: error: "), err[-600:])
        self.assertIn(message.encode(), err, err[-600:])
        self.assertEqual(out, b"")
        return err, secs

    # 1. JSON nesting: table --spec used to die of SIGSEGV (exit 139) on 200,000 nested '['.
    def test_deeply_nested_json_is_refused_not_a_crash(self):
        spec = self.write("deep.json", '{"notes": ' + "[" * 200000 + "]" * 200000 +
                          ', "rows": [{"quantity": "exponent", "law": "atoms(1)", "lr": "1/2"}]}')
        self.refused(["table", "--spec", spec, "--out", os.path.join(self.tmp, "deep")],
                     "JSON nested 200001 levels deep, more than the limit of 64")
        self.refused(["recheck", spec], "JSON nested 200001 levels deep, more than the limit of 64")
        self.assertFalse(any(f.startswith("deep.") and f != "deep.json" for f in os.listdir(self.tmp)))
        # 64 levels are fine (the notes are free-form)
        ok = self.write("okspec.json", '{"notes": ' + "[" * 60 + "]" * 60 +
                        ', "rows": [{"quantity": "exponent", "law": "atoms(1)", "lr": "1/2"}]}')
        rc, out, err, _ = run("table", "--spec", ok, "--out", os.path.join(self.tmp, "ok"), "--format", "json",
                              "--quiet")
        self.assertEqual(rc, 0, err)

    # 2. Files: a size cap everywhere, devices and directories refused by name, pipes streamed.
    def test_devices_are_refused_before_reading(self):
        # Each of these grew past 4 GB reading /dev/zero; now refused at once under a 1 GiB address space.
        for args, what in [(["phase", "--lr", "1", "--data", "/dev/zero"], "data file"),
                           (["phase-diagram", "--grid", "2x2", "--data", "/dev/zero",
                             "--out", os.path.join(self.tmp, "pd")], "data file"),
                           (["simulate", "--model", "twolayer", "--lr", "1/2", "--steps", "10", "--runs", "2",
                             "--data", "/dev/zero"], "data file"),
                           (["lyap1d", "--law", "@/dev/zero", "--lr", "1"], "law file"),
                           (["table", "--spec", "/dev/zero", "--out", os.path.join(self.tmp, "z")], "spec file"),
                           (["recheck", "/dev/zero"], "table file"),
                           (["verify", "--against", "/dev/zero"], "CSV file")]:
            _, secs = self.refused(args, f"cannot read {what} '/dev/zero': is a character device, not a regular "
                                         "file or a pipe", memory=GiB)
            self.assertLess(secs, 20, args)

    def test_directories_are_directories(self):
        for args, what in [(["lyap1d", "--law", "@" + self.tmp, "--lr", "1"], "law file"),
                           (["phase", "--lr", "1", "--data", self.tmp], "data file"),
                           (["table", "--spec", self.tmp, "--out", os.path.join(self.tmp, "d")], "spec file"),
                           (["recheck", self.tmp], "table file"),
                           (["verify", "--against", self.tmp], "CSV file")]:
            self.refused(args, f"cannot read {what} '{self.tmp}': is a directory")

    def test_size_caps(self):
        big = os.path.join(self.tmp, "sparse.txt")
        with open(big, "wb") as f:
            f.truncate((64 << 20) + 1)  # sparse: no disk used
        self.refused(["lyap1d", "--law", "@" + big, "--lr", "1"], f"law file '{big}' exceeds the limit of 64 MiB")
        self.refused(["phase", "--lr", "1", "--data", big], f"data file '{big}' exceeds the limit of 64 MiB")
        self.refused(["table", "--spec", big, "--out", os.path.join(self.tmp, "s")],
                     f"spec file '{big}' exceeds the limit of 64 MiB")
        # a pipe longer than the cap: streamed up to the cap, then refused (not "text ended", not a hang)
        _, secs = self.refused([f"{CLI} lyap1d --law @<(head -c 70000000 /dev/zero | tr '\\0' ' ') --lr 1"],
                               "exceeds the limit of 64 MiB", shell=True, memory=GiB)
        self.assertLess(secs, 30)

    def test_process_substitution_is_read(self):
        rc, out, err, _ = run(f"{CLI} lyap1d --law @<(echo 'atoms(-1:1/3, 1/2:2/3)') --lr 1 --json", shell=True)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["law"], "atoms(-1:1/3, 1/2:2/3)")
        rc, out, err, _ = run(f"{CLI} phase --lr 1/10 --data <(printf 'x,y\\n1,1\\n1,2\\n2,1\\n') --json",
                              shell=True)
        self.assertEqual(rc, 0, err)
        rc, out, err, _ = run(f"printf 'atoms(1/2)' | {CLI} lyap1d --law @/dev/stdin --lr 1", shell=True)
        self.assertEqual(rc, 0, err)

    # 5. Results beyond exponent +-9999 are printed and read back, not "malformed number".
    def test_results_beyond_exponent_9999(self):
        rc, out, err, _ = run("lyap1d", "--law", "atoms(5/6)", "--lr", "1e-9999", "--json")
        self.assertEqual(rc, 0, err)
        enc = json.loads(out)["enclosure"]
        lo, hi = Fraction(enc["lower"]), Fraction(enc["upper"])
        x = Fraction(5, 6) / 10 ** 9999  # Lambda = log(1 - x); -x - x^2/2 - x^3 <= log(1 - x) <= -x - x^2/2
        self.assertLessEqual(lo, -x - x * x / 2 - x ** 3)
        self.assertGreaterEqual(hi, -x - x * x / 2)
        self.assertLess(hi - lo, Fraction(1, 10 ** 10015))
        self.assertEqual(json.loads(out)["sign"], "negative")

        rc, out, err, _ = run("moment", "--law", "normal(1, 1)", "--lr", "1", "--p", "1e9999", "--json")
        self.assertIn(rc, (0, 3), err)
        self.assertNotIn(b"malformed", err)
        enc = json.loads(out)["enclosure"]
        # 1 - h ~ N(0, 1): E|Z|^p = 2^(p/2) Gamma((p + 1)/2) / sqrt(pi), the absolute moments of a standard
        # normal; mpmath at 60 digits.
        mpmath.mp.dps = 60
        p = mpmath.mpf(10) ** 9999
        ref = p / 2 * mpmath.log(2) + mpmath.loggamma((p + 1) / 2) - mpmath.log(mpmath.pi) / 2
        slack = abs(ref) * mpmath.mpf(10) ** -50
        to_mp = lambda s: mpmath.mpf(Fraction(s).numerator) / Fraction(s).denominator
        self.assertLessEqual(to_mp(enc["lower"]), ref + slack)
        self.assertGreaterEqual(to_mp(enc["upper"]), ref - slack)

        rc, out, err, _ = run("boundary", "--law", "atoms(-1, 1/2)", "--lr-min", "1e-9999", "--lr-max", "1e9999",
                              "--json", timeout=300)
        self.assertIn(rc, (0, 3), err)
        self.assertNotIn(b"malformed", err)
        roots = json.loads(out)["roots"]
        # Lambda = (log|1 + lr| + log|1 - lr/2|)/2 is 0 where (1 + lr)(1 - lr/2) = +-1: lr = 1, (1 + sqrt 17)/2
        for truth in (1.0, (1 + math.sqrt(17)) / 2):
            self.assertEqual(sum(float(Fraction(r["lower"])) <= truth * (1 + 1e-12) and
                                 float(Fraction(r["upper"])) >= truth * (1 - 1e-12) for r in roots), 1,
                             (truth, roots))

    # 6. An internal limit is undetermined (exit 3, best bound), never exit 2 naming an internal function.
    def test_matrix_entries_beyond_binary64(self):
        rc, out, err, _ = run("lyapnd", "--law",
                              "matrices([[1e9999,0],[0,1e-9999]], [[0,1e9999],[1e-9999,0]])", "--json",
                              "--time-budget", "20", timeout=120)
        self.assertIn(rc, (0, 3), err)
        self.assertNotIn(b"certify_poisson_bounds", err + out)
        doc = json.loads(out)
        # Monomial matrices: log of each entry of the product is a zero-drift walk in steps of +-log 10^9999,
        # so Lambda = 0 (hand-derived); the enclosure must contain it.
        lo, hi = doc["enclosure"]["lower"], doc["enclosure"]["upper"]
        self.assertTrue(lo in (None, "-inf") or Fraction(lo) <= 0, doc["enclosure"])
        self.assertTrue(hi in (None, "inf", "+inf") or Fraction(hi) >= 0, doc["enclosure"])

    # 7. Replicates: 2^32 - 1 of them ran out of memory; now refused up front (more than 2^40 steps in all).
    def test_reps_beyond_what_the_machine_can_do(self):
        _, secs = self.refused(["estimate", "--law", "ginibre(2, 1)", "--steps", "16", "--reps", "4294967295"],
                               "more than the limit of 2^40", memory=GiB)
        self.assertLess(secs, 10)
        spec = self.write("reps.json", json.dumps({"rows": [
            {"quantity": "estimate", "law": "ginibre(2, 1)", "steps": 16, "reps": 4294967295}]}))
        self.refused(["table", "--spec", spec, "--out", os.path.join(self.tmp, "reps")],
                     "more than the limit of 2^40", memory=GiB)

    # 8. A malformed table is bad input (2), not "a row was refuted" (4).
    def test_recheck_malformed_table_is_exit_2(self):
        spec = self.write("smallspec.json", json.dumps({"rows": [
            {"id": "a", "quantity": "exponent", "law": "atoms(-1:1/3, 1/2:2/3)", "lr": "1"}]}))
        prefix = os.path.join(self.tmp, "small")
        rc, out, err, _ = run("table", "--spec", spec, "--out", prefix, "--format", "json", "--quiet")
        self.assertEqual(rc, 0, err)
        with open(prefix + ".json") as f:
            doc = json.load(f)
        rc, _, err, _ = run("recheck", prefix + ".json")
        self.assertEqual(rc, 0, err)
        cases = [(lambda r: r.pop("inputs"), "rows[0]: key 'inputs' not found"),
                 (lambda r: r.__setitem__("entries", "x"), "rows[0]: 'entries' must be an array"),
                 (lambda r: r.__setitem__("index", -1), "rows[0]: 'index' must be a non-negative integer"),
                 (lambda r: r["entries"][0].pop("lower_exact"), "entries[0]: key 'lower_exact' not found"),
                 (lambda r: r["entries"][0].__setitem__("upper_exact", "1/0"), "zero denominator"),
                 (lambda r: r["inputs"].__setitem__("law", "atoms(1"), "law syntax error")]
        for i, (damage, message) in enumerate(cases):
            bad = json.loads(json.dumps(doc))
            damage(bad["rows"][0])
            path = self.write(f"malformed{i}.json", json.dumps(bad))
            self.refused(["recheck", path], message)
        # a well-formed row with an altered digit is still refuted (4)
        bad = json.loads(json.dumps(doc))
        e = bad["rows"][0]["entries"][0]
        mant, sep, exp = e["upper"].partition("e")
        e["upper"] = mant[:-1] + str((int(mant[-1]) + 1) % 10) + sep + exp
        rc, _, err, _ = run("recheck", self.write("altered.json", json.dumps(bad)))
        self.assertEqual(rc, 4, err)

    # 10. --max-atoms is counted while parsing: a 16 MB flat law no longer takes 2.1 GB and 15 s to refuse.
    def test_max_atoms_is_counted_while_parsing(self):
        law = self.write("flat.txt", "atoms(" + ", ".join(["1"] * 5_500_000) + ")")
        self.assertGreater(os.path.getsize(law), 16_000_000)
        _, secs = self.refused(["lyap1d", "--law", "@" + law, "--lr", "1", "--max-atoms", "1000"],
                               "atoms(...) at offset 0: more than 1000 atoms exceed --max-atoms 1000",
                               memory=GiB // 2)
        self.assertLess(secs, 5)
        self.refused(["moment", "--law", "@" + law, "--lr", "1", "--p", "2", "--max-atoms", "1000"],
                     "more than 1000 atoms", memory=GiB // 2)
        self.refused(["boundary", "--law", "@" + law, "--max-atoms", "1000"], "more than 1000 atoms",
                     memory=GiB // 2)

    # 11. User text in messages is printable: NUL, controls and broken UTF-8 are escaped.
    def test_messages_escape_nul_and_broken_utf8(self):
        law = self.write("nul.txt", b"atoms(1, \x00\x01\xff)")
        err, _ = self.refused(["lyap1d", "--law", "@" + law, "--lr", "1"], "law syntax error")
        for raw in (b"\x00", b"\x01", b"\xff"):
            self.assertNotIn(raw, err)
        self.assertIn(b"\\x00", err)
        err.decode("utf-8")  # valid UTF-8
        rc, out, err, _ = run("lyap1d", "--law", "atoms(1)", "--lr", b"1\xff\x1b[31m".decode("utf-8", "surrogateescape"))
        self.assertEqual(rc, 2)
        self.assertNotIn(b"\xff", err)
        self.assertNotIn(b"\x1b", err)
        self.assertIn(b"\\xff\\x1b[31m", err)
        # raw bytes in an ignored column's name are echoed escaped: the JSON output stays valid (it was exit 1,
        # "invalid UTF-8 byte")
        odd = self.write("odd.csv", b"law,lr,value,n\xffote\n\"atoms(1/2)\",1,0,x\xfe\n")
        rc, out, err, _ = run("verify", "--against", odd, "--json")
        self.assertEqual(rc, 4, err)
        self.assertIn("n\\xffote", json.loads(out)["ignored_columns"])
        bad = self.write("bad\x01name.csv", b"law,lr,value\n\"atoms(1\xff)\",1,0\n")
        err, _ = self.refused(["verify", "--against", bad], "law syntax error")
        self.assertNotIn(b"\xff", err)
        self.assertNotIn(b"\x01", err)
        err.decode("utf-8")

    # 12. verify's data column reads only files in the CSV's folder unless --allow-absolute-data.
    def test_verify_data_paths_stay_in_the_csv_folder(self):
        folder = os.path.join(self.tmp, "csvdir")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "xy.csv"), "w") as f:
            f.write("x,y\n1,1\n1,2\n2,1\n")
        with open(os.path.join(self.tmp, "outside.csv"), "w") as f:
            f.write("x,y\n1,1\n")
        link = os.path.join(folder, "link.csv")
        if not os.path.lexists(link):
            os.symlink(os.path.join(self.tmp, "outside.csv"), link)

        def csv(data):
            path = os.path.join(folder, "rows.csv")
            with open(path, "w") as f:
                f.write(f"lr,data,phase\n1/10,{data},Ib\n")
            return path

        self.refused(["verify", "--against", csv("/etc/passwd")],
                     "data path '/etc/passwd' is absolute: give a path relative to the CSV's folder, or pass "
                     "--allow-absolute-data")
        self.refused(["verify", "--against", csv("../outside.csv")], "data path '../outside.csv' leaves the CSV's folder")
        self.refused(["verify", "--against", csv("sub/../../outside.csv")], "leaves the CSV's folder")
        self.refused(["verify", "--against", csv("link.csv")], "leads out of the CSV's folder (through a symbolic link)")
        # relative to the CSV's folder, wherever the tool runs from
        rc, out, err, _ = run("verify", "--against", csv("xy.csv"), "--json", cwd="/")
        self.assertIn(rc, (0, 4), err)
        self.assertEqual(len(json.loads(out)["rows"]), 1)
        # --allow-absolute-data reads them (here: /etc/passwd is then refused for its contents, not its path)
        err, _ = self.refused(["verify", "--against", csv("/etc/passwd"), "--allow-absolute-data"], "column 'data': ")
        self.assertIn(b"/etc/passwd", err)
        self.assertNotIn(b"is absolute", err)
        rc, out, err, _ = run("verify", "--against", csv("../outside.csv"), "--allow-absolute-data", "--json")
        self.assertIn(rc, (0, 4), err)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--no-address-limit", action="store_true")
    args, rest = ap.parse_known_args()
    CLI = os.path.abspath(args.cli)
    ADDRESS_LIMIT = not args.no_address_limit
    unittest.main(argv=[sys.argv[0], *rest])
