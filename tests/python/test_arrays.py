"""numpy front end of `lyapcert`: the vectorised lyap1d (one certified enclosure per learning rate, computed in
parallel in C++ with the GIL released) and phase_diagram (numpy arrays), checked against the scalar functions,
the CLI's `phase-diagram --json` and closed forms (mpmath for Lambda of a finite law, the exact L2 boundary).
Fixed seeds; about 10 s. docs/python.md.
"""
import json
import os
import subprocess
import threading
import time
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import lyapcert

CLI = os.environ.get("LYAPCERT_CLI", "lyapcert")
SEED = 20261207
LAW = "atoms(-1:1/3, 1/2:2/3)"


def lambda_mp(lr):
    """E log|1 - lr h| for LAW, by mpmath at 60 digits (an independent closed form)."""
    mpmath.mp.dps = 60
    x = mpmath.mpf(Fraction(lr).numerator) / Fraction(lr).denominator
    return mpmath.log(abs(1 + x)) / 3 + 2 * mpmath.log(abs(1 - x / 2)) / 3


def test_vectorised_lyap1d_encloses_the_closed_form_and_matches_the_scalar_call():
    rng = np.random.default_rng(SEED)
    print("seed", SEED)
    lrs = np.sort(np.concatenate([np.geomspace(1e-3, 20, 40), rng.uniform(0.1, 5, 10), [2.0]]))
    r = lyapcert.lyap1d(LAW, lrs, digits=25)
    assert isinstance(r, lyapcert.Lyap1dArray) and len(r) == len(lrs)
    assert r.lower.dtype == np.float64 and r.upper.shape == lrs.shape and r.converged.dtype == bool
    for i, lr in enumerate(lrs):
        lo, hi = r.lower_exact[i], r.upper_exact[i]
        if lr == 2.0:  # 1 - lr h = 0 on the atom 1/2: Lambda = -inf exactly
            assert (lo, hi) == ("-inf", "-inf") and r.lower[i] == -np.inf and r.upper[i] == -np.inf
            continue
        truth = lambda_mp(lr)
        assert mpmath.mpf(lo) <= truth <= mpmath.mpf(hi), (lr, lo, hi)
        # floats rounded outward from the exact decimals
        assert Fraction(r.lower[i]) <= Fraction(lo) and Fraction(hi) <= Fraction(r.upper[i])
        assert r.sign[i] == ("negative" if truth < 0 else "positive")
        assert r.lr_exact[i] == str(Fraction(lr)).replace(" ", "")
    for i in rng.choice(len(lrs), 6, replace=False):  # the scalar call gives the same strings
        s = lyapcert.lyap1d(LAW, float(lrs[i]), digits=25)
        assert s.enclosure == r[i] and s.converged == bool(r.converged[i]) and s.method == r.method[i]


def test_vectorised_lyap1d_is_independent_of_threads_and_accepts_lists_and_exact_inputs():
    lrs = ["1/10", "0.5", Fraction(3, 2), 4]
    a = lyapcert.lyap1d("normal(1, 1)", lrs, digits=12, threads=1)
    b = lyapcert.lyap1d("normal(1, 1)", np.array(lrs, dtype=object), digits=12, threads=2)
    assert list(a.lower_exact) == list(b.lower_exact) and list(a.upper_exact) == list(b.upper_exact)
    assert list(a.lr_exact) == ["1/10", "1/2", "3/2", "4"]
    for i, lr in enumerate(lrs):
        assert lyapcert.lyap1d("normal(1, 1)", lr, digits=12).enclosure == a[i]
    assert len(lyapcert.lyap1d(LAW, np.array([], dtype=float))) == 0


def test_vectorised_lyap1d_errors_name_the_argument_and_index():
    with pytest.raises(lyapcert.InputError, match=r"^lr\[2\]: nan is not a finite number$"):
        lyapcert.lyap1d(LAW, np.array([0.1, 0.2, np.nan]))
    with pytest.raises(lyapcert.InputError, match=r"^lr: expected a 1-D array, got 2 dimensions$"):
        lyapcert.lyap1d(LAW, np.ones((2, 2)))
    with pytest.raises(lyapcert.InputError, match=r"^threads must be in \[0, 1024\]"):
        lyapcert.lyap1d(LAW, [1, 2], threads=-1)
    with pytest.raises(lyapcert.InputError, match=r"^lr\[1\] = 0: "):
        lyapcert.lyap1d(LAW, [1, 0])


def test_vectorised_lyap1d_time_budget_holds_on_every_thread():
    # The budget is the whole call's, on every worker thread (core::parallel_for hands the StopScope on): far too
    # short for 200 digits of the xy quadrature at 16 points, so most points end unconverged, and a point no
    # thread started is the whole line, undetermined, never a made-up value.
    lrs = np.geomspace(0.1, 2, 16)
    r = lyapcert.lyap1d("xy(1, 1/2)", lrs, digits=200, threads=4, time_budget=0.05)
    assert int(np.sum(r.converged)) < len(lrs) // 2
    for i in range(len(lrs)):
        if r.message[i] == "not computed: the time budget ended first" or "time budget ended before" in r.message[i]:
            assert (r.lower_exact[i], r.upper_exact[i]) == ("-inf", "inf") and r.sign[i] == "undetermined"
            assert r.lower[i] == -np.inf and r.upper[i] == np.inf and not r.converged[i]


def test_vectorised_lyap1d_releases_the_gil():
    lrs = np.geomspace(0.05, 5, 8)  # the Arb quadrature of xy at 30 digits: about 0.5 s of CPU on one thread
    done = threading.Event()
    result = {}

    def work():
        result["r"] = lyapcert.lyap1d("xy(1, 1/2)", lrs, digits=30, threads=1)
        done.set()

    t = threading.Thread(target=work)
    t0 = time.monotonic()
    t.start()
    ticks = 0
    while not done.is_set():  # the main thread runs while C++ computes only if the GIL was released
        ticks += 1
        time.sleep(0.002)
    t.join()
    elapsed = time.monotonic() - t0
    print("ticks", ticks, "elapsed", elapsed)
    # A held GIL would let this loop run only before and after the call (a few ticks at most).
    assert elapsed < 0.1 or ticks >= 10, (ticks, elapsed)
    assert len(result["r"]) == 8 and result["r"].converged.all()


def cli_diagram(tmp_path, *args):
    out = tmp_path / "d"
    p = subprocess.run([CLI, "phase-diagram", *args, "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads((tmp_path / "d.json").read_text())


def test_phase_diagram_arrays_match_the_cli_and_the_exact_l2_boundary(tmp_path):
    # 24 x 3 points: narrow lr brackets keep the root refinement cheap (about 2 s of CPU; a coarse grid's wide
    # brackets cost more)
    nx, ny = 24, 3
    d = lyapcert.phase_diagram(lr_range=("1/100", "10"), snr_range=("1/50", "2/5"), grid=(nx, ny), digits=6)
    c = cli_diagram(tmp_path, "--lr-range", "1/100:10", "--snr-range", "1/50:2/5", "--grid", f"{nx}x{ny}", "--digits",
                    "6", "--jobs", "2")
    assert d.shape == (ny, nx) and d.lr.shape == (nx,) and d.snr.shape == (ny,) and d.snr is d.y
    assert [Fraction(x) for x in d.lr_exact] == [Fraction(x) for x in c["lr_grid"]]
    assert [Fraction(x) for x in d.y_exact] == [Fraction(x) for x in c["y_grid"]]
    assert d.complete and c["complete"]
    assert d.phase.dtype == np.int8 and d.cell_certified.dtype == bool
    labels = {p.label: p.value for p in lyapcert.Phase}
    points = {(Fraction(p["lr"]), Fraction(p["y"])): p for p in c["points"]}
    for j in range(ny):
        for i in range(nx):
            p = points[(Fraction(d.lr_exact[i]), Fraction(d.y_exact[j]))]
            for name in ("lambda_plus", "lambda_minus"):
                lo, hi = getattr(d, f"{name}_lower_exact")[j, i], getattr(d, f"{name}_upper_exact")[j, i]
                assert (lo, hi) == (p[name]["lower"], p[name]["upper"])
                assert getattr(d, f"{name}_sign")[j, i] == p[name]["sign"]
                assert Fraction(getattr(d, f"{name}_lower")[j, i]) <= Fraction(lo)
                assert Fraction(hi) <= Fraction(getattr(d, f"{name}_upper")[j, i])
            assert d.phase[j, i] == labels.get(p["phase"], 0) and d.phase_label(j, i) == p["phase"]
            certified = p["cell"] not in ("mixed", "unchecked")
            assert bool(d.cell_certified[j, i]) == certified
            assert d.cell_phase[j, i] == (labels[p["cell"]] if certified else 0)
            assert bool(d.l2_wrong_direction_stable[j, i]) == p["l2_wrong_direction_stable"]
    assert d.cell_certified.sum() == c["certified_cells"] > 0
    for name in ("lambda_plus", "lambda_minus"):
        curve = getattr(d, f"{name}_roots")
        rows = c["boundaries"][name]
        assert len(curve) == len(rows) > 0
        for k, row in enumerate(rows):
            assert Fraction(curve.lower_exact[k]) == Fraction(row["lower"])
            assert Fraction(curve.upper_exact[k]) == Fraction(row["upper"])
            assert bool(curve.unique[k]) == row["unique"] and curve.direction[k] == row["direction"]
            assert curve.lower[k] <= Fraction(row["lower"]) and Fraction(row["upper"]) <= curve.upper[k]
    # The L2 boundary of the wrong direction in closed form (k = 1, gamma = 0): E h^2 = 3 k^2 + sigma^2 with
    # sigma^2 = k^2 (1/R - 2), so lr = 2 / (1 + 1/R) = 2R / (R + 1).
    assert len(d.l2_boundary_exact) == ny
    for (y, lr), yj in zip(d.l2_boundary_exact, d.y_exact):
        r = Fraction(yj)
        assert Fraction(y) == r and Fraction(lr) == 2 * r / (r + 1)
    # the scalar phase at one grid point: the same enclosures
    s = lyapcert.phase(d.lr_exact[3], snr=d.y_exact[1], digits=6)
    assert s.lambda_plus.pair() == (d.lambda_plus_lower_exact[1, 3], d.lambda_plus_upper_exact[1, 3])
    assert s.phase == d.phase_label(1, 3)


def test_phase_diagram_sigma_axis_and_errors():
    d = lyapcert.phase_diagram(lr_range=(0.1, 2), sigma_range=(0.5, 2), grid=(12, 2), digits=4, cells="off")
    assert d.y_axis == "sigma" and d.sigma is d.y and not d.cell_certified.any()
    with pytest.raises(lyapcert.InputError, match=r"^snr_range must lie in \(0, 1/2\)$"):
        lyapcert.phase_diagram(snr_range=(0.1, 0.6), grid=(2, 1))
    with pytest.raises(lyapcert.InputError, match=r"^grid\[0\] \(n_lr\) must be in \[2, 100000\], got 1$"):
        lyapcert.phase_diagram(grid=(1, 1))
    with pytest.raises(lyapcert.InputError, match=r"^lr_range: needs 0 < low < high"):
        lyapcert.phase_diagram(lr_range=(1, 1), grid=(2, 1))
    with pytest.raises(lyapcert.InputError, match=r"^digits must be in \[1, 100\], got 1000000000000000000000"):
        lyapcert.phase_diagram(grid=(2, 1), digits=10**21)
    with pytest.raises(lyapcert.InputError, match=r"^cells must be 'fast', 'arb' or 'off'"):
        lyapcert.phase_diagram(grid=(2, 1), cells="yes")


def test_phase_diagram_to_pandas():
    pd = pytest.importorskip("pandas", reason="pandas is not installed (Debian: python3-pandas)")
    d = lyapcert.phase_diagram(lr_range=(0.1, 2), sigma_range=(0.5, 2), grid=(12, 2), digits=4)
    df = d.to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == 24
    row = df.iloc[1 * 12 + 2]  # j = 1, i = 2 (rows run over lr fastest)
    assert row["lr"] == d.lr[2] and row["sigma"] == d.sigma[1]
    assert row["lambda_plus_lower_exact"] == d.lambda_plus_lower_exact[1, 2]
    assert row["phase"] == d.phase_label(1, 2)
    assert list(df["cell_certified"]) == list(d.cell_certified.ravel())
