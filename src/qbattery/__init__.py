"""qbattery: simulate and analyse quantum batteries.

>>> import qbattery
>>> result = qbattery.simulate(qbattery.models.central_spin(4, 8))
>>> result.summary["P_max"]  # doctest: +SKIP
"""

__version__ = "0.1.0"

from qbattery import models  # noqa: E402
from qbattery.result import Result, load_result  # noqa: E402
from qbattery.simulate import simulate  # noqa: E402
from qbattery.spec import Spec, SpecError, load_spec, validate_spec  # noqa: E402

__all__ = [
    "Result",
    "Spec",
    "SpecError",
    "__version__",
    "load_result",
    "load_spec",
    "models",
    "simulate",
    "validate_spec",
]
