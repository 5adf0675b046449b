# Type stubs of lyapcert.plot (matplotlib, optional). docs/python.md.
from typing import Dict, Optional

from matplotlib.axes import Axes

from . import Lyap1dArray, Phase, PhaseDiagram, Result

PHASE_COLORS: Dict[Phase, str]

def phase_diagram(result: PhaseDiagram, ax: Optional[Axes] = ...) -> Axes: ...
def exponent(result: Lyap1dArray, ax: Optional[Axes] = ..., roots: Optional[Result] = ...) -> Axes: ...
