"""Spec expressions as operators: the names an expression sees (parameters, then the factors'
operators, embedded in the product space or restricted to a band of it), their evaluation with the
spec field named in every error, the Hermiticity check, and the noise channels' collapse
operators and rates. :func:`qbattery.problem.build_problem` assembles a Problem from these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from qbattery import expr
from qbattery.spec import Spec, SpecError

if TYPE_CHECKING:
    from qbattery.problem import Space


class EmbeddedOperators(Mapping):
    """Battery and charger operators in the full space, each built on first use (a spec uses a
    few of them; building all costs more than the rest of a small run)."""

    def __init__(self, battery: Space, charger: Space):
        self._local = {k: (v, True) for k, v in battery.operators.items()}
        self._local |= {k: (v, False) for k, v in charger.operators.items()}
        self._dims = (battery.dim, charger.dim)
        self._built: dict[str, sp.csr_matrix] = {}

    def __getitem__(self, name: str) -> sp.csr_matrix:
        if name not in self._built:
            op, on_battery = self._local[name]
            other = self._dims[1] if on_battery else self._dims[0]
            if other == 1:  # no charger (or no battery): the factor's operator is the operator
                self._built[name] = sp.csr_matrix(op)
            else:
                eye = sp.identity(other, format="csr")
                pair = (op, eye) if on_battery else (eye, op)
                self._built[name] = sp.kron(*pair, format="csr")
        return self._built[name]

    def __iter__(self):
        return iter(self._local)

    def __len__(self) -> int:
        return len(self._local)


class Env(Mapping):
    """Parameters, then operators: the names an expression may use."""

    def __init__(self, params: dict, operators: Mapping):
        self._params, self._ops = params, operators

    @property
    def operators(self) -> Mapping:
        return self._ops

    def __getitem__(self, name: str):
        return self._params[name] if name in self._params else self._ops[name]

    def __iter__(self):
        yield from self._params
        yield from self._ops

    def __len__(self) -> int:
        return len(self._params) + len(self._ops)


def spec_operator(text, env: Env, dim: int, where: str, allowed: set[str] | None = None):
    """The expression ``text`` evaluated in ``env`` (an :class:`~qbattery.expr.OpSum`), every
    error a :class:`SpecError` on ``where``; ``allowed``: the only operators it may use."""
    try:
        parsed = expr.parse(text)
    except expr.ExprError as err:
        raise SpecError(where, str(err)) from None
    if allowed is not None:
        numbers = int | float | complex
        bad = sorted(
            n
            for n in parsed.names
            if n in env and n not in allowed and not isinstance(env[n], numbers)
        )
        if bad:
            raise SpecError(where, f"uses {', '.join(bad)}, which do not act on this subsystem")
    try:
        return parsed.evaluate(env)
    except expr.ExprError as err:
        raise SpecError(where, str(err)) from None


def battery_local(spec: Spec, params: dict, battery: Space, charger: Space) -> sp.csr_matrix:
    """H_B on the battery factor alone (what the initial state and the ergotropy need)."""
    where = "hamiltonian.battery"
    env = Env(params, battery.operators | dict.fromkeys(charger.operators))
    hb = spec_operator(spec.hamiltonian.battery, env, battery.dim, where, set(battery.operators))
    if hb.is_time_dependent:
        raise SpecError(where, "the battery Hamiltonian must not depend on t")
    return hb.matrix(battery.dim)


def check_hermitian(H: sp.spmatrix, where: str) -> None:
    """H = H† to 1e-10 of its largest entry; on the entries' (row, column) keys, so no sparse
    matrix is built (a small run's build checks four, and constructions dominate it)."""
    H = H.tocsr()
    if not H.nnz:
        return
    n = H.shape[0]
    row = np.repeat(np.arange(n, dtype=np.int64), np.diff(H.indptr))
    col = H.indices.astype(np.int64)
    keys, where_in = np.unique(np.concatenate([row * n + col, col * n + row]), return_inverse=True)
    values = np.concatenate([H.data, -H.data.conj()])
    real = np.bincount(where_in, values.real, minlength=len(keys))
    imag = np.bincount(where_in, values.imag, minlength=len(keys))
    scale = max(1.0, float(np.abs(H.data).max()))
    if float(np.max(np.hypot(real, imag))) > 1e-10 * scale:
        raise SpecError(where, "the Hamiltonian is not Hermitian")


# --------------------------------------------------------------------------- noise

LOCAL_CHANNELS = ("local_decay", "local_dephasing", "local_pumping")
_MODE_CHANNELS = {"mode_loss": "a"}
_COLLECTIVE_CHANNELS = {"collective_decay": "Sm"}


def noise_operators(spec: Spec, env: Env, dim: int):
    """(collapse operators [(name, rate, L)], local channels {name: rate}) of ``[noise]``: the
    built-in channels on the operators of ``env`` they name (a, S_-), ``[[noise.collapse]]``
    entries as written; zero rates are left out, a negative or complex constant rate is an
    error."""
    collapse, local, full_ops = [], {}, env.operators
    noise = spec.noise
    for name in ("mode_loss", "collective_decay", *LOCAL_CHANNELS):
        where = f"noise.{name}"
        rate = _rate(getattr(noise, name), env, where)
        if rate is None:
            continue
        if name in LOCAL_CHANNELS:
            if spec.system.spins is None:
                raise SpecError(where, "local noise is defined for a battery of spins")
            if not rate.is_constant:
                raise SpecError(where, "a local rate must not depend on t")
            local[name] = rate
            continue
        symbol = {**_MODE_CHANNELS, **_COLLECTIVE_CHANNELS}[name]
        if symbol not in full_ops:
            raise SpecError(where, f"needs {symbol}, which this system does not have")
        collapse.append((name, rate, full_ops[symbol]))
    for k, entry in enumerate(noise.collapse):
        where = f"noise.collapse.{k}"
        rate = _rate(entry.rate, env, where + ".rate")
        op = spec_operator(entry.operator, env, dim, where + ".operator")
        if op.is_time_dependent:
            raise SpecError(where + ".operator", "a collapse operator must not depend on t")
        if rate is not None:
            collapse.append((f"collapse[{k}]", rate, op.matrix(dim)))
    return collapse, local


def _rate(value, env: dict, where: str) -> expr.Coef | None:
    try:
        coef = expr.evaluate(value, env).scalar_coef()
    except expr.ExprError as err:
        raise SpecError(where, str(err)) from None
    if coef.is_constant:
        if coef.value.imag != 0 or coef.value.real < 0:
            got = expr.format_number(coef.value)
            raise SpecError(where, f"a rate must be real and >= 0, got {got}")
        if coef.value == 0:
            return None
    return coef
