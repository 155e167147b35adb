"""The values a spec writes as numbers or expressions: its parameters, and the constants and
counts of other entries (sizes, initial states) evaluated over them."""

from __future__ import annotations

import numpy as np

from qbattery import expr
from qbattery.spec import Spec, SpecError

BATTERY_SPIN_SYMBOLS = {"Sx": "x", "Sy": "y", "Sz": "z", "Sp": "p", "Sm": "m"}
CHARGER_SPIN_SYMBOLS = {"Jx": "x", "Jy": "y", "Jz": "z", "Jp": "p", "Jm": "m"}
MODE_SYMBOLS = ("a", "ad", "n")


def _builtins(spec: Spec) -> dict[str, float]:
    s = spec.system
    out = {"N": float(s.spins if s.spins is not None else s.atoms)}
    if s.bath_spins is not None:
        out["N_C"] = float(s.bath_spins)
    return out


def parameter_values(spec: Spec) -> dict[str, complex]:
    """The parameters' values, front to back: the validated Spec keeps them in an order where
    each follows the ones it uses (:func:`qbattery.expr.dependency_order`), whatever was written."""
    env: dict[str, complex] = _builtins(spec)
    reserved = set(env) | expr.RESERVED | set(BATTERY_SPIN_SYMBOLS) | set(CHARGER_SPIN_SYMBOLS)
    reserved |= set(MODE_SYMBOLS)
    for name, value in spec.parameters.items():
        where = f"parameters.{name}"
        if not name.isidentifier():
            raise SpecError(where, "a parameter name must be an identifier")
        if name in reserved or (name.startswith("s") and "_" in name and name[1].isdigit()):
            raise SpecError(where, f"{name!r} is a built-in symbol and cannot be a parameter")
        env[name] = constant_value(value, env, where)
    return env


def constant_value(value, env: dict, where: str) -> complex:
    try:
        out = expr.evaluate(value, env).constant()
    except expr.ExprError as err:
        raise SpecError(where, str(err)) from None
    if not np.isfinite(out):
        raise SpecError(where, "value is not finite")
    return out


def count_value(value, params: dict, where: str) -> int:
    """A number of excitations: an integer, or an expression with an integer value ("N") over
    the parameters ``params`` (:func:`parameter_values`)."""
    if isinstance(value, str):
        x = constant_value(value, params, where)
        n = round(x.real)
        if x.imag or abs(x.real - n) > 1e-9 * max(1.0, abs(x.real)) or n < 0:
            raise SpecError(where, f"{value!r} = {x.real:g} is not a non-negative integer")
        return n
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SpecError(where, "takes a non-negative integer")
    return value
