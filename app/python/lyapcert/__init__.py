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


def lyap1d(law, lr, digits=16, max_bits=65536, max_atoms=10_000_000):
    """Certified Lambda(lr) = E log|1 - lr h|; ``law`` is law text or a CurvatureLaw (``atoms``,
    ``minibatch``). Returns a Result with ``enclosure``, ``sign``, ``converged``, ``method``, ..."""
    return Result(_core.lyap1d(law, lr, digits, max_bits, max_atoms))


def moment(law, lr, p, digits=16, max_bits=65536, max_atoms=10_000_000):
    """Certified moment exponent g(p) = log E|1 - lr h|^p (p = 2 adds the exact ``l2_stable``)."""
    return Result(_core.moment(law, lr, p, digits, max_bits, max_atoms))


def lyapnd(law, method="auto", digits=16, max_bits=65536, time_budget=60.0, max_length=40):
    """Certified top exponent of a d x d matrix law (text, docs/lyapnd.md). ``upper_bound_only`` results
    have ``enclosure.lower == "-inf"``."""
    return Result(_core.lyapnd(law, method, digits, max_bits, time_budget, max_length))


def boundaries(law, lr_min=None, lr_max=None, digits=16, max_roots=10000, max_bits=16384, max_atoms=10_000_000):
    """Certified learning rates where Lambda(lr) changes sign (``roots`` with ``lower``/``upper``/``direction``,
    ``singular_points``, ``slivers``, ``complete``); the fields of ``lyapcert boundary --json``."""
    r = Result(_core.boundaries(law, lr_min, lr_max, digits, max_roots, max_bits, max_atoms))
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
          max_atoms=10_000_000):
    """Certified phase of the two-layer saddle model at one learning rate; ``data`` is None (Gaussian data
    model), an (N, 2) array of (x, y) pairs, or a pair of arrays (x, y)."""
    return Result(_core.phase(lr, k, sigma, snr, gamma, batch, replace, data, digits, max_bits, max_atoms))


def estimate(law, steps=100_000, reps=32, burn_in=None, seed=0, level=0.95, spectrum=False, threads=0):
    """Monte Carlo estimate (statistical, not certified: ``ci`` with ``level`` and ``guarantee``)."""
    return Result(_core.estimate(law, steps, reps, burn_in, seed, level, spectrum, threads))
