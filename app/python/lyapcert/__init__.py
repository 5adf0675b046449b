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


# --- the scalar functions: the CLI's command in-process, its JSON as the Result ------------------------------
# Each runs `lyapcert <command> ... --json` through the command registry (app/registry.cpp), so the Result is the
# CLI's JSON by construction (one builder). The arguments are checked here first where the module's messages
# are more precise than the parser's (integers out of range, wrong types), always naming the Python argument.

def _int_in(name, v, lo, hi):
    """An integer argument in [lo, hi], with the module's messages (``digits must be in [1, 10000], got 0``)."""
    import operator
    from ._commands import _type
    if isinstance(v, (bool, float)) or not hasattr(v, "__index__") or _type(v) == "bool_":
        raise InputError(f"{name}: expected an integer, got {_type(v)}")
    n = operator.index(v)
    if not lo <= n <= hi:
        got = str(n) if n.bit_length() <= 200 else f"an integer of about {int(n.bit_length() * 0.30103) + 1} digits"
        hi_text = "2^64 - 1" if hi == 2**64 - 1 else hi
        raise InputError(f"{name} must be in [{lo}, {hi_text}], got {got}")
    return n


def _time_budget(v):
    """The CLI's --time-budget range, (0, 10^6] seconds, in the module's words."""
    from ._commands import _real
    t = float(_real("time_budget", v))
    if not 0 < t <= 1e6:
        raise InputError(f"time_budget must be in (0, 1e6] seconds, got {t:g}")
    return t


def _accuracy(digits, max_bits, max_atoms=None):
    out = [("digits", "int", _int_in("digits", digits, 1, 10000)),
           ("max_bits", "int", _int_in("max_bits", max_bits, 64, 1 << 26))]
    if max_atoms is not None:
        out.append(("max_atoms", "int", _int_in("max_atoms", max_atoms, 1, 1 << 62)))
    return out


def _law_cli(name, law):
    """The law as the CLI's --law text: a str as given, a CurvatureLaw by its complete text (also when its
    label is shortened: atoms(...) from large arrays)."""
    if isinstance(law, CurvatureLaw):
        return law._cli_text()
    if not isinstance(law, str):
        raise InputError(f"{name}: expected a law text (str) or a lyapcert.CurvatureLaw (lyapcert.atoms, "
                         "lyapcert.minibatch)")
    return law


def _command_result(command, options, progress=False):
    from ._commands import _argv, _result
    return _result(_argv(command, options), progress)


def lyap1d(law, lr, digits=16, max_bits=65536, max_atoms=10_000_000, threads=0, time_budget=600.0, progress=None):
    """Certified top Lyapunov exponent Lambda(lr) = E log|1 - lr h| of the 1-D product; ``law`` is law text or a
    CurvatureLaw (``atoms``, ``minibatch``), ``lr`` a number (str / int / Fraction exact, float its binary value).

    Guarantee: ``enclosure`` contains the exact value (outward-rounded decimals; ``-inf`` and ``0`` are decided
    exactly for finite laws); ``sign`` is proved unless "undetermined"; ``converged`` says whether ``digits``
    were reached within ``max_bits``. Returns a Result (``lyapcert lyap1d --json``, run in-process by the CLI's
    own code; ``exit_status`` its exit status). Raises InputError (bad law, lr, digits, ...), BudgetExceeded
    (more than ``max_atoms`` atoms).

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
    options = _accuracy(digits, max_bits, max_atoms)
    return _command_result("lyap1d", [("law", "text", _law_cli("law", law)), ("lr", "number", lr), *options,
                                      ("time_budget", "real", _time_budget(time_budget))])


def moment(law, lr, p, digits=16, max_bits=65536, max_atoms=10_000_000, time_budget=600.0):
    """Certified moment exponent g(p) = log E|1 - lr h|^p for p > 0.

    Guarantee: ``enclosure`` contains g(p) (zero decided exactly); for p = 2 ``l2_stable`` (E(1 - lr h)^2 < 1)
    is exact. Same errors as lyap1d (``lyapcert moment --json``, run in-process)."""
    options = _accuracy(digits, max_bits, max_atoms)
    return _command_result("moment", [("law", "text", _law_cli("law", law)), ("lr", "number", lr),
                                      ("p", "number", p), *options,
                                      ("time_budget", "real", _time_budget(time_budget))])


def lyapnd(law, method="auto", digits=16, max_bits=65536, time_budget=60.0, max_length=40, max_memory=4096.0,
           max_levels=0):
    """Certified top Lyapunov exponent of a product of i.i.d. d x d matrices (law text, docs/lyapnd.md).

    Guarantee: ``enclosure`` contains the exponent, or, when ``upper_bound_only`` (the enumeration bound for
    families no certificate covers), ``enclosure.upper`` is a proved upper bound and ``lower == "-inf"``;
    ``spectrum`` (Ginibre laws) holds enclosures of every exponent. ``time_budget`` (seconds) stops the
    search early with what is proved so far; ``max_memory`` (MiB) caps the working memory of the enumerate,
    cycle and poisson methods (``memory_limited``); ``max_levels`` (d = 2 poisson) caps the mesh levels, a
    deterministic limit on the work (0: none). ``method``: auto, ginibre, isotropic, commuting, rankone,
    enumerate, cycle, multicone, poisson or reducible (docs/lyapnd.md). ``lyapcert lyapnd --json``, run
    in-process. Raises InputError."""
    from ._commands import _real, _text
    _text("law", law)
    _text("method", method)
    if not float(_real("max_memory", max_memory)) > 0:
        raise InputError(f"max_memory must be > 0 (MiB), got {max_memory}")
    return _command_result("lyapnd", [
        ("law", "text", law), ("method", "text", method), *_accuracy(digits, max_bits),
        ("time_budget", "real", _time_budget(time_budget)),
        ("max_length", "int", _int_in("max_length", max_length, 1, 64)),
        ("max_memory", "real", max_memory),
        ("max_levels", "int", _int_in("max_levels", max_levels, 0, 2**31 - 1))])


def boundaries(law=None, lr_min=None, lr_max=None, digits=16, max_roots=10000, max_bits=16384, max_atoms=10_000_000,
               time_budget=600.0, law_template=None, no_box_deadlines=False, progress=None):
    """Certified learning rates in [lr_min, lr_max] where Lambda(lr) changes sign; the fields of
    ``lyapcert boundary --json`` (run in-process).

    Guarantee: each of ``roots`` (``lower``/``upper`` exact decimals, ``direction``, ``.enclosure``) holds
    exactly one sign change of Lambda (certified-monotone cell); ``complete`` True means there are no others in
    the range (``unresolved`` lists the cells that could not be decided otherwise); ``singular_points`` and
    ``slivers`` are exact. ``law_template`` instead of ``law``: a matrix law with the identifier ``lr`` (e.g.
    ``isotropic(d, lr)``), the sign changes of its top exponent. ``no_box_deadlines=True``: no per-box wall-clock
    deadlines in the certificate of ``sgd(lr, matrices(...))`` templates (a result independent of the load).
    Raises InputError, BudgetExceeded."""
    if law_template is not None and law is not None:
        raise InputError("give law or law_template, not both")
    if law is None and law_template is None:
        raise InputError("law: give a law (or law_template)")
    r = _command_result("boundary", [
        ("law", "text", None if law is None else _law_cli("law", law)), ("law_template", "text", law_template),
        ("lr_min", "number", lr_min), ("lr_max", "number", lr_max),
        ("digits", "int", _int_in("digits", digits, 1, 10000)),
        ("max_roots", "int", _int_in("max_roots", max_roots, 1, 1_000_000_000)),
        ("max_bits", "int", _int_in("max_bits", max_bits, 64, 1 << 26)),
        ("max_atoms", "int", _int_in("max_atoms", max_atoms, 1, 1 << 62)),
        ("no_box_deadlines", "flag", no_box_deadlines),
        ("time_budget", "real", _time_budget(time_budget))],
        progress)
    r["roots"] = [_Root(x) for x in r.get("roots", [])]
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
    model), a CSV file, an (N, 2) array of (x, y) pairs, or a pair of arrays (x, y) (each float exactly).

    Guarantee: ``lambda_plus`` / ``lambda_minus`` are enclosures, ``l2_wrong_direction_stable`` is exact, and
    ``phase`` (Ia | Ib | II | III | IV) is proved, or "undetermined" with the labels still possible in
    ``phase_candidates``. ``model="diagonal"`` with ``beta`` (coefficients), ``model="vector"`` with ``dim`` /
    ``out_dim`` (the top exponent ``lambda_top`` of the vector two-layer product, docs/models.md), or
    ``data_sample=N`` (N pairs drawn from the Gaussian model with ``seed``, written to ``out``-data.csv).
    ``lyapcert phase --json``, run in-process. Raises InputError, BudgetExceeded (``max_atoms`` for finite
    data)."""
    from ._commands import _DataFile, _argv, _flag, _result
    batch = _int_in("batch", batch, 1, 1_000_000)
    _flag("replace", replace)
    options = _accuracy(digits, max_bits, max_atoms)
    with _DataFile(data) as d:
        return _result(_argv("phase", [
            ("model", "text", model), ("k", "number", None if _is_one(k) else k),
            ("sigma", "number", sigma), ("snr", "number", snr), ("gamma", "number", gamma),
            ("batch", "int", batch), ("replace", "bool", replace), ("data", "path", d.path),
            ("data_sample", "int", data_sample), ("seed", "int", seed), ("out", "path", out),
            ("beta", "list", beta), ("lr", "number", lr), *options,
            ("time_budget", "real", _time_budget(time_budget)),
            ("dim", "int", dim if model == "vector" else None),
            ("out_dim", "int", out_dim if model == "vector" else None)]), progress)


def _is_one(k):
    """k is the CLI's default 1 (then --k is not given: it does not apply to --data FILE and the other models)."""
    try:
        return not isinstance(k, bool) and (k == 1 or (isinstance(k, str) and Fraction(k) == 1))
    except (ValueError, ZeroDivisionError):
        return False


def estimate(law, steps=100_000, reps=32, burn_in=None, seed=0, level=0.95, spectrum=False, threads=0,
             time_budget=600.0, journal=None, resume=False, progress=None):
    """Monte Carlo estimate of the top exponent of a matrix law (or a curvature law as 1 x 1 matrices).

    Guarantee: statistical, never certified: ``ci`` is a confidence interval at ``level`` whose kind is named
    by ``guarantee`` (e.g. asymptotic under the stated ``assumption``); ``sign`` is that of the interval.
    Deterministic for a given ``seed`` whatever ``threads``. ``journal`` (a file) / ``resume`` keep finished
    replicates across interrupted calls. ``lyapcert estimate --json``, run in-process. Raises InputError."""
    from ._commands import _law_text
    options = [
        ("law", "text", _law_text("law", law)), ("steps", "int", _int_in("steps", steps, 16, 1 << 40)),
        ("reps", "int", _int_in("reps", reps, 1, (1 << 32) - 1)),
        ("burn_in", "int", None if burn_in is None else _int_in("burn_in", burn_in, 0, 1 << 40)),
        ("seed", "int", _int_in("seed", seed, 0, 2**64 - 1)), ("level", "real", level),
        ("spectrum", "flag", spectrum), ("threads", "int", _int_in("threads", threads, 0, 1024)),
        ("time_budget", "real", _time_budget(time_budget)), ("journal", "path", journal),
        ("resume", "flag", resume)]
    return _command_result("estimate", options, progress)


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
    """Phase labels as stored in ``PhaseDiagram.phase`` (docs/models.md): 0 UNDETERMINED (no single label is
    certified), the two-layer saddle's 1 IA, 2 IB, 3 II, 4 III, 5 IV, and 6 COLLAPSE, 7 ESCAPE for a model
    decided by one top exponent (negative: collapse, positive: escape)."""

    UNDETERMINED = 0
    IA = 1
    IB = 2
    II = 3
    III = 4
    IV = 5
    COLLAPSE = 6
    ESCAPE = 7

    @property
    def label(self):
        return ("undetermined", "Ia", "Ib", "II", "III", "IV", "collapse", "escape")[self.value]

    @classmethod
    def from_label(cls, text):
        """The Phase of a label of the CLI's JSON ("Ia", ..., "collapse"); UNDETERMINED for any other text
        ("undetermined", "mixed", "unchecked")."""
        return _PHASE_BY_LABEL.get(text, cls.UNDETERMINED)


_PHASE_BY_LABEL = {p.label: p for p in Phase}


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
        self.lower = _core.outward_doubles([r["lower"] for r in rows], False)
        self.upper = _core.outward_doubles([r["upper"] for r in rows], True)
        self.direction = np.array([r["direction"] for r in rows], dtype=str)
        self.unique = np.array([r["unique"] for r in rows], dtype=bool)

    def __len__(self):
        return len(self.y)

    def __repr__(self):
        return f"BoundaryCurve({self.name!r}, {len(self)} brackets, {int(self.unique.sum())} unique)"


def _is_enclosure(v):
    return isinstance(v, dict) and "lower" in v and "upper" in v and "sign" in v


# The exponents each model's diagram reports per grid point (also when no point was computed).
_MODEL_EXPONENTS = {"twolayer": ("lambda_plus", "lambda_minus"), "diagonal": ("lambda_plus", "lambda_minus"),
                    "vector": ("lambda_top",)}


class PhaseDiagram:
    """A certified phase diagram over lr x y (y: per-sample SNR, sigma or batch size) as numpy arrays of shape
    ``(n_y, n_lr)`` indexed ``[j, i]`` = point ``(lr[i], y[j])``, built from the JSON of ``lyapcert
    phase-diagram`` (the CLI's own builder: ``phase_diagram()`` runs the command in-process). One class for
    every model (``model``: "twolayer", "diagonal", or a model with one top exponent such as "vector"):

    * ``lr``, ``y`` (and ``snr`` / ``sigma`` / ``batch``, the same array): float64 axes; ``lr_exact``,
      ``y_exact`` exact text; ``y_axis`` the name; ``log_y`` whether the CLI draws y on a log scale.
    * per exponent NAME in ``exponents`` (``lambda_plus``, ``lambda_minus``; ``lambda_top``): ``NAME_lower`` <=
      NAME <= ``NAME_upper`` (float64, rounded outward from the exact decimal ``NAME_lower_exact`` /
      ``NAME_upper_exact``; NaN / None where the point was not computed), ``NAME_sign`` (str).
    * ``phase``: int8, the ``Phase`` enum certified at the grid point (0 when not decided).
    * ``cell_certified``: bool, one phase ``cell_phase`` proved on the whole cell around the point (the
      two-layer Gaussian model with cells checked; False elsewhere); ``cell_phase`` is 0 where not certified.
    * ``done``: bool, the point was computed; ``complete``: every point was.
    * two-layer: ``l2_wrong_direction_stable`` (bool, exact), ``lambda_plus_roots`` / ``lambda_minus_roots``
      (BoundaryCurve), ``l2_boundary`` (arrays ``y``, ``lr``; ``l2_boundary_exact`` text pairs), and for finite
      data the exact ``spikes`` (Lambda = -inf) per exponent.
    * diagonal: the per-coordinate arrays (exponents, ``phase``, ``survives``) have a leading axis of length
      ``len(beta)`` (``[c, j, i]``); per point ``surviving`` (int, -1 where not computed),
      ``fraction_lower`` / ``fraction_upper`` (float64 outward, ``*_exact`` text), ``surviving_fraction``
      (NaN where a coordinate is undetermined), ``undetermined_count``, ``converged``.
    """

    def __init__(self, d, exit_status=None):
        np = _numpy()
        self.model = d.get("model", "twolayer")
        self.exit_status = exit_status
        self.y_axis = d["y_axis"]
        self.log_y = self.y_axis != "batch"  # as the CLI's PNG: batch sizes (powers of 2) on a linear axis
        self.lr_exact = np.array(d["lr_grid"], dtype=object)
        self.y_exact = np.array(d["y_grid"], dtype=object)
        self.lr = np.array([float(Fraction(x)) for x in d["lr_grid"]], dtype=float)
        self.y = np.array([float(Fraction(x)) for x in d["y_grid"]], dtype=float)
        for key in ("digits", "complete", "k", "gamma", "batch", "sigma2", "beta", "data", "replace",
                    "certified_cells"):
            if key in d:
                setattr(self, key, d[key])
        setattr(self, self.y_axis, self.y)  # after the fields: `batch` is the axis when batch sizes vary
        ny, nx = len(self.y), len(self.lr)
        col = {x: i for i, x in enumerate(d["lr_grid"])}
        row = {y: j for j, y in enumerate(d["y_grid"])}
        points = d["points"]
        flat = np.array([row[p["y"]] * nx + col[p["lr"]] for p in points], dtype=np.intp)
        done = np.zeros(ny * nx, dtype=bool)
        done[flat] = True
        self.done = done.reshape(ny, nx)
        per_coordinate = self.model == "diagonal"
        if per_coordinate:
            ncoord = len(d["beta"])
            sources = [[p["coordinates"][c] for p in points] for c in range(ncoord)]
            lead = (ncoord,)
        else:
            sources = [points]
            lead = ()
        shape = lead + (ny, nx)

        def grid(values, fill, dtype):
            """A (lead..., ny, nx) array with the values of `sources` placed at the computed points."""
            a = np.full((len(sources), ny * nx), fill, dtype=dtype)
            for c, v in enumerate(values):
                a[c, flat] = v
            return a.reshape(shape)

        first = sources[0][0] if points else {}
        names = [k for k, v in first.items() if _is_enclosure(v)] or list(_MODEL_EXPONENTS.get(self.model, ()))
        self.exponents = tuple(names)
        for name in names:
            for end, up in (("lower", False), ("upper", True)):
                exact = grid([[q[name][end] for q in src] for src in sources], None, object)
                setattr(self, f"{name}_{end}_exact", exact)
                setattr(self, f"{name}_{end}", _core.outward_doubles(exact.ravel().tolist(), up).reshape(shape))
            setattr(self, f"{name}_sign",
                    grid([[q[name]["sign"] for q in src] for src in sources], "undetermined", "<U12"))
        self.phase = grid([[Phase.from_label(q["phase"]) for q in src] for src in sources], 0, np.int8)
        cells = [p.get("cell", "unchecked") for p in points]
        certified = [c not in ("mixed", "unchecked") for c in cells]
        self.cells_checked = any(c != "unchecked" for c in cells)
        if per_coordinate:  # the diagonal model certifies no cells
            self.cell_certified = np.zeros((ny, nx), dtype=bool)
            self.cell_phase = np.zeros((ny, nx), dtype=np.int8)
        else:
            self.cell_certified = grid([certified], False, bool)
            self.cell_phase = grid([[Phase.from_label(c) if ok else 0 for c, ok in zip(cells, certified)]], 0,
                                   np.int8)
        if points and "l2_wrong_direction_stable" in points[0]:
            self.l2_wrong_direction_stable = grid([[p["l2_wrong_direction_stable"] for p in points]], False, bool)
        if points and "phase_candidates" in points[0]:
            self.phase_candidates = grid([[tuple(p["phase_candidates"]) for p in points]], None, object)
        if per_coordinate:
            self.survives = grid([[q["survives"] for q in src] for src in sources], "undetermined", "<U12")

            def point_grid(values, fill, dtype):
                a = np.full(ny * nx, fill, dtype=dtype)
                a[flat] = values
                return a.reshape(ny, nx)

            self.surviving = point_grid([p["surviving"] for p in points], -1, np.int64)
            self.undetermined_count = point_grid([len(p["undetermined_coordinates"]) for p in points], 0, np.int64)
            self.converged = point_grid([p["converged"] for p in points], False, bool)
            frac = [p["surviving_fraction"] for p in points]
            self.surviving_fraction_exact = point_grid(frac, None, object)
            self.surviving_fraction = point_grid([float(Fraction(f)) if f is not None else np.nan for f in frac],
                                                 np.nan, float)
            for end, up in (("lower", False), ("upper", True)):
                exact = point_grid([p["surviving_fraction_bounds"][end] for p in points], None, object)
                setattr(self, f"fraction_{end}_exact", exact)
                setattr(self, f"fraction_{end}", _core.outward_doubles(exact.ravel().tolist(), up).reshape(ny, nx))
        boundaries = d.get("boundaries", {})
        for name in names:
            setattr(self, f"{name}_roots", BoundaryCurve(name, boundaries.get(name, [])))
        self.l2_boundary_exact = [(b["y"], b["lr"]) for b in boundaries.get("l2_wrong_direction", [])]
        self.l2_boundary = {"y": np.array([float(Fraction(y)) for y, _ in self.l2_boundary_exact], dtype=float),
                            "lr": np.array([float(Fraction(x)) for _, x in self.l2_boundary_exact], dtype=float)}
        spikes = d.get("spikes", {})
        self.spikes = {}
        for name in names:
            rows = spikes.get(name, [])
            self.spikes[name] = {"y": np.array([float(Fraction(r["y"])) for r in rows], dtype=float),
                                 "lr": np.array([float(Fraction(r["lr"])) for r in rows], dtype=float),
                                 "y_exact": [r["y"] for r in rows], "lr_exact": [r["lr"] for r in rows]}
        self.spikes_truncated = bool(spikes.get("truncated", False))

    @classmethod
    def from_json(cls, path_or_dict):
        """A PhaseDiagram from the JSON file ``lyapcert phase-diagram --out PREFIX`` wrote (PREFIX.json), or
        from its parsed content."""
        if isinstance(path_or_dict, dict):
            return cls(path_or_dict)
        import json
        with open(path_or_dict) as f:
            return cls(json.load(f))

    @property
    def shape(self):
        return (len(self.y), len(self.lr))

    def phase_label(self, j, i, coordinate=None):
        """The certified label at grid point (lr[i], y[j]) as text ("Ia", ..., "undetermined"); the diagonal
        model takes the coordinate (0-based)."""
        p = self.phase[j, i] if coordinate is None else self.phase[coordinate, j, i]
        return Phase(int(p)).label

    def to_pandas(self):
        """One row per grid point (long format, lr fastest): lr, the y axis, their exact text, every per-point
        array (exact and float endpoints, signs, phases as label text, cells, ...); the diagonal model's
        per-coordinate arrays as one column per coordinate (``lambda_plus_lower_1``, ...). Needs pandas."""
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
        per_point = []
        for name in self.exponents:
            for end in ("lower", "upper"):
                per_point += [f"{name}_{end}", f"{name}_{end}_exact"]
            per_point.append(f"{name}_sign")
        per_point += ["phase", "survives", "cell_certified", "cell_phase", "l2_wrong_direction_stable",
                      "surviving", "fraction_lower", "fraction_lower_exact", "fraction_upper",
                      "fraction_upper_exact", "surviving_fraction", "surviving_fraction_exact",
                      "undetermined_count", "converged", "done"]
        for name in per_point:
            a = getattr(self, name, None)
            if a is None:
                continue
            if name in ("phase", "cell_phase"):
                a = labels[a.astype(int)]
                if name == "cell_phase":
                    a = np.where(self.cell_certified, a, None)
            if a.ndim == 3:
                for c in range(a.shape[0]):
                    cols[f"{name}_{c + 1}"] = a[c].ravel()
            else:
                cols[name] = a.ravel()
        return pd.DataFrame(cols)

    def __repr__(self):
        ny, nx = self.shape
        cells = (f", {int(self.cell_certified.sum())} of {nx * ny} cells certified" if self.cells_checked else "")
        return (f"PhaseDiagram({self.model}, {nx} lr x {ny} {self.y_axis}{cells}, complete={self.complete})")


def _range_text(name, v):
    """A range option: "A:B" text as the CLI takes it, or a pair (low, high) of exact numbers."""
    from ._commands import _number
    if isinstance(v, str):
        return v
    if not hasattr(v, "__len__") or len(v) != 2:
        raise InputError(f"{name}: expected a pair (low, high) or the text 'low:high'")
    lo, hi = _number(name, v[0]), _number(name, v[1])
    try:
        ok = 0 < Fraction(lo) < Fraction(hi)
    except (ValueError, ZeroDivisionError):
        ok = True  # law-language syntax Fraction does not read: the CLI checks it
    if not ok:
        raise InputError(f"{name}: needs 0 < low < high, got ({lo}, {hi})")
    return f"{lo}:{hi}"


def phase_diagram(lr_range=("1/100", "10"), snr_range=None, sigma_range=None, grid=(40, 20), k=1, gamma=0, batch=1,
                  digits=10, cells="fast", jobs=2, time_budget=600.0, progress=None, model="twolayer",
                  batch_range=None, sigma=None, replace=True, data=None, data_sample=None, seed=1, beta=None,
                  journal=None, resume=False, out=None, dim=1, out_dim=1, width=1, snr=None,
                  point_time_budget=None):
    """Certified phase diagram, as ``lyapcert phase-diagram`` (run in-process: the CLI's own code and JSON),
    returned as a PhaseDiagram of numpy arrays. ``grid = (n_lr, n_y)`` log-spaced points (or "NLRxNY") over
    ``lr_range`` (a pair or "A:B") x one second axis: ``snr_range`` (per-sample SNR in (0, 1/2); the default
    (1/100, 2/5) for the Gaussian two-layer model), ``sigma_range``, or ``batch_range`` (batch sizes, powers of
    2; the default (1, 4) with finite data). ``model="diagonal"`` with ``beta`` (coefficients) gives the
    diagonal model's diagram over lr x sigma (default (1/10, 10)) or x batch size (with ``sigma``); ``data``
    (a CSV file, an (N, 2) array or pairs, each float exactly) or ``data_sample=N`` (drawn with ``seed``) the
    finite-data two-layer diagram over lr x batch size. ``model="vector"`` with ``out_dim`` (q), ``dim`` (d),
    ``width`` and ``point_time_budget`` (seconds per point, the CLI's default 60) gives the vector two-layer
    diagram of the top exponent ``lambda_top`` (phases COLLAPSE / ESCAPE / UNDETERMINED; ``snr`` fixes the SNR
    on a ``batch_range`` axis).

    Guarantee: each grid point's exponents are enclosures and its ``phase`` is certified (0 = undetermined
    otherwise); each ``cell_certified`` cell holds one phase on the whole cell (two-layer Gaussian model:
    ``cells="fast"`` binary64 interval kernel, ``"arb"`` also Arb on undecided cells, ``"off"`` none); boundary
    brackets hold a sign change (exactly one root when ``unique``); spikes and the L2 boundary are exact.
    Runs on ``jobs`` threads (the CLI's default 2) with the GIL released; deterministic. ``time_budget`` stops
    it with the points done (``complete`` False); Ctrl-C raises KeyboardInterrupt; ``progress``: a tqdm bar
    (None: when tqdm is installed). ``out=PREFIX`` keeps the CLI's files (PREFIX.csv, .json, .png, the
    sampled data); None: nothing is kept and no PNG is drawn. ``journal`` / ``resume`` as the CLI's."""
    _numpy()
    import os
    import tempfile
    from ._commands import _DataFile, _argv, _run, _strip
    if cells not in ("fast", "arb", "off"):
        raise InputError(f"cells must be 'fast', 'arb' or 'off', got {cells!r}")
    if not isinstance(model, str):
        raise InputError(f"model: expected a str, got {type(model).__name__}")
    given = [n for n, v in (("snr_range", snr_range), ("sigma_range", sigma_range), ("batch_range", batch_range))
             if v is not None]
    if len(given) > 1:
        raise InputError(f"give only one of snr_range, sigma_range, batch_range (got {', '.join(given)})")
    if isinstance(grid, str):
        grid_text = grid
    else:
        if not hasattr(grid, "__len__") or len(grid) != 2:
            raise InputError("grid: expected a pair (n_lr, n_y) or the text 'NLRxNY'")
        grid_text = f"{_int_in('grid[0] (n_lr)', grid[0], 2, 100000)}x{_int_in('grid[1] (n_y)', grid[1], 1, 100000)}"
    digits = _int_in("digits", digits, 1, 100)
    jobs = _int_in("jobs", jobs, 1, 256)
    default = lambda v, d: None if (v == d and type(v) is type(d)) else v  # noqa: E731 - the CLI's default: not given
    with tempfile.TemporaryDirectory(prefix="lyapcert-diagram-") as tmp, _DataFile(data) as f:
        prefix = os.fspath(out) if out is not None else os.path.join(tmp, "diagram")
        argv = _argv("phase-diagram", [
            ("model", "text", default(model, "twolayer")), ("k", "number", default(k, 1)),
            ("sigma", "number", sigma), ("gamma", "number", default(gamma, 0)), ("batch", "int", default(batch, 1)),
            ("data", "path", f.path), ("data_sample", "int", data_sample), ("seed", "int", default(seed, 1)),
            ("beta", "list", beta), ("lr_range", "text", _range_text("lr_range", lr_range)),
            ("snr_range", "text", None if snr_range is None else _range_text("snr_range", snr_range)),
            ("sigma_range", "text", None if sigma_range is None else _range_text("sigma_range", sigma_range)),
            ("batch_range", "text", None if batch_range is None else _range_text("batch_range", batch_range)),
            ("grid", "text", grid_text), ("digits", "int", digits), ("jobs", "int", jobs),
            ("no_cells", "flag", cells == "off"), ("cells_arb", "flag", cells == "arb"),
            ("time_budget", "real", _time_budget(time_budget)), ("journal", "path", journal),
            ("resume", "flag", resume), ("dim", "int", default(dim, 1)), ("out_dim", "int", default(out_dim, 1)),
            ("width", "int", default(width, 1)), ("snr", "number", snr),
            ("point_time_budget", "real", point_time_budget),
            ("out", "path", prefix)])
        if replace is not True:
            argv += ["--replace", "true" if _flag_value("replace", replace) else "false"]
        status, _ = _run(argv, progress, plots=out is not None)
        import json
        with open(prefix + ".json") as fh:
            d = _strip(json.load(fh))
    r = PhaseDiagram(d, exit_status=status)
    if out is None:
        r.data_file = None  # the sampled data went to the temporary directory (pass out= to keep them)
    else:
        r.data_file = d.get("data_file")
    return r


def _flag_value(name, v):
    from ._commands import _flag
    return _flag(name, v)


# The CLI's remaining commands, run in-process by the CLI's own code (lyapcert/_commands.py).
from ._commands import check, command, critical_snr, recheck, sign, simulate, table, verify  # noqa: E402

boundary = boundaries  # the CLI's name of the command
