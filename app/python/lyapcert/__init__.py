"""lyapcert: certified Lyapunov exponents of SGD near saddle points.

Every function returns a ``Result`` (a dict with the same fields as the CLI's ``--json`` output, see
docs/cli.md and docs/schema/) whose certified values are ``Enclosure`` objects: a pair of exact decimal
strings ``lower``/``upper`` (rounded outward, so the true value lies between them), the ``sign``, and the
conveniences ``fractions()`` (exact ``fractions.Fraction`` endpoints) and ``floats()`` (binary64 endpoints
rounded outward).

Errors: bad input raises ``lyapcert.InputError`` (also a ``ValueError``) whose message names the Python
argument (``digits must be in [1, 10000], got 0``); a cap the caller set (``max_atoms``) that the input would
exceed raises ``lyapcert.BudgetExceeded`` (also a ``RuntimeError``); both derive from ``lyapcert.Error``.
"Not certified" is never an exception: it is ``sign == "undetermined"`` or ``converged == False``.

Numbers may be given as ``str`` (the law language's exact syntax: ``"0.1"`` is exactly 1/10), ``int``,
``fractions.Fraction`` or ``float`` (taken as its exact binary value). Finite laws and datasets accept numpy
arrays: ``atoms(values, weights)``, ``minibatch(data, batch, replace)``, ``phase(..., data=xy)``.
See docs/python.md.
"""
import enum
from fractions import Fraction
import math

from ._lyapcert import (  # noqa: F401
    BudgetExceeded,
    CurvatureLaw,
    Error,
    InputError,
    __version__,
    atoms,
    minibatch,
)
from . import _lyapcert as _core

__all__ = [
    "BudgetExceeded", "CurvatureLaw", "Enclosure", "Error", "InputError", "Result", "__version__", "atoms", "boundaries", "estimate",
    "lyap1d", "lyapnd", "minibatch", "moment", "phase",
    "Lyap1dArray", "Phase", "PhaseDiagram", "BoundaryCurve", "phase_diagram",
    "boundary", "check", "command", "critical_snr", "recheck", "sign", "simulate", "table", "verify",
]


def _to_fraction(text):
    if text in ("-inf", "inf", "+inf"):
        return -math.inf if text.startswith("-") else math.inf
    return Fraction(text)


def _float_down(q):
    if isinstance(q, float):
        return q
    f = float(q)
    return f if Fraction(f) <= q else math.nextafter(f, -math.inf)


def _float_up(q):
    if isinstance(q, float):
        return q
    f = float(q)
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


class Enclosure:
    """A certified value: the true value lies in [lower, upper] (exact decimal strings, rounded outward).

    ``lo, hi = enc`` unpacks the strings; ``enc.fractions()`` gives exact Fractions (``-math.inf`` for
    "-inf"); ``enc.floats()`` gives binary64 endpoints rounded outward (still an enclosure);
    ``x in enc`` tests membership exactly.
    """

    __slots__ = ("lower", "upper", "sign")

    def __init__(self, lower, upper, sign=None):
        self.lower = lower
        self.upper = upper
        self.sign = sign

    def __iter__(self):
        return iter((self.lower, self.upper))

    def pair(self):
        return (self.lower, self.upper)

    def fractions(self):
        return (_to_fraction(self.lower), _to_fraction(self.upper))

    def floats(self):
        lo, hi = self.fractions()
        return (_float_down(lo), _float_up(hi))

    def midpoint(self):
        lo, hi = self.fractions()
        if isinstance(lo, float) or isinstance(hi, float):
            return lo if lo == hi else None
        return (lo + hi) / 2

    def __contains__(self, x):
        lo, hi = self.fractions()
        if isinstance(x, str):
            x = _to_fraction(x)
        elif isinstance(x, float) and math.isfinite(x):
            x = Fraction(x)
        return lo <= x <= hi

    def __eq__(self, other):
        return isinstance(other, Enclosure) and self.pair() == other.pair() and self.sign == other.sign

    def __repr__(self):
        s = f", sign={self.sign!r}" if self.sign is not None else ""
        return f"Enclosure({self.lower!r}, {self.upper!r}{s})"

    def to_dict(self):
        d = {"lower": self.lower, "upper": self.upper}
        if self.sign is not None:
            d["sign"] = self.sign
        return d


_CERTIFIED_KEYS = ("enclosure", "lambda_plus", "lambda_minus")


class Result(dict):
    """A command's result: a dict with the CLI's JSON fields; certified values are Enclosure objects and
    fields are also attributes (``r.enclosure``, ``r.sign``)."""

    def __init__(self, d):
        super().__init__(d)
        for k in _CERTIFIED_KEYS:
            if isinstance(self.get(k), dict):
                v = self[k]
                self[k] = Enclosure(v["lower"], v["upper"], v.get("sign"))
        if isinstance(self.get("spectrum"), list) and self.get("command") == "lyapnd":
            self["spectrum"] = [Enclosure(v["lower"], v["upper"], v.get("sign")) for v in self["spectrum"]]

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_json(self):
        """The plain-JSON form (Enclosures back to dicts)."""
        def plain(v):
            if isinstance(v, Enclosure):
                return v.to_dict()
            if isinstance(v, list):
                return [plain(x) for x in v]
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            return v
        return plain(dict(self))


def lyap1d(law, lr, digits=16, max_bits=65536, max_atoms=10_000_000, threads=0, time_budget=600.0, progress=None):
    """Certified top Lyapunov exponent Lambda(lr) = E log|1 - lr h| of the 1-D product; ``law`` is law text or a
    CurvatureLaw (``atoms``, ``minibatch``), ``lr`` a number (str / int / Fraction exact, float its binary value).

    Guarantee: ``enclosure`` contains the exact value (outward-rounded decimals; ``-inf`` and ``0`` are decided
    exactly for finite laws); ``sign`` is proved unless "undetermined"; ``converged`` says whether ``digits``
    were reached within ``max_bits``. Returns a Result (the fields of ``lyapcert lyap1d --json``). Raises
    InputError (bad law, lr, digits, ...), BudgetExceeded (more than ``max_atoms`` atoms).

    ``lr`` a 1-D array or list (e.g. ``np.geomspace(1e-2, 10, 200)``): returns a Lyap1dArray, each point
    computed as the scalar call would (same enclosure), on ``threads`` threads (0: all cores) with the GIL
    released. ``time_budget`` (seconds, the whole call) stops the computation with what is certified so far
    (``converged`` False). Ctrl-C raises KeyboardInterrupt; ``progress``: a tqdm bar for arrays (None: when
    tqdm is installed)."""
    if _is_many(lr):
        _numpy()  # a clear ImportError before any array is made
        from ._commands import _with_bar
        return Lyap1dArray(_with_bar(progress, lambda bar: _core.lyap1d_many(law, lr, digits, max_bits, max_atoms,
                                                                             threads, time_budget, bar)))
    return Result(_core.lyap1d(law, lr, digits, max_bits, max_atoms, time_budget))


def moment(law, lr, p, digits=16, max_bits=65536, max_atoms=10_000_000, time_budget=600.0):
    """Certified moment exponent g(p) = log E|1 - lr h|^p for p > 0.

    Guarantee: ``enclosure`` contains g(p) (zero decided exactly); for p = 2 ``l2_stable`` (E(1 - lr h)^2 < 1)
    is exact. Same errors as lyap1d."""
    return Result(_core.moment(law, lr, p, digits, max_bits, max_atoms, time_budget))


def lyapnd(law, method="auto", digits=16, max_bits=65536, time_budget=60.0, max_length=40, max_memory=4096.0):
    """Certified top Lyapunov exponent of a product of i.i.d. d x d matrices (law text, docs/lyapnd.md).

    Guarantee: ``enclosure`` contains the exponent, or, when ``upper_bound_only`` (the enumeration bound for
    families no certificate covers), ``enclosure.upper`` is a proved upper bound and ``lower == "-inf"``;
    ``spectrum`` (Ginibre laws) holds enclosures of every exponent. ``time_budget`` (seconds) stops the
    search early with what is proved so far; ``max_memory`` (MiB) caps the working memory of the enumerate,
    cycle and poisson methods (``memory_limited``). ``method``: auto, ginibre, isotropic, commuting, rankone,
    enumerate, cycle, multicone, poisson or reducible (docs/lyapnd.md). Raises InputError."""
    return Result(_core.lyapnd(law, method, digits, max_bits, time_budget, max_length, max_memory))


def boundaries(law=None, lr_min=None, lr_max=None, digits=16, max_roots=10000, max_bits=16384, max_atoms=10_000_000,
               time_budget=600.0, law_template=None, progress=None):
    """Certified learning rates in [lr_min, lr_max] where Lambda(lr) changes sign; the fields of
    ``lyapcert boundary --json``.

    Guarantee: each of ``roots`` (``lower``/``upper`` exact decimals, ``direction``, ``.enclosure``) holds
    exactly one sign change of Lambda (certified-monotone cell); ``complete`` True means there are no others in
    the range (``unresolved`` lists the cells that could not be decided otherwise); ``singular_points`` and
    ``slivers`` are exact. ``law_template`` instead of ``law``: a matrix law with the identifier ``lr`` (e.g.
    ``isotropic(d, lr)``), the sign changes of its top exponent (run by the CLI's own command). Raises
    InputError, BudgetExceeded."""
    if law_template is not None:
        from ._commands import _argv, _result
        if law is not None:
            raise InputError("give law or law_template, not both")
        r = _result(_argv("boundary", [
            ("law_template", "text", law_template), ("lr_min", "number", lr_min), ("lr_max", "number", lr_max),
            ("digits", "int", digits), ("max_roots", "int", max_roots), ("max_bits", "int", max_bits),
            ("max_atoms", "int", max_atoms), ("time_budget", "real", time_budget)]), progress)
        r["roots"] = [_Root(x) for x in r.get("roots", [])]
        return r
    if law is None:
        raise InputError("law: give a law (or law_template)")
    r = Result(_core.boundaries(law, lr_min, lr_max, digits, max_roots, max_bits, max_atoms, time_budget))
    r["roots"] = [_Root(x) for x in r["roots"]]
    return r


class _Root(dict):
    """A root enclosure (dict with lower, upper, direction) with ``.enclosure`` as an Enclosure."""

    @property
    def enclosure(self):
        return Enclosure(self["lower"], self["upper"])

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def phase(lr, k=1, sigma=None, snr=None, gamma=0, batch=1, replace=True, data=None, digits=16, max_bits=65536,
          max_atoms=10_000_000, time_budget=600.0, model="twolayer", beta=None, data_sample=None, seed=1,
          out="lyapcert", dim=1, out_dim=1, progress=None):
    """Certified phase of the two-layer saddle model at one learning rate; ``data`` is None (Gaussian data
    model), an (N, 2) array of (x, y) pairs, or a pair of arrays (x, y).

    Guarantee: ``lambda_plus`` / ``lambda_minus`` are enclosures, ``l2_wrong_direction_stable`` is exact, and
    ``phase`` (Ia | Ib | II | III | IV) is proved, or "undetermined" with the labels still possible in
    ``phase_candidates``. ``model="diagonal"`` with ``beta`` (coefficients), ``model="vector"`` with ``dim`` /
    ``out_dim`` (the top exponent ``lambda_top`` of the vector two-layer product, docs/models.md), or
    ``data_sample=N`` (N pairs drawn from the Gaussian model with ``seed``, written to ``out``-data.csv) run the
    CLI's own command. Raises InputError, BudgetExceeded (``max_atoms`` for finite data)."""
    if model != "twolayer" or beta is not None or data_sample is not None:
        from ._commands import _DataFile, _argv, _result
        with _DataFile(data) as d:
            return _result(_argv("phase", [
                ("model", "text", model), ("k", "number", None if k == 1 and model != "twolayer" else k),
                ("sigma", "number", sigma), ("snr", "number", snr), ("gamma", "number", gamma),
                ("batch", "int", batch), ("replace", "bool", replace), ("data", "path", d.path),
                ("data_sample", "int", data_sample), ("seed", "int", seed), ("out", "path", out),
                ("beta", "list", beta), ("lr", "number", lr), ("digits", "int", digits),
                ("max_bits", "int", max_bits), ("max_atoms", "int", max_atoms),
                ("time_budget", "real", time_budget),
                ("dim", "int", dim if model == "vector" else None),
                ("out_dim", "int", out_dim if model == "vector" else None)]), progress)
    return Result(_core.phase(lr, k, sigma, snr, gamma, batch, replace, data, digits, max_bits, max_atoms,
                              time_budget))


def estimate(law, steps=100_000, reps=32, burn_in=None, seed=0, level=0.95, spectrum=False, threads=0,
             time_budget=600.0, journal=None, resume=False, progress=None):
    """Monte Carlo estimate of the top exponent of a matrix law (or a curvature law as 1 x 1 matrices).

    Guarantee: statistical, never certified: ``ci`` is a confidence interval at ``level`` whose kind is named
    by ``guarantee`` (e.g. asymptotic under the stated ``assumption``); ``sign`` is that of the interval.
    Deterministic for a given ``seed`` whatever ``threads``. ``journal`` (a file) / ``resume`` keep finished
    replicates across interrupted calls; they run the CLI's own command (same result). Raises InputError."""
    if journal is not None or resume:
        from ._commands import _argv, _law_text, _result
        return _result(_argv("estimate", [
            ("law", "text", _law_text("law", law)), ("steps", "int", steps), ("reps", "int", reps),
            ("burn_in", "int", burn_in), ("seed", "int", seed), ("level", "real", level),
            ("spectrum", "flag", spectrum), ("threads", "int", threads), ("time_budget", "real", time_budget),
            ("journal", "path", journal), ("resume", "flag", resume)]), progress)
    return Result(_core.estimate(law, steps, reps, burn_in, seed, level, spectrum, threads, time_budget))


# --- arrays (numpy) -------------------------------------------------------------------------------------------

def _numpy():
    try:
        import numpy
    except ImportError as e:  # pragma: no cover - depends on the interpreter
        raise ImportError("lyapcert: this function returns numpy arrays; install numpy (Debian: python3-numpy)") from e
    return numpy


def _is_many(lr):
    if isinstance(lr, (str, bytes, Fraction)):
        return False
    return isinstance(lr, (list, tuple)) or (hasattr(lr, "ndim") and getattr(lr, "ndim", 0) >= 1)


class Lyap1dArray:
    """Certified Lambda(lr) at many learning rates: ``lower[i] <= Lambda(lr[i]) <= upper[i]``.

    ``lower`` / ``upper`` are float64 arrays rounded outward from the exact decimal endpoints ``lower_exact`` /
    ``upper_exact`` (object arrays of str, the same strings as ``lyap1d(law, lr[i])``), so both pairs are
    enclosures; ``-inf`` where Lambda(lr) = -inf exactly. ``lr`` is the float64 value of each learning rate and
    ``lr_exact`` its exact text. ``sign`` (str array: negative / zero / positive / undetermined), ``converged``
    (bool array), ``digits_achieved``, ``method``, ``message``, ``bits`` are per point. ``r[i]`` is the i-th
    Enclosure; ``len(r)`` the number of points.
    """

    def __init__(self, d):
        np = _numpy()
        self.law = d["law"]
        self.digits = d["digits"]
        self.lr = d["lr"]
        self.lr_exact = np.array(d["lr_exact"], dtype=object)
        self.lower = d["lower"]
        self.upper = d["upper"]
        self.lower_exact = np.array(d["lower_exact"], dtype=object)
        self.upper_exact = np.array(d["upper_exact"], dtype=object)
        self.sign = np.array(d["sign"], dtype=str)
        self.converged = d["converged"]
        self.digits_achieved = list(d["digits_achieved"])
        self.method = list(d["method"])
        self.message = list(d["message"])
        self.bits = d["bits"]

    def __len__(self):
        return len(self.lower)

    def __getitem__(self, i):
        return Enclosure(self.lower_exact[i], self.upper_exact[i], self.sign[i])

    def enclosures(self):
        """The list of Enclosure objects (exact decimal endpoints)."""
        return [self[i] for i in range(len(self))]

    def __repr__(self):
        return f"Lyap1dArray(law={self.law!r}, {len(self)} learning rates, digits={self.digits})"


class Phase(enum.IntEnum):
    """Phase labels of the two-layer saddle (docs/models.md), as stored in ``PhaseDiagram.phase``:
    0 UNDETERMINED (no single label is certified), 1 IA, 2 IB, 3 II, 4 III, 5 IV."""

    UNDETERMINED = 0
    IA = 1
    IB = 2
    II = 3
    III = 4
    IV = 5

    @property
    def label(self):
        return ("undetermined", "Ia", "Ib", "II", "III", "IV")[self.value]


class BoundaryCurve:
    """Certified roots of one exponent along lr, one bracket per row: for each entry, the exponent changes sign
    between ``lower`` and ``upper`` at ``y`` (exactly one root there when ``unique``). ``y``, ``lower``,
    ``upper`` are float64 arrays (``lower`` rounded down, ``upper`` up); ``*_exact`` hold the exact values as
    text; ``direction`` is "neg-to-pos" or "pos-to-neg" as lr grows."""

    def __init__(self, name, rows):
        np = _numpy()
        self.name = name
        self.y_exact = np.array([r["y"] for r in rows], dtype=object)
        self.lower_exact = np.array([r["lower"] for r in rows], dtype=object)
        self.upper_exact = np.array([r["upper"] for r in rows], dtype=object)
        self.y = np.array([float(Fraction(r["y"])) for r in rows], dtype=float)
        self.lower = np.array([_float_down(Fraction(r["lower"])) for r in rows], dtype=float)
        self.upper = np.array([_float_up(Fraction(r["upper"])) for r in rows], dtype=float)
        self.direction = np.array([r["direction"] for r in rows], dtype=str)
        self.unique = np.array([r["unique"] for r in rows], dtype=bool)

    def __len__(self):
        return len(self.y)

    def __repr__(self):
        return f"BoundaryCurve({self.name!r}, {len(self)} brackets, {int(self.unique.sum())} unique)"


class PhaseDiagram:
    """The certified phase diagram of the two-layer saddle (Gaussian data) over lr x y (y = per-sample SNR or
    sigma), as numpy arrays of shape ``(n_y, n_lr)`` indexed ``[j, i]`` = point ``(lr[i], y[j])``.

    * ``lr``, ``y`` (and ``snr`` or ``sigma``, the same array): float64 axes; ``lr_exact``, ``y_exact`` exact text.
    * ``lambda_plus_lower`` <= Lambda_+ <= ``lambda_plus_upper`` at each grid point (float64, rounded outward
      from the exact decimal ``*_exact`` endpoints); the same for ``lambda_minus``. ``lambda_plus_sign`` ...
      are str arrays.
    * ``phase``: int8, the ``Phase`` enum, certified at the grid point (0 when not decided).
    * ``cell_certified``: bool, True when one phase ``cell_phase`` is proved on the whole cell around the point
      (the rectangle between the geometric midpoints to its neighbours); ``cell_phase`` is 0 elsewhere.
    * ``l2_wrong_direction_stable``: bool, exact.
    * ``lambda_plus_roots``, ``lambda_minus_roots``: BoundaryCurve, the certified sign changes along lr at each
      y; ``l2_boundary``: the exact L2 boundary (arrays ``y``, ``lr``; lists of exact text in ``l2_boundary_exact``).
    * ``complete``: every point was computed.
    """

    def __init__(self, d):
        np = _numpy()
        self.y_axis = d["y_axis"]
        self.lr = d["lr"]
        self.y = d["y"]
        setattr(self, self.y_axis, self.y)
        self.lr_exact = np.array(d["lr_exact"], dtype=object)
        self.y_exact = np.array(d["y_exact"], dtype=object)
        for name in ("lambda_plus", "lambda_minus"):
            for end in ("lower", "upper"):
                setattr(self, f"{name}_{end}", d[f"{name}_{end}"])
                setattr(self, f"{name}_{end}_exact", np.array(d[f"{name}_{end}_exact"], dtype=object))
            setattr(self, f"{name}_sign", np.array(d[f"{name}_sign"], dtype=str))
        self.phase = d["phase"]
        self.cell_phase = d["cell_phase"]
        self.cell_certified = d["cell_certified"]
        self.done = d["done"]
        self.l2_wrong_direction_stable = d["l2_wrong_direction_stable"]
        self.lambda_plus_roots = BoundaryCurve("lambda_plus", d["lambda_plus_roots"])
        self.lambda_minus_roots = BoundaryCurve("lambda_minus", d["lambda_minus_roots"])
        self.l2_boundary_exact = [tuple(p) for p in d["l2_boundary"]]
        self.l2_boundary = {"y": np.array([float(Fraction(y)) for y, _ in self.l2_boundary_exact], dtype=float),
                            "lr": np.array([float(Fraction(x)) for _, x in self.l2_boundary_exact], dtype=float)}
        self.complete = d["complete"]
        self.digits = d["digits"]
        self.k, self.gamma, self.batch = d["k"], d["gamma"], d["batch"]

    @property
    def shape(self):
        return self.phase.shape

    def phase_label(self, j, i):
        """The certified label at grid point (lr[i], y[j]) as text ("Ia", ..., "undetermined")."""
        return Phase(int(self.phase[j, i])).label

    def to_pandas(self):
        """One row per grid point (long format): lr, the y axis, the exponents' exact and float endpoints and
        signs, phase (label text), cell_certified, cell_phase (label text), l2_wrong_direction_stable.
        Needs pandas."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("PhaseDiagram.to_pandas() needs pandas (Debian: python3-pandas)") from e
        np = _numpy()
        ny, nx = self.shape
        labels = np.array([p.label for p in Phase], dtype=object)
        cols = {
            "lr": np.tile(self.lr, ny),
            self.y_axis: np.repeat(self.y, nx),
            "lr_exact": np.tile(self.lr_exact, ny),
            f"{self.y_axis}_exact": np.repeat(self.y_exact, nx),
        }
        for name in ("lambda_plus", "lambda_minus"):
            for end in ("lower", "upper"):
                cols[f"{name}_{end}"] = getattr(self, f"{name}_{end}").ravel()
                cols[f"{name}_{end}_exact"] = getattr(self, f"{name}_{end}_exact").ravel()
            cols[f"{name}_sign"] = getattr(self, f"{name}_sign").ravel()
        cols["phase"] = labels[self.phase.ravel().astype(int)]
        cols["cell_certified"] = self.cell_certified.ravel()
        cols["cell_phase"] = np.where(self.cell_certified.ravel(), labels[self.cell_phase.ravel().astype(int)], None)
        cols["l2_wrong_direction_stable"] = self.l2_wrong_direction_stable.ravel()
        return pd.DataFrame(cols)

    def __repr__(self):
        ny, nx = self.shape
        return (f"PhaseDiagram({nx} lr x {ny} {self.y_axis}, {int(self.cell_certified.sum())} of {nx * ny} cells "
                f"certified, complete={self.complete})")


def phase_diagram(lr_range=("1/100", "10"), snr_range=None, sigma_range=None, grid=(40, 20), k=1, gamma=0, batch=1,
                  digits=10, cells="fast", jobs=0, time_budget=600.0, progress=None):
    """Certified phase diagram of the two-layer saddle model (Gaussian data), as ``lyapcert phase-diagram``:
    ``grid = (n_lr, n_y)`` log-spaced points over ``lr_range`` x ``snr_range`` (per-sample SNR in (0, 1/2);
    default (1/100, 2/5)) or ``sigma_range``. Guarantee: each grid point's exponents are enclosures and its
    ``phase`` is certified (0 = undetermined otherwise); each ``cell_certified`` cell holds one phase on the
    whole cell (interval evaluation: ``cells="fast"`` binary64 kernel, ``"arb"`` also Arb on undecided cells,
    ``"off"`` none); boundary brackets hold a sign change (exactly one root when ``unique``). Runs on ``jobs``
    threads (0: all cores) with the GIL released; deterministic. ``time_budget`` stops it with the points done
    (``complete`` False); Ctrl-C raises KeyboardInterrupt; ``progress``: a tqdm bar (None: when tqdm is
    installed). The CLI's other diagrams (``--model diagonal``, ``--batch-range``, finite ``--data``) are
    ``command("phase-diagram", ...)``. Returns a PhaseDiagram."""
    _numpy()
    if snr_range is None and sigma_range is None:
        snr_range = ("1/100", "2/5")
    from ._commands import _with_bar
    return PhaseDiagram(_with_bar(progress, lambda bar: _core.phase_diagram(
        lr_range, snr_range, sigma_range, grid, k, gamma, batch, digits, cells, jobs, time_budget, bar)))


# The CLI's remaining commands, run in-process by the CLI's own code (lyapcert/_commands.py).
from ._commands import check, command, critical_snr, recheck, sign, simulate, table, verify  # noqa: E402

boundary = boundaries  # the CLI's name of the command
