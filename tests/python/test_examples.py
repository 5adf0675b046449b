"""docs/examples/paper_story.py runs headless end to end (small sizes) and writes non-trivial images; the CLI's
phase-diagram PNG is a filled heat map. Run by ctest (python_examples) with PYTHONPATH set to the build's module
directory, LYAPCERT_CLI to the executable and MPLBACKEND=Agg. docs/python.md, docs/cli.md.
"""
import os
import subprocess
import sys

import pytest

CLI = os.environ.get("LYAPCERT_CLI", "lyapcert")
EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "examples")


def image_stats(path):
    """(width, height, distinct colours, fraction of pixels that are not white) of a PNG."""
    mpimg = pytest.importorskip("matplotlib.image")
    np = pytest.importorskip("numpy")
    img = mpimg.imread(path)[..., :3]
    h, w = img.shape[:2]
    flat = (img.reshape(-1, 3) * 255).round().astype(np.int32)
    colours = len(np.unique(flat[:, 0] * 65536 + flat[:, 1] * 256 + flat[:, 2]))
    not_white = float(np.mean(np.any(flat < 245, axis=1)))
    return w, h, colours, not_white


def test_paper_story_runs_headless(tmp_path):
    pytest.importorskip("matplotlib")
    env = dict(os.environ, MPLBACKEND="Agg", LYAPCERT_EXAMPLE_OUT=str(tmp_path), LYAPCERT_EXAMPLE_SIZE="small")
    p = subprocess.run([sys.executable, os.path.join(EXAMPLES, "paper_story.py")], capture_output=True, text=True,
                       env=env, timeout=600, cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "critical SNR in [" in p.stdout and "-> agree" in p.stdout, p.stdout
    for name in ("exponent.png", "phase_diagram.png", "simulation.png"):
        path = tmp_path / name
        assert path.is_file() and path.stat().st_size > 10_000, name
        w, h, colours, not_white = image_stats(str(path))
        assert w >= 400 and h >= 250 and colours >= 20, (name, w, h, colours)
        assert not_white > 0.03, (name, not_white)
    # the heat map fills its axes: most of the phase-diagram image is coloured
    assert image_stats(str(tmp_path / "phase_diagram.png"))[3] > 0.4


def test_cli_phase_diagram_png_is_a_filled_heat_map(tmp_path):
    out = tmp_path / "pd"
    p = subprocess.run([CLI, "phase-diagram", "--grid", "16x8", "--digits", "6", "--jobs", "2", "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode in (0, 3), p.stderr
    png = tmp_path / "pd.png"
    assert png.is_file() and png.stat().st_size > 10_000
    w, h, colours, not_white = image_stats(str(png))
    assert (w, h) == (1000, 700) and colours >= 20
    # a filled map: the plot area (most of the canvas) is coloured, not a scatter of squares on white
    assert not_white > 0.45, not_white
    # every temporary file is gone
    assert sorted(f.name for f in tmp_path.iterdir()) == ["pd.csv", "pd.json", "pd.png"]


def test_cli_diagonal_diagram_png_is_a_filled_heat_map(tmp_path):
    out = tmp_path / "dd"
    p = subprocess.run([CLI, "phase-diagram", "--model", "diagonal", "--beta", "1,1/2", "--lr-range", "1/50:2",
                        "--sigma-range", "1/2:4", "--grid", "8x4", "--digits", "4", "--jobs", "2", "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode in (0, 3), p.stderr
    w, h, colours, not_white = image_stats(str(tmp_path / "dd.png"))
    assert (w, h) == (1000, 700) and colours >= 20
    assert not_white > 0.45, not_white
    assert sorted(f.name for f in tmp_path.iterdir()) == ["dd.csv", "dd.json", "dd.png"]
