"""Every phase diagram of `lyapcert phase-diagram` as a numpy PhaseDiagram (lyapcert.phase_diagram runs the CLI's
command in-process and reads its JSON): the batch-size axis, finite data (a numpy dataset) and the diagonal model.
Each is checked against the scalar `phase` at grid points (another code path: one point computed from scratch),
the exact spikes against an exact -inf of the scalar exponent, the floats against the exact endpoints, the
executable's own file (PhaseDiagram.from_json), the CLI's options and defaults, and the plots (log axes where the
CLI uses them). Fixed inputs and seeds; about 15 s. docs/python.md.
"""
import json
import os
import subprocess
from fractions import Fraction

import numpy as np
import pytest

import lyapcert

CLI = os.environ.get("LYAPCERT_CLI", "lyapcert")
SEED = 20261207


def outward(d, name, lead=()):
    """The float arrays of exponent `name` enclose its exact decimal endpoints wherever a point was computed."""
    lo, hi = getattr(d, f"{name}_lower"), getattr(d, f"{name}_upper")
    lo_x, hi_x = getattr(d, f"{name}_lower_exact"), getattr(d, f"{name}_upper_exact")
    for idx in zip(*np.nonzero(np.broadcast_to(d.done, lo.shape))):
        for f, x, up in ((lo[idx], lo_x[idx], False), (hi[idx], hi_x[idx], True)):
            if x == "-inf":
                assert f == -np.inf
            elif up:
                assert Fraction(x) <= Fraction(float(f))
            else:
                assert Fraction(float(f)) <= Fraction(x)


def test_batch_axis_matches_the_scalar_phase():
    d = lyapcert.phase_diagram(lr_range=("1/10", "2"), batch_range=(1, 4), sigma="1/2", grid=(6, 3), digits=6,
                               cells="off")
    assert d.model == "twolayer" and d.y_axis == "batch" and d.batch is d.y and not d.log_y
    assert list(d.y_exact) == ["1", "2", "4"] and d.shape == (3, 6) and d.complete and d.exit_status == 0
    assert d.phase.dtype == np.int8 and d.cell_certified.dtype == bool and not d.cell_certified.any()
    outward(d, "lambda_plus")
    outward(d, "lambda_minus")
    for j, i in [(0, 0), (2, 3), (1, 5)]:
        s = lyapcert.phase(d.lr_exact[i], sigma="1/2", batch=int(d.y_exact[j]), digits=6)
        assert s.lambda_plus.pair() == (d.lambda_plus_lower_exact[j, i], d.lambda_plus_upper_exact[j, i])
        assert s.lambda_minus.pair() == (d.lambda_minus_lower_exact[j, i], d.lambda_minus_upper_exact[j, i])
        assert d.phase[j, i] == lyapcert.Phase.from_label(s.phase) and d.phase_label(j, i) == s.phase
        assert bool(d.l2_wrong_direction_stable[j, i]) == s.l2_wrong_direction_stable


def test_finite_data_diagram_from_a_numpy_dataset():
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal(5)
    xy = np.column_stack([x, 0.7 * x + 0.4 * rng.standard_normal(5)])
    d = lyapcert.phase_diagram(lr_range=("1/10", "4"), data=xy, grid=(8, 3), digits=6)
    assert d.y_axis == "batch" and list(d.y_exact) == ["1", "2", "4"] and d.data == 5
    assert not d.cells_checked and not d.cell_certified.any() and d.complete
    outward(d, "lambda_plus")
    # a grid point against the scalar phase on the same data (each float64 taken exactly by both)
    s = lyapcert.phase(d.lr_exact[2], data=xy, batch=2, digits=6)
    assert s.lambda_plus.pair() == (d.lambda_plus_lower_exact[1, 2], d.lambda_plus_upper_exact[1, 2])
    assert s.phase == d.phase_label(1, 2)
    # the spikes are exact: the scalar exponent at a spike's learning rate is -inf exactly
    spikes = [(name, lr, y) for name in ("lambda_plus", "lambda_minus")
              for lr, y in zip(d.spikes[name]["lr_exact"], d.spikes[name]["y_exact"])]
    assert spikes, "five data points give spikes in [1/10, 4]"
    for name, lr, y in spikes[:3]:
        s = lyapcert.phase(lr, data=xy, batch=int(y), digits=6)
        assert s[name].pair() == ("-inf", "-inf"), (name, lr, y)
    assert np.all((d.spikes["lambda_plus"]["lr"] >= 0.1 * (1 - 1e-12)) & (d.spikes["lambda_plus"]["lr"] <= 4.0001))


def test_diagonal_model_matches_the_scalar_phase_and_the_executable(tmp_path):
    args = dict(model="diagonal", beta=[1, "1/2"], lr_range=("1/10", 1), sigma_range=("1/2", 2), grid=(3, 2),
                digits=4)
    d = lyapcert.phase_diagram(**args)
    assert d.model == "diagonal" and d.y_axis == "sigma" and d.log_y and d.beta == ["1", "1/2"]
    assert d.phase.shape == (2, 2, 3) and d.lambda_plus_lower.shape == (2, 2, 3) and d.surviving.shape == (2, 3)
    assert not d.cell_certified.any() and d.cell_certified.shape == (2, 3)
    outward(d, "lambda_plus")
    outward(d, "lambda_minus")
    for j, i in [(0, 0), (1, 2)]:
        s = lyapcert.phase(d.lr_exact[i], model="diagonal", beta=[1, "1/2"], sigma=d.y_exact[j], digits=4)
        assert s.surviving == d.surviving[j, i]
        for c, coord in enumerate(s.coordinates):
            lp = coord["lambda_plus"]
            assert lp["lower"] == d.lambda_plus_lower_exact[c, j, i]
            assert lp["upper"] == d.lambda_plus_upper_exact[c, j, i]
            assert d.phase_label(j, i, coordinate=c) == coord["phase"]
            assert d.survives[c, j, i] == coord["survives"]
        lo, hi = Fraction(d.fraction_lower_exact[j, i]), Fraction(d.fraction_upper_exact[j, i])
        bounds = s.surviving_fraction_bounds
        assert (lo, hi) == (Fraction(bounds["lower"]), Fraction(bounds["upper"]))
        assert d.fraction_lower[j, i] <= lo <= hi <= d.fraction_upper[j, i]
    # the executable's file read back (from_json): the same arrays as the in-process call
    p = subprocess.run([CLI, "phase-diagram", "--model", "diagonal", "--beta", "1,1/2", "--lr-range", "1/10:1",
                        "--sigma-range", "1/2:2", "--grid", "3x2", "--digits", "4", "--out", str(tmp_path / "c")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    c = lyapcert.PhaseDiagram.from_json(tmp_path / "c.json")
    for name in ("lambda_plus_lower_exact", "lambda_minus_upper_exact", "phase", "surviving", "fraction_lower"):
        assert np.array_equal(getattr(c, name), getattr(d, name)), name
    df = d.to_pandas()
    assert len(df) == 6 and df.loc[4, "phase_2"] == d.phase_label(1, 1, coordinate=1)
    assert df.loc[4, "surviving"] == d.surviving[1, 1]


def test_out_keeps_the_cli_files_and_none_keeps_nothing(tmp_path):
    d = lyapcert.phase_diagram(lr_range=("1/10", "1"), sigma_range=("1/2", "1"), grid=(4, 1), digits=4,
                               cells="off", out=tmp_path / "kept")
    assert (tmp_path / "kept.json").exists() and (tmp_path / "kept.csv").exists()
    c = lyapcert.PhaseDiagram.from_json(tmp_path / "kept.json")
    assert np.array_equal(c.lambda_plus_upper, d.lambda_plus_upper) and np.array_equal(c.phase, d.phase)
    before = set(os.listdir(tmp_path))
    lyapcert.phase_diagram(lr_range=("1/10", "1"), sigma_range=("1/2", "1"), grid=(4, 1), digits=4, cells="off")
    assert set(os.listdir(tmp_path)) == before


def test_errors_name_the_python_argument():
    with pytest.raises(lyapcert.InputError, match=r"^jobs must be in \[1, 256\], got 0$"):
        lyapcert.phase_diagram(grid=(2, 1), jobs=0)
    with pytest.raises(lyapcert.InputError, match=r"^give only one of snr_range, sigma_range, batch_range"):
        lyapcert.phase_diagram(snr_range=(0.1, 0.2), batch_range=(1, 2), grid=(2, 1))
    with pytest.raises(lyapcert.InputError, match=r"^phase-diagram with data / data_sample: the data fix the noise"):
        lyapcert.phase_diagram(data=[(1, 2), (2, 1)], sigma_range=(1, 2), grid=(2, 1))
    with pytest.raises(lyapcert.InputError, match=r"needs beta"):
        lyapcert.phase_diagram(model="diagonal", grid=(2, 1))
    with pytest.raises(lyapcert.InputError, match=r"^grid: expected a pair"):
        lyapcert.phase_diagram(grid=5)
    with pytest.raises(lyapcert.InputError) as info:  # the CLI's own check, its flag written as the argument
        lyapcert.phase_diagram(grid=(2, 1), lr_range="2:1")
    assert str(info.value) == "lr_range needs 0 < LOW < HIGH, got '2:1'"


# --- names and defaults: every option of `lyapcert phase-diagram` is a parameter with the CLI's default ---------

# The Python forms of the options that differ in type only: ranges and the grid are pairs (the CLI's text is
# accepted too), the three cell flags are one `cells`, `out` None keeps no files (the CLI's default prefix is a
# file name in the working directory).
PAIRS = {"lr_range": ":", "grid": "x"}


def test_phase_diagram_has_the_cli_options_and_defaults():
    import inspect
    from lyapcert import _lyapcert as core
    params = inspect.signature(lyapcert.phase_diagram).parameters
    for opt, default, required, is_flag, _ in core.command_options("phase-diagram"):
        py = opt.replace("-", "_")
        if py in ("cells", "no_cells", "cells_arb"):
            assert params["cells"].default == "fast"  # the CLI's default: cells certified, binary64 kernel
            continue
        assert py in params, f"--{opt} has no parameter"
        d = params[py].default
        if py == "out":
            assert d is None
        elif py in PAIRS:
            assert PAIRS[py].join(str(x) for x in d) == default, (py, d, default)
        elif is_flag:
            assert d is False, py
        elif d is None:
            assert default == "" or py in ("k",), (py, default)
        elif isinstance(d, bool):
            assert d == (default.lower() in ("1", "true")), py
        elif isinstance(d, float):
            assert d == float(default), py
        elif isinstance(d, str) and not d[:1].isdigit():
            assert d == default, (py, d, default)
        else:
            assert Fraction(d) == Fraction(default), (py, d, default)


def test_a_model_with_one_top_exponent_fits_the_same_object():
    # The JSON shape a single-exponent diagram has (the points of `lyapcert phase --model vector`: lambda_top and
    # the label collapse / escape / undetermined); a point left out was not computed.
    j = {"model": "vector", "y_axis": "snr", "lr_grid": ["1/10", "1"], "y_grid": ["1/5"], "digits": 4,
         "complete": False, "points": [
             {"lr": "1/10", "y": "1/5", "lambda_top": {"lower": "-0.5", "upper": "-0.4", "sign": "negative"},
              "phase": "collapse"}]}
    d = lyapcert.PhaseDiagram.from_json(j)
    assert d.exponents == ("lambda_top",) and d.shape == (1, 2) and list(d.done[0]) == [True, False]
    assert d.phase[0, 0] == lyapcert.Phase.COLLAPSE and d.phase_label(0, 0) == "collapse" and d.phase[0, 1] == 0
    assert d.lambda_top_lower[0, 0] <= -0.5 and d.lambda_top_upper[0, 0] >= -0.4 and np.isnan(d.lambda_top_lower[0, 1])
    assert d.lambda_top_sign[0, 1] == "undetermined" and not d.cells_checked and len(d.lambda_top_roots) == 0


def test_vector_model_diagram_matches_the_scalar_phase(capsys):
    # Two points of the q = 1, d = 2 vector diagram (large learning rates, where the determinant bound certifies
    # escape) against `phase --model vector` at the same parameters (one point computed from scratch).
    d = lyapcert.phase_diagram(model="vector", out_dim=1, dim=2, lr_range=(3, 6), snr_range=("1/10", "1/5"),
                               grid=(2, 1), point_time_budget=60)
    assert d.model == "vector" and d.exponents == ("lambda_top",) and d.shape == (1, 2) and d.complete
    outward(d, "lambda_top")
    for i in range(2):
        s = lyapcert.phase(d.lr_exact[i], model="vector", out_dim=1, dim=2, snr=d.y_exact[0], digits=d.digits)
        top = s["lambda_top"]
        assert (top["lower"], top["upper"]) == (d.lambda_top_lower_exact[0, i], d.lambda_top_upper_exact[0, i])
        assert d.phase_label(0, i) == s["phase"] == "escape" and d.phase[0, i] == lyapcert.Phase.ESCAPE
    assert "vector phase diagram" not in capsys.readouterr().out  # the summary is captured, not printed
