"""lyapcert.plot (matplotlib, optional): the phase-diagram heat map and the exponent band draw what the results
certify (colours = certified phases, hatches = uncertified cells, boundary brackets, the exact L2 boundary; the
enclosure band and sign-change brackets), on log axes with the legend outside. Skipped with a message when
matplotlib is missing (pyenv's python3 does not see Debian's python3-matplotlib). About 3 s. docs/python.md.
"""
import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
matplotlib = pytest.importorskip("matplotlib", reason="matplotlib is not installed (Debian: python3-matplotlib); "
                                                      "lyapcert.plot is optional")
from matplotlib.collections import PatchCollection, QuadMesh  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import lyapcert  # noqa: E402
import lyapcert.plot as lp  # noqa: E402


@pytest.fixture(scope="module")
def diagram():
    return lyapcert.phase_diagram(lr_range=("1/100", "10"), snr_range=("1/50", "2/5"), grid=(24, 3), digits=6)


def test_phase_diagram_plot(diagram, tmp_path):
    d = diagram
    ax = lp.phase_diagram(d)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1
    # one cell per grid point, coloured by its certified phase
    codes = np.asarray(meshes[0].get_array()).reshape(d.shape)
    assert np.array_equal(codes, d.phase.astype(int))
    colors = meshes[0].to_rgba(codes.ravel())  # the colour each cell is drawn with
    ny, nx = d.shape
    for j, i in [(0, 0), (ny - 1, nx - 1), (1, nx // 2)]:
        assert to_hex(colors[j * nx + i]) == lp.PHASE_COLORS[lyapcert.Phase(int(d.phase[j, i]))]
    hatched = [c for c in ax.collections if isinstance(c, PatchCollection)]
    assert len(hatched) == 1 and hatched[0].get_hatch() == "///"
    assert len(hatched[0].get_paths()) == int((~d.cell_certified).sum()) > 0
    # boundary brackets: the Lambda_+ line passes through the geometric midpoints of its brackets
    xs = sorted(np.sqrt(d.lambda_plus_roots.lower * d.lambda_plus_roots.upper))
    line_x = [sorted(line.get_xdata()) for line in ax.lines]
    assert any(len(x) == len(xs) and np.allclose(x, xs) for x in line_x)
    l2 = [line for line in ax.lines if line.get_label() == "L2 boundary (exact)"]
    assert len(l2) == 1 and np.array_equal(l2[0].get_xdata(), d.l2_boundary["lr"])
    leg = ax.get_legend()
    labels = [t.get_text() for t in leg.get_texts()]
    assert "cell not certified" in labels and "L2 boundary (exact)" in labels
    assert {lyapcert.Phase(int(p)).label for p in np.unique(d.phase)} <= set(labels)
    bbox = leg.get_window_extent(ax.figure.canvas.get_renderer())
    assert bbox.x0 >= ax.get_window_extent().x1  # outside, right of the axes
    out = tmp_path / "diagram.png"
    ax.figure.savefig(out, dpi=80)
    assert out.stat().st_size > 5000


def test_exponent_plot_marks_brackets_that_hold_the_certified_roots(tmp_path):
    law = "atoms(-1:1/3, 1/2:2/3)"
    r = lyapcert.lyap1d(law, np.geomspace(0.05, 20, 60), digits=12)
    ax = lp.exponent(r)
    assert ax.get_xscale() == "log"
    spans = [p for p in ax.patches]  # axvspan rectangles
    brackets = sorted((p.get_xy()[:, 0].min(), p.get_xy()[:, 0].max()) for p in spans)  # x in data units
    assert brackets, "the law's exponent changes sign in [0.05, 20]"
    # every drawn bracket holds a root certified independently by lyapcert.boundaries
    roots = lyapcert.boundaries(law, "1/20", "20", digits=12)
    assert roots.complete
    mids = [float(sum(root.enclosure.fractions()) / 2) for root in roots.roots]
    for a, b in brackets:
        assert any(a <= m <= b for m in mids), (a, b, mids)
    # the band is the enclosure
    band = [c for c in ax.collections if c.get_label() == "certified enclosure"]
    assert len(band) == 1
    ax2 = lp.exponent(r, roots=roots)
    assert len(ax2.patches) == len(roots.roots)
    ax.figure.savefig(tmp_path / "exponent.png", dpi=80)


def test_diagonal_and_batch_axis_diagrams_are_drawn_on_the_cli_axes():
    d = lyapcert.phase_diagram(model="diagonal", beta=[1, "1/2"], lr_range=("1/10", 1), sigma_range=("1/2", 2),
                               grid=(3, 2), digits=4)
    ax = lp.phase_diagram(d)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    # each cell coloured by the certified lower end of the surviving fraction, on the CLI's palette
    assert np.array_equal(np.asarray(mesh.get_array()).reshape(d.shape), d.fraction_lower)
    assert to_hex(mesh.cmap(0.0)) == lp.FRACTION_COLORS[0] and to_hex(mesh.cmap(1.0)) == lp.FRACTION_COLORS[-1]
    assert mesh.norm.vmin == 0 and mesh.norm.vmax == 1
    b = lyapcert.phase_diagram(lr_range=("1/10", "2"), batch_range=(1, 4), sigma="1/2", grid=(4, 3), digits=4,
                               cells="off")
    ax = lp.phase_diagram(b)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear" and ax.get_ylabel() == "batch size"
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert np.array_equal(np.asarray(mesh.get_array()).reshape(b.shape), b.phase.astype(int))
    assert not [c for c in ax.collections if isinstance(c, PatchCollection)]  # no cell claimed: none hatched
