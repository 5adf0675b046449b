#!/usr/bin/env python3
"""End-to-end tests of `lyapcert table` and `lyapcert recheck` (docs/tables.md).

Checks: every format written and parsed back (CSV/JSON exact endpoints equal, Markdown/LaTeX show the certified
digits), JSON outputs valid against docs/schema/{table,recheck}.schema.json, certified digits against rigorous
mpmath.iv enclosures of closed forms, bad specs refused with exit 2 and nothing written, interruption (SIGINT) and
resume without recomputing finished rows and with output identical to an uninterrupted run, and recheck passing a
genuine table and failing one whose numbers were altered by one unit in the last digit (exit 4).
Deterministic: no randomness except the seeded Monte Carlo row, whose seed is in the spec.
"""
import argparse
import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from fractions import Fraction

import jsonschema
import mpmath
from mpmath.libmp import to_rational

FAILURES = []


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL:", msg, file=sys.stderr)


def exact(text):
    """Exact value of 'm*2^e', 'p/q' or a decimal."""
    if "*2^" in text:
        m, e = text.split("*2^")
        e = int(e)
        return Fraction(int(m)) * (Fraction(2) ** e)
    return Fraction(text)


def run(cli, args, env=None, timeout=120):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([cli] + args, capture_output=True, text=True, env=e, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def load_schema(schemas, name):
    with open(os.path.join(schemas, name)) as f:
        return json.load(f)


def shown_value(plain):
    """'-0.2310...' or '-2.31...e-7' -> (value, unit of last digit)."""
    head, _, tail = plain.partition("...")
    exp = int(tail[1:]) if tail.startswith("e") else 0
    frac = len(head.split(".")[1]) if "." in head else 0
    return Fraction(head) * Fraction(10) ** exp, Fraction(10) ** (exp - frac)


def test_example_table(cli, schemas, examples, tmp):
    spec = os.path.join(examples, "paper-table.spec.json")
    out = os.path.join(tmp, "paper")
    rc, so, se = run(cli, ["table", "--spec", spec, "--out", out, "--jobs", "2"])
    check(rc == 0, f"table exit {rc}: {se}")
    for ext in ("json", "csv", "md", "tex"):
        check(os.path.exists(f"{out}.{ext}"), f"{out}.{ext} missing")
    check(not any(".tmp." in f or f.endswith(".partial.jsonl") for f in os.listdir(tmp)), "temporaries left behind")
    with open(out + ".json") as f:
        doc = json.load(f)
    jsonschema.validate(doc, load_schema(schemas, "table.schema.json"))
    check(doc["provenance"]["spec"] == json.load(open(spec)), "provenance does not carry the spec")
    for lib in ("arb", "flint", "mpfr", "gmp", "mpfi", "boost", "eigen"):
        check(doc["provenance"]["libraries"].get(lib), f"library version {lib} missing")

    # CSV round trip: one line per entry, exact endpoints equal to the JSON ones.
    text = open(out + ".csv").read()
    check(text.startswith("# lyapcert certified table"), "CSV provenance header missing")
    rows = list(csv.DictReader(io.StringIO("".join(l for l in text.splitlines(True) if not l.startswith("#")))))
    expected = []
    for r in doc["rows"]:
        expected += [(r, e) for e in r["entries"]] or [(r, None)]
    check(len(rows) == len(expected), f"CSV has {len(rows)} lines, JSON {len(expected)} entries")
    for rec, (r, e) in zip(rows, expected):
        check(rec["id"] == r["id"] and json.loads(rec["inputs"]) == r["inputs"], f"CSV row {rec['id']} inputs differ")
        if e is None:
            continue
        for k in ("lower_exact", "upper_exact"):
            if e[k] in (None, "-inf"):
                check(rec[k] == (e[k] or ""), f"CSV {k} of {r['id']}")
            else:
                check(exact(rec[k]) == exact(e[k]), f"CSV {k} of {r['id']} differs from JSON")
        # Decimals enclose the exact endpoints.
        if e["guarantee"] in ("enclosure",) and e["lower"] != "-inf":
            check(Fraction(rec["lower"]) <= exact(e["lower_exact"]) <= exact(e["upper_exact"]) <= Fraction(rec["upper"]),
                  f"decimals of {r['id']} do not enclose the exact endpoints")
    # Markdown and LaTeX parsed back: row by row, the value cell is the entry's certified digits.
    md, tex = open(out + ".md").read(), open(out + ".tex").read()
    md_rows = [l for l in md.splitlines() if l.startswith("| ") and not l.startswith("| id |")]
    tex_rows = tex.split("\\midrule\n")[1].split("\\bottomrule")[0].strip().splitlines()
    check(len(md_rows) == len(expected) == len(tex_rows), f"md {len(md_rows)} / tex {len(tex_rows)} lines, {len(expected)} entries")
    for mline, tline, (r, e) in zip(md_rows, tex_rows, expected):
        mcells, tcells = mline.strip("| ").split(" | "), tline.rstrip(" \\").split(" & ")
        check(mcells[0] == r["id"], f"Markdown row {mcells[0]} is not {r['id']}")
        if e is not None:
            check(mcells[4].startswith(e["shown_md"]), f"Markdown value {mcells[4]!r} is not {e['shown_md']!r}")
            check(tcells[3].startswith(e["shown_tex"]), f"LaTeX value {tcells[3]!r} is not {e['shown_tex']!r}")

    # Certified digits against rigorous mpmath interval enclosures of closed forms (docs/math.md sections 2 and 6).
    mpmath.iv.dps = 60
    refs = {
        "two-atoms": -mpmath.iv.log(2) / 3,
        "gauss[s=1]": -(mpmath.iv.euler + mpmath.iv.log(2)) / 2,
        "ginibre2": (mpmath.iv.log(2) - mpmath.iv.euler) / 2,
    }
    byid = {r["id"]: r for r in doc["rows"]}
    for rid, ref in refs.items():
        e = byid[rid]["entries"][0]
        val, unit = shown_value(e["shown"])
        lo, hi = Fraction(*to_rational(ref._mpi_[0])), Fraction(*to_rational(ref._mpi_[1]))  # exact endpoints
        for v in (lo, hi):
            check(abs(val) <= abs(v) < abs(val) + unit and (v < 0) == (val < 0),
                  f"{rid}: shown digits {e['shown']} are not digits of the reference {ref}")
        check(exact(e["lower_exact"]) <= hi and lo <= exact(e["upper_exact"]), f"{rid}: enclosure misses the reference")
    check(byid["exact-zero"]["entries"][0]["shown"] == "0 (exact)", "exact zero not shown as exact")
    check(byid["hit-saddle"]["entries"][0]["shown"] == "-inf (exact)", "-inf not shown as exact")
    return out + ".json", doc


def bump_last_digit(d, delta):
    mant, sep, exp = d.partition("e")
    last = int(mant[-1]) + delta
    return mant[:-1] + str(last % 10) + sep + exp


def test_recheck(cli, schemas, table, doc, tmp):
    rc, so, se = run(cli, ["recheck", table, "--json", "--jobs", "2"])
    check(rc == 0, f"recheck of a genuine table: exit {rc}: {so[-2000:]} {se}")
    rep = json.loads(so)
    jsonschema.validate(rep, load_schema(schemas, "recheck.schema.json"))
    check(rep["ok"] and rep["failed"] == 0, "genuine table does not pass recheck")
    backends = {r["id"]: r.get("backend") for r in rep["rows"]}
    check(backends["two-atoms"] == "mpfi" and backends["uniform"] == "mpfi" and backends["phase-data"] == "mpfi",
          f"MPFI backend not used where implemented: {backends}")
    # Every certified row is rechecked by an independent path, named in the report (docs/tables.md).
    methods = {r["id"]: r.get("method") for r in rep["rows"]}
    check(all(r.get("independent") for r in rep["rows"] if r["quantity"] != "estimate"),
          f"a certified row was not rechecked independently: {[(r['id'], r.get('independent')) for r in rep['rows']]}")
    check(methods["gauss[s=1]"] == "gauss-quadrature" and methods["ginibre2"] == "mpfi-ginibre-elementary-psi",
          f"unexpected recheck methods: {methods}")
    rc, so, se = run(cli, ["recheck", table, "--time-budget", "0"])
    check(rc == 2 and "--time-budget" in se, f"--time-budget 0: exit {rc} {se}")
    # One unit in the last digit of one printed endpoint: recheck must fail (exit 4) and name the row.
    for rid, field, delta in (("two-atoms", "upper", 1), ("data10[lr=0.9]", "lower", -1), ("gauss[s=2]", "lower", 1),
                              ("mc-ginibre2", "upper", 1)):
        bad = json.loads(json.dumps(doc))
        row = next(r for r in bad["rows"] if r["id"] == rid)
        row["entries"][0][field] = bump_last_digit(row["entries"][0][field], delta)
        path = os.path.join(tmp, "altered.json")
        json.dump(bad, open(path, "w"))
        rc, so, se = run(cli, ["recheck", path])
        check(rc == 4, f"altered {rid}.{field} by {delta} in the last digit: recheck exit {rc}")
        check(f"({rid}, " in so and "FAIL" in so, f"recheck output does not name the altered row {rid}: {so[-800:]}")
    rc, so, se = run(cli, ["recheck", os.path.join(tmp, "nonexistent.json")])
    check(rc == 2 and "cannot read" in se, f"missing file: exit {rc} {se}")
    junk = os.path.join(tmp, "junk.json")
    open(junk, "w").write('{"command": "lyap1d"}')
    rc, so, se = run(cli, ["recheck", junk])
    check(rc == 2 and "not a lyapcert table" in se, f"non-table: exit {rc} {se}")


def test_bad_specs(cli, tmp):
    cases = [
        ('{"rows": [{"quantity": "exponent", "law": "atoms(1)", "lr": 0.1}]}', "binary64"),
        ('{"rows": [{"quantity": "exponent", "law": "atoms(1", "lr": "1"}]}', "law syntax error"),
        ('{"rows": [{"quantity": "exponent", "law": "atoms(1)", "lr": "1", "colour": "red"}]}', "unknown field 'colour'"),
        ('{"rows": [{"quantity": "moment", "law": "atoms(1)", "lr": "1"}]}', "missing field 'p'"),
        ('{"rows": [{"quantity": "exponent", "law": "atoms(1)", "lr": "1"}], "extra": 1}', "unknown top-level field"),
        ('[1, 2', "not valid JSON"),
    ]
    for i, (text, msg) in enumerate(cases):
        spec = os.path.join(tmp, f"bad{i}.json")
        open(spec, "w").write(text)
        out = os.path.join(tmp, f"badout{i}")
        rc, so, se = run(cli, ["table", "--spec", spec, "--out", out])
        check(rc == 2, f"bad spec {i}: exit {rc}")
        check(se.startswith("lyapcert: error: ") and msg in se, f"bad spec {i}: message {se!r} lacks {msg!r}")
        check(not any(f.startswith(f"badout{i}") for f in os.listdir(tmp)), f"bad spec {i}: files written")
    rc, so, se = run(cli, ["table", "--spec", os.path.join(tmp, "bad0.json"), "--out", "x", "--format", "pdf"])
    check(rc == 2 and "unknown format 'pdf'" in se, f"unknown format: {rc} {se}")
    spec = os.path.join(tmp, "self.json")
    open(spec, "w").write('{"rows": [{"quantity": "exponent", "law": "atoms(1)", "lr": "1/2"}]}')
    rc, so, se = run(cli, ["table", "--spec", spec, "--out", os.path.join(tmp, "self")])
    check(rc == 2 and "overwrite the spec" in se, f"--out over the spec: {rc} {se}")


def lines(path):
    try:
        with open(path) as f:
            return [l for l in f.read().split("\n") if l.strip()]
    except FileNotFoundError:
        return []


def test_interrupt_and_resume(cli, tmp):
    # Sixteen rows of about a tenth of a second each (high-precision Gaussian closed forms).
    spec = {"title": "resume test", "defaults": {"digits": "8000"},
            "rows": [{"id": "g", "quantity": "exponent", "law": "normal({m}, 1)", "lr": "1",
                      "grid": {"m": [f"{k}/7" for k in range(1, 17)]}}]}
    spec_path = os.path.join(tmp, "resume-spec.json")
    json.dump(spec, open(spec_path, "w"))
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    ref = os.path.join(tmp, "ref")
    t0 = time.time()
    rc, _, se = run(cli, ["table", "--spec", spec_path, "--out", ref, "--jobs", "2"], env=env)
    check(rc == 0, f"reference run: {rc} {se}")
    ref_time = time.time() - t0

    out = os.path.join(tmp, "res")
    journal = out + ".partial.jsonl"
    e = dict(os.environ)
    e.update(env)

    def interrupted_run(min_rows, sig):
        p = subprocess.Popen([cli, "table", "--spec", spec_path, "--out", out, "--jobs", "1"], env=e,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while len(lines(journal)) < min_rows + 1 and time.time() < deadline and p.poll() is None:  # + header
            time.sleep(0.005)
        p.send_signal(sig)
        _, err = p.communicate(timeout=60)
        return p.returncode, err, len(lines(journal)) - 1

    # A hard kill (SIGKILL) first, then Ctrl-C (SIGINT) of the restarted run: both leave only the journal.
    rc, err, n1 = interrupted_run(2, signal.SIGKILL)
    check(rc == -signal.SIGKILL, f"killed run: exit {rc} ({err}); reference run took {ref_time:.2f} s")
    rc, err, n2 = interrupted_run(n1 + 2, signal.SIGINT)
    check(rc == 130 and "interrupted" in err, f"interrupted run: exit {rc} ({err})")
    check(n1 >= 2 and n1 + 2 <= n2 < 16, f"journal rows after the kill {n1}, after the interruption {n2}")
    for ext in ("json", "csv", "md", "tex"):
        check(not os.path.exists(f"{out}.{ext}"), f"interrupted run wrote {out}.{ext}")
    check(not any(".tmp." in f for f in os.listdir(tmp)), "temporary files left after SIGINT")

    # Mark the finished rows: if the restart recomputed them, the marks would be gone.
    with open(journal) as f:
        all_lines = f.read().split("\n")
    marked = [all_lines[0]]
    ids = []
    for l in all_lines[1:]:
        if not l.strip():
            continue
        try:
            r = json.loads(l)
        except ValueError:
            continue
        r["message"] = "row-from-journal"
        ids.append(r["id"])
        marked.append(json.dumps(r))
    open(journal, "w").write("\n".join(marked) + "\n")
    print(f"interrupted after {len(ids)} of 16 rows (uninterrupted run: {ref_time:.2f} s)")

    rc, _, se = run(cli, ["table", "--spec", spec_path, "--out", out, "--jobs", "2"], env=env)
    check(rc == 0, f"resumed run: {rc} {se}")
    check(f"{len(ids)} resumed from the journal, {16 - len(ids)} computed" in se, f"resume summary: {se!r}")
    check(not os.path.exists(journal), "journal left after a complete run")
    doc = json.load(open(out + ".json"))
    refdoc = json.load(open(ref + ".json"))
    for r in doc["rows"]:
        check((r["message"] == "row-from-journal") == (r["id"] in ids), f"row {r['id']} recomputed or not resumed")
        r["message"] = ""
    check(doc == refdoc, "resumed table differs from the uninterrupted one")
    for ext in ("csv", "md", "tex"):
        check(open(f"{out}.{ext}").read() == open(f"{ref}.{ext}").read(), f"resumed {ext} differs from the reference")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--examples", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        table, doc = test_example_table(a.cli, a.schemas, a.examples, tmp)
        test_recheck(a.cli, a.schemas, table, doc, tmp)
        test_bad_specs(a.cli, tmp)
        test_interrupt_and_resume(a.cli, tmp)
        print(f"tables CLI tests: {time.time() - t0:.1f} s, {len(FAILURES)} failures")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
