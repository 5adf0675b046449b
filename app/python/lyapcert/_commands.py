"""The CLI's commands as Python functions: critical_snr, sign, simulate, check, table, recheck, verify and the
general ``command``, and the helpers the package's other functions (lyap1d, moment, lyapnd, boundaries, phase,
estimate, phase_diagram) use to run their command the same way.

Each function runs the CLI's own subcommand in-process (``_lyapcert.run_command``: the same code, options and
defaults as ``lyapcert <command>``, app/registry.cpp) with ``--json`` and returns its JSON as a ``Result``, so a
result equals the CLI's output for the same input by construction (tests/python/test_commands.py checks it
against the executable). The keyword arguments are the CLI's options with ``-`` written ``_``; ``None`` means
"not given" (the CLI's default applies). While a command runs, the GIL is released, Ctrl-C stops it within a
fraction of a second and raises ``KeyboardInterrupt``, and its progress is shown by a tqdm bar on stderr when
tqdm is installed (silent otherwise; ``progress=False`` silences it). See docs/python.md.
"""
import json
import math
import numbers
import operator
import os
import sys
import tempfile
from fractions import Fraction

from . import _lyapcert as _core
from ._lyapcert import InputError


# --- Python values -> CLI tokens, checked here so that a user mistake is an InputError naming the argument ---

def _type(v):
    return type(v).__name__


def _number(name, v):
    """Exact text of a number: str as written (the law language's syntax), int / Fraction exactly, a float's
    exact binary value."""
    if isinstance(v, bool) or v is None:
        raise InputError(f"{name}: expected a number, got {_type(v)}")
    if isinstance(v, str):
        return v
    if isinstance(v, numbers.Integral) or hasattr(v, "__index__") and not isinstance(v, float):
        try:
            return str(operator.index(v))
        except TypeError:
            pass
    if isinstance(v, Fraction) or (hasattr(v, "numerator") and hasattr(v, "denominator")
                                   and not isinstance(v, float)):
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    if isinstance(v, numbers.Real) or hasattr(v, "__float__"):
        x = float(v)
        if not math.isfinite(x):
            raise InputError(f"{name}: {x} is not a finite number")
        f = Fraction(x)
        return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
    raise InputError(f"{name}: expected a number (int, float, str or Fraction), got {_type(v)}")


def _integer(name, v):
    if isinstance(v, bool) or isinstance(v, float) or not hasattr(v, "__index__"):
        raise InputError(f"{name}: expected an integer, got {_type(v)}")
    return str(operator.index(v))


def _real(name, v):
    """A binary64 option of the CLI (init_scale, level, ...): repr() round-trips the value exactly."""
    if isinstance(v, (bool, str)) or not hasattr(v, "__float__"):
        raise InputError(f"{name}: expected a number, got {_type(v)}")
    x = float(v)
    if not math.isfinite(x):
        raise InputError(f"{name}: {x} is not a finite number")
    return repr(x)


def _text(name, v):
    if not isinstance(v, str):
        raise InputError(f"{name}: expected a str, got {_type(v)}")
    return v


def _path(name, v):
    if not isinstance(v, (str, os.PathLike)):
        raise InputError(f"{name}: expected a file name (str or path), got {_type(v)}")
    return os.fspath(v)


def _flag(name, v):
    if not isinstance(v, bool) and _type(v) != "bool_":
        raise InputError(f"{name}: expected True or False, got {_type(v)}")
    return bool(v)


def _list(name, v):
    """A comma-separated list option (beta, format): a str as written, or a sequence of numbers / words."""
    if isinstance(v, str):
        return v
    try:
        items = list(v)
    except TypeError:
        raise InputError(f"{name}: expected a str or a sequence, got {_type(v)}") from None
    return ",".join(x if isinstance(x, str) else _number(name, x) for x in items)


_KINDS = {"number": _number, "int": _integer, "real": _real, "text": _text, "path": _path, "list": _list}


def _argv(command, options, positional=()):
    """``lyapcert <command> ...`` from (python name, kind, value) triples: None is "not given", a "flag" is
    added when True, "bool" is an option taking true/false."""
    argv = [command]
    for name, kind, value in options:
        if value is None:
            continue
        flag = "--" + name.replace("_", "-")
        if kind == "flag":
            if _flag(name, value):
                argv.append(flag)
        elif kind == "bool":
            argv += [flag, "true" if _flag(name, value) else "false"]
        else:
            argv += [flag, _KINDS[kind](name, value)]
    for name, kind, value in positional:
        argv.append(_KINDS[kind](name, value))
    return argv


# --- progress ----------------------------------------------------------------------------------------------

class _Bar:
    """A tqdm bar per progress label (tqdm.auto: a widget in notebooks, text on stderr in terminals)."""

    def __init__(self, tqdm):
        self._tqdm = tqdm
        self._bars = {}

    def __call__(self, what, done, total):
        bar = self._bars.get(what)
        if bar is None:
            bar = self._bars[what] = self._tqdm(total=total, desc=what, file=sys.stderr, dynamic_ncols=True)
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
        if done == total:
            bar.refresh()  # the final count, even within tqdm's refresh interval

    def close(self):
        for bar in self._bars.values():
            bar.close()


def _progress_bar(progress):
    """A _Bar when progress is wanted (None: when tqdm is installed) and tqdm imports, else None."""
    if progress is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress is True:
            raise InputError("progress=True needs tqdm (Debian python3-tqdm)") from None
        return None
    return _Bar(tqdm)


def _with_bar(progress, call):
    """call(bar) with the progress bar (or None), closing the bar however the call ends."""
    bar = _progress_bar(progress)
    try:
        return call(bar)
    finally:
        if bar is not None:
            bar.close()


def _run(argv, progress=None, plots=True):
    """(exit status, stdout) of ``lyapcert ARGV`` run in-process, with the progress bar; ``plots=False``: no PNG
    (phase-diagram)."""
    if not hasattr(_core, "run_command"):
        raise RuntimeError("this build of the lyapcert module has no CLI commands (CMake configured with "
                           "LYAPCERT_BUILD_APP=OFF); rebuild with the app to use " + argv[0])
    return _with_bar(progress, lambda bar: _core.run_command(argv, bar, plots))


def _result(argv, progress):
    from . import Result
    status, out = _run(argv + ["--json"], progress)
    r = Result(_strip(json.loads(out)))
    r.exit_status = status
    return r


def _strip(j):
    """The CLI's JSON without the fields common to every output (as every Result, docs/python.md)."""
    j.pop("schema", None)
    j.pop("lyapcert_version", None)
    return j


def _law_text(name, law):
    """Law text for the CLI: a str, or a CurvatureLaw's complete text (also when its label ``text`` is shortened:
    a law built from very large arrays)."""
    if isinstance(law, str):
        return law
    if not hasattr(law, "_cli_text"):
        raise InputError(f"{name}: expected law text or a CurvatureLaw, got {_type(law)}")
    return law._cli_text()


# --- the commands ------------------------------------------------------------------------------------------

def _model_options(model, k, sigma, snr, gamma, batch, replace, data, data_sample, data_seed, out, width, beta, dim,
                   out_dim):
    return [("model", "text", model), ("k", "number", k), ("sigma", "number", sigma), ("snr", "number", snr),
            ("gamma", "number", gamma), ("batch", "int", batch), ("replace", "bool", replace),
            ("data", "path", data), ("data_sample", "int", data_sample), ("data_seed", "int", data_seed),
            ("out", "path", out), ("width", "int", width), ("beta", "list", beta), ("dim", "int", dim),
            ("out_dim", "int", out_dim)]


class _DataFile:
    """``data``: a CSV file name as given, or an (N, 2) array / sequence of (x, y) pairs / (x_array, y_array)
    written to a temporary CSV with each value as its exact fraction (the CLI reads decimals exactly)."""

    def __init__(self, data):
        self.path = None
        self._tmp = None
        if data is None or isinstance(data, (str, os.PathLike)):
            self.path = data
            return
        try:
            rows = list(data)
            if len(rows) == 2 and hasattr(rows[0], "__len__") and len(rows[0]) != 2:
                rows = list(zip(rows[0], rows[1]))  # (x_array, y_array)
            pairs = [(_number("data", x), _number("data", y)) for x, y in rows]
        except (TypeError, ValueError) as e:
            if isinstance(e, InputError):
                raise
            raise InputError("data: expected an (N, 2) array of (x, y) pairs, (x_array, y_array), a sequence of "
                             "pairs or a CSV file name") from None
        fd, self._tmp = tempfile.mkstemp(prefix="lyapcert-data-", suffix=".csv")
        with os.fdopen(fd, "w") as f:
            f.write("x,y\n")
            f.writelines(f"{x},{y}\n" for x, y in pairs)
        self.path = self._tmp

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._tmp is not None:
            os.unlink(self._tmp)


def critical_snr(k=1, batch=1, gamma=0, digits=2, snr_min="1/100000", snr_max="49/100", jobs=2,
                 max_evaluations=20000, time_budget=600.0, journal=None, resume=False, progress=None):
    """Certified critical SNR of collapse (phase III) of the two-layer saddle, as ``lyapcert critical-snr``:
    ``snr`` = {lower, upper} (exact text) with ``witness`` (a certified collapse at SNR ``snr.lower``: an lr
    with Lambda_+ < 0 and Lambda_- < 0) and ``no_collapse`` (a certificate that Lambda_+ > 0 for every lr > 0
    at ``snr.upper``).

    Guarantee: when ``complete``, the critical SNR lies in [snr.lower, snr.upper] (docs/claims.md,
    proofs/models/critical.md); otherwise the bracket certified so far. Raises InputError, BudgetExceeded
    (``time_budget`` ran out before anything was certified), KeyboardInterrupt."""
    return _result(_argv("critical-snr", [
        ("k", "number", k), ("batch", "int", batch), ("gamma", "number", gamma), ("digits", "int", digits),
        ("snr_min", "number", snr_min), ("snr_max", "number", snr_max), ("jobs", "int", jobs),
        ("max_evaluations", "int", max_evaluations), ("time_budget", "real", time_budget),
        ("journal", "path", journal), ("resume", "flag", resume)]), progress)


def sign(law, level=0.99, budget=10_000_000, seed=0, threads=0, time_budget=600.0, journal=None, resume=False,
         progress=None):
    """Sequential Monte Carlo sign test of the top exponent of a matrix law, as ``lyapcert sign``.

    Guarantee: statistical, never certified: ``sign`` is "negative" / "positive" with error probability at
    most 1 - ``level`` (``guarantee`` says which kind), or "undetermined" within ``budget`` steps;
    reproducible from ``seed`` for any ``threads``. Raises InputError, KeyboardInterrupt."""
    law = _law_text("law", law)
    return _result(_argv("sign", [
        ("law", "text", law), ("level", "real", level), ("budget", "int", budget), ("seed", "int", seed),
        ("threads", "int", threads), ("time_budget", "real", time_budget), ("journal", "path", journal),
        ("resume", "flag", resume)]), progress)


def simulate(lr, model="twolayer", k=None, sigma=None, snr=None, gamma=0, batch=1, replace=True, data=None,
             data_sample=None, data_seed=1, out="lyapcert", width=1, beta=None, dim=1, out_dim=1, steps=1000,
             runs=100, init_scale=1e-3, init="sphere", collapse_below=1e-6, escape_above=0.1, rank_threshold=1e-2,
             seed=1, threads=2, linearised=False, per_run=False, time_budget=600.0, journal=None, resume=False,
             progress=None):
    """Simulated SGD on a saddle model from a small start, as ``lyapcert simulate`` (docs/simulation.md):
    ``summary`` holds the collapsed / escaped counts and fractions with intervals, the growth rate, ranks;
    ``per_run=True`` adds every run. ``k`` None: 1 (the diagonal model takes ``beta`` instead); ``sigma`` None:
    1 unless ``snr`` is given; ``data`` a CSV file or an (N, 2) array of (x, y) pairs (exact binary values).

    Guarantee: Monte Carlo (``guarantee == "monte-carlo"``): fractions come with intervals at ``summary.level``;
    reproducible from ``seed`` for any ``threads``. Raises InputError, KeyboardInterrupt."""
    with _DataFile(data) as d:
        return _result(_argv("simulate", _model_options(model, k, sigma, snr, gamma, batch, replace, d.path,
                                                        data_sample, data_seed, out, width, beta, dim, out_dim) + [
            ("lr", "number", lr), ("steps", "int", steps), ("runs", "int", runs), ("init_scale", "real", init_scale),
            ("init", "text", init), ("collapse_below", "real", collapse_below),
            ("escape_above", "real", escape_above), ("rank_threshold", "real", rank_threshold),
            ("seed", "int", seed), ("threads", "int", threads), ("linearised", "flag", linearised),
            ("per_run", "flag", per_run), ("time_budget", "real", time_budget), ("journal", "path", journal),
            ("resume", "flag", resume)]), progress)


def check(lr, model="twolayer", k=None, sigma=None, snr=None, gamma=0, batch=1, replace=True, data=None,
          data_sample=None, data_seed=1, out="lyapcert", width=1, beta=None, dim=1, out_dim=1, seed=1, runs=200,
          delta=1e-3, init_scale=None, steps=None, max_steps=20_000_000, collapse_below=1e-6, escape_above=0.1,
          digits=4, max_bits=4096, threads=2, alpha=1e-6, linearised=False, predict_steps=20_000, predict_reps=32,
          predict_level=1 - 1e-6, time_budget=600.0, journal=None, resume=False, progress=None,
          certify_time_budget=60.0):
    """The certified phase prediction next to simulated SGD with a binomial test, as ``lyapcert check``:
    ``predicted`` (certified exponents and phase; statistical for the vector model), ``plan`` (runs, steps,
    start), ``simulated`` (the summary and the failures), ``p_value``, ``verdict`` ("agree", "disagree",
    "undetermined"). ``init_scale`` / ``steps`` None: chosen by the plan.

    Guarantee: the prediction is certified (enclosures) except for the vector model (``guarantee``
    "statistical"); "disagree" is a binomial test at false-rejection probability ``alpha``. Raises InputError,
    KeyboardInterrupt."""
    with _DataFile(data) as d:
        return _result(_argv("check", _model_options(model, k, sigma, snr, gamma, batch, replace, d.path,
                                                     data_sample, data_seed, out, width, beta, dim, out_dim) + [
            ("lr", "number", lr), ("seed", "int", seed), ("runs", "int", runs), ("delta", "real", delta),
            ("init_scale", "real", init_scale), ("steps", "int", steps), ("max_steps", "int", max_steps),
            ("collapse_below", "real", collapse_below), ("escape_above", "real", escape_above),
            ("digits", "int", digits), ("max_bits", "int", max_bits), ("threads", "int", threads),
            ("alpha", "real", alpha), ("linearised", "flag", linearised), ("predict_steps", "int", predict_steps),
            ("predict_reps", "int", predict_reps), ("predict_level", "real", predict_level),
            ("time_budget", "real", time_budget), ("journal", "path", journal), ("resume", "flag", resume),
            ("certify_time_budget", "real", certify_time_budget)]), progress)


def table(spec, out, format="csv,json,tex,md", jobs=None, fresh=False, quiet=False, time_budget=600.0,
          progress=None):
    """A certified table with provenance from a JSON spec file, as ``lyapcert table`` (docs/tables.md): writes
    ``out``.json / .csv / .tex / .md (``format``: a comma-separated str or a list) and returns the table
    (``out``.json's content, a Result) with ``exit_status``; ``jobs`` None: all cores. Rows are journaled in
    ``out``.partial.jsonl, so a call cut short (time budget, Ctrl-C) resumes where it stopped.

    Guarantee: every value in the table is certified (enclosures, proved signs); ``lyapcert.recheck`` verifies
    them independently. Raises InputError, BudgetExceeded (``time_budget`` ran out: the rows done are kept in
    the journal), KeyboardInterrupt."""
    fmt = _list("format", format)
    argv = _argv("table", [("spec", "path", spec), ("out", "path", out), ("format", "text", fmt),
                           ("jobs", "int", jobs), ("fresh", "flag", fresh), ("quiet", "flag", quiet),
                           ("time_budget", "real", time_budget)])
    status, _ = _run(argv, progress)
    if status == 3:
        from ._lyapcert import BudgetExceeded
        raise BudgetExceeded(f"time budget of {time_budget} s exhausted; the rows done are kept in "
                             f"'{os.fspath(out)}.partial.jsonl' and a new call resumes from there")
    from . import Result
    if "json" not in fmt.split(","):
        r = Result({"files": [f"{os.fspath(out)}.{f}" for f in fmt.split(",")]})
    else:
        with open(f"{os.fspath(out)}.json") as f:
            r = Result(json.load(f))
    r.exit_status = status
    return r


def recheck(file, digits=None, backend="other", time_budget=600.0, value_budget=20.0, jobs=None, journal=None,
            resume=False, progress=None):
    """Independent re-verification of a certified table (``file``: the table's .json), as ``lyapcert recheck``:
    the report (``ok``, ``passed``, ``failed``, ``rows`` with each check) and ``exit_status`` (0 all passed, 4
    some row failed, 3 rows left "unchecked" by ``time_budget``, the seconds for the whole call).
    ``digits`` None: each row's digits + 10; ``value_budget``: seconds per recomputed value; ``jobs`` None: all
    cores; ``journal`` / ``resume``: a journal file of finished rows (docs/cli.md).

    Guarantee: a row passes only when an independent computation (``backend="other"``: MPFI or the library's
    second algorithm; ``"arb"``) agrees with its certified values; the report says when no independent path
    exists. Raises InputError, KeyboardInterrupt."""
    return _result(_argv("recheck", [("digits", "int", digits), ("backend", "text", backend),
                                     ("time_budget", "real", time_budget), ("value_budget", "real", value_budget),
                                     ("jobs", "int", jobs), ("journal", "path", journal), ("resume", "flag", resume)],
                         positional=[("file", "path", file)]), progress)


def verify(against, quantity=None, sigmas="auto", alpha=1e-3, rtol="0", atol="0", digits=16, max_bits=65536,
           time_budget=600.0, law_budget=60.0, max_atoms=10_000_000, jobs=None, allow_absolute_data=False,
           journal=None, resume=False, progress=None):
    """Checks another implementation's results (a CSV file, docs/oracle.md) against certified values, as
    ``lyapcert verify``: per row ``verdict`` consistent / inconsistent / undetermined with the certified value,
    and the summary. ``quantity`` None: from the header; ``sigmas`` "auto" or a number; ``jobs`` None: 1.

    Guarantee: "inconsistent" means the row's value (widened by its error bar or tolerance) misses the
    certified enclosure; with ``sigmas="auto"`` the family-wise false-alarm probability over rows with error
    bars is at most ``alpha``. Raises InputError, KeyboardInterrupt."""
    return _result(_argv("verify", [
        ("against", "path", against), ("quantity", "text", quantity),
        ("sigmas", "text", sigmas if isinstance(sigmas, str) else _number("sigmas", sigmas)),
        ("alpha", "real", alpha), ("rtol", "number", rtol), ("atol", "number", atol), ("digits", "int", digits),
        ("max_bits", "int", max_bits), ("time_budget", "real", time_budget), ("law_budget", "real", law_budget),
        ("max_atoms", "int", max_atoms), ("jobs", "int", jobs), ("allow_absolute_data", "flag", allow_absolute_data),
        ("journal", "path", journal), ("resume", "flag", resume)]), progress)


def command(name, *args, progress=None, **options):
    """Any CLI command by name with its options as keyword arguments (``-`` written ``_``; ``True`` for a flag,
    numbers exact), e.g. ``command("phase-diagram", model="diagonal", beta="1,2", out="d")`` or
    ``command("boundary", law="atoms(2, -1)", lr_min=0.5)``; positional ``args`` are passed as they are.
    Returns the JSON result (a Result, ``--json`` is added when the command has it); for the commands that
    write files instead (phase-diagram, table) the written ``out``.json (their summary lines are captured, not
    printed). ``exit_status`` is the CLI's exit status.

    Guarantee: exactly the CLI's (docs/cli.md): the same code runs in-process. Raises InputError,
    BudgetExceeded, KeyboardInterrupt."""
    from . import Result
    if not isinstance(name, str):
        raise InputError(f"name: expected a str, got {_type(name)}")
    triples = []
    for key, value in options.items():
        if isinstance(value, bool) or _type(value) == "bool_":
            triples.append((key, "flag", value))
        elif isinstance(value, (str, os.PathLike)):
            triples.append((key, "path", value))
        elif isinstance(value, (list, tuple)):
            triples.append((key, "list", value))
        else:
            triples.append((key, "number", value))
    argv = _argv(name, triples, positional=[("args", "text", str(a)) for a in args])
    known = ({o[0] for o in _core.command_options(name)}
             if hasattr(_core, "command_names") and name in _core.command_names() else set())
    if "json" in known and "json" not in options:
        argv.append("--json")
        status, out = _run(argv, progress)
        r = Result(_strip(json.loads(out)))
    else:
        # phase-diagram, table: the output is the written files; the Result is PREFIX.json when there is one
        defaults = {o[0]: o[1] for o in _core.command_options(name)} if known else {}
        prefix = options.get("out", defaults.get("out"))
        before = os.path.getmtime(f"{prefix}.json") if prefix and os.path.exists(f"{prefix}.json") else None
        status, out = _run(argv, progress)
        path = f"{os.fspath(prefix)}.json" if prefix else None
        if path and os.path.exists(path) and os.path.getmtime(path) != before:
            with open(path) as f:
                r = Result(_strip(json.load(f)))
        else:
            r = Result({"stdout": out})
    r.exit_status = status
    return r
