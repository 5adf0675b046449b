"""The CLI's commands as Python functions (lyapcert/_commands.py): each against the executable's --json output
for the same input (seeded), the CLI's option names and defaults, Ctrl-C (SIGINT -> KeyboardInterrupt within
about a second), and the progress bar (tqdm present: a bar on stderr; absent: silent). docs/python.md.

Run by ctest (python_commands) with PYTHONPATH set to the build's module directory and LYAPCERT_CLI to the
executable.
"""
import inspect
import json
import os
import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction

import pytest

import lyapcert

CLI = os.environ.get("LYAPCERT_CLI", "lyapcert")


def cli_json(*args, ok=(0, 3, 4)):
    """(exit status, JSON) of the executable, without the fields every output has (a Result drops them)."""
    p = subprocess.run([CLI, *args, "--json"], capture_output=True, text=True)
    assert p.returncode in ok, p.stderr
    j = json.loads(p.stdout)
    assert j.pop("schema") == 1 and j.pop("lyapcert_version") == lyapcert.__version__
    return p.returncode, j


def same(py, cli_status, cli):
    status, expected = cli_status, cli
    assert py.to_json() == expected
    assert py.exit_status == status


def test_critical_snr_matches_cli():
    r = lyapcert.critical_snr(digits=0, snr_max="0.3", jobs=2)
    same(r, *cli_json("critical-snr", "--digits", "0", "--snr-max", "0.3", "--jobs", "2"))
    lo, hi = Fraction(r.snr["lower"]), Fraction(r.snr["upper"])
    assert 0 < lo <= hi <= Fraction(3, 10)


def test_sign_matches_cli():
    # the multiplier A = 3 or 1/2 with equal probability: Lambda = (log 3 - log 2) / 2 > 0
    r = lyapcert.sign("atoms(3, 1/2)", level=0.99, budget=1 << 20, seed=7, threads=2)
    same(r, *cli_json("sign", "--law", "atoms(3, 1/2)", "--level", "0.99", "--budget", str(1 << 20),
                      "--seed", "7", "--threads", "2"))
    assert r.sign in ("positive", "undetermined")


def test_simulate_matches_cli_with_floats_and_a_numpy_dataset(tmp_path):
    np = pytest.importorskip("numpy")
    r = lyapcert.simulate("0.5", snr="1/5", runs=24, steps=300, seed=3, threads=2, init_scale=1e-3, per_run=True)
    same(r, *cli_json("simulate", "--lr", "0.5", "--snr", "1/5", "--runs", "24", "--steps", "300", "--seed", "3",
                      "--threads", "2", "--init-scale", "0.001", "--per-run"))
    assert r.summary["runs"] == 24 and len(r.per_run) == 24
    # a float lr is its exact binary value; a dataset array is written exactly
    xy = np.random.default_rng(11).normal(size=(12, 2))
    r = lyapcert.simulate(0.3, data=xy, runs=8, steps=100, seed=2)
    csv = tmp_path / "xy.csv"
    csv.write_text("x,y\n" + "".join(f"{Fraction(x)},{Fraction(y)}\n" for x, y in xy))
    _, expected = cli_json("simulate", "--lr", str(Fraction(0.3)), "--data", str(csv), "--runs", "8", "--steps",
                           "100", "--seed", "2")
    got = r.to_json()
    assert got["model"].pop("data") == expected["model"].pop("data") == 12
    assert got == expected


def test_check_matches_cli():
    r = lyapcert.check("1/4", snr="1/5", runs=20, seed=5, threads=2, max_steps=200000)
    same(r, *cli_json("check", "--lr", "1/4", "--snr", "1/5", "--runs", "20", "--seed", "5", "--threads", "2",
                      "--max-steps", "200000"))
    assert r.verdict in ("agree", "disagree", "undetermined")


SPEC = {"title": "t", "defaults": {"digits": "12"}, "rows": [
    {"id": "two-atoms", "quantity": "exponent", "law": "atoms(-1:1/3, 1/2:2/3)", "lr": "1"},
    {"id": "grid", "quantity": "exponent", "law": "atoms(2, -1)", "lr": "{lr}", "grid": {"lr": ["0.1", "0.7"]}},
    {"id": "m2", "quantity": "moment", "law": "atoms(2, -1)", "lr": "0.7", "p": "2"}]}


def test_table_and_recheck_match_cli(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    t = lyapcert.table(spec, tmp_path / "py", jobs=2, quiet=True)
    p = subprocess.run([CLI, "table", "--spec", str(spec), "--out", str(tmp_path / "cli"), "--jobs", "2", "--quiet"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    expected = json.loads((tmp_path / "cli.json").read_text())
    got = t.to_json()
    for d in (got, expected):  # provenance: the output prefix and the time of the run
        d.pop("generated", None)
        d.pop("out", None)
    assert [r["value"] if "value" in r else r for r in got["rows"]] == \
        [r["value"] if "value" in r else r for r in expected["rows"]]
    assert t.exit_status == 0 and all((tmp_path / f"py.{e}").exists() for e in ("csv", "json", "tex", "md"))
    rc = lyapcert.recheck(tmp_path / "py.json", jobs=2)
    same(rc, *cli_json("recheck", str(tmp_path / "py.json"), "--jobs", "2"))
    assert rc.ok


def test_verify_matches_cli(tmp_path):
    csv = tmp_path / "results.csv"
    csv.write_text('law,lr,value,stderr\n"atoms(-1:1/3, 1/2:2/3)",1,-0.231049,0.00001\n'
                   '"atoms(2, -1)",0.25,0.9,0.01\n')
    r = lyapcert.verify(csv, jobs=2)
    same(r, *cli_json("verify", "--against", str(csv), "--jobs", "2"))
    verdicts = [row["verdict"] for row in r.rows]
    assert verdicts[0] == "consistent" and verdicts[1] == "inconsistent"


def test_command_runs_any_cli_command(tmp_path):
    r = lyapcert.command("lyap1d", law="atoms(2, -1)", lr="1/4", digits=12)
    _, expected = cli_json("lyap1d", "--law", "atoms(2, -1)", "--lr", "1/4", "--digits", "12")
    assert r.to_json() == expected
    # a command that writes files: the Result is its JSON file, equal to the executable's
    r = lyapcert.command("phase-diagram", model="diagonal", beta="1,1/2", lr_range="1/10:1", sigma_range="1/2:2",
                         grid="3x2", digits=4, jobs=2, out=str(tmp_path / "py"))
    p = subprocess.run([CLI, "phase-diagram", "--model", "diagonal", "--beta", "1,1/2", "--lr-range", "1/10:1",
                        "--sigma-range", "1/2:2", "--grid", "3x2", "--digits", "4", "--jobs", "2", "--out",
                        str(tmp_path / "cli")], capture_output=True, text=True)
    assert p.returncode == r.exit_status == 0, p.stderr
    expected = json.loads((tmp_path / "cli.json").read_text())
    expected.pop("schema"), expected.pop("lyapcert_version")
    got = r.to_json()
    for d in (got, expected):  # provenance: the output prefix, the build's commit
        d.pop("out", None)
        d.pop("commit", None)
    assert got == expected


# --- names and defaults: every option of each command is a parameter with the CLI's default -------------------

FUNCTIONS = {"critical-snr": lyapcert.critical_snr, "sign": lyapcert.sign, "simulate": lyapcert.simulate,
             "check": lyapcert.check, "table": lyapcert.table, "recheck": lyapcert.recheck,
             "verify": lyapcert.verify}
# options whose Python default is None ("not given") while the CLI prints a default text
NOT_GIVEN = {"k", "jobs", "digits", "time_budget", "quantity", "init_scale", "steps", "data_sample"}


def as_number(text):
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return text.lower()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functions_have_the_cli_options_and_defaults(name):
    from lyapcert import _lyapcert as core
    params = inspect.signature(FUNCTIONS[name]).parameters
    for opt, default, required, is_flag, _ in core.command_options(name):
        if opt == "json":
            continue
        py = opt.replace("-", "_")
        assert py in params, f"{name}: --{opt} has no parameter"
        d = params[py].default
        if required or d is inspect.Parameter.empty:
            assert d is inspect.Parameter.empty or d is None, f"{name}: {py}"
            continue
        if is_flag:
            assert d is False, f"{name}: {py}"
        elif d is None:
            assert default == "" or py in NOT_GIVEN, f"{name}: {py} is None but the CLI's default is {default!r}"
        elif isinstance(d, bool):
            assert d == (default.lower() in ("1", "true")), f"{name}: {py} = {d!r}, the CLI's default is {default!r}"
        elif isinstance(d, float):  # a binary64 option: the CLI's default text read as binary64
            assert d == float(default), f"{name}: {py} = {d!r}, the CLI's default is {default!r}"
        elif default != "":
            got = as_number(str(d)) if isinstance(d, str) else Fraction(d)
            assert got == as_number(default), f"{name}: {py} = {d!r}, the CLI's default is {default!r}"
    assert set(core.command_names()) >= set(FUNCTIONS)


def test_errors_name_the_python_argument():
    with pytest.raises(lyapcert.InputError, match="lr must be > 0"):
        lyapcert.simulate(0, runs=2, steps=10)
    with pytest.raises(lyapcert.InputError, match=r"^runs: expected an integer, got float"):
        lyapcert.simulate(1, runs=2.0)
    with pytest.raises(lyapcert.InputError, match="batch"):
        lyapcert.critical_snr(batch=0)
    with pytest.raises(lyapcert.InputError, match="init must be sphere"):
        lyapcert.simulate(1, init="north", runs=2, steps=10)


# --- Ctrl-C and progress, in a child process (signals go to its main thread) ---------------------------------

CHILD = r"""
import os, signal, sys, threading, time
import numpy as np
import lyapcert
# A process started in the background of a non-interactive shell inherits SIGINT ignored, and Python then keeps it
# ignored: install the default handler, so the test does not depend on how the suite was launched.
signal.signal(signal.SIGINT, signal.default_int_handler)
t0 = None
def fire():
    global t0
    t0 = time.monotonic()
    os.kill(os.getpid(), signal.SIGINT)
threading.Timer(1.0, fire).start()
calls = {  # each would run for minutes
    # lr 1/10000: about 200 s idle (at lr 1/4 every run escapes within 1 s idle, before the signal)
    "simulate": lambda: lyapcert.simulate("1/10000", snr="1/5", runs=100000, steps=100000, threads=2,
                                          progress=False),
    "phase_diagram": lambda: lyapcert.phase_diagram(grid=(400, 200), digits=12, jobs=2, progress=False),
    "lyap1d": lambda: lyapcert.lyap1d("xy(1, 1/2)", np.geomspace(0.1, 10, 2000), digits=30, threads=2,
                                      progress=False),
}
try:
    calls[sys.argv[1]]()
    print("finished")
except KeyboardInterrupt:
    print("interrupted %.3f" % (time.monotonic() - t0))
# the library's interrupt flag is cleared: the next call computes normally
r = lyapcert.lyap1d("atoms(2, -1)", "1/4", digits=8)
print("after", r.enclosure.lower)
"""


def child_env(**extra):
    env = dict(os.environ)
    env.update(extra)
    return env


@pytest.mark.parametrize("call", ["simulate", "phase_diagram", "lyap1d"])
def test_sigint_raises_keyboard_interrupt_promptly(call):
    p = subprocess.run([sys.executable, "-c", CHILD, call], capture_output=True, text=True, timeout=120,
                       env=child_env())
    assert p.returncode == 0, p.stderr
    lines = p.stdout.split("\n")
    assert lines[0].startswith("interrupted"), p.stdout
    # the same latency guard as tests/cli/process_test.py (SIGINT_GUARD): about 0.1 s idle, wide enough for a loaded
    # machine or the sanitizer job, far below the minutes a call that ignored the signal would run
    assert float(lines[0].split()[1]) < 6.0, lines[0]
    assert lines[1].startswith("after "), p.stdout


PROGRESS = r"""
import sys
if sys.argv[1] == "absent":
    sys.modules["tqdm"] = None  # import tqdm fails, as when python3-tqdm is not installed
import lyapcert
r = lyapcert.simulate("1/4", snr="1/5", runs=400, steps=2000, threads=2)
print(r.summary["runs"])
"""


@pytest.mark.parametrize("tqdm", ["present", "absent"])
def test_progress_bar_with_tqdm_and_silence_without(tqdm):
    if tqdm == "present":
        pytest.importorskip("tqdm")
    p = subprocess.run([sys.executable, "-c", PROGRESS, tqdm], capture_output=True, text=True, timeout=300,
                       env=child_env())
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "400"
    if tqdm == "present":
        assert "simulate runs" in p.stderr and "400/400" in p.stderr, p.stderr
    else:
        assert p.stderr == ""


# --- the options the array / scalar bindings gained, and the variants that run the CLI's command ----------------

BOUND = {"lyap1d": lyapcert.lyap1d, "moment": lyapcert.moment, "lyapnd": lyapcert.lyapnd,
         "boundary": lyapcert.boundary, "phase": lyapcert.phase, "estimate": lyapcert.estimate}


@pytest.mark.parametrize("name", sorted(BOUND))
def test_bound_functions_have_the_cli_options_and_defaults(name):
    FUNCTIONS[name] = BOUND[name]
    try:
        test_functions_have_the_cli_options_and_defaults(name)
    finally:
        del FUNCTIONS[name]


def test_boundary_law_template_and_diagonal_phase_match_cli():
    r = lyapcert.boundaries(law_template="isotropic(2, lr)", lr_min="1/10", lr_max=3, digits=6)
    status, expected = cli_json("boundary", "--law-template", "isotropic(2, lr)", "--lr-min", "1/10", "--lr-max", "3",
                                "--digits", "6")
    assert r.to_json() == expected and r.exit_status == status
    assert all(isinstance(x.enclosure, lyapcert.Enclosure) for x in r.roots)
    r = lyapcert.phase("1/2", model="diagonal", beta=[1, "1/2"], sigma="1/2", digits=8)
    status, expected = cli_json("phase", "--model", "diagonal", "--beta", "1,1/2", "--sigma", "1/2", "--lr", "1/2",
                                "--digits", "8")
    assert r.to_json() == expected


def test_lyapnd_max_memory_and_time_budgets():
    law = "matrices([[2, 1], [0, 1/4]]: 1/4, [[1, -1], [0, 1/2]]: 3/4)"
    # 0.01 MiB stops the enumeration before word length 12 (memory_limited), as in the CLI
    r = lyapcert.lyapnd(law, method="enumerate", max_memory=0.01, max_length=12, digits=8)
    _, c = cli_json("lyapnd", "--law", law, "--method", "enumerate", "--max-memory", "0.01", "--max-length", "12",
                    "--digits", "8")
    assert r.memory_limited is True
    for key in ("enclosure", "converged", "method", "max_memory_mib", "memory_limited", "upper_bound_only",
                "word_length", "memory_estimate_bytes"):
        assert (r.to_json()[key] == c[key]), key
    # a budget far too short for 3000 digits by quadrature: what is certified so far, flagged, or BudgetExceeded
    try:
        s = lyapcert.lyap1d("xy(1, 1/2)", "1", digits=3000, time_budget=0.05)
        assert s.converged is False
    except lyapcert.BudgetExceeded:
        pass
    with pytest.raises(lyapcert.InputError, match=r"^time_budget must be in \(0, 1e6\]"):
        lyapcert.moment("atoms(2, -1)", "1/4", 2, time_budget=0)
