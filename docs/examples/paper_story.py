# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # SGD near a saddle, certified: the story end to end
#
# This notebook (jupytext percent format: open it in Jupyter with jupytext, or run it with plain `python3`)
# follows the paper's argument with the `lyapcert` Python module (docs/python.md):
#
# 1. the 1-D Lyapunov exponent `Lambda(lr) = E log|1 - lr h|` of a linearised SGD step, with its certified sign
#    changes;
# 2. the phase diagram of the two-layer saddle over learning rate x SNR, every colour a certified label;
# 3. the critical SNR below which SGD collapses onto the saddle at some learning rate;
# 4. simulated SGD agreeing with the certified prediction (collapse where the phase says collapse, escape
#    elsewhere).
#
# Environment: `LYAPCERT_EXAMPLE_OUT` (folder for the images, default `.`), `LYAPCERT_EXAMPLE_SIZE` (`small`
# for CI, about half a minute; `full`, the default, for the figures of the paper, a few minutes).
# Headless runs use `MPLBACKEND=Agg`.

# %%
import os
import sys
from fractions import Fraction

import matplotlib
import numpy as np

if "MPLBACKEND" not in os.environ and "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # plain python3 without a display
from matplotlib import pyplot as plt

import lyapcert
import lyapcert.plot as lp

OUT = os.environ.get("LYAPCERT_EXAMPLE_OUT", ".")
SMALL = os.environ.get("LYAPCERT_EXAMPLE_SIZE", "full") == "small"
os.makedirs(OUT, exist_ok=True)
print("lyapcert", lyapcert.__version__, "| size:", "small" if SMALL else "full", "| images in", OUT)

# %% [markdown]
# ## 1. The 1-D exponent
#
# Near the saddle a minibatch SGD step multiplies the distance by `1 - lr h`, `h` the minibatch curvature. For
# a dataset of ten per-sample curvatures and batches of two, `minibatch` builds the exact law of `h`;
# `lyap1d` with an array of learning rates returns an enclosure of `Lambda(lr) = E log|1 - lr h|` at every
# point (computed in parallel in C++), and `boundaries` certifies where `Lambda` changes sign: where
# `Lambda < 0` the linearised SGD contracts towards the saddle, where `Lambda > 0` it escapes.

# %%
data = ["2.1", "1.3", "-0.4", "0.9", "1.7", "-1.2", "0.5", "2.6", "0.2", "-0.7"]
law = lyapcert.minibatch(data, batch=2)
lrs = np.geomspace(0.05, 20, 40 if SMALL else 200)
ex = lyapcert.lyap1d(law, lr=lrs, digits=8)
roots = lyapcert.boundaries(law, lr_min="1/20", lr_max=20, digits=8)
assert np.all(ex.lower <= ex.upper) and roots.complete
for r in roots.roots:
    print(f"Lambda changes sign ({r['direction']}) at lr in [{r['lower']}, {r['upper']}]")
# every sign change seen on the grid holds a certified root, or a singular point where Lambda = -inf exactly
# (lr = 1/h for an atom h of the law: the sign changes through -inf, not through 0)
marks = [(Fraction(r["lower"]), Fraction(r["upper"])) for r in roots.roots]
marks += [(Fraction(p), Fraction(p)) for p in roots.singular_points]
for a in range(len(lrs) - 1):
    if {ex.sign[a], ex.sign[a + 1]} == {"negative", "positive"}:
        assert any(lo <= Fraction(lrs[a + 1]) and hi >= Fraction(lrs[a]) for lo, hi in marks), (lrs[a], lrs[a + 1])
print(f"{len(roots.roots)} certified roots and {len(roots.singular_points)} singular points in [1/20, 20]")
ax = lp.exponent(ex, roots=roots)
ax.figure.savefig(os.path.join(OUT, "exponent.png"), dpi=110, bbox_inches="tight")
plt.close(ax.figure)

# %% [markdown]
# ## 2. The phase diagram
#
# `phase_diagram` certifies the phase of the two-layer saddle at every grid point (both exponents
# `Lambda_+`, `Lambda_-` enclosed) and, by interval evaluation, on every cell; hatched cells are those whose
# phase is not proved on the whole cell. Phase III (both exponents negative) is collapse onto the saddle.

# %%
grid = (24, 10) if SMALL else (80, 40)
d = lyapcert.phase_diagram(lr_range=("1/100", 10), snr_range=("1/100", "2/5"), grid=grid, digits=8)
print(d)
ax = lp.phase_diagram(d)
ax.figure.savefig(os.path.join(OUT, "phase_diagram.png"), dpi=110, bbox_inches="tight")
plt.close(ax.figure)
collapse = np.argwhere(d.phase == lyapcert.Phase.III)  # (j, i) indices of certified collapse points
print(f"{len(collapse)} grid points certified in phase III (collapse)")

# %% [markdown]
# ## 3. The critical SNR
#
# Below the critical SNR there is a learning rate at which SGD collapses (a certified phase III witness);
# above it, `Lambda_+ > 0` at every learning rate (a certificate over all lr > 0). `critical_snr` brackets it;
# every phase III point of the diagram must lie below the bracket's upper end.

# %%
crit = lyapcert.critical_snr(digits=0 if SMALL else 2)
lo, hi = Fraction(crit.snr["lower"]), Fraction(crit.snr["upper"])
print(f"critical SNR in [{crit.snr['lower']}, {crit.snr['upper']}] (~[{float(lo):.4g}, {float(hi):.4g}]), "
      f"complete: {crit.complete}")
assert all(Fraction(d.y_exact[j]) <= hi for j, _ in collapse)

# %% [markdown]
# ## 4. Simulated SGD agrees
#
# `check` runs SGD on the nonlinear model from a small start, sized so that a run disagreeing with the
# certified prediction is rare, and tests the count: "agree" at a collapse point and at an escape point.
# `simulate` over a range of learning rates shows the collapsed fraction rising where `Lambda_+ < 0`.

# %%
if len(collapse):
    j, i = collapse[len(collapse) // 2]
    lr_c, snr_c = d.lr_exact[i], d.y_exact[j]
else:  # no phase III point on this grid: a point below the critical SNR at the witness's learning rate
    lr_c, snr_c = crit.witness["lr"], crit.witness["snr"]
runs = 40 if SMALL else 200
for lr, snr, expect in ((lr_c, snr_c, "collapse"), ("1/100", "1/4", "escape")):
    c = lyapcert.check(lr, snr=snr, runs=runs, seed=1, threads=2, max_steps=2_000_000)
    print(f"lr = {lr}, snr = {snr}: predicted {c.predicted['outcome']} (phase {c.predicted['phase']}), "
          f"simulated {c.simulated['collapsed']} collapsed / {c.simulated['reached_escape']} escaped "
          f"-> {c.verdict}")
    assert c.predicted["outcome"] == expect and c.verdict == "agree", c.verdict

sweep_lrs = np.geomspace(float(Fraction(lr_c)) / 8, float(Fraction(lr_c)) * 2, 5 if SMALL else 12)
sims = [lyapcert.simulate(float(lr), snr=snr_c, runs=runs, steps=2000 if SMALL else 20000, seed=1, threads=2,
                          progress=False) for lr in sweep_lrs]
ax = lp.simulation(sims)
ax.set_title(f"simulated SGD at SNR {snr_c}")
ax.figure.savefig(os.path.join(OUT, "simulation.png"), dpi=110, bbox_inches="tight")
plt.close(ax.figure)
print("wrote", ", ".join(os.path.join(OUT, f) for f in ("exponent.png", "phase_diagram.png", "simulation.png")))
