# Type stubs of lyapcert.plot (matplotlib, optional). docs/python.md.
from typing import Dict, Optional, Sequence, Union

from matplotlib.axes import Axes
import numpy.typing as npt

from . import Lyap1dArray, Phase, PhaseDiagram, Result

PHASE_COLORS: Dict[Phase, str]
FRACTION_COLORS: Sequence[str]

def phase_diagram(result: PhaseDiagram, ax: Optional[Axes] = ...) -> Axes: ...
def exponent(result: Lyap1dArray, ax: Optional[Axes] = ..., roots: Optional[Result] = ...) -> Axes: ...
def simulation(result: Union[Result, Sequence[Result]], ax: Optional[Axes] = ...,
               x: Optional[npt.ArrayLike] = ...) -> Axes: ...
