# Type stubs of the Python module `lyapcert` (docs/python.md). Every certified value is an enclosure: the exact
# value lies between `lower` and `upper` (exact decimal strings, rounded outward; floats are rounded outward
# again). "Not certified" is never an exception: sign == "undetermined" or converged == False.
import enum
import os
from fractions import Fraction
from typing import Any, Iterator, Literal, Optional, Sequence, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

__version__: str

# A number taken exactly: str in the law language's syntax ("0.1" is 1/10), int, Fraction, or a float's binary value.
Number = Union[str, int, float, Fraction, np.integer, np.floating]
Law = Union[str, "CurvatureLaw"]
SignText = Literal["negative", "zero", "positive", "undetermined"]

class Error(Exception):
    """Base class of the errors lyapcert raises."""

class InputError(Error, ValueError):
    """Bad input; the message names the Python argument and the problem."""

class BudgetExceeded(Error, RuntimeError):
    """The input would exceed a cap the caller set (max_atoms, max_steps)."""

class CurvatureLaw:
    """A curvature law (the law of h), exact."""
    def __init__(self, text: str) -> None: ...
    @property
    def text(self) -> str: ...
    @property
    def is_finite(self) -> bool: ...
    @property
    def size(self) -> Optional[int]: ...
    def mean(self) -> str: ...
    def second_moment(self) -> str: ...

class Enclosure:
    """The true value lies in [lower, upper] (exact decimal strings, "-inf" allowed)."""
    lower: str
    upper: str
    sign: Optional[str]
    def __init__(self, lower: str, upper: str, sign: Optional[str] = ...) -> None: ...
    def __iter__(self) -> Iterator[str]: ...
    def pair(self) -> Tuple[str, str]: ...
    def fractions(self) -> Tuple[Union[Fraction, float], Union[Fraction, float]]: ...
    def floats(self) -> Tuple[float, float]: ...
    def midpoint(self) -> Union[Fraction, float, None]: ...
    def __contains__(self, x: Number) -> bool: ...
    def to_dict(self) -> dict: ...

class Result(dict):
    """The CLI's --json fields; certified values are Enclosure; fields are also attributes."""
    def __getattr__(self, name: str) -> Any: ...
    def to_json(self) -> dict: ...

def atoms(values: Union[Sequence[Number], npt.ArrayLike], weights: Union[Sequence[Number], npt.ArrayLike, None] = ...) -> CurvatureLaw: ...
def minibatch(data: Union[Sequence[Number], npt.ArrayLike], batch: int = ..., replace: bool = ...,
              max_atoms: int = ...) -> CurvatureLaw: ...

@overload
def lyap1d(law: Law, lr: Number, digits: int = ..., max_bits: int = ..., max_atoms: int = ...,
           threads: int = ..., time_budget: float = ..., progress: Optional[bool] = ...) -> Result: ...
@overload
def lyap1d(law: Law, lr: Union[Sequence[Number], npt.NDArray[Any]], digits: int = ..., max_bits: int = ...,
           max_atoms: int = ..., threads: int = ..., time_budget: float = ...,
           progress: Optional[bool] = ...) -> "Lyap1dArray": ...
def moment(law: Law, lr: Number, p: Number, digits: int = ..., max_bits: int = ..., max_atoms: int = ...,
           time_budget: float = ...) -> Result: ...
def lyapnd(law: str, method: str = ..., digits: int = ..., max_bits: int = ..., time_budget: float = ...,
           max_length: int = ..., max_memory: float = ..., max_levels: int = ...) -> Result: ...
def boundaries(law: Optional[Law] = ..., lr_min: Optional[Number] = ..., lr_max: Optional[Number] = ...,
               digits: int = ..., max_roots: int = ..., max_bits: int = ..., max_atoms: int = ...,
               time_budget: float = ..., law_template: Optional[str] = ..., no_box_deadlines: bool = ...,
               progress: Optional[bool] = ...) -> Result: ...
def boundary(law: Optional[Law] = ..., lr_min: Optional[Number] = ..., lr_max: Optional[Number] = ...,
             digits: int = ..., max_roots: int = ..., max_bits: int = ..., max_atoms: int = ...,
             time_budget: float = ..., law_template: Optional[str] = ..., no_box_deadlines: bool = ...,
             progress: Optional[bool] = ...) -> Result: ...
def phase(lr: Number, k: Number = ..., sigma: Optional[Number] = ..., snr: Optional[Number] = ..., gamma: Number = ...,
          batch: int = ..., replace: bool = ..., data: Any = ..., digits: int = ..., max_bits: int = ...,
          max_atoms: int = ..., time_budget: float = ..., model: str = ...,
          beta: Union[str, Sequence[Number], None] = ..., data_sample: Optional[int] = ..., seed: int = ...,
          out: Union[str, "os.PathLike[str]"] = ..., dim: int = ..., out_dim: int = ...,
          progress: Optional[bool] = ...) -> Result: ...
def estimate(law: Law, steps: int = ..., reps: int = ..., burn_in: Optional[int] = ..., seed: int = ...,
             level: float = ..., spectrum: bool = ..., threads: int = ..., time_budget: float = ...,
             journal: Optional[Union[str, "os.PathLike[str]"]] = ..., resume: bool = ...,
             progress: Optional[bool] = ...) -> Result: ...

class Lyap1dArray:
    """lower[i] <= Lambda(lr[i]) <= upper[i] (float64, outward) and the exact decimal endpoints."""
    law: str
    digits: int
    lr: npt.NDArray[np.float64]
    lr_exact: npt.NDArray[np.object_]
    lower: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    lower_exact: npt.NDArray[np.object_]
    upper_exact: npt.NDArray[np.object_]
    sign: npt.NDArray[np.str_]
    converged: npt.NDArray[np.bool_]
    digits_achieved: list
    method: list
    message: list
    bits: npt.NDArray[np.int64]
    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> Enclosure: ...
    def enclosures(self) -> list: ...

class Phase(enum.IntEnum):
    UNDETERMINED = 0
    IA = 1
    IB = 2
    II = 3
    III = 4
    IV = 5
    COLLAPSE = 6
    ESCAPE = 7
    @property
    def label(self) -> str: ...
    @classmethod
    def from_label(cls, text: str) -> Phase: ...

class BoundaryCurve:
    """Brackets [lower, upper] at each y holding a certified sign change (exactly one root when unique)."""
    name: str
    y: npt.NDArray[np.float64]
    lower: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    y_exact: npt.NDArray[np.object_]
    lower_exact: npt.NDArray[np.object_]
    upper_exact: npt.NDArray[np.object_]
    direction: npt.NDArray[np.str_]
    unique: npt.NDArray[np.bool_]
    def __len__(self) -> int: ...

class PhaseDiagram:
    """Arrays of shape (n_y, n_lr), [j, i] = the point (lr[i], y[j]); the diagonal model's per-coordinate arrays
    (exponents, phase, survives) have a leading axis of length len(beta). Built from the CLI's JSON."""
    model: str
    exit_status: Optional[int]
    y_axis: Literal["snr", "sigma", "batch"]
    log_y: bool
    exponents: Tuple[str, ...]
    lr: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    lr_exact: npt.NDArray[np.object_]
    y_exact: npt.NDArray[np.object_]
    lambda_plus_lower: npt.NDArray[np.float64]
    lambda_plus_upper: npt.NDArray[np.float64]
    lambda_minus_lower: npt.NDArray[np.float64]
    lambda_minus_upper: npt.NDArray[np.float64]
    lambda_plus_lower_exact: npt.NDArray[np.object_]
    lambda_plus_upper_exact: npt.NDArray[np.object_]
    lambda_minus_lower_exact: npt.NDArray[np.object_]
    lambda_minus_upper_exact: npt.NDArray[np.object_]
    lambda_plus_sign: npt.NDArray[np.str_]
    lambda_minus_sign: npt.NDArray[np.str_]
    phase: npt.NDArray[np.int8]
    cell_phase: npt.NDArray[np.int8]
    cell_certified: npt.NDArray[np.bool_]
    cells_checked: bool
    done: npt.NDArray[np.bool_]
    l2_wrong_direction_stable: npt.NDArray[np.bool_]
    phase_candidates: npt.NDArray[np.object_]
    lambda_plus_roots: BoundaryCurve
    lambda_minus_roots: BoundaryCurve
    l2_boundary: dict
    l2_boundary_exact: list
    spikes: dict
    spikes_truncated: bool
    survives: npt.NDArray[np.str_]
    surviving: npt.NDArray[np.int64]
    surviving_fraction: npt.NDArray[np.float64]
    surviving_fraction_exact: npt.NDArray[np.object_]
    fraction_lower: npt.NDArray[np.float64]
    fraction_upper: npt.NDArray[np.float64]
    fraction_lower_exact: npt.NDArray[np.object_]
    fraction_upper_exact: npt.NDArray[np.object_]
    undetermined_count: npt.NDArray[np.int64]
    converged: npt.NDArray[np.bool_]
    data_file: Optional[str]
    complete: bool
    digits: int
    k: str
    gamma: str
    batch: int
    beta: list
    def __init__(self, d: dict, exit_status: Optional[int] = ...) -> None: ...
    @classmethod
    def from_json(cls, path_or_dict: Union[Path, dict]) -> PhaseDiagram: ...
    @property
    def shape(self) -> Tuple[int, int]: ...
    def phase_label(self, j: int, i: int, coordinate: Optional[int] = ...) -> str: ...
    def to_pandas(self) -> Any: ...
    def __getattr__(self, name: str) -> npt.NDArray[np.float64]: ...  # `snr`, `sigma` or `batch`: the y axis

Range = Union[Tuple[Number, Number], str]

def phase_diagram(lr_range: Range = ..., snr_range: Optional[Range] = ..., sigma_range: Optional[Range] = ...,
                  grid: Union[Tuple[int, int], str] = ..., k: Number = ..., gamma: Number = ..., batch: int = ...,
                  digits: int = ..., cells: Literal["fast", "arb", "off"] = ..., jobs: int = ...,
                  time_budget: float = ..., progress: Optional[bool] = ..., model: str = ...,
                  batch_range: Optional[Range] = ..., sigma: Optional[Number] = ..., replace: bool = ...,
                  data: Data = ..., data_sample: Optional[int] = ..., seed: int = ...,
                  beta: Union[str, Sequence[Number], None] = ..., journal: Optional[Path] = ..., resume: bool = ...,
                  out: Optional[Path] = ..., dim: int = ..., out_dim: int = ..., width: int = ...,
                  snr: Optional[Number] = ..., point_time_budget: Optional[float] = ...) -> PhaseDiagram: ...

# The CLI's other commands, run in-process by the CLI's own code (lyapcert/_commands.py): the Result holds the
# command's --json output, plus `exit_status` (the CLI's exit status: 0, 3 not converged / undetermined, 4 recheck
# failed). None: the option is not given (the CLI's default). progress: None = a tqdm bar when tqdm is installed.
Path = Union[str, "os.PathLike[str]"]
Progress = Optional[bool]
Data = Union[Path, npt.ArrayLike, Sequence[Tuple[Number, Number]], None]

def critical_snr(k: Number = ..., batch: int = ..., gamma: Number = ..., digits: int = ..., snr_min: Number = ...,
                 snr_max: Number = ..., jobs: int = ..., max_evaluations: int = ..., time_budget: float = ...,
                 journal: Optional[Path] = ..., resume: bool = ..., progress: Progress = ...) -> Result: ...
def sign(law: Union[str, CurvatureLaw], level: float = ..., budget: int = ..., seed: int = ..., threads: int = ...,
         time_budget: float = ..., journal: Optional[Path] = ..., resume: bool = ...,
         progress: Progress = ...) -> Result: ...
def simulate(lr: Number, model: str = ..., k: Optional[Number] = ..., sigma: Optional[Number] = ...,
             snr: Optional[Number] = ..., gamma: Number = ..., batch: int = ..., replace: bool = ..., data: Data = ...,
             data_sample: Optional[int] = ..., data_seed: int = ..., out: Path = ..., width: int = ...,
             beta: Union[str, Sequence[Number], None] = ..., dim: int = ..., out_dim: int = ..., steps: int = ...,
             runs: int = ..., init_scale: float = ..., init: str = ..., collapse_below: float = ...,
             escape_above: float = ..., rank_threshold: float = ..., seed: int = ..., threads: int = ...,
             linearised: bool = ..., per_run: bool = ..., time_budget: float = ...,
             journal: Optional[Path] = ..., resume: bool = ..., progress: Progress = ...) -> Result: ...
def check(lr: Number, model: str = ..., k: Optional[Number] = ..., sigma: Optional[Number] = ...,
          snr: Optional[Number] = ..., gamma: Number = ..., batch: int = ..., replace: bool = ..., data: Data = ...,
          data_sample: Optional[int] = ..., data_seed: int = ..., out: Path = ..., width: int = ...,
          beta: Union[str, Sequence[Number], None] = ..., dim: int = ..., out_dim: int = ..., seed: int = ...,
          runs: int = ..., delta: float = ..., init_scale: Optional[float] = ..., steps: Optional[int] = ...,
          max_steps: int = ..., collapse_below: float = ..., escape_above: float = ..., digits: int = ...,
          max_bits: int = ..., threads: int = ..., alpha: float = ..., linearised: bool = ...,
          predict_steps: int = ..., predict_reps: int = ..., predict_level: float = ..., time_budget: float = ...,
          journal: Optional[Path] = ..., resume: bool = ..., progress: Progress = ...,
          certify_time_budget: float = ...) -> Result: ...
def table(spec: Path, out: Path, format: Union[str, Sequence[str]] = ..., jobs: Optional[int] = ...,
          fresh: bool = ..., quiet: bool = ..., time_budget: float = ..., progress: Progress = ...) -> Result: ...
def recheck(file: Path, digits: Optional[int] = ..., backend: str = ..., time_budget: float = ...,
            value_budget: float = ..., jobs: Optional[int] = ..., journal: Optional[Path] = ..., resume: bool = ...,
            progress: Progress = ...) -> Result: ...
def verify(against: Path, quantity: Optional[str] = ..., sigmas: Union[str, Number] = ..., alpha: float = ...,
           rtol: Number = ..., atol: Number = ..., digits: int = ..., max_bits: int = ..., time_budget: float = ...,
           law_budget: float = ..., max_atoms: int = ..., jobs: Optional[int] = ..., allow_absolute_data: bool = ...,
           journal: Optional[Path] = ..., resume: bool = ..., progress: Progress = ...) -> Result: ...
def command(name: str, *args: Any, progress: Progress = ..., **options: Any) -> Result: ...
