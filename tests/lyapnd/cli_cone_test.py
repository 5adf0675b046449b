#!/usr/bin/env python3
"""End-to-end check of `lyapcert lyapnd` on a 3x3 family of mixed signs that preserves a simplicial cone
(proofs/lyapnd/cycle_nd.md, LYAPND-CYCND-7): the symmetric square of Pollicott's pair conjugated by the unimodular
T = [[1, 2, 0], [0, 1, -1], [1, 0, 1]] reaches 20 digits under `auto` (the cycle expansion in a cone basis), and
the enclosure contains 2 x the published constant; the `cone_basis` of the JSON is checked here, in exact rational
arithmetic, to conjugate every atom to a matrix of one strict sign; the same family in its positive basis has no
`cone_basis`. Every --json output validates against docs/schema/lyapnd.schema.json.
usage: cli_cone_test.py --cli PATH/TO/lyapcert --schemas DIR
"""
import argparse, json, os, re, subprocess, sys, unittest
from decimal import Decimal, getcontext
from fractions import Fraction

import jsonschema

CLI = SCHEMAS = None
getcontext().prec = 60
# Pollicott (2010), Jurga-Morris (2019): the exponent of [[2, 1], [1, 1]], [[3, 1], [2, 1]] with p = 1/2.
POLLICOTT = Decimal("1.14331103510294924584325185365558829940254614")
CONJUGATED = "matrices([[5, 0, 3], [0, 1, 1], [3, 0, 2]]: 1/2, [[-2, 20, 23], [-1, 3, 3], [-1, 12, 14]]: 1/2)"
POSITIVE = "matrices([[4, 4, 1], [2, 3, 1], [1, 2, 1]]: 1/2, [[9, 6, 1], [6, 5, 1], [4, 4, 1]]: 1/2)"


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def atoms(law):
    return [[[Fraction(x) for x in row.split(",")] for row in re.findall(r"\[([^\[\]]+)\]", m)]
            for m in re.findall(r"\[(\[[^:]*\])\]:", law)]


def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def inverse(a):
    n = len(a)
    m = [list(r) + [Fraction(int(i == j)) for j in range(n)] for i, r in enumerate(a)]
    for c in range(n):
        p = next(r for r in range(c, n) if m[r][c] != 0)
        m[c], m[p] = m[p], m[c]
        f = m[c][c]
        m[c] = [x / f for x in m[c]]
        for r in range(n):
            if r != c and m[r][c] != 0:
                g = m[r][c]
                m[r] = [x - g * y for x, y in zip(m[r], m[c])]
    return [r[n:] for r in m]


class ConeBasis(unittest.TestCase):
    def check(self, law, *args, expect):
        rc, out, err = run("lyapnd", "--json", "--law", law, *args)
        self.assertEqual(rc, expect, err + out)
        doc = json.loads(out)
        with open(os.path.join(SCHEMAS, "lyapnd.schema.json")) as f:
            v = jsonschema.Draft202012Validator(json.load(f))
        errors = list(v.iter_errors(doc))
        self.assertFalse(errors, "; ".join(e.message for e in errors))
        return doc

    def test_conjugated_family_to_20_digits_with_a_checkable_basis(self):
        self.assertEqual(len(atoms(CONJUGATED)), 2)
        d = self.check(CONJUGATED, "--digits", "20", expect=0)
        self.assertEqual(d["method"], "cycle")
        self.assertTrue(d["converged"])
        lo, up = Decimal(d["enclosure"]["lower"]), Decimal(d["enclosure"]["upper"])
        self.assertLessEqual(lo, 2 * POLLICOTT)
        self.assertLessEqual(2 * POLLICOTT, up)
        self.assertLessEqual(up - lo, Decimal("1e-19"))
        t = [[Fraction(x) for x in row] for row in d["cone_basis"]]
        ti = inverse(t)
        for m in atoms(CONJUGATED):
            c = matmul(ti, matmul(m, t))
            entries = [x for row in c for x in row]
            self.assertTrue(all(x > 0 for x in entries) or all(x < 0 for x in entries), c)

    def test_positive_family_has_no_basis(self):
        d = self.check(POSITIVE, "--digits", "10", expect=0)
        self.assertEqual(d["method"], "cycle")
        self.assertNotIn("cone_basis", d)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    a, rest = ap.parse_known_args()
    CLI, SCHEMAS = a.cli, a.schemas
    unittest.main(argv=[sys.argv[0]] + rest)
