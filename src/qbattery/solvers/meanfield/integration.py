"""Integrating a one-point model: adaptive DOP853 with dense output, and the fast spin-only
right-hand side (also used by the fixed-step RK4 of :mod:`~qbattery.solvers.meanfield.grid`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp

from qbattery.solvers.meanfield.basis import _quadratic
from qbattery.solvers.meanfield.model import MeanFieldModel, _Slot


@dataclass
class Trajectory:
    """Mean-field solution of one point: t, r (T, 3), α (T,) or None, the dense solution."""

    t: np.ndarray
    r: np.ndarray
    alpha: np.ndarray | None
    model: MeanFieldModel
    sol: object = None
    info: dict = field(default_factory=dict)

    @property
    def u(self) -> np.ndarray:
        return self.r[:, 0]

    @property
    def v(self) -> np.ndarray:
        return self.r[:, 1]

    @property
    def w(self) -> np.ndarray:
        return self.r[:, 2]

    def state(self, t) -> np.ndarray:
        """y(t) (len(t), 1, n_state) from the dense output."""
        t = np.atleast_1d(np.asarray(t, float))
        return self.sol.sol(t).T[:, None, :]

    def energy_at(self, t) -> np.ndarray:
        """Battery energy ⟨H_B⟩(t) − ⟨H_B⟩(0) at arbitrary times."""
        e0 = self.model.battery_energy(self.model.y0())[0]
        return self.model.battery_energy(self.state(t))[:, 0] - e0


def integrate(
    model: MeanFieldModel, times: np.ndarray, *, rtol: float = 1e-9, atol: float = 1e-11
) -> Trajectory:
    """Adaptive DOP853 integration of a one-point model on ``times`` (with dense output)."""
    if model.size != 1:
        raise ValueError("integrate() takes a one-point model; use sweep_grid() for batches")
    times = np.asarray(times, float)
    n = model.n_state

    if model.has_mode:

        def f(t, y):
            return model.derivative(t, y.reshape(1, n)).ravel()

    else:
        fast = _FastSpin(model)

        def f(t, y):
            return fast.rhs(t, y.reshape(3, 1)).ravel()

    sol = solve_ivp(
        f, (times[0], times[-1]), model.y0().ravel(), method="DOP853", t_eval=times,
        dense_output=True, rtol=rtol, atol=atol,
    )  # fmt: skip
    if not sol.success:
        raise RuntimeError(f"mean-field integration failed: {sol.message}")
    y = sol.y.T
    alpha = y[:, 3] + 1j * y[:, 4] if model.has_mode else None
    info = {"method": "DOP853", "rtol": rtol, "atol": atol, "rhs_evaluations": int(sol.nfev)}
    return Trajectory(times, y[:, :3].copy(), alpha, model, sol, info)


class _FastSpin:
    """A spin-only model reduced to a few vector operations, in a (3, B) layout.

    The generator becomes h(t, r) = a(t) + M(t) r with a = linear coefficients and
    M = 2 (⟨S_aS_b⟩ factor / S) Q, split into static and driven parts; only non-zero entries are
    touched. With a ``grid`` every time-dependent coefficient is tabulated once (fixed-step RK4,
    called with the index of the half-step); without, it is evaluated at the time given.
    """

    def __init__(self, model: MeanFieldModel, grid: np.ndarray | None = None):
        self.model = model
        self.grid = grid
        fac = 2 * model._scale2 / model.S
        self.static = self._reduce(model.generator.static, fac)
        self.driven = [
            (self._coef(slot), self._reduce(slot.weight, fac)) for slot in model.generator.slots
        ]
        self.rates = {
            name: self._coef(getattr(model, name), real=True)
            for name in ("local_decay", "local_dephasing")
            if getattr(model, name) is not None
        }
        self.channels = [(self._coef(slot, real=True), l, c) for slot, l, c in model.spin_channels]

    def _coef(self, slot: _Slot, real: bool = False):
        """A function key → (B,) coefficient values (key: half-step index or time)."""
        idx = slot.idx
        if all(c.is_constant for c in slot.coefs):
            vals = np.array([complex(c.value) for c in slot.coefs])[idx]
            vals = vals.real.copy() if real or not np.any(vals.imag) else vals
            return lambda key: vals
        if self.grid is not None:
            table = slot.table(self.grid).T.copy()  # (T, U)
            if real or not np.any(table.imag):
                table = table.real.copy()
            return lambda key: table[key][idx]

        def at(t):
            vals = np.array([complex(np.asarray(c(t))) for c in slot.coefs])[idx]
            return vals.real if real else vals

        return at

    @staticmethod
    def _reduce(p: np.ndarray, fac: np.ndarray):
        """Linear part [(axis, (B,) array)] and quadratic part [(a, b, (B,) array)]."""
        lin = p[:, 1:4]
        Q = _quadratic(p) * fac[:, None, None]
        real = not np.any(lin.imag) and not np.any(Q.imag)
        conv = np.real if real else (lambda x: x)
        a = [(i, conv(lin[:, i]).copy()) for i in range(3) if np.any(lin[:, i])]
        M = [
            (i, j, conv(Q[:, i, j]).copy())
            for i in range(3)
            for j in range(3)
            if np.any(Q[:, i, j])
        ]
        return a, M

    @staticmethod
    def _add(h, part, r, f=None):
        a, M = part
        if f is None:
            for i, arr in a:
                h[i] += arr
            for i, j, arr in M:
                h[i] += arr * r[j]
            return
        for i, arr in a:
            h[i] += (f * arr).real
        for i, j, arr in M:
            h[i] += (f * arr).real * r[j]

    def rhs(self, key, r: np.ndarray) -> np.ndarray:
        h = np.zeros_like(r)
        self._add(h, self.static, r)
        for coef, part in self.driven:
            self._add(h, part, r, coef(key))
        d = np.empty_like(r)
        d[0] = h[1] * r[2] - h[2] * r[1]
        d[1] = h[2] * r[0] - h[0] * r[2]
        d[2] = h[0] * r[1] - h[1] * r[0]
        for name, coef in self.rates.items():
            g = coef(key)
            if name == "local_decay":
                d[0] -= g / 2 * r[0]
                d[1] -= g / 2 * r[1]
                d[2] -= g * (r[2] + 1)
            else:
                d[0] -= 2 * g * r[0]
                d[1] -= 2 * g * r[1]
        for coef, l, c in self.channels:
            d += (coef(key)[:, None] * self.model._collapse(l, c, r.T)).T
        return d
