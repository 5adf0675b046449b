"""Tests of the Python module `lyapcert` against the CLI (the same library behind two front ends, so the
outputs must agree field by field) on seeded random inputs, plus its own conveniences (Fraction / float
endpoints, numpy inputs) and the error mapping (lyapcert.InputError with the CLI's message in Python argument
names, lyapcert.BudgetExceeded for caps, never a pybind11 TypeError for a user mistake).

Run by ctest (python_module) with PYTHONPATH set to the build's module directory and LYAPCERT_CLI to the
binary. Every random test prints its seed (pytest shows it on failure) and is deterministic.
"""
import json
import math
import os
import random
import re
import subprocess
from fractions import Fraction

import numpy as np
import pytest

import lyapcert

CLI = os.environ.get("LYAPCERT_CLI", "lyapcert")
SEED = 20261128


def cli_json(*args):
    p = subprocess.run([CLI, *args, "--json"], capture_output=True, text=True, timeout=120)
    assert p.returncode in (0, 3), p.stderr
    return json.loads(p.stdout)


def cli_error(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, (p.stdout, p.stderr)
    prefix = "lyapcert: error: "
    assert p.stderr.startswith(prefix), p.stderr
    return p.stderr[len(prefix):].rstrip("\n")


def random_atoms(rng, n):
    values = [Fraction(rng.randint(-40, 40), rng.randint(1, 12)) for _ in range(n)]
    weights = [rng.randint(1, 9) for _ in range(n)]
    total = sum(weights)
    probs = [Fraction(w, total) for w in weights]
    text = "atoms(" + ", ".join(f"{v}:{p}" for v, p in zip(values, probs)) + ")"
    return values, weights, text


def same_fields(py, cli, keys):
    plain = py.to_json()
    for k in keys:
        assert plain[k] == cli[k], (k, plain[k], cli[k])


def test_lyap1d_and_moment_match_cli_on_random_laws():
    rng = random.Random(SEED)
    print("seed", SEED)
    for _ in range(6):
        values, weights, text = random_atoms(rng, rng.randint(1, 6))
        lr = f"{rng.randint(1, 30)}/{rng.randint(1, 20)}"
        digits = rng.choice([5, 16, 30])
        c = cli_json("lyap1d", "--law", text, "--lr", lr, "--digits", str(digits))
        p = lyapcert.lyap1d(text, lr, digits=digits)
        same_fields(p, c, ["law", "lr", "enclosure", "sign", "digits", "digits_achieved", "converged", "method",
                           "message", "bits"])
        # The same law from arrays (exact weights normalised exactly) gives the same enclosure.
        q = lyapcert.lyap1d(lyapcert.atoms(values, np.array(weights)), Fraction(lr), digits=digits)
        assert q.enclosure == p.enclosure
        pw = rng.choice(["1/2", "2", "3"])
        c = cli_json("moment", "--law", text, "--lr", lr, "--p", pw, "--digits", str(digits))
        p = lyapcert.moment(text, lr, pw, digits=digits)
        same_fields(p, c, ["law", "lr", "p", "enclosure", "sign", "converged", "method", "bits"])
        assert p.get("l2_stable") == c.get("l2_stable")


def test_continuous_laws_match_cli():
    for law, lr in [("normal(1, 1)", "1"), ("uniform(-1, 3)", "0.7"), ("sqnormal(0, 1)", "2")]:
        c = cli_json("lyap1d", "--law", law, "--lr", lr)
        p = lyapcert.lyap1d(law, lr)
        same_fields(p, c, ["law", "enclosure", "sign", "converged", "method"])


def test_lyapnd_boundaries_phase_estimate_match_cli():
    rng = random.Random(SEED + 1)
    print("seed", SEED + 1)
    for law in ["ginibre(2, 1)", "isotropic(2, 3/10)",
                "matrices([[2, 1], [0, 1/4]]: 1/3, [[1, -1], [0, 1/2]]: 2/3)"]:
        same_fields(lyapcert.lyapnd(law), cli_json("lyapnd", "--law", law),
                    ["law", "dim", "enclosure", "sign", "converged", "method", "upper_bound_only"])
    for _ in range(3):
        _, _, text = random_atoms(rng, rng.randint(2, 5))
        c = cli_json("boundary", "--law", text, "--lr-min", "1/16", "--lr-max", "16", "--digits", "12")
        p = lyapcert.boundaries(text, "1/16", "16", digits=12)
        same_fields(p, c, ["lr_min", "lr_max", "roots", "singular_points", "slivers", "complete", "unresolved"])
    for lr, extra in [("1/10", {}), ("2", {"sigma": "1/2", "batch": 4}), ("0.5", {"snr": "1/5", "gamma": "1/10"})]:
        args = ["phase", "--lr", lr]
        for k, v in extra.items():
            args += [f"--{k}", str(v)]
        c = cli_json(*args, "--digits", "10")
        p = lyapcert.phase(lr, digits=10, **extra)
        same_fields(p, c, ["k", "sigma2", "gamma", "batch", "lambda_plus", "lambda_minus", "phase",
                           "phase_candidates", "l2_wrong_direction_stable", "batch_snr"])
    c = cli_json("estimate", "--law", "ginibre(2, 1)", "--steps", "2000", "--reps", "4", "--seed", "7",
                 "--threads", "1")
    p = lyapcert.estimate("ginibre(2, 1)", steps=2000, reps=4, seed=7, threads=1)
    same_fields(p, c, ["estimate", "ci", "std_error", "steps_total", "guarantee", "sign"])


def test_phase_with_numpy_dataset_matches_cli(tmp_path):
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal(12)
    y = 0.8 * x + 0.5 * rng.standard_normal(12)
    path = tmp_path / "xy.csv"
    # The module takes each float64 as its exact binary value; the CLI reads text exactly, so the file holds
    # the exact fractions (repr's shortest decimal would be a different rational).
    path.write_text("x,y\n" + "".join(f"{Fraction(a)},{Fraction(b)}\n" for a, b in zip(x, y)))
    c = cli_json("phase", "--lr", "0.4", "--data", str(path), "--batch", "2", "--digits", "12")
    for data in (np.column_stack([x, y]), (x, y), list(zip(x.tolist(), y.tolist()))):
        p = lyapcert.phase("0.4", data=data, batch=2, digits=12)
        same_fields(p, c, ["data", "lambda_plus", "lambda_minus", "phase", "batch_snr"])


def test_enclosure_conveniences():
    r = lyapcert.lyap1d("atoms(-1:1/3, 1/2:2/3)", 1, digits=30)
    lo, hi = r.enclosure
    assert isinstance(lo, str) and r.enclosure.sign == "negative" and r.sign == "negative"
    flo, fhi = r.enclosure.fractions()
    assert flo == Fraction(lo) and fhi == Fraction(hi) and flo < fhi
    truth = -math.log(2) / 3  # a binary64 value within 1e-16 of the truth, not necessarily inside
    a, b = r.enclosure.floats()
    assert a <= b and Fraction(a) <= flo and Fraction(b) >= fhi  # outward
    assert abs(a - truth) < 1e-15 and abs(b - truth) < 1e-15
    assert r.enclosure.midpoint() in r.enclosure
    z = lyapcert.lyap1d("atoms(2, -1)", "1/2")
    assert z.enclosure.pair() == ("-inf", "-inf") and z.enclosure.fractions() == (-math.inf, -math.inf)
    assert z.digits_achieved is None
    e = lyapcert.lyap1d("atoms(-1, 1/2)", 1)
    assert e.enclosure.fractions() == (0, 0) and e.sign == "zero"
    # floats are exact binary values; str is the exact decimal
    assert lyapcert.lyap1d("atoms(1)", 0.1).lr == "3602879701896397/36028797018963968"
    assert lyapcert.lyap1d("atoms(1)", "0.1").lr == "0.1"
    law = lyapcert.minibatch(np.array([1.0, 2.0, 4.0]), batch=2, replace=False)
    assert law.text == "minibatch(data=[1, 2, 4], batch=2, replace=false)" and law.size == 3
    assert law.mean() == "7/3"
    assert lyapcert.lyap1d(law, "1/4").enclosure == lyapcert.lyap1d(law.text, "1/4").enclosure
    nd = lyapcert.lyapnd("ginibre(2, 1)")
    assert len(nd.spectrum) == 2 and isinstance(nd.spectrum[0], lyapcert.Enclosure)


@pytest.mark.parametrize("py_call, cli_args", [
    (lambda: lyapcert.lyap1d("atoms(1..2)", 1), ["lyap1d", "--law", "atoms(1..2)", "--lr", "1"]),
    (lambda: lyapcert.lyap1d("atoms(1:1/2, 2:1/3)", 1), ["lyap1d", "--law", "atoms(1:1/2, 2:1/3)", "--lr", "1"]),
    (lambda: lyapcert.lyap1d("atoms(1)", 0), ["lyap1d", "--law", "atoms(1)", "--lr", "0"]),
    (lambda: lyapcert.lyap1d("atoms(1)", 1, digits=0), ["lyap1d", "--law", "atoms(1)", "--lr", "1", "--digits", "0"]),
    (lambda: lyapcert.moment("atoms(1)", 1, "-1"), ["moment", "--law", "atoms(1)", "--lr", "1", "--p", "-1"]),
    (lambda: lyapcert.lyapnd("matrices([[1, 2]])"), ["lyapnd", "--law", "matrices([[1, 2]])"]),
    (lambda: lyapcert.boundaries("atoms(1)", "2", "1"), ["boundary", "--law", "atoms(1)", "--lr-min", "2",
                                                         "--lr-max", "1"]),
    (lambda: lyapcert.phase("1", snr="0.7"), ["phase", "--lr", "1", "--snr", "0.7"]),
    (lambda: lyapcert.estimate("ginibre(2, 1)", level=2), ["estimate", "--law", "ginibre(2, 1)", "--level", "2"]),
])
def test_errors_have_the_cli_messages(py_call, cli_args):
    with pytest.raises(lyapcert.InputError) as info:
        py_call()
    # The CLI's message with its flags written as the Python arguments (--lr-min -> lr_min).
    expected = re.sub(r"--([a-z][a-z0-9-]*)", lambda m: m.group(1).replace("-", "_"), cli_error(*cli_args))
    assert str(info.value) == expected
    assert "--" not in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, lyapcert.Error)


BIG = 10**30


@pytest.mark.parametrize("call, message", [
    (lambda: lyapcert.lyap1d("atoms(1)", 1, digits=BIG), r"^digits must be in \[1, 10000\], got 10{30}$"),
    (lambda: lyapcert.lyap1d("atoms(1)", 1, digits=-1), r"^digits must be in \[1, 10000\], got -1$"),
    (lambda: lyapcert.lyap1d("atoms(1)", 1, digits=10**5000), r"^digits must be in .* about 5001 digits$"),
    (lambda: lyapcert.lyap1d("atoms(1)", 1, digits=2.5), r"^digits: expected an integer, got float$"),
    (lambda: lyapcert.lyap1d("atoms(1)", 1, digits=True), r"^digits: expected an integer, got bool$"),
    (lambda: lyapcert.lyap1d("atoms(1)", 1, digits="5"), r"^digits: expected an integer, got str$"),
    (lambda: lyapcert.lyap1d("atoms(1)", 1, max_bits=10), r"^max_bits must be in \[64, "),
    (lambda: lyapcert.lyap1d("atoms(1)", 1, max_atoms=-5), r"^max_atoms must be in \[1, "),
    (lambda: lyapcert.moment("atoms(1)", 1, 2, digits=BIG), r"^digits must be"),
    (lambda: lyapcert.lyapnd("ginibre(2, 1)", digits=BIG), r"^digits must be"),
    (lambda: lyapcert.lyapnd("ginibre(2, 1)", max_length=BIG), r"^max_length must be in \[1, 64\]"),
    (lambda: lyapcert.lyapnd("ginibre(2, 1)", time_budget=-1), r"^time_budget must be in \(0, 1e6\]"),
    (lambda: lyapcert.lyapnd("ginibre(2, 1)", time_budget=float("inf")), r"^time_budget: inf is not a finite"),
    (lambda: lyapcert.lyapnd(5), r"^law: expected a str, got int$"),
    (lambda: lyapcert.lyapnd("ginibre(2, 1)", method=None), r"^method: expected a str, got NoneType$"),
    (lambda: lyapcert.boundaries("atoms(1)", digits=BIG), r"^digits must be"),
    (lambda: lyapcert.boundaries("atoms(1)", max_roots=0), r"^max_roots must be in \[1, "),
    (lambda: lyapcert.boundaries("atoms(1)", "0", "1"), r"^lr_min must be > 0, got 0$"),
    (lambda: lyapcert.phase(1, batch=BIG), r"^batch must be in \[1, 1000000\]"),
    (lambda: lyapcert.phase(1, batch=0), r"^batch must be in \[1, 1000000\], got 0$"),
    (lambda: lyapcert.phase(1, replace=1), r"^replace: expected True or False, got int$"),
    (lambda: lyapcert.phase(1, k=0), r"^k must be nonzero$"),
    (lambda: lyapcert.phase(1, sigma="-1"), r"^sigma must be >= 0"),
    (lambda: lyapcert.phase(1, sigma=1, snr="1/5"), r"^give sigma or snr, not both$"),
    (lambda: lyapcert.estimate("ginibre(2, 1)", seed=-1), r"^seed must be in \[0, 2\^64 - 1\], got -1$"),
    (lambda: lyapcert.estimate("ginibre(2, 1)", seed=2**64), r"^seed must be in \[0, 2\^64 - 1\]"),
    (lambda: lyapcert.estimate("ginibre(2, 1)", steps=BIG), r"^steps must be in \[16, "),
    (lambda: lyapcert.estimate("ginibre(2, 1)", reps=0), r"^reps must be in \[1, "),
    (lambda: lyapcert.estimate("ginibre(2, 1)", burn_in=-1), r"^burn_in must be in \[0, "),
    (lambda: lyapcert.estimate("ginibre(2, 1)", threads=BIG), r"^threads must be in \[0, 1024\]"),
    (lambda: lyapcert.estimate("ginibre(2, 1)", level="high"), r"^level: expected a number, got str$"),
    (lambda: lyapcert.estimate("ginibre(2, 1)", spectrum="yes"), r"^spectrum: expected True or False, got str$"),
    (lambda: lyapcert.minibatch([1, 2], batch=-1), r"^batch must be in \[0, 2\^64 - 1\], got -1$"),
    (lambda: lyapcert.CurvatureLaw(3), r"^text: expected a str, got int$"),
])
def test_out_of_range_and_mistyped_arguments_are_input_errors(call, message):
    # Never a pybind11 TypeError ("incompatible function arguments") for a user mistake.
    with pytest.raises(lyapcert.InputError, match=message) as info:
        call()
    assert "--" not in str(info.value) and isinstance(info.value, ValueError)


def test_numpy_integers_and_bools_are_accepted():
    a = lyapcert.lyap1d("atoms(-1:1/3, 1/2:2/3)", 1, digits=np.int64(12), max_bits=np.int32(4096))
    b = lyapcert.lyap1d("atoms(-1:1/3, 1/2:2/3)", 1, digits=12, max_bits=4096)
    assert a.enclosure == b.enclosure
    law = lyapcert.minibatch(np.array([1.0, 2.0, 4.0]), batch=np.uint8(2), replace=np.bool_(False))
    assert law.text == "minibatch(data=[1, 2, 4], batch=2, replace=false)"


def test_budget_exceeded():
    # the CLI's message (the law is counted while it is parsed)
    with pytest.raises(lyapcert.BudgetExceeded, match=r"^atoms\(...\) at offset 0: more than 2 atoms exceed "
                                                      r"max_atoms 2$") as info:
        lyapcert.lyap1d("atoms(1, 2, 3)", 1, max_atoms=2)
    assert isinstance(info.value, lyapcert.Error) and isinstance(info.value, RuntimeError)
    assert not isinstance(info.value, lyapcert.InputError)
    with pytest.raises(lyapcert.BudgetExceeded, match="more than max_atoms = 10$"):
        lyapcert.minibatch(list(range(1000)), batch=50, max_atoms=10)


def test_python_only_input_errors():
    with pytest.raises(lyapcert.InputError, match="not a finite number"):
        lyapcert.lyap1d("atoms(1)", float("nan"))
    with pytest.raises(lyapcert.InputError, match="3 values but 2 weights"):
        lyapcert.atoms([1, 2, 3], [1, 1])
    with pytest.raises(lyapcert.InputError, match="negative weight"):
        lyapcert.atoms([1, 2], [1, -1])
    with pytest.raises(lyapcert.InputError, match=r"values\[1\]: inf is not a finite number"):
        lyapcert.atoms(np.array([1.0, np.inf]))
    with pytest.raises(lyapcert.InputError, match="expected an \\(N, 2\\) array"):
        lyapcert.phase(1, data=np.zeros((3, 3)))


def test_laws_from_large_arrays_reach_the_command_whole():
    # The functions run the CLI's command, which reads law text: a CurvatureLaw whose label is shortened (more
    # than 70000 bytes) is passed as its complete text. The array lyap1d computes on the law object itself, not
    # through text, so equal enclosures show that the text carried the same law.
    rng = np.random.default_rng(SEED)
    values = rng.integers(-10**6, 10**6, size=6000) / 997  # binary64 values, each taken exactly
    for law in (lyapcert.atoms(values, rng.integers(1, 5, size=6000)), lyapcert.minibatch(values[:4000], batch=1)):
        assert law.text.endswith(", ...)") or ", ...]" in law.text  # the label is shortened
        r = lyapcert.lyap1d(law, "1/3", digits=10)
        a = lyapcert.lyap1d(law, ["1/3"], digits=10)
        assert r.enclosure.pair() == (a.lower_exact[0], a.upper_exact[0]) and r.exit_status == 0
