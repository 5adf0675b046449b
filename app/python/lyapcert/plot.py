"""Plots of lyapcert results with matplotlib (optional: ``import lyapcert.plot`` raises ImportError naming the
package when matplotlib is missing). Each function draws on ``ax`` (a new figure when None) and returns the Axes.

* ``phase_diagram(result, ax=None)``: the PhaseDiagram as a filled heat map on the CLI's axes (log lr, log y
  except batch sizes), one colour per phase (the phase certified at each grid point, grey where undetermined),
  cells whose phase is not proved on the whole cell hatched (when cells were checked), the certified boundary
  brackets of each exponent, the exact L2 boundary and finite-data spikes, legend outside the axes; the
  diagonal model as the certified lower end of the surviving fraction (colour bar), points with an
  undetermined coordinate marked.
* ``exponent(result, ax=None, roots=None)``: Lambda(lr) of a Lyap1dArray as its enclosure band (and the band's
  midline) on a log lr axis, with the sign changes marked: intervals between neighbouring learning rates with
  certified opposite signs (a root lies in each, Lambda being continuous there), or the certified roots of
  ``roots = lyapcert.boundaries(...)`` when given.
* ``simulation(result, ax=None, x=None)``: the collapsed and escaped fractions of ``lyapcert.simulate``
  results (one, or a sequence such as a sweep over learning rates) as points with their confidence intervals
  as error bars, against ``x`` (default: each result's learning rate, a log axis).

What is drawn is what is certified: colours are certified labels, bands are enclosures (rounded outward), root
marks are brackets. docs/python.md.
"""
import math
from fractions import Fraction

try:
    import matplotlib
    from matplotlib import pyplot as plt
    from matplotlib.collections import PatchCollection
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle
except ImportError as e:  # pragma: no cover - depends on the interpreter
    raise ImportError("lyapcert.plot needs matplotlib (Debian: python3-matplotlib; pip: matplotlib)") from e

import numpy as np

from . import Phase

__all__ = ["FRACTION_COLORS", "PHASE_COLORS", "phase_diagram", "exponent", "simulation"]

# One colour per Phase value (the CLI's PNG uses the same ones).
PHASE_COLORS = {
    Phase.UNDETERMINED: "#bbbbbb",
    Phase.IA: "#2b83ba",
    Phase.IB: "#abdda4",
    Phase.II: "#d7191c",
    Phase.III: "#fdae61",
    Phase.IV: "#7b3294",
    Phase.COLLAPSE: "#fdae61",
    Phase.ESCAPE: "#2b83ba",
}


def _edges(x, log):
    """Cell edges: the (geometric, on a log axis) midpoints between neighbours, the grid ends outside."""
    x = np.asarray(x, dtype=float)
    if len(x) == 1:
        return np.array([x[0] / 1.1, x[0] * 1.1]) if log else np.array([x[0] - 0.5, x[0] + 0.5])
    mids = np.sqrt(x[:-1] * x[1:]) if log else (x[:-1] + x[1:]) / 2
    return np.concatenate([[x[0]], mids, [x[-1]]])


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5), constrained_layout=True)
    return ax


def phase_diagram(result, ax=None):
    """Draw a lyapcert.PhaseDiagram (see the module docstring) and return the Axes."""
    ax = _axes(ax)
    if result.model == "diagonal":
        return _diagonal_diagram(result, ax)
    log_y = result.log_y
    xe, ye = _edges(result.lr, True), _edges(result.y, log_y)
    cmap = ListedColormap([PHASE_COLORS[p] for p in Phase])
    norm = BoundaryNorm(np.arange(len(Phase) + 1) - 0.5, cmap.N)
    codes = np.ma.masked_array(np.asarray(result.phase, dtype=int), mask=~np.asarray(result.done))
    mesh = ax.pcolormesh(xe, ye, codes, cmap=cmap, norm=norm, shading="flat")
    mesh.set_label("_phase")
    uncertified = []
    if result.cells_checked:  # the two-layer Gaussian model with cells checked (else no cell is claimed)
        uncertified = [Rectangle((xe[i], ye[j]), xe[i + 1] - xe[i], ye[j + 1] - ye[j])
                       for j, i in zip(*np.nonzero(~np.asarray(result.cell_certified) & result.done))]
        hatch = PatchCollection(uncertified, facecolor="none", edgecolor=(0, 0, 0, 0.45), hatch="///",
                                linewidth=0)
        hatch.set_label("_uncertified_cells")
        ax.add_collection(hatch)
    handles = [Patch(facecolor=PHASE_COLORS[p], label=p.label) for p in Phase
               if np.any((result.phase == p) & result.done)]
    if uncertified:
        handles.append(Patch(facecolor="white", edgecolor=(0, 0, 0, 0.45), hatch="///",
                             label="cell not certified"))
    styles = {"lambda_plus": ("black", r"$\Lambda_+ = 0$"), "lambda_minus": ("white", r"$\Lambda_- = 0$"),
              "lambda_top": ("black", r"$\Lambda_{top} = 0$")}
    for name in result.exponents:
        curve = getattr(result, f"{name}_roots")
        color, label = styles.get(name, ("black", f"{name} = 0"))
        if len(curve) == 0:
            continue
        mid = np.sqrt(curve.lower * curve.upper)
        order = np.lexsort((mid, curve.y))
        # a curve through the brackets when each y has one root; separate brackets otherwise
        one_per_y = len(np.unique(curve.y)) == len(curve.y)
        ax.errorbar(mid[order], curve.y[order], xerr=[mid[order] - curve.lower[order], curve.upper[order] - mid[order]],
                    fmt="o-" if one_per_y else "o", ms=3, lw=1.2, color=color, mec="black", mew=0.6, label=label)
        handles.append(Line2D([], [], color=color, marker="o", ms=4, mec="black", lw=1.2, label=label))
    for name, marker, color in (("lambda_plus", "x", "#e66101"), ("lambda_minus", "+", "#5e3c99")):
        sp = result.spikes.get(name)
        if sp is not None and len(sp["lr"]):
            label = r"spike of $\Lambda_%s$ ($-\infty$, exact)" % ("+" if name == "lambda_plus" else "-")
            ax.plot(sp["lr"], sp["y"], marker, color=color, ms=7, mew=1.5, ls="none", label=label)
            handles.append(Line2D([], [], color=color, marker=marker, ms=7, mew=1.5, ls="none", label=label))
    if len(result.l2_boundary["y"]):
        ax.plot(result.l2_boundary["lr"], result.l2_boundary["y"], "--", color="#333333", lw=1.2,
                label="L2 boundary (exact)")
        handles.append(Line2D([], [], color="#333333", ls="--", lw=1.2, label="L2 boundary (exact)"))
    _diagram_axes(ax, result, xe, ye)
    ny, nx = result.shape
    if result.cells_checked:
        ax.set_title(f"certified phases ({int(np.sum(result.cell_certified))} of {nx * ny} cells proved)")
    else:
        ax.set_title(f"certified phases at the grid points ({int(np.sum(result.phase != 0))} of {nx * ny} decided)")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, title="phase")
    return ax


# The CLI's palette for the diagonal model's surviving fraction (0: none survives, 1: all do).
FRACTION_COLORS = ("#fdae61", "#ffffbf", "#2b83ba")


def _diagram_axes(ax, result, xe, ye):
    ax.set_xscale("log")
    if result.log_y:
        ax.set_yscale("log")
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    ax.set_xlabel("learning rate")
    ax.set_ylabel({"snr": "per-sample SNR", "sigma": "noise sigma", "batch": "batch size"}.get(result.y_axis,
                                                                                              result.y_axis))


def _diagonal_diagram(result, ax):
    """The diagonal model as the CLI draws it: each cell coloured by the certified lower end of the surviving
    fraction (colour bar), points with an undetermined coordinate marked."""
    from matplotlib.colors import LinearSegmentedColormap
    xe, ye = _edges(result.lr, True), _edges(result.y, result.log_y)
    cmap = LinearSegmentedColormap.from_list("lyapcert_fraction", FRACTION_COLORS)
    values = np.ma.masked_array(result.fraction_lower, mask=~np.asarray(result.done))
    mesh = ax.pcolormesh(xe, ye, values, cmap=cmap, vmin=0.0, vmax=1.0, shading="flat")
    mesh.set_label("_fraction")
    ax.figure.colorbar(mesh, ax=ax, label="surviving fraction (certified lower end)")
    jj, ii = np.nonzero(result.done & (result.fraction_upper > result.fraction_lower))
    ax.plot(result.lr[ii], result.y[jj], "x", color="black", ms=6, ls="none", label="some coordinate undetermined")
    _diagram_axes(ax, result, xe, ye)
    ax.set_title("diagonal model: beta = (" + ", ".join(result.beta) + ")")
    if len(ii):
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.15), borderaxespad=0.0)
    return ax


def _sign_changes(result):
    """Brackets [lr[i], lr[i+1]] whose ends have certified opposite signs (float endpoints)."""
    out = []
    s = list(result.sign)
    for i in range(len(s) - 1):
        if {s[i], s[i + 1]} == {"negative", "positive"}:
            out.append((float(result.lr[i]), float(result.lr[i + 1])))
    return out


def exponent(result, ax=None, roots=None):
    """Draw a lyapcert.Lyap1dArray (see the module docstring) and return the Axes."""
    ax = _axes(ax)
    lr = np.asarray(result.lr, dtype=float)
    lo = np.where(np.isfinite(result.lower), result.lower, np.nan)
    hi = np.where(np.isfinite(result.upper), result.upper, np.nan)
    ax.fill_between(lr, lo, hi, color="#2b83ba", alpha=0.35, lw=0, label="certified enclosure")
    ax.plot(lr, (lo + hi) / 2, color="#2b83ba", lw=1.2, label=r"$\Lambda(lr)$")
    minus_inf = ~np.isfinite(result.upper)
    if np.any(minus_inf):
        ax.plot(lr[minus_inf], np.full(int(minus_inf.sum()), np.nanmin(lo) if np.any(np.isfinite(lo)) else -1.0),
                "v", color="#d7191c", label=r"$\Lambda = -\infty$ (exact)")
    ax.axhline(0.0, color="black", lw=0.8)
    if roots is not None:
        brackets = [(float(Fraction(r["lower"])), float(Fraction(r["upper"]))) for r in roots["roots"]]
        label = "certified root"
    else:
        brackets = _sign_changes(result)
        label = "sign change (bracket)"
    for k, (a, b) in enumerate(brackets):
        ax.axvspan(a, b, color="#d7191c", alpha=0.3, lw=0, label=label if k == 0 else None)
        ax.axvline(math.sqrt(a * b) if a > 0 else (a + b) / 2, color="#d7191c", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel(r"$\Lambda(lr) = E \log|1 - lr\, h|$")
    ax.set_title(result.law if len(result.law) <= 60 else result.law[:57] + "...")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return ax


def simulation(result, ax=None, x=None):
    """Draw the collapsed / escaped fractions of one or several ``lyapcert.simulate`` results with their
    intervals (Monte Carlo, at the results' level) against ``x`` (default: the learning rates) and return the
    Axes."""
    results = [result] if isinstance(result, dict) else list(result)
    if not results:
        raise ValueError("simulation(): no results to draw")
    ax = _axes(ax)
    if x is None:
        xs = np.array([float(Fraction(r["lr"])) for r in results])
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
    else:
        xs = np.asarray(x, dtype=float)
        if xs.shape != (len(results),):
            raise ValueError(f"simulation(): x has shape {xs.shape}, expected ({len(results)},)")
    for key, colour, label, marker in (("collapsed_fraction", "#fdae61", "collapsed", "o"),
                                       ("escaped_fraction", "#2b83ba", "escaped", "s")):
        est = np.array([r["summary"][key]["estimate"] for r in results], dtype=float)
        lo = np.array([r["summary"][key]["lower"] for r in results], dtype=float)
        hi = np.array([r["summary"][key]["upper"] for r in results], dtype=float)
        ax.errorbar(xs, est, yerr=[est - lo, hi - est], fmt=marker, color=colour, capsize=3, label=label)
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("fraction of runs")
    level = results[0]["summary"].get("level")
    ax.set_title(f"simulated SGD ({results[0]['summary']['runs']} runs per point"
                 + (f", intervals at level {level:g})" if level is not None else ")"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return ax
