"""qbattery: simulate and analyse quantum batteries.

>>> import qbattery
>>> result = qbattery.simulate(qbattery.models.central_spin(4, 8))
>>> result.summary["P_max"]  # doctest: +SKIP

The public names below are imported on first use (``import qbattery`` alone loads neither
scipy nor pydantic), so ``qbattery --help`` starts fast; ``qbattery.<submodule>`` works too.
"""

from __future__ import annotations

import importlib
import sys
import types

__version__ = "0.1.0"

# public name -> the module defining it
_LAZY = {
    "Result": "qbattery.result",
    "load_result": "qbattery.result",
    "simulate": "qbattery.simulate",
    "Spec": "qbattery.spec",
    "SpecError": "qbattery.spec",
    "load_spec": "qbattery.spec",
    "validate_spec": "qbattery.spec",
    "to_qutip": "qbattery.interop",
    "from_qutip": "qbattery.interop",
}

__all__ = [
    "Result",
    "Spec",
    "SpecError",
    "__version__",
    "load_result",
    "load_spec",
    "models",
    "simulate",
    "sweep",  # the module qbattery.sweep, callable: qbattery.sweep(spec, over=..., out=...)
    "from_qutip",
    "to_qutip",
    "validate_spec",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif not name.startswith("_"):
        try:  # qbattery.models, qbattery.metrics, ...: the submodule, imported now
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """Keeps ``qbattery.simulate`` the function: importing the submodule ``qbattery.simulate``
    binds the module onto the package (after it ran), which would shadow the function."""

    def __setattr__(self, name: str, value) -> None:
        if name == "simulate" and isinstance(value, types.ModuleType):
            value = value.simulate
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
